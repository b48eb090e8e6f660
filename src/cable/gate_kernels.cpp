#include "cable/gate_kernels.hpp"

#include <cstdlib>
#include <string>

#include "myelin/error.hpp"

namespace myelin::detail::cable_simd {

namespace baseline {
extern const kernels table;
}
#if defined(MYELIN_X86_SIMD)
namespace avx512 {
extern const kernels table;
}
namespace avx2 {
extern const kernels table;
}
#endif

const kernels* kernels_named(std::string_view name) {
#if defined(MYELIN_X86_SIMD)
  __builtin_cpu_init();
  if (name == "avx512")
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma") ? &avx512::table
                                                                              : nullptr;
  if (name == "avx2")
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &avx2::table : nullptr;
#endif
  if (name == "baseline") return &baseline::table;
  return nullptr;
}

namespace {
const kernels& pick() {
  if (const char* env = std::getenv("MYELIN_SIMD"); env && *env) {
    if (const kernels* k = kernels_named(env)) return *k;
    throw error(std::string("MYELIN_SIMD=") + env +
                ": this CPU or build has no such kernels (allowed: avx512, avx2, baseline, "
                "each where the CPU supports it)");
  }
  for (const char* name : {"avx512", "avx2"})
    if (const kernels* k = kernels_named(name)) return *k;
  return baseline::table;
}
}  // namespace

const kernels& best_kernels() {
  static const kernels& k = pick();
  return k;
}

}  // namespace myelin::detail::cable_simd

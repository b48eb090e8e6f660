// Generating, compiling, caching and loading the step of a cell type from equations
// (codegen.hpp).

#include "equations/codegen.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "vmath_text.hpp"

namespace myelin::detail::eq {
namespace {

// The expression of one node over its operands' names: the interpreter's operations
// (program.cpp), written the same way so that both compute the same bits.
std::string expr_of(op k, const std::string& a, const std::string& b, const std::string& c) {
  // A condition as the interpreter's 1.0 or 0.0.
  auto flag = [](const std::string& cond) { return "(" + cond + " ? 1.0 : 0.0)"; };
  switch (k) {
    case op::neg:
      return "-" + a;
    case op::add:
      return a + " + " + b;
    case op::sub:
      return a + " - " + b;
    case op::mul:
      return a + " * " + b;
    case op::div:
      return a + " / " + b;
    case op::pow:
      return "std::pow(" + a + ", " + b + ")";
    case op::lt:
      return flag(a + " < " + b);
    case op::le:
      return flag(a + " <= " + b);
    case op::gt:
      return flag(a + " > " + b);
    case op::ge:
      return flag(a + " >= " + b);
    case op::eq:
      return flag(a + " == " + b);
    case op::ne:
      return flag(a + " != " + b);
    case op::land:
      return flag("(" + a + " != 0) & (" + b + " != 0)");
    case op::lor:
      return flag("(" + a + " != 0) | (" + b + " != 0)");
    case op::lnot:
      return flag(a + " == 0");
    case op::exp:
      return "vexp_estrin<F>(" + a + ")";
    case op::log:
      return "eq_log(" + a + ")";
    case op::sqrt:
      return "std::sqrt(" + a + ")";
    case op::abs:
      return "std::fabs(" + a + ")";
    case op::sin:
      return "std::sin(" + a + ")";
    case op::cos:
      return "std::cos(" + a + ")";
    case op::tanh:
      return "std::tanh(" + a + ")";
    case op::floor:
      return "std::floor(" + a + ")";
    case op::ceil:
      return "std::ceil(" + a + ")";
    case op::trunc:
      return "std::trunc(" + a + ")";
    case op::min:
      return "std::fmin(" + a + ", " + b + ")";
    case op::max:
      return "std::fmax(" + a + ", " + b + ")";
    case op::clip:
      return "std::fmin(std::fmax(" + a + ", " + b + "), " + c + ")";
    case op::where:
      return "(" + a + " != 0 ? " + b + " : " + c + ")";
    case op::fma:
      return "fmadd<F>(" + a + ", " + b + ", " + c + ")";
    case op::fms:
      return "fmadd<F>(" + a + ", " + b + ", -" + c + ")";
    case op::fnma:
      return "fmadd<F>(-" + a + ", " + b + ", " + c + ")";
    default:
      return "0";
  }
}

// Compiler flags: those of the library's own kernels (no contraction, so every clone
// and the interpreter agree), no -march: the clones cover the instruction sets.
constexpr const char* flags = "-std=c++20 -O3 -fPIC -shared -ffp-contract=off -fno-trapping-math";

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

std::string find_compiler() {
  std::vector<std::string> names;
  // MYELIN_CXX, when set, is the only candidate (empty or not executable: no compiler).
  if (const char* v = std::getenv("MYELIN_CXX")) {
    if (*v && (std::string(v).find('/') == std::string::npos || access(v, X_OK) == 0)) {
      if (std::string(v).find('/') != std::string::npos) return v;
      names.emplace_back(v);
    } else {
      return "";
    }
  }
  if (const char* v = std::getenv("CXX"); v && *v) names.emplace_back(v);
#ifdef MYELIN_CXX_COMPILER
  if (!std::getenv("MYELIN_CXX")) names.emplace_back(MYELIN_CXX_COMPILER);
#endif
  if (!std::getenv("MYELIN_CXX")) names.insert(names.end(), {"c++", "g++", "clang++"});
  const char* path = std::getenv("PATH");
  for (const std::string& n : names) {
    if (n.find('/') != std::string::npos) {
      if (access(n.c_str(), X_OK) == 0) return n;
      continue;
    }
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string d;
    while (std::getline(dirs, d, ':'))
      if (!d.empty() && access((d + "/" + n).c_str(), X_OK) == 0) return d + "/" + n;
  }
  return "";
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The step: eq_body fused in x86-64-v4 and -v3 builds, unfused in a baseline build,
// the one for this CPU picked once (vmath.hpp, fma_level). GCC only: other compilers
// build the baseline alone.
constexpr const char* dispatch_text =
    R"(using eq_fn = void (*)(double* const*, std::size_t, std::size_t);
static void eq_base(double* const* c, std::size_t b, std::size_t e) { eq_body<false>(c, b, e); }
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((target("arch=x86-64-v4"))) static void eq_v4(double* const* c, std::size_t b,
                                                            std::size_t e) {
  eq_body<true>(c, b, e);
}
__attribute__((target("arch=x86-64-v3"))) static void eq_v3(double* const* c, std::size_t b,
                                                            std::size_t e) {
  eq_body<true>(c, b, e);
}
#endif
extern "C" void myelin_eq_step(double* const* c, std::size_t b, std::size_t e) {
#if defined(__GNUC__) && !defined(__clang__)
  static const eq_fn fn = myelin::detail::fma_level() == 4   ? eq_v4
                          : myelin::detail::fma_level() == 3 ? eq_v3
                                                             : eq_base;
#else
  static const eq_fn fn = eq_base;
#endif
  fn(c, b, e);
}
)";

}  // namespace

std::string step_source(const pool& p, const std::vector<std::pair<node_id, int>>& outputs,
                        const std::vector<int>& column_of_symbol,
                        const std::vector<bool>& uniform_column, int n_columns) {
  std::ostringstream o;
  o << "// Generated by myelin from a cell type's equations (src/equations/codegen.cpp).\n"
       "#include <cfloat>\n#include <cmath>\n#include <cstddef>\n#include <cstdint>\n"
    << myelin_vmath_text
    << "\nusing myelin::detail::fmadd;\nusing myelin::detail::vexp_estrin;\n"
       "using myelin::detail::vlog;\n"
       "static inline double eq_log(double x) {\n"
       "  return x >= DBL_MIN && x <= DBL_MAX ? vlog(x) : std::log(x);\n}\n"
       // GCC's scheduler before register allocation, minding register pressure: the
       // straight-line bodies of these kernels (an rk4 step of an HH model: ~700
       // values) otherwise spill heavily (docs/equations.md, "Compiled kernels").
       "#if defined(__GNUC__) && !defined(__clang__)\n"
       "#pragma GCC optimize(\"schedule-insns\", \"sched-pressure\")\n"
       "#endif\n"
       // The body once, built fused (FMA CPUs) and unfused (the others): eq_dispatch.
       "template <bool F>\n[[gnu::always_inline]] inline void eq_body(double* const* col, "
       "std::size_t begin, std::size_t end) {\n";
  std::vector<bool> used(n_columns, false);
  std::vector<node_id> roots;
  for (const auto& [root, col] : outputs) {
    used[col] = true;
    roots.push_back(root);
  }
  const std::vector<node_id> order = post_order(p, roots);
  for (node_id i : order)
    if (p[i].k == op::sym) used[column_of_symbol[p[i].sym]] = true;
  for (int k = 0; k < n_columns; ++k)
    if (used[k]) {
      if (uniform_column[k])
        o << "  const double u" << k << " = col[" << k << "][0];\n";
      else
        o << "  double* __restrict c" << k << " = col[" << k << "];\n";
    }
  o << "#pragma GCC ivdep\n  for (std::size_t i = begin; i < end; ++i) {\n";
  auto name = [&](node_id i) {
    // Appended rather than "u" + string: GCC 12 warns falsely (-Wrestrict) on the latter.
    const node& n = p[i];
    std::string r;
    if (n.k == op::sym) {
      const int c = column_of_symbol[n.sym];
      r.append(uniform_column[c] ? "u" : "c").append(std::to_string(c));
      if (!uniform_column[c]) r.append("[i]");
      return r;
    }
    return r.append("n").append(std::to_string(i));
  };
  char buf[64];
  for (node_id i : order) {
    const node& n = p[i];
    if (n.k == op::sym) continue;
    o << "    const double n" << i << " = ";
    if (n.k == op::num) {
      std::snprintf(buf, sizeof buf, "%a", n.value);
      o << (std::isfinite(n.value) ? std::string(buf)
                                   : std::string(n.value > 0   ? "INFINITY"
                                                 : n.value < 0 ? "-INFINITY"
                                                               : "NAN"));
    } else {
      const int ar = arity(n.k);
      o << expr_of(n.k, name(n.a), ar > 1 ? name(n.b) : "", ar > 2 ? name(n.c) : "");
    }
    o << ";\n";
  }
  for (const auto& [root, col] : outputs) o << "    c" << col << "[i] = " << name(root) << ";\n";
  o << "  }\n}\n" << dispatch_text;
  return o.str();
}

std::string cache_directory() {
  if (const char* d = std::getenv("MYELIN_CACHE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/myelin";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/myelin";
}

step_fn load_step(const std::string& source, const std::string& what) {
  static std::mutex mutex;
  static std::map<std::string, step_fn> loaded;  // path -> function (objects stay loaded)
  const char* mode = std::getenv("MYELIN_EQUATIONS");
  if (mode && std::string(mode) == "interpreter") return nullptr;
  auto warn = [&](const std::string& why) {
    std::fprintf(stderr,
                 "myelin: warning: cell type '%s' runs on the interpreter (slower, same "
                 "results): %s\n",
                 what.c_str(), why.c_str());
    return nullptr;
  };
  const std::string compiler = find_compiler();
  if (compiler.empty()) return warn("no C++ compiler found (set MYELIN_CXX or CXX)");
  // The key: the source (structure and integrator), the compiler and its flags.
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a(source + "\n" + compiler + "\n" + flags)));
  const std::string dir = cache_directory();
  const std::string so = dir + "/eq_" + hex + ".so";
  std::lock_guard lock(mutex);
  if (auto it = loaded.find(so); it != loaded.end()) return it->second;
  std::error_code ec;
  if (!std::filesystem::exists(so, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return warn("cannot create the cache directory " + dir + ": " + ec.message());
    // Written under unique names and renamed into place: concurrent processes compiling
    // the same type each produce a complete object, and the last rename wins.
    const std::string tmp = so + "." + std::to_string(getpid()) + ".tmp";
    // The source is kept next to the object (eq_<hash>.cpp) for whoever wants to read it.
    const std::string cpp = dir + "/eq_" + hex + ".cpp", log = tmp + ".log";
    {
      std::ofstream f(cpp);
      f << source;
      if (!f) return warn("cannot write " + cpp);
    }
    const std::string cmd = shell_quote(compiler) + " " + flags + " -o " + shell_quote(tmp) + " " +
                            shell_quote(cpp) + " > " + shell_quote(log) + " 2>&1";
    const int rc = std::system(cmd.c_str());
    if (rc != 0) {
      std::ifstream l(log);
      std::string first;
      std::getline(l, first);
      std::filesystem::remove(log, ec);
      std::filesystem::remove(tmp, ec);
      return warn("the compiler failed (" + compiler + "): " + first);
    }
    std::filesystem::remove(log, ec);
    std::filesystem::rename(tmp, so, ec);
    if (ec) return warn("cannot move the compiled object into " + dir + ": " + ec.message());
  }
  void* h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) return warn(std::string("cannot load ") + so + ": " + dlerror());
  auto fn = reinterpret_cast<step_fn>(dlsym(h, "myelin_eq_step"));
  if (!fn) return warn("no step function in " + so);
  loaded[so] = fn;
  return fn;
}

}  // namespace myelin::detail::eq

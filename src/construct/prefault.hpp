#pragma once
// Room for the build's large arrays (a 17M-synapse projection's connections: hundreds of
// MB), its pages made present in one system call (MADV_POPULATE_WRITE, Linux 5.14+)
// instead of one page fault each on first write: seed004's build spent about a fifth
// of its time in page faults. Elsewhere, or on an older kernel, a plain reserve.

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace myelin::detail {

/// v.reserve(n), then the whole pages of the room past v's elements made present (a
/// hint: a refusal changes nothing). For arrays about to be filled, of a MiB or more.
template <class T, class A>
void reserve_present(std::vector<T, A>& v, std::size_t n) {
  v.reserve(n);
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  constexpr std::uintptr_t page = 4096;
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data() + v.size());
  const auto end = reinterpret_cast<std::uintptr_t>(v.data() + v.capacity());
  const std::uintptr_t a = (begin + page - 1) & ~(page - 1), b = end & ~(page - 1);
  if (b >= a + (std::uintptr_t{1} << 20))
    madvise(reinterpret_cast<void*>(a), b - a, MADV_POPULATE_WRITE);
#endif
}

}  // namespace myelin::detail

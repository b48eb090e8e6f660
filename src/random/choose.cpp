// Choosing n of a pool of indices (random/choose.hpp).

#include "random/choose.hpp"

#include <algorithm>
#include <unordered_set>

namespace myelin::detail {

void choose(philox_stream& rng, uint64_t pool, int64_t n, bool replacement, int64_t excluded,
            std::vector<uint32_t>& out, std::vector<uint32_t>& scratch) {
  out.clear();
  const uint64_t avail = pool - (excluded >= 0 ? 1 : 0);
  auto draw = [&]() -> uint32_t {
    // Uniform over the pool without `excluded`: draw from avail and skip over it.
    uint64_t i = rng.below(avail);
    if (excluded >= 0 && i >= static_cast<uint64_t>(excluded)) ++i;
    return static_cast<uint32_t>(i);
  };
  if (replacement) {
    for (int64_t k = 0; k < n; ++k) out.push_back(draw());
  } else if (static_cast<uint64_t>(n) * 4 < avail) {
    // Sparse: rejection of repeats.
    std::unordered_set<uint32_t> seen;
    while (static_cast<int64_t>(out.size()) < n) {
      const uint32_t i = draw();
      if (seen.insert(i).second) out.push_back(i);
    }
  } else {
    // Dense: partial Fisher–Yates over the candidates.
    scratch.clear();
    for (uint64_t i = 0; i < pool; ++i)
      if (static_cast<int64_t>(i) != excluded) scratch.push_back(static_cast<uint32_t>(i));
    for (int64_t k = 0; k < n; ++k) {
      const uint64_t j = k + rng.below(scratch.size() - k);
      std::swap(scratch[k], scratch[j]);
      out.push_back(scratch[k]);
    }
  }
  std::sort(out.begin(), out.end());
}

}  // namespace myelin::detail

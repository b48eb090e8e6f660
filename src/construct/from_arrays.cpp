// FromArrays' construction (from_arrays.hpp).

#include "construct/from_arrays.hpp"

#include <algorithm>
#include <cmath>

#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

void fill_from_arrays(const connector& c, const std::vector<uint64_t>& pre,
                      const std::vector<uint64_t>& post, const gid_layout& layout,
                      const vp_state& st, int vp, int n_vp, double dt, const std::string& field,
                      projection_table& tab) {
  const std::size_t n = c.pre.size();
  const auto nvp = static_cast<uint64_t>(n_vp);
  // VP-local index of each post position this VP owns (UINT32_MAX: another VP's).
  std::vector<uint32_t> local(post.size(), UINT32_MAX);
  for (std::size_t k = 0; k < post.size(); ++k) {
    const uint64_t g = post[k];
    if (g % nvp != static_cast<uint64_t>(vp)) continue;
    const group_slot& gs = st.groups[layout.population_of(g)];
    local[k] = gs.offset + static_cast<uint32_t>((g - gs.first_gid) / nvp);
  }
  // Counting sort of this VP's connections by post position (stable: column order
  // within a target), then by source (stable again): rows by source, targets in post
  // order, as the other connectors' canonical order.
  std::vector<uint64_t> at(post.size() + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (local[static_cast<std::size_t>(c.post[i])] != UINT32_MAX)
      ++at[static_cast<std::size_t>(c.post[i]) + 1];
  for (std::size_t k = 0; k < post.size(); ++k) at[k + 1] += at[k];
  const uint64_t mine = at.back();
  std::vector<uint64_t> by_post(mine);
  for (std::size_t i = 0; i < n; ++i)
    if (local[static_cast<std::size_t>(c.post[i])] != UINT32_MAX)
      by_post[at[static_cast<std::size_t>(c.post[i])]++] = i;

  const uint64_t span = tab.pre_hi - tab.pre_lo;
  tab.offsets.assign(span + 1, 0);
  for (uint64_t i : by_post)
    ++tab.offsets[pre[static_cast<std::size_t>(c.pre[i])] - tab.pre_lo + 1];
  for (uint64_t s = 0; s < span; ++s) tab.offsets[s + 1] += tab.offsets[s];
  std::vector<uint64_t> fill(tab.offsets.begin(), tab.offsets.end() - 1);
  const bool hw = !c.weights.empty(), hd = !c.delays.empty();
  tab.targets.resize(mine);
  if (hw) tab.weights.resize(mine);
  if (hd) tab.delays.resize(mine);
  for (uint64_t i : by_post) {
    const uint64_t pos = fill[pre[static_cast<std::size_t>(c.pre[i])] - tab.pre_lo]++;
    tab.targets[pos] = local[static_cast<std::size_t>(c.post[i])];
    if (hw) tab.weights[pos] = c.weights[i];
    if (hd) {
      const double steps = std::round(c.delays[i] / dt);
      if (!(steps < 2147483648.0))
        throw model_error(field + ".connector.delay[" + std::to_string(i) + "]",
                          "delay " + fmt(c.delays[i]) + " ms exceeds 2^31 time steps");
      tab.delays[pos] = static_cast<uint32_t>(std::max(1.0, steps));
    }
  }
  if (hd) {
    for (uint32_t x : tab.delays) {
      tab.min_delay = std::min(tab.min_delay, x);
      tab.max_delay = std::max(tab.max_delay, x);
    }
  } else if (mine > 0) {
    tab.min_delay = tab.max_delay = tab.delay;
  }
  tab.contiguous_rows = true;
  for (uint64_t s = 0; s < span && tab.contiguous_rows; ++s)
    for (uint64_t m = tab.offsets[s] + 1; m < tab.offsets[s + 1]; ++m)
      if (tab.targets[m] != tab.targets[m - 1] + 1) {
        tab.contiguous_rows = false;
        break;
      }
}

}  // namespace myelin::detail

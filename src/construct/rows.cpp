// The transposition of generated connections into rows by source (construct/rows.hpp).

#include "construct/rows.hpp"

#include <algorithm>

#include "construct/prefault.hpp"

namespace myelin::detail {

void transpose_rows(const generated_connections& g, bool hetero_w, bool hetero_d,
                    connection_values* late, projection_table& tab) {
  const column<uint32_t>& src_rel = g.src_rel;
  const uint64_t span = tab.pre_hi - tab.pre_lo;
  tab.offsets.assign(span + 1, 0);
  for (uint32_t s : src_rel) ++tab.offsets[s + 1];
  for (uint64_t s = 0; s < span; ++s) tab.offsets[s + 1] += tab.offsets[s];
  std::vector<uint64_t> fill(span);  // each pass starts it at the rows' offsets
  reserve_present(tab.targets, src_rel.size());
  tab.targets.resize(src_rel.size());
  if (hetero_w) reserve_present(tab.weights, src_rel.size());
  if (hetero_w) tab.weights.resize(src_rel.size());
  if (hetero_d) reserve_present(tab.delays, src_rel.size());
  if (hetero_d) tab.delays.resize(src_rel.size());
  // One pass per array: each pass keeps one row end per source open for writing (a
  // few hundred KB for 10,000 sources, within L2), where one pass writing all three
  // arrays kept three and missed the cache on most stores.
  auto scatter = [&](auto&& put) {
    std::copy(tab.offsets.begin(), tab.offsets.end() - 1, fill.begin());
    std::size_t m = 0;
    for (std::size_t r = 0; r < g.runs.size(); ++r)
      for (const std::size_t end = g.runs[r].second; m < end; ++m) put(fill[src_rel[m]]++, m, r);
  };
  scatter([&](uint64_t pos, std::size_t, std::size_t r) { tab.targets[pos] = g.runs[r].first; });
  if (hetero_d)
    scatter([&](uint64_t pos, std::size_t m, std::size_t) { tab.delays[pos] = g.d[m]; });
  if (hetero_w && !late)
    scatter([&](uint64_t pos, std::size_t m, std::size_t) { tab.weights[pos] = g.w[m]; });
  if (!late) return;
  std::copy(tab.offsets.begin(), tab.offsets.end() - 1, fill.begin());
  column<double> drawn;  // one target's weights
  std::size_t m = 0;
  for (std::size_t r = 0; r < g.runs.size(); ++r) {
    const std::size_t n = g.runs[r].second - m;
    drawn.resize(n);
    late->begin_target(g.run_gids[r]);
    late->next_n(drawn.data(), n);
    for (std::size_t j = 0; j < n; ++j) tab.weights[fill[src_rel[m + j]]++] = drawn[j];
    m += n;
  }
}

}  // namespace myelin::detail

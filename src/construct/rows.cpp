// The transposition of generated connections into rows by source (construct/rows.hpp).

#include "construct/rows.hpp"

#include "construct/prefault.hpp"
#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

void weight_error(double x, bool negative, uint64_t source, uint64_t target,
                  const std::string& field) {
  throw model_error(field, "weight " + fmt(x) + " from gid " + std::to_string(source) + " to gid " +
                               std::to_string(target) + " must be " + (negative ? "<= 0" : ">= 0"));
}

void transpose_rows(const generated_connections& g, bool hetero_w, bool hetero_d,
                    connection_values* late, bool negative, projection_table& tab) {
  const std::vector<uint32_t>& src_rel = g.src_rel;
  const uint64_t span = tab.pre_hi - tab.pre_lo;
  tab.offsets.assign(span + 1, 0);
  for (uint32_t s : src_rel) ++tab.offsets[s + 1];
  for (uint64_t s = 0; s < span; ++s) tab.offsets[s + 1] += tab.offsets[s];
  std::vector<uint64_t> fill(tab.offsets.begin(), tab.offsets.end() - 1);
  reserve_present(tab.targets, src_rel.size());
  tab.targets.resize(src_rel.size());
  if (hetero_w) reserve_present(tab.weights, src_rel.size());
  if (hetero_w) tab.weights.resize(src_rel.size());
  if (hetero_d) reserve_present(tab.delays, src_rel.size());
  if (hetero_d) tab.delays.resize(src_rel.size());
  std::size_t m = 0;
  std::vector<double> drawn;  // late: one target's weights
  for (std::size_t r = 0; r < g.runs.size(); ++r) {
    const auto [tl, end] = g.runs[r];
    if (late) {
      const std::size_t n = end - m;
      drawn.resize(n);
      late->begin_target(g.run_gids[r]);
      late->next_n(drawn.data(), n);
      bool bad = false;
      for (std::size_t j = 0; j < n; ++j) bad |= bad_weight(drawn[j], negative);
      for (std::size_t j = 0; bad && j < n; ++j)
        check_weight(drawn[j], negative, tab.pre_lo + src_rel[m + j], g.run_gids[r], late->field());
      for (std::size_t j = 0; j < n; ++j) {
        const uint64_t pos = fill[src_rel[m + j]]++;
        tab.targets[pos] = tl;
        tab.weights[pos] = drawn[j];
        if (hetero_d) tab.delays[pos] = g.d[m + j];
      }
      m = end;
      continue;
    }
    for (; m < end; ++m) {
      const uint64_t pos = fill[src_rel[m]]++;
      tab.targets[pos] = tl;
      if (hetero_w) tab.weights[pos] = g.w[m];
      if (hetero_d) tab.delays[pos] = g.d[m];
    }
  }
}

}  // namespace myelin::detail

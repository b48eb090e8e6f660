#pragma once
// A projection's connections as the builder generates them, target by target, and their
// transposition into the rows by source that delivery reads (projection_table).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "construct/values.hpp"
#include "engine/projection_table.hpp"

namespace myelin::detail {

/// Whether a weight is not finite or has the wrong sign for its receptor (`negative`: an
/// inhibitory receptor of a current-based cell wants <= 0).
inline bool bad_weight(double x, bool negative) {
  return !std::isfinite(x) || (negative ? x > 0 : x < 0);
}
/// Throws model_error(field) naming the connection of a bad weight (bad_weight).
[[noreturn]] void weight_error(double x, bool negative, uint64_t source, uint64_t target,
                               const std::string& field);
inline void check_weight(double x, bool negative, uint64_t source, uint64_t target,
                         const std::string& field) {
  if (bad_weight(x, negative)) [[unlikely]]
    weight_error(x, negative, source, target, field);
}

/// Connections in generation order: targets ascending, each target's sources ascending.
struct generated_connections {
  column<uint32_t> src_rel;                            // source gid - table's pre_lo
  std::vector<std::pair<uint32_t, std::size_t>> runs;  // per target: local index, end
  std::vector<uint64_t> run_gids;  // per target its gid, where weights are drawn late
  column<double> w;                // per connection, unless homogeneous or drawn late
  column<uint32_t> d;              // per connection [steps], unless homogeneous
};

/// Fills tab's offsets, targets, weights (hetero_w) and delays (hetero_d) from `g` by a
/// stable counting sort on the source. With `late` (weights from a distribution that needs
/// no distance), each target's weights are drawn here from `late`'s stream, the values
/// drawing them during generation gives, and checked (check_weight, `negative`).
void transpose_rows(const generated_connections& g, bool hetero_w, bool hetero_d,
                    connection_values* late, bool negative, projection_table& tab);

}  // namespace myelin::detail

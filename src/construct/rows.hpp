#pragma once
// A projection's connections as the builder generates them, target by target, and their
// transposition into the rows by source that delivery reads (projection_table).

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "construct/values.hpp"
#include "engine/projection_table.hpp"

namespace myelin::detail {

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
/// drawing them during generation gives; they need no check_weight, as validation admits
/// only distributions whose support has the receptor's sign (validate.cpp, check_value).
void transpose_rows(const generated_connections& g, bool hetero_w, bool hetero_d,
                    connection_values* late, projection_table& tab);

}  // namespace myelin::detail

#pragma once
// FromArrays: a projection's connections given as columns (pre, post, weight, delay),
// e.g. by the Python binding from NumPy arrays. Built by a counting sort over the columns
// and a sort of each row, O(n log(row length) + cells), with no allocation per connection.

#include <cstdint>
#include <vector>

#include "engine/projection_table.hpp"
#include "engine/vp_state.hpp"
#include "model/selection.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// Fills `tab` (projection, receptor, pre_lo, pre_hi and the scalar weight and delay
/// already set) with the connections of `c` that end on VP `vp`'s cells. `pre` and
/// `post` are the gids of the projection's selections. Within a row, targets are in post
/// selection order, then column order, as FromList's. Delays are rounded to whole steps
/// of `dt` (validation refused any below one step).
void fill_from_arrays(const connector& c, const std::vector<uint64_t>& pre,
                      const std::vector<uint64_t>& post, const gid_layout& layout,
                      const vp_state& st, int vp, int n_vp, double dt, const std::string& field,
                      projection_table& tab);

/// For each connection of VP `vp`'s table of such a projection (built by
/// fill_from_arrays with this pre_lo and pre_hi), in table order: its index in the
/// columns. (simulation::connections returns FromArrays' connections in column order.)
std::vector<uint64_t> from_arrays_columns(const connector& c, const std::vector<uint64_t>& pre,
                                          const std::vector<uint64_t>& post,
                                          const gid_layout& layout, const vp_state& st, int vp,
                                          int n_vp, uint64_t pre_lo, uint64_t pre_hi);

}  // namespace myelin::detail

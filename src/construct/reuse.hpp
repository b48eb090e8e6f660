#pragma once
// Reusing a built network for the next model (simulation::reset, docs/batch.md,
// "Reusing the network"): which connection tables of the previous build stay valid, and
// drawing a projection's weights anew onto a kept table.
//
// A table is kept only when the new build would produce the same connections: the same
// pre- and postsynaptic gids, connector, receptor and delays, and the same random draws
// wherever the connections depend on the seed or on positions. Cells, current sources,
// drives, recorders and ring buffers are always built anew. When unsure, a table is
// built anew: reuse may only save time, never change a result.

#include <cstdint>
#include <vector>

#include "engine/vp_state.hpp"
#include "model/selection.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// What the new build does with the previous build's table of one projection.
enum class table_reuse : uint8_t {
  build,           ///< builds it anew
  keep,            ///< takes connections and weights as they are
  scalar_weight,   ///< takes the connections, with the new homogeneous weight
  redraw_weights,  ///< takes the connections, drawing the weights anew (redraw_weights)
};

/// Whether `next` has the cells of `prev`: the same dt and the same populations (count,
/// sizes, cell types), so that gids, VPs and VP-local indices are the same. Both
/// validated, drives expanded.
bool same_cell_layout(const network& prev, const network& next);

/// For each projection of `next` (same_cell_layout with `prev`), what its build takes
/// over from the table `prev` built for the projection of the same index.
std::vector<table_reuse> plan_table_reuse(const network& prev, const network& next,
                                          const gid_layout& layout);

/// The weights of projection `j` of `net` (a distribution) for the connections of
/// `table`, a table of the same connections built before, as building `net` draws them:
/// from each target's stream, in the order the connector generated its sources (for
/// the connectors and selections plan_table_reuse allows, the order of a scan of the
/// table's rows). `st` holds the new build's cells. False if a weight has the sign the
/// receptor forbids or is not finite: the projection is then built anew, which reports
/// it.
bool redraw_weights(const network& net, std::size_t j, const projection_table& table,
                    const vp_state& st, bool negative, column<double>& out);

/// A table with everything of `prev` but its connections and weights (offsets, targets,
/// weights and delays empty; the homogeneous weight 0).
projection_table table_shell(const projection_table& prev);

/// Moves the connections (and, for `keep`, the weights) of the tables `taken` marks from
/// `prev` into `st`'s tables of the same index. Cannot fail.
void adopt_tables(std::vector<projection_table>& prev, vp_state& st,
                  const std::vector<table_reuse>& taken);

}  // namespace myelin::detail

#pragma once
// Builds the local part of a network for one virtual process.

#include <vector>

#include "construct/reuse.hpp"
#include "engine/vp_state.hpp"
#include "model/selection.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// Instantiates the cells of VP `vp` (of `n_vp`), the connections ending on them, and
/// the local targets of stimuli and trace recorders. `net` must be validated.
///
/// With `prev` (this VP's tables of an earlier build whose cells were laid out alike) and
/// `reuse` (plan_table_reuse), a projection's table is taken over as `reuse` says: its
/// new weights are set here, its connections left in `prev` until adopt_tables moves
/// them, once every VP has been built. Returns, per projection, what its table awaits
/// from `prev` (`build` for tables built here, also where a redraw failed).
std::vector<table_reuse> build_vp(const network& net, const gid_layout& layout, int vp, int n_vp,
                                  vp_state& st, const std::vector<projection_table>* prev = nullptr,
                                  const std::vector<table_reuse>* reuse = nullptr);

/// Whether projection `pr`'s weights must be <= 0 (an inhibitory projection onto current-
/// based or delta synapses) rather than >= 0.
bool negative_weights(const network& net, const projection& pr, const std::string& field);

}  // namespace myelin::detail

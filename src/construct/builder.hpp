#pragma once
// Builds the local part of a network for one virtual process.

#include "engine/vp_state.hpp"
#include "model/selection.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// Instantiates the cells of VP `vp` (of `n_vp`), the connections ending on them, and
/// the local targets of stimuli and trace recorders. `net` must be validated.
void build_vp(const network& net, const gid_layout& layout, int vp, int n_vp, vp_state& st);

}  // namespace myelin::detail

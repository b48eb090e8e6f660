#pragma once
// The local ends of current sources and trace recorders on one VP (build_vp's last
// stage, once the VP's cell groups exist).

#include "engine/vp_state.hpp"
#include "model/selection.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// The index of cell `gid` among the cells of its VP (cells are dealt to the `n_vp` VPs
/// round-robin by gid; the VP's groups must exist).
uint32_t vp_local_index(const gid_layout& layout, const vp_state& st, int n_vp, uint64_t gid);

/// For each current source, the VP-local cells (and gids) of its targets that VP `vp`
/// (of `n_vp`) owns.
void build_stimulus_targets(const network& net, const gid_layout& layout, int vp, int n_vp,
                            vp_state& st);

/// For each recorded variable other than spikes, a trace buffer with the address of the
/// value of every recorded cell this VP owns (cell_group::will_record first, so groups
/// that fill a column on demand start filling it).
void build_trace_targets(const network& net, const gid_layout& layout, int vp, int n_vp,
                         vp_state& st);

}  // namespace myelin::detail

#pragma once
// Spike delivery: a VP's input ring buffers ([slot][receptor][cell], one slot per step
// of the ring's horizon) and its queue of events beyond the horizon. Spikes of an epoch
// are delivered per connection table, by the table's synapse kind
// (projection_table.hpp).

#include <cstdint>
#include <vector>

#include "engine/vp_state.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// The longest delay [steps] delivered straight into the ring: every delay up to
/// max_delay when that is modest (every point-neuron model so far); beyond 4096 steps a
/// horizon within a memory budget of 32 MiB for `total_cells` cells, longer delays going
/// through the VP's event queue. Depends only on global quantities, so which events take
/// the queue is the same for every layout.
int64_t ring_horizon(int64_t min_delay, int64_t max_delay, int n_receptors, uint64_t total_cells);

/// Sizes vp's ring for `horizon` (horizon + 1 slots of n_receptors rows), all zero.
void allocate_ring(vp_state& vp, int64_t horizon, int n_receptors);

/// Sets each group's `receives`: the receptors its cells can get events on, from the
/// target populations of vp's tables and the events queued at build (HNN drives). Call
/// after allocate_ring, before the first step.
void mark_inputs(const network& net, vp_state& vp);

/// Adds the weights of every connection of vp's tables that `spikes` (sorted by
/// (step, gid)) reach into the ring slot of step + delay, or queues them when the delay
/// exceeds `horizon`. Spike-major, then table order, then row order: each target sums
/// its inputs in the same order for every layout.
void deliver(vp_state& vp, const std::vector<spike_event>& spikes, int64_t horizon);

/// Adds the queued events of step s into `slot`, the ring slot of step s.
void take_queued(vp_state& vp, int64_t s, int64_t slot);

/// Zeroes the rows of `slot` each group can receive on, once the step has read them
/// (the slot is reused a horizon later), except for groups whose kernel zeroes them as
/// it reads them.
void clear_slot(vp_state& vp, int64_t slot);

}  // namespace myelin::detail

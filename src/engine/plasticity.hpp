#pragma once
// Delivery of plastic synapses (projection_table.hpp's plastic kinds): Tsodyks-Markram
// short-term plasticity, SimpleStochasticSynapse and pair-based STDP in NEST's scheme
// (the weight updated when a presynaptic spike is delivered, from the presynaptic trace
// of its row and the postsynaptic cell's spike history). The numerics are stated in
// docs/numerics.md ("Plastic synapses").

#include <cstdint>
#include <vector>

#include "engine/vp_state.hpp"

namespace myelin::detail {

struct spike_event;

/// Delivers spike `e` through row [b, end) of plastic table `t`, adding each weight to
/// its target's ring slot of step e.step + delay (or the VP's queue beyond `horizon`),
/// and updates the row's (and, for STDP, the synapses') state.
void deliver_tsodyks_markram(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                             uint64_t end, int64_t horizon);
void deliver_stochastic(vp_state& vp, const projection_table& t, const spike_event& e, uint64_t b,
                        uint64_t end, int64_t horizon);
void deliver_stdp(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b, uint64_t end,
                  int64_t horizon);

/// Appends the spikes of this VP's cells `first + cells[i]` at step `s` to the histories
/// of every STDP table that reaches them (vp.stdp_tables).
void note_post_spikes(vp_state& vp, uint32_t first, const std::vector<uint32_t>& cells, int64_t s);

/// The Bernoulli draw of SimpleStochasticSynapse: whether the synapse from `pre` to
/// `post` (the `ordinal`-th of that pair in the projection) transmits the spike of step
/// `step`. A pure function of its arguments: the same on every thread and rank.
bool transmits(uint64_t seed, uint32_t projection, uint64_t pre, uint64_t post, uint32_t ordinal,
               int64_t step, double p);

}  // namespace myelin::detail

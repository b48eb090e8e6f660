#pragma once
// Delivery of plastic synapses (projection_table.hpp's plastic kinds): Tsodyks-Markram
// short-term plasticity, SimpleStochasticSynapse, stochastic Tsodyks-Markram release from
// n sites (StochasticTsodyksMarkramSynapse, MultiQuantalSynapse; plasticity.cpp) and pair-based
// STDP in NEST's scheme (stdp.cpp: the weight updated when a presynaptic spike is delivered, from
// the presynaptic trace of its row and the postsynaptic cell's latest spikes and spike history).
// The numerics are stated in docs/numerics.md ("Plastic synapses").

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/vp_state.hpp"

namespace myelin::detail {

/// Adds weight w to `cell`'s input on t's receptor at step `step` + d: the ring slot
/// when d is within the horizon, else the VP's queue (as the static path does).
inline void add_input(vp_state& vp, const projection_table& t, int64_t step, uint32_t d,
                      uint32_t cell, double w, int64_t horizon) {
  if (d <= horizon) {
    const auto slot = static_cast<std::size_t>((step + d) % vp.n_slots);
    vp.ring[(slot * static_cast<std::size_t>(vp.n_receptors) + t.receptor) * vp.n_cells + cell] +=
        w;
  } else {
    vp.queue.push_back({step + d, vp.queue_seq++, cell, t.receptor, w});
    std::push_heap(vp.queue.begin(), vp.queue.end(), std::greater<>());
  }
}

/// Delivers spike `e` through row [b, end) of plastic table `t`, adding each weight to
/// its target's ring slot of step e.step + delay (or the VP's queue beyond `horizon`),
/// and updates the row's (and, for STDP, the synapses') state.
void deliver_tsodyks_markram(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                             uint64_t end, int64_t horizon);
void deliver_stochastic(vp_state& vp, const projection_table& t, const spike_event& e, uint64_t b,
                        uint64_t end, int64_t horizon);
void deliver_quantal(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                     uint64_t end, int64_t horizon);
void deliver_stdp(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b, uint64_t end,
                  int64_t horizon);

/// Sizes the STDP tables' per-cell `recent` state (no spikes yet); after the tables
/// are built, before the first step.
void prepare_stdp(vp_state& vp);

/// Called once every spike before step `done` has been delivered and every
/// postsynaptic spike before it noted. When `done` has passed a multiple s of the
/// catch-up period (stdp_catch_up_ms in steps) not yet caught up at, applies early, to
/// the synapses of every STDP row of this VP silent for a period before s, the
/// facilitation by the postsynaptic spikes that have reached them: those up to step
/// s + (1 - 2f) d and before s. These are the updates the rows' next spikes would apply,
/// in the same order (spikes, and the weights spikes deliver, do not change), but the
/// spikes every synapse has read leave the histories, which stay bounded. Catch-ups
/// happen at the same steps whatever the threads, ranks or run segments.
void catch_up_stdp(vp_state& vp, int64_t done);

/// Appends the spikes of this VP's cells `first + cells[i]` at step `s` to the histories
/// of every STDP table that reaches them (vp.stdp_tables).
void note_post_spikes(vp_state& vp, uint32_t first, const std::vector<uint32_t>& cells, int64_t s);

/// The Bernoulli draw of SimpleStochasticSynapse: whether the synapse from `pre` to
/// `post` (the `ordinal`-th of that pair in the projection) transmits the spike of step
/// `step`. A pure function of its arguments: the same on every thread and rank.
bool transmits(uint64_t seed, uint32_t projection, uint64_t pre, uint64_t post, uint32_t ordinal,
               int64_t step, double p);

/// Uniforms in (0, 1) of one (synapse, spike) of a quantal table, two per block: block
/// `block` of the stream keyed like transmits(). A pure function of its arguments.
void release_uniforms(uint64_t seed, uint32_t projection, uint64_t pre, uint64_t post,
                      uint32_t ordinal, int64_t step, uint32_t block, double out[2]);

}  // namespace myelin::detail

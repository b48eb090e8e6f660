#pragma once
// Connection tables: the connections of one projection that end on one VP's cells.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace myelin::detail {

/// std::allocator whose value-initialisation of a new element (as resize() does) leaves a
/// trivial type uninitialised: the build resizes a table's columns (hundreds of MB for
/// large projections) and then writes every element, so zero-filling them first is a
/// wasted pass over memory. Every other construction is std::allocator's.
template <class T>
struct uninit_allocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = uninit_allocator<U>;
  };
  uninit_allocator() = default;
  template <class U>
  uninit_allocator(const uninit_allocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
};
/// A table column (uninit_allocator: resize() leaves new elements to be written).
template <class T>
using column = std::vector<T, uninit_allocator<T>>;

/// Length of an STDP table's trace-decay tables: 8192 steps (819 ms at dt = 0.1 ms),
/// 128 KiB for the two; an interval beyond (a cell silent that long: rare at the rates
/// where STDP costs) costs an exp() per synaptic event instead of a load. (16384 steps
/// were 1 B per synapse on COBA: docs/numerics.md, "Memory".)
inline constexpr std::size_t stdp_decay_steps = 8192;

/// An STDP row silent this long [ms] has its synapses read the postsynaptic spikes that
/// reached them since (their facilitation, applied early: stdp.cpp, catch_up_stdp), so
/// that those spikes can leave the histories: a silent presynaptic cell would keep its
/// targets' histories growing at their firing rate. Rows are looked at every
/// stdp_catch_up_ms / stdp_catch_up_checks, so a history holds about the spikes of the
/// last period and a quarter: shorter periods keep less but cost more catch-ups
/// (docs/numerics.md, "Plastic synapses": 100-400 ms measured).
inline constexpr double stdp_catch_up_ms = 400.0;
inline constexpr int stdp_catch_up_checks = 4;

/// How a table's synapses act on a spike. Delivery (delivery.cpp) switches on it once
/// per table and spike, never per connection: each kind has its own loop there
/// (plastic kinds in plasticity.cpp and stdp.cpp). State that depends only on the
/// presynaptic train (Tsodyks-Markram's u and x, STDP's presynaptic trace) lives per row
/// (`rows`), state per synapse (STDP's weight) in the table's columns, in the order of
/// `targets`.
enum class synapse_kind : uint8_t {
  static_synapse,   ///< a fixed weight, added to the target's input after the delay
  tsodyks_markram,  ///< the weight scaled by u x of the row (short-term plasticity)
  stochastic,       ///< each spike transmitted with probability p (counter-based draw)
  quantal,          ///< Tsodyks-Markram with stochastic release from n sites per synapse
  stdp,             ///< pair-based STDP: the weight updated as the spike is delivered
};

/// STDP weight dependences (PyNN's names; formulas in docs/numerics.md).
enum class weight_dependence : uint8_t {
  additive,
  multiplicative,
  additive_potentiation_multiplicative_depression,
  gutig,
};

/// A plastic table's parameters (shared by the projection), times in ms.
struct synapse_params {
  double dt = 0.1;
  double U = 0.5, tau_rec = 100.0, tau_facil = 0.0;  // Tsodyks-Markram
  double p = 1.0;                                    // SimpleStochasticSynapse
  uint64_t seed = 0;                                 //   its (and quantal's) stream key
  uint32_t n_sites = 1;                              // quantal: release sites per synapse
  double tau_plus = 20.0, tau_minus = 20.0, A_plus = 0.01, A_minus = 0.01;  // SpikePairRule
  double w_min = 0.0, w_max = 1.0, mu_plus = 0.5, mu_minus = 0.5;
  weight_dependence wdep = weight_dependence::additive;
  double dendritic_fraction = 1.0;
};

/// Per-row state. Tsodyks-Markram: a = u, b = x (after the row's last spike);
/// STDP: a = the presynaptic trace K+ just after the last spike. `last`: that spike's
/// step (-1: none yet). STDP `caught`: the step s of the row's last catch-up since that
/// spike (-1: none; stdp.cpp): its synapses have read the postsynaptic spikes that
/// reached them up to step min(s - 1, s + (1 - 2f) d).
struct row_state {
  double a = 0.0, b = 1.0;
  int32_t last = -1;  // (runs are limited to 2^31 steps)
  int32_t caught = -1;
};

/// One postsynaptic spike of an STDP table's history: its step (runs are limited to
/// 2^31 steps) and how many of the cell's joined synapses in the table have yet to read
/// it; 8 bytes. Its trace K- is not kept: the one reader that needs it walks it from the
/// history's latest dropped entry (stdp.cpp, k_minus_at).
struct post_spike {
  int32_t step;
  uint32_t unread;
};

/// The latest spikes of one target cell of an STDP table, read by every delivery to it:
/// 16 bytes, four to a cache line, contiguous over the VP's cells. A delivery to a
/// synapse whose target has not fired since the synapse's last presynaptic spike (most
/// of them), or has fired once (`prev` before that spike), needs nothing else.
struct post_recent {
  int32_t step = -1;     ///< the cell's latest spike (-1: none yet)
  int32_t prev = -1;     ///< the one before it (-1: none)
  double k_minus = 0.0;  ///< the postsynaptic trace K- just after `step`
};

/// Counts of one target cell of an STDP table: its synapses in the table that have
/// joined (at their first presynaptic spike), and the reads of its latest spike that
/// deliveries counted here instead of in the history (post_history).
struct post_count {
  uint32_t n_in = 0;
  uint32_t recent_reads = 0;
};

/// The spike history of one target cell of an STDP table, touched only when the cell
/// has fired more than once since a synapse's last presynaptic spike (and at some
/// first ones). Entries [head, size) are live. An entry is dropped once every joined
/// synapse has read it (docs/numerics.md). `pruned_*` is the latest dropped entry (for
/// the trace). The synapses that still have to read the latest spike (the last entry)
/// are its `unread` less the cell's `recent_reads` (post_count).
struct post_history {
  std::vector<post_spike> spikes;
  uint32_t head = 0;
  int32_t pruned_step = -1;     ///< the latest dropped entry's step (-1: none)
  double pruned_k_minus = 0.0;  ///< K- just after it (40 bytes in all)
};

/// The connections of one projection that end on this VP's cells, indexed by the
/// presynaptic gid (compressed sparse rows over the gid range [pre_lo, pre_hi)).
/// Within a row, targets are in canonical order (ascending target, then generation
/// order), which makes the summation order of inputs independent of the layout.
/// Homogeneous weights/delays are stored once, not per synapse.
struct projection_table {
  uint32_t projection = 0;
  synapse_kind kind = synapse_kind::static_synapse;
  int receptor = 0;  // index in the target cell type's receptor list
  uint64_t pre_lo = 0, pre_hi = 0;
  std::vector<uint64_t> offsets;  // pre_hi - pre_lo + 1 entries
  column<uint32_t> targets;       // VP-local cell index
  column<double> weights;         // per synapse, or empty: `weight` for all
  column<uint32_t> delays;        // per synapse [steps], or empty: `delay` for all
  double weight = 0.0;
  uint32_t delay = 1;
  uint32_t min_delay = UINT32_MAX, max_delay = 0;
  bool contiguous_rows = false;  // every row's targets are t, t+1, t+2, ...

  // Plastic kinds only (construct/synapses.cpp sets them up).
  synapse_params syn;
  std::vector<row_state> rows;     // TM, STDP: one per presynaptic gid
  std::vector<post_history> post;  // STDP: one per VP-local cell
  // STDP: one per VP-local cell, sized by prepare_stdp (plasticity.hpp).
  std::vector<post_recent> recent;
  std::vector<post_count> counts;
  // STDP: exp(-n dt / tau_minus) and exp(-n dt / tau_plus) for n = 0, 1, ... steps,
  // the same doubles as the rule's exp() gives when the interval is n whole steps
  // (stdp_decay_steps of them; longer intervals call exp()).
  std::vector<double> decay_minus, decay_plus;
  std::vector<uint64_t> target_gids;  // stochastic, quantal: the gid of each VP-local cell
  column<uint16_t> available;         // quantal: per synapse, its sites ready to release

  std::size_t size() const { return targets.size(); }
  /// Sets min_delay, max_delay and contiguous_rows from the filled rows (the builder's
  /// last step for every connector).
  void finish_rows() {
    if (!delays.empty()) {
      for (uint32_t x : delays) {
        min_delay = std::min(min_delay, x);
        max_delay = std::max(max_delay, x);
      }
    } else if (!targets.empty()) {
      min_delay = max_delay = delay;
    }
    // Rows whose targets are consecutive cells (AllToAll onto a population, dense
    // blocks) are delivered as a plain vector add.
    contiguous_rows = true;
    for (std::size_t s = 0; s + 1 < offsets.size() && contiguous_rows; ++s)
      for (uint64_t m = offsets[s] + 1; m < offsets[s + 1]; ++m)
        if (targets[m] != targets[m - 1] + 1) {
          contiguous_rows = false;
          break;
        }
  }

  std::size_t bytes() const {
    std::size_t b =
        offsets.capacity() * sizeof(uint64_t) + targets.capacity() * sizeof(uint32_t) +
        weights.capacity() * sizeof(double) + delays.capacity() * sizeof(uint32_t) +
        rows.capacity() * sizeof(row_state) + post.capacity() * sizeof(post_history) +
        recent.capacity() * sizeof(post_recent) + counts.capacity() * sizeof(post_count) +
        (decay_minus.capacity() + decay_plus.capacity()) * sizeof(double) +
        target_gids.capacity() * sizeof(uint64_t) + available.capacity() * sizeof(uint16_t);
    for (const auto& h : post) b += h.spikes.capacity() * sizeof(post_spike);
    return b;
  }
};

}  // namespace myelin::detail

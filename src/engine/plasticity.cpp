// Plastic synapses: Tsodyks-Markram, SimpleStochasticSynapse and pair-based STDP
// (plasticity.hpp; numerics in docs/numerics.md, "Plastic synapses").

#include "engine/plasticity.hpp"

#include <Random123/philox.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "random/rng.hpp"

namespace myelin::detail {
namespace {

// Spike times are whole steps; a dendritic delay fraction may shift them by a fraction
// of a step. Comparisons of such shifted times allow for the rounding of (1 - 2f) d.
constexpr double step_eps = 1e-6;

// Adds weight w to `cell`'s input on t's receptor at step `step` + d: the ring slot when
// d is within the horizon, else the VP's queue (as the static path does).
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

using wd = weight_dependence;

// Potentiation by a pair whose presynaptic trace is k (docs/numerics.md), clipped.
template <wd W>
inline double facilitate(const synapse_params& q, double w, double k) {
  double dw;
  if constexpr (W == wd::additive || W == wd::additive_potentiation_multiplicative_depression) {
    dw = q.A_plus * q.w_max * k;
  } else if constexpr (W == wd::multiplicative) {
    dw = q.A_plus * (q.w_max - w) * k;
  } else {
    const double range = q.w_max - q.w_min;
    dw = range > 0
             ? q.A_plus * range * std::pow(std::max(0.0, (q.w_max - w) / range), q.mu_plus) * k
             : 0.0;
  }
  return std::clamp(w + dw, q.w_min, q.w_max);
}

// Depression by a presynaptic spike that meets the postsynaptic trace k, clipped.
template <wd W>
inline double depress(const synapse_params& q, double w, double k) {
  double dw;
  if constexpr (W == wd::additive) {
    dw = q.A_minus * q.w_max * k;
  } else if constexpr (W == wd::multiplicative ||
                       W == wd::additive_potentiation_multiplicative_depression) {
    dw = q.A_minus * (w - q.w_min) * k;
  } else {
    const double range = q.w_max - q.w_min;
    dw = range > 0
             ? q.A_minus * range * std::pow(std::max(0.0, (w - q.w_min) / range), q.mu_minus) * k
             : 0.0;
  }
  return std::clamp(w - dw, q.w_min, q.w_max);
}

// Compacts a history whose dead front has grown to half of it.
inline void compact(post_history& h) {
  if (h.head >= 32 && 2 * h.head >= h.spikes.size()) {
    h.spikes.erase(h.spikes.begin(), h.spikes.begin() + h.head);
    h.head = 0;
  }
}

// Drops the entries every joined synapse of the table onto this cell has read, keeping
// the latest dropped one in h.pruned (for the trace).
inline void prune(post_history& h) {
  const auto n = static_cast<uint32_t>(h.spikes.size());
  while (h.head < n && h.spikes[h.head].reads >= h.n_in) h.pruned = h.spikes[h.head++];
  compact(h);
}

// exp(-n dt / tau) for n >= 0 whole steps: the table's entry (bit for bit the exp() it
// replaces, synapses.cpp), or exp() beyond it.
inline double decay(const std::vector<double>& table, double n, double dt, double tau) {
  return n < static_cast<double>(table.size()) ? table[static_cast<std::size_t>(n)]
                                               : std::exp(-n * dt / tau);
}
inline double decay_minus(const projection_table& t, double n) {
  return decay(t.decay_minus, n, t.syn.dt, t.syn.tau_minus);
}

// The postsynaptic trace K- at (shifted) step `hi`, from the latest spike before it.
// `whole`: hi is a whole number of steps, so hi - step is exact and the table applies.
inline double trace(const projection_table& t, const post_spike* before, double hi, bool whole) {
  if (!before) return 0.0;
  const double x = static_cast<double>(before->step) - hi;
  return before->k_minus * (whole ? decay_minus(t, -x) : std::exp(x * t.syn.dt / t.syn.tau_minus));
}

// Prefetch distances in synapses (deliver_stdp_rule).
constexpr uint64_t kFar = 32, kNear = 16;

template <wd W>
void deliver_stdp_rule(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                       uint64_t end, int64_t horizon) {
  const synapse_params& q = t.syn;
  row_state& r = t.rows[e.gid - t.pre_lo];
  const bool first = r.last < 0;
  const double k_plus = r.a;  // the presynaptic trace just after the row's last spike
  const bool hd = !t.delays.empty();
  const double shift = 1.0 - 2.0 * q.dendritic_fraction;
  double* wcol = t.weights.data();
  const uint32_t* tg = t.targets.data();
  post_history* post = t.post.data();
  // With one delay for the table, the times below and the ring row are the row's.
  const uint32_t d0 = t.delay;
  const double c0 = shift * d0;
  const bool whole0 = c0 == std::nearbyint(c0) && !t.decay_minus.empty();
  double* const buf0 =
      !hd && d0 <= horizon
          ? vp.ring.data() + (static_cast<std::size_t>((e.step + d0) % vp.n_slots) *
                                  static_cast<std::size_t>(vp.n_receptors) +
                              static_cast<std::size_t>(t.receptor)) *
                                 vp.n_cells
          : nullptr;
  for (uint64_t m = b; m < end; ++m) {
    const uint32_t d = hd ? t.delays[m] : d0;
    // The presynaptic spike reaches the synapse at t + (1-f) d, a postsynaptic one
    // (step s) at s + f d: in postsynaptic steps, this spike meets those up to `hi`,
    // the row's last spike met those up to `lo`.
    const double c = hd ? shift * d : c0;
    const bool whole = hd ? c == std::nearbyint(c) && !t.decay_minus.empty() : whole0;
    const double hi = static_cast<double>(e.step) + c;
    const double lo = static_cast<double>(r.last) + c;
    // Each target's history header is a cache miss, and so are the newest entries of
    // its history and the target's ring entry: ask for the header kFar synapses ahead
    // and, once it has arrived, for the history's last entry and the ring entry kNear
    // ahead (the loop body is long, so few misses overlap without this).
    if (m + kFar < end) __builtin_prefetch(&post[tg[m + kFar]]);
    if (m + kNear < end) {
      const post_history& a = post[tg[m + kNear]];
      if (!a.spikes.empty()) __builtin_prefetch(&a.spikes.back());
      if (buf0) __builtin_prefetch(&buf0[tg[m + kNear]], 1);
    }
    post_history& h = post[tg[m]];
    double w = wcol[m];
    // The latest postsynaptic spike that reached the synapse before this one, for the
    // trace K- (depression).
    const post_spike* before = nullptr;
    post_spike kept;
    if (!first && static_cast<double>(h.last.step) <= lo + step_eps) {
      // No postsynaptic spike since the last presynaptic one (the common case): the
      // trace comes from the cell's last spike; its history is not touched.
      if (h.last.step >= 0) before = &h.last;
    } else {
      if (first) ++h.n_in;  // the synapse joins: it reads from here on
      post_spike* sp = h.spikes.data();
      const std::size_t n = h.spikes.size();
      std::size_t i = h.head;
      if (!first) {
        // The spikes this synapse has not read are the last few: scan back to them.
        i = n;
        while (i > h.head && static_cast<double>(sp[i - 1].step) > lo + step_eps) --i;
      }
      // Facilitation: postsynaptic spikes that reached the synapse since the last
      // presynaptic spike, each paired with the presynaptic trace (none before the
      // first presynaptic spike: K+ = 0).
      const std::size_t i0 = i;
      for (; i < n && static_cast<double>(sp[i].step) <= hi + step_eps; ++i) {
        const double x = lo - static_cast<double>(sp[i].step);
        w = facilitate<W>(q, w,
                          first   ? 0.0
                          : whole ? k_plus * decay(t.decay_plus, -x, q.dt, q.tau_plus)
                                  : k_plus * std::exp(x * q.dt / q.tau_plus));
        ++sp[i].reads;
      }
      std::size_t j = i;
      while (j > h.head && static_cast<double>(sp[j - 1].step) >= hi - step_eps) --j;
      if (j > h.head)
        before = &sp[j - 1];
      else if (h.pruned.step >= 0 && static_cast<double>(h.pruned.step) < hi - step_eps)
        before = &h.pruned;
      // Only the entries this synapse has just read changed their count: the front one
      // can have become droppable only if it is among them (once a synapse has
      // joined, no entry is left at the front with every joined synapse's read).
      if (i0 == h.head && i > i0 && sp[h.head].reads >= h.n_in) {
        if (before) {
          kept = *before;  // prune() may move it
          before = &kept;
        }
        prune(h);
      }
    }
    // Depression: the postsynaptic trace just before this spike reaches the synapse.
    w = depress<W>(q, w, trace(t, before, hi, whole));
    wcol[m] = w;
    if (buf0)
      buf0[tg[m]] += w;
    else
      add_input(vp, t, e.step, d, tg[m], w, horizon);
  }
  r.a = first ? 1.0
              : k_plus * std::exp(-static_cast<double>(e.step - r.last) * q.dt / q.tau_plus) + 1.0;
  r.last = e.step;
}

}  // namespace

void deliver_tsodyks_markram(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                             uint64_t end, int64_t horizon) {
  const synapse_params& q = t.syn;
  row_state& r = t.rows[e.gid - t.pre_lo];  // a = u, b = x after the last spike
  // tsodyks2_synapse's update from the last spike's (u, x) to this one's; from the
  // initial u = 0, x = 1 the first spike gets u = U, x = 1 whatever the interval.
  const double h = r.last < 0 ? 0.0 : static_cast<double>(e.step - r.last) * q.dt;
  const double x_decay = std::exp(-h / q.tau_rec);
  const double u_decay = q.tau_facil > 0 ? std::exp(-h / q.tau_facil) : 0.0;
  r.b = 1.0 + (r.b - r.b * r.a - 1.0) * x_decay;
  r.a = q.U + r.a * (1.0 - q.U) * u_decay;
  r.last = e.step;
  const double scale = r.a * r.b;
  const bool hw = !t.weights.empty(), hd = !t.delays.empty();
  for (uint64_t m = b; m < end; ++m)
    add_input(vp, t, e.step, hd ? t.delays[m] : t.delay, t.targets[m],
              (hw ? t.weights[m] : t.weight) * scale, horizon);
}

void deliver_stochastic(vp_state& vp, const projection_table& t, const spike_event& e, uint64_t b,
                        uint64_t end, int64_t horizon) {
  const bool hw = !t.weights.empty(), hd = !t.delays.empty();
  uint32_t ordinal = 0;
  for (uint64_t m = b; m < end; ++m) {
    // Targets are in canonical order: synapses of one pair are adjacent, and their
    // order among themselves is the generation order, the same for every layout.
    ordinal = m > b && t.targets[m] == t.targets[m - 1] ? ordinal + 1 : 0;
    if (!transmits(t.syn.seed, t.projection, e.gid, t.target_gids[t.targets[m]], ordinal, e.step,
                   t.syn.p))
      continue;
    add_input(vp, t, e.step, hd ? t.delays[m] : t.delay, t.targets[m], hw ? t.weights[m] : t.weight,
              horizon);
  }
}

void deliver_stdp(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b, uint64_t end,
                  int64_t horizon) {
  switch (t.syn.wdep) {
    case wd::additive:
      return deliver_stdp_rule<wd::additive>(vp, t, e, b, end, horizon);
    case wd::multiplicative:
      return deliver_stdp_rule<wd::multiplicative>(vp, t, e, b, end, horizon);
    case wd::additive_potentiation_multiplicative_depression:
      return deliver_stdp_rule<wd::additive_potentiation_multiplicative_depression>(vp, t, e, b,
                                                                                    end, horizon);
    case wd::gutig:
      return deliver_stdp_rule<wd::gutig>(vp, t, e, b, end, horizon);
  }
}

void note_post_spikes(vp_state& vp, uint32_t first, const std::vector<uint32_t>& cells, int64_t s) {
  for (const uint32_t ti : vp.stdp_tables) {
    projection_table& t = vp.tables[ti];
    for (const uint32_t l : cells) {
      post_history& h = t.post[first + l];
      // K- just after this spike: the last one's decayed, plus one.
      const double k =
          1.0 + (h.last.step >= 0
                     ? h.last.k_minus * decay_minus(t, static_cast<double>(s - h.last.step))
                     : 0.0);
      h.last = {static_cast<int32_t>(s), 0, k};
      h.spikes.push_back(h.last);
      if (h.n_in == 0) {
        // No synapse has joined yet: one that joins later (at a presynaptic spike of
        // step >= s - max_delay, not yet delivered) reads from s - 2 max_delay - 1
        // on; older entries are no use to anyone but for the trace.
        const int64_t keep = s - 2 * static_cast<int64_t>(t.max_delay) - 2;
        while (h.head < h.spikes.size() && h.spikes[h.head].step < keep)
          h.pruned = h.spikes[h.head++];
        compact(h);
      }
    }
  }
}

bool transmits(uint64_t seed, uint32_t projection, uint64_t pre, uint64_t post, uint32_t ordinal,
               int64_t step, double p) {
  using philox = r123::Philox4x32;
  const philox::ctr_type ctr{{static_cast<uint32_t>(step), static_cast<uint32_t>(pre),
                              static_cast<uint32_t>(post),
                              static_cast<uint32_t>(purpose::transmission) << 24 ^ projection}};
  const philox::key_type key{{static_cast<uint32_t>(seed) ^ static_cast<uint32_t>(pre >> 32),
                              static_cast<uint32_t>(seed >> 32) ^
                                  static_cast<uint32_t>(post >> 32) ^ ordinal * 0x9E3779B9u}};
  const philox::ctr_type r = philox()(ctr, key);
  const uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 32 | r.v[1]) >> 11;
  return (static_cast<double>(bits) + 0.5) * 0x1.0p-53 < p;
}

}  // namespace myelin::detail

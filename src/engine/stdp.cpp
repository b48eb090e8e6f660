// Pair-based STDP in NEST's scheme (plasticity.hpp; the rule, its tie conventions and
// the cost of this delivery in docs/numerics.md, "Plastic synapses").

#include <algorithm>
#include <bit>
#include <cmath>
#include <type_traits>
#include <utility>

#include "engine/plasticity.hpp"

namespace myelin::detail {
namespace {

// Spike times are whole steps; a dendritic delay fraction may shift them by a fraction
// of a step. Comparisons of such shifted times allow for the rounding of (1 - 2f) d.
constexpr double step_eps = 1e-6;

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

// exp(-n dt / tau) for n >= 0 whole steps: the table's entry (bit for bit the exp() it
// replaces, synapses.cpp), or exp() beyond it.
inline double decay(const std::vector<double>& table, double n, double dt, double tau) {
  return n < static_cast<double>(table.size()) ? table[static_cast<std::size_t>(n)]
                                               : std::exp(-n * dt / tau);
}
inline double decay_minus(const projection_table& t, double n) {
  return decay(t.decay_minus, n, t.syn.dt, t.syn.tau_minus);
}
// The same for an integer n >= 0 (the same doubles as decay() of n converted).
inline double decay_steps(const std::vector<double>& table, int64_t n, double dt, double tau) {
  return static_cast<uint64_t>(n) < table.size() ? table[static_cast<std::size_t>(n)]
                                                 : std::exp(-static_cast<double>(n) * dt / tau);
}

// K- just after a postsynaptic spike at step s when the cell's one before was at `prev`
// (-1: none) with K- = k just after it: the recurrence note_post_spikes keeps.
inline double k_after(const projection_table& t, int64_t prev, double k, int64_t s) {
  return 1.0 + (prev >= 0 ? k * decay_minus(t, static_cast<double>(s - prev)) : 0.0);
}

// Drops the front entry of h, keeping its step and K- (pruned_*: from the entry dropped
// before it, as note_post_spikes computed it then).
inline void drop_front(const projection_table& t, post_history& h) {
  const int32_t s = h.spikes[h.head].step;
  h.pruned_k_minus = k_after(t, h.pruned_step, h.pruned_k_minus, s);
  h.pruned_step = s;
  ++h.head;
}

// K- just after entry i >= head of h: entries keep no trace (8 bytes, not 16), so it is
// walked from the latest dropped entry with the same recurrence, the same doubles.
inline double k_minus_at(const projection_table& t, const post_history& h, std::size_t i) {
  int64_t step = h.pruned_step;
  double k = h.pruned_k_minus;
  for (std::size_t r = h.head; r <= i; ++r) {
    k = k_after(t, step, k, h.spikes[r].step);
    step = h.spikes[r].step;
  }
  return k;
}

// How many joined synapses have yet to read entry i of h; `recent_reads`: the cell's
// count (post_count), which belongs to the last entry.
inline uint32_t unread_of(const post_history& h, std::size_t i, uint32_t recent_reads) {
  return h.spikes[i].unread - (i + 1 == h.spikes.size() ? recent_reads : 0);
}

// Removes the dropped entries [0, head) of h (the latest is kept in pruned_*).
inline void erase_dropped(post_history& h) {
  h.spikes.erase(h.spikes.begin(), h.spikes.begin() + h.head);
  h.head = 0;
}

// Compacts a history whose dead front has grown to half of it, and gives back the room
// a burst of spikes once took once the rest needs under half of it (a history's entries
// are read within a catch-up period or so: catch_up_stdp). A history's capacity stays
// within about 1.5 times its entries (docs/numerics.md, "Memory").
inline void compact(post_history& h) {
  if (h.head >= 4 && 2 * h.head >= h.spikes.size()) {
    erase_dropped(h);
    const std::size_t n = h.spikes.size();
    if (h.spikes.capacity() > n + n / 2 + 4) {
      std::vector<post_spike> fit;
      fit.reserve(n + n / 4 + 2);
      fit.assign(h.spikes.begin(), h.spikes.end());
      fit.swap(h.spikes);
    }
  }
}

// Appends x to h: into the room the dead front leaves when the history is full, else
// growing it by half (not doubling: histories are many and short).
inline void append(post_history& h, const post_spike& x) {
  if (h.spikes.size() == h.spikes.capacity()) {
    if (h.head > 0) {
      erase_dropped(h);
    } else {
      h.spikes.reserve(h.spikes.size() + h.spikes.size() / 4 + 2);
    }
  }
  h.spikes.push_back(x);
}

// Drops the front entries every joined synapse of the table onto this cell has read,
// keeping the latest dropped one in h.pruned_* (for the trace).
inline void prune(const projection_table& t, post_history& h, uint32_t recent_reads) {
  while (h.head < h.spikes.size() && unread_of(h, h.head, recent_reads) == 0) drop_front(t, h);
  compact(h);
}

// The postsynaptic trace K- at (shifted) step `hi` from the latest spike before it
// (step `step`, K- = k just after it; none when step < 0). `whole`: hi is a whole number
// of steps, so hi - step is exact and the table applies.
inline double trace(const projection_table& t, int64_t step, double k, double hi, bool whole) {
  if (step < 0) return 0.0;
  const double x = static_cast<double>(step) - hi;
  return k * (whole ? decay_minus(t, -x) : std::exp(x * t.syn.dt / t.syn.tau_minus));
}

// Where a synapse of row r with (1 - 2f) d = c, whose row's last spike reached it at
// `lo` (postsynaptic steps), has read its target's spikes up to: lo, or later after a
// catch-up of the row (catch_up_stdp). T: double, or int64_t when c is whole.
template <class T>
inline T read_up_to(const row_state& r, T lo, T c) {
  if (r.caught < 0) return lo;
  const auto s = static_cast<T>(r.caught);
  return std::max(lo, std::min(s - 1, s + c));
}

// The first entry of h after step rlo (the spikes a synapse that has read up to rlo has
// not read: the last few, so scanned back to).
inline std::size_t first_unread(const post_history& h, double rlo) {
  std::size_t i = h.spikes.size();
  while (i > h.head && static_cast<double>(h.spikes[i - 1].step) > rlo + step_eps) --i;
  return i;
}

// After a synapse read entries [i0, i) of h: only their counts changed, so the front
// ones are dropped if it read the front one and that one is done.
inline void prune_read(const projection_table& t, post_history& h, std::size_t i0, std::size_t i,
                       const post_count& n) {
  if (i0 == h.head && i > i0 && unread_of(h, h.head, n.recent_reads) == 0)
    prune(t, h, n.recent_reads);
}

// Facilitation of weight w by the entries of h from index i on that reached the
// synapse by step `up` (postsynaptic steps), in order, each paired with the presynaptic
// trace k_plus decayed from lo; marks them read. Returns the index after the last one.
template <wd W>
[[gnu::always_inline]] inline std::size_t facilitate_from(const projection_table& t,
                                                          post_history& h, std::size_t i, double& w,
                                                          double k_plus, double lo, double up,
                                                          bool whole) {
  const synapse_params& q = t.syn;
  post_spike* sp = h.spikes.data();
  const std::size_t n = h.spikes.size();
  for (; i < n && static_cast<double>(sp[i].step) <= up + step_eps; ++i) {
    const double x = lo - static_cast<double>(sp[i].step);
    w = facilitate<W>(q, w,
                      whole ? k_plus * decay(t.decay_plus, -x, q.dt, q.tau_plus)
                            : k_plus * std::exp(x * q.dt / q.tau_plus));
    --sp[i].unread;
  }
  return i;
}

// The synapse m's update from the target's history (the target fired since the row's
// last spike at `lo`, or this is the row's first spike): facilitation by each
// postsynaptic spike that reached the synapse in (rlo, hi], in order, with the
// presynaptic trace decayed from lo (rlo = read_up_to(...) >= lo: the spikes up to rlo
// were read by a catch-up), then depression by the trace of the latest one before hi.
// Returns the new weight.
template <wd W>
double update_from_history(projection_table& t, uint32_t c, double w, double k_plus, double lo,
                           double rlo, double hi, bool first, bool whole) {
  const synapse_params& q = t.syn;
  post_history& h = t.post[c];
  post_spike* sp = h.spikes.data();
  std::size_t i = h.spikes.size();
  if (first) {
    // The synapse joins: it is to read the entries after hi.
    ++t.counts[c].n_in;
    while (i > h.head && static_cast<double>(sp[i - 1].step) > hi + step_eps) ++sp[--i].unread;
    // It pairs with each of the entries [head, i) with K+ = 0: facilitate() of the same
    // weight and trace, once each; once its result is the weight it was given, it would
    // stay so, so stop there (within a few turns).
    for (std::size_t r = h.head; r < i; ++r) {
      const double v = facilitate<W>(q, w, 0.0);
      if (std::bit_cast<uint64_t>(v) == std::bit_cast<uint64_t>(w)) break;
      w = v;
    }
  } else {
    i = first_unread(h, rlo);
  }
  // Facilitation: each paired with the presynaptic trace.
  const std::size_t i0 = first ? h.head : i;
  if (!first) i = facilitate_from<W>(t, h, i, w, k_plus, lo, hi, whole);
  std::size_t j = i;
  while (j > h.head && static_cast<double>(sp[j - 1].step) >= hi - step_eps) --j;
  int64_t before = -1;  // the latest spike before hi, and K- just after it
  double k_before = 0.0;
  if (j > h.head) {
    before = sp[j - 1].step;
    // The last entry is the cell's latest spike, whose K- post_recent keeps.
    k_before = j == h.spikes.size() ? t.recent[c].k_minus : k_minus_at(t, h, j - 1);
  } else if (h.pruned_step >= 0 && static_cast<double>(h.pruned_step) < hi - step_eps) {
    before = h.pruned_step;
    k_before = h.pruned_k_minus;
  }
  prune_read(t, h, i0, i, t.counts[c]);  // (a joining synapse: if the front one was read)
  return depress<W>(q, w, trace(t, before, k_before, hi, whole));
}

// Prefetch distances in synapses (deliver_stdp_any).
constexpr uint64_t kFar = 32, kNear = 16;

// Any table and row: a delay per synapse, any dendritic fraction, the row's first spike.
template <wd W>
void deliver_stdp_any(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                      uint64_t end, int64_t horizon, double* buf0) {
  const synapse_params& q = t.syn;
  const row_state& r = t.rows[e.gid - t.pre_lo];
  const bool first = r.last < 0;
  const double k_plus = r.a;  // the presynaptic trace just after the row's last spike
  const bool hd = !t.delays.empty();
  const double shift = 1.0 - 2.0 * q.dendritic_fraction;
  double* wcol = t.weights.data();
  const uint32_t* tg = t.targets.data();
  const post_recent* rec = t.recent.data();
  const uint32_t d0 = t.delay;
  const double c0 = shift * d0;
  const bool whole0 = c0 == std::nearbyint(c0);
  for (uint64_t m = b; m < end; ++m) {
    const uint32_t d = hd ? t.delays[m] : d0;
    // The presynaptic spike reaches the synapse at t + (1-f) d, a postsynaptic one
    // (step s) at s + f d: in postsynaptic steps, this spike meets those up to `hi`,
    // the row's last spike met those up to `lo`.
    const double c = hd ? shift * d : c0;
    const bool whole = hd ? c == std::nearbyint(c) : whole0;
    const double hi = static_cast<double>(e.step) + c;
    const double lo = static_cast<double>(r.last) + c;
    const double rlo = read_up_to(r, lo, c);
    // Ask for each target's post_recent and history header kFar synapses ahead and,
    // when the history is to be read (the row's first spike, or the target fired since
    // its last one: about this synapse's `lo`), for the history's last entry kNear ahead,
    // once the header has come.
    if (m + kFar < end) {
      __builtin_prefetch(&rec[tg[m + kFar]]);
      __builtin_prefetch(&t.post[tg[m + kFar]]);
    }
    if (m + kNear < end) {
      const uint32_t a = tg[m + kNear];
      if (first || static_cast<double>(rec[a].step) > rlo) {
        const post_history& h = t.post[a];
        if (h.spikes.size() > h.head) __builtin_prefetch(&h.spikes.back());
      }
      if (buf0) __builtin_prefetch(&buf0[a], 1);
    }
    const uint32_t cell = tg[m];
    const post_recent p = rec[cell];
    double w = wcol[m];
    if (!first && static_cast<double>(p.step) <= rlo + step_eps &&
        static_cast<double>(p.step) < hi - step_eps)
      // No postsynaptic spike since the synapse last read (the row's last spike, or a
      // catch-up), none at hi: the trace comes from the cell's latest spike; its history
      // is not touched.
      w = depress<W>(q, w, trace(t, p.step, p.k_minus, hi, whole));
    else
      w = update_from_history<W>(t, cell, w, k_plus, lo, rlo, hi, first, whole);
    wcol[m] = w;
    if (buf0)
      buf0[cell] += w;
    else
      add_input(vp, t, e.step, d, cell, w, horizon);
  }
}

// One delay for the table, a whole number of steps between a spike's arrival at the
// synapse and at the soma (f = 1, 0.5, ...), the ring row `buf` within the horizon, and
// not the row's first spike: lo, rlo (read_up_to) and hi are whole steps. Two passes per
// chunk of the row: the first updates the synapses whose target has not fired since
// rlo (most of them: only the target's post_recent, the weight and the ring entry are
// touched) and lists the others, which the second pass updates, those whose target
// fired once since then from post_recent too, the rest from the history. Which pass
// takes a synapse depends on its target alone, so the synapses of one target (multapses)
// still add into its ring entry in their order.
template <wd W>
void deliver_stdp_whole(projection_table& t, uint64_t b, uint64_t end, double* buf, int64_t lo,
                        int64_t rlo, int64_t hi, double k_plus) {
  const synapse_params& q = t.syn;
  double* wcol = t.weights.data();
  const uint32_t* tg = t.targets.data();
  const post_recent* rec = t.recent.data();
  post_count* cnt = t.counts.data();
  const post_history* post = t.post.data();
  constexpr uint64_t chunk = 64, ahead = 16;
  uint32_t later[chunk];
  for (uint64_t c0 = b; c0 < end; c0 += chunk) {
    const uint64_t ce = std::min(end, c0 + chunk);
    std::size_t n_later = 0;
    for (uint64_t m = c0; m < ce; ++m) {
      if (m + ahead < end) {
        __builtin_prefetch(&rec[tg[m + ahead]]);
        __builtin_prefetch(&buf[tg[m + ahead]], 1);
      }
      const uint32_t cell = tg[m];
      const post_recent p = rec[cell];
      if (p.step <= rlo && p.step < hi) {
        const double k =
            p.step >= 0 ? p.k_minus * decay_steps(t.decay_minus, hi - p.step, q.dt, q.tau_minus)
                        : 0.0;
        const double w = depress<W>(q, wcol[m], k);
        wcol[m] = w;
        buf[cell] += w;
      } else {
        __builtin_prefetch(&post[cell]);
        __builtin_prefetch(&cnt[cell], 1);
        later[n_later++] = static_cast<uint32_t>(m - c0);
      }
    }
    // The synapses whose target fired more than once since the row's last spike read
    // the newest entries of its history: ask for them before the updates.
    for (std::size_t j = 0; j < n_later; ++j) {
      const uint32_t cell = tg[c0 + later[j]];
      const post_recent p = rec[cell];
      if (p.prev > rlo || p.step >= hi) {
        const post_history& h = post[cell];
        const std::size_t n = h.spikes.size();
        if (n > h.head) {
          __builtin_prefetch(&h.spikes[n - 1]);
          __builtin_prefetch(&h.spikes[n - 1 - std::min<std::size_t>(n - 1 - h.head, 3)]);
        }
      }
    }
    for (std::size_t j = 0; j < n_later; ++j) {
      const uint64_t m = c0 + later[j];
      const uint32_t cell = tg[m];
      const post_recent p = rec[cell];
      double w = wcol[m];
      if (p.prev <= rlo && p.step < hi) {
        // One postsynaptic spike since the row's last spike, reaching the synapse
        // before this one: the pair's facilitation, then depression by its trace. The
        // read is counted in post_count (the history's last entry is this spike).
        w = facilitate<W>(q, w, k_plus * decay_steps(t.decay_plus, p.step - lo, q.dt, q.tau_plus));
        ++cnt[cell].recent_reads;
        w = depress<W>(q, w,
                       p.k_minus * decay_steps(t.decay_minus, hi - p.step, q.dt, q.tau_minus));
      } else {
        w = update_from_history<W>(t, cell, w, k_plus, static_cast<double>(lo),
                                   static_cast<double>(rlo), static_cast<double>(hi), false, true);
      }
      wcol[m] = w;
      buf[cell] += w;
    }
  }
}

// The row's first spike, on the terms of deliver_stdp_whole: each synapse joins its
// target's history. When the target's latest spike reached the synapse before this
// one (or it has none), the synapse has no entry of the history left to read, and its
// pairings with the entries before (K+ = 0) leave the weight as it is if one does
// (facilitate() of it gives it back): then only post_recent and post_count are
// touched. The others go through the history (update_from_history).
template <wd W>
void deliver_stdp_join(projection_table& t, uint64_t b, uint64_t end, double* buf, int64_t hi) {
  const synapse_params& q = t.syn;
  double* wcol = t.weights.data();
  const uint32_t* tg = t.targets.data();
  const post_recent* rec = t.recent.data();
  post_count* cnt = t.counts.data();
  constexpr uint64_t ahead = 16;
  for (uint64_t m = b; m < end; ++m) {
    if (m + ahead < end) {
      __builtin_prefetch(&rec[tg[m + ahead]]);
      __builtin_prefetch(&cnt[tg[m + ahead]], 1);
      __builtin_prefetch(&buf[tg[m + ahead]], 1);
    }
    const uint32_t cell = tg[m];
    const post_recent p = rec[cell];
    double w = wcol[m];
    const double v = facilitate<W>(q, w, 0.0);
    if (p.step < hi && std::bit_cast<uint64_t>(v) == std::bit_cast<uint64_t>(w)) {
      ++cnt[cell].n_in;
      w = depress<W>(q, w,
                     p.step >= 0
                         ? p.k_minus * decay_steps(t.decay_minus, hi - p.step, q.dt, q.tau_minus)
                         : 0.0);
    } else {
      w = update_from_history<W>(t, cell, w, 0.0, -1.0, -1.0, static_cast<double>(hi), true, true);
    }
    wcol[m] = w;
    buf[cell] += w;
  }
}

template <wd W>
void deliver_stdp_rule(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                       uint64_t end, int64_t horizon) {
  row_state& r = t.rows[e.gid - t.pre_lo];
  const bool hd = !t.delays.empty();
  // With one delay for the table, the ring row is the row's.
  const uint32_t d0 = t.delay;
  double* const buf0 =
      !hd && d0 <= horizon
          ? vp.ring.data() + (static_cast<std::size_t>((e.step + d0) % vp.n_slots) *
                                  static_cast<std::size_t>(vp.n_receptors) +
                              static_cast<std::size_t>(t.receptor)) *
                                 vp.n_cells
          : nullptr;
  const double c0 = (1.0 - 2.0 * t.syn.dendritic_fraction) * d0;
  if (buf0 && c0 == std::nearbyint(c0)) {
    const auto c = static_cast<int64_t>(c0);
    const int64_t lo = r.last + c;
    if (r.last >= 0)
      deliver_stdp_whole<W>(t, b, end, buf0, lo, read_up_to(r, lo, c), e.step + c, r.a);
    else
      deliver_stdp_join<W>(t, b, end, buf0, e.step + c);
  } else {
    deliver_stdp_any<W>(vp, t, e, b, end, horizon, buf0);
  }
  // K+ just after this spike (a table entry is the double exp() gives, as above).
  const int64_t gap = e.step - r.last;
  r.a = r.last < 0 ? 1.0 : r.a * decay_steps(t.decay_plus, gap, t.syn.dt, t.syn.tau_plus) + 1.0;
  r.last = static_cast<int32_t>(e.step);
  r.caught = -1;
}

// catch_up_stdp for one table: the rows whose last spike and last catch-up are at or
// before step `due`.
template <wd W>
void catch_up_table(projection_table& t, int64_t s, int64_t due) {
  const double shift = 1.0 - 2.0 * t.syn.dendritic_fraction;
  const bool hd = !t.delays.empty();
  const post_recent* rec = t.recent.data();
  const auto sd = static_cast<double>(s);
  for (std::size_t row = 0; row < t.rows.size(); ++row) {
    row_state& r = t.rows[row];
    if (r.last < 0 || std::max(r.last, r.caught) > due) continue;
    const uint64_t end = t.offsets[row + 1];
    for (uint64_t m = t.offsets[row]; m < end; ++m) {
      // The targets' post_recent and history headers are far in the cache: ask ahead.
      if (m + 16 < end) __builtin_prefetch(&rec[t.targets[m + 16]]);
      if (m + 8 < end) __builtin_prefetch(&t.post[t.targets[m + 8]]);
      const uint32_t cell = t.targets[m];
      const double c = shift * (hd ? t.delays[m] : t.delay);
      const double lo = static_cast<double>(r.last) + c;
      const double rlo = read_up_to(r, lo, c);
      if (static_cast<double>(rec[cell].step) <= rlo + step_eps) continue;  // nothing new
      // What the row's next spike (at step s or later) will pair the synapse with, of
      // the spikes noted so far (before step s): read now, in the same order.
      post_history& h = t.post[cell];
      const std::size_t i0 = first_unread(h, rlo);
      const std::size_t i = facilitate_from<W>(t, h, i0, t.weights[m], r.a, lo,
                                               std::min(sd - 1.0, sd + c), c == std::nearbyint(c));
      prune_read(t, h, i0, i, t.counts[cell]);
    }
    r.caught = static_cast<int32_t>(s);
  }
}

// Calls f(std::integral_constant<wd, W>{}) for the table's weight dependence W.
template <class F>
void with_rule(wd w, F&& f) {
  switch (w) {
    case wd::additive:
      return f(std::integral_constant<wd, wd::additive>{});
    case wd::multiplicative:
      return f(std::integral_constant<wd, wd::multiplicative>{});
    case wd::additive_potentiation_multiplicative_depression:
      return f(std::integral_constant<wd, wd::additive_potentiation_multiplicative_depression>{});
    case wd::gutig:
      return f(std::integral_constant<wd, wd::gutig>{});
  }
}

}  // namespace

void catch_up_stdp(vp_state& vp, int64_t done) {
  if (vp.stdp_tables.empty()) return;
  const double dt = vp.tables[vp.stdp_tables[0]].syn.dt;
  const auto period = std::max<int64_t>(1, std::llround(stdp_catch_up_ms / dt));
  const auto every = std::max<int64_t>(1, period / stdp_catch_up_checks);
  const int64_t s = done / every * every;
  if (s < vp.stdp_catch_up_at) return;
  vp.stdp_catch_up_at = s + every;
  for (const uint32_t ti : vp.stdp_tables) {
    projection_table& t = vp.tables[ti];
    with_rule(t.syn.wdep, [&](auto w) { catch_up_table<decltype(w)::value>(t, s, s - period); });
  }
}

void deliver_stdp(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b, uint64_t end,
                  int64_t horizon) {
  with_rule(t.syn.wdep,
            [&](auto w) { deliver_stdp_rule<decltype(w)::value>(vp, t, e, b, end, horizon); });
}

void prepare_stdp(vp_state& vp) {
  vp.stdp_catch_up_at = 0;
  for (const uint32_t ti : vp.stdp_tables) {
    projection_table& t = vp.tables[ti];
    t.recent.assign(t.post.size(), post_recent{});
    t.counts.assign(t.post.size(), post_count{});
  }
}

void note_post_spikes(vp_state& vp, uint32_t first, const std::vector<uint32_t>& cells, int64_t s) {
  for (const uint32_t ti : vp.stdp_tables) {
    projection_table& t = vp.tables[ti];
    for (const uint32_t l : cells) {
      const uint32_t c = first + l;
      post_recent& p = t.recent[c];
      post_history& h = t.post[c];
      // K- just after this spike: the last one's decayed, plus one.
      const double k = k_after(t, p.step, p.k_minus, s);
      // The last entry stops being the latest spike: its reads move into it. Every
      // joined synapse is to read the new one.
      post_count& n = t.counts[c];
      if (!h.spikes.empty()) h.spikes.back().unread -= n.recent_reads;
      n.recent_reads = 0;
      p = {static_cast<int32_t>(s), p.step, k};
      append(h, {static_cast<int32_t>(s), n.n_in});
      if (n.n_in == 0) {
        // No synapse has joined yet: one that joins later (at a presynaptic spike of
        // step >= s - max_delay, not yet delivered) reads from s - 2 max_delay - 1
        // on; older entries are no use to anyone but for the trace.
        const int64_t keep = s - 2 * static_cast<int64_t>(t.max_delay) - 2;
        while (h.head < h.spikes.size() && h.spikes[h.head].step < keep) drop_front(t, h);
        compact(h);
      } else {
        // Reads counted in post_count drop entries only here.
        prune(t, h, 0);
      }
    }
  }
}

}  // namespace myelin::detail

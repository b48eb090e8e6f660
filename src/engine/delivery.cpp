// Spike delivery into ring buffers and the long-delay event queue.

#include "engine/delivery.hpp"

#include <algorithm>
#include <functional>
#include <string>

#include "engine/plasticity.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

// A static synapse: the row of `e.gid` in table t, each weight added to its target's
// ring row of step e.step + delay (or queued beyond the horizon).
[[gnu::always_inline]] inline void deliver_static(vp_state& vp, const projection_table& t,
                                                  const spike_event& e, uint64_t b, uint64_t end,
                                                  int64_t horizon) {
  const int64_t n_slots = vp.n_slots;
  const std::size_t n = vp.n_cells;
  const std::size_t n_rec = static_cast<std::size_t>(vp.n_receptors);
  double* ring = vp.ring.data();
  const uint32_t* tg = t.targets.data();
  const bool hw = !t.weights.empty(), hd = !t.delays.empty();
  if ((!hd && t.delay > horizon) || (hd && t.max_delay > horizon)) {
    for (uint64_t m = b; m < end; ++m) {
      const double w = hw ? t.weights[m] : t.weight;
      const int64_t d = hd ? t.delays[m] : t.delay;
      if (d <= horizon) {
        ring[(static_cast<std::size_t>((e.step + d) % n_slots) * n_rec + t.receptor) * n + tg[m]] +=
            w;
      } else {
        vp.queue.push_back({e.step + d, vp.queue_seq++, tg[m], t.receptor, w});
        std::push_heap(vp.queue.begin(), vp.queue.end(), std::greater<>());
      }
    }
  } else if (!hd) {
    double* buf =
        ring + (static_cast<std::size_t>((e.step + t.delay) % n_slots) * n_rec + t.receptor) * n;
    if (hw && t.contiguous_rows) {
      // Targets tg[b], tg[b]+1, ...: a dense add the compiler vectorises.
      double* __restrict dst = buf + tg[b];
      const double* __restrict w = t.weights.data() + b;
      const uint64_t len = end - b;
      for (uint64_t k = 0; k < len; ++k) dst[k] += w[k];
    } else if (hw) {
      const double* w = t.weights.data();
      for (uint64_t m = b; m < end; ++m) buf[tg[m]] += w[m];
    } else {
      const double w = t.weight;
      for (uint64_t m = b; m < end; ++m) buf[tg[m]] += w;
    }
  } else {
    for (uint64_t m = b; m < end; ++m) {
      const double w = hw ? t.weights[m] : t.weight;
      double* buf =
          ring +
          (static_cast<std::size_t>((e.step + t.delays[m]) % n_slots) * n_rec + t.receptor) * n;
      buf[tg[m]] += w;
    }
  }
}

}  // namespace

int64_t ring_horizon(int64_t min_delay, int64_t max_delay, int n_receptors, uint64_t total_cells) {
  if (max_delay <= 4096) return max_delay;
  const double per_slot = 8.0 * n_receptors * static_cast<double>(total_cells);
  const auto fit = static_cast<int64_t>(32.0 * 1048576.0 / per_slot) - 1;
  return std::clamp<int64_t>(fit, min_delay, max_delay);
}

void allocate_ring(vp_state& vp, int64_t horizon, int n_receptors) {
  vp.n_slots = horizon + 1;
  vp.n_receptors = n_receptors;
  vp.ring.assign(static_cast<std::size_t>(vp.n_slots) * n_receptors * vp.n_cells, 0.0);
}

void mark_inputs(const network& net, vp_state& vp) {
  for (group_slot& g : vp.groups) g.receives.assign(vp.n_receptors, 0);
  for (const projection_table& t : vp.tables)
    for (std::size_t q : populations_of(net, net.projections[t.projection].post, "projection"))
      for (group_slot& g : vp.groups)
        if (g.population == q) g.receives[t.receptor] = 1;
  for (const queued_event& e : vp.queue)
    for (group_slot& g : vp.groups)
      if (e.cell >= g.offset && e.cell - g.offset < g.cells->size()) g.receives[e.receptor] = 1;
}

void deliver(vp_state& vp, const std::vector<spike_event>& spikes, int64_t horizon) {
  // The row lookups are cache misses in large networks (offsets has one entry per
  // presynaptic cell): ask for the row of the spike `ahead` places on, and its first
  // targets, while this one is delivered.
  constexpr std::size_t ahead = 8;
  for (std::size_t i = 0; i < spikes.size(); ++i) {
    const spike_event& e = spikes[i];
    if (i + ahead < spikes.size()) {
      const uint64_t g = spikes[i + ahead].gid;
      for (const projection_table& t : vp.tables)
        if (g >= t.pre_lo && g < t.pre_hi) __builtin_prefetch(&t.offsets[g - t.pre_lo]);
    }
    // STDP rows: the row's state, and the start of its targets and weights, of the spike
    // half as far on (its offsets asked for above).
    if (!vp.stdp_tables.empty() && i + ahead / 2 < spikes.size()) {
      const uint64_t g = spikes[i + ahead / 2].gid;
      for (const uint32_t ti : vp.stdp_tables) {
        const projection_table& t = vp.tables[ti];
        if (g < t.pre_lo || g >= t.pre_hi) continue;
        const uint64_t b = t.offsets[g - t.pre_lo];
        __builtin_prefetch(&t.rows[g - t.pre_lo]);
        __builtin_prefetch(t.targets.data() + b);
        __builtin_prefetch(t.weights.data() + b);
      }
    }
    for (projection_table& t : vp.tables) {
      if (e.gid < t.pre_lo || e.gid >= t.pre_hi) continue;
      const uint64_t b = t.offsets[e.gid - t.pre_lo], end = t.offsets[e.gid - t.pre_lo + 1];
      if (b == end) continue;
      switch (t.kind) {
        case synapse_kind::static_synapse:
          deliver_static(vp, t, e, b, end, horizon);
          break;
        case synapse_kind::tsodyks_markram:
          deliver_tsodyks_markram(vp, t, e, b, end, horizon);
          break;
        case synapse_kind::stochastic:
          deliver_stochastic(vp, t, e, b, end, horizon);
          break;
        case synapse_kind::quantal:
          deliver_quantal(vp, t, e, b, end, horizon);
          break;
        case synapse_kind::stdp:
          deliver_stdp(vp, t, e, b, end, horizon);
          break;
      }
    }
  }
}

void take_queued(vp_state& vp, int64_t s, int64_t slot) {
  while (!vp.queue.empty() && vp.queue.front().step <= s) {
    const queued_event& q = vp.queue.front();
    // Producers only queue events for future steps; a past one would be lost input.
    if (q.step != s)
      throw internal_error("queued event for step " + std::to_string(q.step) + " found at step " +
                           std::to_string(s));
    vp.input(slot, q.receptor)[q.cell] += q.weight;
    std::pop_heap(vp.queue.begin(), vp.queue.end(), std::greater<>());
    vp.queue.pop_back();
  }
}

void clear_slot(vp_state& vp, int64_t slot) {
  for (const auto& g : vp.groups) {
    if (g.cells->consumes_inputs()) continue;
    for (int r = 0; r < std::min(g.receptors, vp.n_receptors); ++r) {
      if (!g.receives[r]) continue;  // never written
      double* row = vp.input(slot, r) + g.offset;
      std::fill(row, row + g.cells->size(), 0.0);
    }
  }
}

}  // namespace myelin::detail

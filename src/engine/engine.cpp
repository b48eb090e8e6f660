// The engine: building the VPs, the step of one VP, the end of an epoch, and the run
// loop over epochs.

#include "engine/engine.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>

#include "construct/builder.hpp"
#include "engine/delivery.hpp"
#include "engine/plasticity.hpp"
#include "engine/scheduler.hpp"
#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

constexpr int max_receptors = 64;

// A state that is NaN or infinite would propagate silently (a NaN membrane potential
// never crosses threshold): every finite_check_steps steps, and at the end of each
// run, each VP checks its cells' v and stops the run naming the first bad cell.
constexpr int64_t finite_check_steps = 256;

int resolve_threads(int t) {
  if (t < 0) throw model_error("threads", "must be >= 0 (0 = all cores), got " + std::to_string(t));
  if (t == 0) t = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return t;
}

// K-way merge of sorted spike lists into `out`, in (step, gid) order. The order is
// the same for every layout, so each target sums its inputs in the same order.
void merge_sorted(std::vector<std::pair<const spike_event*, const spike_event*>>& lists,
                  std::vector<spike_event>& out) {
  out.clear();
  if (lists.size() == 1) {
    out.assign(lists[0].first, lists[0].second);
    return;
  }
  while (true) {
    int best = -1;
    for (int v = 0; v < static_cast<int>(lists.size()); ++v)
      if (lists[v].first != lists[v].second && (best < 0 || *lists[v].first < *lists[best].first))
        best = v;
    if (best < 0) return;
    out.push_back(*lists[best].first++);
  }
}

}  // namespace

engine::engine(network n, run_options o, std::shared_ptr<distributed_context> transport)
    : net(std::move(n)),
      opt(std::move(o)),
      layout(net),
      dist(transport ? std::move(transport)
                     : std::shared_ptr<distributed_context>(make_default_context())),
      rank(dist->rank()),
      n_ranks(dist->size()),
      n_threads(resolve_threads(opt.threads)),
      n_vp(n_ranks * n_threads),
      team(n_threads) {}

// Rethrows this rank's first error, or reports that another rank failed, if any rank
// failed: a collective, so every rank leaves together.
void engine::agree(const std::vector<std::exception_ptr>& errors, const char* what) {
  bool ok = true;
  for (const auto& e : errors) ok = ok && !e;
  if (dist->all_ok(ok)) return;
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  throw error(std::string("another rank failed while ") + what);
}

void engine::build(std::vector<vp_state>* prev, const std::vector<table_reuse>* reuse) {
  const auto t0 = clock_type::now();
  vps.resize(n_threads);
  std::vector<std::exception_ptr> errors(n_threads);
  std::vector<std::vector<table_reuse>> taken(n_threads);
  team.run([&](int t) {
    try {
      taken[t] = build_vp(net, layout, vp_of_thread(t), n_vp, vps[t],
                          prev ? &(*prev)[t].tables : nullptr, reuse);
      vps[t].extracellular.build(net, layout, vps[t].groups);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  });
  agree(errors, "building the network");
  uint64_t n_reused = 0;
  if (prev)
    for (int t = 0; t < n_threads; ++t) {
      adopt_tables((*prev)[t].tables, vps[t], taken[t]);
      for (std::size_t j = 0; j < taken[t].size(); ++j)
        if (taken[t][j] != table_reuse::build) n_reused += vps[t].tables[j].size();
    }

  for (auto& vp : vps) prepare_stdp(vp);
  has_stdp = std::any_of(net.projections.begin(), net.projections.end(), [](const projection& p) {
    return p.synapse && p.synapse->type == "STDPMechanism";
  });

  int64_t lo = INT64_MAX, hi = 0;
  for (const auto& vp : vps)
    for (const auto& t : vp.tables)
      if (!t.targets.empty()) {
        lo = std::min<int64_t>(lo, t.min_delay);
        hi = std::max<int64_t>(hi, t.max_delay);
      }
  lo = dist->min(lo);
  hi = dist->max(hi);
  uint64_t n_syn = 0;
  for (const auto& vp : vps)
    for (const auto& t : vp.tables) n_syn += t.size();
  std::vector<uint64_t> syn{n_syn, n_reused};
  dist->sum(syn);
  total_synapses = syn[0];
  reused_synapses = syn[1];
  count_synapse_bytes();
  // Without connections the epoch length only sets how often spikes are exchanged.
  min_delay = total_synapses == 0 ? 10 : lo;
  max_delay = total_synapses == 0 ? 1 : hi;
  int n_receptors = 2;
  for (const auto& p : net.populations)
    n_receptors =
        std::max(n_receptors, static_cast<int>(find_cell_type(net, p.cell_type)->receptors.size()));
  if (n_receptors > max_receptors)
    throw internal_error("a cell type has more than " + std::to_string(max_receptors) +
                         " receptors");
  horizon = ring_horizon(min_delay, max_delay, n_receptors, layout.total());
  for (auto& vp : vps) {
    allocate_ring(vp, horizon, n_receptors);
    mark_inputs(net, vp);
    vp.i_inj.assign(vp.n_cells, 0.0);
    vp.spiked.reserve(vp.n_cells);
    for (std::size_t g = 0; g < vp.groups.size(); ++g)
      if (const double* q = vp.groups[g].cells->column("dipole");
          q && vp.groups[g].cells->size() > 0)
        vp.dipoles.push_back({g, q, {}});
  }
  rec.setup(net, layout, rank);
  build_s = seconds_since(t0);
}

void engine::advance_step(vp_state& vp, int64_t s, int parity) {
  const int64_t slot = s % vp.n_slots;
  inject(vp, stims, net, s);
  const step_info info{s, net.dt, net.seed};
  const double* receptor[max_receptors];
  take_queued(vp, s, slot);
  for (auto& g : vp.groups) {
    if (g.cells->size() == 0) continue;
    vp.spiked.clear();
    for (int r = 0; r < vp.n_receptors; ++r)
      receptor[r] = g.receives[r] ? vp.input(slot, r) + g.offset : nullptr;
    double* exc = vp.input(slot, 0) + g.offset;
    double* inh = vp.input(slot, 1) + g.offset;
    const group_input in{exc, inh, vp.i_inj.data() + g.offset, receptor, vp.n_receptors};
    g.cells->advance(info, in, vp.spiked);
    if (!vp.stdp_tables.empty() && !vp.spiked.empty()) note_post_spikes(vp, g.offset, vp.spiked, s);
    for (uint32_t l : vp.spiked)
      vp.spikes[parity].push_back({s, g.first_gid + static_cast<uint64_t>(l) * n_vp});
  }
  for (auto& db : vp.dipoles) {
    const std::size_t n = vp.groups[db.group].cells->size();
    const double* q = db.dipole;
    fixed128 sum = 0;
    for (std::size_t c = 0; c < n; ++c)
      if (std::isfinite(q[c]))  // (a NaN stops the run at the next finite check)
        sum += static_cast<fixed128>(std::ldexp(q[c], dipole_frac_bits));
    db.sums.push_back(sum);
  }
  if (vp.extracellular.n_electrodes() > 0) vp.extracellular.record(vp.groups, vp.i_inj.data());
  clear_slot(vp, slot);
  if (!vp.traces.empty()) rec.sample(vp, s + 1);
}

// End of an epoch (run by whichever thread finishes the epoch's last VP): merge the
// spikes of every VP of every rank into merged[parity], count and record them (and
// flush the recording's buffers when it streams to disk: recording.hpp).
// Returns false if this or another rank failed.
void engine::count_synapse_bytes() {
  double bytes = 0;
  for (const auto& vp : vps)
    for (const auto& t : vp.tables) bytes += static_cast<double>(t.bytes());
  total_synapse_bytes = dist->sum(bytes);
  // Per projection: synapses, then table bytes (plastic state included), over all ranks.
  const std::size_t n_proj = net.projections.size();
  projection_synapses.assign(2 * n_proj, 0);
  for (const auto& vp : vps)
    for (const auto& t : vp.tables) {
      projection_synapses[t.projection] += t.size();
      projection_synapses[n_proj + t.projection] += t.bytes();
    }
  dist->sum(projection_synapses);
}

bool engine::finish_epoch(int parity, bool ok) {
  auto& lists = merge_lists;  // reused: no allocation per epoch
  lists.clear();
  for (const auto& vp : vps)
    lists.emplace_back(vp.spikes[parity].data(),
                       vp.spikes[parity].data() + vp.spikes[parity].size());
  if (n_ranks == 1) {
    if (!ok) return false;
    merge_sorted(lists, merged[parity]);
  } else {
    if (ok) merge_sorted(lists, mine);
    const auto t0 = clock_type::now();
    const bool all_ok = dist->exchange(mine, ok, all_spikes, all_chunks);
    exchange_s += seconds_since(t0);
    if (!all_ok) return false;
    lists.clear();
    for (int r = 0; r < n_ranks; ++r)
      lists.emplace_back(all_spikes.data() + all_chunks[r], all_spikes.data() + all_chunks[r + 1]);
    merge_sorted(lists, merged[parity]);
  }
  rec.end_epoch(merged[parity], *dist, vps);  // records; flushes a streamed recording
  ++epochs_run;
  return true;
}

void engine::check_finite(vp_state& vp, int64_t step_now) const {
  for (const group_slot& g : vp.groups) {
    const double* v = g.cells->column("v");
    if (!v) continue;
    for (std::size_t i = 0; i < g.cells->size(); ++i)
      if (!std::isfinite(v[i])) {
        const auto& pop = net.populations[g.population];
        const uint64_t gid = g.cells->gids()[i];
        throw error("population '" + pop.label + "' cell " +
                    std::to_string(gid - layout.offset[g.population]) + ": v became " +
                    (std::isnan(v[i]) ? "NaN" : "infinite") +
                    " by t = " + fmt(static_cast<double>(step_now) * net.dt) +
                    " ms (numerical instability: check its parameters and inputs, or "
                    "reduce dt)");
      }
  }
}

void engine::run(double duration) {
  const double steps_f = duration / net.dt;
  if (!(duration >= 0) || !std::isfinite(duration))
    throw model_error("duration", "must be >= 0 ms, got " + fmt(duration));
  const int64_t n_steps = std::llround(steps_f);
  if (std::abs(steps_f - static_cast<double>(n_steps)) > 1e-6 * std::max(1.0, steps_f))
    throw model_error("duration", fmt(duration) + " ms is not a whole number of time steps (dt = " +
                                      fmt(net.dt) + " ms)");
  if (step + n_steps >= (int64_t{1} << 31))
    throw model_error("duration", "a run is limited to 2^31 time steps in all");
  rec.begin_run(duration, step, opt.max_record_memory, *dist, vps);

  stims = prepare_stimuli(net);
  for (auto& vp : vps) {
    for (auto& g : vp.groups) g.cells->prepare(net.dt);
    // Noisy currents recompute their value at the segment's first step (a pure function
    // of (gid, interval): the same bits if nothing changed), so that a changed mean or
    // stdev acts from there, also inside a noise interval.
    for (auto& st : vp.stimuli) st.noise_index = -1;
    for (auto& db : vp.dipoles) db.sums.reserve(db.sums.size() + static_cast<std::size_t>(n_steps));
    vp.extracellular.reserve(static_cast<std::size_t>(n_steps));
  }
  if (step == 0) rec.sample_initial(vps);

  const auto t0 = clock_type::now();
  auto last_report = t0;
  const int64_t first = step, last = step + n_steps;
  // Work is scheduled by epochs (docs/parallel.md). The work item of VP v in epoch p
  // delivers the spikes of epoch p-1 into v's ring buffers, then advances v through
  // epoch p. The closing of an epoch merges, exchanges and records its spikes. A last
  // round delivers the final epoch's spikes, so that a following run() starts with them
  // in place.
  const int64_t n_epochs = (n_steps + min_delay - 1) / min_delay;
  auto work = [&](int v, int64_t p) {
    vp_state& vp = vps[v];
    if (p > 0) {
      deliver(vp, merged[(p - 1) & 1], horizon);
      // Every spike before `done` is delivered and noted: silent STDP rows catch up.
      if (!vp.stdp_tables.empty()) catch_up_stdp(vp, std::min(last, first + p * min_delay));
    }
    if (p == n_epochs) return;
    const int parity = static_cast<int>(p & 1);
    const int64_t s0 = first + p * min_delay, s1 = std::min(last, s0 + min_delay);
    vp.spikes[parity].clear();
    for (int64_t k = s0; k < s1; ++k) {
      advance_step(vp, k, parity);
      if (v == 0) rec.note_step(k + 1);
    }
    if (s1 == last || s0 / finite_check_steps != s1 / finite_check_steps) check_finite(vp, s1);
  };
  auto close = [&](int64_t p, bool ok) {
    const bool go = finish_epoch(static_cast<int>(p & 1), ok);
    if (rank == 0 && opt.progress && seconds_since(last_report) > 0.2) {
      last_report = clock_type::now();
      const int64_t s1 = std::min(last, first + (p + 1) * min_delay);
      opt.progress(static_cast<double>(s1) * net.dt, static_cast<double>(last) * net.dt);
    }
    return go;
  };
  agree(run_epochs(team, n_epochs, work, close), "running");
  step = last;
  // STDP histories change size as a run goes: the bytes as they now are (collective).
  if (has_stdp) count_synapse_bytes();
  run_s += seconds_since(t0);
  if (opt.progress && rank == 0)
    opt.progress(static_cast<double>(step) * net.dt, static_cast<double>(last) * net.dt);
}

}  // namespace myelin::detail

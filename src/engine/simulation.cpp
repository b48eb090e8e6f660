// The engine: builds every VP in parallel, then advances time in epochs of the
// minimum delay. A work item is one VP for one epoch: deliver the previous epoch's
// spikes into the VP's ring buffers, then advance its cell groups through the epoch.
// Threads claim items (their own VP first, then any left), so a descheduled thread
// delays nobody; the thread that completes an epoch's last item merges (and, under
// MPI, exchanges) the epoch's spikes in (step, gid) order. Spike lists are
// double-buffered by epoch parity. Nothing in the step loop allocates after the first
// epochs, takes a lock or makes a per-cell virtual call.

#include "myelin/simulation.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numbers>

#include <nlohmann/json.hpp>

#include "construct/builder.hpp"
#include "engine/context.hpp"
#include "engine/simulation_access.hpp"
#include "engine/thread_team.hpp"
#include "engine/vp_state.hpp"
#include "hnn/drives.hpp"
#include "io/writers.hpp"
#include "model/format.hpp"
#include "model/schema.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"
#include "myelin/hnn.hpp"
#include "random/rng.hpp"

namespace myelin {

std::string version() {
  return MYELIN_VERSION;
}

using namespace detail;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", b, units[u]);
  return buf;
}

enum class stim_kind { dc, step, ac, noise };

// A current source's parameters, unpacked once per run segment.
struct stim_params {
  stim_kind kind;
  double amplitude = 0, start = 0, stop = 0, offset = 0, omega = 0, phase = 0;  // ac: [rad/ms]
  double mean = 0, stdev = 0;
  int64_t noise_steps = 1;
  std::vector<int64_t> step_at;  // StepCurrentSource: step index of each change
  std::vector<double> amplitudes;
};

}  // namespace

// Plain byte buffers for gathering results on rank 0.
template <class T>
void put(std::vector<char>& b, const T* x, std::size_t n) {
  const char* p = reinterpret_cast<const char*>(x);
  b.insert(b.end(), p, p + n * sizeof(T));
}
template <class T>
void put(std::vector<char>& b, T x) {
  put(b, &x, 1);
}
struct reader {
  const std::vector<char>& b;
  std::size_t at = 0;
  template <class T>
  T get() {
    T x;
    std::memcpy(&x, b.data() + at, sizeof(T));
    at += sizeof(T);
    return x;
  }
  template <class T>
  void get(T* x, std::size_t n) {
    std::memcpy(x, b.data() + at, n * sizeof(T));
    at += n * sizeof(T);
  }
  bool done() const { return at >= b.size(); }
};

// A hint to the core that this is a spin-wait loop (x86 PAUSE; nothing elsewhere).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Chooses how many of a run's threads take work, from the measured time per epoch. It
// keeps the current count for a number of windows (each >= 10 ms and >= 8 epochs), then
// tries another count (half, or double, in turn) for one window and keeps it if that
// window was at least 7 % faster per epoch. A failed try doubles the wait before the next
// (up to 64 windows), so on an idle machine the tries cost about 1 % of the run.
class adaptive_threads {
 public:
  explicit adaptive_threads(int n) : n_(n), active_(n) { start_ = clock_type::now(); }

  // Called once per completed epoch; returns the number of threads for the next ones.
  int epoch_done() {
    if (n_ == 1 || ++epochs_ < 8) return active_;
    const double elapsed = seconds_since(start_);
    if (elapsed < 0.01) return active_;
    const double per_epoch = elapsed / static_cast<double>(epochs_);
    if (trying_) {
      trying_ = false;
      if (per_epoch < 0.93 * base_) {
        interval_ = 8;  // a change that helped: look again soon
      } else {
        active_ = previous_;
        interval_ = std::min(2 * interval_, 64);
      }
    } else if (++windows_ >= interval_) {
      windows_ = 0;
      base_ = per_epoch;
      previous_ = active_;
      const bool down = active_ == n_ || (active_ > 1 && (tries_ & 1) == 0);
      active_ = down ? std::max(1, active_ / 2) : std::min(n_, 2 * active_);
      ++tries_;
      trying_ = true;
    }
    epochs_ = 0;
    start_ = clock_type::now();
    return active_;
  }

 private:
  int n_, active_, previous_ = 0;
  int64_t epochs_ = 0;
  clock_type::time_point start_;
  double base_ = 0;
  bool trying_ = false;
  int windows_ = 0, interval_ = 8, tries_ = 0;
};

struct simulation::impl {
  network described;  // the model as given (summary.json)
  network net;        // with its drives expanded into populations and current sources
  run_options opt;
  gid_layout layout;
  std::unique_ptr<distributed_context> dist;
  int rank = 0, n_ranks = 1;  // MPI ranks
  int n_threads = 1;          // threads (and VPs) of this rank
  int n_vp = 1;               // VPs of the whole job: n_ranks * n_threads
  std::vector<vp_state> vps;  // this rank's VPs; thread t runs VP rank + t * n_ranks
  thread_team team;
  uint64_t total_synapses = 0;
  double total_synapse_bytes = 0;
  // Spikes of an epoch from every VP of every rank, in (step, gid) order; by epoch
  // parity, so that one epoch is delivered while the next one's spikes are produced.
  std::vector<spike_event> merged[2];
  std::vector<spike_event> mine, all_spikes;  // MPI: this rank's, every rank's
  std::vector<std::size_t> all_chunks;

  int64_t epochs_run = 0;  // epochs completed, over every run() so far
  double exchange_s = 0;   // wall time in MPI spike exchange (incl. waiting for ranks)
  int64_t step = 0;        // steps taken so far
  int64_t min_delay = 1, max_delay = 1;
  int64_t ring_horizon = 1;  // longest delay delivered straight into the ring [steps]
  double build_s = 0, run_s = 0;

  // Recording.
  std::vector<bool> rec_on;
  std::vector<int64_t> rec_interval;             // [steps]
  std::vector<std::vector<double>> trace_times;  // per recorder [ms]
  std::vector<std::vector<uint8_t>> spike_sel;   // per recorder: gid selected (or empty)
  std::vector<spike_data> pop_spikes;            // per population
  std::vector<bool> pop_spikes_recorded;         // some recorder records its spikes
  std::vector<uint64_t> spike_counts;            // per population, all spikes (all ranks)
  std::vector<bool> rec_traces;  // per recorder: records a variable other than spikes
  std::vector<std::pair<const spike_event*, const spike_event*>> merge_lists;

  std::vector<stim_params> stims;

  static network validated_expansion(const network& n) {
    validate(n);
    return expand_drives(n);
  }

  impl(const network& n, run_options o, std::unique_ptr<distributed_context> transport)
      : described(n),
        net(validated_expansion(n)),
        opt(std::move(o)),
        layout(net),
        dist(transport ? std::move(transport) : make_default_context()),
        rank(dist->rank()),
        n_ranks(dist->size()),
        n_threads(resolve_threads(opt.threads)),
        n_vp(n_ranks * n_threads),
        team(n_threads) {}

  int vp_of_thread(int t) const { return rank + t * n_ranks; }

  // Rethrows this rank's first error, or reports that another rank failed, if any rank
  // failed: a collective, so every rank leaves together.
  void agree(const std::vector<std::exception_ptr>& errors, const char* what) {
    bool ok = true;
    for (const auto& e : errors) ok = ok && !e;
    if (dist->all_ok(ok)) return;
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
    throw error(std::string("another rank failed while ") + what);
  }

  static int resolve_threads(int t) {
    if (t < 0)
      throw model_error("threads", "must be >= 0 (0 = all cores), got " + std::to_string(t));
    if (t == 0) t = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return t;
  }

  void build() {
    const auto t0 = clock_type::now();
    vps.resize(n_threads);
    std::vector<std::exception_ptr> errors(n_threads);
    team.run([&](int t) {
      try {
        build_vp(net, layout, vp_of_thread(t), n_vp, vps[t]);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
    agree(errors, "building the network");

    int64_t lo = INT64_MAX, hi = 0;
    for (const auto& vp : vps)
      for (const auto& t : vp.tables)
        if (!t.targets.empty()) {
          lo = std::min<int64_t>(lo, t.min_delay);
          hi = std::max<int64_t>(hi, t.max_delay);
        }
    lo = dist->min(lo);
    hi = dist->max(hi);
    std::vector<uint64_t> syn{synapses()};
    dist->sum(syn);
    total_synapses = syn[0];
    double bytes = 0;
    for (const auto& vp : vps)
      for (const auto& t : vp.tables) bytes += static_cast<double>(t.bytes());
    total_synapse_bytes = dist->sum(bytes);
    // Without connections the epoch length only sets how often spikes are exchanged.
    min_delay = total_synapses == 0 ? 10 : lo;
    max_delay = total_synapses == 0 ? 1 : hi;
    int n_receptors = 2;
    for (const auto& p : net.populations)
      n_receptors =
          std::max(n_receptors, static_cast<int>(find_cell_type(p.cell_type)->receptors.size()));
    if (n_receptors > max_receptors)
      throw internal_error("a cell type has more than " + std::to_string(max_receptors) +
                           " receptors");
    // The ring holds every delay up to max_delay when that is modest (every point-neuron
    // model so far); beyond 4096 steps it spans a horizon within a memory budget and
    // longer delays go through the VP's event queue (HNN's distance rule gives delays of
    // up to 1e7 ms). The horizon depends only on global quantities, so which events take
    // the queue is the same for every layout.
    ring_horizon = max_delay;
    if (max_delay > 4096) {
      const double per_slot = 8.0 * n_receptors * static_cast<double>(layout.total());
      const auto fit = static_cast<int64_t>(32.0 * 1048576.0 / per_slot) - 1;
      ring_horizon = std::clamp<int64_t>(fit, min_delay, max_delay);
    }
    for (auto& vp : vps) {
      vp.n_slots = ring_horizon + 1;
      vp.n_receptors = n_receptors;
      vp.ring.assign(static_cast<std::size_t>(vp.n_slots) * n_receptors * vp.n_cells, 0.0);
      vp.i_inj.assign(vp.n_cells, 0.0);
      vp.spiked.reserve(vp.n_cells);
      for (std::size_t g = 0; g < vp.groups.size(); ++g)
        if (const double* q = vp.groups[g].cells->column("dipole");
            q && vp.groups[g].cells->size() > 0)
          vp.dipoles.push_back({g, q, {}});
    }

    const std::size_t n_rec = net.recorders.size();
    rec_on.assign(n_rec, true);
    trace_times.resize(n_rec);
    spike_sel.resize(n_rec);
    pop_spikes.resize(net.populations.size());
    pop_spikes_recorded.assign(net.populations.size(), false);
    spike_counts.assign(net.populations.size(), 0);
    rec_traces.assign(n_rec, false);
    for (std::size_t r = 0; r < n_rec; ++r)
      for (const auto& v : net.recorders[r].variables)
        rec_traces[r] = rec_traces[r] || v != "spikes";
    for (std::size_t r = 0; r < n_rec; ++r) {
      const recorder& rec = net.recorders[r];
      rec_interval.push_back(
          rec.interval > 0 ? std::max<int64_t>(1, std::llround(rec.interval / net.dt)) : 1);
      if (std::find(rec.variables.begin(), rec.variables.end(), "spikes") != rec.variables.end()) {
        spike_sel[r].assign(layout.total(), 0);
        for (uint64_t g : resolve(net, layout, rec.target, "recorders")) spike_sel[r][g] = 1;
        for (std::size_t p : populations_of(net, rec.target, "recorders"))
          pop_spikes_recorded[p] = true;
      }
    }
    build_s = seconds_since(t0);
  }

  uint64_t synapses() const {
    uint64_t n = 0;
    for (const auto& vp : vps)
      for (const auto& t : vp.tables) n += t.size();
    return n;
  }

  bool samples_at(std::size_t r, int64_t step_end) const {
    if (!rec_on[r] || step_end % rec_interval[r] != 0) return false;
    const recorder& rec = net.recorders[r];
    const double t = static_cast<double>(step_end) * net.dt;
    return t >= rec.start - 1e-9 * net.dt && (!rec.stop || t <= *rec.stop + 1e-9 * net.dt);
  }

  void sample(vp_state& vp, int64_t step_end) {
    for (auto& tb : vp.traces) {
      if (!samples_at(tb.recorder, step_end)) continue;
      for (const double* p : tb.sources) tb.samples.push_back(*p);
    }
  }

  void prepare_stimuli() {
    stims.clear();
    for (const stimulus& s : net.stimuli) {
      const auto p = stimulus_params(s);
      stim_params sp;
      auto get = [&](const char* k) { return p.count(k) ? p.at(k) : 0.0; };
      sp.start = get("start");
      sp.stop = get("stop");
      if (s.type == "DCSource") {
        sp.kind = stim_kind::dc;
        sp.amplitude = get("amplitude");
      } else if (s.type == "ACSource") {
        sp.kind = stim_kind::ac;
        sp.amplitude = get("amplitude");
        sp.offset = get("offset");
        sp.omega = 2 * std::numbers::pi * get("frequency") / 1000.0;
        sp.phase = get("phase") * std::numbers::pi / 180.0;
      } else if (s.type == "NoisyCurrentSource") {
        sp.kind = stim_kind::noise;
        sp.mean = get("mean");
        sp.stdev = get("stdev");
        const double ndt = get("dt") > 0 ? get("dt") : net.dt;
        sp.noise_steps = std::max<int64_t>(1, std::llround(ndt / net.dt));
      } else {
        sp.kind = stim_kind::step;
        for (double t : s.times) sp.step_at.push_back(std::llround(t / net.dt));
        sp.amplitudes = s.amplitudes;
      }
      stims.push_back(std::move(sp));
    }
  }

  // Current injected during step s (from t = s*dt to (s+1)*dt): a source is on during
  // the steps that start in [start, stop), so the current reaches the membrane exactly
  // at `start`.
  void inject(vp_state& vp, int64_t s) {
    if (vp.stimuli.empty()) return;
    std::fill(vp.i_inj.begin(), vp.i_inj.end(), 0.0);
    const double t = static_cast<double>(s) * net.dt;
    const double eps = 1e-9 * net.dt;
    for (auto& st : vp.stimuli) {
      const stim_params& sp = stims[st.stimulus];
      if (sp.kind == stim_kind::step) {
        auto it = std::upper_bound(sp.step_at.begin(), sp.step_at.end(), s);
        if (it == sp.step_at.begin()) continue;
        const double a = sp.amplitudes[(it - sp.step_at.begin()) - 1];
        for (uint32_t c : st.cells) vp.i_inj[c] += a;
        continue;
      }
      if (t < sp.start - eps || t >= sp.stop - eps) continue;
      if (sp.kind == stim_kind::dc) {
        for (uint32_t c : st.cells) vp.i_inj[c] += sp.amplitude;
      } else if (sp.kind == stim_kind::ac) {
        const double a = sp.offset + sp.amplitude * std::sin(sp.omega * (t - sp.start) + sp.phase);
        for (uint32_t c : st.cells) vp.i_inj[c] += a;
      } else {
        // A new value per target every noise_steps steps, from the target's own stream
        // (seed, noise, source, gid): the Box-Muller pair of block k/2 gives the standard
        // normals of intervals k (even) and k+1: a pure function of (gid, k), so
        // layout-independent, at one log and one sincos per two intervals.
        const int64_t start_step = std::llround(sp.start / net.dt);
        const int64_t k = (s - start_step) / sp.noise_steps;
        if (k != st.noise_index) {
          const bool from_spare = (k & 1) && st.noise_index == k - 1;
          st.next.resize(st.cells.size());
          for (std::size_t m = 0; m < st.cells.size(); ++m) {
            double z;
            if (from_spare) {
              z = st.next[m];
            } else {
              philox_stream rng(net.seed, purpose::noise, static_cast<uint32_t>(st.stimulus),
                                st.gids[m]);
              rng.seek(static_cast<uint32_t>(k >> 1));
              const double z0 = rng.normal(), z1 = rng.normal();
              z = (k & 1) ? z1 : z0;
              st.next[m] = z1;
            }
            st.value[m] = sp.mean + sp.stdev * z;
          }
          st.noise_index = k;
        }
        for (std::size_t m = 0; m < st.cells.size(); ++m) vp.i_inj[st.cells[m]] += st.value[m];
      }
    }
  }

  void advance_step(vp_state& vp, int64_t s, int parity) {
    const int64_t slot = s % vp.n_slots;
    inject(vp, s);
    const step_info info{s, net.dt, net.seed};
    const double* receptor[max_receptors];
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
    for (auto& g : vp.groups) {
      if (g.cells->size() == 0) continue;
      vp.spiked.clear();
      for (int r = 0; r < vp.n_receptors; ++r) receptor[r] = vp.input(slot, r) + g.offset;
      double* exc = vp.input(slot, 0) + g.offset;
      double* inh = vp.input(slot, 1) + g.offset;
      const group_input in{exc, inh, vp.i_inj.data() + g.offset, receptor, vp.n_receptors};
      g.cells->advance(info, in, vp.spiked);
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
    // The slot is reused max_delay steps on: clear the rows each group can receive on
    // (cable cells have dozens of receptors, spike sources and point neurons two),
    // unless the group's kernel zeroed them as it read them.
    for (const auto& g : vp.groups) {
      if (g.cells->consumes_inputs()) continue;
      for (int r = 0; r < std::min(g.receptors, vp.n_receptors); ++r) {
        double* row = vp.input(slot, r) + g.offset;
        std::fill(row, row + g.cells->size(), 0.0);
      }
    }
    if (!vp.traces.empty()) sample(vp, s + 1);
  }

  // K-way merge of sorted spike lists into `out`, in (step, gid) order. The order is
  // the same for every layout, so each target sums its inputs in the same order.
  static void merge_sorted(std::vector<std::pair<const spike_event*, const spike_event*>>& lists,
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

  // End of an epoch (run by whichever thread finishes the epoch's last VP): merge the
  // spikes of every VP of every rank into merged[parity], count and record them.
  // Returns false if this or another rank failed.
  bool finish_epoch(int parity, bool ok) {
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
        lists.emplace_back(all_spikes.data() + all_chunks[r],
                           all_spikes.data() + all_chunks[r + 1]);
      merge_sorted(lists, merged[parity]);
    }
    for (const spike_event& e : merged[parity]) record_spike(e);
    ++epochs_run;
    return true;
  }

  static constexpr int max_receptors = 64;

  // A state that is NaN or infinite would propagate silently (a NaN membrane potential
  // never crosses threshold): every finite_check_steps steps, and at the end of each
  // run, each VP checks its cells' v and stops the run naming the first bad cell.
  static constexpr int64_t finite_check_steps = 256;
  void check_finite(vp_state& vp, int64_t step_now) const {
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

  // Count every spike, record the selected ones.
  void record_spike(const spike_event& e) {
    const std::size_t p = layout.population_of(e.gid);
    ++spike_counts[p];  // every rank sees every spike: counts are global everywhere
    if (!pop_spikes_recorded[p] || rank != 0) return;  // rank 0 writes the outputs
    const double t = static_cast<double>(e.step + 1) * net.dt;
    for (std::size_t r = 0; r < spike_sel.size(); ++r) {
      if (spike_sel[r].empty() || !rec_on[r] || !spike_sel[r][e.gid]) continue;
      const recorder& rec = net.recorders[r];
      if (t < rec.start - 1e-9 || (rec.stop && t > *rec.stop + 1e-9)) continue;
      pop_spikes[p].times.push_back(t);
      pop_spikes[p].node_ids.push_back(e.gid - layout.offset[p]);
      return;
    }
  }

  void deliver(vp_state& vp, int parity) {
    const int64_t n_slots = vp.n_slots;
    const std::size_t n = vp.n_cells;
    const std::size_t n_rec = static_cast<std::size_t>(vp.n_receptors);
    double* ring = vp.ring.data();
    const std::vector<spike_event>& spikes = merged[parity];
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
      for (const projection_table& t : vp.tables) {
        if (e.gid < t.pre_lo || e.gid >= t.pre_hi) continue;
        const uint64_t b = t.offsets[e.gid - t.pre_lo], end = t.offsets[e.gid - t.pre_lo + 1];
        if (b == end) continue;
        const uint32_t* tg = t.targets.data();
        const bool hw = !t.weights.empty(), hd = !t.delays.empty();
        if ((!hd && t.delay > ring_horizon) || (hd && t.max_delay > ring_horizon)) {
          for (uint64_t m = b; m < end; ++m) {
            const double w = hw ? t.weights[m] : t.weight;
            const int64_t d = hd ? t.delays[m] : t.delay;
            if (d <= ring_horizon) {
              ring[(static_cast<std::size_t>((e.step + d) % n_slots) * n_rec + t.receptor) * n +
                   tg[m]] += w;
            } else {
              vp.queue.push_back({e.step + d, vp.queue_seq++, tg[m], t.receptor, w});
              std::push_heap(vp.queue.begin(), vp.queue.end(), std::greater<>());
            }
          }
        } else if (!hd) {
          double* buf =
              ring +
              (static_cast<std::size_t>((e.step + t.delay) % n_slots) * n_rec + t.receptor) * n;
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
                (static_cast<std::size_t>((e.step + t.delays[m]) % n_slots) * n_rec + t.receptor) *
                    n;
            buf[tg[m]] += w;
          }
        }
      }
    }
  }

  void run(double duration) {
    const double steps_f = duration / net.dt;
    if (!(duration >= 0) || !std::isfinite(duration))
      throw model_error("duration", "must be >= 0 ms, got " + fmt(duration));
    const int64_t n_steps = std::llround(steps_f);
    if (std::abs(steps_f - static_cast<double>(n_steps)) > 1e-6 * std::max(1.0, steps_f))
      throw model_error(
          "duration",
          fmt(duration) + " ms is not a whole number of time steps (dt = " + fmt(net.dt) + " ms)");
    if (step + n_steps >= (int64_t{1} << 31))
      throw model_error("duration", "a run is limited to 2^31 time steps in all");
    const double limit = opt.max_record_memory > 0
                             ? opt.max_record_memory
                             : 0.5 * static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
                                   static_cast<double>(sysconf(_SC_PAGE_SIZE));
    const double need = record_memory(duration);
    if (need > limit)
      throw error("recorders would need about " + human_bytes(need) + " for " + fmt(duration) +
                  " ms, above the limit of " + human_bytes(limit) +
                  "; record fewer cells or variables, use a longer sampling interval, a "
                  "start/stop window, or raise the limit (--max-record-memory)");

    prepare_stimuli();
    for (auto& vp : vps) {
      for (auto& g : vp.groups) g.cells->prepare(net.dt);
      for (auto& db : vp.dipoles)
        db.sums.reserve(db.sums.size() + static_cast<std::size_t>(n_steps));
    }
    if (step == 0) {
      for (std::size_t r = 0; r < net.recorders.size(); ++r)
        if (samples_at(r, 0) && rec_traces[r]) trace_times[r].push_back(0.0);
      for (auto& vp : vps) sample(vp, 0);
    }

    const auto t0 = clock_type::now();
    auto last_report = t0;
    const int64_t first = step, last = step + n_steps;
    // Work is scheduled by epochs (docs/parallel.md). The work item of VP v in epoch p
    // delivers the spikes of epoch p-1 into v's ring buffers, then advances v through
    // epoch p. A thread first takes its own VP (cache affinity), then any VP not yet
    // taken, so a thread that the OS has descheduled delays nobody: the others do its
    // share. The thread that completes an epoch's last item merges, exchanges and records
    // the epoch's spikes, then opens the next epoch. A last round delivers the final
    // epoch's spikes, so that a following run() starts with them in place.
    const int64_t n_epochs = (n_steps + min_delay - 1) / min_delay;
    std::vector<std::exception_ptr> errors(n_threads);
    std::vector<std::atomic<int64_t>> claimed(n_threads);
    for (auto& c : claimed) c = -1;
    std::atomic<int64_t> phase{0};
    std::atomic<int> done{0};
    std::atomic<bool> failed{false}, stop{false};
    // Threads allowed to take items; the others sleep. On a machine shared with other
    // jobs, fewer threads can be faster than all (a thread preempted in the middle of
    // an item stalls the epoch), so the rate is measured over short windows and the
    // other count is tried from time to time (adaptive_threads). Which thread runs an
    // item never changes a result.
    std::atomic<int> active{n_threads};
    adaptive_threads ctl(n_threads);

    auto work = [&](int v, int64_t p) {
      vp_state& vp = vps[v];
      if (p > 0) deliver(vp, static_cast<int>((p - 1) & 1));
      if (p == n_epochs) return;
      const int parity = static_cast<int>(p & 1);
      const int64_t s0 = first + p * min_delay, s1 = std::min(last, s0 + min_delay);
      vp.spikes[parity].clear();
      for (int64_t k = s0; k < s1; ++k) {
        advance_step(vp, k, parity);
        if (v == 0)
          for (std::size_t r = 0; r < net.recorders.size(); ++r)
            if (rec_traces[r] && samples_at(r, k + 1))
              trace_times[r].push_back(static_cast<double>(k + 1) * net.dt);
      }
      if (s1 == last || s0 / finite_check_steps != s1 / finite_check_steps) check_finite(vp, s1);
    };
    auto finish = [&](int64_t p) {
      if (p < n_epochs) {
        try {
          if (!finish_epoch(static_cast<int>(p & 1), !failed)) stop = true;
        } catch (...) {
          if (!errors[0]) errors[0] = std::current_exception();
          stop = true;
        }
        if (rank == 0 && opt.progress && seconds_since(last_report) > 0.2) {
          last_report = clock_type::now();
          const int64_t s1 = std::min(last, first + (p + 1) * min_delay);
          opt.progress(static_cast<double>(s1) * net.dt, static_cast<double>(last) * net.dt);
        }
      }
      if (failed) stop = true;
      done = 0;
      if (stop || p + 1 > n_epochs) {
        active.store(n_threads);  // wake the sleepers: they see the end and leave
        active.notify_all();
      } else if (const int a = ctl.epoch_done(); a != active.load(std::memory_order_relaxed)) {
        active.store(a);
        active.notify_all();
      }
      phase.store(p + 1, std::memory_order_release);
      phase.notify_all();
    };

    team.run([&](int t) {
      while (true) {
        const int64_t p = phase.load(std::memory_order_acquire);
        if (p > n_epochs || stop) return;
        if (const int a = active.load(std::memory_order_acquire); t >= a) {
          active.wait(a, std::memory_order_acquire);
          continue;
        }
        for (int k = 0; k < n_threads; ++k) {
          const int v = (t + k) % n_threads;
          int64_t expect = p - 1;
          if (!claimed[v].compare_exchange_strong(expect, p)) continue;
          if (!failed) {
            try {
              work(v, p);
            } catch (...) {
              errors[v] = std::current_exception();
              failed = true;
            }
          }
          if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == n_threads) finish(p);
        }
        // Wait for the epoch to be closed: spin for up to ~20 us (an epoch's items usually
        // end within that), then block in the kernel (futex). Never sched_yield: on a
        // loaded machine it hands the core to another job for a whole time slice.
        const auto spin_start = clock_type::now();
        for (int spin = 0; phase.load(std::memory_order_acquire) == p; ++spin) {
          cpu_relax();
          if ((spin & 63) == 63 && seconds_since(spin_start) > 20e-6) break;
        }
        phase.wait(p, std::memory_order_acquire);
      }
    });
    agree(errors, "running");
    step = last;
    run_s += seconds_since(t0);
    if (opt.progress && rank == 0)
      opt.progress(static_cast<double>(step) * net.dt, static_cast<double>(last) * net.dt);
  }

  double record_memory(double duration) const {
    double bytes = 0;
    const double steps = duration / net.dt;
    for (std::size_t r = 0; r < net.recorders.size(); ++r) {
      if (!rec_on[r]) continue;
      const recorder& rec = net.recorders[r];
      const double cells =
          static_cast<double>(resolve(net, layout, rec.target, "recorders").size());
      const double t0 = step * net.dt, t1 = t0 + duration;
      const double w0 = std::max(t0, rec.start), w1 = std::min(t1, rec.stop.value_or(t1));
      const double window = std::max(0.0, w1 - w0);
      for (const auto& v : rec.variables) {
        if (v == "spikes")
          bytes += cells * 100.0 * window / 1000.0 * 16.0;
        else
          bytes += cells * (std::floor(steps / rec_interval[r]) + 1) * 8.0 *
                   (window / std::max(duration, 1e-12));
      }
    }
    return bytes;
  }
};

simulation::simulation(const network& net, run_options options)
    : simulation(std::make_unique<impl>(net, std::move(options), nullptr)) {}

simulation::simulation(std::unique_ptr<impl> built) : impl_(std::move(built)) {
  impl_->build();
}

simulation simulation_access::make(const network& net, run_options options,
                                   std::unique_ptr<detail::distributed_context> transport) {
  return simulation(
      std::make_unique<simulation::impl>(net, std::move(options), std::move(transport)));
}

simulation::~simulation() = default;

void simulation::run(double duration) {
  impl_->run(duration);
}
double simulation::time() const {
  return static_cast<double>(impl_->step) * impl_->net.dt;
}
const network& simulation::model() const {
  return impl_->net;
}
int simulation::threads() const {
  return impl_->n_threads;
}
int simulation::ranks() const {
  return impl_->n_ranks;
}
int simulation::rank() const {
  return impl_->rank;
}
double simulation::build_seconds() const {
  return impl_->build_s;
}
double simulation::run_seconds() const {
  return impl_->run_s;
}
uint64_t simulation::synapse_count() const {
  return impl_->total_synapses;
}
double simulation::synapse_bytes() const {
  return impl_->total_synapse_bytes;
}
double simulation::record_memory_estimate(double duration) const {
  return impl_->record_memory(duration);
}

void simulation::set_stimulus_param(const std::string& stimulus, const std::string& param,
                                    double value) {
  for (std::size_t i = 0; i < impl_->net.stimuli.size(); ++i) {
    auto& s = impl_->net.stimuli[i];
    if (s.label != stimulus) continue;
    const std::string f = "stimuli[" + std::to_string(i) + "]." + param;
    const auto& schema = stimulus_schemas().at(s.type);
    if (!schema.count(param)) throw model_error(f, "unknown parameter of " + s.type);
    if (!std::isfinite(value)) throw model_error(f, "must be finite");
    if (param == "stdev" && value < 0) throw model_error(f, "must be >= 0");
    // The model's own sources come first (tonic drives' sources follow): summary.json
    // describes the model as it now is.
    if (i < impl_->described.stimuli.size()) impl_->described.stimuli[i].params[param] = value;
    s.params[param] = value;
    return;
  }
  throw model_error("stimuli", "no current source labelled '" + stimulus + "'");
}

void simulation::set_population_param(const std::string& population, const std::string& param,
                                      double value) {
  const std::size_t p = find_population(impl_->net, population, "populations");
  auto& pop = impl_->net.populations[p];
  const cell_type_info* t = find_cell_type(pop.cell_type);
  bool known = false;
  for (const auto& q : t->params) known = known || q.name == param;
  const std::string f = "populations[" + std::to_string(p) + "].params." + param;
  if (!known) throw model_error(f, "unknown parameter of " + t->name);
  network changed = impl_->described;
  changed.populations[p].params[param] = value;
  validate(changed);
  impl_->described = std::move(changed);
  pop.params[param] = value;
  for (auto& vp : impl_->vps) {
    double* c = vp.groups[p].cells->column(param);
    std::fill(c, c + vp.groups[p].cells->size(), value);
  }
}

void simulation::set_recording(const std::string& recorder, bool on) {
  for (std::size_t r = 0; r < impl_->net.recorders.size(); ++r)
    if (impl_->net.recorders[r].label == recorder) {
      impl_->rec_on[r] = on;
      return;
    }
  throw model_error("recorders", "no recorder labelled '" + recorder + "'");
}

spike_data simulation::spikes(const std::string& population) const {
  return impl_->pop_spikes[find_population(impl_->net, population, "population")];
}

std::vector<connection_data> simulation::connections(const std::string& projection) const {
  const impl& m = *impl_;
  std::size_t j = m.net.projections.size();
  for (std::size_t i = 0; i < m.net.projections.size(); ++i)
    if (m.net.projections[i].label == projection) j = i;
  if (j == m.net.projections.size())
    throw model_error("projections", "no projection labelled '" + projection + "'");
  std::vector<connection_data> out;
  for (const auto& vp : m.vps) {
    // VP-local index -> gid.
    std::vector<uint64_t> gid_of(vp.n_cells);
    for (const auto& g : vp.groups)
      for (std::size_t c = 0; c < g.cells->size(); ++c) gid_of[g.offset + c] = g.cells->gids()[c];
    for (const auto& t : vp.tables) {
      if (t.projection != j) continue;
      for (uint64_t s = 0; s + 1 < t.offsets.size(); ++s)
        for (uint64_t k = t.offsets[s]; k < t.offsets[s + 1]; ++k)
          out.push_back({t.pre_lo + s, gid_of[t.targets[k]],
                         t.weights.empty() ? t.weight : t.weights[k],
                         (t.delays.empty() ? t.delay : t.delays[k]) * m.net.dt});
    }
  }
  if (m.n_ranks > 1) {
    std::vector<char> mine;
    put(mine, out.data(), out.size());
    out.clear();
    for (const auto& b : m.dist->gather(mine)) {
      const std::size_t n = b.size() / sizeof(connection_data);
      const std::size_t at = out.size();
      out.resize(at + n);
      std::memcpy(out.data() + at, b.data(), b.size());
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const connection_data& a, const connection_data& b) {
    return a.post != b.post ? a.post < b.post : a.pre < b.pre;
  });
  return out;
}

uint64_t simulation::first_gid(const std::string& population) const {
  return impl_->layout.offset[find_population(impl_->net, population, "population")];
}

std::vector<trace_data> simulation::traces() const {
  const impl& m = *impl_;
  std::vector<trace_data> out;
  // Every rank's trace buffers (on rank 0; other ranks return nothing).
  std::vector<trace_buffer> gathered;
  const std::vector<trace_buffer>* buffers = nullptr;
  std::vector<const trace_buffer*> local;
  for (const auto& vp : m.vps)
    for (const auto& tb : vp.traces) local.push_back(&tb);
  if (m.n_ranks > 1) {
    std::vector<char> mine;
    for (const trace_buffer* tb : local) {
      put<uint64_t>(mine, tb->recorder);
      put<uint64_t>(mine, tb->variable);
      put<uint64_t>(mine, tb->positions.size());
      put(mine, tb->positions.data(), tb->positions.size());
      put<uint64_t>(mine, tb->samples.size());
      put(mine, tb->samples.data(), tb->samples.size());
    }
    for (const auto& b : m.dist->gather(mine)) {
      reader rd{b};
      while (!rd.done()) {
        trace_buffer tb;
        tb.recorder = rd.get<uint64_t>();
        tb.variable = rd.get<uint64_t>();
        tb.positions.resize(rd.get<uint64_t>());
        rd.get(tb.positions.data(), tb.positions.size());
        tb.samples.resize(rd.get<uint64_t>());
        rd.get(tb.samples.data(), tb.samples.size());
        gathered.push_back(std::move(tb));
      }
    }
    if (m.rank != 0) return out;
    buffers = &gathered;
  }
  local.clear();
  if (buffers)
    for (const auto& tb : *buffers) local.push_back(&tb);
  else
    for (const auto& vp : m.vps)
      for (const auto& tb : vp.traces) local.push_back(&tb);
  for (std::size_t r = 0; r < m.net.recorders.size(); ++r) {
    const recorder& rec = m.net.recorders[r];
    const auto gids = resolve(m.net, m.layout, rec.target, "recorders");
    const std::size_t n_samples = m.trace_times[r].size();
    for (std::size_t v = 0; v < rec.variables.size(); ++v) {
      if (rec.variables[v] == "spikes") continue;
      // Assemble [sample][position in selection] from every VP's buffer.
      std::vector<double> all(n_samples * gids.size(), 0.0);
      for (const trace_buffer* tb : local) {
        if (tb->recorder != r || tb->variable != v) continue;
        const std::size_t k = tb->positions.size();
        for (std::size_t s = 0; s < n_samples && k > 0; ++s)
          for (std::size_t i = 0; i < k; ++i)
            all[s * gids.size() + tb->positions[i]] = tb->samples[s * k + i];
      }
      // One table per population touched by the selection.
      for (std::size_t p : populations_of(m.net, rec.target, "recorders")) {
        trace_data td;
        td.population = m.net.populations[p].label;
        td.variable = rec.variables[v];
        const cell_type_info* t = find_cell_type(m.net.populations[p].cell_type);
        for (const auto& q : t->state)
          if (q.name == td.variable) td.unit = q.unit;
        if (td.unit.empty() && td.variable == "v") td.unit = "mV";  // cable cells' soma v
        if (td.variable == "dipole") td.unit = "fAm";
        td.times = m.trace_times[r];
        std::vector<std::size_t> cols;
        for (std::size_t i = 0; i < gids.size(); ++i)
          if (m.layout.population_of(gids[i]) == p) {
            cols.push_back(i);
            td.node_ids.push_back(gids[i] - m.layout.offset[p]);
          }
        td.values.reserve(n_samples * cols.size());
        for (std::size_t s = 0; s < n_samples; ++s)
          for (std::size_t i : cols) td.values.push_back(all[s * gids.size() + i]);
        out.push_back(std::move(td));
      }
    }
  }
  return out;
}

std::vector<dipole_data> simulation::dipoles() const {
  const impl& m = *impl_;
  // Every VP's exact partial sums (fixed point), added per population: integer addition
  // is associative, so the result has the same bits for every layout.
  struct partial {
    std::size_t population;
    std::vector<fixed128> sums;  // per step
  };
  std::vector<partial> all;
  for (const auto& vp : m.vps)
    for (const auto& db : vp.dipoles) all.push_back({vp.groups[db.group].population, db.sums});
  if (m.n_ranks > 1) {
    std::vector<char> mine;
    for (const auto& c : all) {
      put<uint64_t>(mine, c.population);
      put<uint64_t>(mine, c.sums.size());
      put(mine, c.sums.data(), c.sums.size());
    }
    all.clear();
    for (const auto& b : m.dist->gather(mine)) {
      reader rd{b};
      while (!rd.done()) {
        partial c;
        c.population = rd.get<uint64_t>();
        c.sums.resize(rd.get<uint64_t>());
        rd.get(c.sums.data(), c.sums.size());
        all.push_back(std::move(c));
      }
    }
    if (m.rank != 0) return {};
  }
  std::vector<dipole_data> out;
  const auto n_steps = static_cast<std::size_t>(m.step);
  for (std::size_t p = 0; p < m.net.populations.size(); ++p) {
    const cell_type_info* t = find_cell_type(m.net.populations[p].cell_type);
    if (std::find(t->recordable.begin(), t->recordable.end(), "dipole") == t->recordable.end())
      continue;
    std::vector<fixed128> total(n_steps, 0);
    for (const auto& c : all)
      if (c.population == p)
        for (std::size_t s = 0; s < n_steps && s < c.sums.size(); ++s) total[s] += c.sums[s];
    dipole_data d{m.net.populations[p].label, t->name, std::vector<double>(n_steps + 1, 0.0)};
    for (std::size_t s = 0; s < n_steps; ++s)
      d.values[s + 1] = std::ldexp(static_cast<double>(total[s]), -dipole_frac_bits);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<population_summary> simulation::summary() const {
  std::vector<population_summary> out;
  const double t = time();
  for (std::size_t p = 0; p < impl_->net.populations.size(); ++p) {
    const auto& pop = impl_->net.populations[p];
    const uint64_t k = impl_->spike_counts[p];
    out.push_back(
        {pop.label, pop.size, k,
         t > 0 ? static_cast<double>(k) / static_cast<double>(pop.size) / (t / 1000.0) : 0.0});
  }
  return out;
}

void simulation::write_outputs(const std::string& dir) const {
  // HNN models: dipole.csv (HNN-core's "raw" dipoles [nAm]) and dipole_smooth.csv.
  write_outputs(dir, {.extra = hnn_dipole_files(hnn_dipoles(*this), model().dt)});  // collective
}

void simulation::write_outputs(const std::string& dir, const output_options& options) const {
  const impl& m = *impl_;
  const auto tr = traces();  // collective
  if (m.rank != 0) return;
  output_transaction tx(dir, options.sync);
  for (const output_file& f : options.extra) f.write(tx.path(f.name));
  std::vector<spike_table> st;
  for (std::size_t p = 0; p < m.net.populations.size(); ++p) {
    if (!m.pop_spikes_recorded[p]) continue;
    st.push_back({m.net.populations[p].label, m.pop_spikes[p].times, m.pop_spikes[p].node_ids});
  }
  write_spikes_sonata(tx.path("spikes.h5"), st);
  if (!tr.empty()) {
    std::vector<trace_table> tt;
    std::map<std::string, int> seen;
    for (const auto& t : tr) {
      // Keys built by append: GCC 12 warns falsely (-Wrestrict) on string + "/" + string.
      std::string key = t.population;
      key.append(1, '/').append(t.variable);
      std::string var = t.variable;
      const int n_seen = seen[key]++;
      if (n_seen > 0) var.append(1, '_').append(std::to_string(n_seen));
      tt.push_back({t.population, var, t.unit, t.times, t.node_ids, t.values});
    }
    write_traces_h5(tx.path("traces.h5"), tt);
  }
  nlohmann::json s;
  s["version"] = version();
  s["seed"] = m.net.seed;
  s["dt_ms"] = m.net.dt;
  s["tstop_ms"] = time();
  s["threads"] = m.n_threads;
  s["ranks"] = m.n_ranks;
  s["wall_s"] = {{"build", m.build_s}, {"run", m.run_s}};
  // Rank 0's view of the epoch loop: exchange time includes waiting for slower ranks.
  s["epochs"] = {{"count", m.epochs_run},
                 {"length_ms", static_cast<double>(m.min_delay) * m.net.dt},
                 {"exchange_s", m.exchange_s},
                 {"exchange_us_per_epoch",
                  m.epochs_run > 0 ? 1e6 * m.exchange_s / static_cast<double>(m.epochs_run) : 0.0}};
  nlohmann::json pops = nlohmann::json::object();
  for (const auto& p : summary())
    pops[p.label] = {
        {"size", p.size}, {"spike_count", p.spike_count}, {"mean_rate_hz", p.mean_rate_hz}};
  s["populations"] = pops;
  const double syn = static_cast<double>(synapse_count());
  s["synapses"] = {{"count", synapse_count()},
                   {"bytes", synapse_bytes()},
                   {"bytes_per_synapse", syn > 0 ? synapse_bytes() / syn : 0.0}};
  s["model"] = nlohmann::json::parse(network_to_json_text(m.described, -1));
  write_text_atomic(tx.path("summary.json"), s.dump(2) + "\n");
  tx.commit();
}

}  // namespace myelin

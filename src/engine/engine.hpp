#pragma once
// The engine: builds every VP in parallel, then advances time in epochs of the minimum
// delay (the run loop). A work item is one VP for one epoch: deliver the previous
// epoch's spikes into the VP's ring buffers (delivery.hpp), then advance its cell
// groups through the epoch, injecting current (stimuli.hpp) and sampling recorders
// (record/recording.hpp). The scheduler (scheduler.hpp) runs the items; the thread that
// completes an epoch's last item merges (and, under MPI, exchanges) the epoch's spikes
// in (step, gid) order. Nothing in the step loop allocates after the first epochs,
// takes a lock or makes a per-cell virtual call.

#include <cstdint>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "construct/reuse.hpp"
#include "engine/context.hpp"
#include "engine/stimuli.hpp"
#include "engine/thread_team.hpp"
#include "engine/vp_state.hpp"
#include "model/selection.hpp"
#include "myelin/simulation.hpp"
#include "record/recording.hpp"

namespace myelin::detail {

struct engine {
  /// `n` must be validated and have no drives left to expand (src/hnn/drives.hpp).
  /// (A reset's new engine shares the transport of the engine it replaces.)
  engine(network n, run_options o, std::shared_ptr<distributed_context> transport);
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Builds this rank's VPs (collective). With `prev` (the VPs of an engine with the
  /// same cells and threads) and `reuse` (plan_table_reuse), takes over connection
  /// tables from `prev` (construct/reuse.hpp); they are moved out of `prev` only once
  /// every VP has been built, so that a model error leaves `prev` as it was.
  void build(std::vector<vp_state>* prev = nullptr,
             const std::vector<table_reuse>* reuse = nullptr);
  /// Advances by `duration` [ms] (collective).
  void run(double duration);

  network net;
  run_options opt;
  gid_layout layout;
  std::shared_ptr<distributed_context> dist;
  int rank = 0, n_ranks = 1;  // MPI ranks
  int n_threads = 1;          // threads (and VPs) of this rank
  int n_vp = 1;               // VPs of the whole job: n_ranks * n_threads
  std::vector<vp_state> vps;  // this rank's VPs; thread t runs VP rank + t * n_ranks
  thread_team team;
  recording rec;
  uint64_t total_synapses = 0;
  uint64_t reused_synapses = 0;  // of total_synapses: taken over by build(prev, ...)
  double total_synapse_bytes = 0;
  /// Per projection j: [j] its synapses, [n + j] the bytes of its tables (n projections).
  std::vector<uint64_t> projection_synapses;
  int64_t epochs_run = 0;  // epochs completed, over every run() so far
  double exchange_s = 0;   // wall time in MPI spike exchange (incl. waiting for ranks)
  int64_t step = 0;        // steps taken so far
  int64_t min_delay = 1, max_delay = 1;
  int64_t horizon = 1;  // longest delay delivered straight into the ring [steps]
  double build_s = 0, run_s = 0;
  bool has_stdp = false;  // some projection is plastic with STDP (the same on every rank)

 private:
  int vp_of_thread(int t) const { return rank + t * n_ranks; }
  void agree(const std::vector<std::exception_ptr>& errors, const char* what);
  void advance_step(vp_state& vp, int64_t s, int parity);
  bool finish_epoch(int parity, bool ok);
  /// total_synapse_bytes and projection_synapses' bytes, from the tables (collective).
  void count_synapse_bytes();
  void check_finite(vp_state& vp, int64_t step_now) const;

  // Spikes of an epoch from every VP of every rank, in (step, gid) order; by epoch
  // parity, so that one epoch is delivered while the next one's spikes are produced.
  std::vector<spike_event> merged[2];
  std::vector<spike_event> mine, all_spikes;  // MPI: this rank's, every rank's
  std::vector<std::size_t> all_chunks;
  std::vector<std::pair<const spike_event*, const spike_event*>> merge_lists;
  std::vector<stim_params> stims;
};

}  // namespace myelin::detail

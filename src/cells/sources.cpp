// Spike sources: SpikeSourcePoisson and SpikeSourceArray. They are cell groups without
// inputs, so the engine treats them like any other population.

#include <algorithm>
#include <cmath>

#include "cells/cell_group.hpp"
#include "random/rng.hpp"

namespace myelin::detail {
namespace {

// Poisson process per cell in continuous time: exponential inter-spike intervals drawn
// from the cell's own stream (seed, poisson, 0, gid), so the spike train of a gid does
// not depend on the parallel layout. Several spikes of one cell may fall into one step;
// each is emitted.
//
// Run segments: a cell's process starts at its first step and then runs on across
// run() calls, so that any split of a run into segments draws the same intervals as one
// run() (docs/user-guide.md, "Run segments"). Only a cell whose rate or start changed
// between segments is restarted at the segment's first step (the exponential
// distribution is memoryless, so the restarted process is exact at the new rate); a
// changed duration only moves the window in which its spikes are emitted.
class poisson_source final : public cell_group {
 public:
  explicit poisson_source(const group_init& init)
      : cell_group(init),
        seed_(init.seed),
        drawn_rate_(init.n, NAN),
        drawn_start_(init.n, NAN),
        restart_(init.n, 1) {
    rate_ = take(init, "rate");
    start_ = take(init, "start");
    duration_ = take(init, "duration");
    next_ = scratch("next_spike_time");
    streams_.reserve(n_);
    for (std::size_t c = 0; c < n_; ++c)
      streams_.emplace_back(seed_, purpose::poisson, 0, gids_[c]);
  }

  void prepare(double) override {
    const double *rate = col(rate_), *start = col(start_);
    for (std::size_t c = 0; c < n_; ++c)
      if (!(rate[c] == drawn_rate_[c] && start[c] == drawn_start_[c])) restart_[c] = 1;
    pending_ = std::find(restart_.begin(), restart_.end(), 1) != restart_.end();
  }

  void advance(const step_info& s, const group_input&, std::vector<uint32_t>& spiked) override {
    const double t0 = s.step * s.dt, t1 = t0 + s.dt;
    double* next = col(next_);
    const double *rate = col(rate_), *start = col(start_), *duration = col(duration_);
    if (pending_) {
      // The first step of the run, or of a segment after a change of rate or start.
      for (std::size_t c = 0; c < n_; ++c) {
        if (!restart_[c]) continue;
        next[c] = std::max(t0, start[c]) + draw_interval(c, rate[c]);
        drawn_rate_[c] = rate[c];
        drawn_start_[c] = start[c];
        restart_[c] = 0;
      }
      pending_ = false;
    }
    for (std::size_t c = 0; c < n_; ++c) {
      const double stop = start[c] + duration[c];
      while (next[c] < t1) {
        if (next[c] >= start[c] && next[c] < stop) spiked.push_back(static_cast<uint32_t>(c));
        next[c] += draw_interval(c, rate[c]);
      }
    }
  }

 private:
  double draw_interval(std::size_t c, double rate_hz) {
    if (rate_hz <= 0.0) return INFINITY;
    return streams_[c].exponential() * 1000.0 / rate_hz;  // [ms]
  }
  uint64_t seed_;
  std::size_t rate_, start_, duration_, next_;
  std::vector<philox_stream> streams_;
  // Per cell: the rate and start its process was (re)started with (NaN: not yet), and
  // whether it restarts at the next step.
  std::vector<double> drawn_rate_, drawn_start_;
  std::vector<uint8_t> restart_;
  bool pending_ = true;  // some restart_ is set
};

// Explicit spike times. A spike at time T is emitted in the step that ends at T (time
// stamp T rounded to the grid); spikes before the first step end are emitted at dt. Times
// given between segments (replace_spike_times at time t) follow the same rule from t on:
// those that round to t itself (T in [t - dt/2, t + dt/2)) are emitted in the first step
// after t, earlier ones are skipped.
class array_source final : public cell_group {
 public:
  explicit array_source(const group_init& init)
      : cell_group(init), times_(init.spike_times), pos_(init.n, 0) {}

  void prepare(double) override {}

  void replace_spike_times(std::vector<std::vector<double>> times) override {
    times_ = std::move(times);
    std::fill(pos_.begin(), pos_.end(), 0);
    given_pending_ = true;  // advance() learns the step they were given at
  }

  void advance(const step_info& s, const group_input&, std::vector<uint32_t>& spiked) override {
    if (given_pending_) {
      given_step_ = s.step;
      given_pending_ = false;
    }
    const int64_t end_step = s.step + 1;
    for (std::size_t c = 0; c < n_; ++c) {
      const auto& t = times_[c];
      while (pos_[c] < t.size()) {
        const int64_t k = std::llround(t[pos_[c]] / s.dt);
        const int64_t at = std::max<int64_t>(given_step_ + 1, k);
        if (at > end_step) break;
        if (at == end_step && k >= given_step_) spiked.push_back(static_cast<uint32_t>(c));
        ++pos_[c];  // times before they were given are skipped
      }
    }
  }

 private:
  std::vector<std::vector<double>> times_;  // [ms]
  std::vector<std::size_t> pos_;
  int64_t given_step_ = 0;  // step index of the time the times were given (0 at build)
  bool given_pending_ = false;
};

}  // namespace

cell_type_info spike_source_poisson_info() {
  cell_type_info t;
  t.name = "SpikeSourcePoisson";
  t.synapse_kind = "none";
  t.params = {{"rate", "Hz", 1.0, "mean firing rate"},
              {"start", "ms", 0.0, "start of firing"},
              {"duration", "ms", 1e10, "duration of firing"}};
  t.recordable = {"spikes"};
  return t;
}

cell_type_info spike_source_array_info() {
  cell_type_info t;
  t.name = "SpikeSourceArray";
  t.synapse_kind = "none";
  t.recordable = {"spikes"};
  return t;
}

std::unique_ptr<cell_group> make_spike_source_poisson(const group_init& i) {
  return std::make_unique<poisson_source>(i);
}
std::unique_ptr<cell_group> make_spike_source_array(const group_init& i) {
  return std::make_unique<array_source>(i);
}

}  // namespace myelin::detail

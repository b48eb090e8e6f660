// Spike sources: SpikeSourcePoisson and SpikeSourceArray. They are cell groups without
// inputs, so the engine treats them like any other population.

#include <cmath>

#include "cells/cell_group.hpp"
#include "random/rng.hpp"

namespace myelin::detail {
namespace {

// Poisson process per cell in continuous time: exponential inter-spike intervals drawn
// from the cell's own stream (seed, poisson, 0, gid), so the spike train of a gid does
// not depend on the parallel layout. Several spikes of one cell may fall into one step;
// each is emitted.
class poisson_source final : public cell_group {
 public:
  explicit poisson_source(const group_init& init) : cell_group(init), seed_(init.seed) {
    rate_ = take(init, "rate");
    start_ = take(init, "start");
    duration_ = take(init, "duration");
    next_ = scratch("next_spike_time");
    streams_.reserve(n_);
    for (std::size_t c = 0; c < n_; ++c)
      streams_.emplace_back(seed_, purpose::poisson, 0, gids_[c]);
  }

  void prepare(double) override { redraw_ = true; }

  void advance(const step_info& s, const group_input&, std::vector<uint32_t>& spiked) override {
    const double t0 = s.step * s.dt, t1 = t0 + s.dt;
    double* next = col(next_);
    const double *rate = col(rate_), *start = col(start_), *duration = col(duration_);
    if (redraw_) {
      // (Re)start every process at the segment start; the exponential distribution is
      // memoryless, so this is exact also after a rate change.
      for (std::size_t c = 0; c < n_; ++c)
        next[c] = std::max(t0, start[c]) + draw_interval(c, rate[c]);
      redraw_ = false;
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
  bool redraw_ = true;
};

// Explicit spike times. A spike at time T is emitted in the step that ends at T (time
// stamp T rounded to the grid); spikes before the first step end are emitted at dt.
class array_source final : public cell_group {
 public:
  explicit array_source(const group_init& init)
      : cell_group(init), times_(init.spike_times), pos_(init.n, 0) {}

  void prepare(double) override {}

  void advance(const step_info& s, const group_input&, std::vector<uint32_t>& spiked) override {
    const int64_t end_step = s.step + 1;
    for (std::size_t c = 0; c < n_; ++c) {
      const auto& t = times_[c];
      while (pos_[c] < t.size() &&
             std::max<int64_t>(1, std::llround(t[pos_[c]] / s.dt)) <= end_step) {
        if (std::max<int64_t>(1, std::llround(t[pos_[c]] / s.dt)) == end_step)
          spiked.push_back(static_cast<uint32_t>(c));
        ++pos_[c];  // times in the past (before a segment start) are skipped
      }
    }
  }

 private:
  std::vector<std::vector<double>> times_;  // [ms]
  std::vector<std::size_t> pos_;
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

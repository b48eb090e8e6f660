// Renewal-process spike sources beyond Poisson, with PyNN's parameters:
//
// SpikeSourceGamma: inter-spike intervals are gamma distributed with shape `alpha` and
// rate `beta` [Hz], so the mean interval is alpha/beta [s] and the mean rate of the train
// is beta/alpha [Hz] (not beta: PyNN's NEST backend passes rate = beta/alpha to
// gamma_sup_generator); the ISI coefficient of variation is 1/sqrt(alpha). alpha = 1 is
// a Poisson process of rate beta.
//
// SpikeSourcePoissonRefractory: a Poisson process with dead time (NEST's
// ppd_sup_generator, PyNN's NEURON mechanism PoissonStimRefractory): every interval is
// tau_refrac plus an exponential interval of mean 1000/rate - tau_refrac [ms], so `rate`
// is the mean rate of the resulting train and no interval is shorter than tau_refrac.
// It needs rate * tau_refrac <= 1000 (1000/rate >= tau_refrac); rate * tau_refrac = 1000
// gives a regular train.
//
// Both processes are stationary from `start` on: the first spike after start is drawn
// from the process's forward-recurrence (equilibrium) distribution, so the rate is the
// stated one from the first millisecond on, not only on average over a long train (NEST's
// generators are stationary too; PyNN's NEURON mechanisms instead fire at `start`).
// For an interval distribution F with mean m the forward-recurrence time has density
// (1 - F(x))/m:
//   gamma:     U * G with G ~ Gamma(alpha + 1, beta) (U * the length-biased interval),
//   dead time: with probability tau_refrac/m uniform on [0, tau_refrac), otherwise
//              tau_refrac + the exponential part.
// As for SpikeSourcePoisson, a spike is emitted in the step in which it falls (stamped
// at the step's end), several per step if they fall there, and only inside
// [start, start + duration).
//
// Random numbers: every cell draws from its own counter-based stream
// (seed, poisson, object, gid), object 1 for the dead-time and 2 for the gamma source
// (SpikeSourcePoisson uses 0), so a cell's train does not depend on the threads or ranks.
//
// Run segments: as SpikeSourcePoisson, the processes run on across run() calls, and a
// cell whose parameters that shape the intervals (rate, tau_refrac; alpha, beta) or
// whose start changed is restarted at the first step of the next segment, from the
// equilibrium of its new parameters; a changed duration only moves the window.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "cells/cell_group.hpp"
#include "myelin/error.hpp"
#include "random/rng.hpp"

namespace myelin::detail {
namespace {

// Gamma(shape a, scale 1) deviate: Marsaglia & Tsang (2000) for a >= 1, and
// Gamma(a + 1) * U^(1/a) for a < 1 (the same method as PyNN's gammastim.mod).
double gamma_deviate(philox_stream& s, double a) {
  if (a < 1.0) {
    const double g = gamma_deviate(s, a + 1.0);
    return g * std::pow(s.uniform(), 1.0 / a);
  }
  const double d = a - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double z = s.normal();
    const double x = 1.0 + c * z;
    if (x <= 0.0) continue;
    const double v = x * x * x;
    const double u = s.uniform();
    if (std::log(u) < 0.5 * z * z + d - d * v + d * std::log(v)) return d * v;
  }
}

// Gamma process: parameters alpha (shape), beta [Hz].
struct gamma_process {
  static constexpr const char* type = "SpikeSourceGamma";
  static constexpr const char* shape_params[2] = {"alpha", "beta"};
  static constexpr uint32_t stream_object = 2;
  static void check(double, double) {}
  static double interval(philox_stream& s, double alpha, double beta) {
    if (beta <= 0.0) return INFINITY;
    return gamma_deviate(s, alpha) * 1000.0 / beta;  // [ms]
  }
  static double first(philox_stream& s, double alpha, double beta) {
    if (beta <= 0.0) return INFINITY;
    const double u = s.uniform();
    return u * gamma_deviate(s, alpha + 1.0) * 1000.0 / beta;
  }
};

// Poisson process with dead time: parameters rate [Hz], tau_refrac [ms].
struct dead_time_process {
  static constexpr const char* type = "SpikeSourcePoissonRefractory";
  static constexpr const char* shape_params[2] = {"rate", "tau_refrac"};
  static constexpr uint32_t stream_object = 1;
  static void check(double rate, double dead) {
    if (!(rate * dead > 1000.0)) return;
    char msg[256];
    std::snprintf(msg, sizeof msg,
                  "%s: rate * tau_refrac must be <= 1000 (the mean interval 1000/rate ms cannot "
                  "be shorter than the dead time), got rate %g Hz and tau_refrac %g ms",
                  type, rate, dead);
    throw error(msg);
  }
  static double interval(philox_stream& s, double rate, double dead) {
    if (rate <= 0.0) return INFINITY;
    return dead + s.exponential() * (1000.0 / rate - dead);
  }
  static double first(philox_stream& s, double rate, double dead) {
    if (rate <= 0.0) return INFINITY;
    const double mean = 1000.0 / rate, u = s.uniform();
    if (u * mean < dead) return u * mean;  // uniform on [0, dead) with probability dead/mean
    return interval(s, rate, dead);
  }
};

template <class Process>
class renewal_source final : public cell_group {
 public:
  explicit renewal_source(const group_init& init)
      : cell_group(init), drawn_(init.n, {NAN, NAN, NAN}), restart_(init.n, 1) {
    p0_ = take(init, Process::shape_params[0]);
    p1_ = take(init, Process::shape_params[1]);
    start_ = take(init, "start");
    duration_ = take(init, "duration");
    next_ = scratch("next_spike_time");
    streams_.reserve(n_);
    for (std::size_t c = 0; c < n_; ++c)
      streams_.emplace_back(init.seed, purpose::poisson, Process::stream_object, gids_[c]);
  }

  void prepare(double) override {
    const double *p0 = col(p0_), *p1 = col(p1_), *start = col(start_);
    for (std::size_t c = 0; c < n_; ++c) {
      Process::check(p0[c], p1[c]);
      const auto& d = drawn_[c];
      if (!(p0[c] == d[0] && p1[c] == d[1] && start[c] == d[2])) restart_[c] = 1;
    }
    pending_ = std::find(restart_.begin(), restart_.end(), 1) != restart_.end();
  }

  void advance(const step_info& s, const group_input&, std::vector<uint32_t>& spiked) override {
    const double t0 = s.step * s.dt, t1 = t0 + s.dt;
    double* next = col(next_);
    const double *p0 = col(p0_), *p1 = col(p1_), *start = col(start_), *duration = col(duration_);
    if (pending_) {
      for (std::size_t c = 0; c < n_; ++c) {
        if (!restart_[c]) continue;
        next[c] = std::max(t0, start[c]) + Process::first(streams_[c], p0[c], p1[c]);
        drawn_[c] = {p0[c], p1[c], start[c]};
        restart_[c] = 0;
      }
      pending_ = false;
    }
    for (std::size_t c = 0; c < n_; ++c) {
      const double stop = start[c] + duration[c];
      while (next[c] < t1) {
        if (next[c] >= start[c] && next[c] < stop) spiked.push_back(static_cast<uint32_t>(c));
        next[c] += Process::interval(streams_[c], p0[c], p1[c]);
      }
    }
  }

 private:
  std::size_t p0_, p1_, start_, duration_, next_;
  std::vector<philox_stream> streams_;
  // Per cell: the two shape parameters and the start its process was (re)started with
  // (NaN: not yet), and whether it restarts at the next step.
  std::vector<std::array<double, 3>> drawn_;
  std::vector<uint8_t> restart_;
  bool pending_ = true;  // some restart_ is set
};

}  // namespace

cell_type_info spike_source_gamma_info() {
  cell_type_info t;
  t.name = "SpikeSourceGamma";
  t.synapse_kind = "none";
  t.params = {{"alpha", "", 2.0, "shape of the ISI gamma distribution (ISI CV 1/sqrt(alpha))"},
              {"beta", "Hz", 1.0, "rate of the ISI gamma distribution; mean rate is beta/alpha"},
              {"start", "ms", 0.0, "start of firing"},
              {"duration", "ms", 1e10, "duration of firing"}};
  t.recordable = {"spikes"};
  return t;
}

cell_type_info spike_source_poisson_refractory_info() {
  cell_type_info t;
  t.name = "SpikeSourcePoissonRefractory";
  t.synapse_kind = "none";
  t.params = {{"rate", "Hz", 1.0, "mean firing rate (dead time included)"},
              {"tau_refrac", "ms", 0.0, "dead time: minimum interval (rate*tau_refrac <= 1000)"},
              {"start", "ms", 0.0, "start of firing"},
              {"duration", "ms", 1e10, "duration of firing"}};
  t.recordable = {"spikes"};
  return t;
}

std::unique_ptr<cell_group> make_spike_source_gamma(const group_init& i) {
  return std::make_unique<renewal_source<gamma_process>>(i);
}
std::unique_ptr<cell_group> make_spike_source_poisson_refractory(const group_init& i) {
  return std::make_unique<renewal_source<dead_time_process>>(i);
}

}  // namespace myelin::detail

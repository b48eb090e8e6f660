// Izhikevich (2003) quadratic integrate-and-fire cell with PyNN's parameters and units.
//
//   dv/dt = 0.04 v^2 + 5 v + 140 - u + I      [mV/ms], v in mV
//   du/dt = a (b v - u)                       [mV/ms]
//   v >= 30 mV: spike, v <- c, u <- u + d
//
// Units as in PyNN's NEST, NEURON and Brian2 backends: the paper's I is a current into
// a 1 pF membrane, so a current of i [nA] adds 1000 * i [mV/ms] to dv/dt (i_offset =
// 0.01 nA is the paper's I = 10). Synapses are voltage jumps: a weight w [mV] (negative
// for inhibition) adds w to v at the end of the step in which the event arrives.
//
// Integration: the paper's update rule, generalised to any dt (NEST's izhikevich with
// consistent_integration = false): two forward-Euler half steps for v, then one
// forward-Euler step for u using the new v. At dt = 1 ms this is the paper's code
// line for line, so the Izhikevich 2003 network runs exactly as published.

#include "cells/cell_group.hpp"
#include "cells/vmath.hpp"

namespace myelin::detail {
namespace {

constexpr double current_to_slope = 1000.0;  // [mV/ms per nA]: 1 / (1 pF)

// Two half steps of v (Izhikevich 2003's integration), one step of u, then the inputs.
MYELIN_SIMD_CLONES void izhikevich_update(
    std::size_t n, double h, double* __restrict v, double* __restrict u, const double* __restrict a,
    const double* __restrict b, const double* __restrict i_off, const double* __restrict i_inj,
    const double* __restrict exc, const double* __restrict inh) {
  const double half = 0.5 * h;
  for (std::size_t k = 0; k < n; ++k) {
    const double drive = current_to_slope * (i_off[k] + i_inj[k]);  // [mV/ms]
    double vk = v[k];
    const double uk = u[k];
    vk += half * (0.04 * vk * vk + 5.0 * vk + 140.0 - uk + drive);
    vk += half * (0.04 * vk * vk + 5.0 * vk + 140.0 - uk + drive);
    u[k] = uk + h * a[k] * (b[k] * vk - uk);
    v[k] = vk + (exc[k] + inh[k]);
  }
}

class izhikevich final : public cell_group {
 public:
  explicit izhikevich(const group_init& init) : cell_group(init) {
    a_ = take(init, "a");
    b_ = take(init, "b");
    c_ = take(init, "c");
    d_ = take(init, "d");
    i_offset_ = take(init, "i_offset");
    v_ = take(init, "v");
    u_ = take(init, "u");
  }

  void prepare(double h) override { h_ = h; }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    double *v = col(v_), *u = col(u_);
    const double *c = col(c_), *d = col(d_);
    const std::size_t n = n_;
    // The update vectorised over all cells first, then the few that crossed v_peak reset
    // (the same operations per cell as in one loop).
    izhikevich_update(n, h_, v, u, col(a_), col(b_), col(i_offset_), in.i_inj, in.exc, in.inh);
    for (std::size_t k = 0; k < n; ++k) {
      if (v[k] >= v_peak) {
        spiked.push_back(static_cast<uint32_t>(k));
        v[k] = c[k];
        u[k] += d[k];
      }
    }
  }

 private:
  static constexpr double v_peak = 30.0;  // [mV] spike cut-off of the paper
  double h_ = 0.1;                        // [ms]
  std::size_t a_, b_, c_, d_, i_offset_, v_, u_;
};

}  // namespace

cell_type_info izhikevich_info() {
  cell_type_info t;
  t.name = "Izhikevich";
  t.synapse_kind = "delta";
  t.params = {
      {"a", "1/ms", 0.02, "time scale of the recovery variable u"},
      {"b", "1/ms", 0.2, "sensitivity of u to the subthreshold v"},
      {"c", "mV", -65.0, "reset value of v after a spike"},
      {"d", "mV/ms", 2.0, "increment of u after a spike"},
      {"i_offset", "nA", 0.0, "constant injected current (1 nA adds 1000 mV/ms to dv/dt)"},
  };
  t.state = {{"v", "mV", -70.0, "membrane potential"}, {"u", "mV/ms", -14.0, "recovery variable"}};
  t.recordable = {"spikes", "v", "u"};
  return t;
}

std::unique_ptr<cell_group> make_izhikevich(const group_init& i) {
  return std::make_unique<izhikevich>(i);
}

}  // namespace myelin::detail

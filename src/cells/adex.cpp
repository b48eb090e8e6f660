// Adaptive exponential integrate-and-fire cell (Brette & Gerstner 2005) with exponential
// synaptic conductances (PyNN's EIF_cond_exp_isfa_ista) or alpha-shaped ones
// (EIF_cond_alpha_isfa_ista: g(t) = w (t/tau) e^{1 - t/tau} after an event of weight w,
// peaking at w after tau_syn, as IF_cond_alpha).
//
//   cm dv/dt = gL (v_rest - v) + gL delta_T exp((v - v_thresh)/delta_T)
//              + ge (e_rev_E - v) + gi (e_rev_I - v) - w + i_offset + i_inj
//   tau_w dw/dt = a (v - v_rest) - w,         gL = cm / tau_m
//   v >= v_spike: spike, v <- v_reset, w <- w + b, v held at v_reset for tau_refrac.
// Units: cm [nF], conductances [uS], a [nS], currents and w [nA], v [mV], t [ms].
//
// Integration (docs/numerics-nonlinear.md): (v, w) by classic RK4 over adaptive
// substeps, conductances exactly (they decay exponentially, or as (g + y s) e^{-s/tau}
// with y e^{-s/tau} for the alpha shape, so their value at any stage time is known). A substep is
// never longer than the rest of the step and never longer than k_stab / lambda, lambda being the
// current rate of the linearised v equation, so far from threshold a step is a single RK4 step and
// on the upswing the substeps shrink with the exponential. As NEST's aeif models do, the right-hand
// side sees min(v, v_spike), which bounds the exponential and keeps w from picking up the
// divergence of v past the cut-off. The crossing time of v_spike inside the substep is
// interpolated linearly; the reset and the refractory clock start there, and the rest
// of the step is integrated from the reset (the spike is still stamped at the end of
// the step). This removes the dt/2 per-spike delay that a grid-aligned reset adds.
// With delta_T = 0 the exponential vanishes and v_thresh is the cut-off (as in NEST and
// PyNN's NEURON backend).

#include <algorithm>
#include <cmath>

#include "cells/cell_group.hpp"

namespace myelin::detail {
namespace {

template <bool Alpha>
class adex final : public cell_group {
 public:
  explicit adex(const group_init& init) : cell_group(init) {
    cm_ = take(init, "cm");
    tau_refrac_ = take(init, "tau_refrac");
    v_spike_ = take(init, "v_spike");
    v_reset_ = take(init, "v_reset");
    v_rest_ = take(init, "v_rest");
    tau_m_ = take(init, "tau_m");
    i_offset_ = take(init, "i_offset");
    a_ = take(init, "a");
    b_ = take(init, "b");
    delta_t_ = take(init, "delta_T");
    tau_w_ = take(init, "tau_w");
    v_thresh_ = take(init, "v_thresh");
    e_e_ = take(init, "e_rev_E");
    tau_e_ = take(init, "tau_syn_E");
    e_i_ = take(init, "e_rev_I");
    tau_i_ = take(init, "tau_syn_I");
    v_ = take(init, "v");
    w_ = take(init, "w");
    ge_ = take(init, "gsyn_exc");
    gi_ = take(init, "gsyn_inh");
    refr_ = scratch("refractory_time_left");
    de_ = scratch("decay_exc");
    di_ = scratch("decay_inh");
    he_ = scratch("half_decay_exc");
    hi_ = scratch("half_decay_inh");
    ye_ = scratch("ysyn_exc");
    yi_ = scratch("ysyn_inh");
  }

  void prepare(double h) override {
    h_ = h;
    const double *te = col(tau_e_), *ti = col(tau_i_);
    double *de = col(de_), *di = col(di_), *he = col(he_), *hi = col(hi_);
    for (std::size_t c = 0; c < n_; ++c) {
      de[c] = std::exp(-h / te[c]);
      di[c] = std::exp(-h / ti[c]);
      he[c] = std::exp(-0.5 * h / te[c]);
      hi[c] = std::exp(-0.5 * h / ti[c]);
    }
  }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    double *v = col(v_), *w = col(w_), *ge = col(ge_), *gi = col(gi_), *refr = col(refr_);
    double *ye = col(ye_), *yi = col(yi_);  // alpha: d g/dt = y - g/tau (unused for exp)
    const double *de = col(de_), *di = col(di_), *he = col(he_), *hi = col(hi_);
    for (std::size_t c = 0; c < n_; ++c) {
      const cell_constants k = constants(c, in.i_inj[c]);
      const double h = h_;
      double vc = v[c], wc = w[c], left = refr[c];
      double t = 0.0;  // [ms] time reached within the step
      for (int iter = 0; t < h && iter < max_substeps; ++iter) {
        if (left > 0.0) {
          // Refractory: v is held at v_reset, so w relaxes exactly towards a (v_reset - v_rest).
          const bool to_end = left >= h - t;
          const double s = to_end ? h - t : left;
          const double w_inf = k.a * (k.v_reset - k.v_rest);
          wc = w_inf + (wc - w_inf) * std::exp(-s / k.tau_w);
          vc = k.v_reset;
          left = to_end ? left - s : 0.0;
          t = to_end ? h : t + s;
          continue;
        }
        double ge_t, gi_t, ye_t = 0.0, yi_t = 0.0;
        if constexpr (Alpha) {
          const double fe = t == 0.0 ? 1.0 : std::exp(-t / k.tau_e);
          const double fi = t == 0.0 ? 1.0 : std::exp(-t / k.tau_i);
          ge_t = (ge[c] + ye[c] * t) * fe, ye_t = ye[c] * fe;
          gi_t = (gi[c] + yi[c] * t) * fi, yi_t = yi[c] * fi;
        } else {
          ge_t = t == 0.0 ? ge[c] : ge[c] * std::exp(-t / k.tau_e);
          gi_t = t == 0.0 ? gi[c] : gi[c] * std::exp(-t / k.tau_i);
        }
        double dv1, dw1, dv2, dw2, dv3, dw3, dv4, dw4;
        const double lam = k.rhs(vc, wc, ge_t, gi_t, dv1, dw1);
        double s = h - t;
        if (s * lam > k_stab) s = std::max(k_stab / lam, h * min_substep_fraction);
        const bool to_end = s >= h - t;
        // Conductances at the middle and end of the substep.
        double ge_m, gi_m, ge_e, gi_e;
        if constexpr (Alpha) {
          const bool whole = t == 0.0 && s == h;
          const double fe = whole ? he[c] : std::exp(-0.5 * s / k.tau_e);
          const double fi = whole ? hi[c] : std::exp(-0.5 * s / k.tau_i);
          const double fe2 = whole ? de[c] : fe * fe, fi2 = whole ? di[c] : fi * fi;
          ge_m = (ge_t + ye_t * 0.5 * s) * fe, gi_m = (gi_t + yi_t * 0.5 * s) * fi;
          ge_e = (ge_t + ye_t * s) * fe2, gi_e = (gi_t + yi_t * s) * fi2;
        } else if (t == 0.0 && s == h) {
          ge_m = ge_t * he[c], gi_m = gi_t * hi[c], ge_e = ge_t * de[c], gi_e = gi_t * di[c];
        } else {
          const double fe = std::exp(-0.5 * s / k.tau_e), fi = std::exp(-0.5 * s / k.tau_i);
          ge_m = ge_t * fe, gi_m = gi_t * fi, ge_e = ge_m * fe, gi_e = gi_m * fi;
        }
        k.rhs(vc + 0.5 * s * dv1, wc + 0.5 * s * dw1, ge_m, gi_m, dv2, dw2);
        k.rhs(vc + 0.5 * s * dv2, wc + 0.5 * s * dw2, ge_m, gi_m, dv3, dw3);
        k.rhs(vc + s * dv3, wc + s * dw3, ge_e, gi_e, dv4, dw4);
        const double vn = vc + s / 6.0 * (dv1 + 2.0 * dv2 + 2.0 * dv3 + dv4);
        const double wn = wc + s / 6.0 * (dw1 + 2.0 * dw2 + 2.0 * dw3 + dw4);
        if (vn >= k.v_cut) {
          // Crossing time by linear interpolation within the substep; v can only reach
          // the cut-off from below because v > v_cut is never carried over a substep.
          const double frac = vn > vc ? std::clamp((k.v_cut - vc) / (vn - vc), 0.0, 1.0) : 1.0;
          spiked.push_back(static_cast<uint32_t>(c));
          wc = wc + frac * (wn - wc) + k.b;
          vc = k.v_reset;
          t = frac == 1.0 && to_end ? h : t + frac * s;
          left = k.tau_refrac;
        } else {
          vc = vn;
          wc = wn;
          t = to_end ? h : t + s;
        }
      }
      v[c] = vc;
      w[c] = wc;
      refr[c] = std::max(left, 0.0);
      if constexpr (Alpha) {
        const double h = h_;
        ge[c] = (ge[c] + ye[c] * h) * de[c];
        gi[c] = (gi[c] + yi[c] * h) * di[c];
        ye[c] = ye[c] * de[c] + in.exc[c] * std::exp(1.0) / col(tau_e_)[c];
        yi[c] = yi[c] * di[c] + in.inh[c] * std::exp(1.0) / col(tau_i_)[c];
      } else {
        ge[c] = ge[c] * de[c] + in.exc[c];
        gi[c] = gi[c] * di[c] + in.inh[c];
      }
    }
  }

 private:
  // Per-cell constants of the right-hand side, gathered once per step.
  struct cell_constants {
    double cm, g_l, v_rest, v_reset, v_thresh, delta_t, v_cut, x_cut, e_e, e_i, a, b, tau_w, tau_e,
        tau_i, tau_refrac, current;

    // dv/dt [mV/ms] and dw/dt [nA/ms] with v limited to the cut-off (see top of file).
    // Returns a bound on |d(dv/dt)/dv| [1/ms] (leak, synaptic and exponential terms
    // together) that sets the substep.
    double rhs(double v, double w, double ge, double gi, double& dv, double& dw) const {
      const double ve = std::min(v, v_cut);
      const double e = delta_t > 0.0 ? std::exp(std::min((ve - v_thresh) / delta_t, x_cut)) : 0.0;
      dv = (g_l * (v_rest - ve) + g_l * delta_t * e + ge * (e_e - ve) + gi * (e_i - ve) - w +
            current) /
           cm;
      dw = (a * (ve - v_rest) - w) / tau_w;
      return (g_l * (1.0 + e) + ge + gi) / cm;
    }
  };

  cell_constants constants(std::size_t c, double i_inj) {
    cell_constants k;
    k.cm = col(cm_)[c];
    k.g_l = k.cm / col(tau_m_)[c];
    k.v_rest = col(v_rest_)[c];
    k.v_reset = col(v_reset_)[c];
    k.v_thresh = col(v_thresh_)[c];
    k.delta_t = col(delta_t_)[c];
    k.v_cut = k.delta_t > 0.0 ? col(v_spike_)[c] : k.v_thresh;
    k.x_cut = max_exponent;
    k.e_e = col(e_e_)[c];
    k.e_i = col(e_i_)[c];
    k.a = 1e-3 * col(a_)[c];  // nS -> uS, so that a (v - v_rest) is in nA
    k.b = col(b_)[c];
    k.tau_w = col(tau_w_)[c];
    k.tau_e = col(tau_e_)[c];
    k.tau_i = col(tau_i_)[c];
    k.tau_refrac = col(tau_refrac_)[c];
    k.current = col(i_offset_)[c] + i_inj;
    return k;
  }

  // RK4 is stable for h*lambda up to about 2.8 and its error per substep scales as
  // (h*lambda)^5; 0.2 keeps the spike-time error well below 1 us (measured in
  // docs/numerics-nonlinear.md).
  static constexpr double k_stab = 0.2;
  // Lower bound on the substep so that a step always finishes in a bounded number of
  // substeps whatever the parameters.
  static constexpr double min_substep_fraction = 1.0 / 4096.0;
  // Guards the pathological zero-refractory case (v_reset at or above the cut-off), in
  // which every substep would end in a spike: the step then ends early.
  static constexpr int max_substeps = 8192;
  // exp(30) ~ 1e13: reached only far above v_thresh, where v diverges within
  // nanoseconds anyway; it keeps the exponential finite for any v_spike.
  static constexpr double max_exponent = 30.0;

  double h_ = 0.1;  // [ms]
  std::size_t cm_, tau_refrac_, v_spike_, v_reset_, v_rest_, tau_m_, i_offset_, a_, b_, delta_t_,
      tau_w_, v_thresh_, e_e_, tau_e_, e_i_, tau_i_;
  std::size_t v_, w_, ge_, gi_, refr_, de_, di_, he_, hi_, ye_, yi_;
};

cell_type_info adex_info(const std::string& name, const std::string& syn_doc) {
  cell_type_info t;
  t.name = name;
  t.synapse_kind = "conductance";
  t.params = {
      {"cm", "nF", 0.281, "membrane capacitance"},
      {"tau_refrac", "ms", 0.1, "refractory period"},
      {"v_spike", "mV", -40.0, "spike detection threshold"},
      {"v_reset", "mV", -70.6, "reset potential after a spike"},
      {"v_rest", "mV", -70.6, "resting potential (leak reversal potential)"},
      {"tau_m", "ms", 9.3667, "membrane time constant"},
      {"i_offset", "nA", 0.0, "constant injected current"},
      {"a", "nS", 4.0, "subthreshold adaptation conductance"},
      {"b", "nA", 0.0805, "spike-triggered adaptation increment"},
      {"delta_T", "mV", 2.0, "slope factor of the exponential"},
      {"tau_w", "ms", 144.0, "adaptation time constant"},
      {"v_thresh", "mV", -50.4, "spike initiation threshold"},
      {"e_rev_E", "mV", 0.0, "excitatory reversal potential"},
      {"tau_syn_E", "ms", 5.0, "excitatory " + syn_doc},
      {"e_rev_I", "mV", -80.0, "inhibitory reversal potential"},
      {"tau_syn_I", "ms", 5.0, "inhibitory " + syn_doc},
  };
  t.state = {{"v", "mV", -70.6, "membrane potential"},
             {"w", "nA", 0.0, "adaptation current"},
             {"gsyn_exc", "uS", 0.0, "excitatory conductance"},
             {"gsyn_inh", "uS", 0.0, "inhibitory conductance"}};
  t.recordable = {"spikes", "v", "w", "gsyn_exc", "gsyn_inh"};
  return t;
}

}  // namespace

cell_type_info adex_info() {
  return adex_info("EIF_cond_exp_isfa_ista", "conductance time constant");
}
cell_type_info adex_alpha_info() {
  return adex_info("EIF_cond_alpha_isfa_ista", "conductance rise time (alpha function)");
}

std::unique_ptr<cell_group> make_adex(const group_init& i) {
  return std::make_unique<adex<false>>(i);
}
std::unique_ptr<cell_group> make_adex_alpha(const group_init& i) {
  return std::make_unique<adex<true>>(i);
}

}  // namespace myelin::detail

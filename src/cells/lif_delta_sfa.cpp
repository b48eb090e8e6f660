// Two more leaky integrate-and-fire cells with PyNN's parameters:
//
// IF_curr_delta: synaptic events are jumps of v. A weight w [mV] (negative for
// inhibition, as for Izhikevich) adds w to v at the end of the step in which the event
// arrives, after the leak and injected current have moved v over the step; the threshold
// is checked after the jump, so one strong event fires the cell in its arrival step. The
// subthreshold dynamics are linear, so v is propagated exactly:
//   v <- v_rest + (v - v_rest) e^{-h/tau_m} + (1 - e^{-h/tau_m}) tau_m/cm (i_offset + i_inj).
// During the refractory period v is held at v_reset and events arriving then are
// discarded (NEST's iaf_psc_delta, which PyNN's NEST backend uses; PyNN's Brian2
// backend adds them to the clamped v instead).
//
// IF_cond_exp_gsfa_grr (Muller et al. 2007): IF_cond_exp plus two spike-triggered
// conductances, spike-frequency adaptation g_s and relative refractoriness g_r,
//   cm dv/dt = gL (v_rest - v) + ge (e_rev_E - v) + gi (e_rev_I - v)
//              + g_s (e_rev_sfa - v) + g_r (e_rev_rr - v) + i_offset + i_inj
//   dg_s/dt = -g_s / tau_sfa,  dg_r/dt = -g_r / tau_rr,
//   v >= v_thresh: spike, v <- v_reset, g_s <- g_s + q_sfa, g_r <- g_r + q_rr.
// g_s, g_r and q_* are in nS as in PyNN (1e-3 uS in the sums above). The conductances
// decay through the refractory period too (PyNN's NEURON mechanism gsfa_grr.mod; its
// Brian2 backend freezes them while refractory, and gives the cell alpha-shaped synaptic
// conductances, which contradicts the type's name: here they are exponential as in the
// NEURON backend). v is integrated as in IF_cond_exp: every conductance decays exactly
// and v takes the exponential-integrator step with the conductances at the middle of
// the step (second order in h; docs/numerics.md).
//
// Refractoriness (both): for round(tau_refrac/dt) steps after a spike v is held at
// v_reset, as in the other LIF types.

#include <cmath>

#include "cells/cell_group.hpp"

namespace myelin::detail {
namespace {

std::vector<parameter_info> lif_params() {
  return {
      {"v_rest", "mV", -65.0, "resting potential"},
      {"cm", "nF", 1.0, "membrane capacitance"},
      {"tau_m", "ms", 20.0, "membrane time constant"},
      {"tau_refrac", "ms", 0.1, "refractory period"},
      {"i_offset", "nA", 0.0, "constant injected current"},
      {"v_reset", "mV", -65.0, "reset potential after a spike"},
      {"v_thresh", "mV", -50.0, "spike threshold"},
  };
}

// ---------------------------------------------------------------------------------------
class if_curr_delta final : public cell_group {
 public:
  explicit if_curr_delta(const group_init& init) : cell_group(init) {
    v_rest_ = take(init, "v_rest");
    cm_ = take(init, "cm");
    tau_m_ = take(init, "tau_m");
    tau_refrac_ = take(init, "tau_refrac");
    i_offset_ = take(init, "i_offset");
    v_reset_ = take(init, "v_reset");
    v_thresh_ = take(init, "v_thresh");
    v_ = take(init, "v");
    refr_ = scratch("refractory_steps_left");
    nref_ = scratch("refractory_steps");
    pvv_ = scratch("leak_propagator");
    pvu_ = scratch("current_propagator");
  }

  void prepare(double h) override {
    const double *cm = col(cm_), *tau_m = col(tau_m_), *tr = col(tau_refrac_);
    double *nref = col(nref_), *pvv = col(pvv_), *pvu = col(pvu_);
    for (std::size_t c = 0; c < n_; ++c) {
      nref[c] = std::round(tr[c] / h);
      pvv[c] = std::exp(-h / tau_m[c]);
      pvu[c] = -std::expm1(-h / tau_m[c]) * tau_m[c] / cm[c];  // [mV/nA]
    }
  }

  bool consumes_inputs() const override { return true; }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    double *v = col(v_), *refr = col(refr_);
    const double *v_rest = col(v_rest_), *i_off = col(i_offset_), *v_reset = col(v_reset_),
                 *v_thresh = col(v_thresh_), *nref = col(nref_), *pvv = col(pvv_), *pvu = col(pvu_);
    for (std::size_t c = 0; c < n_; ++c) {
      const double jump = in.exc[c] + in.inh[c];  // [mV]
      in.exc[c] = 0.0;
      in.inh[c] = 0.0;
      if (refr[c] > 0.0) {  // held; the event is discarded
        v[c] = v_reset[c];
        refr[c] -= 1.0;
        continue;
      }
      refr[c] = -1.0;
      const double vn =
          v_rest[c] + pvv[c] * (v[c] - v_rest[c]) + pvu[c] * (i_off[c] + in.i_inj[c]) + jump;
      if (vn >= v_thresh[c]) {
        spiked.push_back(static_cast<uint32_t>(c));
        v[c] = v_reset[c];
        refr[c] = nref[c];
      } else {
        v[c] = vn;
      }
    }
  }

 private:
  std::size_t v_rest_, cm_, tau_m_, tau_refrac_, i_offset_, v_reset_, v_thresh_;
  std::size_t v_, refr_, nref_, pvv_, pvu_;
};

// ---------------------------------------------------------------------------------------
class if_cond_gsfa_grr final : public cell_group {
 public:
  explicit if_cond_gsfa_grr(const group_init& init) : cell_group(init) {
    v_rest_ = take(init, "v_rest");
    cm_ = take(init, "cm");
    tau_m_ = take(init, "tau_m");
    tau_refrac_ = take(init, "tau_refrac");
    tau_e_ = take(init, "tau_syn_E");
    tau_i_ = take(init, "tau_syn_I");
    e_e_ = take(init, "e_rev_E");
    e_i_ = take(init, "e_rev_I");
    v_thresh_ = take(init, "v_thresh");
    v_reset_ = take(init, "v_reset");
    i_offset_ = take(init, "i_offset");
    tau_s_ = take(init, "tau_sfa");
    e_s_ = take(init, "e_rev_sfa");
    q_s_ = take(init, "q_sfa");
    tau_r_ = take(init, "tau_rr");
    e_r_ = take(init, "e_rev_rr");
    q_r_ = take(init, "q_rr");
    v_ = take(init, "v");
    ge_ = take(init, "gsyn_exc");
    gi_ = take(init, "gsyn_inh");
    gs_ = take(init, "g_s");
    gr_ = take(init, "g_r");
    refr_ = scratch("refractory_steps_left");
    nref_ = scratch("refractory_steps");
    gl_ = scratch("g_leak");
    hcm_ = scratch("minus_dt_over_cm");
    for (int k = 0; k < 4; ++k) {
      full_[k] = scratch("decay_" + std::to_string(k));
      half_[k] = scratch("half_decay_" + std::to_string(k));
    }
  }

  void prepare(double h) override {
    const double *cm = col(cm_), *tau_m = col(tau_m_), *tr = col(tau_refrac_);
    double *nref = col(nref_), *gl = col(gl_), *hcm = col(hcm_);
    const std::size_t taus[4] = {tau_e_, tau_i_, tau_s_, tau_r_};
    for (std::size_t c = 0; c < n_; ++c) {
      gl[c] = cm[c] / tau_m[c];  // [uS]
      hcm[c] = -h / cm[c];       // [ms/nF]
      nref[c] = std::round(tr[c] / h);
      for (int k = 0; k < 4; ++k) {
        const double tau = col(taus[k])[c];
        col(full_[k])[c] = std::exp(-h / tau);
        col(half_[k])[c] = std::exp(-0.5 * h / tau);
      }
    }
  }

  bool consumes_inputs() const override { return true; }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    double *v = col(v_), *ge = col(ge_), *gi = col(gi_), *gs = col(gs_), *gr = col(gr_),
           *refr = col(refr_);
    const double *gl = col(gl_), *hcm = col(hcm_), *v_rest = col(v_rest_), *e_e = col(e_e_),
                 *e_i = col(e_i_), *e_s = col(e_s_), *e_r = col(e_r_), *i_off = col(i_offset_),
                 *v_reset = col(v_reset_), *v_thresh = col(v_thresh_), *nref = col(nref_),
                 *q_s = col(q_s_), *q_r = col(q_r_);
    const double *de = col(full_[0]), *di = col(full_[1]), *ds = col(full_[2]), *dr = col(full_[3]),
                 *he = col(half_[0]), *hi = col(half_[1]), *hs = col(half_[2]), *hr = col(half_[3]);
    for (std::size_t c = 0; c < n_; ++c) {
      // Conductances [uS] at the middle of the step.
      const double gem = ge[c] * he[c], gim = gi[c] * hi[c];
      const double gsm = nS_to_uS * gs[c] * hs[c], grm = nS_to_uS * gr[c] * hr[c];
      const double g_tot = gl[c] + gem + gim + gsm + grm;
      const double v_inf = (gl[c] * v_rest[c] + gem * e_e[c] + gim * e_i[c] + gsm * e_s[c] +
                            grm * e_r[c] + i_off[c] + in.i_inj[c]) /
                           g_tot;
      const double vn = v_inf + (v[c] - v_inf) * std::exp(hcm[c] * g_tot);
      ge[c] = ge[c] * de[c] + in.exc[c];
      gi[c] = gi[c] * di[c] + in.inh[c];
      gs[c] *= ds[c];
      gr[c] *= dr[c];
      in.exc[c] = 0.0;
      in.inh[c] = 0.0;
      if (refr[c] > 0.0) {
        v[c] = v_reset[c];
        refr[c] -= 1.0;
        continue;
      }
      refr[c] = -1.0;
      if (vn >= v_thresh[c]) {
        spiked.push_back(static_cast<uint32_t>(c));
        v[c] = v_reset[c];
        refr[c] = nref[c];
        gs[c] += q_s[c];
        gr[c] += q_r[c];
      } else {
        v[c] = vn;
      }
    }
  }

 private:
  static constexpr double nS_to_uS = 1e-3;
  std::size_t v_rest_, cm_, tau_m_, tau_refrac_, tau_e_, tau_i_, e_e_, e_i_, v_thresh_, v_reset_,
      i_offset_, tau_s_, e_s_, q_s_, tau_r_, e_r_, q_r_;
  std::size_t v_, ge_, gi_, gs_, gr_, refr_, nref_, gl_, hcm_;
  std::size_t full_[4], half_[4];  // decay over a step / half a step: exc, inh, sfa, rr
};

}  // namespace

cell_type_info if_curr_delta_info() {
  cell_type_info t;
  t.name = "IF_curr_delta";
  t.synapse_kind = "delta";
  t.params = lif_params();
  t.state = {{"v", "mV", -65.0, "membrane potential"}};
  t.recordable = {"spikes", "v"};
  return t;
}

cell_type_info if_cond_exp_gsfa_grr_info() {
  cell_type_info t;
  t.name = "IF_cond_exp_gsfa_grr";
  t.synapse_kind = "conductance";
  t.params = lif_params();
  t.params.push_back({"tau_syn_E", "ms", 5.0, "excitatory conductance time constant"});
  t.params.push_back({"tau_syn_I", "ms", 5.0, "inhibitory conductance time constant"});
  t.params.push_back({"e_rev_E", "mV", 0.0, "excitatory reversal potential"});
  t.params.push_back({"e_rev_I", "mV", -70.0, "inhibitory reversal potential"});
  t.params.push_back({"tau_sfa", "ms", 100.0, "spike-frequency adaptation time constant"});
  t.params.push_back({"e_rev_sfa", "mV", -75.0, "adaptation reversal potential"});
  t.params.push_back({"q_sfa", "nS", 15.0, "adaptation conductance increase per spike"});
  t.params.push_back({"tau_rr", "ms", 2.0, "relative refractoriness time constant"});
  t.params.push_back({"e_rev_rr", "mV", -75.0, "relative refractoriness reversal potential"});
  t.params.push_back({"q_rr", "nS", 3000.0, "refractory conductance increase per spike"});
  t.state = {{"v", "mV", -65.0, "membrane potential"},
             {"g_r", "nS", 0.0, "relative refractory conductance"},
             {"g_s", "nS", 0.0, "spike-frequency adaptation conductance"},
             {"gsyn_exc", "uS", 0.0, "excitatory conductance"},
             {"gsyn_inh", "uS", 0.0, "inhibitory conductance"}};
  t.recordable = {"spikes", "v", "g_r", "g_s", "gsyn_exc", "gsyn_inh"};
  return t;
}

std::unique_ptr<cell_group> make_if_curr_delta(const group_init& i) {
  return std::make_unique<if_curr_delta>(i);
}
std::unique_ptr<cell_group> make_if_cond_exp_gsfa_grr(const group_init& i) {
  return std::make_unique<if_cond_gsfa_grr>(i);
}

}  // namespace myelin::detail

// Leaky integrate-and-fire cells with PyNN's parameters:
// IF_curr_exp, IF_curr_alpha (current-based) and IF_cond_exp, IF_cond_alpha
// (conductance-based).
//
// Current-based: the subthreshold dynamics are linear, so each step applies the exact
// propagator exp(A h) of (v, per receptor I and its alpha auxiliary y), computed once
// per cell in prepare(). Injected current is held constant over a step.
//
// Conductance-based: conductances decay exactly; v is integrated with an exponential
// integrator whose coefficients use the conductances at the middle of the step
// (second order in h). See docs/numerics.md for the measured error.
//
// Refractoriness (all four): for round(tau_refrac/dt) steps after a spike v is held at
// v_reset while the synaptic variables keep evolving.

#include <cmath>

#include "cells/cell_group.hpp"
#include "cells/linalg.hpp"
#include "cells/vmath.hpp"

namespace myelin::detail {
namespace {

std::vector<parameter_info> membrane_params(double cm, double tau_m, double tau_refrac,
                                            double v_rest, double v_reset, double v_thresh) {
  return {
      {"cm", "nF", cm, "membrane capacitance"},
      {"tau_m", "ms", tau_m, "membrane time constant"},
      {"tau_refrac", "ms", tau_refrac, "refractory period"},
      {"v_rest", "mV", v_rest, "resting potential"},
      {"v_reset", "mV", v_reset, "reset potential after a spike"},
      {"v_thresh", "mV", v_thresh, "spike threshold"},
      {"i_offset", "nA", 0.0, "constant injected current"},
  };
}

// Threshold pass shared by all four types. The update pass leaves refr = -1 for cells
// that integrated freely this step and refr >= 0 for cells held at v_reset; only the
// former can spike. A spiking cell is reset and refractory for nref steps.
void detect_spikes(std::size_t n, double* v, double* refr, const double* v_thresh,
                   const double* v_reset, const double* nref, std::vector<uint32_t>& spiked) {
  for (std::size_t c = 0; c < n; ++c) {
    if (refr[c] < 0.0 && v[c] >= v_thresh[c]) {
      spiked.push_back(static_cast<uint32_t>(c));
      v[c] = v_reset[c];
      refr[c] = nref[c];
    }
  }
}

// ---------------------------------------------------------------------------------------
// Current-based LIF, exponential or alpha PSCs.
template <bool Alpha>
class if_curr final : public cell_group {
 public:
  explicit if_curr(const group_init& init) : cell_group(init) {
    cm_ = take(init, "cm");
    tau_m_ = take(init, "tau_m");
    tau_refrac_ = take(init, "tau_refrac");
    v_rest_ = take(init, "v_rest");
    v_reset_ = take(init, "v_reset");
    v_thresh_ = take(init, "v_thresh");
    i_offset_ = take(init, "i_offset");
    tau_e_ = take(init, "tau_syn_E");
    tau_i_ = take(init, "tau_syn_I");
    v_ = take(init, "v");
    ie_ = take(init, "isyn_exc");
    ii_ = take(init, "isyn_inh");
    ye_ = scratch("ysyn_exc");
    yi_ = scratch("ysyn_inh");
    refr_ = scratch("refractory_steps_left");
    nref_ = scratch("refractory_steps");
    for (int k = 0; k < n_coef; ++k) p_[k] = scratch("propagator_" + std::to_string(k));
  }

  void prepare(double h) override {
    const double *cm = col(cm_), *tau_m = col(tau_m_), *tau_e = col(tau_e_), *tau_i = col(tau_i_);
    double* p[n_coef];
    for (int k = 0; k < n_coef; ++k) p[k] = col(p_[k]);
    const double* tr = col(tau_refrac_);
    double* nref = col(nref_);
    for (std::size_t c = 0; c < n_; ++c) {
      nref[c] = std::round(tr[c] / h);
      if (c > 0 && cm[c] == cm[c - 1] && tau_m[c] == tau_m[c - 1] && tau_e[c] == tau_e[c - 1] &&
          tau_i[c] == tau_i[c - 1]) {
        for (int k = 0; k < n_coef; ++k) p[k][c] = p[k][c - 1];
        continue;
      }
      // State x = (v - v_rest, I_e, y_e, I_i, y_i, u) with u the constant current
      // (du/dt = 0): exp(A h) gives every coefficient, including the response to u.
      matrix<6> a{};
      a[0][0] = -1.0 / tau_m[c];
      a[0][1] = a[0][3] = a[0][5] = 1.0 / cm[c];
      a[1][1] = -1.0 / tau_e[c];
      a[3][3] = -1.0 / tau_i[c];
      if constexpr (Alpha) {
        a[1][2] = 1.0;
        a[2][2] = -1.0 / tau_e[c];
        a[3][4] = 1.0;
        a[4][4] = -1.0 / tau_i[c];
      }
      for (auto& row : a)
        for (double& x : row) x *= h;
      const matrix<6> e = expm<6>(a);
      p[0][c] = e[0][0];  // v <- v
      p[1][c] = e[0][1];  // v <- I_e
      p[2][c] = e[0][2];  // v <- y_e
      p[3][c] = e[0][3];  // v <- I_i
      p[4][c] = e[0][4];  // v <- y_i
      p[5][c] = e[0][5];  // v <- constant current
      p[6][c] = e[1][1];  // I_e <- I_e
      p[7][c] = e[1][2];  // I_e <- y_e
      p[8][c] = e[3][3];  // I_i <- I_i
      p[9][c] = e[3][4];  // I_i <- y_i
    }
  }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    double *v = col(v_), *ie = col(ie_), *ii = col(ii_), *ye = col(ye_), *yi = col(yi_);
    double* refr = col(refr_);
    const double *v_rest = col(v_rest_), *v_reset = col(v_reset_), *v_thresh = col(v_thresh_);
    const double *i_off = col(i_offset_), *nref = col(nref_);
    const double *tau_e = col(tau_e_), *tau_i = col(tau_i_);
    const double *pvv = col(p_[0]), *pvie = col(p_[1]), *pvye = col(p_[2]), *pvii = col(p_[3]),
                 *pvyi = col(p_[4]), *pvu = col(p_[5]), *pee = col(p_[6]), *pey = col(p_[7]),
                 *pii = col(p_[8]), *piy = col(p_[9]);
    const double e1 = std::exp(1.0);
    const double *exc = in.exc, *inh = in.inh, *i_inj = in.i_inj;
    for (std::size_t c = 0; c < n_; ++c) {
      const double u = i_off[c] + i_inj[c];
      double vn =
          v_rest[c] + pvv[c] * (v[c] - v_rest[c]) + pvie[c] * ie[c] + pvii[c] * ii[c] + pvu[c] * u;
      if constexpr (Alpha) {
        vn += pvye[c] * ye[c] + pvyi[c] * yi[c];
        ie[c] = pee[c] * ie[c] + pey[c] * ye[c];
        ii[c] = pii[c] * ii[c] + piy[c] * yi[c];
        ye[c] = pee[c] * ye[c] + exc[c] * e1 / tau_e[c];
        yi[c] = pii[c] * yi[c] + inh[c] * e1 / tau_i[c];
      } else {
        (void)pvye, (void)pvyi, (void)pey, (void)piy, (void)tau_e, (void)tau_i;
        ie[c] = pee[c] * ie[c] + exc[c];
        ii[c] = pii[c] * ii[c] + inh[c];
      }
      const bool refractory = refr[c] > 0.0;
      v[c] = refractory ? v_reset[c] : vn;
      refr[c] = refractory ? refr[c] - 1.0 : -1.0;
    }
    detect_spikes(n_, v, refr, v_thresh, v_reset, nref, spiked);
  }

 private:
  static constexpr int n_coef = 10;
  std::size_t cm_, tau_m_, tau_refrac_, v_rest_, v_reset_, v_thresh_, i_offset_, tau_e_, tau_i_;
  std::size_t v_, ie_, ii_, ye_, yi_, refr_, nref_;
  std::size_t p_[n_coef];
};

// ---------------------------------------------------------------------------------------
// Conductance-based LIF, exponential or alpha conductances.
template <bool Alpha>
class if_cond final : public cell_group {
 public:
  explicit if_cond(const group_init& init) : cell_group(init) {
    cm_ = take(init, "cm");
    tau_m_ = take(init, "tau_m");
    tau_refrac_ = take(init, "tau_refrac");
    v_rest_ = take(init, "v_rest");
    v_reset_ = take(init, "v_reset");
    v_thresh_ = take(init, "v_thresh");
    i_offset_ = take(init, "i_offset");
    tau_e_ = take(init, "tau_syn_E");
    tau_i_ = take(init, "tau_syn_I");
    e_e_ = take(init, "e_rev_E");
    e_i_ = take(init, "e_rev_I");
    v_ = take(init, "v");
    ge_ = take(init, "gsyn_exc");
    gi_ = take(init, "gsyn_inh");
    ye_ = scratch("ysyn_exc");
    yi_ = scratch("ysyn_inh");
    refr_ = scratch("refractory_steps_left");
    nref_ = scratch("refractory_steps");
    de_ = scratch("decay_exc");
    di_ = scratch("decay_inh");
    he_ = scratch("half_decay_exc");
    hi_ = scratch("half_decay_inh");
    gl_ = scratch("g_leak");
    hcm_ = scratch("minus_dt_over_cm");
  }

  void prepare(double h) override {
    const double *tr = col(tau_refrac_), *te = col(tau_e_), *ti = col(tau_i_);
    double *nref = col(nref_), *de = col(de_), *di = col(di_), *he = col(he_), *hi = col(hi_);
    double *gl = col(gl_), *hcm = col(hcm_);
    const double *cm = col(cm_), *tau_m = col(tau_m_);
    h_ = h;
    for (std::size_t c = 0; c < n_; ++c) {
      gl[c] = cm[c] / tau_m[c];  // [uS]
      hcm[c] = -h / cm[c];       // [ms/nF]
      nref[c] = std::round(tr[c] / h);
      de[c] = std::exp(-h / te[c]);
      di[c] = std::exp(-h / ti[c]);
      he[c] = std::exp(-0.5 * h / te[c]);
      hi[c] = std::exp(-0.5 * h / ti[c]);
    }
  }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    double *v = col(v_), *ge = col(ge_), *gi = col(gi_), *ye = col(ye_), *yi = col(yi_);
    double* refr = col(refr_);
    const double *gl = col(gl_), *hcm = col(hcm_), *v_rest = col(v_rest_), *v_reset = col(v_reset_),
                 *v_thresh = col(v_thresh_), *i_off = col(i_offset_), *e_e = col(e_e_),
                 *e_i = col(e_i_), *nref = col(nref_), *de = col(de_), *di = col(di_),
                 *he = col(he_), *hi = col(hi_), *tau_e = col(tau_e_), *tau_i = col(tau_i_);
    const double h = h_;
    const double e1 = std::exp(1.0);
    const double *exc = in.exc, *inh = in.inh, *i_inj = in.i_inj;
    // Pass 1, branch-free so that it vectorises: conductances and v for every cell.
    for (std::size_t c = 0; c < n_; ++c) {
      // Conductances [uS] at the middle of the step.
      double gem, gim;
      if constexpr (Alpha) {
        // g(t+s) = (g + y s) e^{-s/tau}, y(t+s) = y e^{-s/tau}.
        gem = (ge[c] + ye[c] * 0.5 * h) * he[c];
        gim = (gi[c] + yi[c] * 0.5 * h) * hi[c];
      } else {
        (void)tau_e, (void)tau_i;
        gem = ge[c] * he[c];
        gim = gi[c] * hi[c];
      }
      const double g_tot = gl[c] + gem + gim;  // [uS]
      const double v_inf =
          (gl[c] * v_rest[c] + gem * e_e[c] + gim * e_i[c] + i_off[c] + i_inj[c]) / g_tot;
      const double vn = v_inf + (v[c] - v_inf) * vexp(hcm[c] * g_tot);
      if constexpr (Alpha) {
        ge[c] = (ge[c] + ye[c] * h) * de[c];
        gi[c] = (gi[c] + yi[c] * h) * di[c];
        ye[c] = ye[c] * de[c] + exc[c] * e1 / tau_e[c];
        yi[c] = yi[c] * di[c] + inh[c] * e1 / tau_i[c];
      } else {
        ge[c] = ge[c] * de[c] + exc[c];
        gi[c] = gi[c] * di[c] + inh[c];
      }
      const bool refractory = refr[c] > 0.0;
      v[c] = refractory ? v_reset[c] : vn;
      refr[c] = refractory ? refr[c] - 1.0 : -1.0;
    }
    // Pass 2: threshold (cells that were refractory sit at v_reset < v_thresh).
    detect_spikes(n_, v, refr, v_thresh, v_reset, nref, spiked);
  }

 private:
  double h_ = 0.1;
  std::size_t cm_, tau_m_, tau_refrac_, v_rest_, v_reset_, v_thresh_, i_offset_, tau_e_, tau_i_,
      e_e_, e_i_;
  std::size_t v_, ge_, gi_, ye_, yi_, refr_, nref_, de_, di_, he_, hi_, gl_, hcm_;
};

cell_type_info curr_info(const std::string& name, double tau_syn) {
  cell_type_info t;
  t.name = name;
  t.synapse_kind = "current";
  t.params = membrane_params(1.0, 20.0, 0.1, -65.0, -65.0, -50.0);
  t.params.push_back({"tau_syn_E", "ms", tau_syn, "excitatory PSC time constant"});
  t.params.push_back({"tau_syn_I", "ms", tau_syn, "inhibitory PSC time constant"});
  t.state = {{"v", "mV", -65.0, "membrane potential"},
             {"isyn_exc", "nA", 0.0, "excitatory synaptic current"},
             {"isyn_inh", "nA", 0.0, "inhibitory synaptic current"}};
  t.recordable = {"spikes", "v", "isyn_exc", "isyn_inh"};
  return t;
}

cell_type_info cond_info(const std::string& name, double tau_e, double tau_i) {
  cell_type_info t;
  t.name = name;
  t.synapse_kind = "conductance";
  t.params = membrane_params(1.0, 20.0, 0.1, -65.0, -65.0, -50.0);
  t.params.push_back({"tau_syn_E", "ms", tau_e, "excitatory conductance time constant"});
  t.params.push_back({"tau_syn_I", "ms", tau_i, "inhibitory conductance time constant"});
  t.params.push_back({"e_rev_E", "mV", 0.0, "excitatory reversal potential"});
  t.params.push_back({"e_rev_I", "mV", -70.0, "inhibitory reversal potential"});
  t.state = {{"v", "mV", -65.0, "membrane potential"},
             {"gsyn_exc", "uS", 0.0, "excitatory conductance"},
             {"gsyn_inh", "uS", 0.0, "inhibitory conductance"}};
  t.recordable = {"spikes", "v", "gsyn_exc", "gsyn_inh"};
  return t;
}

}  // namespace

cell_type_info if_curr_exp_info() {
  return curr_info("IF_curr_exp", 5.0);
}
cell_type_info if_curr_alpha_info() {
  return curr_info("IF_curr_alpha", 0.5);
}
cell_type_info if_cond_exp_info() {
  return cond_info("IF_cond_exp", 5.0, 5.0);
}
cell_type_info if_cond_alpha_info() {
  return cond_info("IF_cond_alpha", 0.3, 0.5);
}

std::unique_ptr<cell_group> make_if_curr_exp(const group_init& i) {
  return std::make_unique<if_curr<false>>(i);
}
std::unique_ptr<cell_group> make_if_curr_alpha(const group_init& i) {
  return std::make_unique<if_curr<true>>(i);
}
std::unique_ptr<cell_group> make_if_cond_exp(const group_init& i) {
  return std::make_unique<if_cond<false>>(i);
}
std::unique_ptr<cell_group> make_if_cond_alpha(const group_init& i) {
  return std::make_unique<if_cond<true>>(i);
}

}  // namespace myelin::detail

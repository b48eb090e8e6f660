// Generalized integrate-and-fire cell with exponential synaptic conductances, PyNN's
// GIF_cond_exp (Mensi et al. 2012, Pozzorini et al. 2015): a LIF membrane with a
// spike-triggered current eta, a moving threshold gamma and stochastic spike emission
// through an escape rate.
//
//   cm dv/dt = gL (v_rest - v) + ge (e_rev_E - v) + gi (e_rev_I - v) - i_eta
//              + i_offset + i_inj,                       gL = cm / tau_m
//   i_eta = eta1 + eta2 + eta3,      d eta_k/dt = -eta_k / tau_eta_k      [nA]
//   v_t = v_t_star + gamma1 + gamma2 + gamma3,
//                                    d gamma_k/dt = -gamma_k / tau_gamma_k [mV]
//   lambda = lambda0 exp((v - v_t) / delta_v)     (lambda0 in Hz, 1e-3 lambda0 per ms)
//   spike in a step of length h with probability p = 1 - exp(-lambda h);
//   then v <- v_reset, eta_k <- eta_k + a_eta_k, gamma_k <- gamma_k + a_gamma_k, and v is
//   held at v_reset for round(tau_refrac / h) steps, during which no spike is drawn.
// i_eta is an outward current (it is subtracted), as in PyNN's NEURON mechanism gif.mod and
// NEST's gif_cond_exp; both let eta and gamma decay through the refractory period.
//
// A step from t to t + h (docs/numerics.md, "GIF_cond_exp"): v takes the
// exponential-integrator step of IF_cond_exp with the conductances and i_eta at the middle
// of the step (each decays exactly); then every conductance, eta_k and gamma_k decays
// exactly to t + h and the spike draw compares the cell's uniform u for this step with
// p(v(t + h), v_t(t + h)). u is draw `step` of the cell's stream (seed, escape, step >> 33,
// gid): half step % 2 of Philox block step / 2, so one block serves two steps and every
// cell's spikes depend only on (seed, gid, step), not on threads, ranks or run segments.
// Every free cell draws in every step, whatever its probability.

#include <cmath>

#include "cells/cell_group.hpp"
#include "cells/vmath.hpp"
#include "random/batch_draws.hpp"

namespace myelin::detail {
namespace {

// Pointers of one step's update pass (SoA columns; suffix k = 1..3 for the kernels).
struct gif_args {
  std::size_t n;
  double *v, *ge, *gi, *refr, *eta1, *eta2, *eta3, *gamma1, *gamma2, *gamma3, *i_eta, *v_t;
  double *exc, *inh;
  const double *i_inj, *u;
  const double *gl, *hcm, *v_rest, *e_e, *e_i, *i_off, *v_reset, *v_t_star, *inv_dv, *scale, *nref,
      *de, *di, *he, *hi;
  const double *d_eta1, *d_eta2, *d_eta3, *h_eta1, *h_eta2, *h_eta3, *d_gamma1, *d_gamma2,
      *d_gamma3, *a_eta1, *a_eta2, *a_eta3, *a_gamma1, *a_gamma2, *a_gamma3;
  double* fired;  // 1 where the cell fired this step, else 0 (doubles: a byte store
                  // keeps GCC 12 from vectorising the AVX-512 clone)
};

// p = 1 - e^{-x} without cancellation for small x (error < x^4/24, below the 2^-53
// resolution of the uniforms for x < 1e-5).
// Both sides are computed and one selected: no branch, so the loop vectorises.
[[gnu::always_inline]] inline double escape_probability(double x) {
  const double series = x * (1.0 - x * (0.5 - x * (1.0 / 6.0))), direct = 1.0 - vexp(-x);
  return x < 1e-5 ? series : direct;
}

// Arrays of a group never overlap: the __restrict locals and `#pragma GCC ivdep` say so,
// and the loop vectorises (selects, no branches; spikes are flagged, not pushed).
#define MYELIN_R(name) auto* __restrict name = a.name
// Uniform: every parameter column holds one value for all cells (the common case), read
// at index 0; the pass then streams only the 17 state and input columns.
template <bool Uniform>
[[gnu::always_inline]] inline void gif_loop(const gif_args& a) {
  MYELIN_R(v);
  MYELIN_R(ge);
  MYELIN_R(gi);
  MYELIN_R(refr);
  MYELIN_R(i_eta);
  MYELIN_R(v_t);
  MYELIN_R(eta1);
  MYELIN_R(eta2);
  MYELIN_R(eta3);
  MYELIN_R(gamma1);
  MYELIN_R(gamma2);
  MYELIN_R(gamma3);
  MYELIN_R(exc);
  MYELIN_R(inh);
  MYELIN_R(i_inj);
  MYELIN_R(u);
  MYELIN_R(fired);
  MYELIN_R(gl);
  MYELIN_R(hcm);
  MYELIN_R(v_rest);
  MYELIN_R(e_e);
  MYELIN_R(e_i);
  MYELIN_R(i_off);
  MYELIN_R(v_reset);
  MYELIN_R(v_t_star);
  MYELIN_R(inv_dv);
  MYELIN_R(scale);
  MYELIN_R(nref);
  MYELIN_R(de);
  MYELIN_R(di);
  MYELIN_R(he);
  MYELIN_R(hi);
  MYELIN_R(d_eta1);
  MYELIN_R(d_eta2);
  MYELIN_R(d_eta3);
  MYELIN_R(h_eta1);
  MYELIN_R(h_eta2);
  MYELIN_R(h_eta3);
  MYELIN_R(d_gamma1);
  MYELIN_R(d_gamma2);
  MYELIN_R(d_gamma3);
  MYELIN_R(a_eta1);
  MYELIN_R(a_eta2);
  MYELIN_R(a_eta3);
  MYELIN_R(a_gamma1);
  MYELIN_R(a_gamma2);
  MYELIN_R(a_gamma3);
  const std::size_t n = a.n;
#pragma GCC ivdep
  for (std::size_t c = 0; c < n; ++c) {
    const std::size_t p = Uniform ? 0 : c;
    // Conductances [uS] and the spike-triggered current [nA] at the middle of the step.
    const double gem = ge[c] * he[p], gim = gi[c] * hi[p];
    const double eta_m = eta1[c] * h_eta1[p] + eta2[c] * h_eta2[p] + eta3[c] * h_eta3[p];
    const double g_tot = gl[p] + gem + gim;
    const double v_inf =
        (gl[p] * v_rest[p] + gem * e_e[p] + gim * e_i[p] + i_off[p] + i_inj[c] - eta_m) / g_tot;
    const double vn = v_inf + (v[c] - v_inf) * vexp(hcm[p] * g_tot);
    ge[c] = ge[c] * de[p] + exc[c];
    gi[c] = gi[c] * di[p] + inh[c];
    exc[c] = 0.0;
    inh[c] = 0.0;
    double e1 = eta1[c] * d_eta1[p], e2 = eta2[c] * d_eta2[p], e3 = eta3[c] * d_eta3[p];
    double g1 = gamma1[c] * d_gamma1[p], g2 = gamma2[c] * d_gamma2[p], g3 = gamma3[c] * d_gamma3[p];
    const double vt = v_t_star[p] + g1 + g2 + g3;
    const double x = scale[p] * vexp((vn - vt) * inv_dv[p]);  // lambda h
    const double rf = refr[c];
    const bool held = rf > 0.0;
    const bool fire = !held & (u[c] < escape_probability(x));
    const double jump = fire ? 1.0 : 0.0, vr = v_reset[p], nr = nref[p];
    v[c] = held | fire ? vr : vn;
    // nr after a spike, -1 (free) otherwise; arithmetic, as a nested select stops GCC 12
    // from vectorising the loop. Exact: nr is a whole number.
    refr[c] = held ? rf - 1.0 : jump * (nr + 1.0) - 1.0;
    e1 += jump * a_eta1[p];
    e2 += jump * a_eta2[p];
    e3 += jump * a_eta3[p];
    g1 += jump * a_gamma1[p];
    g2 += jump * a_gamma2[p];
    g3 += jump * a_gamma3[p];
    eta1[c] = e1, eta2[c] = e2, eta3[c] = e3;
    gamma1[c] = g1, gamma2[c] = g2, gamma3[c] = g3;
    i_eta[c] = e1 + e2 + e3;
    v_t[c] = v_t_star[p] + g1 + g2 + g3;
    fired[c] = jump;
  }
}
#undef MYELIN_R

MYELIN_SIMD_CLONES void gif_cells(const gif_args& a) {
  gif_loop<false>(a);
}
MYELIN_SIMD_CLONES void gif_cells_uniform(const gif_args& a) {
  gif_loop<true>(a);
}

class gif final : public cell_group {
 public:
  explicit gif(const group_init& init) : cell_group(init), seed_(init.seed) {
    v_rest_ = take(init, "v_rest");
    cm_ = take(init, "cm");
    tau_m_ = take(init, "tau_m");
    tau_refrac_ = take(init, "tau_refrac");
    tau_e_ = take(init, "tau_syn_E");
    tau_i_ = take(init, "tau_syn_I");
    e_e_ = take(init, "e_rev_E");
    e_i_ = take(init, "e_rev_I");
    v_reset_ = take(init, "v_reset");
    i_offset_ = take(init, "i_offset");
    delta_v_ = take(init, "delta_v");
    v_t_star_ = take(init, "v_t_star");
    lambda0_ = take(init, "lambda0");
    for (int k = 0; k < 3; ++k) {
      const std::string j = std::to_string(k + 1);
      tau_eta_[k] = take(init, "tau_eta" + j);
      tau_gamma_[k] = take(init, "tau_gamma" + j);
      a_eta_[k] = take(init, "a_eta" + j);
      a_gamma_[k] = take(init, "a_gamma" + j);
      eta_[k] = take(init, "eta" + j);
      gamma_[k] = take(init, "gamma" + j);
      d_eta_[k] = scratch("decay_eta" + j);
      h_eta_[k] = scratch("half_decay_eta" + j);
      d_gamma_[k] = scratch("decay_gamma" + j);
    }
    v_ = take(init, "v");
    ge_ = take(init, "gsyn_exc");
    gi_ = take(init, "gsyn_inh");
    i_eta_ = scratch("i_eta");
    v_t_ = scratch("v_t");
    refr_ = scratch("refractory_steps_left");
    nref_ = scratch("refractory_steps");
    gl_ = scratch("g_leak");
    hcm_ = scratch("minus_dt_over_cm");
    inv_dv_ = scratch("inverse_delta_v");
    scale_ = scratch("lambda0_times_dt");
    de_ = scratch("decay_exc");
    di_ = scratch("decay_inh");
    he_ = scratch("half_decay_exc");
    hi_ = scratch("half_decay_inh");
    u0_ = scratch("uniform_even_step");
    u1_ = scratch("uniform_odd_step");
    fired_ = scratch("fired");
    update_derived();
  }

  void prepare(double h) override {
    const double *cm = col(cm_), *tau_m = col(tau_m_), *tr = col(tau_refrac_), *te = col(tau_e_),
                 *ti = col(tau_i_), *dv = col(delta_v_), *l0 = col(lambda0_);
    double *nref = col(nref_), *gl = col(gl_), *hcm = col(hcm_), *inv_dv = col(inv_dv_),
           *scale = col(scale_), *de = col(de_), *di = col(di_), *he = col(he_), *hi = col(hi_);
    for (std::size_t c = 0; c < n_; ++c) {
      gl[c] = cm[c] / tau_m[c];  // [uS]
      hcm[c] = -h / cm[c];       // [ms/nF]
      nref[c] = std::round(tr[c] / h);
      inv_dv[c] = 1.0 / dv[c];
      scale[c] = 1e-3 * l0[c] * h;  // Hz -> 1/ms, times the step
      de[c] = std::exp(-h / te[c]);
      di[c] = std::exp(-h / ti[c]);
      he[c] = std::exp(-0.5 * h / te[c]);
      hi[c] = std::exp(-0.5 * h / ti[c]);
      for (int k = 0; k < 3; ++k) {
        col(d_eta_[k])[c] = std::exp(-h / col(tau_eta_[k])[c]);
        col(h_eta_[k])[c] = std::exp(-0.5 * h / col(tau_eta_[k])[c]);
        col(d_gamma_[k])[c] = std::exp(-h / col(tau_gamma_[k])[c]);
      }
    }
    uniform_ = true;
    for (const std::size_t k : parameter_columns()) uniform_ = uniform_ && all_equal(col(k), n_);
    update_derived();  // v_t_star or the kernels' states may have changed
  }

  bool consumes_inputs() const override { return true; }

  void advance(const step_info& s, const group_input& in, std::vector<uint32_t>& spiked) override {
    const int64_t block = s.step >> 1;
    if (block != cached_block_) {
      uniform_pairs(seed_, purpose::escape, static_cast<uint32_t>(s.step >> 33), gids_.data(), n_,
                    static_cast<uint32_t>(block), col(u0_), col(u1_));
      cached_block_ = block;
    }
    gif_args a{};
    a.n = n_;
    a.v = col(v_), a.ge = col(ge_), a.gi = col(gi_), a.refr = col(refr_);
    a.i_eta = col(i_eta_), a.v_t = col(v_t_);
    a.exc = in.exc, a.inh = in.inh, a.i_inj = in.i_inj;
    a.u = (s.step & 1) != 0 ? col(u1_) : col(u0_);  // the step's half of the block
    a.gl = col(gl_), a.hcm = col(hcm_), a.v_rest = col(v_rest_), a.e_e = col(e_e_);
    a.e_i = col(e_i_), a.i_off = col(i_offset_), a.v_reset = col(v_reset_);
    a.v_t_star = col(v_t_star_), a.inv_dv = col(inv_dv_), a.scale = col(scale_);
    a.nref = col(nref_), a.de = col(de_), a.di = col(di_), a.he = col(he_), a.hi = col(hi_);
    a.eta1 = col(eta_[0]), a.eta2 = col(eta_[1]), a.eta3 = col(eta_[2]);
    a.gamma1 = col(gamma_[0]), a.gamma2 = col(gamma_[1]), a.gamma3 = col(gamma_[2]);
    a.d_eta1 = col(d_eta_[0]), a.d_eta2 = col(d_eta_[1]), a.d_eta3 = col(d_eta_[2]);
    a.h_eta1 = col(h_eta_[0]), a.h_eta2 = col(h_eta_[1]), a.h_eta3 = col(h_eta_[2]);
    a.d_gamma1 = col(d_gamma_[0]), a.d_gamma2 = col(d_gamma_[1]), a.d_gamma3 = col(d_gamma_[2]);
    a.a_eta1 = col(a_eta_[0]), a.a_eta2 = col(a_eta_[1]), a.a_eta3 = col(a_eta_[2]);
    a.a_gamma1 = col(a_gamma_[0]), a.a_gamma2 = col(a_gamma_[1]), a.a_gamma3 = col(a_gamma_[2]);
    a.fired = col(fired_);
    uniform_ ? gif_cells_uniform(a) : gif_cells(a);
    const double* fired = col(fired_);
    for (std::size_t c = 0; c < n_; ++c)
      if (fired[c] != 0.0) spiked.push_back(static_cast<uint32_t>(c));
  }

 private:
  // The columns gif_loop reads at index 0 when uniform_: parameters and their derived
  // constants.
  std::vector<std::size_t> parameter_columns() const {
    std::vector<std::size_t> k = {gl_,       hcm_,     v_rest_,   e_e_,    e_i_,
                                  i_offset_, v_reset_, v_t_star_, inv_dv_, scale_,
                                  nref_,     de_,      di_,       he_,     hi_};
    for (int j = 0; j < 3; ++j)
      k.insert(k.end(), {d_eta_[j], h_eta_[j], d_gamma_[j], a_eta_[j], a_gamma_[j]});
    return k;
  }

  void update_derived() {
    double *i_eta = col(i_eta_), *v_t = col(v_t_);
    const double* vts = col(v_t_star_);
    for (std::size_t c = 0; c < n_; ++c) {
      i_eta[c] = col(eta_[0])[c] + col(eta_[1])[c] + col(eta_[2])[c];
      v_t[c] = vts[c] + col(gamma_[0])[c] + col(gamma_[1])[c] + col(gamma_[2])[c];
    }
  }

  uint64_t seed_;
  bool uniform_ = false;
  int64_t cached_block_ = -1;  // the Philox block whose halves u0_, u1_ hold
  std::size_t v_rest_, cm_, tau_m_, tau_refrac_, tau_e_, tau_i_, e_e_, e_i_, v_reset_, i_offset_,
      delta_v_, v_t_star_, lambda0_;
  std::size_t tau_eta_[3], tau_gamma_[3], a_eta_[3], a_gamma_[3], eta_[3], gamma_[3], d_eta_[3],
      h_eta_[3], d_gamma_[3];
  std::size_t v_, ge_, gi_, i_eta_, v_t_, refr_, nref_, gl_, hcm_, inv_dv_, scale_, de_, di_, he_,
      hi_, u0_, u1_, fired_;
};

}  // namespace

cell_type_info gif_cond_exp_info() {
  cell_type_info t;
  t.name = "GIF_cond_exp";
  t.synapse_kind = "conductance";
  t.params = {
      {"v_rest", "mV", -65.0, "resting potential"},
      {"cm", "nF", 1.0, "membrane capacitance"},
      {"tau_m", "ms", 20.0, "membrane time constant"},
      {"tau_refrac", "ms", 4.0, "refractory period"},
      {"tau_syn_E", "ms", 5.0, "excitatory conductance time constant"},
      {"tau_syn_I", "ms", 5.0, "inhibitory conductance time constant"},
      {"e_rev_E", "mV", 0.0, "excitatory reversal potential"},
      {"e_rev_I", "mV", -70.0, "inhibitory reversal potential"},
      {"v_reset", "mV", -65.0, "reset potential after a spike"},
      {"i_offset", "nA", 0.0, "constant injected current"},
      {"delta_v", "mV", 0.5, "threshold sharpness of the escape rate"},
      {"v_t_star", "mV", -48.0, "threshold baseline"},
      {"lambda0", "Hz", 1.0, "escape rate at threshold"},
  };
  const double tau[3] = {1.0, 10.0, 100.0};
  for (int k = 0; k < 3; ++k) {
    const std::string j = std::to_string(k + 1);
    t.params.push_back(
        {"tau_eta" + j, "ms", tau[k], "time constant of spike-triggered current " + j});
    t.params.push_back({"tau_gamma" + j, "ms", tau[k], "time constant of threshold kernel " + j});
    t.params.push_back({"a_eta" + j, "nA", 1.0, "jump of spike-triggered current " + j});
    t.params.push_back({"a_gamma" + j, "mV", 1.0, "jump of threshold kernel " + j});
  }
  t.state = {{"v", "mV", -65.0, "membrane potential"},
             {"gsyn_exc", "uS", 0.0, "excitatory conductance"},
             {"gsyn_inh", "uS", 0.0, "inhibitory conductance"}};
  for (int k = 0; k < 3; ++k) {
    const std::string j = std::to_string(k + 1);
    t.state.push_back({"eta" + j, "nA", 0.0, "spike-triggered current " + j});
    t.state.push_back({"gamma" + j, "mV", 0.0, "threshold kernel " + j});
  }
  t.derived = {{"i_eta", "nA", 0.0, "spike-triggered current eta1 + eta2 + eta3 (outward)"},
               {"v_t", "mV", -48.0, "threshold v_t_star + gamma1 + gamma2 + gamma3"}};
  t.recordable = {"spikes", "v", "gsyn_exc", "gsyn_inh", "i_eta", "v_t"};
  for (int k = 0; k < 3; ++k) {
    t.recordable.push_back("eta" + std::to_string(k + 1));
    t.recordable.push_back("gamma" + std::to_string(k + 1));
  }
  return t;
}

std::unique_ptr<cell_group> make_gif_cond_exp(const group_init& i) {
  return std::make_unique<gif>(i);
}

}  // namespace myelin::detail

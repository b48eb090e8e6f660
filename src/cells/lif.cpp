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

#include <algorithm>
#include <cmath>
#include <cstring>

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
// Spikes are rare: a branch-free pass (vectorised, SIMD clones) writes one byte per cell
// into `flags` (n + 8 bytes), then eight cells at a time are skipped unless one of them
// crossed.
MYELIN_SIMD_CLONES void threshold_flags(std::size_t n, const double* __restrict v,
                                        const double* __restrict refr,
                                        const double* __restrict v_thresh,
                                        uint8_t* __restrict flags) {
  for (std::size_t c = 0; c < n; ++c)
    flags[c] = static_cast<uint8_t>((refr[c] < 0.0) & (v[c] >= v_thresh[c]));
}

void detect_spikes(std::size_t n, double* v, double* refr, const double* v_thresh,
                   const double* v_reset, const double* nref, uint8_t* flags,
                   std::vector<uint32_t>& spiked) {
  threshold_flags(n, v, refr, v_thresh, flags);
  for (std::size_t c0 = 0; c0 < n; c0 += 8) {
    uint64_t word;
    std::memcpy(&word, flags + c0, sizeof word);  // flags has 8 bytes of slack
    if (word == 0) continue;
    for (std::size_t c = c0; c < std::min(c0 + 8, n); ++c) {
      if (!flags[c]) continue;
      spiked.push_back(static_cast<uint32_t>(c));
      v[c] = v_reset[c];
      refr[c] = nref[c];
    }
  }
}

// ---------------------------------------------------------------------------------------
// Per-step kernels. Plain loops over cells that GCC vectorises; compiled for AVX-512,
// AVX2 and baseline x86-64 and picked at load time (target_clones), so one binary runs
// everywhere and uses the widest SIMD the CPU has. No FMA contraction happens (ISO C++
// mode), so every clone computes the same bits. `Uniform`: the group's parameters are
// all equal and are read from index 0 (a broadcast), which keeps them out of the memory
// traffic; otherwise every cell has its own.

struct curr_args {
  std::size_t n;
  double *v, *ie, *ii, *ye, *yi, *refr;
  double *exc, *inh;  // this step's synaptic input: read, then zeroed (consumes_inputs)
  const double* i_inj;
  const double *v_rest, *v_reset, *i_off, *ke, *ki;  // ke, ki: e / tau_syn
  const double *pvv, *pvie, *pvye, *pvii, *pvyi, *pvu, *pee, *pey, *pii, *piy;
};

// Arrays of a group never overlap: the __restrict locals and `#pragma GCC ivdep` say so,
// which lets the compiler hoist uniform parameters and vectorise without alias checks
// (GCC 12 needs the pragma: restrict on locals of an inlined function is not enough).
#define MYELIN_R(name) auto* __restrict name = a.name

template <bool Alpha, bool Uniform>
[[gnu::always_inline]] inline void curr_loop(const curr_args& a) {
  MYELIN_R(v);
  MYELIN_R(ie);
  MYELIN_R(ii);
  MYELIN_R(ye);
  MYELIN_R(yi);
  MYELIN_R(exc);
  MYELIN_R(inh);
  MYELIN_R(i_inj);
  MYELIN_R(v_rest);
  MYELIN_R(i_off);
  MYELIN_R(ke);
  MYELIN_R(ki);
  MYELIN_R(pvv);
  MYELIN_R(pvie);
  MYELIN_R(pvye);
  MYELIN_R(pvii);
  MYELIN_R(pvyi);
  MYELIN_R(pvu);
  MYELIN_R(pee);
  MYELIN_R(pey);
  MYELIN_R(pii);
  MYELIN_R(piy);
  const std::size_t n = a.n;
#pragma GCC ivdep
  for (std::size_t c = 0; c < n; ++c) {
    const std::size_t p = Uniform ? 0 : c;
    const double u = i_off[p] + i_inj[c];
    double vn =
        v_rest[p] + pvv[p] * (v[c] - v_rest[p]) + pvie[p] * ie[c] + pvii[p] * ii[c] + pvu[p] * u;
    if constexpr (Alpha) {
      vn += pvye[p] * ye[c] + pvyi[p] * yi[c];
      ie[c] = pee[p] * ie[c] + pey[p] * ye[c];
      ii[c] = pii[p] * ii[c] + piy[p] * yi[c];
      ye[c] = pee[p] * ye[c] + exc[c] * ke[p];
      yi[c] = pii[p] * yi[c] + inh[c] * ki[p];
    } else {
      (void)pvye, (void)pvyi, (void)pey, (void)piy, (void)ke, (void)ki, (void)ye, (void)yi;
      ie[c] = pee[p] * ie[c] + exc[c];
      ii[c] = pii[p] * ii[c] + inh[c];
    }
    exc[c] = 0.0;
    inh[c] = 0.0;
    v[c] = vn;
  }
}

struct cond_args {
  std::size_t n;
  double h;
  double *v, *ge, *gi, *ye, *yi, *refr;
  double *exc, *inh;  // this step's synaptic input: read, then zeroed (consumes_inputs)
  const double* i_inj;
  const double *gl, *v_rest, *i_off, *e_e, *e_i, *v_reset, *hcm, *de, *di, *he, *hi, *ke, *ki;
};

template <bool Alpha, bool Uniform>
[[gnu::always_inline]] inline void cond_loop(const cond_args& a) {
  MYELIN_R(v);
  MYELIN_R(ge);
  MYELIN_R(gi);
  MYELIN_R(ye);
  MYELIN_R(yi);
  MYELIN_R(exc);
  MYELIN_R(inh);
  MYELIN_R(i_inj);
  MYELIN_R(gl);
  MYELIN_R(v_rest);
  MYELIN_R(i_off);
  MYELIN_R(e_e);
  MYELIN_R(e_i);
  MYELIN_R(hcm);
  MYELIN_R(de);
  MYELIN_R(di);
  MYELIN_R(he);
  MYELIN_R(hi);
  MYELIN_R(ke);
  MYELIN_R(ki);
  const double h = a.h;
  const std::size_t n = a.n;
#pragma GCC ivdep
  for (std::size_t c = 0; c < n; ++c) {
    const std::size_t p = Uniform ? 0 : c;
    // Conductances [uS] at the middle of the step.
    double gem, gim;
    if constexpr (Alpha) {
      // g(t+s) = (g + y s) e^{-s/tau}, y(t+s) = y e^{-s/tau}.
      gem = (ge[c] + ye[c] * 0.5 * h) * he[p];
      gim = (gi[c] + yi[c] * 0.5 * h) * hi[p];
    } else {
      (void)ye, (void)yi, (void)ke, (void)ki, (void)h;
      gem = ge[c] * he[p];
      gim = gi[c] * hi[p];
    }
    const double g_tot = gl[p] + gem + gim;  // [uS]
    const double v_inf =
        (gl[p] * v_rest[p] + gem * e_e[p] + gim * e_i[p] + i_off[p] + i_inj[c]) / g_tot;
    const double vn = v_inf + (v[c] - v_inf) * vexp(hcm[p] * g_tot);
    if constexpr (Alpha) {
      ge[c] = (ge[c] + ye[c] * h) * de[p];
      gi[c] = (gi[c] + yi[c] * h) * di[p];
      ye[c] = ye[c] * de[p] + exc[c] * ke[p];
      yi[c] = yi[c] * di[p] + inh[c] * ki[p];
    } else {
      ge[c] = ge[c] * de[p] + exc[c];
      gi[c] = gi[c] * di[p] + inh[c];
    }
    exc[c] = 0.0;
    inh[c] = 0.0;
    v[c] = vn;
  }
}
#undef MYELIN_R

// Cells in their refractory period are put back to v_reset (the free update above ran
// for them too; its v is discarded). Leaves refr = -1 for cells that may spike.
// A separate loop: fused with the update, GCC 12 gives up if-converting the selects;
// with the threshold flags fused in instead, COBA's static run went from 0.118 to
// 0.139 s (2026-12-07): threshold_flags stays a pass of its own. Both fused into the
// update, vectorised (every load unconditional, a uniform v_reset read before the loop,
// the flags as doubles scanned 64 at a time), COBA went from 0.113 to 0.119-0.122 s and
// its STDP run from 0.187 to 0.195 s (medians of 11, alternating, 2026-12-07 afternoon):
// one loop of 16 streams is slower than three of 13, 3 and 4.
template <bool Uniform>
[[gnu::always_inline]] inline void refractory_loop(std::size_t n, double* __restrict v,
                                                   double* __restrict refr,
                                                   const double* __restrict v_reset) {
  for (std::size_t c = 0; c < n; ++c) {
    const double vc = v[c], rf = refr[c], vr = v_reset[Uniform ? 0 : c];
    v[c] = rf > 0.0 ? vr : vc;
    refr[c] = rf > 0.0 ? rf - 1.0 : -1.0;
  }
}

MYELIN_SIMD_CLONES void refractory_cells(std::size_t n, double* v, double* refr,
                                         const double* v_reset) {
  refractory_loop<false>(n, v, refr, v_reset);
}
MYELIN_SIMD_CLONES void refractory_cells_uniform(std::size_t n, double* v, double* refr,
                                                 const double* v_reset) {
  refractory_loop<true>(n, v, refr, v_reset);
}

MYELIN_SIMD_CLONES void curr_exp_cells(const curr_args& a) {
  curr_loop<false, false>(a);
}
MYELIN_SIMD_CLONES void curr_exp_cells_uniform(const curr_args& a) {
  curr_loop<false, true>(a);
}
MYELIN_SIMD_CLONES void curr_alpha_cells(const curr_args& a) {
  curr_loop<true, false>(a);
}
MYELIN_SIMD_CLONES void curr_alpha_cells_uniform(const curr_args& a) {
  curr_loop<true, true>(a);
}
MYELIN_SIMD_CLONES void cond_exp_cells(const cond_args& a) {
  cond_loop<false, false>(a);
}
MYELIN_SIMD_CLONES void cond_exp_cells_uniform(const cond_args& a) {
  cond_loop<false, true>(a);
}
MYELIN_SIMD_CLONES void cond_alpha_cells(const cond_args& a) {
  cond_loop<true, false>(a);
}
MYELIN_SIMD_CLONES void cond_alpha_cells_uniform(const cond_args& a) {
  cond_loop<true, true>(a);
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
    ke_ = scratch("alpha_jump_exc");
    ki_ = scratch("alpha_jump_inh");
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
    double *ke = col(ke_), *ki = col(ki_);
    for (std::size_t c = 0; c < n_; ++c) {
      ke[c] = std::exp(1.0) / tau_e[c];
      ki[c] = std::exp(1.0) / tau_i[c];
    }
    uniform_ = true;
    for (std::size_t k : {v_rest_, v_reset_, i_offset_, ke_, ki_})
      uniform_ = uniform_ && all_equal(col(k), n_);
    for (int k = 0; k < n_coef; ++k) uniform_ = uniform_ && all_equal(col(p_[k]), n_);
  }

  bool consumes_inputs() const override { return true; }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    const curr_args a{n_,           col(v_),       col(ie_),       col(ii_),   col(ye_),
                      col(yi_),     col(refr_),    in.exc,         in.inh,     in.i_inj,
                      col(v_rest_), col(v_reset_), col(i_offset_), col(ke_),   col(ki_),
                      col(p_[0]),   col(p_[1]),    col(p_[2]),     col(p_[3]), col(p_[4]),
                      col(p_[5]),   col(p_[6]),    col(p_[7]),     col(p_[8]), col(p_[9])};
    if constexpr (Alpha)
      uniform_ ? curr_alpha_cells_uniform(a) : curr_alpha_cells(a);
    else
      uniform_ ? curr_exp_cells_uniform(a) : curr_exp_cells(a);
    uniform_ ? refractory_cells_uniform(n_, col(v_), col(refr_), col(v_reset_))
             : refractory_cells(n_, col(v_), col(refr_), col(v_reset_));
    detect_spikes(n_, col(v_), col(refr_), col(v_thresh_), col(v_reset_), col(nref_), flags_.data(),
                  spiked);
  }

 private:
  static constexpr int n_coef = 10;
  std::size_t cm_, tau_m_, tau_refrac_, v_rest_, v_reset_, v_thresh_, i_offset_, tau_e_, tau_i_;
  std::size_t v_, ie_, ii_, ye_, yi_, refr_, nref_, ke_, ki_;
  std::size_t p_[n_coef];
  bool uniform_ = false;
  std::vector<uint8_t> flags_ = std::vector<uint8_t>(n_ + 8, 0);  // threshold crossings
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
    ke_ = scratch("alpha_jump_exc");
    ki_ = scratch("alpha_jump_inh");
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
    double *ke = col(ke_), *ki = col(ki_);
    for (std::size_t c = 0; c < n_; ++c) {
      ke[c] = std::exp(1.0) / te[c];
      ki[c] = std::exp(1.0) / ti[c];
    }
    uniform_ = true;
    for (std::size_t k :
         {gl_, v_rest_, i_offset_, e_e_, e_i_, v_reset_, hcm_, de_, di_, he_, hi_, ke_, ki_})
      uniform_ = uniform_ && all_equal(col(k), n_);
  }

  bool consumes_inputs() const override { return true; }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    const cond_args a{
        n_,         h_,        col(v_),       col(ge_),  col(gi_), col(ye_),     col(yi_),
        col(refr_), in.exc,    in.inh,        in.i_inj,  col(gl_), col(v_rest_), col(i_offset_),
        col(e_e_),  col(e_i_), col(v_reset_), col(hcm_), col(de_), col(di_),     col(he_),
        col(hi_),   col(ke_),  col(ki_)};
    if constexpr (Alpha)
      uniform_ ? cond_alpha_cells_uniform(a) : cond_alpha_cells(a);
    else
      uniform_ ? cond_exp_cells_uniform(a) : cond_exp_cells(a);
    uniform_ ? refractory_cells_uniform(n_, col(v_), col(refr_), col(v_reset_))
             : refractory_cells(n_, col(v_), col(refr_), col(v_reset_));
    detect_spikes(n_, col(v_), col(refr_), col(v_thresh_), col(v_reset_), col(nref_), flags_.data(),
                  spiked);
  }

 private:
  double h_ = 0.1;
  std::size_t cm_, tau_m_, tau_refrac_, v_rest_, v_reset_, v_thresh_, i_offset_, tau_e_, tau_i_,
      e_e_, e_i_;
  std::size_t v_, ge_, gi_, ye_, yi_, refr_, nref_, de_, di_, he_, hi_, gl_, hcm_, ke_, ki_;
  bool uniform_ = false;
  std::vector<uint8_t> flags_ = std::vector<uint8_t>(n_ + 8, 0);  // threshold crossings
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

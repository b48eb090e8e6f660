// Single-compartment Hodgkin-Huxley cell with Traub & Miles (1991) kinetics and
// exponential synaptic conductances: PyNN's HH_cond_exp (the equations of PyNN's Brian2
// backend and of its NEURON mechanism hh_traub.mod, NEST's hh_cond_exp_traub).
//
//   cm dv/dt = g_leak (e_rev_leak - v) + gbar_Na m^3 h (e_rev_Na - v) + gbar_K n^4 (e_rev_K - v)
//              + ge (e_rev_E - v) + gi (e_rev_I - v) + i_offset + i_inj
//   dx/dt = alpha_x(u) (1 - x) - beta_x(u) x  for x = m, h, n, with u = v - v_offset.
// Units: cm [nF], conductances [uS], v [mV], currents [nA], rates [1/ms].
//
// Integration (docs/numerics-nonlinear.md): Strang splitting of the gating variables
// and v. A step is: half a step of the gating variables by exponential Euler
// (Rush-Larsen, exact for v frozen) with the rates at the v of the step start; a full
// step of v by the exponential integrator (exact for frozen conductances) with the
// channel conductances of those half-advanced gating variables and the synaptic
// conductances at mid-step (exact, they decay exponentially); the second half step of
// the gating variables with the rates at the new v. The splitting is second order in
// dt, where exponential Euler with everything frozen at the step start (Brian2's
// 'exponential_euler', NEURON's cnexp) is first order. The rates at the new v are kept
// for the first half of the next step, so a step costs one evaluation of the six rate
// functions, as a first-order scheme does. prepare() evaluates them from the current v.
//
// Spikes: an upward crossing of +10 mV within the step (v before < 10 <= v after), the
// NetCon threshold PyNN's NEURON backend gives this model. The model has no reset and no
// refractory period; the action potential itself prevents a second crossing.

#include <cmath>

#include "cells/cell_group.hpp"
#include "cells/vmath.hpp"

namespace myelin::detail {
namespace {

// x / (exp(x/y) - 1), continuous through x = 0 (its limit there is y). Branch-free so
// the kernel vectorises: near 0, where exp(r) - 1 cancels, the series y (1 - r/2 + r^2/12)
// (error < r^4 y / 720); elsewhere exp(r) - 1 loses at most ~1e-16 / |r| <= 1e-12
// relative accuracy.
[[gnu::always_inline]] inline double vtrap(double x, double y) {
  const double r = x / y;
  const double series = y * (1.0 - r * (0.5 - r * (1.0 / 12.0)));
  const double direct = x / (vexp(r) - 1.0);
  return std::fabs(r) < 1e-4 ? series : direct;
}

// Steady state and half-step decay factor of each gate for u = v - v_offset [mV]:
// over dt/2 with frozen rates, x -> x_inf + (x - x_inf) exp(-(alpha + beta) dt/2).
// Rates [1/ms] as in hh_traub.mod.
struct gate_rates {
  double m_inf, h_inf, n_inf, m_dec, h_dec, n_dec;
};
[[gnu::always_inline]] inline gate_rates rates(double u, double half) {
  const double alpha_m = 0.32 * vtrap(13.0 - u, 4.0);
  const double beta_m = 0.28 * vtrap(u - 40.0, 5.0);
  const double alpha_h = 0.128 * vexp((17.0 - u) * (1.0 / 18.0));
  const double beta_h = 4.0 / (1.0 + vexp((40.0 - u) * 0.2));
  const double alpha_n = 0.032 * vtrap(15.0 - u, 5.0);
  const double beta_n = 0.5 * vexp((10.0 - u) * (1.0 / 40.0));
  const double sm = alpha_m + beta_m, sh = alpha_h + beta_h, sn = alpha_n + beta_n;
  return {alpha_m / sm,     alpha_h / sh,     alpha_n / sn,
          vexp(-half * sm), vexp(-half * sh), vexp(-half * sn)};
}

struct hh_args {
  std::size_t n;
  double dt;
  double *v, *v_prev, *m, *hg, *ng, *ge, *gi;
  double *m_inf, *h_inf, *n_inf, *m_dec, *h_dec, *n_dec;
  const double *exc, *inh, *i_inj;
  const double *gna, *gk, *gl, *cm, *voff, *ena, *ek, *el, *e_e, *e_i, *i_off, *de, *di, *he, *hi;
};

#define MYELIN_R(name) auto* __restrict name = a.name
// One step of every cell (the scheme in the header comment). Plain arithmetic only, so
// GCC vectorises it; compiled for AVX-512, AVX2 and baseline x86-64, picked at load time.
MYELIN_SIMD_CLONES void hh_cells(const hh_args& a) {
  MYELIN_R(v);
  MYELIN_R(v_prev);
  MYELIN_R(m);
  MYELIN_R(hg);
  MYELIN_R(ng);
  MYELIN_R(ge);
  MYELIN_R(gi);
  MYELIN_R(m_inf);
  MYELIN_R(h_inf);
  MYELIN_R(n_inf);
  MYELIN_R(m_dec);
  MYELIN_R(h_dec);
  MYELIN_R(n_dec);
  MYELIN_R(exc);
  MYELIN_R(inh);
  MYELIN_R(i_inj);
  MYELIN_R(gna);
  MYELIN_R(gk);
  MYELIN_R(gl);
  MYELIN_R(cm);
  MYELIN_R(voff);
  MYELIN_R(ena);
  MYELIN_R(ek);
  MYELIN_R(el);
  MYELIN_R(e_e);
  MYELIN_R(e_i);
  MYELIN_R(i_off);
  MYELIN_R(de);
  MYELIN_R(di);
  MYELIN_R(he);
  MYELIN_R(hi);
  const double dt = a.dt, half = 0.5 * a.dt;
#pragma GCC ivdep
  for (std::size_t c = 0; c < a.n; ++c) {
    const double v0 = v[c];
    // First half step of the gating variables, rates at v0 (stored).
    const double m1 = m_inf[c] + (m[c] - m_inf[c]) * m_dec[c];
    const double h1 = h_inf[c] + (hg[c] - h_inf[c]) * h_dec[c];
    const double n1 = n_inf[c] + (ng[c] - n_inf[c]) * n_dec[c];
    const double n1_2 = n1 * n1;
    const double g_na = gna[c] * m1 * m1 * m1 * h1;  // [uS]
    const double g_k = gk[c] * n1_2 * n1_2;          // [uS]
    const double g_e = ge[c] * he[c], g_i = gi[c] * hi[c];
    const double g_tot = gl[c] + g_na + g_k + g_e + g_i;
    const double v_inf = (gl[c] * el[c] + g_na * ena[c] + g_k * ek[c] + g_e * e_e[c] +
                          g_i * e_i[c] + i_off[c] + i_inj[c]) /
                         g_tot;
    const double v1 = v_inf + (v0 - v_inf) * vexp(-dt * g_tot / cm[c]);
    // Second half step with the rates at v1, which also serve the next step's first half.
    const gate_rates r = rates(v1 - voff[c], half);
    m_inf[c] = r.m_inf;
    h_inf[c] = r.h_inf;
    n_inf[c] = r.n_inf;
    m_dec[c] = r.m_dec;
    h_dec[c] = r.h_dec;
    n_dec[c] = r.n_dec;
    m[c] = r.m_inf + (m1 - r.m_inf) * r.m_dec;
    hg[c] = r.h_inf + (h1 - r.h_inf) * r.h_dec;
    ng[c] = r.n_inf + (n1 - r.n_inf) * r.n_dec;
    v_prev[c] = v0;
    v[c] = v1;
    ge[c] = ge[c] * de[c] + exc[c];
    gi[c] = gi[c] * di[c] + inh[c];
  }
}
#undef MYELIN_R

class hh_cond_exp final : public cell_group {
 public:
  explicit hh_cond_exp(const group_init& init) : cell_group(init) {
    gbar_na_ = take(init, "gbar_Na");
    gbar_k_ = take(init, "gbar_K");
    g_leak_ = take(init, "g_leak");
    cm_ = take(init, "cm");
    v_offset_ = take(init, "v_offset");
    e_na_ = take(init, "e_rev_Na");
    e_k_ = take(init, "e_rev_K");
    e_leak_ = take(init, "e_rev_leak");
    e_e_ = take(init, "e_rev_E");
    e_i_ = take(init, "e_rev_I");
    tau_e_ = take(init, "tau_syn_E");
    tau_i_ = take(init, "tau_syn_I");
    i_offset_ = take(init, "i_offset");
    v_ = take(init, "v");
    m_ = take(init, "m");
    h_ = take(init, "h");
    n_gate_ = take(init, "n");
    ge_ = take(init, "gsyn_exc");
    gi_ = take(init, "gsyn_inh");
    de_ = scratch("decay_exc");
    di_ = scratch("decay_inh");
    he_ = scratch("half_decay_exc");
    hi_ = scratch("half_decay_inh");
    v_prev_ = scratch("v_step_start");
    for (int g = 0; g < 3; ++g) {
      static const char* names[3] = {"m", "h", "n"};
      inf_[g] = scratch(std::string(names[g]) + "_inf");
      hdec_[g] = scratch(std::string(names[g]) + "_half_step_decay");
    }
  }

  void prepare(double h) override {
    dt_ = h;
    const double *te = col(tau_e_), *ti = col(tau_i_), *v = col(v_), *voff = col(v_offset_);
    double *de = col(de_), *di = col(di_), *he = col(he_), *hi = col(hi_);
    for (std::size_t c = 0; c < n_; ++c) {
      de[c] = std::exp(-h / te[c]);
      di[c] = std::exp(-h / ti[c]);
      he[c] = std::exp(-0.5 * h / te[c]);
      hi[c] = std::exp(-0.5 * h / ti[c]);
      store_rates(c, v[c] - voff[c]);
    }
  }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    const hh_args a{n_,           dt_,          col(v_),        col(v_prev_),   col(m_),
                    col(h_),      col(n_gate_), col(ge_),       col(gi_),       col(inf_[0]),
                    col(inf_[1]), col(inf_[2]), col(hdec_[0]),  col(hdec_[1]),  col(hdec_[2]),
                    in.exc,       in.inh,       in.i_inj,       col(gbar_na_),  col(gbar_k_),
                    col(g_leak_), col(cm_),     col(v_offset_), col(e_na_),     col(e_k_),
                    col(e_leak_), col(e_e_),    col(e_i_),      col(i_offset_), col(de_),
                    col(di_),     col(he_),     col(hi_)};
    hh_cells(a);
    const double *v = col(v_), *v_prev = col(v_prev_);
    for (std::size_t c = 0; c < n_; ++c)
      if (v_prev[c] < v_spike && v[c] >= v_spike) spiked.push_back(static_cast<uint32_t>(c));
  }

 private:
  void store_rates(std::size_t c, double u) {
    const gate_rates r = rates(u, 0.5 * dt_);
    col(inf_[0])[c] = r.m_inf;
    col(inf_[1])[c] = r.h_inf;
    col(inf_[2])[c] = r.n_inf;
    col(hdec_[0])[c] = r.m_dec;
    col(hdec_[1])[c] = r.h_dec;
    col(hdec_[2])[c] = r.n_dec;
  }

  static constexpr double v_spike = 10.0;  // [mV] upward crossing detected as a spike

  double dt_ = 0.1;  // [ms]
  std::size_t gbar_na_, gbar_k_, g_leak_, cm_, v_offset_, e_na_, e_k_, e_leak_, e_e_, e_i_, tau_e_,
      tau_i_, i_offset_;
  std::size_t v_, m_, h_, n_gate_, ge_, gi_, de_, di_, he_, hi_, v_prev_;
  std::size_t inf_[3], hdec_[3];  // per gate m, h, n: x_inf and exp(-(alpha+beta) dt/2)
};

}  // namespace

cell_type_info hh_cond_exp_info() {
  cell_type_info t;
  t.name = "HH_cond_exp";
  t.synapse_kind = "conductance";
  t.params = {
      {"gbar_Na", "uS", 20.0, "maximal sodium conductance"},
      {"gbar_K", "uS", 6.0, "maximal potassium conductance"},
      {"g_leak", "uS", 0.01, "leak conductance"},
      {"cm", "nF", 0.2, "membrane capacitance"},
      {"v_offset", "mV", -63.0, "shift of the gating kinetics (V_T)"},
      {"e_rev_Na", "mV", 50.0, "sodium reversal potential"},
      {"e_rev_K", "mV", -90.0, "potassium reversal potential"},
      {"e_rev_leak", "mV", -65.0, "leak reversal potential"},
      {"e_rev_E", "mV", 0.0, "excitatory reversal potential"},
      {"e_rev_I", "mV", -80.0, "inhibitory reversal potential"},
      {"tau_syn_E", "ms", 0.2, "excitatory conductance time constant"},
      {"tau_syn_I", "ms", 2.0, "inhibitory conductance time constant"},
      {"i_offset", "nA", 0.0, "constant injected current"},
  };
  t.state = {{"v", "mV", -65.0, "membrane potential"},
             {"m", "", 0.0, "sodium activation"},
             {"h", "", 1.0, "sodium inactivation"},
             {"n", "", 0.0, "potassium activation"},
             {"gsyn_exc", "uS", 0.0, "excitatory conductance"},
             {"gsyn_inh", "uS", 0.0, "inhibitory conductance"}};
  t.recordable = {"spikes", "v", "m", "h", "n", "gsyn_exc", "gsyn_inh"};
  return t;
}

std::unique_ptr<cell_group> make_hh_cond_exp(const group_init& i) {
  return std::make_unique<hh_cond_exp>(i);
}

}  // namespace myelin::detail

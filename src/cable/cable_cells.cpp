// The per-step work of cable cells: initial state, currents, the Hines solve, gates
// (cable_cells.hpp). Building them from a template is in cable_setup.cpp.

#include "cable/cable_cells.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "cable/gate_kernels.hpp"
#include "cable/mechanisms.hpp"
#include "cells/vmath.hpp"

namespace myelin::detail {

namespace cm = cable_mech;

void cable_cells::prepare(double dt) {
  dt_ = dt;
  // Constant part of the diagonal: capacitance cm * 1e-3 / dt [S/cm2] and the axial
  // conductances.
  for (std::size_t i = 0; i < nn_; ++i) d_const_[i] = tree_.cm[i] * 1e-3 / dt;
  for (std::size_t i = 1; i < nn_; ++i) {
    d_const_[i] -= b_[i];
    d_const_[tree_.parent[i]] -= a_[i];
  }
  for (std::size_t i = 0; i < nn_; ++i)
    if (seg_pos_[i] >= 0) std::fill_n(d_const_seg_.begin() + seg_pos_[i] * nc_, nc_, d_const_[i]);
  // (A group of no cells, a VP without cells of the type, has no per-cell values.)
  for (std::size_t k = 0; nc_ > 0 && k < cad_.pos.size(); ++k) {
    const std::size_t o = cad_.offset(k, nc_);
    std::fill_n(cad_.decay_e.begin() + o, nc_, 1.0 - std::exp(-dt / cad_.taur_e[o]));
  }
  for (std::size_t s = 0; s < tpl_.synapses.size(); ++s) {
    std::fill_n(syn_d1_e_.begin() + s * nc_, nc_, std::exp(-dt / tpl_.synapses[s].tau1));
    std::fill_n(syn_d2_e_.begin() + s * nc_, nc_, std::exp(-dt / tpl_.synapses[s].tau2));
  }
}

void cable_cells::initialize() {
  const std::size_t nc = nc_;
  for (std::size_t i = 0; i < nn_; ++i) {
    const double v0 = tpl_.v0[tree_.section_of[i]];
    for (std::size_t c = 0; c < nc; ++c) v_[i * nc + c] = v0;
  }
  gather_segments();
  std::fill(cai_.begin(), cai_.end(), cm::cai_ion);
  std::fill(ica_.begin(), ica_.end(), 0.0);
  const cm::table_view hh2_tv = cm::view(cm::hh2_table()), km_tv = cm::view(cm::km_table()),
                       ca_tv = cm::view(cm::ca_table()), cat_tv = cm::view(cm::cat_table());
  // Every node of a span gets the initial state at its own v0 (the nodes without the
  // mechanism too: their values only need to stay finite).
  int ti;
  double th;
  auto each = [&](const span_set& set, auto&& f) {
    for (std::size_t j = 0; j < set.span; ++j)
      for (std::size_t c = 0; c < nc; ++c) f((set.n0 + j) * nc + c, j * nc + c);
  };
  each(hh2_, [&](std::size_t iv, std::size_t is) {
    cm::table_pos(hh2_tv, v_seg_[iv], ti, th);
    hh2_.m[is] = cm::table_at(hh2_tv.q[0], ti, th);
    hh2_.h[is] = cm::table_at(hh2_tv.q[2], ti, th);
    hh2_.n[is] = cm::table_at(hh2_tv.q[4], ti, th);
  });
  each(km_, [&](std::size_t iv, std::size_t is) {
    cm::table_pos(km_tv, v_seg_[iv], ti, th);
    km_.s1[is] = cm::table_at(km_tv.q[0], ti, th);
  });
  each(ca_, [&](std::size_t iv, std::size_t is) {
    cm::table_pos(ca_tv, v_seg_[iv], ti, th);
    ca_.s1[is] = cm::table_at(ca_tv.q[0], ti, th);
    ca_.s2[is] = cm::table_at(ca_tv.q[1], ti, th);
  });
  // cad: ca = cai = cainf (before kca, which reads it: NEURON's mechanism order).
  for (std::size_t k = 0; k < cad_.pos.size(); ++k)
    std::fill_n(cai_.begin() + cad_.pos[k] * nc, nc, cm::cai0);
  // cat: h = hinf(v), m = 0 (its INITIAL block overwrites m).
  each(cat_, [&](std::size_t iv, std::size_t is) {
    cm::table_pos(cat_tv, v_seg_[iv], ti, th);
    cat_.s1[is] = 0.0;
    cat_.s2[is] = cm::table_at(cat_tv.q[2], ti, th);
  });
  // ar: m = 0.25 (fixed).
  std::fill(ar_.s1.begin(), ar_.s1.end(), 0.25);
  each(kca_, [&](std::size_t iv, std::size_t is) {
    const double a = cm::kca_ra * cai_[iv];
    kca_.s1[is] = a / (a + cm::kca_rb);
  });
  std::fill(syn_a_.begin(), syn_a_.end(), 0.0);
  std::fill(syn_b_.begin(), syn_b_.end(), 0.0);
  for (std::size_t c = 0; c < nc; ++c)
    above_[c] = v_[soma_node_ * nc + c] >= tpl_.spike_threshold ? 1 : 0;
}

// Compiled for AVX-512, AVX2 and baseline x86-64, picked at load time; without FMA
// contraction every clone computes the same bits.
MYELIN_SIMD_CLONES void cable_cells::advance(const double* const* port_weight, const double* i_inj,
                                             std::vector<uint32_t>& spiked) {
  const std::size_t nc = nc_;
  const double dt = dt_;
  double* __restrict v = v_.data();
  double* __restrict rhs = rhs_.data();
  double* __restrict d = d_.data();

  // 1. Currents at v(t). rhs = -(membrane current) in mA/cm2, d = its conductance plus
  // the constant capacitive and axial part. The mechanisms work on the segments only
  // (the zero-area nodes have none), one loop over each mechanism's span: their currents
  // go to rhs_seg and d_seg, copied to the segments' rows below.
  for (const int i : zero_area_) {
    std::fill_n(rhs + i * nc, nc, 0.0);
    std::fill_n(d + i * nc, nc, d_const_[i]);
  }
  {
    const double* __restrict vs = v_seg_.data();
    double* __restrict rs = rhs_seg_.data();
    double* __restrict ds = d_seg_.data();
    std::fill_n(rs, ns_ * nc, 0.0);
    std::copy_n(d_const_seg_.data(), ns_ * nc, ds);
    {
      const std::size_t o = hh2_.n0 * nc, len = hh2_.span * nc;
      const double* __restrict gna_bar = hh2_.gna_e.data();
      const double* __restrict gk_bar = hh2_.gk_e.data();
      const double* __restrict gl = hh2_.gl_e.data();
      const double* __restrict el = hh2_.el_e.data();
      const double* __restrict m = hh2_.m.data();
      const double* __restrict h = hh2_.h.data();
      const double* __restrict n = hh2_.n.data();
      // ivdep: GCC takes these block-local __restrict pointers for possible aliases and
      // leaves the loop scalar without it (-fopt-info-vec: "no vectype"); likewise ca's.
#pragma GCC ivdep
      for (std::size_t j = 0; j < len; ++j) {
        const double vv = vs[o + j];
        const double gna = gna_bar[j] * m[j] * m[j] * m[j] * h[j];
        const double n2 = n[j] * n[j];
        const double gk = gk_bar[j] * n2 * n2;
        rs[o + j] -= gna * (vv - cm::ena) + gk * (vv - cm::ek) + gl[j] * (vv - el[j]);
        ds[o + j] += gna + gk + gl[j];
      }
    }
    // km, kca (pS/um2 with tadj, potassium), ar, cat, pas (S/cm2): g (v - e).
    auto ohmic = [&](const span_set& set, auto&& g_of, auto&& e_of) {
      const std::size_t o = set.n0 * nc, len = set.span * nc;
      for (std::size_t j = 0; j < len; ++j) {
        const double g = g_of(j);
        rs[o + j] -= g * (vs[o + j] - e_of(j));
        ds[o + j] += g;
      }
    };
    for (const gbar_set* set : {&km_, &kca_}) {
      const double* __restrict g0 = set->g_e.data();
      const double* __restrict n = set->s1.data();
      ohmic(
          *set, [&](std::size_t j) { return g0[j] * n[j]; }, [](std::size_t) { return cm::ek; });
    }
    {
      // ca: eca follows the present cai (NEURON's ion "eadvance"); ca is the only calcium
      // current, so its current is the ion's ica (0 where no ca, for cad's drive). eca
      // goes through an array: in the current loop the log does not vectorise.
      const std::size_t o = ca_.n0 * nc, len = ca_.span * nc;
      const double* __restrict cai = cai_.data() + o;
      double* __restrict eca = eca_.data();
      double* __restrict ica = ica_.data() + o;
      const double* __restrict g0 = ca_.g_e.data();
      const double* __restrict m = ca_.s1.data();
      const double* __restrict h = ca_.s2.data();
      const double rt2f = rt2f_;
      for (std::size_t j = 0; j < len; ++j) eca[j] = rt2f * vlog(cm::cao / cai[j]);
#pragma GCC ivdep
      for (std::size_t j = 0; j < len; ++j) {
        const double g = g0[j] * m[j] * m[j] * h[j];
        const double i = g * (vs[o + j] - eca[j]);
        ica[j] = i;
        rs[o + j] -= i;
        ds[o + j] += g;
      }
    }
    {
      const double* __restrict gbar = cat_.g_e.data();
      const double* __restrict m = cat_.s1.data();
      const double* __restrict h = cat_.s2.data();
      ohmic(
          cat_, [&](std::size_t j) { return gbar[j] * m[j] * m[j] * h[j]; },
          [](std::size_t) { return cm::cat_erev; });
    }
    {
      const double* __restrict gbar = ar_.g_e.data();
      const double* __restrict m = ar_.s1.data();
      ohmic(
          ar_, [&](std::size_t j) { return gbar[j] * m[j]; },
          [](std::size_t) { return cm::ar_erev; });
    }
    {
      const double* __restrict g = pas_.g_e.data();
      const double* __restrict e = pas_.e_e.data();
      ohmic(
          pas_, [&](std::size_t j) { return g[j]; }, [&](std::size_t j) { return e[j]; });
    }
    for (const seg_run& r : runs_) {
      std::copy_n(rs + r.pos0 * nc, r.len * nc, rhs + r.node0 * nc);
      std::copy_n(ds + r.pos0 * nc, r.len * nc, d + r.node0 * nc);
    }
  }
  // Synapses (point processes, nA and uS, scaled by 100/area to the node's density).
  for (std::size_t s = 0; s < syn_node_.size(); ++s) {
    const std::size_t o = syn_node_[s] * nc;
    const double scale = inv_area_[syn_node_[s]], e = syn_e_[s];
    const double* __restrict sa = syn_a_.data() + s * nc;
    const double* __restrict sb = syn_b_.data() + s * nc;
    for (std::size_t c = 0; c < nc; ++c) {
      const double g = (sb[c] - sa[c]) * scale;
      rhs[o + c] -= g * (v[o + c] - e);
      d[o + c] += g;
    }
  }
  // Their decay over the step (phase 4 of the scheme, done here: nothing reads them in
  // between, and the event loop below then finds these stores long retired instead of
  // reloading them across store boundaries at once).
  {
    const double* __restrict d1 = syn_d1_e_.data();
    const double* __restrict d2 = syn_d2_e_.data();
    double* __restrict sa = syn_a_.data();
    double* __restrict sb = syn_b_.data();
    for (std::size_t j = 0; j < syn_a_.size(); ++j) {
      sa[j] *= d1[j];
      sb[j] *= d2[j];
    }
  }
  if (i_inj) {
    const std::size_t o = soma_node_ * nc;
    const double scale = inv_area_[soma_node_];
    for (std::size_t c = 0; c < nc; ++c) rhs[o + c] += i_inj[c] * scale;
  }
  // Axial currents at v(t).
  for (std::size_t i = 1; i < nn_; ++i) {
    const std::size_t o = i * nc, op = tree_.parent[i] * nc;
    const double ai = a_[i], bi = b_[i];
    // ivdep: rows o and op of one array never overlap; without it GCC checks at run time
    // (per node, for loops of a few cells) and keeps a scalar copy of each loop.
#pragma GCC ivdep
    for (std::size_t c = 0; c < nc; ++c) {
      const double dv = v[op + c] - v[o + c];
      rhs[o + c] -= bi * dv;
      rhs[op + c] += ai * dv;
    }
  }

  // 2. Hines elimination (leaves to root, then back), rhs becomes dv = v(t+dt) - v(t).
  for (std::size_t i = nn_ - 1; i >= 1; --i) {
    const std::size_t o = i * nc, op = tree_.parent[i] * nc;
    const double ai = a_[i], bi = b_[i];
#pragma GCC ivdep
    for (std::size_t c = 0; c < nc; ++c) {
      const double p = ai / d[o + c];
      d[op + c] -= p * bi;
      rhs[op + c] -= p * rhs[o + c];
    }
  }
  for (std::size_t c = 0; c < nc; ++c) rhs[c] /= d[c];
  for (std::size_t i = 1; i < nn_; ++i) {
    const std::size_t o = i * nc, op = tree_.parent[i] * nc;
    const double bi = b_[i];
#pragma GCC ivdep
    for (std::size_t c = 0; c < nc; ++c) {
      rhs[o + c] -= bi * rhs[op + c];
      rhs[o + c] /= d[o + c];
    }
  }
  for (std::size_t j = 0; j < nn_ * nc; ++j) v[j] += rhs[j];
  gather_segments();

  // 3. States over dt at v(t+dt). Of NEURON's mechanism order (ar, ca, cad, cat, hh2,
  // kca, km) only cad before kca matters (kca sees the new cai): each gate's update reads
  // only v and its own state. Gates run over whole spans; those of mechanisms that share
  // a table grid (km and ca, cat and ar) in one call where their spans coincide.
  const cable_simd::kernels& kern = *kernels_;
  auto gates = [&](const span_set& set, const cable_simd::gate_table& t,
                   std::initializer_list<double*> x) {
    kern.gates[x.size() - 1](set.span * nc, v_seg_.data() + set.n0 * nc, t, x.begin(), dt);
  };
  if (cat_with_ar_) {
    gates(cat_, cm::cat_ar_gate_rows(), {cat_.s1.data(), cat_.s2.data(), ar_.s1.data()});
  } else {
    gates(ar_, cm::ar_gate_rows(), {ar_.s1.data()});
    gates(cat_, cm::cat_gate_rows(), {cat_.s1.data(), cat_.s2.data()});
  }
  if (km_with_ca_) {
    gates(ca_, cm::km_ca_gate_rows(), {km_.s1.data(), ca_.s1.data(), ca_.s2.data()});
  } else {
    gates(ca_, cm::ca_gate_rows(), {ca_.s1.data(), ca_.s2.data()});
    gates(km_, cm::km_gate_rows(), {km_.s1.data()});
  }
  {
    // cad: d ca/dt = drive + (cainf - ca)/taur, drive = max(0, -1e4 ica/(2 F depth)) from
    // the ica of this step's current phase; exact over dt with the drive held.
    const double k_drive = -10000.0 / (2.0 * cm::cad_faraday * cm::cad_depth);
    const std::size_t o = cad_.n0 * nc, len = cad_.span * nc;
    const double* __restrict taur = cad_.taur_e.data();
    const double* __restrict rate = cad_.rate_e.data();  // cai0 / taur
    const double* __restrict decay = cad_.decay_e.data();
    const double* __restrict ica = ica_.data() + o;
    double* __restrict cai = cai_.data() + o;  // cad's state ca is cai itself
    for (std::size_t j = 0; j < len; ++j) {
      double drive = k_drive * ica[j];
      drive = drive <= 0.0 ? 0.0 : drive;
      cai[j] += decay[j] * ((drive + rate[j]) * taur[j] - cai[j]);
    }
  }
  gates(hh2_, cm::hh2_gate_rows(), {hh2_.m.data(), hh2_.h.data(), hh2_.n.data()});
  kern.kca(kca_.span * nc, cai_.data() + kca_.n0 * nc, kca_.s1.data(), cm::kca_ra, cm::kca_rb,
           km_tadj_, dt);

  // 4. This step's events open the synapses (decayed over the step above).
  if (port_weight) {
    for (std::size_t r = 0; r < tpl_.ports.size(); ++r) {
      const double* __restrict w = port_weight[r];
      if (!w) continue;
      for (int s : tpl_.ports[r].synapses) {
        const double f = syn_factor_[s];
        double* __restrict sa = syn_a_.data() + s * nc;
        double* __restrict sb = syn_b_.data() + s * nc;
        for (std::size_t c = 0; c < nc; ++c) {
          sa[c] += w[c] * f;
          sb[c] += w[c] * f;
        }
      }
    }
  }

  // 5. Threshold detection at the soma: an upward crossing stamps the end of the step.
  const double* vsoma = v + soma_node_ * nc;
  const double thr = tpl_.spike_threshold;
  for (std::size_t c = 0; c < nc; ++c) {
    if (vsoma[c] >= thr) {
      if (!above_[c]) spiked.push_back(static_cast<uint32_t>(c));
      above_[c] = 1;
    } else {
      above_[c] = 0;
    }
  }
}

void cable_cells::gather_segments() {
  for (const seg_run& r : runs_)
    std::copy_n(v_.data() + r.node0 * nc_, r.len * nc_, v_seg_.data() + r.pos0 * nc_);
}

void cable_cells::dipole(double* q) const {
  const std::size_t nc = nc_;
  for (std::size_t c = 0; c < nc; ++c) q[c] = 0.0;
  for (const dipole_piece& pc : pieces_) {
    const double* vp = v_.data() + pc.p * nc;
    const double* vq = v_.data() + pc.q * nc;
    for (std::size_t c = 0; c < nc; ++c) q[c] += (vp[c] - vq[c]) * pc.coef;
  }
}

}  // namespace myelin::detail

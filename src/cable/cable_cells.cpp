#include "cable/cable_cells.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>

#include "cable/gate_kernels.hpp"
#include "cable/mechanisms.hpp"
#include "cells/vmath.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

namespace cm = cable_mech;

namespace {

// A density has one value or one per segment; every value finite, and >= 0 (or > 0)
// where the parameter is a conductance (a time constant).
void check_density(const density& x, int nseg, const std::string& where, const char* field,
                   double floor, bool strict) {
  if (x.values.size() != 1 && x.values.size() != static_cast<std::size_t>(nseg))
    throw model_error("", where + field + " has " + std::to_string(x.values.size()) +
                              " values; give one, or one per segment (" + std::to_string(nseg) +
                              ")");
  for (const double v : x.values) {
    const bool ok = std::isfinite(v) && (strict ? v > floor : v >= floor);
    if (!ok)
      throw model_error("", where + field + " " + std::to_string(v) + " must be " +
                                (strict ? "positive" : "non-negative") + " and finite");
  }
}

}  // namespace

void cable_cells::check_template() const {
  const std::size_t ns = tpl_.sections.size();
  const std::string who = "cell type \"" + tpl_.name + "\": ";
  if (tpl_.mechanisms.size() != ns || tpl_.v0.size() != ns)
    throw model_error("", who + "mechanisms and v0 need one entry per section");
  for (std::size_t s = 0; s < ns; ++s) {
    const std::string where = who + "section \"" + tpl_.sections[s].name + "\": ";
    const section_mechanisms& m = tpl_.mechanisms[s];
    const int nseg = tree_.nseg[s];
    const double any = -std::numeric_limits<double>::infinity();
    auto nonneg = [&](const std::optional<density>& x, const char* field) {
      if (x) check_density(*x, nseg, where, field, 0.0, false);
    };
    if (m.hh2) {
      check_density(m.hh2->gnabar, nseg, where, "hh2 gnabar", 0.0, false);
      check_density(m.hh2->gkbar, nseg, where, "hh2 gkbar", 0.0, false);
      check_density(m.hh2->gl, nseg, where, "hh2 gl", 0.0, false);
      check_density(m.hh2->el, nseg, where, "hh2 el", any, false);
    }
    nonneg(m.km, "km gbar");
    nonneg(m.ca, "ca gbar");
    nonneg(m.kca, "kca gbar");
    nonneg(m.cat, "cat gbar");
    nonneg(m.ar, "ar gbar");
    if (m.pas) {
      check_density(m.pas->g, nseg, where, "pas g", 0.0, false);
      check_density(m.pas->e, nseg, where, "pas e", any, false);
    }
    if (m.cad) check_density(*m.cad, nseg, where, "cad taur", 0.0, true);
    if ((m.ca || m.kca) && !m.cad)
      throw model_error("", where + "ca and kca need cad in the same section");
    if (!std::isfinite(tpl_.v0[s])) throw model_error("", where + "v0 must be finite");
  }
  for (const synapse_spec& syn : tpl_.synapses) {
    const std::string where = who + "synapse \"" + syn.name + "\": ";
    if (syn.section < 0 || syn.section >= static_cast<int>(ns))
      throw model_error("", where + "no such section");
    if (!(syn.x >= 0.0 && syn.x <= 1.0)) throw model_error("", where + "x must be in [0, 1]");
    if (!(syn.tau1 > 0.0 && syn.tau2 > 0.0))
      throw model_error("", where + "time constants must be positive");
  }
  for (const port_spec& p : tpl_.ports)
    for (int s : p.synapses)
      if (s < 0 || s >= static_cast<int>(tpl_.synapses.size()))
        throw model_error("", who + "port \"" + p.name + "\" names a synapse it lacks");
  if (tpl_.soma < 0 || tpl_.soma >= static_cast<int>(ns))
    throw model_error("", who + "soma section out of range");
}

cable_cells::cable_cells(cable_template t, std::size_t n_cells)
    : tpl_(std::move(t)), tree_(discretise(tpl_.sections)), nc_(n_cells), nn_(tree_.n_nodes) {
  check_template();
  soma_node_ = tree_.node_at(tpl_.soma, 0.5);

  // Matrix coefficients with NEURON's scaling: rows in mA/cm2; a zero-area node is
  // given the nominal area 100 um2 (it has no capacitance or membrane current, so its
  // row only states that the axial currents into it sum to zero).
  std::vector<double> area_m(nn_);
  inv_area_.resize(nn_);
  for (std::size_t i = 0; i < nn_; ++i) {
    area_m[i] = tree_.area[i] > 0.0 ? tree_.area[i] : 100.0;
    inv_area_[i] = 100.0 / area_m[i];
  }
  a_.assign(nn_, 0.0);
  b_.assign(nn_, 0.0);
  for (std::size_t i = 1; i < nn_; ++i) {
    const double rinv = 1.0 / tree_.ri[i];  // [uS]
    a_[i] = -1e2 * rinv / area_m[tree_.parent[i]];
    b_[i] = -1e2 * rinv / area_m[i];
  }
  d_const_.assign(nn_, 0.0);

  // Segment numbering: the nodes with membrane (segment centres) in node order, without
  // the zero-area section ends, and the runs of consecutive nodes it is made of.
  seg_pos_.assign(nn_, -1);
  for (std::size_t i = 0; i < nn_; ++i)
    if (tree_.area[i] > 0.0) {
      seg_pos_[i] = static_cast<int>(ns_);
      if (runs_.empty() || runs_.back().node0 + runs_.back().len != static_cast<int>(i))
        runs_.push_back({static_cast<int>(i), static_cast<int>(ns_), 0});
      ++runs_.back().len;
      ++ns_;
    }

  for (std::size_t i = 0; i < nn_; ++i)
    if (seg_pos_[i] < 0) zero_area_.push_back(static_cast<int>(i));

  const std::size_t total = nn_ * nc_, seg_total = ns_ * nc_;
  // v at the segments, cai and the gate states have slack for the kernels' last vector.
  const std::size_t pad = cable_simd::kPad;
  v_.assign(total, 0.0);
  rhs_.assign(total, 0.0);
  d_.assign(total, 0.0);
  v_seg_.assign(seg_total + pad, 0.0);
  rhs_seg_.assign(seg_total, 0.0);
  d_seg_.assign(seg_total, 0.0);
  d_const_seg_.assign(seg_total, 0.0);
  cai_.assign(seg_total + pad, cm::cai_ion);
  ica_.assign(seg_total, 0.0);
  above_.assign(nc_, 0);

  // Mechanism instances, one per segment of each section that has the mechanism, with
  // their parameters per instance (spread below into per-(segment, cell) arrays).
  std::vector<double> gna, gk, gl, el, taur, pas_e;
  gbar_set* const gsets[] = {&km_, &kca_, &ca_, &cat_, &ar_, &pas_};
  std::vector<double> gbar[std::size(gsets)];
  for (std::size_t s = 0; s < tpl_.sections.size(); ++s) {
    const section_mechanisms& m = tpl_.mechanisms[s];
    for (int k = 0; k < tree_.nseg[s]; ++k) {
      const int node = tree_.first_seg[s] + k, pos = seg_pos_[node];
      if (m.hh2) {
        hh2_.pos.push_back(pos);
        gna.push_back(m.hh2->gnabar.at(k));
        gk.push_back(m.hh2->gkbar.at(k));
        gl.push_back(m.hh2->gl.at(k));
        el.push_back(m.hh2->el.at(k));
      }
      auto add = [&](std::size_t set, double g) {
        gsets[set]->pos.push_back(pos);
        gbar[set].push_back(g);
      };
      if (m.km) add(0, m.km->at(k));
      if (m.kca) add(1, m.kca->at(k));
      if (m.ca) add(2, m.ca->at(k));
      if (m.cat) add(3, m.cat->at(k));
      if (m.ar) add(4, m.ar->at(k));
      if (m.pas) {
        add(5, m.pas->g.at(k));
        pas_e.push_back(m.pas->e.at(k));
      }
      if (m.cad) {
        cad_.pos.push_back(pos);
        taur.push_back(m.cad->at(k));
      }
    }
  }
  auto set_span = [](span_set& set) {
    if (set.pos.empty()) return;
    set.n0 = *std::min_element(set.pos.begin(), set.pos.end());
    set.span = *std::max_element(set.pos.begin(), set.pos.end()) - set.n0 + 1;
  };
  set_span(hh2_);
  for (std::vector<double>* x : {&hh2_.m, &hh2_.h, &hh2_.n}) x->assign(hh2_.span * nc_ + pad, 0.0);
  hh2_.gna_e = hh2_.spread(gna, nc_);
  hh2_.gk_e = hh2_.spread(gk, nc_);
  hh2_.gl_e = hh2_.spread(gl, nc_);
  hh2_.el_e = hh2_.spread(el, nc_);
  const double tadj = cm::km_tadj();
  for (std::size_t i = 0; i < std::size(gsets); ++i) {
    gbar_set& set = *gsets[i];
    set_span(set);
    // km, kca and ca in pS/um2 with the temperature factor; cat, ar and pas in S/cm2.
    if (i < 3)
      for (double& g : gbar[i]) g = 1e-4 * tadj * g;
    set.g_e = set.spread(gbar[i], nc_);
    if (&set != &pas_) set.s1.assign(set.span * nc_ + pad, 0.0);  // pas has no state
    if (&set == &ca_ || &set == &cat_) set.s2.assign(set.span * nc_ + pad, 0.0);
  }
  pas_.e_e = pas_.spread(pas_e, nc_);
  eca_.assign(ca_.span * nc_, 0.0);
  km_tadj_ = tadj;
  set_span(cad_);
  cad_.taur_e = cad_.spread(taur, nc_, 1.0);
  cad_.rate_e.resize(cad_.taur_e.size());
  for (std::size_t j = 0; j < cad_.taur_e.size(); ++j) cad_.rate_e[j] = cm::cai0 / cad_.taur_e[j];
  cad_.decay_e.assign(cad_.span * nc_, 0.0);
  rt2f_ = cm::nernst_rt_2f();
  kernels_ = &cable_simd::best_kernels();
  auto same_span = [](const span_set& a, const span_set& b) {
    return a.span > 0 && a.n0 == b.n0 && a.span == b.span;
  };
  km_with_ca_ = same_span(km_, ca_);
  cat_with_ar_ = same_span(cat_, ar_);

  const std::size_t nsyn = tpl_.synapses.size();
  for (const synapse_spec& syn : tpl_.synapses) {
    const int node = tree_.node_at(syn.section, syn.x);
    syn_node_.push_back(node);
    syn_e_.push_back(syn.e);
    syn_factor_.push_back(cm::exp2syn_factor(syn.tau1, syn.tau2));
  }
  syn_d1_e_.assign(nsyn * nc_, 0.0);
  syn_d2_e_.assign(nsyn * nc_, 0.0);
  syn_a_.assign(nsyn * nc_, 0.0);
  syn_b_.assign(nsyn * nc_, 0.0);

  // Dipole pieces: per section, 0-end -> first centre, centre -> centre, last centre ->
  // 1-end, each with the ri of its distal node and dz = dx * L * cos(section, axis).
  if (tpl_.dipole) {
    const auto& ax = tpl_.dipole_axis;
    const double ax_norm = std::sqrt(ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2]);
    for (std::size_t s = 0; s < tpl_.sections.size(); ++s) {
      const cable_section& sec = tpl_.sections[s];
      double dir[3], norm = 0.0;
      for (int k = 0; k < 3; ++k) dir[k] = sec.p1[k] - sec.p0[k], norm += dir[k] * dir[k];
      norm = std::sqrt(norm);
      const double cos_t =
          norm > 0.0 ? (dir[0] * ax[0] + dir[1] * ax[1] + dir[2] * ax[2]) / (norm * ax_norm) : 0.0;
      const int n = tree_.nseg[s];
      double x_prev = 0.0;
      int p = tree_.node0[s];
      for (int k = 0; k <= n; ++k) {
        const int q = k < n ? tree_.first_seg[s] + k : tree_.node1[s];
        const double x = k < n ? tree_.seg_x(static_cast<int>(s), k) : 1.0;
        const double dz = (x - x_prev) * sec.length * cos_t;
        pieces_.push_back({p, q, dz / tree_.ri[q]});
        p = q;
        x_prev = x;
      }
    }
  }
  prepare(dt_);
  initialize();
}

std::vector<double> cable_cells::span_set::spread(const std::vector<double>& per_instance,
                                                  std::size_t nc, double absent) const {
  std::vector<double> out(span * nc, absent);
  for (std::size_t k = 0; k < pos.size(); ++k)
    std::fill_n(out.begin() + offset(k, nc), nc, per_instance[k]);
  return out;
}

int cable_cells::port_index(std::string_view name) const {
  for (std::size_t r = 0; r < tpl_.ports.size(); ++r)
    if (tpl_.ports[r].name == name) return static_cast<int>(r);
  return -1;
}

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

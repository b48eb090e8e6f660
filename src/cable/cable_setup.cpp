// Building cable cells from a template: its checks, the per-node arrays and mechanism
// spans, and the synapse ports (cable_cells.hpp). The per-step work is in
// cable_cells.cpp.

#include <algorithm>
#include <cmath>
#include <limits>

#include "cable/cable_cells.hpp"
#include "cable/mechanisms.hpp"
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

}  // namespace myelin::detail

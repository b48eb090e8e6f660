#include "cable/morphology.hpp"

#include <cmath>
#include <numbers>

#include "myelin/error.hpp"

namespace myelin::detail {

int nseg_rule(double length) {
  if (length <= 100.0) return 1;
  int n = static_cast<int>(std::floor(length / 50.0));
  if (n % 2 == 0) ++n;
  return n;
}

int cable_tree::node_at(int s, double x) const {
  if (x <= 0.0) return node0[s];
  if (x >= 1.0) return node1[s];
  int k = static_cast<int>(x * nseg[s]);
  if (k >= nseg[s]) k = nseg[s] - 1;
  return first_seg[s] + k;
}

namespace {

void check_section(const std::vector<cable_section>& secs, std::size_t i) {
  const cable_section& s = secs[i];
  const std::string where = "section \"" + s.name + "\": ";
  auto positive = [&](double v, const char* field, const char* unit) {
    if (!(v > 0.0) || !std::isfinite(v))
      throw model_error("", where + field + " " + std::to_string(v) + " " + unit +
                                " must be positive and finite");
  };
  positive(s.length, "length", "um");
  positive(s.diam, "diam", "um");
  positive(s.ra, "Ra", "ohm cm");
  positive(s.cm, "cm", "uF/cm2");
  if (s.nseg < 0) throw model_error("", where + "nseg must be >= 0 (0: automatic)");
  if (i == 0 && s.parent != -1)
    throw model_error("", where + "the first section must be the root (parent -1)");
  if (i > 0 && (s.parent < 0 || s.parent >= static_cast<int>(i)))
    throw model_error("", where + "parent must be a section listed before it");
  if (!(s.parent_x >= 0.0 && s.parent_x <= 1.0))
    throw model_error(
        "", where + "attachment point " + std::to_string(s.parent_x) + " must be in [0, 1]");
}

}  // namespace

cable_tree discretise(const std::vector<cable_section>& secs) {
  if (secs.empty()) throw model_error("", "a cable cell needs at least one section");
  for (std::size_t i = 0; i < secs.size(); ++i) check_section(secs, i);

  cable_tree t;
  const std::size_t ns = secs.size();
  t.nseg.resize(ns);
  t.node0.resize(ns);
  t.first_seg.resize(ns);
  t.node1.resize(ns);
  auto add_node = [&](int parent, double area, double ri, double cm, double dist, int sec) {
    t.parent.push_back(parent);
    t.area.push_back(area);
    t.ri.push_back(ri);
    t.cm.push_back(cm);
    t.distance.push_back(dist);
    t.section_of.push_back(sec);
    return static_cast<int>(t.parent.size() - 1);
  };
  // The root's 0-end.
  add_node(-1, 0.0, 0.0, 0.0, 0.0, 0);
  for (std::size_t i = 0; i < ns; ++i) {
    const cable_section& s = secs[i];
    const int n = s.nseg > 0 ? s.nseg : nseg_rule(s.length);
    const int si = static_cast<int>(i);
    t.nseg[i] = n;
    const int attach = s.parent < 0 ? 0 : t.node_at(s.parent, s.parent_x);
    t.node0[i] = attach;
    const double dx = s.length / n;
    const double area = std::numbers::pi * s.diam * dx;
    // Half a segment of axial resistance [MOhm]: 0.01 * Ra[ohm cm] * (dx/2)[um] / A[um2].
    const double half_r = 0.01 * s.ra * (dx / 2.0) / (std::numbers::pi * s.diam * s.diam / 4.0);
    const double d0 = t.distance[attach];
    int prev = attach;
    double rleft = 0.0;  // resistance on the parent's side of the next node
    for (int k = 0; k < n; ++k) {
      const int node = add_node(prev, area, rleft + half_r, s.cm, d0 + (k + 0.5) * dx, si);
      if (k == 0) t.first_seg[i] = node;
      prev = node;
      rleft = half_r;
    }
    t.node1[i] = add_node(prev, 0.0, half_r, 0.0, d0 + s.length, si);
  }
  t.n_nodes = t.parent.size();
  return t;
}

}  // namespace myelin::detail

#include "cable/extracellular.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "cells/vmath.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

namespace {

using vec3 = std::array<double, 3>;

double dot(const vec3& a, const vec3& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

}  // namespace

std::vector<segment_site> segment_sites(const cable_template& t, const cable_tree& tree) {
  const std::size_t ns = t.sections.size();
  std::vector<vec3> p0(ns), p1(ns), unit(ns);
  for (std::size_t s = 0; s < ns; ++s) {
    const cable_section& sec = t.sections[s];
    vec3 d{sec.p1[0] - sec.p0[0], sec.p1[1] - sec.p0[1], sec.p1[2] - sec.p0[2]};
    const double norm = std::sqrt(dot(d, d));
    if (!(norm > 0.0) || !std::isfinite(norm))
      throw model_error("", "cell type \"" + t.name + "\": section \"" + sec.name +
                                "\" has no direction (its 3-D end points coincide); "
                                "extracellular potentials need it");
    for (int k = 0; k < 3; ++k) unit[s][k] = d[k] / norm;
    // The 0-end: the root's at the cell's position, a child's at its parent's point x.
    if (sec.parent >= 0) {
      const std::size_t q = static_cast<std::size_t>(sec.parent);
      for (int k = 0; k < 3; ++k) p0[s][k] = p0[q][k] + sec.parent_x * (p1[q][k] - p0[q][k]);
    }
    for (int k = 0; k < 3; ++k) p1[s][k] = p0[s][k] + sec.length * unit[s][k];
  }
  // Segments in node order; within a section node order is segment order.
  std::vector<segment_site> sites;
  for (std::size_t i = 0; i < tree.n_nodes; ++i) {
    if (!(tree.area[i] > 0.0)) continue;
    const int s = tree.section_of[i];
    const int n = tree.nseg[s], k = static_cast<int>(i) - tree.first_seg[s];
    const double x = tree.seg_x(s, k), len = t.sections[s].length;
    segment_site site;
    site.node = static_cast<int>(i);
    for (int d = 0; d < 3; ++d) site.centre[d] = p0[s][d] + x * (p1[s][d] - p0[s][d]);
    site.axis = unit[s];
    // HNN-core: the distance to the previous centre for the first segment (x0 L, the
    // section's 0-end), to the next one inside, to the 1-end for the last.
    if (k == 0)
      site.half_extent = x * len;
    else if (k < n - 1)
      site.half_extent = (tree.seg_x(s, k + 1) - x) * len;
    else
      site.half_extent = (1.0 - x) * len;
    sites.push_back(site);
  }
  return sites;
}

double transfer_resistance(const segment_site& site, const vec3& cell_pos, const vec3& electrode,
                           double conductivity, electrode_method method, double min_distance) {
  vec3 c;
  for (int d = 0; d < 3; ++d) c[d] = site.centre[d] + cell_pos[d];
  double phi;  // [1/um]
  if (method == electrode_method::psa) {
    const vec3 r{electrode[0] - c[0], electrode[1] - c[1], electrode[2] - c[2]};
    phi = 1.0 / std::max(std::sqrt(dot(r, r)), min_distance);
  } else {
    // Holt (1998), appendix C: a line source from `start` to `end` carrying the current
    // uniformly. h: the electrode's position along the line measured from `end` (negative
    // before it), l = h + |a| measured from `start`, r2 the squared perpendicular distance.
    vec3 start, end;
    for (int d = 0; d < 3; ++d) {
      start[d] = c[d] - site.half_extent * site.axis[d];
      end[d] = c[d] + site.half_extent * site.axis[d];
    }
    const vec3 a{end[0] - start[0], end[1] - start[1], end[2] - start[2]};
    const vec3 b{electrode[0] - end[0], electrode[1] - end[1], electrode[2] - end[2]};
    const double len = std::sqrt(dot(a, a));
    const double h = dot(b, a) / len;
    const double l = h + len;
    const double r2 = std::max(dot(b, b) - h * h, min_distance * min_distance);
    double num, den;
    // Three forms of one integral, each free of cancellation in its region.
    if (l < 0 && h < 0) {  // before the start
      num = std::sqrt(h * h + r2) - h;
      den = std::sqrt(l * l + r2) - l;
    } else if (l > 0 && h < 0) {  // alongside the line
      num = (std::sqrt(h * h + r2) - h) * (l + std::sqrt(l * l + r2));
      den = r2;
    } else {  // beyond the end
      num = std::sqrt(l * l + r2) + l;
      den = std::sqrt(h * h + r2) + h;
    }
    phi = std::log(num / den) / len;
  }
  // phi / sigma in 1/(um S/m) = 1e6 Ohm; times nA gives mV; 1000x for uV.
  return 1000.0 * phi / (4.0 * std::numbers::pi * conductivity);
}

membrane_currents::membrane_currents(const cable_cells& cells) {
  const cable_tree& t = cells.tree();
  parent_ = t.parent;
  seg_.assign(t.n_nodes, -1);
  g_.assign(t.n_nodes, 0.0);
  for (std::size_t i = 0; i < t.n_nodes; ++i) {
    if (t.area[i] > 0.0) seg_[i] = static_cast<int>(n_seg_++);
    if (i > 0) g_[i] = 1.0 / t.ri[i];
  }
  soma_seg_ = seg_[cells.soma_node()];
}

MYELIN_SIMD_CLONES void membrane_currents::compute(const cable_cells& cells, const double* i_inj,
                                                   double* im) const {
  const std::size_t nc = cells.size();
  std::fill_n(im, n_seg_ * nc, 0.0);
  // The current through each node's axial resistor, from its parent into it [nA], enters
  // the node and leaves the parent; the zero-area nodes (no membrane) are left out.
  for (std::size_t i = 1; i < parent_.size(); ++i) {
    const double* __restrict vi = cells.v(static_cast<int>(i));
    const double* __restrict vp = cells.v(parent_[i]);
    const double g = g_[i];
    const int si = seg_[i], sp = seg_[parent_[i]];
    if (si >= 0) {
      double* __restrict m = im + static_cast<std::size_t>(si) * nc;
      for (std::size_t c = 0; c < nc; ++c) m[c] += (vp[c] - vi[c]) * g;
    }
    if (sp >= 0) {
      double* __restrict m = im + static_cast<std::size_t>(sp) * nc;
      for (std::size_t c = 0; c < nc; ++c) m[c] -= (vp[c] - vi[c]) * g;
    }
  }
  if (i_inj) {
    double* __restrict m = im + static_cast<std::size_t>(soma_seg_) * nc;
    for (std::size_t c = 0; c < nc; ++c) m[c] += i_inj[c];
  }
}

}  // namespace myelin::detail

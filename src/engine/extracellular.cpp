// Electrode arrays at run time: per VP, the weights of its cable cells' segments and the
// per-step recording (extracellular.hpp); per simulation, the sums of every VP and rank
// (simulation::electrode_arrays, include/myelin/simulation.hpp).

#include "engine/extracellular.hpp"

#include <algorithm>
#include <cmath>

#include "cable/extracellular.hpp"
#include "cells/vmath.hpp"
#include "construct/positions.hpp"
#include "engine/bytes.hpp"
#include "engine/simulation_impl.hpp"
#include "engine/vp_state.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"

namespace myelin {
namespace detail {

namespace {

// A cell's potential [uV] in fixed point, truncated as the conversion to a 128-bit
// integer is. Below 2^62 the 64-bit conversion gives the same integer at a fraction of
// the cost. A non-finite value adds nothing: the run stops at the next finite check.
inline fixed128 to_fixed(double x) {
  const double s = x * 0x1p50;  // 2^extracellular_frac_bits, exact
  static_assert(extracellular_frac_bits == 50);
  if (std::fabs(s) < 0x1p62) return static_cast<int64_t>(s);
  if (!(std::fabs(s) < 0x1p126)) return 0;
  return static_cast<fixed128>(s);
}

}  // namespace

struct vp_extracellular::part {
  std::size_t group;  // index in the VP's groups
  const cable_cells* cells;
  membrane_currents currents;
  // [(s * n_electrodes + e) * n_cells + c] [uV/nA]: a step streams them once, in order.
  // Single precision (2^-24 relative, below the model's own geometry: NEURON keeps 3-D
  // points in single precision) halves their memory and a fifth of the recording's time;
  // the products and sums are double.
  std::vector<float> weights;
  std::vector<double> im;   // [s * n_cells + c], this step's currents [nA]
  std::vector<double> acc;  // [e * n_cells + c], each cell's potential [uV]
};

vp_extracellular::vp_extracellular() = default;
vp_extracellular::~vp_extracellular() = default;
vp_extracellular::vp_extracellular(vp_extracellular&&) noexcept = default;
vp_extracellular& vp_extracellular::operator=(vp_extracellular&&) noexcept = default;

void vp_extracellular::build(const network& net, const gid_layout& layout,
                             const std::vector<group_slot>& groups) {
  parts_.clear();
  sums_.clear();
  n_electrodes_ = 0;
  for (const electrode_array& a : net.electrode_arrays) n_electrodes_ += a.positions.size();
  step_.assign(n_electrodes_, 0);
  if (n_electrodes_ == 0) return;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const group_slot& g = groups[gi];
    const cable_cells* cc = cable_cells_of(*g.cells);
    if (!cc || cc->size() == 0) continue;
    part p{gi, cc, membrane_currents(*cc), {}, {}, {}};
    const std::vector<segment_site> sites = segment_sites(cc->cell_template(), cc->tree());
    const std::size_t nc = cc->size(), ns = sites.size();
    const population& pop = net.populations[g.population];
    std::vector<std::array<double, 3>> pos(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      const uint64_t gid = g.cells->gids()[c];
      pos[c] = cell_position(pop, static_cast<int64_t>(gid - layout.offset[g.population]), gid,
                             net.seed, static_cast<uint32_t>(g.population));
    }
    p.weights.resize(n_electrodes_ * ns * nc);
    const std::size_t n_e = n_electrodes_;
    std::size_t e = 0;
    for (const electrode_array& a : net.electrode_arrays) {
      const auto method = a.method == "lsa" ? electrode_method::lsa : electrode_method::psa;
      for (const auto& where : a.positions) {
        for (std::size_t s = 0; s < ns; ++s)
          for (std::size_t c = 0; c < nc; ++c)
            p.weights[(s * n_e + e) * nc + c] = static_cast<float>(transfer_resistance(
                sites[s], pos[c], where, a.conductivity, method, a.min_distance));
        ++e;
      }
    }
    p.im.assign(ns * nc, 0.0);
    p.acc.assign(n_e * nc, 0.0);
    parts_.push_back(std::move(p));
  }
}

// Compiled for AVX-512, AVX2 and baseline x86-64 (no FMA contraction: every clone gives
// the same bits), picked at load time.
MYELIN_SIMD_CLONES void vp_extracellular::record(const std::vector<group_slot>& groups,
                                                 const double* i_inj) {
  std::fill(step_.begin(), step_.end(), fixed128{0});
  for (part& p : parts_) {
    const std::size_t nc = p.cells->size(), ns = p.currents.n_segments();
    p.currents.compute(*p.cells, i_inj + groups[p.group].offset, p.im.data());
    const double* __restrict im = p.im.data();
    const float* __restrict w = p.weights.data();
    double* __restrict acc = p.acc.data();
    const std::size_t n_e = n_electrodes_;
    // Each cell's sum over its segments in segment order (the same bits for any group
    // size); the weights of one segment for every electrode lie together, so the step
    // reads them once, in order, and the sums (n_e x n_cells) stay in the L1 cache.
    std::fill_n(acc, n_e * nc, 0.0);
    for (std::size_t s = 0; s < ns; ++s) {
      const double* __restrict is = im + s * nc;
      const float* __restrict ws = w + s * n_e * nc;
      for (std::size_t e = 0; e < n_e; ++e)
        for (std::size_t c = 0; c < nc; ++c) acc[e * nc + c] += double{ws[e * nc + c]} * is[c];
    }
    for (std::size_t e = 0; e < n_e; ++e) {
      fixed128 sum = 0;
      for (std::size_t c = 0; c < nc; ++c) sum += to_fixed(acc[e * nc + c]);
      step_[e] += sum;
    }
  }
  sums_.insert(sums_.end(), step_.begin(), step_.end());
}

}  // namespace detail

using namespace detail;

std::vector<electrode_data> simulation::electrode_arrays() const {
  const engine& m = impl_->eng;
  const auto& arrays = m.net.electrode_arrays;
  if (arrays.empty()) return {};
  std::size_t n_e = 0;
  for (const auto& a : arrays) n_e += a.positions.size();
  const auto n_steps = static_cast<std::size_t>(m.step);
  // This rank's VPs added up, then the ranks' sums: integer addition, any order.
  std::vector<fixed128> total(n_steps * n_e, 0);
  for (const auto& vp : m.vps) {
    const auto& s = vp.extracellular.sums();
    for (std::size_t j = 0; j < s.size() && j < total.size(); ++j) total[j] += s[j];
  }
  if (m.n_ranks > 1) {
    std::vector<char> mine;
    put(mine, total.data(), total.size());
    const auto all = m.dist->gather(mine);
    if (m.rank != 0) return {};
    std::fill(total.begin(), total.end(), fixed128{0});
    std::vector<fixed128> other(total.size());
    for (const auto& b : all) {
      reader rd{b};
      rd.get(other.data(), other.size());
      for (std::size_t j = 0; j < total.size(); ++j) total[j] += other[j];
    }
  }
  std::vector<electrode_data> out;
  std::size_t e0 = 0;
  for (const auto& a : arrays) {
    electrode_data d{a.label, a.positions.size(), n_steps + 1, {}};
    d.values.assign(d.n_electrodes * d.n_times, 0.0);  // t = 0: 0, as HNN-core writes
    for (std::size_t e = 0; e < d.n_electrodes; ++e)
      for (std::size_t k = 0; k < n_steps; ++k)
        d.values[e * d.n_times + k + 1] =
            std::ldexp(static_cast<double>(total[k * n_e + e0 + e]), -extracellular_frac_bits);
    e0 += d.n_electrodes;
    out.push_back(std::move(d));
  }
  return out;
}

electrode_data simulation::electrode_array(const std::string& label) const {
  const auto& arrays = impl_->eng.net.electrode_arrays;
  if (std::none_of(arrays.begin(), arrays.end(), [&](const auto& a) { return a.label == label; })) {
    std::string have;
    for (const auto& a : arrays) have += (have.empty() ? "" : ", ") + a.label;
    throw model_error("electrode_arrays", "no electrode array labelled '" + label +
                                              "' (the model has " +
                                              (have.empty() ? std::string("none") : have) + ")");
  }
  for (auto& d : electrode_arrays())  // collective
    if (d.label == label) return std::move(d);
  return {label, 0, 0, {}};  // ranks other than 0
}

}  // namespace myelin

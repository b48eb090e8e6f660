// Extracellular potentials (src/cable/extracellular.hpp, src/engine/extracellular.hpp):
// each segment's transmembrane current equals NEURON's fast_imem expression on a passive
// cell and sums to the injected current (charge conservation) on HNN's active L5 cell;
// the segment geometry follows HNN-core's placement; the point- and line-source
// potentials of a single compartment carrying a known current equal the closed forms,
// through the whole engine (to the single precision of its transfer resistances).

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "cable/cable_cells.hpp"
#include "cable/extracellular.hpp"
#include "cable/hnn_cells.hpp"
#include "myelin/error.hpp"
#include "myelin/simulation.hpp"

namespace myelin::detail {
namespace {

cable_template passive_tree() {
  cable_template t;
  t.name = "tree";
  auto sec = [](const char* name, double l, double d, int nseg, int parent, double x,
                std::array<double, 3> p1) {
    cable_section s;
    s.name = name;
    s.length = l;
    s.diam = d;
    s.ra = 150.0;
    s.cm = 0.9;
    s.nseg = nseg;
    s.parent = parent;
    s.parent_x = x;
    s.p0 = {0, 0, 0};
    s.p1 = p1;
    return s;
  };
  t.sections = {sec("soma", 20, 20, 1, -1, 0, {0, 0, 1}), sec("dend", 300, 3, 7, 0, 1, {0, 0, 1}),
                sec("basal", 150, 2, 3, 0, 0, {1, 0, -1})};
  t.mechanisms.resize(3);
  for (auto& m : t.mechanisms) m.pas = pas_density{1e-4, -65.0};
  t.v0 = {-60.0, -70.0, -65.0};  // unequal: currents flow from the start
  return t;
}

TEST(extracellular, membrane_current_is_neurons_fast_imem_on_a_passive_cell) {
  cable_cells cells(passive_tree(), 2);
  const double dt = 0.025;
  cells.prepare(dt);
  cells.initialize();
  const membrane_currents mc(cells);
  const cable_tree& tree = cells.tree();
  ASSERT_EQ(mc.n_segments(), 11u);
  std::vector<double> i_inj{0.3, -0.1}, im(mc.n_segments() * 2), v_old(tree.n_nodes * 2);
  std::vector<uint32_t> spiked;
  double worst = 0.0;
  for (int step = 0; step < 40; ++step) {
    for (std::size_t i = 0; i < tree.n_nodes; ++i)
      for (std::size_t c = 0; c < 2; ++c) v_old[i * 2 + c] = cells.v(static_cast<int>(i), c);
    cells.advance(nullptr, i_inj.data(), spiked);
    mc.compute(cells, i_inj.data(), im.data());
    // NEURON: (cm/dt + g) dv + g (v_old - e) [mA/cm2] times area [um2] / 100 -> nA.
    int s = 0;
    for (std::size_t i = 0; i < tree.n_nodes; ++i) {
      if (!(tree.area[i] > 0.0)) continue;
      for (std::size_t c = 0; c < 2; ++c) {
        const double v1 = cells.v(static_cast<int>(i), c), v0 = v_old[i * 2 + c];
        const double cm = tree.cm[i] * 1e-3 / dt, g = 1e-4;
        const double expect = ((cm + g) * (v1 - v0) + g * (v0 + 65.0)) * tree.area[i] * 0.01;
        worst = std::max(worst, std::abs(im[s * 2 + c] - expect) / (std::abs(expect) + 1e-6));
      }
      ++s;
    }
  }
  EXPECT_LT(worst, 1e-8);
}

TEST(extracellular, membrane_currents_of_an_active_cell_sum_to_the_injected_current) {
  cable_cells cells(hnn_cell_template("L5_pyramidal"), 3);
  cells.prepare(0.025);
  cells.initialize();
  const membrane_currents mc(cells);
  ASSERT_EQ(mc.n_segments(), 55u);
  std::vector<double> i_inj{1.0, 0.0, 2.5}, im(55 * 3);
  std::vector<uint32_t> spiked;
  double worst = 0.0, largest = 0.0;
  for (int step = 0; step < 2000; ++step) {  // 50 ms: the 2.5 nA cell spikes
    cells.advance(nullptr, i_inj.data(), spiked);
    mc.compute(cells, i_inj.data(), im.data());
    for (std::size_t c = 0; c < 3; ++c) {
      double sum = 0.0;
      for (std::size_t s = 0; s < 55; ++s) {
        sum += im[s * 3 + c];
        largest = std::max(largest, std::abs(im[s * 3 + c]));
      }
      worst = std::max(worst, std::abs(sum - i_inj[c]));
    }
  }
  EXPECT_FALSE(spiked.empty());
  EXPECT_GT(largest, 1.0);  // nA: the spikes' currents
  EXPECT_LT(worst, 1e-9);   // nA
}

TEST(extracellular, segment_sites_follow_hnn_cores_placement) {
  const cable_template t = hnn_cell_template("L5_pyramidal");
  const cable_tree tree = discretise(t.sections);
  const auto sites = segment_sites(t, tree);
  ASSERT_EQ(sites.size(), 55u);
  auto near = [](const std::array<double, 3>& a, std::array<double, 3> b) {
    return std::abs(a[0] - b[0]) < 1e-9 && std::abs(a[1] - b[1]) < 1e-9 &&
           std::abs(a[2] - b[2]) < 1e-9;
  };
  // soma: (0,0,0) -> (0,0,39) (its template end points say 23 um; L rules).
  EXPECT_TRUE(near(sites[0].centre, {0, 0, 19.5}));
  EXPECT_DOUBLE_EQ(sites[0].half_extent, 19.5);
  // apical_trunk, 3 segments from the soma's 1-end: centres 56, 90, 124; half extents
  // 17 (first), 34 (inner: to the next centre), 17 (last).
  EXPECT_TRUE(near(sites[1].centre, {0, 0, 56}));
  EXPECT_TRUE(near(sites[2].centre, {0, 0, 90}));
  EXPECT_TRUE(near(sites[3].centre, {0, 0, 124}));
  EXPECT_DOUBLE_EQ(sites[1].half_extent, 17.0);
  EXPECT_NEAR(sites[2].half_extent, 34.0, 1e-12);
  EXPECT_NEAR(sites[3].half_extent, 17.0, 1e-12);
  // basal_2 hangs from basal_1's 1-end (0,0,-85), towards (-1, 0, -1)/sqrt(2); its first
  // centre 25.5 um along it.
  int basal2 = -1;
  for (std::size_t i = 0; i < sites.size(); ++i)
    if (t.sections[tree.section_of[sites[i].node]].name == "basal_2") {
      basal2 = static_cast<int>(i);
      break;
    }
  ASSERT_GE(basal2, 0);
  const double r = 25.5 / std::sqrt(2.0);
  EXPECT_TRUE(near(sites[basal2].centre, {-r, 0, -85 - r}));
}

// One L5 basket cell (a single 39 um x 20 um compartment, soma 0-end at `pos`) carrying
// a constant injected current: its one segment's transmembrane current is that current.
network basket_with_current(double amp, const std::string& method, std::array<double, 3> pos,
                            std::vector<std::array<double, 3>> electrodes) {
  network net;
  net.dt = 0.025;
  net.tstop = 5.0;
  population p;
  p.label = "b";
  p.size = 1;
  p.cell_type = "L5_basket";
  positions_spec ps;
  ps.kind = "list";
  ps.list = {pos};
  p.positions = ps;
  net.populations.push_back(p);
  stimulus s;
  s.label = "i";
  s.type = "DCSource";
  s.target.parts.push_back({"b", std::nullopt, std::nullopt, 1, std::nullopt});
  s.params = {{"amplitude", amp}, {"start", 0.0}, {"stop", 1e9}};
  net.stimuli.push_back(s);
  electrode_array a;
  a.label = "probe";
  a.positions = std::move(electrodes);
  a.method = method;
  net.electrode_arrays.push_back(a);
  return net;
}

TEST(extracellular, point_and_line_sources_of_one_compartment_match_closed_forms) {
  const double amp = 0.5, sigma = 0.3, r = 100.0;
  const std::array<double, 3> pos{10, -20, 30};  // the soma's centre is pos + (0, 0, 19.5)
  const std::vector<std::array<double, 3>> el = {
      {10, -20 + r, 49.5},   // beside the centre
      {10, -20, 49.5},       // at the centre: clamped to min_distance
      {10, -20, 49.5 + r}};  // on the axis, beyond the end
  for (const std::string method : {"psa", "lsa"}) {
    simulation sim(basket_with_current(amp, method, pos, el), {.threads = 1});
    sim.run();
    const electrode_data d = sim.electrode_array("probe");
    ASSERT_EQ(d.n_electrodes, 3u);
    ASSERT_EQ(d.n_times, 201u);
    const double k = 1000.0 * amp / (4.0 * std::numbers::pi * sigma);  // uV um
    double expect[3];
    if (method == "psa") {
      expect[0] = k / r;
      expect[1] = k / 0.5;
      expect[2] = k / r;
    } else {
      // Uniform line source of length 39: k/39 * 2 asinh(19.5/r) beside its middle;
      // perpendicular distance clamped to 0.5 um on the axis (within it: 2 asinh(19.5/0.5)).
      expect[0] = k / 39.0 * 2.0 * std::asinh(19.5 / r);
      expect[1] = k / 39.0 * 2.0 * std::asinh(19.5 / 0.5);
      // On the axis, a distance 80.5 .. 119.5 from the ends: ln(119.5/80.5) / 39, to the
      // 0.5 um clamp's O((0.5/80)^2).
      expect[2] =
          k / 39.0 * std::log((119.5 + std::hypot(119.5, 0.5)) / (80.5 + std::hypot(80.5, 0.5)));
    }
    for (std::size_t e = 0; e < 3; ++e) {
      EXPECT_EQ(d.values[e * d.n_times], 0.0) << method << " e" << e;  // t = 0
      for (std::size_t k2 = 1; k2 < d.n_times; ++k2)
        // The engine keeps the transfer resistances in single precision (2^-24 relative).
        ASSERT_NEAR(d.values[e * d.n_times + k2], expect[e], 1e-7 * std::abs(expect[e]))
            << method << " e" << e << " sample " << k2;
    }
  }
}

TEST(extracellular, bad_arrays_are_refused_naming_the_field) {
  auto error_of = [](network net) -> std::string {
    try {
      validate(net);
    } catch (const model_error& e) {
      return e.what();
    }
    return "";
  };
  network ok = basket_with_current(0.1, "psa", {0, 0, 0}, {{0, 0, 100}});
  EXPECT_EQ(error_of(ok), "");
  network n = ok;
  n.electrode_arrays[0].conductivity = -0.3;
  EXPECT_NE(error_of(n).find("electrode_arrays[0].conductivity"), std::string::npos);
  n = ok;
  n.electrode_arrays[0].positions.clear();
  EXPECT_NE(error_of(n).find("electrode_arrays[0].positions"), std::string::npos);
  n = ok;
  n.electrode_arrays[0].method = "csd";
  EXPECT_NE(error_of(n).find("electrode_arrays[0].method: 'csd' is not a method (allowed: psa"),
            std::string::npos);
  n = ok;
  n.electrode_arrays[0].min_distance = 0.0;
  EXPECT_NE(error_of(n).find("electrode_arrays[0].min_distance"), std::string::npos);
  n = ok;
  n.populations[0].cell_type = "IF_cond_exp";
  n.stimuli.clear();
  EXPECT_NE(error_of(n).find("no multi-compartment cells"), std::string::npos);
  n = ok;
  n.populations[0].positions.reset();
  EXPECT_NE(error_of(n).find("has no positions"), std::string::npos);
}

}  // namespace
}  // namespace myelin::detail

// Cable engine against closed forms: a passive compartment (input resistance, the
// backward-Euler charging curve), a sealed-end cylinder (input resistance of the cable
// equation), charge conservation of the Hines solve on a branched tree, Exp2Syn's
// normalisation and timing, cells solved together equal cells solved alone, and the
// errors for bad geometry or densities.

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "cable/cable_cells.hpp"
#include "cable/hnn_cells.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

cable_section cylinder(const std::string& name, double length, double diam, int nseg,
                       int parent = -1, double parent_x = 1.0) {
  cable_section s;
  s.name = name;
  s.length = length;
  s.diam = diam;
  s.ra = 100.0;
  s.cm = 1.0;
  s.nseg = nseg;
  s.parent = parent;
  s.parent_x = parent_x;
  s.p0 = {0, 0, 0};
  s.p1 = {0, 0, length};
  return s;
}

cable_template passive(std::vector<cable_section> secs, double g, double e) {
  cable_template t;
  t.name = "passive";
  t.sections = std::move(secs);
  t.mechanisms.resize(t.sections.size());
  t.v0.assign(t.sections.size(), e);
  for (auto& m : t.mechanisms)
    if (g > 0.0) m.pas = pas_density{g, e};
  return t;
}

// Runs n steps with a constant current at soma(0.5); returns soma v after each step.
std::vector<double> clamp(cable_cells& cells, double amp, int n) {
  std::vector<double> i(cells.size(), amp), out;
  std::vector<uint32_t> spiked;
  for (int s = 0; s < n; ++s) {
    cells.advance(nullptr, i.data(), spiked);
    out.push_back(cells.soma_v(0));
  }
  return out;
}

TEST(cable, nseg_rule_is_hnns) {
  EXPECT_EQ(nseg_rule(22.1), 1);
  EXPECT_EQ(nseg_rule(100.0), 1);
  EXPECT_EQ(nseg_rule(102.0), 3);  // floor(2.04) = 2 -> 3
  EXPECT_EQ(nseg_rule(255.0), 5);
  EXPECT_EQ(nseg_rule(306.0), 7);  // 6 -> 7
  EXPECT_EQ(nseg_rule(680.0), 13);
  EXPECT_EQ(nseg_rule(425.0), 9);  // 8 -> 9
}

TEST(cable, single_compartment_input_resistance_and_time_constant) {
  // 20 um x 20 um cylinder, g = 1e-4 S/cm2, cm = 1 uF/cm2: tau = cm/g = 10 ms.
  const double g = 1e-4, e = -65.0, amp = 0.01, dt = 0.025;
  cable_cells cells(passive({cylinder("soma", 20.0, 20.0, 1)}, g, e), 1);
  cells.prepare(dt);
  cells.initialize();
  const double area_cm2 = std::numbers::pi * 20.0 * 20.0 * 1e-8;
  const double r_in = 1.0 / (g * area_cm2) * 1e-6;  // [MOhm]
  const double tau = 1.0 / g * 1e-3;                // cm/g: uF/cm2 / S/cm2 = 1e-6 s -> ms
  const double v_inf = e + amp * r_in;              // nA * MOhm = mV
  const std::vector<double> v = clamp(cells, amp, 16000);
  // The exact backward-Euler recurrence of the linear ODE, step by step.
  double vb = e;
  double max_be = 0.0, max_exact = 0.0;
  for (std::size_t k = 0; k < v.size(); ++k) {
    vb = (vb + dt / tau * v_inf) / (1.0 + dt / tau);
    max_be = std::max(max_be, std::fabs(v[k] - vb));
    const double exact = v_inf + (e - v_inf) * std::exp(-static_cast<double>(k + 1) * dt / tau);
    max_exact = std::max(max_exact, std::fabs(v[k] - exact));
  }
  EXPECT_LT(max_be, 1e-10);
  // Backward Euler's global error is about (dt/2tau) (v_inf - e)/e ~ 0.0013 * 7.96 mV.
  EXPECT_LT(max_exact, 0.5 * dt / tau * std::fabs(v_inf - e) / std::exp(1.0) * 1.05);
  EXPECT_NEAR(v.back(), v_inf, 1e-6 * std::fabs(v_inf - e));  // 400 ms = 40 tau
}

TEST(cable, sealed_cylinder_input_resistance_matches_cable_theory) {
  // A cylinder of length 2L injected at its middle: two sealed-end cables of length L
  // in parallel, R_in = R_inf coth(L/lambda) / 2.
  const double half = 1000.0, diam = 2.0, g = 1e-4, ra = 100.0, e = -70.0, amp = 0.05;
  cable_section s = cylinder("soma", 2 * half, diam, 401);
  s.ra = ra;
  cable_cells cells(passive({s}, g, e), 1);
  cells.prepare(1.0);  // backward Euler's fixed point is the discrete steady state
  cells.initialize();
  const std::vector<double> v = clamp(cells, amp, 400);
  const double rm = 1.0 / g;  // [ohm cm2]
  const double d_cm = diam * 1e-4;
  const double lambda = std::sqrt(rm * d_cm / (4.0 * ra));        // [cm]
  const double ri = ra / (std::numbers::pi * d_cm * d_cm / 4.0);  // [ohm/cm]
  const double r_inf = ri * lambda * 1e-6;                        // [MOhm]
  const double r_in = r_inf / std::tanh(half * 1e-4 / lambda) / 2.0;
  const double measured = (v.back() - e) / amp;
  // The discretisation error is O((dx/lambda)^2), dx = 5 um, lambda = 2236 um.
  EXPECT_NEAR(measured, r_in, 1e-4 * r_in);
  std::printf("sealed cylinder: R_in %.8g MOhm, cable theory %.8g MOhm\n", measured, r_in);
  EXPECT_NEAR(v[v.size() - 2], v.back(), 1e-9);  // converged
}

TEST(cable, hines_solve_conserves_charge_on_a_branched_tree) {
  // No membrane conductance: the injected charge must all be on the membrane, whatever
  // the tree (axial currents only move it). Sum over nodes of C_i dv_i = I t.
  std::vector<cable_section> secs = {
      cylinder("soma", 20, 20, 1),        cylinder("a", 300, 2, 7, 0, 1.0),
      cylinder("b", 200, 1.5, 5, 1, 1.0), cylinder("c", 250, 1, 5, 1, 1.0),
      cylinder("d", 150, 3, 3, 0, 0.0),   cylinder("e", 120, 1, 3, 1, 0.5)};
  cable_cells cells(passive(secs, 0.0, -60.0), 2);
  cells.prepare(0.025);
  cells.initialize();
  std::vector<double> amp = {0.2, -0.05};
  std::vector<uint32_t> spiked;
  const int n = 400;
  for (int s = 0; s < n; ++s) cells.advance(nullptr, amp.data(), spiked);
  const cable_tree& t = cells.tree();
  for (std::size_t c = 0; c < 2; ++c) {
    double q = 0.0;  // [uF/cm2 * um2 * mV] = 1e-17 C
    for (std::size_t i = 0; i < t.n_nodes; ++i) q += t.cm[i] * t.area[i] * (cells.v(i, c) + 60.0);
    const double injected = amp[c] * n * 0.025;  // [nA ms] = 1e-12 C
    EXPECT_NEAR(q * 1e-5, injected, 1e-10 * std::fabs(injected)) << "cell " << c;
  }
  // The zero-area nodes carry no charge but sit between their neighbours.
  EXPECT_EQ(t.area[t.node1[0]], 0.0);
}

TEST(cable, exp2syn_event_acts_from_the_next_step_and_peaks_at_its_weight) {
  cable_cells cells(hnn_cell_template("L2_basket"), 1);
  cells.prepare(0.025);
  cells.initialize();
  const int port = cells.port_index("soma_ampa");
  ASSERT_GE(port, 0);
  std::vector<const double*> ports(cells.n_ports(), nullptr);
  const double w = 0.01;
  std::vector<uint32_t> spiked;
  ports[port] = &w;
  cells.advance(ports.data(), nullptr, spiked);
  ports[port] = nullptr;
  EXPECT_EQ(cells.synapse_g(0, 0), 0.0);  // A and B rose together
  double peak = 0.0;
  int peak_step = 0;
  for (int s = 1; s < 400; ++s) {
    cells.advance(ports.data(), nullptr, spiked);
    if (cells.synapse_g(0, 0) > peak) peak = cells.synapse_g(0, 0), peak_step = s;
  }
  // AMPA: tau1 0.5, tau2 5 ms, peak at tp = 1.279 ms; on the 0.025 ms grid.
  EXPECT_NEAR(peak, w, 1e-5 * w);
  EXPECT_NEAR(peak_step * 0.025, 1.279, 0.025);
}

// A VP without cells of a type still builds its (empty) group: with calcium (cad) in the
// template, prepare() once read a per-cell value of the empty group.
TEST(cable, a_group_of_no_cells_builds_and_steps) {
  cable_cells empty(hnn_cell_template("L5_pyramidal"), 0);
  empty.prepare(0.0125);
  empty.initialize();
  std::vector<uint32_t> spiked;
  empty.advance(nullptr, nullptr, spiked);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(spiked.empty());
}

TEST(cable, cells_solved_together_equal_cells_solved_alone) {
  const cable_template t = hnn_cell_template("L5_pyramidal");
  // 19 cells: a group's states are one array per mechanism span, so each cell's values
  // sit in different vector lanes (and remainders) than those of a cell alone.
  const int n = 19;
  cable_cells group(t, n);
  std::vector<cable_cells> alone;
  for (int c = 0; c < n; ++c) alone.emplace_back(t, 1);
  const int prox = group.port_index("proximal_ampa"), soma = group.port_index("soma_gabaa");
  std::vector<double> w_prox(n), w_soma(n), inj(n);
  for (int c = 0; c < n; ++c) {
    w_prox[c] = 0.02 * (c % 4);
    w_soma[c] = 0.01 * (c % 3);
    inj[c] = 0.1 * (c % 5);
  }
  std::vector<uint32_t> sg, sa;
  std::vector<int> spikes_group(n), spikes_alone(n);
  for (int s = 0; s < 1200; ++s) {
    const bool ev = s % 400 == 10;
    std::vector<const double*> pg(group.n_ports(), nullptr);
    if (ev) pg[prox] = w_prox.data(), pg[soma] = w_soma.data();
    sg.clear();
    group.advance(pg.data(), inj.data(), sg);
    for (uint32_t c : sg) ++spikes_group[c];
    for (int c = 0; c < n; ++c) {
      std::vector<const double*> pa(group.n_ports(), nullptr);
      if (ev) pa[prox] = &w_prox[c], pa[soma] = &w_soma[c];
      sa.clear();
      alone[c].advance(pa.data(), &inj[c], sa);
      spikes_alone[c] += static_cast<int>(sa.size());
    }
  }
  for (int c = 0; c < n; ++c) {
    for (std::size_t i = 0; i < group.tree().n_nodes; ++i)
      ASSERT_EQ(group.v(i, c), alone[c].v(i, 0)) << "cell " << c << " node " << i;
    EXPECT_EQ(spikes_group[c], spikes_alone[c]);
  }
  EXPECT_GT(spikes_group[4], 0);
  std::vector<double> q(n), q1(1);
  group.dipole(q.data());
  for (int c = 0; c < n; ++c) {
    alone[c].dipole(q1.data());
    EXPECT_EQ(q[c], q1[0]);
  }
}

TEST(cable, bad_geometry_and_densities_are_named) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const model_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  cable_template t = hnn_cell_template("L5_pyramidal");
  t.sections[3].length = 0.0;
  EXPECT_NE(message([&] { cable_cells c(t, 1); }).find("section \"apical_2\": length 0"),
            std::string::npos);
  t = hnn_cell_template("L5_pyramidal");
  t.sections[5].diam = -1.0;
  EXPECT_NE(message([&] { cable_cells c(t, 1); }).find("\"apical_oblique\": diam"),
            std::string::npos);
  t = hnn_cell_template("L5_pyramidal");
  t.mechanisms[2].km = -3.0;
  EXPECT_NE(message([&] { cable_cells c(t, 1); }).find("\"apical_1\": km gbar -3"),
            std::string::npos);
  t = hnn_cell_template("L5_pyramidal");
  t.mechanisms[2].cad.reset();
  EXPECT_NE(message([&] { cable_cells c(t, 1); }).find("need cad"), std::string::npos);
  t = hnn_cell_template("L2_pyramidal");
  t.sections[2].parent = 5;
  EXPECT_NE(message([&] { cable_cells c(t, 1); }).find("listed before"), std::string::npos);
  EXPECT_NE(message([] { hnn_cell_template("L4_stellate"); }).find("L4_stellate"),
            std::string::npos);
}

}  // namespace
}  // namespace myelin::detail

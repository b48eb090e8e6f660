// HNN's four cell types against the single-cell reference of hnn-core on NEURON 8.2.2
// (../shared/reference/hnn/single_cell_ref.csv, protocols in MODEL_NOTES.md section 15)
// and their geometry against NEURON's own numbers (introspect_cells.json).
//
// Targets (issue 4): somatic voltage RMS difference <= 0.5 mV over the protocol, every
// spike within 0.1 ms of the reference's. The reference files are kept with the tests
// (tests/data/hnn, a copy of ../shared/reference/hnn); a missing one fails the test.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cable/cable_cells.hpp"
#include "cable/hnn_cells.hpp"

namespace myelin::detail {
namespace {

// A copy of HNN-core's reference outputs kept with the tests (tests/data/README.md).
const std::string ref_dir = std::string(MYELIN_SOURCE_DIR) + "/tests/data/hnn/";

#define REQUIRE_REF(file)                       \
  if (!std::filesystem::exists(ref_dir + file)) \
  FAIL() << "reference " << ref_dir + file << " not found"

// The reference traces, column name -> values at t = k * 0.025 ms, k = 0..8000.
const std::map<std::string, std::vector<double>>& reference() {
  static const std::map<std::string, std::vector<double>> cols = [] {
    std::map<std::string, std::vector<double>> out;
    std::ifstream in(ref_dir + "single_cell_ref.csv");
    std::string line;
    std::getline(in, line);
    std::vector<std::string> names;
    std::stringstream hs(line);
    for (std::string cell; std::getline(hs, cell, ',');) names.push_back(cell);
    while (std::getline(in, line)) {
      std::stringstream ls(line);
      std::string cell;
      for (std::size_t i = 0; std::getline(ls, cell, ','); ++i)
        out[names[i]].push_back(std::stod(cell));
    }
    return out;
  }();
  return cols;
}

constexpr double dt = 0.025;
constexpr int n_steps = 8000;  // 200 ms

// Upward crossings of 0 mV in a sampled trace: time of the first sample at or above.
std::vector<double> crossings(const std::vector<double>& v) {
  std::vector<double> t;
  for (std::size_t k = 1; k < v.size(); ++k)
    if (v[k] >= 0.0 && v[k - 1] < 0.0) t.push_back(k * dt);
  return t;
}

struct run_result {
  std::vector<double> v, dipole, cai;
  std::vector<double> spikes;
};

// Step protocol: amp [nA] at soma(0.5) from 50 to 150 ms (NEURON's IClamp is evaluated
// at mid-step, so it is on for the steps that start in [50, 150)). Synaptic protocol:
// one AMPA event of weight w on the proximal port arriving at 20 ms, one NMDA event on
// the distal port at 100 ms (delivered at the start of the step beginning then, i.e.
// at the end of the step ending then).
run_result run(const std::string& type, bool step, double amp, double w,
               const std::string& nmda_port = "distal_nmda") {
  cable_cells cells(hnn_cell_template(type), 1);
  cells.prepare(dt);
  cells.initialize();
  const int ampa = cells.port_index("proximal_ampa");
  const int nmda = cells.port_index(nmda_port);
  if (!step) {
    EXPECT_GE(ampa, 0);
    EXPECT_GE(nmda, 0);
  }
  std::vector<double> zero(1, 0.0), weight(1, w), current(1, 0.0);
  std::vector<const double*> ports(cells.n_ports(), nullptr);
  run_result r;
  std::vector<uint32_t> spiked;
  std::vector<double> q(1);
  auto sample = [&] {
    r.v.push_back(cells.soma_v(0));
    cells.dipole(q.data());
    r.dipole.push_back(q[0]);
    r.cai.push_back(cells.cai(cells.soma_node(), 0));
  };
  sample();
  for (int s = 0; s < n_steps; ++s) {
    std::fill(ports.begin(), ports.end(), nullptr);
    if (!step && s + 1 == 800) ports[ampa] = weight.data();
    if (!step && s + 1 == 4000) ports[nmda] = weight.data();
    current[0] = step && s >= 2000 && s < 6000 ? amp : 0.0;
    spiked.clear();
    cells.advance(ports.data(), current.data(), spiked);
    for (std::size_t i = 0; i < spiked.size(); ++i) r.spikes.push_back((s + 1) * dt);
    sample();
  }
  return r;
}

double rms_diff(const std::vector<double>& a, const std::vector<double>& b, std::size_t from = 0) {
  double s = 0.0;
  for (std::size_t k = from; k < a.size(); ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
  return std::sqrt(s / (a.size() - from));
}
double max_diff(const std::vector<double>& a, const std::vector<double>& b, std::size_t from = 0) {
  double m = 0.0;
  for (std::size_t k = from; k < a.size(); ++k) m = std::max(m, std::fabs(a[k] - b[k]));
  return m;
}

void check(const std::string& label, const run_result& r, const std::string& col_prefix,
           bool dipole) {
  const auto& ref = reference();
  const auto& v_ref = ref.at(col_prefix + "_vsoma_mV");
  ASSERT_EQ(v_ref.size(), r.v.size());
  const double rms = rms_diff(r.v, v_ref);
  const std::vector<double> t_ref = crossings(v_ref);
  std::ostringstream spikes;
  for (double t : r.spikes) spikes << t << " ";
  std::ostringstream ref_spikes;
  for (double t : t_ref) ref_spikes << t << " ";
  ::testing::Test::RecordProperty(label + "_rms_mV", std::to_string(rms));
  std::printf("%-22s v RMS %.4g mV, max %.4g mV; spikes %s(ref %s)", label.c_str(), rms,
              max_diff(r.v, v_ref), spikes.str().c_str(), ref_spikes.str().c_str());
  if (dipole) {
    const auto& q_ref = ref.at(col_prefix + "_dipole_fAm");
    // The reference records 0 at t = 0 (before dipole.mod's first AFTER SOLVE).
    double scale = 0.0;
    for (double x : q_ref) scale = std::max(scale, std::fabs(x));
    std::printf("; dipole RMS %.4g fAm (max |ref| %.4g)", rms_diff(r.dipole, q_ref, 1), scale);
    EXPECT_LT(rms_diff(r.dipole, q_ref, 1), 1e-6 * scale) << label;
  }
  std::printf("\n");
  // The targets are RMS <= 0.5 mV and spikes within 0.1 ms; what the engine
  // achieves, and what is asserted, is far tighter: the reference is printed with 7
  // decimals (rounding error <= 5e-8 mV) and we match NEURON's trace to those digits,
  // every spike on the same step.
  EXPECT_LT(max_diff(r.v, v_ref), 1e-6) << label;
  ASSERT_EQ(r.spikes.size(), t_ref.size()) << label;
  for (std::size_t i = 0; i < t_ref.size(); ++i)
    EXPECT_NEAR(r.spikes[i], t_ref[i], 1e-9) << label << " spike " << i;
}

// Per segment: area, ri and the path distance behind ar's density against NEURON's own
// values; per dipole piece: dz = coef * ri against hnn-core's ztan.
TEST(cable_hnn, geometry_matches_neuron) {
  REQUIRE_REF("introspect_cells.json");
  std::ifstream in(ref_dir + "introspect_cells.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  for (const std::string type : {"L2_pyramidal", "L5_pyramidal", "L2_basket"}) {
    const cable_cells cells(hnn_cell_template(type), 1);
    const cable_template& t = cells.cell_template();
    const cable_tree& tree = cells.tree();
    ASSERT_EQ(j.at(type).size(), t.sections.size()) << type;
    for (std::size_t s = 0; s < t.sections.size(); ++s) {
      const nlohmann::json& js = j.at(type).at(t.sections[s].name);
      const std::string where = type + "." + t.sections[s].name;
      ASSERT_EQ(js.at("nseg").get<int>(), tree.nseg[s]) << where;
      EXPECT_NEAR(tree.ri[tree.node1[s]], js.at("ri_at_1").get<double>(), 1e-12) << where;
      for (int k = 0; k < tree.nseg[s]; ++k) {
        const nlohmann::json& seg = js.at("segs").at(k);
        const int node = tree.first_seg[s] + k;
        EXPECT_NEAR(tree.seg_x(s, k), seg.at("x").get<double>(), 1e-15) << where;
        EXPECT_NEAR(tree.area[node], seg.at("area_um2").get<double>(), 1e-9) << where << k;
        EXPECT_NEAR(tree.ri[node], seg.at("ri_Mohm").get<double>(),
                    1e-12 * seg.at("ri_Mohm").get<double>())
            << where << k;
        EXPECT_EQ(t.v0[s], seg.at("v0").get<double>()) << where;
        EXPECT_EQ(t.mechanisms[s].hh2->gnabar.at(k), seg.at("gnabar_hh2").get<double>()) << where;
        EXPECT_EQ(t.mechanisms[s].hh2->el.at(k), seg.at("el_hh2").get<double>()) << where;
        if (seg.contains("gbar_ar")) {
          // The template's density at the segment (an expression of the path distance).
          EXPECT_NEAR(t.mechanisms[s].ar->at(k), seg.at("gbar_ar").get<double>(),
                      1e-12 * seg.at("gbar_ar").get<double>())
              << where << k;
        }
        if (seg.contains("ztan")) {
          // Pieces are listed section by section, nseg + 1 each.
          std::size_t first = 0;
          for (std::size_t u = 0; u < s; ++u) first += tree.nseg[u] + 1;
          const auto& pc = cells.dipole_pieces().at(first + k);
          EXPECT_NEAR(pc.coef * tree.ri[pc.q], seg.at("ztan").get<double>(), 1e-9) << where << k;
        }
      }
    }
  }
  // The piece from the last centre to the 1-end (hnn-core's dipole_pp).
  const cable_cells l5(hnn_cell_template("L5_pyramidal"), 1);
  std::size_t first = 0;
  for (std::size_t s = 0; s < l5.cell_template().sections.size(); ++s) {
    first += l5.tree().nseg[s] + 1;
    const auto& pc = l5.dipole_pieces().at(first - 1);
    EXPECT_NEAR(pc.coef * l5.tree().ri[pc.q],
                j.at("dipole_pp_ztan").at(l5.cell_template().sections[s].name).get<double>(), 1e-9);
  }
}

TEST(cable_hnn, l2_pyramidal_step) {
  REQUIRE_REF("single_cell_ref.csv");
  check("L2_pyramidal step", run("L2_pyramidal", true, 0.3, 0.0), "L2_pyramidal_step", true);
}
TEST(cable_hnn, l2_pyramidal_synaptic) {
  REQUIRE_REF("single_cell_ref.csv");
  check("L2_pyramidal syn", run("L2_pyramidal", false, 0.0, 0.005), "L2_pyramidal_syn", true);
}
TEST(cable_hnn, l5_pyramidal_step) {
  REQUIRE_REF("single_cell_ref.csv");
  const run_result r = run("L5_pyramidal", true, 1.0, 0.0);
  check("L5_pyramidal step", r, "L5_pyramidal_step", true);
  const auto& cai_ref = reference().at("L5_pyramidal_step_cai_mM");
  // Printed with 9 significant digits.
  EXPECT_LT(max_diff(r.cai, cai_ref), 1e-8 * *std::max_element(cai_ref.begin(), cai_ref.end()));
}
TEST(cable_hnn, l5_pyramidal_synaptic) {
  REQUIRE_REF("single_cell_ref.csv");
  const run_result r = run("L5_pyramidal", false, 0.0, 0.01);
  check("L5_pyramidal syn", r, "L5_pyramidal_syn", true);
}
TEST(cable_hnn, l2_basket_step) {
  REQUIRE_REF("single_cell_ref.csv");
  check("L2_basket step", run("L2_basket", true, 0.2, 0.0), "L2_basket_step", false);
}
TEST(cable_hnn, l2_basket_synaptic) {
  REQUIRE_REF("single_cell_ref.csv");
  check("L2_basket syn", run("L2_basket", false, 0.0, 0.01), "L2_basket_syn", false);
}
// L5_basket is the same cell as L2_basket (MODEL_NOTES 2.4) without distal inputs: the
// reference's basket traces apply, with the NMDA event on its soma port.
TEST(cable_hnn, l5_basket_step_and_synaptic) {
  REQUIRE_REF("single_cell_ref.csv");
  check("L5_basket step", run("L5_basket", true, 0.2, 0.0), "L2_basket_step", false);
  check("L5_basket syn", run("L5_basket", false, 0.0, 0.01, "soma_nmda"), "L2_basket_syn", false);
  EXPECT_LT(cable_cells(hnn_cell_template("L5_basket"), 1).port_index("distal_ampa"), 0);
}

}  // namespace
}  // namespace myelin::detail

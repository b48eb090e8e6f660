// Cell templates as data (src/cable/cell_template.hpp): densities per segment, ports,
// and the model-file round trip of a template. Agreement with NEURON is
// tests/validation/test_hnn_cells_neuron.py; the errors are tests/python/test_cell_templates.py.

#include <gtest/gtest.h>

#include <cmath>

#include "cable/cell_template.hpp"
#include "cable/hnn_cells.hpp"
#include "myelin/error.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {
namespace {

cell_template_spec two_sections() {
  cell_template_spec t;
  cell_section_spec soma;
  soma.name = "soma";
  soma.L = 20;
  soma.diam = 20;
  soma.Ra = 100;
  soma.cm = 1;
  soma.end_pts = {{{0, 0, 0}, {0, 0, 20}}};
  soma.mechanisms["hh2"] = {};
  cell_section_spec dend = soma;
  dend.name = "dend";
  dend.parent = "soma";
  dend.L = 250;  // HNN's rule: 5 segments of 50 um
  dend.diam = 2;
  dend.end_pts = {{{0, 0, 20}, {0, 0, 270}}};
  dend.mechanisms = {{"pas", {{"g", std::vector<double>{1, 2, 3, 4, 5}}}},
                     {"hh2", {{"gnabar", expression_spec{"0.001 * d"}}, {"el", -70.0}}}};
  t.sections = {soma, dend};
  t.synapses = {{"ampa", 0, 0.5, 5, {"dend"}}, {"gabaa", -80, 0.5, 5, {"soma", "dend"}}};
  t.locations = {{"prox", {"soma", "dend"}}, {"tip", {"dend"}}};
  return t;
}

TEST(cell_templates, densities_per_segment_and_of_the_path_distance) {
  const cable_template c = build_cable_template("x", two_sections(), "cell_templates.x");
  const section_mechanisms& m = c.mechanisms[1];
  ASSERT_EQ(m.pas->g.values.size(), 5u);
  EXPECT_EQ(m.pas->g.at(3), 4.0);
  EXPECT_EQ(m.pas->e.at(3), -70.0);  // pas's default
  // d at segment k: the soma's length plus (k + 1/2) * 50 um.
  for (int k = 0; k < 5; ++k) EXPECT_DOUBLE_EQ(m.hh2->gnabar.at(k), 0.001 * (20 + (k + 0.5) * 50));
  EXPECT_EQ(m.hh2->gkbar.at(0), 0.036);  // hh2's default
  EXPECT_EQ(m.hh2->el.at(2), -70.0);
  EXPECT_EQ(c.mechanisms[0].hh2->gnabar.at(0), 0.12);
  EXPECT_FALSE(c.mechanisms[0].pas.has_value());
  // Diameters in single precision, as NEURON's 3-D points keep them.
  EXPECT_EQ(c.sections[1].diam, static_cast<double>(2.0f));
}

TEST(cell_templates, synapses_section_by_section_and_ports_location_first) {
  const cable_template c = build_cable_template("x", two_sections(), "cell_templates.x");
  std::vector<std::string> syn, ports;
  for (const auto& s : c.synapses) syn.push_back(s.name);
  for (const auto& p : c.ports) ports.push_back(p.name);
  EXPECT_EQ(syn, (std::vector<std::string>{"soma_gabaa", "dend_ampa", "dend_gabaa"}));
  // prox_ampa is missing: the soma has no ampa synapse.
  EXPECT_EQ(ports, (std::vector<std::string>{"prox_gabaa", "tip_ampa", "tip_gabaa", "soma_gabaa",
                                             "dend_ampa", "dend_gabaa"}));
  EXPECT_EQ(c.ports[0].synapses, (std::vector<int>{0, 2}));
}

TEST(cell_templates, errors_name_the_field) {
  auto message = [](cell_template_spec t) {
    try {
      build_cable_template("x", t, "cell_templates.x");
    } catch (const model_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  cell_template_spec t = two_sections();
  t.sections[1].mechanisms["hh2"]["gnabar"] = expression_spec{"0.5 - 0.01 * d"};
  EXPECT_EQ(message(t),
            "cell_templates.x.sections[1].mechanisms.hh2.gnabar: must be >= 0 "
            "[S/cm2], got -0.45");
  t = two_sections();
  t.sections[1].parent = "dend";
  EXPECT_NE(message(t).find("cell_templates.x.sections[1].parent: must name a section listed "
                            "before this one"),
            std::string::npos);
  t = two_sections();
  t.sections[1].mechanisms["ca"] = {};
  EXPECT_NE(message(t).find("cell_templates.x.sections[1].mechanisms: ca and kca need cad"),
            std::string::npos);
}

TEST(cell_templates, builtin_files_hold_hnns_types_first) {
  const auto& all = builtin_cell_templates();
  std::vector<std::string> names;
  for (const auto& [name, spec] : all) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"L2_basket", "L2_pyramidal", "L5_basket",
                                             "L5_pyramidal", "L2_pyramidal_law2021",
                                             "L5_pyramidal_calcium", "L5_pyramidal_law2021"}));
  // law_2021: GABAb 45/200 ms, no ca in the soma; calcium: ca grows with d to 1501 um.
  const cable_template law = hnn_cell_template("L5_pyramidal_law2021");
  EXPECT_FALSE(law.mechanisms[0].ca.has_value());
  EXPECT_TRUE(law.mechanisms[1].ca.has_value());
  int gabab = 0;
  for (const auto& s : law.synapses) {
    if (s.name.ends_with("_gabab")) {
      EXPECT_EQ(s.tau1, 45.0);
      EXPECT_EQ(s.tau2, 200.0);
      ++gabab;
    }
  }
  EXPECT_EQ(gabab, 9);
  const cable_template ca = hnn_cell_template("L5_pyramidal_calcium");
  EXPECT_EQ(ca.mechanisms[0].ca->at(0), 60.0);
  const auto& tuft = *ca.mechanisms[4].ca;  // apical_tuft: d from 1520 to 1945 um
  for (double g : tuft.values) EXPECT_EQ(g, 40.0);
  EXPECT_NEAR(ca.mechanisms[1].ca->at(0), 10 + (39 + 17) * 30.0 / 1501, 1e-12);
}

}  // namespace
}  // namespace myelin::detail

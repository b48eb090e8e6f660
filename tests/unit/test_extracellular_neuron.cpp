// The myelin side of tests/validation/test_extracellular_neuron.py, which builds a cell
// in NEURON, computes its extracellular potentials from NEURON's i_membrane_ and compares
// them with what this test writes. It reads the cell and protocol from the JSON file
// named by MYELIN_EXTRACELLULAR_CASE (sections with 3-D end points, a passive membrane,
// Exp2Syn synapses with their events, an IClamp at soma(0.5), the cell's position, the
// electrodes) and writes, to MYELIN_EXTRACELLULAR_OUT, one CSV row per sample t = k dt:
// the potential [uV] at every electrode by the point-source, then the line-source
// approximation, from the same segment currents and transfer resistances the engine
// records with (src/cable/extracellular.hpp). Without the variables it is skipped: the
// Python test runs it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cable/cable_cells.hpp"
#include "cable/extracellular.hpp"

namespace myelin::detail {
namespace {

using json = nlohmann::json;

TEST(extracellular_neuron, writes_myelins_potentials_for_the_python_comparison) {
  const char* in = std::getenv("MYELIN_EXTRACELLULAR_CASE");
  const char* out = std::getenv("MYELIN_EXTRACELLULAR_OUT");
  if (!in || !out) GTEST_SKIP() << "run by tests/validation/test_extracellular_neuron.py";
  std::ifstream f(in);
  ASSERT_TRUE(f) << in;
  const json c = json::parse(f);
  cable_template t;
  t.name = "neuron_case";
  for (const json& s : c["sections"]) {
    cable_section sec;
    sec.name = s["name"];
    sec.length = s["L"];
    sec.diam = s["diam"];
    sec.ra = c["Ra"];
    sec.cm = c["cm"];
    sec.nseg = s["nseg"];
    sec.parent = s["parent"];
    sec.parent_x = s["parent_x"];
    sec.p0 = s["p0"].get<std::array<double, 3>>();
    sec.p1 = s["p1"].get<std::array<double, 3>>();
    t.sections.push_back(sec);
    section_mechanisms m;
    m.pas = pas_density{c["pas_g"].get<double>(), c["pas_e"].get<double>()};
    t.mechanisms.push_back(m);
    t.v0.push_back(c["v0"]);
  }
  const double dt = c["dt"];
  const int n_steps = c["n_steps"];
  // One port per synapse; an event at T acts from the step starting at T, so its weight
  // is handed to the step ending at T (cable_cells::advance).
  std::vector<std::vector<double>> weight_at(c["synapses"].size(),
                                             std::vector<double>(n_steps + 1, 0.0));
  for (std::size_t k = 0; k < c["synapses"].size(); ++k) {
    const json& s = c["synapses"][k];
    t.synapses.push_back({"syn" + std::to_string(k), s["section"], s["x"], s["tau1"], s["tau2"],
                          s["e"]});
    t.ports.push_back({"syn" + std::to_string(k), {static_cast<int>(k)}});
    for (const json& ev : s["events"]) {
      const long step = std::lround(ev[0].get<double>() / dt) - 1;
      ASSERT_GE(step, 0);
      weight_at[k][static_cast<std::size_t>(step)] += ev[1].get<double>();
    }
  }
  cable_cells cells(t, 1);
  cells.prepare(dt);
  cells.initialize();
  const membrane_currents mc(cells);
  const std::vector<segment_site> sites = segment_sites(t, cells.tree());
  const auto pos = c["position"].get<std::array<double, 3>>();
  const double sigma = c["conductivity"], min_d = c["min_distance"];
  const auto electrodes = c["electrodes"].get<std::vector<std::array<double, 3>>>();
  std::vector<double> w;  // [(method * n_e + e) * n_seg + s]
  for (const auto method : {electrode_method::psa, electrode_method::lsa})
    for (const auto& e : electrodes)
      for (const segment_site& site : sites)
        w.push_back(transfer_resistance(site, pos, e, sigma, method, min_d));
  const double amp = c["iclamp"]["amp"], del = c["iclamp"]["del"], dur = c["iclamp"]["dur"];
  std::ofstream o(out);
  o.precision(17);
  const std::size_t n_cols = 2 * electrodes.size();
  for (std::size_t j = 0; j < n_cols; ++j) o << (j ? ",0" : "0");
  o << "\n";
  std::vector<double> im(sites.size()), i_inj(1);
  std::vector<const double*> ports(t.ports.size());
  std::vector<uint32_t> spiked;
  for (int k = 0; k < n_steps; ++k) {
    const double mid = (k + 0.5) * dt;  // NEURON's IClamp is evaluated at mid-step
    i_inj[0] = mid >= del && mid < del + dur ? amp : 0.0;
    for (std::size_t r = 0; r < ports.size(); ++r)
      ports[r] = weight_at[r][static_cast<std::size_t>(k)] != 0.0 ? &weight_at[r][k] : nullptr;
    cells.advance(ports.data(), i_inj.data(), spiked);
    mc.compute(cells, i_inj.data(), im.data());
    for (std::size_t j = 0; j < n_cols; ++j) {
      double v = 0.0;
      for (std::size_t s = 0; s < sites.size(); ++s) v += w[j * sites.size() + s] * im[s];
      o << (j ? "," : "") << v;
    }
    o << "\n";
  }
  ASSERT_TRUE(o.good());
}

}  // namespace
}  // namespace myelin::detail

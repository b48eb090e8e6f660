#include "cable/hnn_cells.hpp"

#include <algorithm>

#include "myelin/error.hpp"

namespace myelin::detail {

namespace {

// NEURON keeps 3D-point diameters in single precision; a section's diam is read back
// from them, so e.g. 4.08 um is 4.079999923706055 um in HNN's cells.
double f32(double x) {
  return static_cast<double>(static_cast<float>(x));
}

struct sec_row {
  const char* name;
  double length, diam;
  const char* parent;
  double parent_x;
  std::array<double, 3> p0, p1;
  double v0;
};

cable_template build(const std::string& name, double ra, double cm,
                     const std::vector<sec_row>& rows) {
  cable_template t;
  t.name = name;
  auto index_of = [&](const char* sec) {
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (std::string_view(rows[i].name) == sec) return static_cast<int>(i);
    return -1;
  };
  for (const sec_row& r : rows) {
    cable_section s;
    s.name = r.name;
    s.length = r.length;
    s.diam = f32(r.diam);
    s.ra = ra;
    s.cm = cm;
    s.nseg = 0;  // HNN's rule
    s.parent = r.parent ? index_of(r.parent) : -1;
    s.parent_x = r.parent_x;
    s.p0 = r.p0;
    s.p1 = r.p1;
    t.sections.push_back(s);
    t.v0.push_back(r.v0);
  }
  t.mechanisms.resize(rows.size());
  t.soma = 0;
  t.spike_threshold = 0.0;
  return t;
}

// One Exp2Syn per (section, receptor); then the location ports, then one port per
// synapse whose name is not already a port.
void add_synapses(cable_template& t, const std::vector<std::string>& receptors_soma,
                  const std::vector<std::string>& receptors_dend,
                  const std::vector<std::pair<std::string, std::vector<std::string>>>& locations) {
  const auto& recs = hnn_receptors();
  auto kinetics = [&](const std::string& r) {
    for (const hnn_receptor& k : recs)
      if (r == k.name) return k;
    throw internal_error("unknown receptor " + r);
  };
  for (std::size_t s = 0; s < t.sections.size(); ++s) {
    const auto& list = s == 0 ? receptors_soma : receptors_dend;
    for (const std::string& r : list) {
      const hnn_receptor k = kinetics(r);
      t.synapses.push_back(
          {t.sections[s].name + "_" + r, static_cast<int>(s), 0.5, k.tau1, k.tau2, k.e});
    }
  }
  auto synapse_of = [&](const std::string& sec, const std::string& r) {
    const std::string n = sec + "_" + r;
    for (std::size_t i = 0; i < t.synapses.size(); ++i)
      if (t.synapses[i].name == n) return static_cast<int>(i);
    return -1;
  };
  for (const auto& [loc, secs] : locations) {
    for (const hnn_receptor& k : recs) {
      port_spec p{loc + "_" + k.name, {}};
      for (const std::string& sec : secs) {
        const int s = synapse_of(sec, k.name);
        if (s >= 0) p.synapses.push_back(s);
      }
      if (p.synapses.size() == secs.size() && !secs.empty()) t.ports.push_back(p);
    }
  }
  for (std::size_t s = 0; s < t.synapses.size(); ++s) {
    const std::string& n = t.synapses[s].name;
    if (std::none_of(t.ports.begin(), t.ports.end(),
                     [&](const port_spec& p) { return p.name == n; }))
      t.ports.push_back({n, {static_cast<int>(s)}});
  }
}

cable_template basket(const std::string& name, bool has_distal) {
  // A single soma with hh2 at the mechanism's own default densities.
  cable_template t = build(name, 200.0, 0.85,
                           {{"soma", 39.0, 20.0, nullptr, 0.0, {0, 0, 0}, {0, 0, 39}, -64.9737}});
  t.mechanisms[0].hh2 = hh2_density{};
  std::vector<std::pair<std::string, std::vector<std::string>>> locs = {{"proximal", {"soma"}}};
  if (has_distal) locs.push_back({"distal", {"soma"}});
  locs.push_back({"soma", {"soma"}});
  add_synapses(t, {"ampa", "nmda", "gabaa"}, {}, locs);
  t.dipole = false;
  return t;
}

const std::vector<std::pair<std::string, std::vector<std::string>>> pyramidal_locations = {
    {"proximal", {"apical_oblique", "basal_2", "basal_3"}},
    {"distal", {"apical_tuft"}},
    {"soma", {"soma"}}};

cable_template l2_pyramidal() {
  const double v0 = -71.46;
  cable_template t = build(
      "L2_pyramidal", 200.0, 0.6195,
      {{"soma", 22.1, 23.4, nullptr, 0.0, {-50, 0, 765}, {-50, 0, 778}, v0},
       {"apical_trunk", 59.5, 4.25, "soma", 1.0, {-50, 0, 778}, {-50, 0, 813}, v0},
       {"apical_1", 306.0, 4.08, "apical_trunk", 1.0, {-50, 0, 813}, {-50, 0, 993}, v0},
       {"apical_tuft", 238.0, 3.4, "apical_1", 1.0, {-50, 0, 993}, {-50, 0, 1133}, v0},
       {"apical_oblique", 340.0, 3.91, "apical_trunk", 1.0, {-50, 0, 813}, {-250, 0, 813}, v0},
       {"basal_1", 85.0, 4.25, "soma", 0.0, {-50, 0, 765}, {-50, 0, 715}, v0},
       {"basal_2", 255.0, 2.72, "basal_1", 1.0, {-50, 0, 715}, {-156, 0, 609}, v0},
       {"basal_3", 255.0, 2.72, "basal_1", 1.0, {-50, 0, 715}, {56, 0, 609}, v0}});
  for (std::size_t s = 0; s < t.sections.size(); ++s) {
    section_mechanisms& m = t.mechanisms[s];
    m.hh2 = hh2_density{s == 0 ? 0.18 : 0.15, 0.01, 4.26e-5, -65.0};
    m.km = 250.0;
  }
  add_synapses(t, {"gabaa", "gabab"}, {"ampa", "nmda", "gabaa", "gabab"}, pyramidal_locations);
  t.dipole = true;
  t.dipole_axis = {0, 0, 1};  // the apical trunk's direction
  return t;
}

cable_template l5_pyramidal() {
  cable_template t =
      build("L5_pyramidal", 200.0, 0.85,
            {{"soma", 39.0, 28.9, nullptr, 0.0, {0, 0, 0}, {0, 0, 23}, -72.0},
             {"apical_trunk", 102.0, 10.2, "soma", 1.0, {0, 0, 23}, {0, 0, 83}, -72.0},
             {"apical_1", 680.0, 7.48, "apical_trunk", 1.0, {0, 0, 83}, {0, 0, 483}, -71.32},
             {"apical_2", 680.0, 4.93, "apical_1", 1.0, {0, 0, 483}, {0, 0, 883}, -69.08},
             {"apical_tuft", 425.0, 3.4, "apical_2", 1.0, {0, 0, 883}, {0, 0, 1133}, -67.30},
             {"apical_oblique", 255.0, 5.1, "apical_trunk", 1.0, {0, 0, 83}, {-150, 0, 83}, -72.0},
             {"basal_1", 85.0, 6.8, "soma", 0.0, {0, 0, 0}, {0, 0, -50}, -72.0},
             {"basal_2", 255.0, 8.5, "basal_1", 1.0, {0, 0, -50}, {-106, 0, -156}, -72.0},
             {"basal_3", 255.0, 8.5, "basal_1", 1.0, {0, 0, -50}, {106, 0, -156}, -72.0}});
  for (std::size_t s = 0; s < t.sections.size(); ++s) {
    section_mechanisms& m = t.mechanisms[s];
    const bool soma = s == 0;
    m.hh2 = hh2_density{soma ? 0.16 : 0.14, 0.01, 4.26e-5, soma ? -65.0 : -71.0};
    m.ca = 60.0;
    m.cad = 20.0;
    m.kca = 2e-4;
    m.km = 200.0;
    m.cat = 2e-4;
    // ar grows with the path distance from the soma's 0-end in the dendrites.
    m.ar = ar_density{1e-6, soma ? 0.0 : 0.003};
  }
  add_synapses(t, {"gabaa", "gabab"}, {"ampa", "nmda", "gabaa", "gabab"}, pyramidal_locations);
  t.dipole = true;
  t.dipole_axis = {0, 0, 1};
  return t;
}

}  // namespace

const std::vector<std::string>& hnn_cell_types() {
  static const std::vector<std::string> types = {"L2_basket", "L2_pyramidal", "L5_basket",
                                                 "L5_pyramidal"};
  return types;
}

const std::vector<hnn_receptor>& hnn_receptors() {
  static const std::vector<hnn_receptor> r = {{"ampa", 0.5, 5.0, 0.0},
                                              {"nmda", 1.0, 20.0, 0.0},
                                              {"gabaa", 0.5, 5.0, -80.0},
                                              {"gabab", 1.0, 20.0, -80.0}};
  return r;
}

cable_template hnn_cell_template(std::string_view type) {
  if (type == "L2_basket") return basket("L2_basket", true);
  if (type == "L5_basket") return basket("L5_basket", false);
  if (type == "L2_pyramidal") return l2_pyramidal();
  if (type == "L5_pyramidal") return l5_pyramidal();
  throw model_error("", "unknown HNN cell type \"" + std::string(type) +
                            "\" (allowed: L2_basket, L2_pyramidal, L5_basket, L5_pyramidal)");
}

}  // namespace myelin::detail

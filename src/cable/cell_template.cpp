#include "cable/cell_template.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "model/expression.hpp"
#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

const std::vector<mechanism_info>& template_mechanisms() {
  static const std::vector<mechanism_info> m = {
      {"hh2",
       {{"gnabar", 0.12, "S/cm2", "conductance"},
        {"gkbar", 0.036, "S/cm2", "conductance"},
        {"gl", 0.0003, "S/cm2", "conductance"},
        {"el", -54.3, "mV", "potential"}},
       "Na, K delayed rectifier and leak (Hodgkin-Huxley, HNN's hh2.mod)"},
      {"km", {{"gbar", 10.0, "pS/um2", "conductance"}}, "slow muscarinic K (km.mod)"},
      {"ca",
       {{"gbar", 0.1, "pS/um2", "conductance"}},
       "high-voltage-activated Ca (ca.mod); needs cad in the section"},
      {"cad", {{"taur", 200.0, "ms", "time"}}, "Ca shell with decay to 1e-4 mM (cad.mod)"},
      {"kca",
       {{"gbar", 10.0, "pS/um2", "conductance"}},
       "Ca-activated K (kca.mod); needs cad in the section"},
      {"cat", {{"gbar", 0.0, "S/cm2", "conductance"}}, "T-type Ca, reversal 125 mV (cat.mod)"},
      {"ar",
       {{"gbar", 0.0, "S/cm2", "conductance"}},
       "anomalous rectifier, reversal -35 mV (ar.mod)"},
      {"pas",
       {{"g", 0.001, "S/cm2", "conductance"}, {"e", -70.0, "mV", "potential"}},
       "passive leak (NEURON's pas)"},
  };
  return m;
}

namespace {

// NEURON keeps 3D-point diameters in single precision; a section's diam is read back
// from them, so e.g. 4.08 um is 4.079999923706055 um in HNN's cells.
double f32(double x) {
  return static_cast<double>(static_cast<float>(x));
}

std::string join_names(const std::vector<mechanism_info>& ms) {
  std::vector<std::string> v;
  for (const auto& m : ms) v.push_back(m.name);
  return join(v);
}

// A parameter's values along one section: one number, or one per segment.
density evaluate(const density_spec& d, const cable_tree& tree, int sec, const std::string& path) {
  const int nseg = tree.nseg[sec];
  if (const double* x = std::get_if<double>(&d)) return density(*x);
  if (const auto* v = std::get_if<std::vector<double>>(&d)) {
    if (v->size() != static_cast<std::size_t>(nseg))
      throw model_error(path, "has " + std::to_string(v->size()) +
                                  " values; give one per segment (" + std::to_string(nseg) +
                                  "), a number or an expression of d");
    return density(*v);
  }
  const expression e(std::get<expression_spec>(d).text, {"d"}, path);
  std::vector<double> out(nseg);
  for (int k = 0; k < nseg; ++k) {
    const double dist = tree.distance[tree.first_seg[sec] + k];
    out[k] = e(&dist);
  }
  return density(std::move(out));
}

void check_values(const density& d, const mechanism_param& p, const std::string& path) {
  const std::string kind = p.kind;
  for (const double v : d.values) {
    if (!std::isfinite(v)) throw model_error(path, "must be finite, got " + fmt(v));
    if (kind == "conductance" && v < 0.0)
      throw model_error(path, std::string("must be >= 0 [") + p.unit + "], got " + fmt(v));
    if (kind == "time" && !(v > 0.0))
      throw model_error(path, std::string("must be > 0 [") + p.unit + "], got " + fmt(v));
  }
}

// The section's mechanisms: every parameter at its default unless the template gives it.
section_mechanisms read_mechanisms(const cell_section_spec& sec, const cable_tree& tree, int s,
                                   const std::string& path) {
  const auto& known = template_mechanisms();
  section_mechanisms out;
  for (const auto& [name, params] : sec.mechanisms) {
    const std::string mpath = path + "." + name;
    const auto it = std::find_if(known.begin(), known.end(),
                                 [&](const mechanism_info& m) { return name == m.name; });
    if (it == known.end())
      throw model_error(mpath, "unknown mechanism (allowed: " + join_names(known) + ")");
    std::vector<std::string> allowed;
    for (const auto& p : it->params) allowed.push_back(p.name);
    for (const auto& [pname, value] : params)
      if (std::find(allowed.begin(), allowed.end(), pname) == allowed.end())
        throw model_error(mpath + "." + pname,
                          "unknown parameter of " + name + " (allowed: " + join(allowed) + ")");
    std::vector<density> v;
    for (const auto& p : it->params) {
      const auto given = params.find(p.name);
      const std::string ppath = mpath + "." + p.name;
      v.push_back(given == params.end() ? density(p.default_value)
                                        : evaluate(given->second, tree, s, ppath));
      check_values(v.back(), p, ppath);
    }
    if (name == "hh2") out.hh2 = hh2_density{v[0], v[1], v[2], v[3]};
    if (name == "km") out.km = v[0];
    if (name == "ca") out.ca = v[0];
    if (name == "cad") out.cad = v[0];
    if (name == "kca") out.kca = v[0];
    if (name == "cat") out.cat = v[0];
    if (name == "ar") out.ar = v[0];
    if (name == "pas") out.pas = pas_density{v[0], v[1]};
  }
  if ((out.ca || out.kca) && !out.cad)
    throw model_error(path,
                      "ca and kca need cad in the same section (cad makes the calcium "
                      "they use)");
  return out;
}

void check_name(const std::string& name, const std::string& path) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!ok)
    throw model_error(path, "a name of letters, digits and '_' is needed, got \"" + name + "\"");
}

void positive(double v, const std::string& path, const char* unit) {
  if (!(v > 0.0) || !std::isfinite(v))
    throw model_error(path, std::string("must be > 0 and finite [") + unit + "], got " + fmt(v));
}

}  // namespace

cable_template build_cable_template(const std::string& name, const cell_template_spec& spec,
                                    const std::string& path) {
  cable_template t;
  t.name = name;
  const std::string sp = path + ".sections";
  if (spec.sections.empty()) throw model_error(sp, "a cell template needs at least one section");
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < spec.sections.size(); ++i) {
    const cell_section_spec& s = spec.sections[i];
    const std::string p = sp + "[" + std::to_string(i) + "]";
    check_name(s.name, p + ".name");
    if (index.count(s.name)) throw model_error(p + ".name", "\"" + s.name + "\" is listed twice");
    positive(s.L, p + ".L", "um");
    positive(s.diam, p + ".diam", "um");
    positive(s.Ra, p + ".Ra", "ohm cm");
    positive(s.cm, p + ".cm", "uF/cm2");
    if (s.L > 1e6) throw model_error(p + ".L", "must be <= 1e6 um, got " + fmt(s.L));
    if (s.nseg < 0 || s.nseg > 100000)
      throw model_error(p + ".nseg", "must be in [0, 100000] (0: HNN's rule)");
    if (!std::isfinite(s.v0)) throw model_error(p + ".v0", "must be finite");
    cable_section c;
    c.name = s.name;
    c.length = s.L;
    c.diam = f32(s.diam);
    c.ra = s.Ra;
    c.cm = s.cm;
    c.nseg = s.nseg;
    if (i == 0) {
      if (!s.parent.empty())
        throw model_error(p + ".parent",
                          "the first section is the soma, the root of the tree: "
                          "it has no parent");
    } else {
      const auto it = index.find(s.parent);
      if (it == index.end())
        throw model_error(p + ".parent",
                          "must name a section listed before this one, got \"" + s.parent + "\"");
      c.parent = it->second;
    }
    if (!(s.parent_x >= 0.0 && s.parent_x <= 1.0))
      throw model_error(p + ".parent_x", "must be in [0, 1], got " + fmt(s.parent_x));
    c.parent_x = i == 0 ? 0.0 : s.parent_x;  // the root attaches nowhere
    c.p0 = s.end_pts[0];
    c.p1 = s.end_pts[1];
    index[s.name] = static_cast<int>(i);
    t.sections.push_back(c);
    t.v0.push_back(s.v0);
  }
  const cable_tree tree = discretise(t.sections);
  for (std::size_t i = 0; i < spec.sections.size(); ++i)
    t.mechanisms.push_back(read_mechanisms(spec.sections[i], tree, static_cast<int>(i),
                                           sp + "[" + std::to_string(i) + "].mechanisms"));

  // Synapses, section by section, receptors in the template's order.
  std::vector<std::vector<bool>> has(spec.synapses.size(),
                                     std::vector<bool>(spec.sections.size(), false));
  std::map<std::string, int> receptor_index;
  for (std::size_t r = 0; r < spec.synapses.size(); ++r) {
    const cell_receptor_spec& rc = spec.synapses[r];
    const std::string p = path + ".synapses[" + std::to_string(r) + "]";
    check_name(rc.name, p + ".name");
    if (receptor_index.count(rc.name))
      throw model_error(p + ".name", "receptor \"" + rc.name + "\" is listed twice");
    receptor_index[rc.name] = static_cast<int>(r);
    positive(rc.tau1, p + ".tau1", "ms");
    positive(rc.tau2, p + ".tau2", "ms");
    if (!std::isfinite(rc.e)) throw model_error(p + ".e", "must be finite");
    for (std::size_t k = 0; k < rc.sections.size(); ++k) {
      const auto it = index.find(rc.sections[k]);
      const std::string kp = p + ".sections[" + std::to_string(k) + "]";
      if (it == index.end())
        throw model_error(kp, "no section \"" + rc.sections[k] + "\" in the template");
      if (has[r][it->second])
        throw model_error(kp, "section \"" + rc.sections[k] + "\" is listed twice");
      has[r][it->second] = true;
    }
  }
  std::vector<std::vector<int>> synapse_of(spec.synapses.size(),
                                           std::vector<int>(spec.sections.size(), -1));
  for (std::size_t s = 0; s < spec.sections.size(); ++s)
    for (std::size_t r = 0; r < spec.synapses.size(); ++r)
      if (has[r][s]) {
        const cell_receptor_spec& rc = spec.synapses[r];
        synapse_of[r][s] = static_cast<int>(t.synapses.size());
        t.synapses.push_back({spec.sections[s].name + "_" + rc.name, static_cast<int>(s), 0.5,
                              rc.tau1, rc.tau2, rc.e});
      }

  // Ports: per location and receptor (where every section of the location has it), then
  // per synapse.
  std::map<std::string, bool> location_names;
  for (std::size_t l = 0; l < spec.locations.size(); ++l) {
    const cell_location_spec& loc = spec.locations[l];
    const std::string p = path + ".locations[" + std::to_string(l) + "]";
    check_name(loc.name, p + ".name");
    if (location_names.count(loc.name))
      throw model_error(p + ".name", "location \"" + loc.name + "\" is listed twice");
    location_names[loc.name] = true;
    std::vector<int> secs;
    for (std::size_t k = 0; k < loc.sections.size(); ++k) {
      const auto it = index.find(loc.sections[k]);
      if (it == index.end())
        throw model_error(p + ".sections[" + std::to_string(k) + "]",
                          "no section \"" + loc.sections[k] + "\" in the template");
      secs.push_back(it->second);
    }
    for (std::size_t r = 0; r < spec.synapses.size(); ++r) {
      port_spec port{loc.name + "_" + spec.synapses[r].name, {}};
      for (const int s : secs)
        if (synapse_of[r][s] >= 0) port.synapses.push_back(synapse_of[r][s]);
      if (!secs.empty() && port.synapses.size() == secs.size()) t.ports.push_back(port);
    }
  }
  for (std::size_t s = 0; s < t.synapses.size(); ++s) {
    const std::string& n = t.synapses[s].name;
    if (std::none_of(t.ports.begin(), t.ports.end(),
                     [&](const port_spec& p) { return p.name == n; }))
      t.ports.push_back({n, {static_cast<int>(s)}});
  }

  t.soma = 0;
  if (!std::isfinite(spec.spike_threshold))
    throw model_error(path + ".spike_threshold", "must be finite");
  t.spike_threshold = spec.spike_threshold;
  t.dipole = spec.dipole;
  const auto& ax = spec.dipole_axis;
  if (!(ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2] > 0.0) || !std::isfinite(ax[0]) ||
      !std::isfinite(ax[1]) || !std::isfinite(ax[2]))
    throw model_error(path + ".dipole_axis", "must be a finite, non-zero direction [x, y, z]");
  t.dipole_axis = ax;
  return t;
}

}  // namespace myelin::detail

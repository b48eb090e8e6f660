#include "model/json_templates.hpp"

#include "model/json_node.hpp"

namespace myelin::detail {

namespace {

std::array<double, 3> point(const node& n) {
  const std::vector<double> v = n.numbers();
  if (v.size() != 3) n.fail("expected [x, y, z], got " + std::to_string(v.size()) + " numbers");
  return {v[0], v[1], v[2]};
}

std::vector<std::string> names(const node& n) {
  if (!n.j.is_array()) n.fail("expected an array of section names, got " + type_name(n.j));
  return n.strings();
}

// A density: a number, one number per segment, or an expression of d (a string).
density_spec read_density(const node& n) {
  if (n.j.is_number()) return n.number();
  if (n.j.is_array()) return n.numbers();
  if (n.j.is_string()) return expression_spec{n.string()};
  n.fail(
      "expected a number, an array of numbers (one per segment) or an expression of d "
      "(a string), got " +
      type_name(n.j));
}

cell_section_spec read_section(const node& n) {
  n.expect_object({"name", "L", "diam", "Ra", "cm", "nseg", "parent", "parent_x", "end_pts", "v0",
                   "mechanisms"});
  cell_section_spec s;
  for (const char* f : {"name", "L", "diam", "Ra", "cm", "end_pts"})
    if (!n.has(f)) n.fail(std::string("missing field \"") + f + "\"");
  s.name = n.at("name").string();
  s.L = n.at("L").number();
  s.diam = n.at("diam").number();
  s.Ra = n.at("Ra").number();
  s.cm = n.at("cm").number();
  if (n.has("nseg")) {
    const int64_t k = n.at("nseg").integer();
    if (k < 0 || k > 100000) n.at("nseg").fail("must be in [0, 100000] (0: HNN's rule)");
    s.nseg = static_cast<int>(k);
  }
  if (n.has("parent")) s.parent = n.at("parent").string();
  if (n.has("parent_x")) s.parent_x = n.at("parent_x").number();
  const node pts = n.at("end_pts");
  if (!pts.j.is_array() || pts.j.size() != 2)
    pts.fail("expected two 3-D points [[x0, y0, z0], [x1, y1, z1]]");
  s.end_pts = {point(pts.at(std::size_t{0})), point(pts.at(std::size_t{1}))};
  if (n.has("v0")) s.v0 = n.at("v0").number();
  if (n.has("mechanisms")) {
    const node m = n.at("mechanisms");
    if (!m.j.is_object())
      m.fail("expected an object (mechanism -> parameters), got " + type_name(m.j));
    for (auto it = m.j.begin(); it != m.j.end(); ++it) {
      const node mech = m.at(it.key());
      if (!mech.j.is_object())
        mech.fail("expected an object (parameter -> density), got " + type_name(mech.j));
      auto& params = s.mechanisms[it.key()];
      for (auto p = mech.j.begin(); p != mech.j.end(); ++p)
        params[p.key()] = read_density(mech.at(p.key()));
    }
  }
  return s;
}

json density_json(const density_spec& d) {
  if (const double* x = std::get_if<double>(&d)) return *x;
  if (const auto* v = std::get_if<std::vector<double>>(&d)) return *v;
  return std::get<expression_spec>(d).text;
}

}  // namespace

cell_template_spec cell_template_from_json(const json& j, const std::string& path) {
  const node n{j, path};
  n.expect_object({"description", "sections", "synapses", "locations", "spike_threshold", "dipole",
                   "dipole_axis"});
  cell_template_spec t;
  if (n.has("description")) t.description = n.at("description").string();
  if (!n.has("sections")) n.fail("missing field \"sections\"");
  const node secs = n.at("sections");
  if (!secs.j.is_array()) secs.fail("expected an array of sections, got " + type_name(secs.j));
  for (std::size_t i = 0; i < secs.j.size(); ++i) t.sections.push_back(read_section(secs.at(i)));
  if (n.has("synapses")) {
    const node syn = n.at("synapses");
    if (!syn.j.is_array()) syn.fail("expected an array of receptors, got " + type_name(syn.j));
    for (std::size_t i = 0; i < syn.j.size(); ++i) {
      const node r = syn.at(i);
      r.expect_object({"name", "e", "tau1", "tau2", "sections"});
      for (const char* f : {"name", "e", "tau1", "tau2", "sections"})
        if (!r.has(f)) r.fail(std::string("missing field \"") + f + "\"");
      t.synapses.push_back({r.at("name").string(), r.at("e").number(), r.at("tau1").number(),
                            r.at("tau2").number(), names(r.at("sections"))});
    }
  }
  if (n.has("locations")) {
    const node loc = n.at("locations");
    if (!loc.j.is_array()) loc.fail("expected an array of locations, got " + type_name(loc.j));
    for (std::size_t i = 0; i < loc.j.size(); ++i) {
      const node l = loc.at(i);
      l.expect_object({"name", "sections"});
      if (!l.has("name") || !l.has("sections")) l.fail("needs \"name\" and \"sections\"");
      t.locations.push_back({l.at("name").string(), names(l.at("sections"))});
    }
  }
  if (n.has("spike_threshold")) t.spike_threshold = n.at("spike_threshold").number();
  if (n.has("dipole")) t.dipole = n.at("dipole").boolean();
  if (n.has("dipole_axis")) t.dipole_axis = point(n.at("dipole_axis"));
  return t;
}

json cell_template_to_json(const cell_template_spec& t) {
  json j = json::object();
  if (!t.description.empty()) j["description"] = t.description;
  j["sections"] = json::array();
  for (const cell_section_spec& s : t.sections) {
    json js = {{"name", s.name}, {"L", s.L}, {"diam", s.diam}, {"Ra", s.Ra}, {"cm", s.cm}};
    if (s.nseg > 0) js["nseg"] = s.nseg;
    if (!s.parent.empty()) {
      js["parent"] = s.parent;
      js["parent_x"] = s.parent_x;
    }
    js["end_pts"] = {s.end_pts[0], s.end_pts[1]};
    js["v0"] = s.v0;
    json m = json::object();
    for (const auto& [name, params] : s.mechanisms) {
      json jp = json::object();
      for (const auto& [p, d] : params) jp[p] = density_json(d);
      m[name] = jp;
    }
    js["mechanisms"] = m;
    j["sections"].push_back(js);
  }
  j["synapses"] = json::array();
  for (const cell_receptor_spec& r : t.synapses)
    j["synapses"].push_back({{"name", r.name},
                             {"e", r.e},
                             {"tau1", r.tau1},
                             {"tau2", r.tau2},
                             {"sections", r.sections}});
  j["locations"] = json::array();
  for (const cell_location_spec& l : t.locations)
    j["locations"].push_back({{"name", l.name}, {"sections", l.sections}});
  j["spike_threshold"] = t.spike_threshold;
  j["dipole"] = t.dipole;
  j["dipole_axis"] = t.dipole_axis;
  return j;
}

std::map<std::string, cell_template_spec> cell_templates_from_json(const json& j,
                                                                   const std::string& path) {
  const node n{j, path};
  if (!j.is_object())
    n.fail("expected an object (cell type name -> template), got " + type_name(j));
  std::map<std::string, cell_template_spec> out;
  for (auto it = j.begin(); it != j.end(); ++it)
    out[it.key()] = cell_template_from_json(it.value(), path + "." + it.key());
  return out;
}

json cell_templates_to_json(const std::map<std::string, cell_template_spec>& t) {
  json j = json::object();
  for (const auto& [name, spec] : t) j[name] = cell_template_to_json(spec);
  return j;
}

}  // namespace myelin::detail

// JSON documents <-> network description, field by field. Every error names the JSON
// path of the offending value (docs/model-file.md describes the format).

#include <cmath>
#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "model/format.hpp"
#include "model/json_io.hpp"
#include "model/json_node.hpp"
#include "model/json_templates.hpp"
#include "model/synapses.hpp"
#include "myelin/error.hpp"
#include "myelin/model.hpp"

namespace myelin {
namespace {

using json = nlohmann::json;
using detail::node;
using detail::type_name;

value_spec read_value(const node& n) {
  if (n.j.is_number()) return n.number();
  if (n.j.is_array()) return n.numbers();
  if (n.j.is_string()) return expression_spec{n.j.get<std::string>()};
  if (n.j.is_object()) {
    if (n.has("expression")) {
      n.expect_object({"expression"});
      return expression_spec{n.at("expression").string()};
    }
    if (!n.has("distribution"))
      n.fail("expected a number, an array, {\"distribution\": ...} or {\"expression\": ...}");
    distribution d;
    d.name = n.at("distribution").string();
    for (auto it = n.j.begin(); it != n.j.end(); ++it)
      if (it.key() != "distribution") d.params[it.key()] = n.at(it.key()).number();
    return d;
  }
  n.fail("expected a number, an array, a distribution or an expression, got " + type_name(n.j));
}

json write_value(const value_spec& v) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, double>) {
          return x;
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          return x;
        } else if constexpr (std::is_same_v<T, distribution>) {
          json j = {{"distribution", x.name}};
          for (const auto& [k, val] : x.params) j[k] = val;
          return j;
        } else {
          return json{{"expression", x.text}};
        }
      },
      v);
}

std::map<std::string, value_spec> read_values(const node& n) {
  if (!n.j.is_object()) n.fail("expected an object of name: value, got " + type_name(n.j));
  std::map<std::string, value_spec> m;
  for (auto it = n.j.begin(); it != n.j.end(); ++it) m[it.key()] = read_value(n.at(it.key()));
  return m;
}

selection_part read_part(const node& n) {
  selection_part p;
  if (n.j.is_string()) {
    p.population = n.string();
    return p;
  }
  n.expect_object({"population", "start", "stop", "step", "indices"});
  if (!n.has("population")) n.fail("missing field \"population\"");
  p.population = n.at("population").string();
  if (n.has("start")) p.start = n.at("start").integer();
  if (n.has("stop")) p.stop = n.at("stop").integer();
  if (n.has("step")) p.step = n.at("step").integer();
  if (n.has("indices")) {
    if (n.has("start") || n.has("stop") || n.has("step"))
      n.fail("give either \"indices\" or a slice (start/stop/step), not both");
    const node idx = n.at("indices");
    if (!idx.j.is_array()) idx.fail("expected an array of integers, got " + type_name(idx.j));
    std::vector<int64_t> v;
    for (std::size_t i = 0; i < idx.j.size(); ++i) v.push_back(idx.at(i).integer());
    p.indices = std::move(v);
  }
  return p;
}

selection read_selection(const node& n) {
  selection s;
  if (n.j.is_array()) {
    if (n.j.empty()) n.fail("an assembly needs at least one part");
    for (std::size_t i = 0; i < n.j.size(); ++i) s.parts.push_back(read_part(n.at(i)));
  } else {
    s.parts.push_back(read_part(n));
  }
  return s;
}

json write_selection(const selection& s) {
  json parts = json::array();
  for (const auto& p : s.parts) {
    if (!p.start && !p.stop && p.step == 1 && !p.indices) {
      parts.push_back(p.population);
      continue;
    }
    json j = {{"population", p.population}};
    if (p.start) j["start"] = *p.start;
    if (p.stop) j["stop"] = *p.stop;
    if (p.step != 1) j["step"] = p.step;
    if (p.indices) j["indices"] = *p.indices;
    parts.push_back(j);
  }
  return parts.size() == 1 ? parts[0] : parts;
}

positions_spec read_positions(const node& n) {
  n.expect_object({"kind", "shape", "spacing", "origin", "extent", "radius", "list"});
  positions_spec p;
  if (n.has("kind")) p.kind = n.at("kind").string();
  if (n.has("shape")) {
    p.shape.clear();
    const node s = n.at("shape");
    if (!s.j.is_array()) s.fail("expected an array of integers");
    for (std::size_t i = 0; i < s.j.size(); ++i)
      p.shape.push_back(static_cast<int>(s.at(i).integer()));
  }
  if (n.has("spacing")) p.spacing = n.at("spacing").numbers();
  if (n.has("origin")) p.origin = n.at("origin").numbers();
  if (n.has("extent")) p.extent = n.at("extent").numbers();
  if (n.has("radius")) p.radius = n.at("radius").number();
  if (n.has("list")) {
    const node l = n.at("list");
    if (!l.j.is_array()) l.fail("expected an array of [x, y, z]");
    for (std::size_t i = 0; i < l.j.size(); ++i) {
      auto v = l.at(i).numbers();
      if (v.size() != 3) l.at(i).fail("expected [x, y, z]");
      p.list.push_back({v[0], v[1], v[2]});
    }
  }
  return p;
}

json write_positions(const positions_spec& p) {
  json j = {{"kind", p.kind}};
  if (p.kind == "grid") {
    j["shape"] = p.shape;
    j["spacing"] = p.spacing;
  }
  j["origin"] = p.origin;
  if (p.kind == "random_box") j["extent"] = p.extent;
  if (p.kind == "random_sphere") j["radius"] = p.radius;
  if (p.kind == "list") {
    json l = json::array();
    for (const auto& x : p.list) l.push_back({x[0], x[1], x[2]});
    j["list"] = l;
  }
  return j;
}

// spike_times: one array of times (for every cell) or one array per cell.
std::vector<std::vector<double>> read_spike_times(const node& st) {
  if (!st.j.is_array()) st.fail("expected an array of times or an array of arrays");
  std::vector<std::vector<double>> out;
  if (!st.j.empty() && st.j[0].is_array()) {
    for (std::size_t i = 0; i < st.j.size(); ++i) out.push_back(st.at(i).numbers());
  } else {
    out.push_back(st.numbers());
  }
  return out;
}

uint64_t read_seed(const node& n) {
  return n.unsigned_integer();
}

population read_population(const node& n) {
  n.expect_object({"label", "size", "cell_type", "params", "initial", "positions", "spike_times"});
  population p;
  for (const char* req : {"label", "size", "cell_type"})
    if (!n.has(req)) n.fail(std::string("missing field \"") + req + "\"");
  p.label = n.at("label").string();
  p.size = n.at("size").integer();
  p.cell_type = n.at("cell_type").string();
  if (n.has("params")) p.params = read_values(n.at("params"));
  if (n.has("initial")) p.initial = read_values(n.at("initial"));
  if (n.has("positions")) p.positions = read_positions(n.at("positions"));
  if (n.has("spike_times")) p.spike_times = read_spike_times(n.at("spike_times"));
  return p;
}

connector read_connector(const node& n) {
  n.expect_object({"type", "p", "n", "allow_self_connections", "with_replacement", "d_expression",
                   "list", "pre", "post", "weight", "delay"});
  connector c;
  if (!n.has("type")) n.fail("missing field \"type\"");
  c.type = n.at("type").string();
  if (n.has("p")) c.p = n.at("p").number();
  if (n.has("n")) c.n = n.at("n").integer();
  if (n.has("allow_self_connections"))
    c.allow_self_connections = n.at("allow_self_connections").boolean();
  if (n.has("with_replacement")) c.with_replacement = n.at("with_replacement").boolean();
  if (n.has("d_expression")) c.d_expression = n.at("d_expression").string();
  if (n.has("list")) {
    const node l = n.at("list");
    if (!l.j.is_array()) l.fail("expected an array of [pre, post] or [pre, post, weight, delay]");
    for (std::size_t i = 0; i < l.j.size(); ++i) c.list.push_back(l.at(i).numbers());
  }
  // FromArrays' columns.
  auto integers = [](const node& a) {
    if (!a.j.is_array()) a.fail("expected an array of integers, got " + type_name(a.j));
    std::vector<int64_t> v;
    v.reserve(a.j.size());
    for (std::size_t i = 0; i < a.j.size(); ++i) v.push_back(a.at(i).integer());
    return v;
  };
  if (n.has("pre")) c.pre = integers(n.at("pre"));
  if (n.has("post")) c.post = integers(n.at("post"));
  if (n.has("weight")) c.weights = n.at("weight").numbers();
  if (n.has("delay")) c.delays = n.at("delay").numbers();
  return c;
}

projection read_projection(const node& n, std::size_t index) {
  n.expect_object({"label", "pre", "post", "connector", "receptor", "weight", "delay", "synapse"});
  projection p;
  for (const char* req : {"pre", "post", "connector"})
    if (!n.has(req)) n.fail(std::string("missing field \"") + req + "\"");
  p.pre = read_selection(n.at("pre"));
  p.post = read_selection(n.at("post"));
  p.label = n.has("label") ? n.at("label").string()
                           : p.pre.parts[0].population + "->" + p.post.parts[0].population + "#" +
                                 std::to_string(index);
  p.conn = read_connector(n.at("connector"));
  if (n.has("receptor")) p.receptor = n.at("receptor").string();
  if (n.has("weight")) p.weight = read_value(n.at("weight"));
  if (n.has("delay")) p.delay = read_value(n.at("delay"));
  if (n.has("synapse"))
    p.synapse = detail::synapse_from_json(n.at("synapse").j, n.at("synapse").path);
  return p;
}

stimulus read_stimulus(const node& n, std::size_t index) {
  if (!n.j.is_object()) n.fail("expected an object, got " + type_name(n.j));
  stimulus s;
  if (!n.has("type")) n.fail("missing field \"type\"");
  if (!n.has("target")) n.fail("missing field \"target\"");
  s.type = n.at("type").string();
  s.label = n.has("label") ? n.at("label").string() : s.type + "#" + std::to_string(index);
  s.target = read_selection(n.at("target"));
  for (auto it = n.j.begin(); it != n.j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "type" || k == "label" || k == "target") continue;
    if (k == "times") {
      s.times = n.at(k).numbers();
    } else if (k == "amplitudes") {
      s.amplitudes = n.at(k).numbers();
    } else {
      s.params[k] = n.at(k).number();
    }
  }
  return s;
}

recorder read_recorder(const node& n, std::size_t index) {
  n.expect_object({"label", "target", "variables", "interval", "start", "stop"});
  recorder r;
  if (!n.has("target")) n.fail("missing field \"target\"");
  if (!n.has("variables")) n.fail("missing field \"variables\"");
  r.label = n.has("label") ? n.at("label").string() : "recorder#" + std::to_string(index);
  r.target = read_selection(n.at("target"));
  r.variables = n.at("variables").strings();
  if (n.has("interval")) r.interval = n.at("interval").number();
  if (n.has("start")) r.start = n.at("start").number();
  if (n.has("stop")) r.stop = n.at("stop").number();
  return r;
}

std::map<std::string, double> read_number_map(const node& n) {
  if (!n.j.is_object()) n.fail("expected an object of population: number, got " + type_name(n.j));
  std::map<std::string, double> m;
  for (auto it = n.j.begin(); it != n.j.end(); ++it) m[it.key()] = n.at(it.key()).number();
  return m;
}

drive read_drive(const node& n, std::size_t index) {
  if (!n.j.is_object()) n.fail("expected an object, got " + type_name(n.j));
  drive d;
  d.label = n.has("label") ? n.at("label").string() : "drive" + std::to_string(index);
  if (n.has("type")) d.type = n.at("type").string();
  // HNN-core's defaults by type: space constant 3 for evoked drives, 100 for Poisson and
  // bursty; one drive cell per target, except bursty drives (one cell reaching every
  // target).
  d.space_constant = d.type == "poisson" || d.type == "bursty" ? 100.0 : 3.0;
  d.cell_specific = d.type != "bursty";
  // Every other field is a parameter of the drive's type: validation checks the names
  // against the type's (and says which it allows).
  for (auto it = n.j.begin(); it != n.j.end(); ++it) {
    const std::string& k = it.key();
    const node v = n.at(k);
    if (k == "label" || k == "type") continue;
    if (k == "location") {
      d.location = v.string();
    } else if (k == "weights_ampa") {
      d.weights_ampa = read_number_map(v);
    } else if (k == "weights_nmda") {
      d.weights_nmda = read_number_map(v);
    } else if (k == "delays") {
      d.delays = read_number_map(v);
    } else if (k == "amplitudes") {
      d.amplitudes = read_number_map(v);
    } else if (k == "rates") {
      d.rates = read_number_map(v);
    } else if (k == "space_constant") {
      d.space_constant = v.number();
    } else if (k == "origin") {
      d.origin = v.numbers();
    } else if (k == "cell_specific") {
      d.cell_specific = v.boolean();
    } else if (k == "n_drive_cells") {
      d.n_drive_cells = v.integer();
    } else if (k == "probability") {
      d.probability = v.number();
    } else if (k == "seed") {
      d.seed = read_seed(v);
    } else if (k == "spike_times") {
      d.spike_times = read_spike_times(v);
    } else {
      d.params[k] = v.number();
    }
  }
  return d;
}

electrode_array read_electrode_array(const node& n, std::size_t index) {
  n.expect_object({"label", "positions", "conductivity", "method", "min_distance"});
  electrode_array a;
  a.label = n.has("label") ? n.at("label").string() : "array" + std::to_string(index);
  if (!n.has("positions")) n.fail("missing field \"positions\" (a list of [x, y, z] in um)");
  const node l = n.at("positions");
  if (!l.j.is_array()) l.fail("expected an array of [x, y, z] in um, got " + type_name(l.j));
  for (std::size_t i = 0; i < l.j.size(); ++i) {
    const auto v = l.at(i).numbers();
    if (v.size() != 3) l.at(i).fail("expected [x, y, z] in um");
    a.positions.push_back({v[0], v[1], v[2]});
  }
  if (n.has("conductivity")) a.conductivity = n.at("conductivity").number();
  if (n.has("method")) a.method = n.at("method").string();
  if (n.has("min_distance")) a.min_distance = n.at("min_distance").number();
  return a;
}

}  // namespace

namespace detail {

nlohmann::json to_json(const network& net) {
  json j;
  j["name"] = net.name;
  if (!net.description.empty()) j["description"] = net.description;
  j["dt"] = net.dt;
  j["tstop"] = net.tstop;
  j["seed"] = net.seed;
  j["populations"] = json::array();
  for (const auto& p : net.populations) {
    json pj = {{"label", p.label}, {"size", p.size}, {"cell_type", p.cell_type}};
    json params = json::object(), initial = json::object();
    for (const auto& [k, v] : p.params) params[k] = write_value(v);
    for (const auto& [k, v] : p.initial) initial[k] = write_value(v);
    pj["params"] = params;
    pj["initial"] = initial;
    if (p.positions) pj["positions"] = write_positions(*p.positions);
    if (!p.spike_times.empty()) pj["spike_times"] = p.spike_times;
    j["populations"].push_back(pj);
  }
  j["projections"] = json::array();
  for (const auto& p : net.projections) {
    json c = {{"type", p.conn.type}};
    if (p.conn.type == "FixedProbability") c["p"] = p.conn.p;
    if (p.conn.type.rfind("FixedNumber", 0) == 0 || p.conn.type == "FixedTotalNumber")
      c["n"] = p.conn.n;
    if (!p.conn.allow_self_connections) c["allow_self_connections"] = false;
    if (p.conn.with_replacement) c["with_replacement"] = *p.conn.with_replacement;
    if (!p.conn.d_expression.empty()) c["d_expression"] = p.conn.d_expression;
    if (!p.conn.list.empty()) c["list"] = p.conn.list;
    if (p.conn.type == "FromArrays") {
      c["pre"] = p.conn.pre;
      c["post"] = p.conn.post;
      if (!p.conn.weights.empty()) c["weight"] = p.conn.weights;
      if (!p.conn.delays.empty()) c["delay"] = p.conn.delays;
    }
    j["projections"].push_back({{"label", p.label},
                                {"pre", write_selection(p.pre)},
                                {"post", write_selection(p.post)},
                                {"connector", c},
                                {"receptor", p.receptor},
                                {"weight", write_value(p.weight)},
                                {"delay", write_value(p.delay)}});
    if (p.synapse) j["projections"].back()["synapse"] = detail::synapse_to_json(*p.synapse);
  }
  j["stimuli"] = json::array();
  for (const auto& s : net.stimuli) {
    json sj = {{"label", s.label}, {"type", s.type}, {"target", write_selection(s.target)}};
    for (const auto& [k, v] : s.params) sj[k] = v;
    if (!s.times.empty() || s.type == "StepCurrentSource") {
      sj["times"] = s.times;
      sj["amplitudes"] = s.amplitudes;
    }
    j["stimuli"].push_back(sj);
  }
  j["recorders"] = json::array();
  for (const auto& r : net.recorders) {
    json rj = {{"label", r.label},
               {"target", write_selection(r.target)},
               {"variables", r.variables},
               {"interval", r.interval},
               {"start", r.start}};
    if (r.stop) rj["stop"] = *r.stop;
    j["recorders"].push_back(rj);
  }
  if (!net.drives.empty()) {
    j["drives"] = json::array();
    for (const auto& d : net.drives) {
      json dj = {{"label", d.label},
                 {"type", d.type},
                 {"location", d.location},
                 {"space_constant", d.space_constant},
                 {"origin", d.origin},
                 {"cell_specific", d.cell_specific},
                 {"n_drive_cells", d.n_drive_cells},
                 {"probability", d.probability},
                 {"seed", d.seed}};
      if (!d.weights_ampa.empty()) dj["weights_ampa"] = d.weights_ampa;
      if (!d.weights_nmda.empty()) dj["weights_nmda"] = d.weights_nmda;
      if (!d.delays.empty()) dj["delays"] = d.delays;
      if (!d.amplitudes.empty()) dj["amplitudes"] = d.amplitudes;
      if (!d.rates.empty()) dj["rates"] = d.rates;
      for (const auto& [k, v] : d.params) dj[k] = v;
      if (!d.spike_times.empty()) dj["spike_times"] = d.spike_times;
      j["drives"].push_back(dj);
    }
  }
  if (!net.cell_templates.empty()) j["cell_templates"] = cell_templates_to_json(net.cell_templates);
  if (!net.electrode_arrays.empty()) {
    j["electrode_arrays"] = json::array();
    for (const auto& a : net.electrode_arrays)
      j["electrode_arrays"].push_back({{"label", a.label},
                                       {"positions", a.positions},
                                       {"conductivity", a.conductivity},
                                       {"method", a.method},
                                       {"min_distance", a.min_distance}});
  }
  if (!net.cell_types.empty()) j["cell_types"] = cell_types_to_json(net.cell_types);
  return j;
}

network from_json(const json& doc) {
  const node root{doc, ""};
  root.expect_object({"name", "dt", "tstop", "seed", "populations", "projections", "stimuli",
                      "recorders", "description", "drives", "cell_templates", "electrode_arrays",
                      "cell_types"});
  network net;
  if (root.has("name")) net.name = root.at("name").string();
  if (root.has("description")) net.description = root.at("description").string();
  if (root.has("dt")) net.dt = root.at("dt").number();
  if (root.has("tstop")) net.tstop = root.at("tstop").number();
  if (root.has("seed")) net.seed = read_seed(root.at("seed"));
  if (root.has("cell_types")) net.cell_types = cell_types_from_json(doc.at("cell_types"));
  auto list = [&](const char* key) -> std::optional<node> {
    if (!root.has(key)) return std::nullopt;
    node n = root.at(key);
    if (!n.j.is_array()) n.fail("expected an array, got " + type_name(n.j));
    return n;
  };
  if (!root.has("populations")) root.fail("missing field \"populations\"");
  if (auto n = list("populations"))
    for (std::size_t i = 0; i < n->j.size(); ++i)
      net.populations.push_back(read_population(n->at(i)));
  if (auto n = list("projections"))
    for (std::size_t i = 0; i < n->j.size(); ++i)
      net.projections.push_back(read_projection(n->at(i), i));
  if (auto n = list("stimuli"))
    for (std::size_t i = 0; i < n->j.size(); ++i) net.stimuli.push_back(read_stimulus(n->at(i), i));
  if (auto n = list("recorders"))
    for (std::size_t i = 0; i < n->j.size(); ++i)
      net.recorders.push_back(read_recorder(n->at(i), i));
  if (auto n = list("drives"))
    for (std::size_t i = 0; i < n->j.size(); ++i) net.drives.push_back(read_drive(n->at(i), i));
  if (root.has("cell_templates"))
    net.cell_templates = cell_templates_from_json(doc.at("cell_templates"), "cell_templates");
  if (auto n = list("electrode_arrays"))
    for (std::size_t i = 0; i < n->j.size(); ++i)
      net.electrode_arrays.push_back(read_electrode_array(n->at(i), i));
  return net;
}

}  // namespace detail
}  // namespace myelin

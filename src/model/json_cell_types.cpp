// The model file's "cell_types" object (docs/equations.md) <-> cell_type_spec. Errors
// name the JSON path (cell_types.<name>.<field>).

#include <cmath>
#include <sstream>

#include "model/format.hpp"
#include "model/json_io.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

using json = nlohmann::json;

std::string text_of(const json& j, const std::string& path, bool lines) {
  if (j.is_string()) return j.get<std::string>();
  if (lines && j.is_array()) {
    std::string s;
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (!j[i].is_string())
        throw model_error(path + "[" + std::to_string(i) + "]", "expected a string");
      if (i) s += '\n';
      s += j[i].get<std::string>();
    }
    return s;
  }
  throw model_error(
      path, lines ? "expected a string or an array of strings (lines)" : "expected a string");
}

// A quantity as text: "140*nS", or a plain number (dimensionless).
std::string quantity_of(const json& j, const std::string& path) {
  if (j.is_number()) {
    const double v = j.get<double>();
    if (!std::isfinite(v)) throw model_error(path, "expected a finite number");
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
  }
  if (j.is_string()) return j.get<std::string>();
  throw model_error(path, "expected a quantity with its unit, e.g. \"140*nS\", or a number");
}

std::map<std::string, std::string> quantities(const json& j, const std::string& path) {
  if (!j.is_object()) throw model_error(path, "expected an object {name: value}");
  std::map<std::string, std::string> m;
  for (auto it = j.begin(); it != j.end(); ++it)
    m[it.key()] = quantity_of(it.value(), path + "." + it.key());
  return m;
}

void only(const json& j, const std::string& path, const std::vector<std::string>& allowed) {
  if (!j.is_object()) throw model_error(path, "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == it.key();
    if (!ok)
      throw model_error(path + "." + it.key(), "unknown field (allowed: " + join(allowed) + ")");
  }
}

json lines_of(const std::string& s) {
  json a = json::array();
  std::size_t b = 0;
  while (b <= s.size()) {
    std::size_t e = s.find('\n', b);
    if (e == std::string::npos) e = s.size();
    a.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return a;
}

}  // namespace

std::map<std::string, cell_type_spec> cell_types_from_json(const json& j) {
  if (!j.is_object()) throw model_error("cell_types", "expected an object {name: definition}");
  std::map<std::string, cell_type_spec> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string f = "cell_types." + it.key();
    const json& d = it.value();
    only(d, f,
         {"equations", "parameters", "initial", "threshold", "reset", "refractory", "method",
          "current", "receptors"});
    cell_type_spec s;
    if (!d.contains("equations")) throw model_error(f, "missing field \"equations\"");
    s.equations = text_of(d.at("equations"), f + ".equations", true);
    if (d.contains("parameters")) s.parameters = quantities(d.at("parameters"), f + ".parameters");
    if (d.contains("initial")) s.initial = quantities(d.at("initial"), f + ".initial");
    if (d.contains("threshold")) s.threshold = text_of(d.at("threshold"), f + ".threshold", false);
    if (d.contains("reset")) s.reset = text_of(d.at("reset"), f + ".reset", true);
    if (d.contains("refractory")) s.refractory = quantity_of(d.at("refractory"), f + ".refractory");
    if (d.contains("method")) s.method = text_of(d.at("method"), f + ".method", false);
    if (d.contains("current")) s.current = text_of(d.at("current"), f + ".current", false);
    if (d.contains("receptors")) {
      const json& rs = d.at("receptors");
      const std::string fr = f + ".receptors";
      if (!rs.is_object()) throw model_error(fr, "expected an object {receptor name: {...}}");
      for (auto r = rs.begin(); r != rs.end(); ++r) {
        const std::string p = fr + "." + r.key();
        only(r.value(), p, {"variable", "kind", "shape", "tau"});
        receptor_spec rec;
        rec.name = r.key();
        const json& v = r.value();
        for (const char* req : {"variable", "tau"})
          if (!v.contains(req)) throw model_error(p, std::string("missing field \"") + req + "\"");
        rec.variable = text_of(v.at("variable"), p + ".variable", false);
        rec.tau = quantity_of(v.at("tau"), p + ".tau");
        if (v.contains("kind")) rec.kind = text_of(v.at("kind"), p + ".kind", false);
        if (v.contains("shape")) rec.shape = text_of(v.at("shape"), p + ".shape", false);
        s.receptors.push_back(rec);
      }
    }
    out[it.key()] = s;
  }
  return out;
}

json cell_types_to_json(const std::map<std::string, cell_type_spec>& types) {
  json j = json::object();
  for (const auto& [name, s] : types) {
    json d = {{"equations", lines_of(s.equations)}};
    if (!s.parameters.empty()) d["parameters"] = s.parameters;
    if (!s.initial.empty()) d["initial"] = s.initial;
    if (!s.threshold.empty()) d["threshold"] = s.threshold;
    if (!s.reset.empty()) d["reset"] = s.reset;
    if (!s.refractory.empty()) d["refractory"] = s.refractory;
    if (!s.method.empty()) d["method"] = s.method;
    if (!s.current.empty()) d["current"] = s.current;
    if (!s.receptors.empty()) {
      json rs = json::object();
      for (const auto& r : s.receptors)
        rs[r.name] = {
            {"variable", r.variable}, {"kind", r.kind}, {"shape", r.shape}, {"tau", r.tau}};
      d["receptors"] = rs;
    }
    j[name] = d;
  }
  return j;
}

}  // namespace myelin::detail

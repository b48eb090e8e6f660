// A projection's "synapse": JSON <-> synapse_spec and validation (synapses.hpp).

#include "model/synapses.hpp"

#include <cmath>
#include <vector>

#include "model/format.hpp"
#include "myelin/catalogue.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

using json = nlohmann::json;

const std::vector<std::string> synapse_types{
    "StaticSynapse",           "TsodyksMarkramSynapse",
    "SimpleStochasticSynapse", "StochasticTsodyksMarkramSynapse",
    "MultiQuantalSynapse",     "STDPMechanism"};
const std::vector<std::string> timing_types{"SpikePairRule"};
const std::vector<std::string> weight_types{
    "AdditiveWeightDependence", "MultiplicativeWeightDependence",
    "AdditivePotentiationMultiplicativeDepression", "GutigWeightDependence"};

// {"type": ..., name: number, ...} with the members named in `nested` read by the caller.
void read_component(const json& j, const std::string& path, std::string& type,
                    std::map<std::string, double>& params, const std::vector<std::string>& nested) {
  if (!j.is_object()) throw model_error(path, "expected an object with a \"type\"");
  if (!j.contains("type")) throw model_error(path, "missing field \"type\"");
  if (!j.at("type").is_string()) throw model_error(path + ".type", "expected a string");
  type = j.at("type").get<std::string>();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "type" || std::find(nested.begin(), nested.end(), it.key()) != nested.end())
      continue;
    const std::string f = path + "." + it.key();
    if (!it->is_number()) throw model_error(f, "expected a number");
    const double v = it->get<double>();
    if (!std::isfinite(v)) throw model_error(f, "expected a finite number");
    params[it.key()] = v;
  }
}

void check_component(const std::string& type, const std::map<std::string, double>& params,
                     const std::vector<std::string>& allowed, const std::string& path,
                     const char* what) {
  if (std::find(allowed.begin(), allowed.end(), type) == allowed.end())
    throw model_error(path + ".type", "unknown " + std::string(what) + " '" + type +
                                          "' (allowed: " + join(allowed) + ")");
  const component_info* info = find_component(synapse_catalogue(), type);
  std::vector<std::string> names;
  for (const auto& p : info->params) names.push_back(p.name);
  for (const auto& [k, v] : params)
    if (std::find(names.begin(), names.end(), k) == names.end())
      throw model_error(path + "." + k, "unknown parameter of " + type + " (allowed: " +
                                            (names.empty() ? std::string("none") : join(names)) +
                                            ")");
}

void check_range(double v, bool ok, const std::string& field, const std::string& allowed) {
  if (!ok) throw model_error(field, "must be " + allowed + ", got " + fmt(v));
}

}  // namespace

synapse_spec synapse_from_json(const json& j, const std::string& path) {
  synapse_spec s;
  read_component(j, path, s.type, s.params, {"timing_dependence", "weight_dependence"});
  if (j.contains("timing_dependence"))
    read_component(j.at("timing_dependence"), path + ".timing_dependence", s.timing_dependence.type,
                   s.timing_dependence.params, {});
  if (j.contains("weight_dependence"))
    read_component(j.at("weight_dependence"), path + ".weight_dependence", s.weight_dependence.type,
                   s.weight_dependence.params, {});
  return s;
}

json synapse_to_json(const synapse_spec& s) {
  json j = {{"type", s.type}};
  for (const auto& [k, v] : s.params) j[k] = v;
  for (const auto* c : {&s.timing_dependence, &s.weight_dependence}) {
    if (c->type.empty()) continue;
    json cj = {{"type", c->type}};
    for (const auto& [k, v] : c->params) cj[k] = v;
    j[c == &s.timing_dependence ? "timing_dependence" : "weight_dependence"] = cj;
  }
  return j;
}

double synapse_param(const std::string& type, const std::map<std::string, double>& given,
                     const std::string& name) {
  if (auto it = given.find(name); it != given.end()) return it->second;
  for (const auto& p : find_component(synapse_catalogue(), type)->params)
    if (p.name == name) return p.default_value;
  throw internal_error("synapse parameter '" + name + "' is not in the catalogue for " + type);
}

void check_synapse(const projection& pr, double dt, const std::string& field) {
  const synapse_spec& s = *pr.synapse;
  const std::string f = field + ".synapse";
  check_component(s.type, s.params, synapse_types, f, "synapse type");
  const bool stdp = s.type == "STDPMechanism";
  for (const auto* c : {&s.timing_dependence, &s.weight_dependence}) {
    const std::string fc =
        f + (c == &s.timing_dependence ? ".timing_dependence" : ".weight_dependence");
    if (!stdp && !c->type.empty()) throw model_error(fc, "only an STDPMechanism takes this field");
    if (stdp && c->type.empty())
      throw model_error(fc,
                        "missing (an STDPMechanism needs both timing_dependence and "
                        "weight_dependence)");
  }
  auto p = [&](const std::string& type, const std::map<std::string, double>& given,
               const std::string& name) { return synapse_param(type, given, name); };
  if (s.type == "TsodyksMarkramSynapse" || s.type == "StochasticTsodyksMarkramSynapse" ||
      s.type == "MultiQuantalSynapse") {
    const double U = p(s.type, s.params, "U"), tr = p(s.type, s.params, "tau_rec"),
                 tf = p(s.type, s.params, "tau_facil");
    check_range(U, U > 0 && U <= 1, f + ".U", "in (0, 1]");
    check_range(tr, tr > 0, f + ".tau_rec", "> 0 ms");
    check_range(tf, tf >= 0, f + ".tau_facil", ">= 0 ms");
    if (s.type != "TsodyksMarkramSynapse") {
      const double u0 = p(s.type, s.params, "u0");
      check_range(u0, u0 >= 0 && u0 <= 1, f + ".u0", "in [0, 1]");
    }
    if (s.type == "MultiQuantalSynapse") {
      const double n = p(s.type, s.params, "n");
      check_range(n, n >= 1 && n <= 65535 && n == std::floor(n), f + ".n",
                  "a whole number in [1, 65535]");
    }
  } else if (s.type == "SimpleStochasticSynapse") {
    const double x = p(s.type, s.params, "p");
    check_range(x, x >= 0 && x <= 1, f + ".p", "in [0, 1]");
  } else if (stdp) {
    const double x = p(s.type, s.params, "dendritic_delay_fraction");
    check_range(x, x >= 0 && x <= 1, f + ".dendritic_delay_fraction", "in [0, 1]");
    if (const double* d = std::get_if<double>(&pr.delay))
      if ((1.0 - 2.0 * x) * std::round(*d / dt) >= 1.0 - 1e-9)
        throw model_error(f + ".dendritic_delay_fraction",
                          "must be >= 0.5 here, or (1 - 2 f) delay must stay below one time "
                          "step: with f = " +
                              fmt(x) + " and a delay of " + fmt(*d) +
                              " ms, a spike would pair with postsynaptic spikes after its "
                              "delivery");
    const auto& td = s.timing_dependence;
    const auto& wd = s.weight_dependence;
    check_component(td.type, td.params, timing_types, f + ".timing_dependence",
                    "timing dependence");
    check_component(wd.type, wd.params, weight_types, f + ".weight_dependence",
                    "weight dependence");
    for (const char* n : {"tau_plus", "tau_minus"}) {
      const double v = p(td.type, td.params, n);
      check_range(v, v > 0, f + ".timing_dependence." + n, "> 0 ms");
    }
    for (const char* n : {"A_plus", "A_minus"}) {
      const double v = p(td.type, td.params, n);
      check_range(v, v >= 0, f + ".timing_dependence." + n, ">= 0");
    }
    const double lo = p(wd.type, wd.params, "w_min"), hi = p(wd.type, wd.params, "w_max");
    check_range(hi, hi >= lo, f + ".weight_dependence.w_max", ">= w_min (" + fmt(lo) + ")");
    if (wd.type == "GutigWeightDependence")
      for (const char* n : {"mu_plus", "mu_minus"}) {
        const double v = p(wd.type, wd.params, n);
        check_range(v, v >= 0, f + ".weight_dependence." + n, ">= 0");
      }
  }
}

}  // namespace myelin::detail

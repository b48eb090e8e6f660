// The catalogue of names a model may use (include/myelin/catalogue.hpp): one table per
// kind of component. Validation (schema.hpp's stimulus_schemas and connector_types), the
// builder and `myelin info` are derived from these tables.

#include "myelin/catalogue.hpp"

#include <limits>

#include "random/distributions.hpp"

namespace myelin {
namespace {

constexpr double required = std::numeric_limits<double>::quiet_NaN();

}  // namespace

const std::vector<component_info>& connector_catalogue() {
  static const std::vector<component_info> c{
      {"AllToAll", "every pre cell to every post cell", {}},
      {"OneToOne", "pre cell i to post cell i (equal sizes)", {}},
      {"FixedProbability",
       "each pair independently with probability p",
       {{"p", "", required, "probability"}}},
      {"FixedNumberPre",
       "n sources drawn for each post cell",
       {{"n", "", required, "sources per cell"}}},
      {"FixedNumberPost",
       "n targets drawn for each pre cell",
       {{"n", "", required, "targets per cell"}}},
      {"FixedTotalNumber", "n pairs drawn in all", {{"n", "", required, "connections"}}},
      {"DistanceDependentProbability",
       "each pair with probability d_expression(d, dx, dy, dz) of their distance [um]",
       {}},
      {"FromList", "the (pre, post[, weight, delay]) rows of \"list\"", {}},
  };
  return c;
}

const std::vector<component_info>& current_source_catalogue() {
  static const std::vector<component_info> c{
      {"DCSource",
       "constant current between start and stop",
       {{"amplitude", "nA", 1.0, "current"},
        {"start", "ms", 0.0, "on at"},
        {"stop", "ms", 1e12, "off at"}}},
      {"StepCurrentSource", "piecewise constant: \"amplitudes\" from \"times\" [ms] on", {}},
      {"ACSource",
       "offset + amplitude sin(2 pi frequency (t - start) + phase) between start and stop",
       {{"amplitude", "nA", 1.0, "amplitude"},
        {"offset", "nA", 0.0, "offset"},
        {"frequency", "Hz", 10.0, "frequency"},
        {"phase", "deg", 0.0, "phase"},
        {"start", "ms", 0.0, "on at"},
        {"stop", "ms", 1e12, "off at"}}},
      {"NoisyCurrentSource",
       "a new normal value per cell every dt between start and stop",
       {{"mean", "nA", 0.0, "mean"},
        {"stdev", "nA", 1.0, "standard deviation"},
        {"dt", "ms", 0.0, "interval between values (0 = the time step)"},
        {"start", "ms", 0.0, "on at"},
        {"stop", "ms", 1e12, "off at"}}},
  };
  return c;
}

const std::vector<component_info>& distribution_catalogue() {
  static const std::vector<component_info> c = [] {
    std::vector<component_info> v;
    for (const auto& d : detail::distribution_table()) {
      component_info info{d.name, d.doc, {}};
      for (const auto& p : d.params) info.params.push_back({p, "", required, ""});
      v.push_back(std::move(info));
    }
    return v;
  }();
  return c;
}

const std::vector<component_info>& synapse_catalogue() {
  static const std::vector<component_info> c{
      {"StaticSynapse",
       "fixed weight and delay",
       {{"weight", "nA or uS", 0.0, "current (current-based) or conductance (conductance-based)"},
        {"delay", "ms", 0.1, "whole time steps, at least one"}}},
  };
  return c;
}

const component_info* find_component(const std::vector<component_info>& list,
                                     const std::string& name) {
  for (const auto& c : list)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace myelin

// The catalogue of names a model may use (include/myelin/catalogue.hpp): one table per
// kind of component. Validation (schema.hpp's stimulus_schemas and connector_types), the
// builder's and the engine's dispatch (by kind: model/catalogue.hpp) and `myelin info`
// are derived from these tables.

#include "model/catalogue.hpp"

#include <limits>

#include "myelin/error.hpp"
#include "random/distributions.hpp"

namespace myelin {
namespace detail {
namespace {

constexpr double required = std::numeric_limits<double>::quiet_NaN();

template <class Entry>
std::vector<component_info> infos_of(const std::vector<Entry>& entries) {
  std::vector<component_info> v;
  for (const auto& e : entries) v.push_back(e.info);
  return v;
}

template <class Entry>
auto kind_of(const std::vector<Entry>& entries, const std::string& name, const char* what) {
  for (const auto& e : entries)
    if (e.info.name == name) return e.kind;
  throw internal_error(std::string(what) + " '" + name + "' passed validation but is not in " +
                       "the catalogue");
}

}  // namespace

const std::vector<connector_entry>& connector_entries() {
  using k = connector_kind;
  static const std::vector<connector_entry> c{
      {k::all_to_all, {"AllToAll", "every pre cell to every post cell", {}}},
      {k::one_to_one, {"OneToOne", "pre cell i to post cell i (equal sizes)", {}}},
      {k::fixed_probability,
       {"FixedProbability",
        "each pair independently with probability p",
        {{"p", "", required, "probability"}}}},
      {k::fixed_number_pre,
       {"FixedNumberPre",
        "n sources drawn for each post cell",
        {{"n", "", required, "sources per cell"}}}},
      {k::fixed_number_post,
       {"FixedNumberPost",
        "n targets drawn for each pre cell",
        {{"n", "", required, "targets per cell"}}}},
      {k::fixed_total_number,
       {"FixedTotalNumber", "n pairs drawn in all", {{"n", "", required, "connections"}}}},
      {k::distance_dependent_probability,
       {"DistanceDependentProbability",
        "each pair with probability d_expression(d, dx, dy, dz) of their distance [um]",
        {}}},
      {k::from_list, {"FromList", "the (pre, post[, weight, delay]) rows of \"list\"", {}}},
      {k::from_arrays,
       {"FromArrays",
        "connection i from \"pre\"[i] to \"post\"[i] with \"weight\"[i], \"delay\"[i] "
        "(columns; the projection's weight or delay where a column is absent)",
        {}}},
  };
  return c;
}

const std::vector<current_source_entry>& current_source_entries() {
  using k = current_source_kind;
  static const std::vector<current_source_entry> c{
      {k::dc,
       {"DCSource",
        "constant current between start and stop",
        {{"amplitude", "nA", 1.0, "current"},
         {"start", "ms", 0.0, "on at"},
         {"stop", "ms", 1e12, "off at"}}}},
      {k::step,
       {"StepCurrentSource", "piecewise constant: \"amplitudes\" from \"times\" [ms] on", {}}},
      {k::ac,
       {"ACSource",
        "offset + amplitude sin(2 pi frequency (t - start) + phase) between start and stop",
        {{"amplitude", "nA", 1.0, "amplitude"},
         {"offset", "nA", 0.0, "offset"},
         {"frequency", "Hz", 10.0, "frequency"},
         {"phase", "deg", 0.0, "phase"},
         {"start", "ms", 0.0, "on at"},
         {"stop", "ms", 1e12, "off at"}}}},
      {k::noise,
       {"NoisyCurrentSource",
        "a new normal value per cell every dt between start and stop",
        {{"mean", "nA", 0.0, "mean"},
         {"stdev", "nA", 1.0, "standard deviation"},
         {"dt", "ms", 0.0, "interval between values (0 = the time step)"},
         {"start", "ms", 0.0, "on at"},
         {"stop", "ms", 1e12, "off at"}}}},
  };
  return c;
}

connector_kind connector_kind_of(const std::string& name) {
  return kind_of(connector_entries(), name, "connector");
}

current_source_kind current_source_kind_of(const std::string& name) {
  return kind_of(current_source_entries(), name, "current source");
}

}  // namespace detail

const std::vector<component_info>& connector_catalogue() {
  static const std::vector<component_info> c = detail::infos_of(detail::connector_entries());
  return c;
}

const std::vector<component_info>& current_source_catalogue() {
  static const std::vector<component_info> c = detail::infos_of(detail::current_source_entries());
  return c;
}

const std::vector<component_info>& distribution_catalogue() {
  static const std::vector<component_info> c = [] {
    std::vector<component_info> v;
    for (const auto& d : detail::distribution_table()) {
      component_info info{d.name, d.doc, {}};
      for (const auto& p : d.params) info.params.push_back({p, "", detail::required, ""});
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
      {"TsodyksMarkramSynapse",
       "short-term depression and facilitation: the weight scaled by u x at each spike",
       {{"U", "", 0.5, "use parameter, in (0, 1]"},
        {"tau_rec", "ms", 100.0, "depression (recovery) time constant, > 0"},
        {"tau_facil", "ms", 0.0, "facilitation time constant, >= 0 (0: none)"}}},
      {"SimpleStochasticSynapse",
       "each spike transmitted with probability p",
       {{"p", "", 0.5, "probability of transmission, in [0, 1]"}}},
      {"StochasticTsodyksMarkramSynapse",
       "Tsodyks-Markram with stochastic release: one site, released with probability u, "
       "ready again after an exponential time of mean tau_rec",
       {{"U", "", 0.5, "use parameter, in (0, 1]"},
        {"tau_rec", "ms", 100.0, "depression (recovery) time constant, > 0"},
        {"tau_facil", "ms", 0.0, "facilitation time constant, >= 0 (0: none)"},
        {"u0", "", 0.0, "u before the first spike (as if after a spike at t = 0), in [0, 1]"}}},
      {"MultiQuantalSynapse",
       "StochasticTsodyksMarkramSynapse with n sites: weight x released / n per spike",
       {{"U", "", 0.5, "use parameter, in (0, 1]"},
        {"n", "", 1.0, "release sites per synapse, a whole number in [1, 65535]"},
        {"tau_rec", "ms", 800.0, "depression (recovery) time constant, > 0"},
        {"tau_facil", "ms", 0.0, "facilitation time constant, >= 0 (0: none)"},
        {"u0", "", 0.0, "u before the first spike (as if after a spike at t = 0), in [0, 1]"}}},
      {"STDPMechanism",
       "pair-based STDP: \"timing_dependence\" and \"weight_dependence\" objects (below)",
       {{"dendritic_delay_fraction", "", 1.0, "dendritic part of the delay, in [0, 1]"}}},
      {"SpikePairRule",
       "STDPMechanism timing_dependence: all pairs, exponential windows",
       {{"tau_plus", "ms", 20.0, "potentiation time constant, > 0"},
        {"tau_minus", "ms", 20.0, "depression time constant, > 0"},
        {"A_plus", "", 0.01, "potentiation amplitude, >= 0"},
        {"A_minus", "", 0.01, "depression amplitude, >= 0"}}},
      {"AdditiveWeightDependence",
       "STDPMechanism weight_dependence: dw = w_max A K, clipped to [w_min, w_max]",
       {{"w_min", "nA or uS", 0.0, "lower bound"}, {"w_max", "nA or uS", 1.0, "upper bound"}}},
      {"MultiplicativeWeightDependence",
       "STDPMechanism weight_dependence: up (w_max - w) A+ K, down (w - w_min) A- K",
       {{"w_min", "nA or uS", 0.0, "lower bound"}, {"w_max", "nA or uS", 1.0, "upper bound"}}},
      {"AdditivePotentiationMultiplicativeDepression",
       "STDPMechanism weight_dependence: up w_max A+ K, down (w - w_min) A- K",
       {{"w_min", "nA or uS", 0.0, "lower bound"}, {"w_max", "nA or uS", 1.0, "upper bound"}}},
      {"GutigWeightDependence",
       "STDPMechanism weight_dependence: powers mu_plus, mu_minus of the distances to the bounds",
       {{"w_min", "nA or uS", 0.0, "lower bound"},
        {"w_max", "nA or uS", 1.0, "upper bound"},
        {"mu_plus", "", 0.5, "potentiation exponent, >= 0"},
        {"mu_minus", "", 0.5, "depression exponent, >= 0"}}},
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

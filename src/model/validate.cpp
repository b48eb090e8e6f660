// Validation of a network description. Every check throws model_error naming the JSON
// path of the offending value and what is allowed; nothing invalid reaches the build.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "equations/cell_type.hpp"
#include "hnn/drives.hpp"
#include "model/catalogue.hpp"
#include "model/electrodes.hpp"
#include "model/expression.hpp"
#include "model/format.hpp"
#include "model/schema.hpp"
#include "model/selection.hpp"
#include "model/synapses.hpp"
#include "myelin/catalogue.hpp"
#include "myelin/error.hpp"
#include "random/distributions.hpp"

namespace myelin {
namespace detail {

const std::map<std::string, std::map<std::string, double>>& stimulus_schemas() {
  static const auto s = [] {
    std::map<std::string, std::map<std::string, double>> m;
    for (const auto& c : current_source_catalogue())
      for (auto& params = m[c.name]; const auto& p : c.params) params[p.name] = p.default_value;
    return m;
  }();
  return s;
}

std::map<std::string, double> stimulus_params(const stimulus& s) {
  auto p = stimulus_schemas().at(s.type);
  for (const auto& [k, v] : s.params) p[k] = v;
  return p;
}

const std::vector<std::string>& connector_types() {
  static const auto t = [] {
    std::vector<std::string> v;
    for (const auto& c : connector_catalogue()) v.push_back(c.name);
    return v;
  }();
  return t;
}

std::map<std::string, double> defaults_of(const cell_type_info& t, bool state) {
  std::map<std::string, double> m;
  for (const auto& p : state ? t.state : t.params) m[p.name] = p.default_value;
  return m;
}

namespace {

// Allowed range of a named physical parameter: (lo, hi), open or closed.
struct range {
  double lo, hi;
  bool lo_open;
  std::string text;
};
range range_of(const std::string& name) {
  if (name == "tau_refrac" || name == "duration" || name == "start" || name == "rate" ||
      name == "g_leak" || name.rfind("gbar_", 0) == 0 || name == "delta_T" || name == "lambda0")
    return {0.0, INFINITY, false, ">= 0"};
  if (name.rfind("tau_", 0) == 0 || name == "cm" || name == "alpha" || name == "delta_v")
    return {0.0, INFINITY, true, "> 0"};
  if (name == "beta") return {0.0, INFINITY, false, ">= 0"};
  return {-INFINITY, INFINITY, false, "finite"};
}

void check_range(double v, const range& r, const std::string& field) {
  if (!std::isfinite(v)) throw model_error(field, "must be finite");
  const bool ok = r.lo_open ? v > r.lo : v >= r.lo;
  if (!ok || v > r.hi) throw model_error(field, "must be " + r.text + ", got " + fmt(v));
}

// Checks a parameter value spec: arrays have the population's size, distributions are
// valid and their support lies inside the allowed range, expressions are not allowed.
void check_value(const value_spec& v, int64_t size, const range& r, const std::string& field) {
  if (const double* x = std::get_if<double>(&v)) {
    check_range(*x, r, field);
  } else if (const auto* a = std::get_if<std::vector<double>>(&v)) {
    if (static_cast<int64_t>(a->size()) != size)
      throw model_error(field, "array has " + std::to_string(a->size()) +
                                   " values but the population has " + std::to_string(size) +
                                   " cells");
    for (std::size_t i = 0; i < a->size(); ++i)
      check_range((*a)[i], r, field + "[" + std::to_string(i) + "]");
  } else if (const auto* d = std::get_if<distribution>(&v)) {
    const sampler s(*d, field);
    const double lo = s.lower_bound(), hi = s.upper_bound();
    if ((r.lo_open ? lo <= r.lo : lo < r.lo) || hi > r.hi)
      throw model_error(field, "distribution '" + d->name + "' can produce values outside the " +
                                   "allowed range (" + r.text + "); use normal_clipped or " +
                                   "uniform with suitable bounds");
  } else {
    const auto& text = std::get<expression_spec>(v).text;
    throw model_error(field,
                      "must be a number, an array of numbers or a distribution, got the "
                      "string \"" +
                          text +
                          "\" (expressions of distance are allowed only for weights, "
                          "delays and DistanceDependentProbability)");
  }
}

void check_positions(const population& p, const std::string& f) {
  const auto& pos = *p.positions;
  if (pos.origin.size() != 3) throw model_error(f + ".origin", "expected [x, y, z]");
  if (pos.kind == "grid") {
    if (pos.shape.empty() || pos.shape.size() > 3)
      throw model_error(f + ".shape", "expected 1 to 3 grid dimensions");
    int64_t prod = 1;
    for (int s : pos.shape) {
      if (s < 1) throw model_error(f + ".shape", "every dimension must be >= 1");
      prod *= s;
    }
    if (prod != p.size)
      throw model_error(f + ".shape", "grid holds " + std::to_string(prod) +
                                          " cells but the population has " +
                                          std::to_string(p.size));
    if (pos.spacing.size() < pos.shape.size())
      throw model_error(f + ".spacing", "needs one spacing per grid dimension");
  } else if (pos.kind == "random_box") {
    if (pos.extent.size() != 3) throw model_error(f + ".extent", "expected [dx, dy, dz]");
    for (double e : pos.extent)
      if (!(e >= 0)) throw model_error(f + ".extent", "edge lengths must be >= 0");
  } else if (pos.kind == "random_sphere") {
    if (!(pos.radius > 0)) throw model_error(f + ".radius", "must be > 0, got " + fmt(pos.radius));
  } else if (pos.kind == "list") {
    if (static_cast<int64_t>(pos.list.size()) != p.size)
      throw model_error(f + ".list",
                        "needs one position per cell (" + std::to_string(p.size) + ")");
  } else {
    throw model_error(f + ".kind", "unknown kind '" + pos.kind +
                                       "' (allowed: grid, random_box, random_sphere, list)");
  }
}

void check_population(const network& net, const population& p, const std::string& f) {
  if (p.label.empty()) throw model_error(f + ".label", "must not be empty");
  if (p.label.find_first_of("/.") != std::string::npos)
    throw model_error(f + ".label", "must not contain '/' or '.', got '" + p.label + "'");
  if (p.size < 1) throw model_error(f + ".size", "must be >= 1, got " + std::to_string(p.size));
  if (p.size > (int64_t{1} << 32)) throw model_error(f + ".size", "must be < 2^32");
  const cell_type_info* t = find_cell_type(net, p.cell_type);
  if (!t) {
    std::vector<std::string> names;
    for (const auto& c : cell_types()) names.push_back(c.name);
    for (const auto& [name, spec] : net.cell_templates) names.push_back(name);
    throw model_error(f + ".cell_type",
                      "unknown cell type '" + p.cell_type + "' (allowed: " + join(names) + ")");
  }
  for (const auto& [name, v] : p.params) {
    bool known = false;
    for (const auto& q : t->params) known = known || q.name == name;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& q : t->params) names.push_back(q.name);
      throw model_error(f + ".params." + name, "unknown parameter of " + t->name + " (allowed: " +
                                                   (names.empty() ? "none" : join(names)) + ")");
    }
    check_value(v, p.size, range_of(name), f + ".params." + name);
  }
  for (const auto& [name, v] : p.initial) {
    bool known = false;
    for (const auto& q : t->state) known = known || q.name == name;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& q : t->state) names.push_back(q.name);
      throw model_error(f + ".initial." + name,
                        "unknown state variable of " + t->name +
                            " (allowed: " + (names.empty() ? "none" : join(names)) + ")");
    }
    check_value(v, p.size, {-INFINITY, INFINITY, false, "finite"}, f + ".initial." + name);
  }
  if (p.cell_type == "SpikeSourcePoissonRefractory") {
    // The mean interval must hold the dead time. Checked here when both are numbers;
    // the source checks every cell's values before each run segment.
    auto value = [&](const char* name) {
      const auto it = p.params.find(name);
      if (it == p.params.end()) return defaults_of(*t, false).at(name);
      const double* x = std::get_if<double>(&it->second);
      return x ? *x : NAN;
    };
    const double rate = value("rate"), dead = value("tau_refrac");
    if (rate * dead > 1000.0)
      throw model_error(f + ".params.tau_refrac",
                        "must be <= 1000/rate = " + fmt(1000.0 / rate) +
                            " ms (the mean interval holds the dead time), got " + fmt(dead));
  }
  if (!p.spike_times.empty()) {
    if (p.cell_type != "SpikeSourceArray")
      throw model_error(f + ".spike_times", "only SpikeSourceArray takes spike_times");
    if (p.spike_times.size() != 1 && static_cast<int64_t>(p.spike_times.size()) != p.size)
      throw model_error(f + ".spike_times", "give one list for all cells or one per cell (" +
                                                std::to_string(p.size) + ")");
    for (std::size_t i = 0; i < p.spike_times.size(); ++i) {
      const auto& st = p.spike_times[i];
      for (std::size_t k = 0; k < st.size(); ++k) {
        const bool bad = !std::isfinite(st[k]) || st[k] < 0;
        if (!bad && (k == 0 || st[k] >= st[k - 1])) continue;
        // Built by append: GCC 12 warns falsely (-Wrestrict) on "[" + std::string.
        std::string fk = f + ".spike_times";
        if (p.spike_times.size() > 1) fk.append(1, '[').append(std::to_string(i)).append(1, ']');
        fk.append(1, '[').append(std::to_string(k)).append(1, ']');
        throw model_error(fk, bad ? "spike times must be >= 0" : "spike times must not decrease");
      }
    }
  }
  if (p.positions) check_positions(p, f + ".positions");
  (void)net;
}

void check_weight_delay(const network& net, const projection& pr, const std::string& f,
                        const gid_layout& layout) {
  // Every post population must take synaptic input of one consistent kind.
  std::string kind;
  const std::vector<std::size_t> post_pops = populations_of(net, pr.post, f + ".post");
  for (std::size_t pi : post_pops) {
    const cell_type_info* t = find_cell_type(net, net.populations[pi].cell_type);
    if (t->synapse_kind == "none")
      throw model_error(f + ".post", "population '" + net.populations[pi].label + "' (" + t->name +
                                         ") is a spike source and cannot receive connections");
    if (!kind.empty() && kind != t->synapse_kind)
      throw model_error(f + ".post",
                        "mixes current-based and conductance-based cells; split "
                        "the projection");
    kind = t->synapse_kind;
  }
  // The receptor must exist on every target population, at the same index (one
  // projection table serves them all).
  int receptor = -1;
  for (std::size_t pi : post_pops) {
    const cell_type_info* t = find_cell_type(net, net.populations[pi].cell_type);
    const int r = receptor_index(*t, pr.receptor);
    if (r < 0) {
      throw model_error(f + ".receptor", "unknown receptor '" + pr.receptor + "' on " + t->name +
                                             " (allowed: " + join(t->receptors) + ")");
    }
    if (receptor >= 0 && r != receptor)
      throw model_error(f + ".post", "targets cell types whose receptor '" + pr.receptor +
                                         "' differs; split the projection");
    receptor = r;
  }
  // PyNN's sign convention.
  range wr{-INFINITY, INFINITY, false, "finite"};
  if (kind == "conductance" || pr.receptor == "excitatory")
    wr = {0.0, INFINITY, false, ">= 0 (" + pr.receptor + " on " + kind + "-based cells)"};
  else
    wr = {-INFINITY, 0.0, false,
          "<= 0 (inhibitory weights on " + kind + "-based cells are negative)"};
  const std::vector<std::string> vars{"d", "dx", "dy", "dz"};
  auto check = [&](const value_spec& v, const range& r, const std::string& field) {
    if (std::holds_alternative<std::vector<double>>(v))
      throw model_error(field,
                        "per-connection arrays are not supported here; use FromList "
                        "with weights and delays in the list");
    if (const auto* e = std::get_if<expression_spec>(&v)) {
      expression(e->text, vars, field);  // syntax check; values are checked at build
      return;
    }
    check_value(v, 1, r, field);
  };
  check(pr.weight, wr, f + ".weight");
  const range dr{net.dt * (1 - 1e-9), INFINITY, false, ">= the time step " + fmt(net.dt) + " ms"};
  check(pr.delay, dr, f + ".delay");
  for (std::size_t i = 0; i < pr.conn.list.size(); ++i) {
    const auto& row = pr.conn.list[i];
    const std::string fr = f + ".connector.list[" + std::to_string(i) + "]";
    if (row.size() >= 3) check_range(row[2], wr, fr + "[2]");
    if (row.size() >= 4) check_range(row[3], dr, fr + "[3]");
  }
  // FromArrays' columns (their lengths and indices: check_from_arrays).
  // (10^7 entries: the field's name is made only for the one that fails.)
  auto check_column = [](const std::vector<double>& v, const range& r, const std::string& name) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double x = v[i];
      if (std::isfinite(x) && (r.lo_open ? x > r.lo : x >= r.lo) && x <= r.hi) continue;
      check_range(x, r, name + "[" + std::to_string(i) + "]");
    }
  };
  check_column(pr.conn.weights, wr, f + ".connector.weight");
  check_column(pr.conn.delays, dr, f + ".connector.delay");
  (void)layout;
}

// FromArrays: columns of one length, indices within the selections, and a scalar
// projection weight or delay where a column is absent. Other connectors have no columns.
void check_from_arrays(const projection& pr, bool from_arrays, uint64_t n_pre, uint64_t n_post,
                       const std::string& f) {
  const connector& c = pr.conn;
  const std::string fc = f + ".connector";
  if (!from_arrays) {
    if (!c.pre.empty() || !c.post.empty() || !c.weights.empty() || !c.delays.empty())
      throw model_error(fc, "pre, post, weight and delay columns belong to FromArrays only");
    return;
  }
  const std::size_t n = c.pre.size();
  if (c.post.size() != n)
    throw model_error(fc + ".post", "has " + std::to_string(c.post.size()) + " entries, pre has " +
                                        std::to_string(n));
  if (!c.weights.empty() && c.weights.size() != n)
    throw model_error(fc + ".weight", "has " + std::to_string(c.weights.size()) +
                                          " entries, pre has " + std::to_string(n) +
                                          " (give one per connection, or none)");
  if (!c.delays.empty() && c.delays.size() != n)
    throw model_error(fc + ".delay", "has " + std::to_string(c.delays.size()) +
                                         " entries, pre has " + std::to_string(n) +
                                         " (give one per connection, or none)");
  for (std::size_t i = 0; i < n; ++i) {
    if (c.pre[i] < 0 || static_cast<uint64_t>(c.pre[i]) >= n_pre)
      throw model_error(
          fc + ".pre[" + std::to_string(i) + "]",
          "index " + std::to_string(c.pre[i]) + " is outside [0, " + std::to_string(n_pre) + ")");
    if (c.post[i] < 0 || static_cast<uint64_t>(c.post[i]) >= n_post)
      throw model_error(
          fc + ".post[" + std::to_string(i) + "]",
          "index " + std::to_string(c.post[i]) + " is outside [0, " + std::to_string(n_post) + ")");
  }
  if (c.weights.empty() && !std::holds_alternative<double>(pr.weight))
    throw model_error(f + ".weight",
                      "FromArrays without a weight column takes one number for every connection");
  if (c.delays.empty() && !std::holds_alternative<double>(pr.delay))
    throw model_error(f + ".delay",
                      "FromArrays without a delay column takes one number for every connection");
}

void check_projection(const network& net, const gid_layout& layout, const projection& pr,
                      const std::string& f) {
  const uint64_t n_pre = count_selection(net, layout, pr.pre, f + ".pre");
  const uint64_t n_post = count_selection(net, layout, pr.post, f + ".post");
  if (n_pre == 0) throw model_error(f + ".pre", "selects no cells");
  if (n_post == 0) throw model_error(f + ".post", "selects no cells");
  const auto& c = pr.conn;
  const std::string fc = f + ".connector";
  const auto& types = connector_types();
  if (std::find(types.begin(), types.end(), c.type) == types.end())
    throw model_error(fc + ".type",
                      "unknown connector '" + c.type + "' (allowed: " + join(types) + ")");
  using ck = connector_kind;
  const ck kind = connector_kind_of(c.type);
  if (kind == ck::fixed_probability && !(c.p >= 0.0 && c.p <= 1.0))
    throw model_error(fc + ".p", "must be in [0, 1], got " + fmt(c.p));
  if (kind == ck::one_to_one && n_pre != n_post)
    throw model_error(fc, "OneToOne needs pre and post of equal size (" + std::to_string(n_pre) +
                              " vs " + std::to_string(n_post) + ")");
  if (kind == ck::fixed_number_pre || kind == ck::fixed_number_post ||
      kind == ck::fixed_total_number) {
    if (c.n < 0) throw model_error(fc + ".n", "must be >= 0, got " + std::to_string(c.n));
    const bool repl = c.with_replacement.value_or(kind == ck::fixed_total_number);
    const std::size_t pool = kind == ck::fixed_number_pre    ? n_pre
                             : kind == ck::fixed_number_post ? n_post
                                                             : n_pre * n_post;
    if (!repl && static_cast<std::size_t>(c.n) > pool)
      throw model_error(fc + ".n", "n = " + std::to_string(c.n) + " exceeds the " +
                                       std::to_string(pool) +
                                       " candidates (set with_replacement to true)");
  }
  if (kind == ck::distance_dependent_probability) {
    if (c.d_expression.empty()) throw model_error(fc + ".d_expression", "missing");
    expression(c.d_expression, {"d", "dx", "dy", "dz"}, fc + ".d_expression");
    for (std::size_t pi : populations_of(net, pr.pre, f + ".pre"))
      if (!net.populations[pi].positions)
        throw model_error(fc, "DistanceDependentProbability needs positions on population '" +
                                  net.populations[pi].label + "'");
    for (std::size_t pi : populations_of(net, pr.post, f + ".post"))
      if (!net.populations[pi].positions)
        throw model_error(fc, "DistanceDependentProbability needs positions on population '" +
                                  net.populations[pi].label + "'");
  }
  if (kind == ck::from_list) {
    for (std::size_t i = 0; i < c.list.size(); ++i) {
      const auto& row = c.list[i];
      const std::string fr = fc + ".list[" + std::to_string(i) + "]";
      if (row.size() != 2 && row.size() != 4)
        throw model_error(fr, "expected [pre, post] or [pre, post, weight, delay]");
      if (row[0] < 0 || row[0] >= static_cast<double>(n_pre) || row[0] != std::floor(row[0]))
        throw model_error(fr + "[0]",
                          "pre index must be an integer in [0, " + std::to_string(n_pre) + ")");
      if (row[1] < 0 || row[1] >= static_cast<double>(n_post) || row[1] != std::floor(row[1]))
        throw model_error(fr + "[1]",
                          "post index must be an integer in [0, " + std::to_string(n_post) + ")");
    }
  }
  check_from_arrays(pr, kind == ck::from_arrays, n_pre, n_post, f);
  check_weight_delay(net, pr, f, layout);
  if (pr.synapse) check_synapse(pr, net.dt, f);
}

void check_stimulus(const network& net, const gid_layout& layout, const stimulus& s,
                    const std::string& f) {
  const auto& schemas = stimulus_schemas();
  auto it = schemas.find(s.type);
  if (it == schemas.end()) {
    std::vector<std::string> names;
    for (const auto& [k, v] : schemas) names.push_back(k);
    throw model_error(f + ".type",
                      "unknown current source '" + s.type + "' (allowed: " + join(names) + ")");
  }
  for (const auto& [k, v] : s.params) {
    if (!it->second.count(k)) {
      std::vector<std::string> names;
      for (const auto& [n, d] : it->second) names.push_back(n);
      if (current_source_kind_of(s.type) == current_source_kind::step)
        names = {"times", "amplitudes"};
      throw model_error(f + "." + k,
                        "unknown parameter of " + s.type + " (allowed: " + join(names) + ")");
    }
    if (!std::isfinite(v)) throw model_error(f + "." + k, "must be finite");
  }
  const auto p = stimulus_params(s);
  if (p.count("start") && p.count("stop") && p.at("stop") < p.at("start"))
    throw model_error(f + ".stop", "must be >= start");
  const current_source_kind kind = current_source_kind_of(s.type);
  if (kind == current_source_kind::noise) {
    if (p.at("stdev") < 0) throw model_error(f + ".stdev", "must be >= 0");
    const double ndt = p.at("dt");
    if (ndt != 0.0 &&
        (ndt < net.dt * (1 - 1e-9) || std::abs(ndt / net.dt - std::round(ndt / net.dt)) > 1e-6))
      throw model_error(f + ".dt", "must be a multiple of the time step " + fmt(net.dt) +
                                       " ms (or 0 for every step), got " + fmt(ndt));
  }
  if (kind == current_source_kind::step) {
    if (s.times.size() != s.amplitudes.size())
      throw model_error(f + ".amplitudes",
                        "needs one amplitude per time (" + std::to_string(s.times.size()) + ")");
    for (std::size_t i = 0; i < s.times.size(); ++i) {
      if (!(s.times[i] >= 0))
        throw model_error(f + ".times[" + std::to_string(i) + "]", "must be >= 0");
      if (i > 0 && s.times[i] <= s.times[i - 1])
        throw model_error(f + ".times[" + std::to_string(i) + "]", "times must increase");
    }
  } else if (!s.times.empty() || !s.amplitudes.empty()) {
    throw model_error(f, "times/amplitudes belong to StepCurrentSource only");
  }
  count_selection(net, layout, s.target, f + ".target");
  for (std::size_t pi : populations_of(net, s.target, f + ".target"))
    if (find_cell_type(net, net.populations[pi].cell_type)->synapse_kind == "none")
      throw model_error(f + ".target", "population '" + net.populations[pi].label +
                                           "' is a spike source; current cannot be injected");
    else if (!find_cell_type(net, net.populations[pi].cell_type)->takes_current)
      throw model_error(f + ".target", "population '" + net.populations[pi].label + "' (" +
                                           net.populations[pi].cell_type +
                                           ") has no current symbol; name one in its cell "
                                           "type's \"current\"");
}

void check_recorder(const network& net, const gid_layout& layout, const recorder& r,
                    const std::string& f) {
  count_selection(net, layout, r.target, f + ".target");
  if (r.variables.empty()) throw model_error(f + ".variables", "name at least one variable");
  for (std::size_t pi : populations_of(net, r.target, f + ".target")) {
    const cell_type_info* t = find_cell_type(net, net.populations[pi].cell_type);
    for (std::size_t i = 0; i < r.variables.size(); ++i) {
      const auto& v = r.variables[i];
      if (std::find(t->recordable.begin(), t->recordable.end(), v) == t->recordable.end())
        throw model_error(f + ".variables[" + std::to_string(i) + "]",
                          "'" + v + "' is not recordable from " + t->name +
                              " (allowed: " + join(t->recordable) + ")");
    }
  }
  if (r.interval < 0 ||
      (r.interval > 0 && std::abs(r.interval / net.dt - std::round(r.interval / net.dt)) > 1e-6))
    throw model_error(f + ".interval", "must be a multiple of the time step " + fmt(net.dt) +
                                           " ms (0 = every step), got " + fmt(r.interval));
  if (r.start < 0) throw model_error(f + ".start", "must be >= 0");
  if (r.stop && *r.stop < r.start) throw model_error(f + ".stop", "must be >= start");
}

}  // namespace
}  // namespace detail

void validate(const network& net) {
  using namespace detail;
  // Cell types from equations first: populations name them.
  eq::ensure_cell_types(net);
  if (!(net.dt > 0) || !std::isfinite(net.dt))
    throw model_error("dt", "must be > 0, got " + fmt(net.dt));
  if (!(net.tstop > 0) || !std::isfinite(net.tstop))
    throw model_error("tstop", "must be > 0, got " + fmt(net.tstop));
  if (net.dt > net.tstop)
    throw model_error("dt", "must be <= tstop (" + fmt(net.tstop) + " ms), got " + fmt(net.dt));
  if (net.tstop / net.dt >= 2147483648.0)
    throw model_error("tstop", fmt(net.tstop) + " ms is " + fmt(net.tstop / net.dt) +
                                   " time steps of " + fmt(net.dt) +
                                   " ms; a run is limited to 2^31 steps");
  if (const double steps = net.tstop / net.dt;
      std::abs(steps - std::round(steps)) > 1e-6 * std::max(1.0, steps))
    throw model_error("tstop", fmt(net.tstop) + " ms is not a whole number of time steps (dt = " +
                                   fmt(net.dt) + " ms)");
  // Cell templates: a name of their own, and every field valid (building one checks it).
  for (const auto& [name, spec] : net.cell_templates) {
    const std::string f = "cell_templates." + name;
    if (name.empty() || name.find_first_of("/. ") != std::string::npos)
      throw model_error(f, "a cell type's name must be non-empty, without '/', '.' or spaces");
    if (find_cell_type(name))
      throw model_error(f, "'" + name +
                               "' is a built-in cell type; give the template another "
                               "name (e.g. " +
                               name + "_custom)");
    find_cell_type(net, name);
  }
  if (net.populations.empty()) throw model_error("populations", "the model has no population");
  std::set<std::string> labels;
  for (std::size_t i = 0; i < net.populations.size(); ++i) {
    const std::string f = "populations[" + std::to_string(i) + "]";
    check_population(net, net.populations[i], f);
    if (!labels.insert(net.populations[i].label).second)
      throw model_error(f + ".label",
                        "duplicate population label '" + net.populations[i].label + "'");
  }
  const gid_layout layout(net);
  for (std::size_t i = 0; i < net.projections.size(); ++i)
    check_projection(net, layout, net.projections[i], "projections[" + std::to_string(i) + "]");
  for (std::size_t i = 0; i < net.stimuli.size(); ++i)
    check_stimulus(net, layout, net.stimuli[i], "stimuli[" + std::to_string(i) + "]");
  for (std::size_t i = 0; i < net.recorders.size(); ++i)
    check_recorder(net, layout, net.recorders[i], "recorders[" + std::to_string(i) + "]");
  check_drives(net);
  check_electrode_arrays(net);
}

}  // namespace myelin

// Changes between run segments (simulation.hpp): parameters and state of cells, spike
// times of SpikeSourceArray, steps of StepCurrentSource; and per-cell spike counts and
// the network's delays. A change is checked against a model holding only the
// populations and current sources (the description's own indices, so errors name the
// same JSON paths), never against a copy of the connections, which may be 10^7 long.

#include <algorithm>
#include <cmath>

#include "engine/simulation_impl.hpp"
#include "model/schema.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"

namespace myelin {

using namespace detail;

namespace {

// The description without its projections and recorders: enough to validate a changed
// population or current source (their indices are unchanged).
network cells_only(const network& n) {
  network c;
  c.name = n.name;
  c.dt = n.dt;
  c.tstop = n.tstop;
  c.seed = n.seed;
  c.populations = n.populations;
  c.stimuli = n.stimuli;
  c.cell_templates = n.cell_templates;
  return c;
}

const cell_type_info& type_of(const network& net, const population& pop) {
  return *find_cell_type(net, pop.cell_type);
}

}  // namespace

namespace {

// Validates `pop` (population p of the description) changed, then makes it the
// description's. Throws model_error as validate() would for the whole model.
void accept_population(network& described, std::size_t p, population pop) {
  network check = cells_only(described);
  check.populations[p] = pop;
  validate(check);
  described.populations[p] = std::move(pop);
}

}  // namespace

void simulation::set_population_param(const std::string& population, const std::string& param,
                                      double value) {
  set_population_param(population, param, std::vector<double>{value});
}

void simulation::set_population_param(const std::string& population, const std::string& param,
                                      const std::vector<double>& values) {
  engine& m = impl_->eng;
  const std::size_t p = find_population(m.net, population, "populations");
  auto& pop = m.net.populations[p];
  const cell_type_info& t = type_of(m.net, pop);
  const std::string f = "populations[" + std::to_string(p) + "].params." + param;
  bool known = false;
  for (const auto& q : t.params) known = known || q.name == param;
  if (!known) throw model_error(f, "unknown parameter of " + t.name);
  const bool one = values.size() == 1;
  if (!one && static_cast<int64_t>(values.size()) != pop.size)
    throw model_error(f, "give one value or one per cell (" + std::to_string(pop.size) + "), got " +
                             std::to_string(values.size()));
  const value_spec v = one ? value_spec{values[0]} : value_spec{values};
  if (p < impl_->described.populations.size()) {
    myelin::population changed = impl_->described.populations[p];
    changed.params[param] = v;
    accept_population(impl_->described, p, std::move(changed));
  } else {
    network check = cells_only(m.net);
    check.populations[p].params[param] = v;
    validate(check);
  }
  pop.params[param] = v;
  const uint64_t off = m.layout.offset[p];
  for (auto& vp : m.vps) {
    cell_group& g = *vp.groups[p].cells;
    double* c = g.column(param);
    if (!c) throw internal_error("parameter '" + param + "' has no column");
    for (std::size_t k = 0; k < g.size(); ++k) c[k] = one ? values[0] : values[g.gids()[k] - off];
  }
}

void simulation::set_state(const std::string& population, const std::string& variable,
                           const std::vector<double>& values) {
  engine& m = impl_->eng;
  const std::size_t p = find_population(m.net, population, "populations");
  const auto& pop = m.net.populations[p];
  const cell_type_info& t = type_of(m.net, pop);
  const std::string f = "populations[" + std::to_string(p) + "].initial." + variable;
  bool known = false;
  for (const auto& q : t.state) known = known || q.name == variable;
  if (!known) throw model_error(f, "unknown state variable of " + t.name);
  const bool one = values.size() == 1;
  if (!one && static_cast<int64_t>(values.size()) != pop.size)
    throw model_error(f, "give one value or one per cell (" + std::to_string(pop.size) + "), got " +
                             std::to_string(values.size()));
  for (std::size_t k = 0; k < values.size(); ++k)
    if (!std::isfinite(values[k]))
      throw model_error(one ? f : f + "[" + std::to_string(k) + "]", "must be finite");
  const uint64_t off = m.layout.offset[p];
  for (auto& vp : m.vps) {
    cell_group& g = *vp.groups[p].cells;
    double* c = g.column(variable);
    if (!c) throw internal_error("state variable '" + variable + "' has no column");
    for (std::size_t k = 0; k < g.size(); ++k) c[k] = one ? values[0] : values[g.gids()[k] - off];
  }
}

void simulation::set_spike_times(const std::string& population,
                                 const std::vector<std::vector<double>>& times) {
  engine& m = impl_->eng;
  const std::size_t p = find_population(m.net, population, "populations");
  auto& pop = m.net.populations[p];
  const std::string f = "populations[" + std::to_string(p) + "].spike_times";
  if (pop.cell_type != "SpikeSourceArray")
    throw model_error(f, "only SpikeSourceArray takes spike_times (population '" + pop.label +
                             "' is " + pop.cell_type + ")");
  if (times.empty()) throw model_error(f, "give one list for all cells or one per cell");
  if (p < impl_->described.populations.size()) {
    myelin::population changed = impl_->described.populations[p];
    changed.spike_times = times;
    accept_population(impl_->described, p, std::move(changed));
  } else {
    network check = cells_only(m.net);
    check.populations[p].spike_times = times;
    validate(check);
  }
  pop.spike_times = times;
  const uint64_t off = m.layout.offset[p];
  for (auto& vp : m.vps) {
    cell_group& g = *vp.groups[p].cells;
    std::vector<std::vector<double>> mine(g.size());
    for (std::size_t k = 0; k < g.size(); ++k)
      mine[k] = times.size() == 1 ? times[0] : times[g.gids()[k] - off];
    g.replace_spike_times(std::move(mine));
  }
}

void simulation::set_stimulus_steps(const std::string& stimulus, const std::vector<double>& times,
                                    const std::vector<double>& amplitudes) {
  engine& m = impl_->eng;
  for (std::size_t i = 0; i < m.net.stimuli.size(); ++i) {
    auto& s = m.net.stimuli[i];
    if (s.label != stimulus) continue;
    const std::string f = "stimuli[" + std::to_string(i) + "]";
    if (s.type != "StepCurrentSource")
      throw model_error(f + ".times", "only StepCurrentSource takes times and amplitudes ('" +
                                          stimulus + "' is " + s.type + ")");
    network check = cells_only(i < impl_->described.stimuli.size() ? impl_->described : m.net);
    check.stimuli[i].times = times;
    check.stimuli[i].amplitudes = amplitudes;
    validate(check);
    if (i < impl_->described.stimuli.size()) {
      impl_->described.stimuli[i].times = times;
      impl_->described.stimuli[i].amplitudes = amplitudes;
    }
    s.times = times;
    s.amplitudes = amplitudes;
    return;  // the next run() unpacks the sources anew (prepare_stimuli)
  }
  throw model_error("stimuli", "no current source labelled '" + stimulus + "'");
}

double simulation::min_delay() const {
  const engine& m = impl_->eng;
  return m.total_synapses == 0 ? m.net.dt : static_cast<double>(m.min_delay) * m.net.dt;
}

double simulation::max_delay() const {
  const engine& m = impl_->eng;
  return m.total_synapses == 0 ? m.net.dt : static_cast<double>(m.max_delay) * m.net.dt;
}

std::vector<uint64_t> simulation::spike_counts(const std::string& population) const {
  const engine& m = impl_->eng;
  const std::size_t p = find_population(m.net, population, "population");
  const auto& all = m.rec.cell_spike_counts();
  return {all.begin() + static_cast<std::ptrdiff_t>(m.layout.offset[p]),
          all.begin() + static_cast<std::ptrdiff_t>(m.layout.offset[p + 1])};
}

}  // namespace myelin

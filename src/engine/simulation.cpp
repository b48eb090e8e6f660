// The public simulation API (include/myelin/simulation.hpp), a facade over the pieces:
// the engine (engine.hpp: build, run loop; delivery.hpp; stimuli.hpp), the recording
// (src/record/) and, above the engine, HNN's drives and dipoles (src/hnn/). Drives are
// expanded into plain populations and current sources before the engine sees the model.

#include "myelin/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "engine/bytes.hpp"
#include "engine/engine.hpp"
#include "engine/simulation_access.hpp"
#include "engine/simulation_impl.hpp"
#include "hnn/drives.hpp"
#include "io/writers.hpp"
#include "model/estimate.hpp"
#include "model/format.hpp"
#include "model/schema.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"
#include "myelin/hnn.hpp"

namespace myelin {

std::string version() {
  return MYELIN_VERSION;
}

using namespace detail;

simulation::simulation(const network& net, run_options options)
    : simulation(std::make_unique<impl>(net, std::move(options), nullptr)) {}

simulation::simulation(network&& net, run_options options)
    : simulation(std::make_unique<impl>(std::move(net), std::move(options), nullptr)) {}

simulation::simulation(std::unique_ptr<impl> built) : impl_(std::move(built)) {
  // What cannot fit is refused from the description, before anything is allocated.
  const engine& e = impl_->eng;
  check_memory(e.net, e.n_ranks, e.opt.max_record_memory, false);
  impl_->eng.build();
  impl_->drop_built_columns();
}

simulation simulation_access::make(const network& net, run_options options,
                                   std::unique_ptr<detail::distributed_context> transport) {
  return simulation(
      std::make_unique<simulation::impl>(net, std::move(options), std::move(transport)));
}

std::unique_ptr<simulation> simulation_access::make_unique(
    const network& net, run_options options,
    std::unique_ptr<detail::distributed_context> transport) {
  return std::unique_ptr<simulation>(new simulation(
      std::make_unique<simulation::impl>(net, std::move(options), std::move(transport))));
}

simulation::~simulation() = default;

bool simulation::reset(const network& next) {
  network expanded = validated_expansion(next);
  engine& old = impl_->eng;
  if (!same_cell_layout(old.net, expanded)) return false;
  check_memory(expanded, old.n_ranks, old.opt.max_record_memory, false);
  const std::vector<table_reuse> reuse = plan_table_reuse(old.net, expanded, old.layout);
  // A new engine over the same transport; the old one stays intact until the new one
  // is built (engine::build moves the kept tables over once every VP is built).
  auto fresh = std::make_unique<impl>(next, std::move(expanded), old.opt, old.dist);
  fresh->eng.build(&old.vps, &reuse);
  fresh->drop_built_columns();
  impl_ = std::move(fresh);
  return true;
}

uint64_t simulation::reused_synapse_count() const {
  return impl_->eng.reused_synapses;
}

void simulation::run(double duration) {
  impl_->eng.run(duration);
}
double simulation::time() const {
  return static_cast<double>(impl_->eng.step) * impl_->eng.net.dt;
}
const network& simulation::model() const {
  return impl_->eng.net;
}
int simulation::threads() const {
  return impl_->eng.n_threads;
}
int simulation::ranks() const {
  return impl_->eng.n_ranks;
}
int simulation::rank() const {
  return impl_->eng.rank;
}
double simulation::build_seconds() const {
  return impl_->eng.build_s;
}
double simulation::run_seconds() const {
  return impl_->eng.run_s;
}
uint64_t simulation::synapse_count() const {
  return impl_->eng.total_synapses;
}
double simulation::synapse_bytes() const {
  return impl_->eng.total_synapse_bytes;
}
double simulation::record_memory_estimate(double duration) const {
  return impl_->eng.rec.memory_estimate(duration, impl_->eng.step);
}

void simulation::set_stimulus_param(const std::string& stimulus, const std::string& param,
                                    double value) {
  for (std::size_t i = 0; i < impl_->eng.net.stimuli.size(); ++i) {
    auto& s = impl_->eng.net.stimuli[i];
    if (s.label != stimulus) continue;
    const std::string f = "stimuli[" + std::to_string(i) + "]." + param;
    const auto& schema = stimulus_schemas().at(s.type);
    if (!schema.count(param)) throw model_error(f, "unknown parameter of " + s.type);
    if (!std::isfinite(value)) throw model_error(f, "must be finite");
    if (param == "stdev" && value < 0) throw model_error(f, "must be >= 0");
    // The model's own sources come first (tonic drives' sources follow): summary.json
    // describes the model as it now is.
    if (i < impl_->described.stimuli.size()) impl_->described.stimuli[i].params[param] = value;
    s.params[param] = value;
    return;
  }
  throw model_error("stimuli", "no current source labelled '" + stimulus + "'");
}

void simulation::set_recording(const std::string& recorder, bool on) {
  for (std::size_t r = 0; r < impl_->eng.net.recorders.size(); ++r)
    if (impl_->eng.net.recorders[r].label == recorder) {
      impl_->eng.rec.set_on(r, on);
      return;
    }
  throw model_error("recorders", "no recorder labelled '" + recorder + "'");
}

namespace {

// The recording of a streamed simulation is in its files, not in memory.
void refuse_if_streamed(const engine& m, const char* what) {
  if (m.rec.streaming() || m.rec.stream_finished())
    throw error(std::string(what) + ": the recording is streamed to '" + m.rec.stream_dir() +
                "' (it did not fit in max_record_memory); read spikes.h5 and traces.h5 there "
                "after write_outputs");
}

bool same_directory(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  auto norm = [](const std::string& d) {
    fs::path p = fs::absolute(d).lexically_normal();
    return p.has_filename() ? p : p.parent_path();
  };
  return norm(a) == norm(b);
}

}  // namespace

void simulation::stream_outputs(const std::string& dir) {
  impl_->eng.rec.stream_to(dir, impl_->eng.opt.compression);
}

bool simulation::streaming() const {
  return impl_->eng.rec.streaming() || impl_->eng.rec.stream_finished();
}

spike_data simulation::spikes(const std::string& population) const {
  refuse_if_streamed(impl_->eng, "spikes()");
  return impl_->eng.rec.memory().spikes(find_population(impl_->eng.net, population, "population"));
}

uint64_t simulation::first_gid(const std::string& population) const {
  return impl_->eng.layout.offset[find_population(impl_->eng.net, population, "population")];
}

std::vector<trace_data> simulation::traces() const {
  engine& m = impl_->eng;
  refuse_if_streamed(m, "traces()");
  m.rec.flush_traces(*m.dist, m.vps);  // collective
  if (m.rank != 0) return {};
  return m.rec.memory().traces();
}

std::vector<dipole_data> simulation::dipoles() const {
  const engine& m = impl_->eng;
  // Every VP's exact partial sums (fixed point), added per population: integer addition
  // is associative, so the result has the same bits for every layout.
  struct partial {
    std::size_t population;
    std::vector<fixed128> sums;  // per step
  };
  std::vector<partial> all;
  for (const auto& vp : m.vps)
    for (const auto& db : vp.dipoles) all.push_back({vp.groups[db.group].population, db.sums});
  if (m.n_ranks > 1) {
    std::vector<char> mine;
    for (const auto& c : all) {
      put<uint64_t>(mine, c.population);
      put<uint64_t>(mine, c.sums.size());
      put(mine, c.sums.data(), c.sums.size());
    }
    all.clear();
    for (const auto& b : m.dist->gather(mine)) {
      reader rd{b};
      while (!rd.done()) {
        partial c;
        c.population = rd.get<uint64_t>();
        c.sums.resize(rd.get<uint64_t>());
        rd.get(c.sums.data(), c.sums.size());
        all.push_back(std::move(c));
      }
    }
    if (m.rank != 0) return {};
  }
  std::vector<dipole_data> out;
  const auto n_steps = static_cast<std::size_t>(m.step);
  for (std::size_t p = 0; p < m.net.populations.size(); ++p) {
    const cell_type_info* t = find_cell_type(m.net, m.net.populations[p].cell_type);
    if (std::find(t->recordable.begin(), t->recordable.end(), "dipole") == t->recordable.end())
      continue;
    std::vector<fixed128> total(n_steps, 0);
    for (const auto& c : all)
      if (c.population == p)
        for (std::size_t s = 0; s < n_steps && s < c.sums.size(); ++s) total[s] += c.sums[s];
    dipole_data d{m.net.populations[p].label, t->name, std::vector<double>(n_steps + 1, 0.0)};
    for (std::size_t s = 0; s < n_steps; ++s)
      d.values[s + 1] = std::ldexp(static_cast<double>(total[s]), -dipole_frac_bits);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<population_summary> simulation::summary() const {
  std::vector<population_summary> out;
  const double t = time();
  for (std::size_t p = 0; p < impl_->eng.net.populations.size(); ++p) {
    const auto& pop = impl_->eng.net.populations[p];
    const uint64_t k = impl_->eng.rec.spike_counts()[p];
    out.push_back(
        {pop.label, pop.size, k,
         t > 0 ? static_cast<double>(k) / static_cast<double>(pop.size) / (t / 1000.0) : 0.0});
  }
  return out;
}

void simulation::write_outputs(const std::string& dir) const {
  // HNN models: dipole.csv (HNN-core's "raw" dipoles [nAm]) and dipole_smooth.csv.
  write_outputs(dir, {.extra = hnn_dipole_files(hnn_dipoles(*this), model().dt)});  // collective
}

void simulation::write_outputs(const std::string& dir, const output_options& options) const {
  engine& m = impl_->eng;
  if (m.rec.stream_finished())
    throw error("write_outputs: the streamed outputs were written to '" + m.rec.stream_dir() +
                "' already");
  const bool streamed = m.rec.streaming();
  if (streamed && !same_directory(dir, m.rec.stream_dir()))
    throw error("write_outputs: the recording was streamed to '" + m.rec.stream_dir() +
                "'; write the outputs there, not to '" + dir + "'");
  // Streamed: the last flush and the files closed; else every trace in memory.
  output_transaction* streamed_tx = streamed ? m.rec.finish_stream(*m.dist, m.vps) : nullptr;
  // Collective; its vectors are moved into the files' tables.
  auto tr = streamed ? std::vector<trace_data>{} : traces();
  const auto electrodes = electrode_arrays();  // collective
  if (m.rank != 0) return;
  std::optional<output_transaction> own;
  output_transaction& tx = streamed ? *streamed_tx : own.emplace(dir, options.sync);
  tx.set_sync(options.sync);
  for (const output_file& f : options.extra) f.write(tx.path(f.name));
  for (const electrode_data& d : electrodes)
    write_extracellular_csv(tx.path("extracellular_" + d.label + ".csv"), m.net.dt, d.n_electrodes,
                            d.n_times, d.values);
  if (!streamed) {
    std::vector<spike_table> st;
    for (std::size_t p = 0; p < m.net.populations.size(); ++p) {
      if (!m.rec.spikes_recorded(p)) continue;
      const spike_data& d = m.rec.memory().spikes(p);
      st.push_back({m.net.populations[p].label, d.times, d.node_ids});
    }
    write_spikes_sonata(tx.path("spikes.h5"), st, m.opt.compression);
  }
  if (!tr.empty()) {
    std::vector<trace_table> tt;
    std::map<std::string, int> seen;
    for (auto& t : tr)
      tt.push_back({t.population, trace_dataset_name(seen, t.population, t.variable), t.unit,
                    std::move(t.times), std::move(t.node_ids), std::move(t.values)});
    write_traces_h5(tx.path("traces.h5"), tt, m.opt.compression);
  }
  nlohmann::json s;
  s["version"] = version();
  s["seed"] = m.net.seed;
  s["dt_ms"] = m.net.dt;
  s["tstop_ms"] = time();
  s["threads"] = m.n_threads;
  s["ranks"] = m.n_ranks;
  s["wall_s"] = {{"build", m.build_s}, {"run", m.run_s}};
  // Rank 0's view of the epoch loop: exchange time includes waiting for slower ranks.
  s["epochs"] = {{"count", m.epochs_run},
                 {"length_ms", static_cast<double>(m.min_delay) * m.net.dt},
                 {"exchange_s", m.exchange_s},
                 {"exchange_us_per_epoch",
                  m.epochs_run > 0 ? 1e6 * m.exchange_s / static_cast<double>(m.epochs_run) : 0.0}};
  nlohmann::json pops = nlohmann::json::object();
  for (const auto& p : summary())
    pops[p.label] = {
        {"size", p.size}, {"spike_count", p.spike_count}, {"mean_rate_hz", p.mean_rate_hz}};
  // Cell types from equations: the integration method in use (docs/equations.md).
  for (const auto& pop : m.net.populations)
    if (const cell_type_info* t = find_cell_type(m.net, pop.cell_type); t && !t->method.empty())
      pops[pop.label]["integration"] = t->method;
  s["populations"] = pops;
  const double syn = static_cast<double>(synapse_count());
  s["synapses"] = {{"count", synapse_count()},
                   {"bytes", synapse_bytes()},
                   {"bytes_per_synapse", syn > 0 ? synapse_bytes() / syn : 0.0}};
  // Per projection (plastic state included): what a synapse of each type costs here.
  const std::size_t n_proj = m.net.projections.size();
  nlohmann::json per = nlohmann::json::object();
  for (std::size_t j = 0; j < n_proj; ++j) {
    const uint64_t n = m.projection_synapses[j], bytes = m.projection_synapses[n_proj + j];
    per[m.net.projections[j].label] = {
        {"count", n},
        {"bytes", bytes},
        {"bytes_per_synapse", n > 0 ? static_cast<double>(bytes) / static_cast<double>(n) : 0.0}};
  }
  s["synapses"]["projections"] = per;
  s["model"] = nlohmann::json::parse(network_to_json_text(impl_->described, -1));
  // Connection columns handed over by a program (FromArrays, FromList) are its data: a
  // few MB of JSON per 10^5 connections would make summary.json larger than the outputs.
  // Beyond 10^5 they are replaced by their count (docs/output-files.md).
  for (auto& pr : s["model"]["projections"]) {
    auto& c = pr["connector"];
    const char* column = c.contains("pre") ? "pre" : (c.contains("list") ? "list" : nullptr);
    if (column == nullptr || c[column].size() <= 100000) continue;
    const std::size_t n = c[column].size();
    for (const char* k : {"pre", "post", "weight", "delay", "list"})
      if (c.contains(k) && c[k].is_array()) c.erase(k);
    c["connections"] = n;
    c["columns_omitted"] = true;
  }
  write_text_atomic(tx.path("summary.json"), s.dump(2) + "\n");
  tx.commit();
}

}  // namespace myelin

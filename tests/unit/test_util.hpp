#pragma once
// Small builders shared by the unit tests.

#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/simulation_access.hpp"
#include "myelin/myelin.hpp"

namespace myelin::test {

/// The trace of variable `var` among a simulation's traces (throws if none).
inline const trace_data& find_trace(const std::vector<trace_data>& ts, const std::string& var) {
  for (const auto& t : ts)
    if (t.variable == var) return t;
  throw std::runtime_error("no trace of " + var);
}

inline selection pop(const std::string& label) {
  return {{{.population = label}}};
}

inline population make_population(const std::string& label, int64_t size, const std::string& type,
                                  std::map<std::string, value_spec> params = {}) {
  population p;
  p.label = label;
  p.size = size;
  p.cell_type = type;
  p.params = std::move(params);
  return p;
}

inline projection make_projection(const std::string& label, const std::string& pre,
                                  const std::string& post, connector c, value_spec weight,
                                  value_spec delay = 0.1, std::string receptor = "excitatory") {
  projection p;
  p.label = label;
  p.pre = pop(pre);
  p.post = pop(post);
  p.conn = std::move(c);
  p.weight = std::move(weight);
  p.delay = std::move(delay);
  p.receptor = std::move(receptor);
  return p;
}

inline recorder make_recorder(const std::string& label, const std::string& target,
                              std::vector<std::string> vars, double interval = 0.0) {
  recorder r;
  r.label = label;
  r.target = pop(target);
  r.variables = std::move(vars);
  r.interval = interval;
  return r;
}

/// A small COBA-like network with Poisson input and noise: exercises every random
/// stream (connectivity, initial values, Poisson sources, noisy currents).
inline network small_random_network(uint64_t seed, double tstop = 200.0) {
  network net;
  net.seed = seed;
  net.tstop = tstop;
  auto cell = std::map<std::string, value_spec>{
      {"cm", 0.2},         {"tau_m", 20.0},     {"v_rest", -60.0},  {"v_reset", -60.0},
      {"v_thresh", -50.0}, {"tau_refrac", 5.0}, {"tau_syn_E", 5.0}, {"tau_syn_I", 10.0},
      {"e_rev_E", 0.0},    {"e_rev_I", -80.0},  {"i_offset", 0.1}};
  auto e = make_population("exc", 320, "IF_cond_exp", cell);
  e.initial["v"] = distribution{"normal", {{"mu", -55.0}, {"sigma", 5.0}}};
  auto i = make_population("inh", 80, "IF_cond_exp", cell);
  i.initial["v"] = distribution{"uniform", {{"low", -60.0}, {"high", -50.0}}};
  auto src = make_population("input", 50, "SpikeSourcePoisson", {{"rate", 20.0}});
  net.populations = {e, i, src};
  connector fp{.type = "FixedProbability", .p = 0.1};
  net.projections = {
      make_projection("ee", "exc", "exc", fp, 0.004),
      make_projection("ei", "exc", "inh", fp,
                      distribution{"uniform", {{"low", 0.002}, {"high", 0.006}}}),
      make_projection("ie", "inh", "exc", fp, 0.05,
                      distribution{"uniform", {{"low", 0.1}, {"high", 2.0}}}, "inhibitory"),
      make_projection("ii", "inh", "inh", fp, 0.05, 0.3, "inhibitory"),
      make_projection("in", "input", "exc", connector{.type = "FixedNumberPre", .n = 5}, 0.01, 1.0),
  };
  stimulus noise;
  noise.label = "noise";
  noise.type = "NoisyCurrentSource";
  noise.target = pop("exc");
  noise.params = {{"mean", 0.05}, {"stdev", 0.1}, {"dt", 1.0}};
  net.stimuli = {noise};
  net.recorders = {make_recorder("s_exc", "exc", {"spikes"}),
                   make_recorder("s_inh", "inh", {"spikes"}),
                   make_recorder("s_in", "input", {"spikes"}),
                   make_recorder("v", "inh", {"v", "gsyn_exc"}, 0.5)};
  return net;
}

// Builds `net` on `ranks` loopback ranks of `threads` threads each (one std::thread per
// rank, as MPI ranks would be processes) and calls body(sim, rank) on each; returns each
// rank's error message ("" if it had none).
template <class Body>
std::vector<std::string> on_loopback_ranks(const network& net, int ranks, int threads, Body body) {
  auto contexts = detail::make_loopback_contexts(ranks);
  std::vector<std::string> errors(ranks);
  std::vector<std::thread> workers;
  for (int r = 0; r < ranks; ++r)
    workers.emplace_back([&, r] {
      try {
        simulation sim = simulation_access::make(net, {.threads = threads}, std::move(contexts[r]));
        body(sim, r);
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& w : workers) w.join();
  return errors;
}

/// HNN's column on a 3x3 grid (local rules of MODEL_NOTES 7, a subset): the JSON model
/// text with `tstop` and the given "drives" and "recorders" arrays (JSON text).
inline network hnn_3x3_column(double tstop, const std::string& drives,
                              const std::string& recorders) {
  const std::string text = R"json({
    "name": "col", "dt": 0.025, "tstop": )json" +
                           std::to_string(tstop) + R"json(,
    "populations": [
      {"label": "L2_basket", "size": 3, "cell_type": "L2_basket",
       "positions": {"kind": "list", "list": [[0,0,1045.92],[1,1,1045.92],[0,2,1045.92]]}},
      {"label": "L2_pyramidal", "size": 9, "cell_type": "L2_pyramidal",
       "positions": {"kind": "grid", "shape": [3, 3], "spacing": [1, 1], "origin": [0, 0, 1307.4]}},
      {"label": "L5_basket", "size": 3, "cell_type": "L5_basket",
       "positions": {"kind": "list", "list": [[0,0,261.48],[1,1,261.48],[0,2,261.48]]}},
      {"label": "L5_pyramidal", "size": 9, "cell_type": "L5_pyramidal",
       "positions": {"kind": "grid", "shape": [3, 3], "spacing": [1, 1]}}
    ],
    "projections": [
      {"pre": "L2_pyramidal", "post": "L2_pyramidal", "receptor": "proximal_ampa",
       "connector": {"type": "AllToAll", "allow_self_connections": false},
       "weight": "0.0005 * exp(-(dx^2 + dy^2) / 9)", "delay": "exp((dx^2 + dy^2) / 9)"},
      {"pre": "L5_pyramidal", "post": "L5_pyramidal", "receptor": "proximal_nmda",
       "connector": {"type": "AllToAll", "allow_self_connections": false},
       "weight": "0.0005 * exp(-(dx^2 + dy^2) / 9)", "delay": "exp((dx^2 + dy^2) / 9)"},
      {"pre": "L2_basket", "post": "L2_pyramidal", "receptor": "soma_gabaa",
       "connector": {"type": "AllToAll"},
       "weight": "0.05 * exp(-(dx^2 + dy^2) / 2500)", "delay": "exp((dx^2 + dy^2) / 2500)"},
      {"pre": "L5_pyramidal", "post": "L5_basket", "receptor": "soma_ampa",
       "connector": {"type": "AllToAll"},
       "weight": "0.0005 * exp(-(dx^2 + dy^2) / 9)", "delay": "exp((dx^2 + dy^2) / 9)"},
      {"pre": "L2_pyramidal", "post": "L5_pyramidal", "receptor": "distal_ampa",
       "connector": {"type": "AllToAll"},
       "weight": "0.00025 * exp(-(dx^2 + dy^2) / 9)", "delay": "exp((dx^2 + dy^2) / 9)"}
    ],
    "drives": )json" + drives +
                           R"json(,
    "recorders": )json" + recorders +
                           R"json(
})json";
  return network_from_json_text(text);
}

}  // namespace myelin::test

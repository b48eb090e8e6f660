// Inputs and the model file, against formulas and documents written by hand: the
// ACSource's waveform (phase, offset, start, stop) and the tonic drive's amplitude and
// timing, both read off the exact response of a current-based LIF cell; and the JSON
// writer against a hand-written document holding every field of the model. The seeded
// bugs each test catches are listed in test_point_reference.cpp.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <numbers>

#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;
using test::make_recorder;

// IF_curr_exp with the exact propagator: over a step with injected current I held
// constant, v <- v_rest + e^{-dt/tau_m} (v - v_rest) + (tau_m/cm)(1 - e^{-dt/tau_m}) I.
// The test replays this recursion with its own current waveform I(step) and compares.
struct lif_replay {
  double cm, tau_m, v_rest, dt;
  std::vector<double> run(double v0, std::size_t steps, const std::function<double(double)>& i) {
    const double p = std::exp(-dt / tau_m), q = tau_m / cm * (1 - p);
    std::vector<double> v{v0};
    for (std::size_t s = 0; s < steps; ++s)
      v.push_back(v_rest + p * (v.back() - v_rest) + q * i(s * dt));
    return v;
  }
};

network one_cell(double tstop) {
  network net;
  net.tstop = tstop;
  net.populations = {
      make_population("cell", 2, "IF_curr_exp",
                      {{"cm", 0.5}, {"tau_m", 8.0}, {"v_rest", -65.0}, {"v_thresh", 1e3}})};
  net.recorders = {make_recorder("v", "cell", {"v"})};
  return net;
}

TEST(point_stimuli, ac_source_phase_and_offset_match_sin) {
  // docs/model-file.md: I = offset + amplitude sin(2 pi f (t - start) + phase), phase in
  // degrees, on during the steps that start in [start, stop). Current held per step at
  // its value at the step start.
  const double amp = 0.6, off = 0.25, f = 40.0, phase = 60.0, start = 5.0, stop = 27.0;
  network net = one_cell(40.0);
  stimulus ac{.label = "ac",
              .type = "ACSource",
              .target = {{{.population = "cell", .start = 0, .stop = 1}}},
              .params = {{"amplitude", amp},
                         {"offset", off},
                         {"frequency", f},
                         {"phase", phase},
                         {"start", start},
                         {"stop", stop}}};
  net.stimuli = {ac};
  simulation sim(net, {.threads = 1});
  sim.run();
  const auto tr = sim.traces()[0];
  const auto want = lif_replay{0.5, 8.0, -65.0, 0.1}.run(-65.0, 400, [&](double t) {
    if (t < start - 1e-9 || t >= stop - 1e-9) return 0.0;
    return off + amp * std::sin(2 * std::numbers::pi * f / 1000.0 * (t - start) +
                                phase * std::numbers::pi / 180.0);
  });
  ASSERT_EQ(tr.values.size(), 2 * want.size());
  double dev = 0;
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_NEAR(tr.values[2 * k], want[k], 1e-9) << "t = " << tr.times[k];
    EXPECT_EQ(tr.values[2 * k + 1], -65.0);  // the cell not targeted
    dev = std::max(dev, std::abs(want[k] + 65.0));
  }
  EXPECT_GT(dev, 2.0);
}

TEST(point_stimuli, tonic_drive_amplitude_and_timing) {
  // An HNN tonic drive (docs/model-file.md, "tonic": amplitudes {population: nA},
  // tstart, tstop; HNN-core's add_tonic_bias) is a constant current on [tstart, tstop)
  // into every cell of each population named in `amplitudes`.
  network net = one_cell(30.0);
  net.populations.push_back(make_population("other", 1, "IF_curr_exp", {{"v_thresh", 1e3}}));
  drive d;
  d.label = "bias";
  d.type = "tonic";
  d.amplitudes = {{"cell", 0.35}};
  d.params = {{"tstart", 4.0}, {"tstop", 17.5}};
  net.drives = {d};
  net.recorders.push_back(make_recorder("o", "other", {"v"}));
  simulation sim(net, {.threads = 1});
  sim.run();
  const auto traces = sim.traces();
  const auto& tr = traces[0].population == "cell" ? traces[0] : traces[1];
  const auto& other = traces[0].population == "cell" ? traces[1] : traces[0];
  const auto want = lif_replay{0.5, 8.0, -65.0, 0.1}.run(
      -65.0, 300, [](double t) { return t >= 4.0 - 1e-9 && t < 17.5 - 1e-9 ? 0.35 : 0.0; });
  ASSERT_EQ(tr.values.size(), 2 * want.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_NEAR(tr.values[2 * k], want[k], 1e-9) << "t = " << tr.times[k];
    EXPECT_NEAR(tr.values[2 * k + 1], want[k], 1e-9) << "t = " << tr.times[k];
    EXPECT_EQ(other.values[k], -65.0);
  }
  // 13.5 ms of 0.35 nA through R = 16 MOhm: 4.56 mV of the 5.6 mV plateau.
  EXPECT_GT(want[175] + 65.0, 4.5);
  // Without tstop the current stays on to the end of the run.
  net.drives[0].params.erase("tstop");
  simulation open(net, {.threads = 1});
  open.run();
  const auto t2 = open.traces();
  const auto& v2 = t2[0].population == "cell" ? t2[0] : t2[1];
  EXPECT_NEAR(v2.values[600], -65.0 + 16.0 * 0.35 * (1 - std::exp(-26.0 / 8.0)), 1e-9);
}

// ---------------------------------------------------------------------------------------
// The JSON writer against a document written by hand (not by the writer): every field
// of every part of the model, with values other than the defaults so none is omitted.

network complete_model() {
  network net;
  net.name = "full";
  net.description = "every field";
  net.dt = 0.05;
  net.tstop = 50.0;
  net.seed = 42;
  population a = make_population(
      "a", 4, "IF_cond_exp",
      {{"tau_m", 15.0},
       {"cm", std::vector<double>{1, 1, 1, 2}},
       {"v_thresh",
        distribution{"normal_clipped",
                     {{"mu", -50.0}, {"sigma", 1.0}, {"low", -55.0}, {"high", -45.0}}}}});
  a.initial["v"] = distribution{"uniform", {{"low", -70.0}, {"high", -60.0}}};
  a.positions =
      positions_spec{.kind = "grid", .shape = {2, 2}, .spacing = {10, 20, 1}, .origin = {1, 2, 3}};
  population b = make_population("b", 3, "IF_curr_alpha", {{"i_offset", 0.1}});
  b.positions = positions_spec{.kind = "random_box", .origin = {0, 0, 5}, .extent = {10, 20, 30}};
  population c = make_population("c", 2, "Izhikevich");
  c.positions = positions_spec{.kind = "random_sphere", .origin = {1, 1, 1}, .radius = 7.0};
  population d = make_population("d", 2, "IF_curr_exp");
  d.positions = positions_spec{.kind = "list", .list = {{0, 0, 0}, {1, 2, 3}}};
  population s = make_population("s", 2, "SpikeSourceArray");
  s.spike_times = {{1.0, 2.0}, {3.0}};
  population p = make_population("p", 3, "SpikeSourcePoisson",
                                 {{"rate", 5.0}, {"start", 1.0}, {"duration", 10.0}});
  population l2 = make_population("L2b", 1, "L2_basket");
  l2.positions = positions_spec{.kind = "grid", .shape = {1}};
  net.populations = {a, b, c, d, s, p, l2};

  projection fp =
      make_projection("fp", "s", "a", {.type = "FixedProbability", .p = 0.5}, 0.01, 1.0);
  fp.post = {{{.population = "a", .start = 0, .stop = 4, .step = 2}}};
  projection fn = make_projection(
      "fn", "a", "a",
      {.type = "FixedNumberPre", .n = 2, .allow_self_connections = false, .with_replacement = true},
      distribution{"uniform", {{"low", 0.0}, {"high", 0.1}}}, expression_spec{"0.1 + d/100"},
      "inhibitory");
  projection fq = make_projection("fq", "p", "b", {.type = "FixedNumberPost", .n = 1}, 0.2, 0.5);
  fq.post = {{{.population = "b", .indices = std::vector<int64_t>{0, 2}}}};
  projection ft = make_projection(
      "ft", "p", "b", {.type = "FixedTotalNumber", .n = 3, .with_replacement = false}, 0.1, 0.2);
  ft.post = {{{.population = "b"}, {.population = "d"}}};
  projection dd = make_projection("dd", "a", "a",
                                  {.type = "DistanceDependentProbability",
                                   .allow_self_connections = false,
                                   .d_expression = "exp(-d/20)"},
                                  expression_spec{"0.01*exp(-d/50)"}, 0.3);
  projection fl = make_projection(
      "fl", "s", "c", {.type = "FromList", .list = {{0, 1, 2.5, 1.0}, {1, 0, 1.5, 2.0}}}, 0.0, 0.1);
  net.projections = {fp, fn, fq, ft, dd, fl};

  net.stimuli = {{.label = "dc",
                  .type = "DCSource",
                  .target = test::pop("a"),
                  .params = {{"amplitude", 0.1}, {"start", 5.0}, {"stop", 20.0}}},
                 {.label = "ac",
                  .type = "ACSource",
                  .target = test::pop("b"),
                  .params = {{"amplitude", 0.2},
                             {"offset", 0.1},
                             {"frequency", 10.0},
                             {"phase", 30.0},
                             {"start", 0.0},
                             {"stop", 40.0}}},
                 {.label = "step",
                  .type = "StepCurrentSource",
                  .target = test::pop("d"),
                  .times = {1.0, 2.0},
                  .amplitudes = {0.1, 0.0}},
                 {.label = "noise",
                  .type = "NoisyCurrentSource",
                  .target = {{{.population = "a", .start = 1}}},
                  .params = {{"mean", 0.1}, {"stdev", 0.2}, {"dt", 1.0}}}};
  recorder r = make_recorder("r", "a", {"spikes", "v"}, 1.0);
  r.start = 2.0;
  r.stop = 30.0;
  net.recorders = {r};

  drive ev;
  ev.label = "ev";
  ev.type = "evoked";
  ev.location = "proximal";
  ev.weights_ampa = {{"L2b", 0.01}};
  ev.weights_nmda = {{"L2b", 0.002}};
  ev.delays = {{"L2b", 0.5}};
  ev.params = {{"mu", 10.0}, {"sigma", 2.0}, {"numspikes", 1.0}};
  ev.space_constant = 4.0;
  ev.origin = {1.0, 2.0};
  ev.cell_specific = false;
  ev.n_drive_cells = 2;
  ev.probability = 0.5;
  ev.seed = 9;
  ev.spike_times = {{5.0}, {6.0, 7.0}};
  drive po;
  po.label = "po";
  po.type = "poisson";
  po.location = "distal";
  po.weights_ampa = {{"L2b", 0.02}};
  po.rates = {{"L2b", 20.0}};
  po.params = {{"tstart", 5.0}, {"tstop", 30.0}};
  po.space_constant = 100.0;
  po.seed = 3;
  drive to;
  to.label = "bias";
  to.type = "tonic";
  to.location = "soma";
  to.amplitudes = {{"a", 0.2}};
  to.params = {{"tstart", 10.0}, {"tstop", 20.0}};
  net.drives = {ev, po, to};
  return net;
}

const char* complete_document = R"json({
  "name": "full", "description": "every field", "dt": 0.05, "tstop": 50, "seed": 42,
  "populations": [
    {"label": "a", "size": 4, "cell_type": "IF_cond_exp",
     "params": {"tau_m": 15, "cm": [1, 1, 1, 2],
                "v_thresh": {"distribution": "normal_clipped", "mu": -50, "sigma": 1,
                             "low": -55, "high": -45}},
     "initial": {"v": {"distribution": "uniform", "low": -70, "high": -60}},
     "positions": {"kind": "grid", "shape": [2, 2], "spacing": [10, 20, 1], "origin": [1, 2, 3]}},
    {"label": "b", "size": 3, "cell_type": "IF_curr_alpha", "params": {"i_offset": 0.1},
     "initial": {}, "positions": {"kind": "random_box", "origin": [0, 0, 5], "extent": [10, 20, 30]}},
    {"label": "c", "size": 2, "cell_type": "Izhikevich", "params": {}, "initial": {},
     "positions": {"kind": "random_sphere", "origin": [1, 1, 1], "radius": 7}},
    {"label": "d", "size": 2, "cell_type": "IF_curr_exp", "params": {}, "initial": {},
     "positions": {"kind": "list", "origin": [0, 0, 0], "list": [[0, 0, 0], [1, 2, 3]]}},
    {"label": "s", "size": 2, "cell_type": "SpikeSourceArray", "params": {}, "initial": {},
     "spike_times": [[1, 2], [3]]},
    {"label": "p", "size": 3, "cell_type": "SpikeSourcePoisson",
     "params": {"rate": 5, "start": 1, "duration": 10}, "initial": {}},
    {"label": "L2b", "size": 1, "cell_type": "L2_basket", "params": {}, "initial": {},
     "positions": {"kind": "grid", "shape": [1], "spacing": [1, 1, 1], "origin": [0, 0, 0]}}
  ],
  "projections": [
    {"label": "fp", "pre": "s", "post": {"population": "a", "start": 0, "stop": 4, "step": 2},
     "connector": {"type": "FixedProbability", "p": 0.5}, "receptor": "excitatory",
     "weight": 0.01, "delay": 1},
    {"label": "fn", "pre": "a", "post": "a",
     "connector": {"type": "FixedNumberPre", "n": 2, "allow_self_connections": false,
                   "with_replacement": true},
     "receptor": "inhibitory", "weight": {"distribution": "uniform", "low": 0, "high": 0.1},
     "delay": {"expression": "0.1 + d/100"}},
    {"label": "fq", "pre": "p", "post": {"population": "b", "indices": [0, 2]},
     "connector": {"type": "FixedNumberPost", "n": 1}, "receptor": "excitatory",
     "weight": 0.2, "delay": 0.5},
    {"label": "ft", "pre": "p", "post": ["b", "d"],
     "connector": {"type": "FixedTotalNumber", "n": 3, "with_replacement": false},
     "receptor": "excitatory", "weight": 0.1, "delay": 0.2},
    {"label": "dd", "pre": "a", "post": "a",
     "connector": {"type": "DistanceDependentProbability", "allow_self_connections": false,
                   "d_expression": "exp(-d/20)"},
     "receptor": "excitatory", "weight": {"expression": "0.01*exp(-d/50)"}, "delay": 0.3},
    {"label": "fl", "pre": "s", "post": "c",
     "connector": {"type": "FromList", "list": [[0, 1, 2.5, 1], [1, 0, 1.5, 2]]},
     "receptor": "excitatory", "weight": 0, "delay": 0.1}
  ],
  "stimuli": [
    {"label": "dc", "type": "DCSource", "target": "a", "amplitude": 0.1, "start": 5, "stop": 20},
    {"label": "ac", "type": "ACSource", "target": "b", "amplitude": 0.2, "offset": 0.1,
     "frequency": 10, "phase": 30, "start": 0, "stop": 40},
    {"label": "step", "type": "StepCurrentSource", "target": "d", "times": [1, 2],
     "amplitudes": [0.1, 0]},
    {"label": "noise", "type": "NoisyCurrentSource", "target": {"population": "a", "start": 1},
     "mean": 0.1, "stdev": 0.2, "dt": 1}
  ],
  "recorders": [
    {"label": "r", "target": "a", "variables": ["spikes", "v"], "interval": 1, "start": 2,
     "stop": 30}
  ],
  "drives": [
    {"label": "ev", "type": "evoked", "location": "proximal", "weights_ampa": {"L2b": 0.01},
     "weights_nmda": {"L2b": 0.002}, "delays": {"L2b": 0.5}, "space_constant": 4,
     "origin": [1, 2], "cell_specific": false, "n_drive_cells": 2, "probability": 0.5,
     "seed": 9, "mu": 10, "sigma": 2, "numspikes": 1, "spike_times": [[5], [6, 7]]},
    {"label": "po", "type": "poisson", "location": "distal", "weights_ampa": {"L2b": 0.02},
     "rates": {"L2b": 20}, "space_constant": 100, "origin": [0, 0], "cell_specific": true,
     "n_drive_cells": 1, "probability": 1, "seed": 3, "tstart": 5, "tstop": 30},
    {"label": "bias", "type": "tonic", "location": "soma", "amplitudes": {"a": 0.2},
     "space_constant": 3, "origin": [0, 0], "cell_specific": true, "n_drive_cells": 1,
     "probability": 1, "seed": 0, "tstart": 10, "tstop": 20}
  ]
})json";

TEST(point_json, writer_matches_hand_written_document) {
  using nlohmann::json;
  const network net = complete_model();
  EXPECT_NO_THROW(validate(net));
  const json want = json::parse(complete_document);
  const json got = json::parse(network_to_json_text(net));
  EXPECT_EQ(got, want) << "differences (patch from written to expected):\n"
                       << json::diff(got, want).dump(1);
  // And the reader: the hand-written document read and written again is itself.
  const json again = json::parse(network_to_json_text(network_from_json_text(complete_document)));
  EXPECT_EQ(again, want) << json::diff(again, want).dump(1);
}

}  // namespace
}  // namespace myelin

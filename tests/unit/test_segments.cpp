// Run segments: a simulation advanced by several run() calls, with nothing changed in
// between, gives bit-identical spikes, traces, dipoles and spike counts to one run()
// over the same time (docs/user-guide.md, "Run segments"). Split at many boundaries:
// on and off the epoch grid (the minimum delay), inside noise intervals and sampling
// intervals, and in many one-step segments; on 1 and 2 threads.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engine/delivery.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;
using test::make_recorder;

struct outputs {
  std::vector<spike_data> spikes;
  std::vector<trace_data> traces;
  std::vector<dipole_data> dipoles;
  std::vector<uint64_t> counts;
  double time = 0;
};

// Runs `net` for the segments given as lengths in steps; records every population's
// spikes (where recorded), every trace, every dipole and the spike counts.
outputs run_steps(const network& net, int threads, const std::vector<int64_t>& steps) {
  simulation sim(net, {.threads = threads});
  for (int64_t k : steps) sim.run(static_cast<double>(k) * net.dt);
  outputs o;
  for (const auto& p : net.populations) o.spikes.push_back(sim.spikes(p.label));
  for (const auto& d : net.drives)
    if (d.type != "tonic") o.spikes.push_back(sim.spikes(d.label));  // tonic: a current
  o.traces = sim.traces();
  o.dipoles = sim.dipoles();
  for (const auto& s : sim.summary()) o.counts.push_back(s.spike_count);
  o.time = sim.time();
  return o;
}

// Bit-for-bit equality of doubles (== would let -0.0 match 0.0 and fail on NaN).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void expect_same(const outputs& ref, const outputs& got, const std::string& tag) {
  EXPECT_EQ(got.time, ref.time) << tag;
  EXPECT_EQ(got.counts, ref.counts) << tag;
  ASSERT_EQ(got.spikes.size(), ref.spikes.size()) << tag;
  for (std::size_t p = 0; p < ref.spikes.size(); ++p) {
    EXPECT_TRUE(same_bits(got.spikes[p].times, ref.spikes[p].times))
        << tag << ": spike times of source " << p << " (" << got.spikes[p].times.size() << " vs "
        << ref.spikes[p].times.size() << " spikes)";
    EXPECT_TRUE(got.spikes[p].node_ids == ref.spikes[p].node_ids)
        << tag << ": node ids of source " << p;
  }
  ASSERT_EQ(got.traces.size(), ref.traces.size()) << tag;
  for (std::size_t t = 0; t < ref.traces.size(); ++t) {
    const std::string what =
        tag + ": trace " + ref.traces[t].population + "." + ref.traces[t].variable;
    EXPECT_TRUE(same_bits(got.traces[t].times, ref.traces[t].times)) << what << " times";
    EXPECT_TRUE(got.traces[t].node_ids == ref.traces[t].node_ids) << what;
    EXPECT_TRUE(same_bits(got.traces[t].values, ref.traces[t].values)) << what << " values";
  }
  ASSERT_EQ(got.dipoles.size(), ref.dipoles.size()) << tag;
  for (std::size_t d = 0; d < ref.dipoles.size(); ++d)
    EXPECT_TRUE(same_bits(got.dipoles[d].values, ref.dipoles[d].values))
        << tag << ": dipole " << ref.dipoles[d].population;
}

std::string describe(const std::vector<int64_t>& steps) {
  std::string s;
  for (std::size_t i = 0; i < steps.size() && i < 8; ++i) s += std::to_string(steps[i]) + " ";
  if (steps.size() > 8) s += "... (" + std::to_string(steps.size()) + " segments)";
  return s;
}

// Segment lengths [steps] ending at the cut points (steps from t = 0), then at `total`.
std::vector<int64_t> cuts(std::vector<int64_t> at, int64_t total) {
  std::vector<int64_t> out;
  int64_t prev = 0;
  at.push_back(total);
  for (int64_t c : at) {
    out.push_back(c - prev);
    prev = c;
  }
  return out;
}

// One run() per step for the first `n` steps, then the rest in one segment.
std::vector<int64_t> single_steps(int64_t n, int64_t total) {
  std::vector<int64_t> out(static_cast<std::size_t>(n), 1);
  out.push_back(total - n);
  return out;
}

// Checks every split against the single run, on 1 and 2 threads, and that the model
// does what the comparison needs (spikes, and at least `min_spikes` of them).
void check_splits(const network& net, const std::vector<std::vector<int64_t>>& splits,
                  uint64_t min_spikes) {
  const auto total = std::llround(net.tstop / net.dt);
  for (int threads : {1, 2}) {
    const outputs ref = run_steps(net, threads, {total});
    uint64_t n = 0;
    for (uint64_t c : ref.counts) n += c;
    ASSERT_GE(n, min_spikes) << "the model must be active for the comparison to mean anything";
    for (const auto& s : splits) {
      int64_t sum = 0;
      for (int64_t k : s) sum += k;
      ASSERT_EQ(sum, total) << describe(s);
      expect_same(ref, run_steps(net, threads, s),
                  std::to_string(threads) + " thread(s), segments " + describe(s));
    }
  }
}

TEST(segments, small_random_network_as_reported) {
  // The report: run(20) + run(30) differed from run(50).
  const network net = test::small_random_network(5, 50.0);
  check_splits(net,
               {{200, 300},
                cuts({1, 2, 3, 10, 11, 73, 199, 200, 201, 321, 499}, 500),
                cuts({7, 64, 113, 250, 333, 410}, 500),
                single_steps(40, 500)},
               200);
}

// The same network with every delay at least 1.5 ms: 15-step epochs, so most cuts fall
// inside an epoch; recorders sample every 0.7 ms and in windows.
network long_epoch_network(uint64_t seed) {
  network net = test::small_random_network(seed, 40.0);
  const value_spec delays[] = {1.5, 1.7, distribution{"uniform", {{"low", 1.5}, {"high", 3.0}}},
                               2.3, 1.6};
  for (std::size_t j = 0; j < net.projections.size(); ++j) net.projections[j].delay = delays[j];
  net.recorders.back().interval = 0.7;
  auto w = make_recorder("w", "exc", {"v", "gsyn_inh"}, 0.3);
  w.start = 3.1;
  w.stop = 27.4;
  net.recorders.push_back(w);
  auto s = make_recorder("s_late", "inh", {"spikes"});
  s.start = 11.05;
  net.recorders[1] = s;
  return net;
}

TEST(segments, cuts_inside_epochs_and_sampling_intervals) {
  for (uint64_t seed : {3u, 11u}) {
    const network net = long_epoch_network(seed);
    check_splits(net,
                 {{150, 250},
                  {7, 393},
                  cuts({1, 14, 15, 16, 29, 31, 44, 100, 107, 271, 272, 399}, 400),
                  cuts({3, 10, 17, 24, 31, 38, 45, 52, 59, 66, 73, 80}, 400),
                  single_steps(35, 400)},
                 100);
  }
}

// Two loopback ranks of 2 threads (the MPI code path): the exchange at the end of each
// epoch, and the last epoch of a segment delivered before the next one.
TEST(segments, two_ranks_match_one_run) {
  const network net = long_epoch_network(7);
  const outputs ref = run_steps(net, 1, {400});
  for (const auto& steps : {std::vector<int64_t>{150, 250}, cuts({1, 2, 16, 29, 107, 399}, 400)}) {
    std::vector<spike_data> spikes;
    std::vector<trace_data> traces;
    const auto errors = test::on_loopback_ranks(net, 2, 2, [&](simulation& sim, int r) {
      for (int64_t k : steps) sim.run(static_cast<double>(k) * net.dt);
      auto tr = sim.traces();  // collective
      if (r != 0) return;
      for (const auto& p : net.populations) spikes.push_back(sim.spikes(p.label));
      traces = std::move(tr);
    });
    for (const auto& e : errors) ASSERT_EQ(e, "");
    const std::string tag = "2 ranks x 2 threads, segments " + describe(steps);
    ASSERT_EQ(spikes.size(), ref.spikes.size());
    for (std::size_t p = 0; p < spikes.size(); ++p) {
      EXPECT_TRUE(same_bits(spikes[p].times, ref.spikes[p].times)) << tag << ": source " << p;
      EXPECT_TRUE(spikes[p].node_ids == ref.spikes[p].node_ids) << tag << ": source " << p;
    }
    ASSERT_EQ(traces.size(), ref.traces.size());
    for (std::size_t t = 0; t < traces.size(); ++t)
      EXPECT_TRUE(same_bits(traces[t].values, ref.traces[t].values)) << tag << ": trace " << t;
  }
}

// Spike arrays (times on and off the grid, at cut points, before the first step end),
// a delayed Poisson source, and every kind of current source with start/stop off the
// grid; v sampled every 0.3 ms.
network sources_and_stimuli() {
  network net;
  net.seed = 9;
  net.tstop = 30.0;
  auto arr = make_population("arr", 3, "SpikeSourceArray");
  arr.spike_times = {{0.0, 0.04, 2.0, 2.04, 7.3, 7.35, 7.36, 15.0, 15.05, 29.9, 30.0},
                     {0.1, 0.2, 0.3, 5.55, 12.0, 12.1},
                     {3.0, 3.01, 3.02, 21.7}};
  auto poi = make_population("poi", 20, "SpikeSourcePoisson",
                             {{"rate", 150.0}, {"start", 4.33}, {"duration", 19.0}});
  auto cells = make_population("cells", 12, "IF_curr_exp",
                               {{"tau_refrac", 2.0}, {"v_thresh", -58.0}, {"tau_m", 10.0}});
  net.populations = {arr, poi, cells};
  net.projections = {
      make_projection("a", "arr", "cells", connector{.type = "AllToAll"}, 2.0, 0.7),
      make_projection("p", "poi", "cells", connector{.type = "FixedProbability", .p = 0.5}, 0.8,
                      distribution{"uniform", {{"low", 0.4}, {"high", 2.5}}}),
  };
  auto stim = [&](const std::string& label, const std::string& type,
                  std::map<std::string, double> params) {
    stimulus s;
    s.label = label;
    s.type = type;
    s.target = test::pop("cells");
    s.params = std::move(params);
    return s;
  };
  stimulus step = stim("step", "StepCurrentSource", {});
  step.times = {1.05, 6.33, 6.4, 18.0, 25.25};
  step.amplitudes = {0.3, -0.2, 0.5, 0.1, 0.0};
  net.stimuli = {stim("noise", "NoisyCurrentSource",
                      {{"mean", 0.2}, {"stdev", 0.6}, {"dt", 0.7}, {"start", 1.1}, {"stop", 26.3}}),
                 stim("noise_step", "NoisyCurrentSource", {{"mean", 0.0}, {"stdev", 0.3}}),
                 stim("ac", "ACSource",
                      {{"amplitude", 0.4},
                       {"frequency", 70.0},
                       {"phase", 30.0},
                       {"offset", 0.1},
                       {"start", 2.25},
                       {"stop", 22.0}}),
                 stim("dc", "DCSource", {{"amplitude", 0.25}, {"start", 3.3}, {"stop", 9.9}}),
                 step};
  net.recorders = {make_recorder("s", "arr", {"spikes"}), make_recorder("sp", "poi", {"spikes"}),
                   make_recorder("sc", "cells", {"spikes"}),
                   make_recorder("v", "cells", {"v", "isyn_exc"}, 0.3)};
  return net;
}

TEST(segments, spike_sources_and_current_sources) {
  const network net = sources_and_stimuli();
  check_splits(
      net,
      {{150, 150},
       // cuts at spike times (20, 73, 150), stimulus edges (11, 22, 33, 43, 63, 99),
       // inside noise intervals of 7 steps (12 + 3, ...), and at the end (299)
       cuts({1, 2, 3, 11, 15, 20, 22, 33, 43, 44, 63, 64, 73, 99, 150, 151, 263, 299}, 300),
       single_steps(120, 300)},
      30);
}

// Every point-neuron type, driven by Poisson input and a noisy current (HH_cond_exp's
// prepare() recomputes its gating rates from v: they must equal those its step left).
network every_point_type() {
  network net;
  net.seed = 13;
  net.tstop = 40.0;
  auto poi = make_population("poi", 40, "SpikeSourcePoisson", {{"rate", 120.0}});
  net.populations = {poi};
  const std::pair<const char*, double> types[] = {{"IF_curr_exp", 1.5},
                                                  {"IF_curr_alpha", 1.5},
                                                  {"IF_cond_exp", 0.02},
                                                  {"IF_cond_alpha", 0.02},
                                                  {"EIF_cond_exp_isfa_ista", 0.02},
                                                  {"HH_cond_exp", 0.05},
                                                  {"Izhikevich", 6.0},
                                                  {"IF_curr_delta", 1.0},
                                                  {"IF_cond_exp_gsfa_grr", 0.02},
                                                  {"EIF_cond_alpha_isfa_ista", 0.02}};
  for (const auto& [type, w] : types) {
    const std::string label = std::string("p_") + type;
    net.populations.push_back(make_population(label, 6, type));
    net.projections.push_back(
        make_projection(label, "poi", label, connector{.type = "FixedProbability", .p = 0.4}, w,
                        distribution{"uniform", {{"low", 0.2}, {"high", 1.3}}}));
    net.recorders.push_back(make_recorder(label + "_s", label, {"spikes"}));
    net.recorders.push_back(make_recorder(label + "_v", label, {"v"}, 0.2));
    stimulus n{.label = label + "_noise",
               .type = "NoisyCurrentSource",
               .target = test::pop(label),
               .params = {{"mean", 0.0}, {"stdev", 0.2}, {"dt", 0.5}}};
    net.stimuli.push_back(n);
  }
  return net;
}

TEST(segments, every_point_cell_type) {
  check_splits(every_point_type(),
               {{133, 267}, cuts({1, 2, 5, 19, 57, 58, 200, 301, 399}, 400), single_steps(50, 400)},
               50);
}

// A network big enough that the ring buffer holds only ~20 ms of steps
// (ring_horizon), so the 21-30 ms connections go through the long-delay queue; one
// 450 ms connection sets the maximum delay (it never arrives in this run).
network queued_delays() {
  network net;
  net.seed = 21;
  net.tstop = 100.0;
  auto src = make_population("src", 40, "SpikeSourcePoisson", {{"rate", 80.0}});
  auto tgt = make_population("tgt", 100, "IF_curr_exp", {{"tau_refrac", 1.0}});
  auto bulk = make_population("bulk", 10000, "SpikeSourceArray");
  net.populations = {src, tgt, bulk};
  net.projections = {
      make_projection("st", "src", "tgt", connector{.type = "FixedProbability", .p = 0.3}, 1.5,
                      distribution{"uniform", {{"low", 15.0}, {"high", 30.0}}}),
      make_projection("tt", "tgt", "tgt", connector{.type = "FixedProbability", .p = 0.1}, 0.5,
                      distribution{"uniform", {{"low", 21.0}, {"high", 28.0}}}),
      make_projection("far", "tgt", "tgt", connector{.type = "FixedNumberPre", .n = 1}, 0.1, 450.0),
  };
  net.recorders = {make_recorder("s", "tgt", {"spikes"}), make_recorder("si", "src", {"spikes"}),
                   make_recorder("v", "tgt", {"v"}, 0.9)};
  return net;
}

TEST(segments, long_delays_through_the_queue) {
  const network net = queued_delays();
  // The horizon of this model (min delay 150 steps, max 4500): delays above it are queued.
  const int64_t horizon = detail::ring_horizon(150, 4500, 2, 10140);
  ASSERT_LT(horizon, 210);
  ASSERT_GE(horizon, 150);
  check_splits(net,
               {{500, 500},
                cuts({1, 149, 150, 151, 210, 299, 300, 301, 487, 612, 750, 999}, 1000),
                single_steps(60, 1000)},
               100);
}

// HNN's 3x3 column (tests/unit/test_hnn_network.cpp) with an evoked, a Poisson and a
// tonic drive: cable cells, NMDA, drives expanded to spike arrays and DC sources.
network hnn_column() {
  return test::hnn_3x3_column(
      40, R"json([
      {"label": "evprox", "type": "evoked", "location": "proximal", "mu": 12, "sigma": 3,
       "seed": 5, "origin": [1, 1],
       "weights_ampa": {"L2_basket": 0.08831, "L2_pyramidal": 0.01525, "L5_basket": 0.19934,
                        "L5_pyramidal": 0.02},
       "delays": {"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0}},
      {"label": "pois", "type": "poisson", "location": "distal", "rate": 40, "tstart": 2.5,
       "seed": 2, "weights_ampa": {"L2_pyramidal": 0.004, "L5_pyramidal": 0.004}},
      {"label": "tonic", "type": "tonic", "tstart": 5.05, "tstop": 31.3,
       "amplitudes": {"L2_basket": 0.05}}
    ])json",
      R"json([{"target": ["L2_pyramidal", "L5_pyramidal"], "variables": ["spikes", "dipole"]},
                  {"target": "L2_basket", "variables": ["spikes", "v"], "interval": 0.175}])json");
}

TEST(segments, hnn_column_with_drives) {
  const network net = hnn_column();
  // dt 0.025 ms: 1600 steps; the shortest delay is 1 ms (40 steps).
  check_splits(net, {{480, 1120}, cuts({1, 39, 40, 41, 333, 480, 481, 1001, 1599}, 1600)}, 20);
}

// A change between segments restarts only the Poisson cells whose rate or start
// changed (a silent one starts firing); setting a parameter to the value it has changes
// nothing.
TEST(segments, poisson_restarts_only_changed_cells) {
  network net;
  net.seed = 4;
  net.tstop = 200.0;
  net.populations = {make_population("a", 200, "SpikeSourcePoisson", {{"rate", 20.0}}),
                     make_population("b", 200, "SpikeSourcePoisson", {{"rate", 20.0}}),
                     make_population("c", 100, "SpikeSourcePoisson", {{"rate", 0.0}})};
  net.recorders = {make_recorder("sa", "a", {"spikes"}), make_recorder("sb", "b", {"spikes"}),
                   make_recorder("sc", "c", {"spikes"})};
  const outputs ref = run_steps(net, 2, {2000});
  auto split = [&](double rate_a, double rate_b, double rate_c) {
    simulation sim(net, {.threads = 2});
    sim.run(100.0);
    sim.set_population_param("a", "rate", rate_a);
    sim.set_population_param("b", "rate", rate_b);
    sim.set_population_param("c", "rate", rate_c);
    sim.run(100.0);
    return std::tuple{sim.spikes("a"), sim.spikes("b"), sim.spikes("c")};
  };
  const auto [same_a, same_b, same_c] = split(20.0, 20.0, 0.0);  // unchanged values
  EXPECT_TRUE(same_bits(same_a.times, ref.spikes[0].times));
  EXPECT_EQ(same_a.node_ids, ref.spikes[0].node_ids);
  EXPECT_TRUE(same_bits(same_b.times, ref.spikes[1].times));
  EXPECT_TRUE(same_c.times.empty());
  // a ten times faster from t = 100 ms, c firing from then on
  const auto [a, b, c] = split(200.0, 20.0, 50.0);
  EXPECT_TRUE(same_bits(b.times, ref.spikes[1].times));
  EXPECT_EQ(b.node_ids, ref.spikes[1].node_ids);
  std::size_t before = 0, ref_before = 0;
  while (before < a.times.size() && a.times[before] <= 100.0) ++before;
  while (ref_before < ref.spikes[0].times.size() && ref.spikes[0].times[ref_before] <= 100.0)
    ++ref_before;
  ASSERT_EQ(before, ref_before);
  EXPECT_TRUE(std::equal(a.times.begin(), a.times.begin() + static_cast<long>(before),
                         ref.spikes[0].times.begin()));
  // 200 cells x 0.1 s x 200 Hz = 4000 expected spikes after the change (sd ~63).
  const double after = static_cast<double>(a.times.size() - before);
  EXPECT_NEAR(after, 4000.0, 300.0);
  // 100 cells x 0.1 s x 50 Hz = 500 (sd ~22), none before the change.
  EXPECT_NEAR(static_cast<double>(c.times.size()), 500.0, 100.0);
  ASSERT_FALSE(c.times.empty());
  EXPECT_GT(c.times.front(), 100.0);
}

// A NoisyCurrentSource parameter changed between segments acts from the segment's first
// step, as a DCSource's does, also when the segment starts inside a noise interval: with
// stdev 0 the two sources inject the same current, so the two cells' v are identical.
TEST(segments, noisy_current_change_acts_at_the_segment_start) {
  network net;
  net.tstop = 30.0;
  auto cell = std::map<std::string, value_spec>{{"v_thresh", 100.0}, {"tau_m", 10.0}};
  net.populations = {make_population("n", 1, "IF_curr_exp", cell),
                     make_population("d", 1, "IF_curr_exp", cell)};
  stimulus noise{.label = "noise",
                 .type = "NoisyCurrentSource",
                 .target = test::pop("n"),
                 .params = {{"mean", 0.0}, {"stdev", 0.0}, {"dt", 1.0}}};
  stimulus dc{
      .label = "dc", .type = "DCSource", .target = test::pop("d"), .params = {{"amplitude", 0.0}}};
  net.stimuli = {noise, dc};
  net.recorders = {make_recorder("v", "n", {"v"}), make_recorder("w", "d", {"v"})};
  simulation sim(net, {.threads = 1});
  sim.run(10.3);  // inside the noise interval [10, 11)
  for (const char* s : {"noise", "dc"})
    sim.set_stimulus_param(s, s[0] == 'n' ? "mean" : "amplitude", 0.5);
  sim.run(5.0);
  sim.set_stimulus_param("noise", "mean", -0.2);
  sim.set_stimulus_param("dc", "amplitude", -0.2);
  sim.run(14.7);
  const auto tr = sim.traces();
  ASSERT_EQ(tr.size(), 2u);
  ASSERT_EQ(tr[0].values.size(), 301u);
  EXPECT_GT(tr[0].values[150], -64.0);  // the current acts
  EXPECT_TRUE(same_bits(tr[0].values, tr[1].values));
}

}  // namespace
}  // namespace myelin

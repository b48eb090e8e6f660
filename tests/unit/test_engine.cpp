// The engine: determinism across seeds and thread counts, run segments, recording
// windows and intervals, memory refusal, spike sources and current sources.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;
using test::make_recorder;

struct run_result {
  std::vector<spike_data> spikes;
  std::vector<trace_data> traces;
};

run_result run_net(const network& net, int threads) {
  simulation sim(net, {.threads = threads});
  sim.run();
  run_result r;
  for (const auto& p : net.populations) r.spikes.push_back(sim.spikes(p.label));
  r.traces = sim.traces();
  return r;
}

bool same(const run_result& a, const run_result& b) {
  if (a.spikes.size() != b.spikes.size()) return false;
  for (std::size_t p = 0; p < a.spikes.size(); ++p)
    if (a.spikes[p].times != b.spikes[p].times || a.spikes[p].node_ids != b.spikes[p].node_ids)
      return false;
  if (a.traces.size() != b.traces.size()) return false;
  for (std::size_t t = 0; t < a.traces.size(); ++t)
    if (a.traces[t].values != b.traces[t].values || a.traces[t].times != b.traces[t].times)
      return false;
  return true;
}

TEST(engine, same_seed_same_spikes_other_seed_other_spikes) {
  const auto a = run_net(test::small_random_network(5), 1);
  const auto b = run_net(test::small_random_network(5), 1);
  const auto c = run_net(test::small_random_network(6), 1);
  EXPECT_TRUE(same(a, b));
  EXPECT_FALSE(same(a, c));
  EXPECT_GT(a.spikes[0].times.size(), 100u);  // the network is active
  EXPECT_GT(a.spikes[2].times.size(), 100u);
}

TEST(engine, bit_identical_for_any_thread_count) {
  const network net = test::small_random_network(11);
  const auto one = run_net(net, 1);
  for (int threads : {2, 3, 4})
    EXPECT_TRUE(same(one, run_net(net, threads))) << threads << " threads";
}

TEST(engine, poisson_source_rate) {
  network net;
  net.tstop = 2000.0;
  net.populations = {make_population("p", 200, "SpikeSourcePoisson",
                                     {{"rate", 25.0}, {"start", 500.0}, {"duration", 1000.0}})};
  net.recorders = {make_recorder("s", "p", {"spikes"})};
  simulation sim(net, {.threads = 2});
  sim.run();
  const auto s = sim.spikes("p");
  const double expect = 200 * 25.0 * 1.0;  // 1 s of firing
  EXPECT_NEAR(static_cast<double>(s.times.size()), expect, 5 * std::sqrt(expect));
  for (double t : s.times) {
    EXPECT_GT(t, 500.0);
    EXPECT_LE(t, 1500.0 + 0.1);
  }
}

TEST(engine, spike_source_array_times_and_delay) {
  // Spikes at 1.0 and 3.0 ms reach the target 1.5 ms later: the PSC of an IF_curr_exp
  // cell starts exactly then.
  network net;
  net.tstop = 10.0;
  auto src = make_population("src", 1, "SpikeSourceArray");
  src.spike_times = {{1.0, 3.0}};
  net.populations = {src, make_population("cell", 1, "IF_curr_exp", {{"v_thresh", 100.0}})};
  net.projections = {make_projection("p", "src", "cell", {.type = "AllToAll"}, 1.0, 1.5)};
  net.recorders = {make_recorder("s", "src", {"spikes"}), make_recorder("i", "cell", {"isyn_exc"})};
  simulation sim(net, {.threads = 1});
  sim.run();
  const auto sp = sim.spikes("src");
  ASSERT_EQ(sp.times.size(), 2u);
  EXPECT_NEAR(sp.times[0], 1.0, 1e-12);
  EXPECT_NEAR(sp.times[1], 3.0, 1e-12);
  const auto tr = sim.traces()[0];
  for (std::size_t k = 0; k < tr.times.size(); ++k) {
    const double t = tr.times[k];
    double expect = 0;
    if (t > 2.5 - 1e-9) expect += std::exp(-(t - 2.5) / 5.0);
    if (t > 4.5 - 1e-9) expect += std::exp(-(t - 4.5) / 5.0);
    EXPECT_NEAR(tr.values[k], expect, 1e-12) << "t = " << t;
  }
}

TEST(engine, segments_change_parameters_and_recording) {
  // Segment 1: no current; segment 2: DC 0.5 nA, recorder off; segment 3: recorder on.
  network net;
  net.tstop = 30.0;
  net.populations = {make_population("cell", 1, "IF_curr_exp",
                                     {{"v_thresh", 100.0}, {"cm", 1.0}, {"tau_m", 10.0}})};
  stimulus dc{.label = "dc",
              .type = "DCSource",
              .target = test::pop("cell"),
              .params = {{"amplitude", 0.0}}};
  net.stimuli = {dc};
  net.recorders = {make_recorder("v", "cell", {"v"}, 1.0)};
  simulation sim(net, {.threads = 1});
  sim.run(10.0);
  sim.set_stimulus_param("dc", "amplitude", 0.5);
  sim.set_recording("v", false);
  sim.run(10.0);
  sim.set_recording("v", true);
  sim.run(10.0);
  EXPECT_DOUBLE_EQ(sim.time(), 30.0);
  const auto tr = sim.traces()[0];
  ASSERT_EQ(tr.times.size(), 11u + 10u);  // t = 0..10 and 21..30
  for (std::size_t k = 0; k < tr.times.size(); ++k) {
    const double t = tr.times[k];
    const double expect = t <= 10.0 ? -65.0 : -65.0 + 5.0 * (1 - std::exp(-(t - 10.0) / 10.0));
    EXPECT_NEAR(tr.values[k], expect, 1e-10) << "t = " << t;
    EXPECT_TRUE(t <= 10.0 + 1e-9 || t >= 21.0 - 1e-9);
  }
  EXPECT_THROW(sim.set_stimulus_param("dc", "frequency", 1.0), model_error);
  EXPECT_THROW(sim.set_recording("nope", true), model_error);
  // summary.json describes the model as it now is.
  const auto dir =
      std::filesystem::temp_directory_path() / ("myelin-test-engine-" + std::to_string(::getpid()));
  sim.write_outputs(dir.string());
  std::ifstream in(dir / "summary.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("model").at("stimuli").at(0).at("amplitude").get<double>(), 0.5);
  std::filesystem::remove_all(dir);
}

TEST(engine, population_parameter_change_between_segments) {
  network net;
  net.tstop = 20.0;
  net.populations = {make_population("cell", 3, "IF_curr_exp", {{"v_thresh", 100.0}})};
  net.recorders = {make_recorder("v", "cell", {"v"}, 10.0)};
  simulation sim(net, {.threads = 2});
  sim.run(10.0);
  sim.set_population_param("cell", "i_offset", 1.0);
  sim.run(10.0);
  const auto tr = sim.traces()[0];
  ASSERT_EQ(tr.times.size(), 3u);
  const double expect = -65.0 + 20.0 * (1 - std::exp(-10.0 / 20.0));
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(tr.values[2 * 3 + c], expect, 1e-10);
  EXPECT_THROW(sim.set_population_param("cell", "tau_m", -1.0), model_error);
}

TEST(engine, recording_window_and_interval) {
  network net;
  net.tstop = 100.0;
  net.populations = {make_population("p", 10, "SpikeSourcePoisson", {{"rate", 200.0}}),
                     make_population("c", 4, "IF_cond_exp")};
  recorder s = make_recorder("s", "p", {"spikes"});
  s.start = 20.0;
  s.stop = 40.0;
  recorder v = make_recorder("v", "c", {"v"}, 2.5);
  v.start = 10.0;
  v.stop = 20.0;
  v.target = {{{.population = "c", .indices = std::vector<int64_t>{3, 1}}}};
  net.recorders = {s, v};
  simulation sim(net, {.threads = 3});
  sim.run();
  const auto sp = sim.spikes("p");
  ASSERT_FALSE(sp.times.empty());
  for (double t : sp.times) {
    EXPECT_GE(t, 20.0 - 1e-9);
    EXPECT_LE(t, 40.0 + 1e-9);
  }
  const auto tr = sim.traces()[0];
  EXPECT_EQ(tr.times, (std::vector<double>{10.0, 12.5, 15.0, 17.5, 20.0}));
  EXPECT_EQ(tr.node_ids, (std::vector<uint64_t>{3, 1}));
  EXPECT_EQ(tr.values.size(), 10u);
  // Spike counts cover every spike, recorded or not.
  EXPECT_GT(sim.summary()[0].spike_count, sp.times.size());
}

TEST(engine, refuses_recordings_above_the_memory_limit) {
  network net;
  net.tstop = 1000.0;
  net.populations = {make_population("c", 1000, "IF_cond_exp")};
  net.recorders = {make_recorder("v", "c", {"v"})};
  simulation sim(net, {.threads = 1, .max_record_memory = 1e6});
  // 1000 cells x 10001 samples x 8 B = 80 MB > 1 MB.
  EXPECT_NEAR(sim.record_memory_estimate(1000.0), 1000 * 10001 * 8.0, 1.0);
  try {
    sim.run();
    FAIL() << "expected an error";
  } catch (const error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("76.3 MiB"), std::string::npos) << msg;
    EXPECT_NE(msg.find("interval"), std::string::npos) << msg;
  }
  EXPECT_EQ(sim.time(), 0.0);
}

// The estimate assumes 100 Hz per recorded cell; cells firing faster are stopped during
// the run, on every rank at the same epoch (every rank counts every recorded spike).
TEST(engine, stops_when_recorded_spikes_exceed_the_memory_limit) {
  network net;
  net.tstop = 1000.0;
  net.populations = {make_population("src", 50, "SpikeSourcePoisson", {{"rate", 1000.0}})};
  net.recorders = {make_recorder("s", "src", {"spikes"})};
  // Estimate: 50 cells x 100 Hz x 1 s x 16 B = 80 kB, under the 200 kB limit; the cells
  // record about 800 kB.
  auto expect_stop = [](const std::string& msg) {
    EXPECT_NE(msg.find("recorded spikes reached"), std::string::npos) << msg;
    EXPECT_NE(msg.find("limit of 195.3 KiB"), std::string::npos) << msg;
    EXPECT_NE(msg.find("start/stop window"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--max-record-memory"), std::string::npos) << msg;
  };
  {
    simulation sim(net, {.threads = 2, .max_record_memory = 200e3});
    EXPECT_NEAR(sim.record_memory_estimate(1000.0), 80e3, 1e-6);
    try {
      sim.run();
      FAIL() << "expected an error";
    } catch (const error& e) {
      expect_stop(e.what());
    }
    // Stopped within an epoch (1 ms, ~50 spikes) of crossing 200 kB / 16 B = 12500 spikes.
    const auto n = sim.spikes("src").times.size();
    EXPECT_GT(n, 12500u);
    EXPECT_LT(n, 12500u + 200u);
  }
  auto contexts = detail::make_loopback_contexts(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      try {
        simulation sim = simulation_access::make(net, {.threads = 1, .max_record_memory = 200e3},
                                                 std::move(contexts[r]));
        sim.run();
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : ranks) t.join();
  for (const auto& e : errors) expect_stop(e);
  // A limit above what the cells record: the run completes.
  simulation sim(net, {.threads = 1, .max_record_memory = 4e6});
  sim.run();
  EXPECT_GT(sim.spikes("src").times.size(), 45000u);
}

TEST(engine, noisy_and_step_and_ac_currents) {
  // Cells that cannot fire, tau_m = 1e6 ms and cm = 1 nF: v integrates the current, so
  // v(t) - v(0) = integral of I dt [nA ms / nF = mV] (up to a 1e-6 relative leak).
  network net;
  net.tstop = 100.0;
  net.populations = {make_population("c", 400, "IF_curr_exp",
                                     {{"v_thresh", 1e9}, {"tau_m", 1e6}, {"v_rest", 0.0}})};
  net.populations[0].initial["v"] = 0.0;
  stimulus step{.label = "step",
                .type = "StepCurrentSource",
                .target = {{{.population = "c", .start = 0, .stop = 1}}},
                .times = {10.0, 30.0},
                .amplitudes = {1.0, -0.5}};
  stimulus ac{.label = "ac",
              .type = "ACSource",
              .target = {{{.population = "c", .start = 1, .stop = 2}}},
              .params = {{"amplitude", 1.0}, {"frequency", 50.0}, {"start", 0.0}, {"stop", 10.0}}};
  stimulus noise{.label = "noise",
                 .type = "NoisyCurrentSource",
                 .target = {{{.population = "c", .start = 2, .stop = 400}}},
                 .params = {{"mean", 0.2}, {"stdev", 1.0}, {"dt", 1.0}}};
  net.stimuli = {step, ac, noise};
  net.recorders = {make_recorder("v", "c", {"v"}, 100.0)};
  simulation sim(net, {.threads = 2});
  sim.run();
  const auto tr = sim.traces()[0];
  const double* v = tr.values.data() + 400;  // t = 100
  EXPECT_NEAR(v[0], 1.0 * 20.0 - 0.5 * 70.0, 1e-2);
  // Half a period of 50 Hz (10 ms) from phase 0: integral 2 A / omega.
  EXPECT_NEAR(v[1], 2.0 / (2 * M_PI * 50.0 / 1000.0), 0.05);
  // Noise: 100 intervals of 1 ms: mean 0.2*100 = 20 mV, sd sqrt(100) = 10 mV per cell.
  double m = 0, s2 = 0;
  for (int c = 2; c < 400; ++c) m += v[c];
  m /= 398;
  for (int c = 2; c < 400; ++c) s2 += (v[c] - m) * (v[c] - m);
  s2 /= 397;
  EXPECT_NEAR(m, 20.0, 5 * 10.0 / std::sqrt(398.0));
  EXPECT_NEAR(std::sqrt(s2), 10.0, 1.5);
}

TEST(engine, rejects_bad_durations) {
  network net;
  net.populations = {make_population("c", 1, "IF_cond_exp")};
  simulation sim(net, {.threads = 1});
  EXPECT_THROW(sim.run(-1.0), model_error);
  EXPECT_THROW(sim.run(0.05), model_error);
  EXPECT_THROW(simulation(net, {.threads = -2}), model_error);
}

}  // namespace
}  // namespace myelin

// The cell-type registry: a kernel registered at run time (here a trivial integrator
// written in this file) is validated, built and run like a built-in one.

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "cells/cell_group.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;
using test::make_recorder;

// dv/dt = rate + i_inj, plus the weights of arriving spikes (delta synapses, [mV]):
// exc adds, inh subtracts. v >= v_thresh: a spike, and v restarts from 0.
class integrator final : public detail::cell_group {
 public:
  explicit integrator(const detail::group_init& init)
      : cell_group(init),
        rate_(take(init, "rate")),
        thresh_(take(init, "v_thresh")),
        v_(take(init, "v")) {}
  void prepare(double) override {}
  void advance(const detail::step_info& s, const detail::group_input& in,
               std::vector<uint32_t>& spiked) override {
    double* v = col(v_);
    const double* rate = col(rate_);
    const double* thresh = col(thresh_);
    for (std::size_t i = 0; i < n_; ++i) {
      v[i] += s.dt * (rate[i] + in.i_inj[i]) + in.exc[i] - in.inh[i];
      if (v[i] >= thresh[i]) {
        spiked.push_back(static_cast<uint32_t>(i));
        v[i] = 0.0;
      }
    }
  }

 private:
  std::size_t rate_, thresh_, v_;
};

detail::cell_kernel integrator_kernel(const std::string& name) {
  cell_type_info info;
  info.name = name;
  info.synapse_kind = "delta";
  info.params = {{"rate", "mV/ms", 1.0, "slope"}, {"v_thresh", "mV", 1e9, "threshold"}};
  info.state = {{"v", "mV", 0.0, "integral"}};
  info.recordable = {"v", "spikes"};
  return {info, [](const detail::group_init& init) -> std::unique_ptr<detail::cell_group> {
            return std::make_unique<integrator>(init);
          }};
}

// Registered once per process (the registry refuses a second registration).
const char* test_type() {
  static const std::string name =
      detail::register_cell_kernel(integrator_kernel("TestIntegrator")).info.name;
  return name.c_str();
}

TEST(cell_registry, registered_kernel_runs_through_the_public_api) {
  // v(t) = rate t + 3 [t >= 1.5] + 0.25 max(0, t - 2): the spike at 1 ms with delay
  // 0.5 ms acts at 1.5 ms; the DC source is on during the steps that start at >= 2 ms.
  network net;
  net.tstop = 10.0;
  auto ramp =
      make_population("ramp", 3, test_type(), {{"rate", std::vector<double>{0.5, 1.0, 2.0}}});
  auto src = make_population("src", 1, "SpikeSourceArray");
  src.spike_times = {{1.0}};
  net.populations = {ramp, src};
  net.projections = {make_projection("in", "src", "ramp", connector{.type = "AllToAll"}, 3.0, 0.5)};
  net.stimuli = {stimulus{.label = "dc",
                          .type = "DCSource",
                          .target = test::pop("ramp"),
                          .params = {{"amplitude", 0.25}, {"start", 2.0}}}};
  net.recorders = {make_recorder("v", "ramp", {"v"})};
  simulation sim(net, {.threads = 2});
  sim.run();
  const auto traces = sim.traces();
  ASSERT_EQ(traces.size(), 1u);
  const trace_data& tr = traces[0];
  ASSERT_EQ(tr.times.size(), 101u);
  ASSERT_EQ(tr.node_ids.size(), 3u);
  const double rate[] = {0.5, 1.0, 2.0};
  for (std::size_t k = 0; k < tr.times.size(); ++k) {
    const double t = tr.times[k];
    for (std::size_t c = 0; c < 3; ++c) {
      const double expect =
          rate[c] * t + (t >= 1.5 - 1e-9 ? 3.0 : 0.0) + 0.25 * std::max(0.0, t - 2.0);
      EXPECT_NEAR(tr.values[k * 3 + c], expect, 1e-9) << "t = " << t << ", cell " << c;
    }
  }
}

TEST(cell_registry, registered_kernel_spikes_on_every_layout) {
  // dt = 1/8 ms and rate 1 mV/ms: v reaches the threshold 1 mV exactly every 1 ms.
  for (int threads : {1, 3}) {
    network net;
    net.dt = 0.125;
    net.tstop = 9.5;
    net.populations = {make_population("fire", 4, test_type(), {{"v_thresh", 1.0}})};
    net.recorders = {make_recorder("spikes", "fire", {"spikes"})};
    simulation sim(net, {.threads = threads});
    sim.run();
    const spike_data sp = sim.spikes("fire");
    ASSERT_EQ(sp.times.size(), 36u) << threads << " threads";
    for (std::size_t m = 0; m < sp.times.size(); ++m) {
      EXPECT_DOUBLE_EQ(sp.times[m], static_cast<double>(m / 4 + 1));
      EXPECT_EQ(sp.node_ids[m], m % 4);
    }
  }
}

TEST(cell_registry, validation_knows_the_registered_type) {
  network net;
  net.tstop = 1.0;
  net.populations = {make_population("ramp", 1, test_type(), {{"slope", 1.0}})};
  try {
    simulation sim(net, {.threads = 1});
    FAIL() << "an unknown parameter of a registered type was accepted";
  } catch (const model_error& e) {
    EXPECT_EQ(e.field(), "populations[0].params.slope");
  }
}

TEST(cell_registry, refuses_a_taken_name) {
  test_type();
  for (const char* name : {"TestIntegrator", "IF_cond_exp"}) {
    try {
      detail::register_cell_kernel(integrator_kernel(name));
      FAIL() << name << " registered twice";
    } catch (const error& e) {
      EXPECT_NE(std::string(e.what()).find("'" + std::string(name) + "' is already registered"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(detail::register_cell_kernel(integrator_kernel("")), error);
  EXPECT_THROW(detail::register_cell_kernel({integrator_kernel("NoFactory").info, nullptr}), error);
  EXPECT_EQ(find_cell_type("NoFactory"), nullptr);
}

TEST(cell_registry, lists_built_ins_first_and_keeps_pointers_while_growing) {
  const cell_type_info* mine = find_cell_type(test_type());
  const cell_type_info* lif = find_cell_type("IF_cond_exp");
  ASSERT_NE(mine, nullptr);
  ASSERT_NE(lif, nullptr);
  // Many registrations from several threads at once (a deque grows in blocks).
  std::vector<std::thread> team;
  for (int t = 0; t < 4; ++t)
    team.emplace_back([t] {
      for (int k = 0; k < 100; ++k)
        detail::register_cell_kernel(
            integrator_kernel("Grow" + std::to_string(t) + "_" + std::to_string(k)));
    });
  for (auto& th : team) th.join();
  EXPECT_EQ(find_cell_type(test_type()), mine);
  EXPECT_EQ(find_cell_type("IF_cond_exp"), lif);
  EXPECT_EQ(mine->name, "TestIntegrator");
  const auto types = cell_types();
  // 19 built-ins: the PyNN types, then HNN's four cable cells.
  ASSERT_GE(types.size(), 19u + 1 + 400);
  EXPECT_EQ(types.front().name, "IF_curr_exp");
  EXPECT_EQ(types[18].name, "L5_pyramidal");
  std::size_t grown = 0;
  for (std::size_t i = 19; i < types.size(); ++i) grown += types[i].name.rfind("Grow", 0) == 0;
  EXPECT_EQ(grown, 400u);
  for (int t = 0; t < 4; ++t)
    EXPECT_NE(find_cell_type("Grow" + std::to_string(t) + "_99"), nullptr);
}

}  // namespace
}  // namespace myelin

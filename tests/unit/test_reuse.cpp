// simulation::reset: a reset simulation gives bit-identical results to a fresh build of
// the same model, keeps the connection tables that stay valid (and only those), refuses
// other cells, and leaves the simulation as it was when the new model is invalid.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;
using test::make_recorder;

distribution uniform(double lo, double hi) {
  return {"uniform", {{"low", lo}, {"high", hi}}};
}

selection both() {
  return {{{.population = "exc"}, {.population = "inh"}}};
}

// The Izhikevich 2003 network of models/sweeps/izhikevich8.json, 100 cells: all-to-all,
// weights, parameters and noise drawn from the seed.
network izhikevich(uint64_t seed) {
  network net;
  net.seed = seed;
  net.dt = 1.0;
  net.tstop = 200.0;
  auto e = make_population("exc", 80, "Izhikevich",
                           {{"c", uniform(-65.0, -50.0)}, {"d", uniform(2.0, 8.0)}});
  auto i = make_population("inh", 20, "Izhikevich",
                           {{"a", uniform(0.02, 0.1)}, {"b", uniform(0.2, 0.25)}});
  e.initial["v"] = -65.0;
  i.initial["v"] = -65.0;
  net.populations = {e, i};
  auto ea = make_projection("exc->all", "exc", "exc", {.type = "AllToAll"}, uniform(0.0, 0.5), 1.0);
  ea.post = both();
  auto ia = make_projection("inh->all", "inh", "inh", {.type = "AllToAll"}, uniform(-1.0, 0.0), 1.0,
                            "inhibitory");
  ia.post = both();
  net.projections = {ea, ia};
  for (const char* target : {"exc", "inh"}) {
    stimulus s;
    s.label = std::string("noise_") + target;
    s.type = "NoisyCurrentSource";
    s.target = test::pop(target);
    s.params = {{"mean", 0.0}, {"stdev", target[0] == 'e' ? 0.005 : 0.002}, {"dt", 1.0}};
    net.stimuli.push_back(s);
  }
  net.recorders = {make_recorder("s", "exc", {"spikes"}), make_recorder("si", "inh", {"spikes"}),
                   make_recorder("v", "inh", {"v", "u"})};
  return net;
}

// Every result of two simulations of the same model, compared bit for bit.
void expect_same(simulation& a, simulation& b) {
  ASSERT_EQ(a.time(), b.time());
  for (const auto& p : a.model().populations) {
    const spike_data x = a.spikes(p.label), y = b.spikes(p.label);
    EXPECT_EQ(x.times, y.times) << p.label;
    EXPECT_EQ(x.node_ids, y.node_ids) << p.label;
  }
  const auto ta = a.traces(), tb = b.traces();
  ASSERT_EQ(ta.size(), tb.size());
  for (std::size_t k = 0; k < ta.size(); ++k) {
    EXPECT_EQ(ta[k].values, tb[k].values) << ta[k].variable;
    EXPECT_EQ(ta[k].times, tb[k].times);
  }
  for (const auto& pr : a.model().projections) {
    const auto ca = a.connections(pr.label), cb = b.connections(pr.label);
    ASSERT_EQ(ca.size(), cb.size()) << pr.label;
    for (std::size_t k = 0; k < ca.size(); ++k) {
      ASSERT_EQ(ca[k].pre, cb[k].pre);
      ASSERT_EQ(ca[k].post, cb[k].post);
      ASSERT_EQ(ca[k].weight, cb[k].weight) << pr.label << " connection " << k;
      ASSERT_EQ(ca[k].delay, cb[k].delay);
    }
  }
  EXPECT_EQ(a.synapse_count(), b.synapse_count());
  EXPECT_EQ(a.synapse_bytes(), b.synapse_bytes());
  const auto sa = a.summary(), sb = b.summary();
  for (std::size_t p = 0; p < sa.size(); ++p) EXPECT_EQ(sa[p].spike_count, sb[p].spike_count);
}

// Runs `first`, resets the simulation to `next` and runs it; compares with a fresh build
// of `next`. Returns the reset's reused synapse count.
uint64_t reset_matches_fresh(const network& first, const network& next, int threads = 1) {
  simulation sim(first, {.threads = threads});
  sim.run();
  const auto before = sim.spikes("exc").times;
  EXPECT_TRUE(sim.reset(next));
  EXPECT_EQ(sim.time(), 0.0);
  EXPECT_TRUE(sim.spikes("exc").times.empty());
  sim.run();
  simulation fresh(next, {.threads = threads});
  fresh.run();
  expect_same(sim, fresh);
  EXPECT_GT(fresh.spikes("exc").times.size(), 20u);  // the network is active
  return sim.reused_synapse_count();
}

TEST(reuse, new_seed_keeps_all_to_all_connections_and_redraws_everything_drawn) {
  const network a = izhikevich(1), b = izhikevich(2);
  EXPECT_EQ(reset_matches_fresh(a, b), 100u * 100u);
  EXPECT_EQ(reset_matches_fresh(a, b, 2), 100u * 100u);
  // The seed matters: the runs differ.
  simulation x(a), y(b);
  x.run();
  y.run();
  EXPECT_NE(x.spikes("exc").times, y.spikes("exc").times);
}

TEST(reuse, weight_and_cell_changes_keep_random_connections_of_the_same_seed) {
  const network a = test::small_random_network(5, 100.0);
  network b = a;
  b.projections[0].weight = 0.006;                           // ee: scalar
  b.projections[1].weight = uniform(0.003, 0.008);           // ei: redrawn
  b.populations[0].params["i_offset"] = uniform(0.1, 0.15);  // cells: built anew
  b.stimuli[0].params["stdev"] = 0.2;
  simulation fresh(b);
  EXPECT_EQ(reset_matches_fresh(a, b), fresh.synapse_count());
  EXPECT_EQ(reset_matches_fresh(a, b, 3), fresh.synapse_count());
  // A distribution replaced by a scalar, and back.
  network c = b;
  c.projections[1].weight = 0.004;
  EXPECT_EQ(reset_matches_fresh(b, c), fresh.synapse_count());
  EXPECT_EQ(reset_matches_fresh(c, b), fresh.synapse_count());
}

TEST(reuse, connections_drawn_from_a_new_seed_are_built_anew) {
  // FixedProbability and FixedNumberPre draw their connections from the seed.
  EXPECT_EQ(reset_matches_fresh(test::small_random_network(5, 100.0),
                                test::small_random_network(6, 100.0)),
            0u);
}

TEST(reuse, a_changed_connector_is_built_anew_the_rest_kept) {
  const network a = test::small_random_network(5, 100.0);
  network b = a;
  b.projections[0].conn.p = 0.15;  // ee
  simulation fresh(b);
  const uint64_t ee = fresh.connections("ee").size();
  EXPECT_GT(ee, 0u);
  EXPECT_EQ(reset_matches_fresh(a, b), fresh.synapse_count() - ee);
  network c = a;  // ie's delays drawn anew
  c.projections[2].delay = uniform(0.1, 3.0);
  simulation fresh_c(c);
  EXPECT_EQ(reset_matches_fresh(a, c), fresh_c.synapse_count() - fresh_c.connections("ie").size());
}

// After a refused or failed reset the simulation holds its results, and its tables
// still serve a later reset.
void expect_unchanged_and_reusable(simulation& sim, const network& a) {
  simulation whole(a);
  whole.run();
  expect_same(sim, whole);
  ASSERT_TRUE(sim.reset(a));
  EXPECT_EQ(sim.reused_synapse_count(), whole.synapse_count());
  sim.run();
  expect_same(sim, whole);
}

TEST(reuse, other_cells_or_dt_are_refused_and_change_nothing) {
  const network a = test::small_random_network(5, 50.0);
  simulation sim(a);
  sim.run();
  network b = a;
  b.populations[1].size = 81;
  EXPECT_FALSE(sim.reset(b));
  network c = a;
  c.populations[0].cell_type = "IF_cond_alpha";
  EXPECT_FALSE(sim.reset(c));
  network d = a;
  d.dt = 0.05;
  EXPECT_FALSE(sim.reset(d));
  EXPECT_EQ(sim.model().populations[1].size, 80);
  expect_unchanged_and_reusable(sim, a);
}

TEST(reuse, an_invalid_model_leaves_the_simulation_as_it_was) {
  const network a = test::small_random_network(5, 50.0);
  simulation sim(a);
  sim.run();
  network bad = a;
  bad.projections[0].weight = -0.01;  // excitatory onto conductances: must be >= 0
  EXPECT_THROW(sim.reset(bad), model_error);
  // An error only the build finds, after other tables were taken over: more
  // connections than candidates.
  network unbuildable = a;
  unbuildable.projections[4].conn = {
      .type = "FixedNumberPre", .n = 320, .allow_self_connections = false};
  unbuildable.projections[4].pre = test::pop("exc");
  EXPECT_THROW(sim.reset(unbuildable), model_error);
  expect_unchanged_and_reusable(sim, a);
}

}  // namespace
}  // namespace myelin

// FromArrays: connections given as columns come back from simulation::connections in
// column order for any thread count (duplicates kept), read back from JSON, change
// through set_connection_param, and invalid entries are refused naming their index.

#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;

network columns_model(int64_t n) {
  network net;
  net.tstop = 5.0;
  net.populations = {make_population("a", 13, "IF_cond_exp"),
                     make_population("b", 11, "IF_cond_exp")};
  connector c{.type = "FromArrays"};
  for (int64_t i = 0; i < n; ++i) {
    c.pre.push_back((i * 7 + 3) % 13);
    c.post.push_back((i * 5 + i / 3) % 11);
    c.weights.push_back(0.001 * static_cast<double>(i % 17));
    c.delays.push_back(0.1 * static_cast<double>(1 + i % 9));
  }
  c.pre[1] = c.pre[0];  // a duplicate pair
  c.post[1] = c.post[0];
  net.projections = {make_projection("p", "a", "b", std::move(c), 0.0)};
  return net;
}

TEST(from_arrays, connections_in_column_order_for_any_threads) {
  const network net = columns_model(200);
  const connector& c = net.projections[0].conn;
  for (int threads : {1, 2, 3}) {
    simulation sim(net, {.threads = threads});
    const auto got = sim.connections("p");
    ASSERT_EQ(got.size(), 200u);
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].pre, static_cast<uint64_t>(c.pre[i]));
      EXPECT_EQ(got[i].post, 13 + static_cast<uint64_t>(c.post[i]));
      EXPECT_EQ(got[i].weight, c.weights[i]);
      EXPECT_NEAR(got[i].delay, c.delays[i], 1e-12);
    }
    EXPECT_NEAR(sim.min_delay(), 0.1, 1e-12);
    EXPECT_NEAR(sim.max_delay(), 0.9, 1e-12);
    std::vector<double> w(200);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.5 + static_cast<double>(i);
    sim.set_connection_param("p", "weight", w);
    const auto changed = sim.connections("p");
    for (std::size_t i = 0; i < w.size(); ++i) EXPECT_EQ(changed[i].weight, w[i]);
  }
}

TEST(from_arrays, json_round_trip_and_scalar_weight) {
  network net = columns_model(20);
  const network back = network_from_json_text(network_to_json_text(net));
  EXPECT_EQ(back.projections[0].conn.pre, net.projections[0].conn.pre);
  EXPECT_EQ(back.projections[0].conn.weights, net.projections[0].conn.weights);
  net.projections[0].conn.weights.clear();  // the projection's weight for every connection
  net.projections[0].weight = 0.25;
  simulation sim(net, {.threads = 2});
  for (const auto& x : sim.connections("p")) EXPECT_EQ(x.weight, 0.25);
}

TEST(from_arrays, invalid_entries_name_their_index) {
  auto message = [](const network& net) {
    try {
      validate(net);
    } catch (const model_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  network net = columns_model(20);
  net.projections[0].conn.post[4] = 11;
  EXPECT_EQ(message(net), "projections[0].connector.post[4]: index 11 is outside [0, 11)");
  net = columns_model(20);
  net.projections[0].conn.delays[6] = 0.05;
  EXPECT_EQ(message(net),
            "projections[0].connector.delay[6]: must be >= the time step 0.1 ms, got 0.05");
  net = columns_model(20);
  net.projections[0].conn.weights[2] = NAN;
  EXPECT_EQ(message(net), "projections[0].connector.weight[2]: must be finite");
  net = columns_model(20);
  net.projections[0].conn.weights.pop_back();
  EXPECT_EQ(message(net),
            "projections[0].connector.weight: has 19 entries, pre has 20 (give one per "
            "connection, or none)");
  net = columns_model(20);
  net.projections[0].conn.type = "AllToAll";
  EXPECT_EQ(message(net),
            "projections[0].connector: pre, post, weight and delay columns belong to FromArrays "
            "only");
}

}  // namespace
}  // namespace myelin

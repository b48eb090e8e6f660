// Connectors: exact counts where the connector fixes them, binomial bounds where it
// draws them, the distance profile, and independence of the thread count.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;

network two_pops(int64_t n_pre, int64_t n_post, connector c, value_spec w = 0.01,
                 value_spec d = 0.1) {
  network net;
  net.tstop = 1.0;
  net.populations = {make_population("a", n_pre, "IF_cond_exp"),
                     make_population("b", n_post, "IF_cond_exp")};
  net.projections = {make_projection("p", "a", "b", std::move(c), std::move(w), std::move(d))};
  return net;
}

std::vector<connection_data> conns(const network& net, int threads = 1) {
  simulation sim(net, {.threads = threads});
  return sim.connections("p");
}

TEST(connectors, all_to_all_and_self_connections) {
  EXPECT_EQ(conns(two_pops(7, 5, {.type = "AllToAll"})).size(), 35u);
  network net = two_pops(6, 1, {.type = "AllToAll", .allow_self_connections = false});
  net.projections[0].post = test::pop("a");
  const auto c = conns(net);
  EXPECT_EQ(c.size(), 30u);
  for (const auto& x : c) EXPECT_NE(x.pre, x.post);
}

TEST(connectors, one_to_one) {
  const auto c = conns(two_pops(9, 9, {.type = "OneToOne"}));
  ASSERT_EQ(c.size(), 9u);
  for (const auto& x : c) EXPECT_EQ(x.pre + 9, x.post);
}

TEST(connectors, fixed_probability_within_binomial_bounds) {
  const int64_t n = 400;
  const double p = 0.05;
  const auto c = conns(two_pops(n, n, {.type = "FixedProbability", .p = p}));
  const double mean = n * n * p, sd = std::sqrt(n * n * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(c.size()), mean, 5 * sd);
  // In-degrees are Binomial(n, p): their variance too.
  std::map<uint64_t, int> indeg;
  for (const auto& x : c) ++indeg[x.post];
  double s2 = 0;
  for (int64_t k = 0; k < n; ++k) {
    const double dv = indeg[n + k] - n * p;
    s2 += dv * dv;
  }
  EXPECT_NEAR(s2 / n, n * p * (1 - p), 0.3 * n * p * (1 - p));
  // p = 0 and p = 1 are exact.
  EXPECT_EQ(conns(two_pops(20, 30, {.type = "FixedProbability", .p = 0.0})).size(), 0u);
  EXPECT_EQ(conns(two_pops(20, 30, {.type = "FixedProbability", .p = 1.0})).size(), 600u);
}

TEST(connectors, fixed_number_pre_is_exact) {
  const auto c = conns(two_pops(50, 40, {.type = "FixedNumberPre", .n = 7}));
  std::map<uint64_t, std::set<uint64_t>> in;
  for (const auto& x : c) in[x.post].insert(x.pre);
  ASSERT_EQ(in.size(), 40u);
  for (const auto& [post, pres] : in) EXPECT_EQ(pres.size(), 7u);  // distinct: no replacement
  // All candidates taken: exactly every source once.
  EXPECT_EQ(conns(two_pops(10, 4, {.type = "FixedNumberPre", .n = 10})).size(), 40u);
}

TEST(connectors, fixed_number_post_is_exact) {
  const auto c = conns(two_pops(30, 60, {.type = "FixedNumberPost", .n = 9}), 3);
  std::map<uint64_t, std::set<uint64_t>> out;
  for (const auto& x : c) out[x.pre].insert(x.post);
  ASSERT_EQ(out.size(), 30u);
  for (const auto& [pre, posts] : out) EXPECT_EQ(posts.size(), 9u);
}

TEST(connectors, fixed_total_number_is_exact) {
  EXPECT_EQ(conns(two_pops(30, 20, {.type = "FixedTotalNumber", .n = 123})).size(), 123u);
  const auto c =
      conns(two_pops(10, 10, {.type = "FixedTotalNumber", .n = 100, .with_replacement = false}));
  std::set<std::pair<uint64_t, uint64_t>> pairs;
  for (const auto& x : c) pairs.insert({x.pre, x.post});
  EXPECT_EQ(pairs.size(), 100u);
}

TEST(connectors, distance_dependent_profile) {
  // Two 30x30 grids, 10 um apart; p(d) = exp(-d/40). Expected count per distance bin is
  // the sum of p over the pairs in it; the observed count must be within 5 sd.
  network net =
      two_pops(900, 900, {.type = "DistanceDependentProbability", .d_expression = "exp(-d/40)"});
  for (auto& p : net.populations)
    p.positions = positions_spec{.kind = "grid", .shape = {30, 30}, .spacing = {10, 10, 10}};
  simulation sim(net, {.threads = 2});
  const auto c = sim.connections("p");
  auto pos = [](uint64_t i) { return std::array<double, 2>{(i % 30) * 10.0, (i / 30) * 10.0}; };
  const int bins = 6;
  std::vector<double> expect(bins), var(bins), seen(bins);
  auto bin = [](double d) { return std::min(5, static_cast<int>(d / 25.0)); };
  for (uint64_t i = 0; i < 900; ++i)
    for (uint64_t j = 0; j < 900; ++j) {
      const auto a = pos(i), b = pos(j);
      const double d = std::hypot(a[0] - b[0], a[1] - b[1]);
      const double p = std::exp(-d / 40);
      expect[bin(d)] += p;
      var[bin(d)] += p * (1 - p);
    }
  for (const auto& x : c) {
    const auto a = pos(x.pre), b = pos(x.post - 900);
    seen[bin(std::hypot(a[0] - b[0], a[1] - b[1]))] += 1;
  }
  for (int k = 0; k < bins; ++k)
    EXPECT_NEAR(seen[k], expect[k], 5 * std::sqrt(var[k]) + 1) << "bin " << k;
}

TEST(connectors, from_list_with_weights_and_delays) {
  connector c{.type = "FromList", .list = {{0, 1, 0.5, 0.3}, {2, 0, 0.25, 1.0}, {0, 1, 0.1, 0.2}}};
  const auto x = conns(two_pops(3, 2, c));
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x[0].pre, 2u);
  EXPECT_EQ(x[0].post, 3u);
  EXPECT_DOUBLE_EQ(x[0].weight, 0.25);
  EXPECT_NEAR(x[0].delay, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(x[1].weight, 0.5);  // list order kept for the same pair
  EXPECT_DOUBLE_EQ(x[2].weight, 0.1);
  EXPECT_NEAR(x[2].delay, 0.2, 1e-12);
}

TEST(connectors, weight_and_delay_distributions_and_expressions) {
  network net = two_pops(200, 200, {.type = "FixedProbability", .p = 0.2},
                         distribution{"uniform", {{"low", 0.0}, {"high", 2.0}}},
                         distribution{"uniform", {{"low", 0.1}, {"high", 5.0}}});
  const auto c = conns(net);
  double sw = 0;
  for (const auto& x : c) {
    sw += x.weight;
    EXPECT_GE(x.delay, 0.1 - 1e-12);
    EXPECT_LE(x.delay, 5.0 + 1e-12);
    EXPECT_NEAR(x.delay * 10, std::round(x.delay * 10), 1e-9);  // whole steps
  }
  const double n = static_cast<double>(c.size());
  EXPECT_NEAR(sw / n, 1.0, 5 * std::sqrt(1.0 / 3.0 / n));
  // Weight as an expression of distance.
  network g = two_pops(4, 4, {.type = "AllToAll"}, expression_spec{"0.1 + d/100"});
  for (auto& p : g.populations)
    p.positions = positions_spec{.kind = "grid", .shape = {4}, .spacing = {10, 1, 1}};
  for (const auto& x : conns(g)) {
    const double d = 10.0 * std::abs(static_cast<double>(x.pre) - static_cast<double>(x.post - 4));
    EXPECT_NEAR(x.weight, 0.1 + d / 100, 1e-12);
  }
}

TEST(connectors, network_is_independent_of_thread_count) {
  for (const char* type :
       {"FixedProbability", "FixedNumberPre", "FixedNumberPost", "FixedTotalNumber"}) {
    connector c{.type = type, .p = 0.1, .n = 12};
    network net = two_pops(
        97, 89, c,
        distribution{"normal_clipped", {{"mu", 1}, {"sigma", 1}, {"low", 0}, {"high", 5}}});
    const auto a = conns(net, 1), b = conns(net, 2), d = conns(net, 3);
    ASSERT_EQ(a.size(), b.size()) << type;
    ASSERT_EQ(a.size(), d.size()) << type;
    for (std::size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].pre, b[k].pre);
      EXPECT_EQ(a[k].post, d[k].post);
      EXPECT_EQ(a[k].weight, d[k].weight);
    }
  }
}

}  // namespace
}  // namespace myelin

// DistanceDependentProbability by bounded skips (construct/distance.cpp): the interval
// bounds it relies on hold every value, and the connections it makes follow p(d) per
// distance band for expressions with steps, direction and self-exclusion; the bins of d
// that settle most comparisons and delays without evaluating hold every value.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "construct/distance.hpp"
#include "model/expression.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

using detail::expression;

TEST(expression_bounds, enclose_every_value_in_random_boxes) {
  const std::vector<std::string> texts = {
      "0.3*exp(-d/100)",
      "d < 60 ? 0.5 : (d < 120 ? 0.05 : 0)",
      "dx > 0 ? 0.3*exp(-d*d/(2*50*50)) : 0.1",
      "max(0, 1 - d/200) * abs(sin(dx/30))",
      "pow(1 + d, -0.5) - 0.01*log(1 + abs(dz)) + sqrt(abs(dy))/100",
      "min(d, 50)/(d + 10) + floor(d/20)*0.01",
      "!(d > 40) && dx <= 3 || dz == 0"};
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(-300, 300);
  for (const auto& t : texts) {
    const expression e(t, {"d", "dx", "dy", "dz"}, "f");
    for (int trial = 0; trial < 300; ++trial) {
      expression::range box[4];
      for (int a = 1; a < 4; ++a) {
        const double x = u(gen), y = trial % 5 == 0 ? x : u(gen);
        box[a] = {std::min(x, y), std::max(x, y)};
      }
      double near = 0, far = 0;
      for (int a = 1; a < 4; ++a) {
        const double m = box[a].lo > 0 ? box[a].lo : (box[a].hi < 0 ? -box[a].hi : 0.0);
        const double x = std::max(-box[a].lo, box[a].hi);
        near += m * m;
        far += x * x;
      }
      box[0] = {std::sqrt(near), std::sqrt(far)};
      const expression::range r = e.bounds(box);
      for (int s = 0; s < 200; ++s) {
        double v[4];
        for (int a = 1; a < 4; ++a)
          v[a] = box[a].lo +
                 (box[a].hi - box[a].lo) * (s < 8 ? (s >> (a - 1) & 1) : (u(gen) + 300) / 600);
        v[0] = std::sqrt(v[1] * v[1] + v[2] * v[2] + v[3] * v[3]);
        const double x = e(v);
        ASSERT_TRUE(x >= r.lo && x <= r.hi)
            << t << " = " << x << " outside [" << r.lo << ", " << r.hi << "]";
      }
    }
  }
}

TEST(expression_bounds, are_tight_enough_to_skip) {
  // Far from the target, exp(-d/40) must bound small, and a step must bound exactly 0.
  const expression e("exp(-d/40)", {"d", "dx", "dy", "dz"}, "f");
  const expression::range far[4] = {{400, 420}, {0, 0}, {0, 0}, {0, 0}};
  EXPECT_LT(e.bounds(far).hi, 1e-4);
  const expression s("d < 100 ? 0.2 : 0", {"d", "dx", "dy", "dz"}, "f");
  EXPECT_EQ(s.bounds(far).hi, 0.0);
  EXPECT_EQ(s.bounds(far).lo, 0.0);
}

// Connections of a DistanceDependentProbability projection within 10% grids, binned by
// distance, against the sum of p over every pair in each bin (5 sd + 1).
void check_profile(const std::string& text, double (*p)(double d, double dx), bool self) {
  network net;
  net.tstop = 1.0;
  net.populations = {test::make_population("a", 1600, "IF_cond_exp")};
  net.populations[0].positions =
      positions_spec{.kind = "grid", .shape = {40, 40}, .spacing = {7, 9, 1}};
  net.projections = {test::make_projection("p", "a", "a",
                                           {.type = "DistanceDependentProbability",
                                            .allow_self_connections = self,
                                            .d_expression = text},
                                           0.01, 0.1)};
  simulation sim(net, {.threads = 2});
  const auto c = sim.connections("p");
  auto pos = [](uint64_t i) { return std::array<double, 2>{(i % 40) * 7.0, (i / 40) * 9.0}; };
  const int bins = 12;
  std::vector<double> expect(bins), var(bins), seen(bins);
  auto bin = [](double d) { return std::min(bins - 1, static_cast<int>(d / 15.0)); };
  for (uint64_t i = 0; i < 1600; ++i)
    for (uint64_t j = 0; j < 1600; ++j) {
      if (!self && i == j) continue;
      const auto a = pos(i), b = pos(j);
      const double d = std::hypot(a[0] - b[0], a[1] - b[1]);
      const double q = p(d, a[0] - b[0]);
      expect[bin(d)] += q;
      var[bin(d)] += q * (1 - q);
    }
  for (const auto& x : c) {
    if (!self) {
      ASSERT_NE(x.pre, x.post);
    }
    const auto a = pos(x.pre), b = pos(x.post);
    seen[bin(std::hypot(a[0] - b[0], a[1] - b[1]))] += 1;
  }
  for (int k = 0; k < bins; ++k)
    EXPECT_NEAR(seen[k], expect[k], 5 * std::sqrt(var[k]) + 1) << text << ", bin " << k;
}

TEST(connectors, distance_dependent_steps_direction_and_self) {
  check_profile(
      "d < 20 ? 0.6 : (d < 50 ? 0.1 : 0)",
      [](double d, double) { return d < 20 ? 0.6 : (d < 50 ? 0.1 : 0.0); }, false);
  check_profile(
      "dx > 0 ? 0.3*exp(-d/30) : 0.05",
      [](double d, double dx) { return dx > 0 ? 0.3 * std::exp(-d / 30) : 0.05; }, true);
}

// A side x side grid of IF_cond_exp cells 1 um apart, projecting onto itself with
// probability `p` and delays `delay` (expressions of d, dx, ...).
network grid_onto_itself(int side, const std::string& p, const std::string& delay) {
  network net;
  net.tstop = 1.0;
  net.populations = {test::make_population("a", side * side, "IF_cond_exp")};
  net.populations[0].positions =
      positions_spec{.kind = "grid", .shape = {side, side}, .spacing = {1, 1, 1}};
  net.projections = {test::make_projection(
      "p", "a", "a", {.type = "DistanceDependentProbability", .d_expression = p}, 0.01, 0.1)};
  net.projections[0].delay = expression_spec{delay};
  return net;
}

// The bulk path (delays of d from their bins, weights drawn in the transposition): a
// delay that can never deliver drops the connection, and one on a bin edge is still
// rounded as delay_steps rounds it (d = 5, a 3-4-5 neighbour: 0.55 ms, 5.5 steps -> 6).
TEST(connectors, distance_dependent_drops_undeliverable_connections) {
  network net = grid_onto_itself(20, "d < 9 ? 0.5 : 0", "d <= 5 ? 0.5 + 0.01 * d : 1e12");
  net.projections[0].weight = distribution{"uniform", {{"low", 0.01}, {"high", 0.02}}};
  const auto c = simulation(net, {.threads = 2}).connections("p");
  ASSERT_GT(c.size(), 2000u);
  std::size_t at5 = 0;
  for (const auto& x : c) {
    const double d = std::hypot(double(x.pre % 20) - double(x.post % 20),
                                double(x.pre / 20) - double(x.post / 20));
    ASSERT_LE(d, 5.0);
    EXPECT_DOUBLE_EQ(x.delay, 0.1 * std::round((0.5 + 0.01 * d) / 0.1)) << d;
    EXPECT_GE(x.weight, 0.01);
    EXPECT_LE(x.weight, 0.02);
    at5 += d == 5.0;
  }
  EXPECT_GT(at5, 100u);
}

// A delay of dx (not of d alone) leaves the bulk path: each connection's own dx.
TEST(connectors, distance_dependent_delay_of_direction) {
  const auto c =
      simulation(grid_onto_itself(15, "d < 6 ? 0.5 : 0", "dx > 0 ? 0.1 + 0.1 * dx : 0.1"),
                 {.threads = 1})
          .connections("p");
  ASSERT_GT(c.size(), 1000u);
  std::size_t ahead = 0;
  for (const auto& x : c) {
    const double dx = double(x.pre % 15) - double(x.post % 15);
    EXPECT_NEAR(x.delay, dx > 0 ? 0.1 + 0.1 * dx : 0.1, 1e-9) << x.pre << " -> " << x.post;
    ahead += dx > 0;
  }
  EXPECT_GT(ahead, 300u);
}

TEST(connectors, distance_dependent_is_the_same_for_any_layout) {
  network net;
  net.tstop = 1.0;
  net.populations = {test::make_population("a", 900, "IF_cond_exp")};
  net.populations[0].positions = positions_spec{.kind = "random_box", .extent = {100, 100, 30}};
  net.projections = {test::make_projection(
      "p", "a", "a", {.type = "DistanceDependentProbability", .d_expression = "0.5*exp(-d/25)"},
      0.01, 0.1)};
  simulation one(net, {.threads = 1}), two(net, {.threads = 2});
  const auto a = one.connections("p"), b = two.connections("p");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 1000u);
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].pre, b[k].pre);
    EXPECT_EQ(a[k].post, b[k].post);
  }
}

// Below exit_below's threshold every uniform leaves the box as the logarithm computes it,
// and the threshold is close to the boundary (within 1e-6 relative), for bounds from
// 1e-12 to 1/4 and boxes of 1 to 200 members; near the boundary some u do not leave.
TEST(distance_bins, exit_below_is_below_every_leaving_draw) {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> e(-12.0, std::log10(0.25));
  for (int trial = 0; trial < 2000; ++trial) {
    const double bound = std::pow(10.0, e(gen));
    const double log_q = std::log1p(-bound);
    const auto members = static_cast<uint32_t>(1 + gen() % 200);
    const double t = detail::exit_below(log_q, members);
    const double boundary = std::exp(members * log_q);
    if (t == 0.0) {
      EXPECT_LT(boundary, 1e-300) << bound << " " << members;  // nothing safe to skip
      continue;
    }
    ASSERT_LT(t, boundary) << bound << " " << members;
    EXPECT_GT(t, boundary * (1 - 1e-6)) << bound << " " << members;
    auto leaves = [&](double u) { return std::floor(std::log(u) / log_q) >= members; };
    std::uniform_real_distribution<double> below(0.0, t);
    for (int k = 0; k < 50; ++k) {
      const double u = below(gen);
      if (u > 0.0) {
        ASSERT_TRUE(leaves(u)) << u << " " << bound << " " << members;
      }
    }
    for (double u = t; u < t * (1 + 1e-9); u = std::nextafter(u, 1.0)) {
      ASSERT_TRUE(leaves(u)) << "just below the threshold's margin: " << u;
      if (u > t * (1 + 1e-12)) break;
    }
    // Past the boundary the skip stays in the box: the threshold is not too generous.
    if (const double u = boundary * (1 + 1e-9); u < 1.0) {
      EXPECT_FALSE(leaves(u)) << bound << " " << members;
    }
  }
}

TEST(distance_bins, enclose_the_value_at_every_distance_of_a_bin) {
  const expression p("exp(-pow(d, 2.0)/400)", {"d", "dx", "dy", "dz"}, "p");
  const detail::distance_bins bins(p, 150.0, 1024);
  ASSERT_EQ(bins.size(), 1024u);
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> u(0.0, 150.0);
  for (int n = 0; n < 200000; ++n) {
    double vars[4] = {n < 151 ? static_cast<double>(n) * (150.0 / 1024) : u(gen), 0, 0, 0};
    if (n < 151 && vars[0] >= 150.0) continue;
    const std::size_t k = bins.index(vars[0]);
    ASSERT_LT(k, bins.size()) << vars[0];
    const double q = p(vars);
    ASSERT_LE(bins[k].lo, q) << vars[0];
    ASSERT_GE(bins[k].hi, q) << vars[0];
  }
  // Tight enough to settle nearly every comparison (a bin is 0.15 um; the slope is at
  // most 0.043 per um), except at d = 0, where pow's interval rule gives up.
  for (std::size_t k = 1; k < bins.size(); ++k) EXPECT_LT(bins[k].hi - bins[k].lo, 0.0075) << k;
  EXPECT_EQ(bins.index(150.1), bins.size());
  EXPECT_EQ(bins.index(-1.0), bins.size());
  EXPECT_EQ(bins.index(std::nan("")), bins.size());
  // A rule of direction has no bins.
  EXPECT_EQ(detail::distance_bins(expression("dx > 0 ? 0.1 : 0.2", {"d", "dx", "dy", "dz"}, "p"),
                                  150.0, 1024)
                .size(),
            0u);
}

TEST(distance_bins, settled_steps_are_the_rounded_delays) {
  // Delays of 2^31 steps or more are never settled (the builder drops them).
  const std::pair<const char*, int> cases[] = {
      {"0.5 + 0.01*d", 90000}, {"0.1*d + 0.1", 90000}, {"d < 20 ? 0.3 : 1e12", 10000}};
  for (const auto& [text, at_least] : cases) {
    const expression e(text, {"d", "dx", "dy", "dz"}, "delay");
    const detail::distance_bins bins(e, 100.0, 4096);
    const auto steps = detail::settled_steps(bins, 0.1);
    ASSERT_EQ(steps.size(), bins.size() + 1);
    EXPECT_EQ(steps.back(), detail::unsettled);
    std::mt19937_64 gen(5);
    std::uniform_real_distribution<double> u(0.0, 100.0);
    int settled = 0;
    for (int n = 0; n < 100000; ++n) {
      // Integral distances and sqrt of integers (grid distances) as well as random ones.
      double vars[4] = {n % 3 == 0   ? static_cast<double>(n % 100)
                        : n % 3 == 1 ? std::sqrt(static_cast<double>(n % 10000))
                                     : u(gen),
                        0, 0, 0};
      const uint32_t s = steps[bins.index(vars[0])];
      if (s == detail::unsettled) continue;
      ++settled;
      const double x = e(vars) / 0.1;
      ASSERT_TRUE(x < 2147483648.0) << text << " at " << vars[0];
      ASSERT_EQ(s, static_cast<uint32_t>(std::round(x))) << text << " at " << vars[0];
    }
    EXPECT_GT(settled, at_least) << text;
  }
}

}  // namespace
}  // namespace myelin

// Random draws of the point-neuron models against their exact distributions:
// SpikeSourcePoisson intervals (Kolmogorov-Smirnov against the exponential) and the
// independence of its cells; the sources and targets the random connectors pick
// (chi-square against the uniform histograms, self-connections, replacement); random
// cell positions (inside the box or ball, chi-square against uniform). The seeded bugs
// each test catches are listed in test_point_reference.cpp.
//
// Every bound below is a fixed multiple of the statistic's standard deviation under
// the correct distribution (z = 5 unless said: a false alarm about once in 3 million
// runs; the seeds are fixed, so a run is reproducible anyway), while every seeded bug
// moves the statistic by tens of standard deviations.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "construct/positions.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;
using test::make_recorder;

// Wilson-Hilferty: the chi-square(dof) quantile at the standard normal quantile z.
double chi2_quantile(double dof, double z) {
  const double a = 2.0 / (9.0 * dof);
  return dof * std::pow(1.0 - a + z * std::sqrt(a), 3);
}

// Pearson's statistic of observed counts against equal expectations.
double chi2_uniform(const std::vector<double>& counts) {
  double total = 0;
  for (double c : counts) total += c;
  const double e = total / static_cast<double>(counts.size());
  double x = 0;
  for (double c : counts) x += (c - e) * (c - e) / e;
  return x;
}

// ---------------------------------------------------------------------------------------
// SpikeSourcePoisson

struct poisson_trains {
  std::vector<std::vector<double>> times;  // per cell [ms]
};

poisson_trains poisson_run(int64_t n, double rate, double tstop, uint64_t seed = 7) {
  network net;
  net.seed = seed;
  net.tstop = tstop;
  net.populations = {make_population("src", n, "SpikeSourcePoisson", {{"rate", rate}})};
  net.recorders = {make_recorder("s", "src", {"spikes"})};
  simulation sim(net, {.threads = 2});
  sim.run();
  const auto sp = sim.spikes("src");
  poisson_trains out;
  out.times.resize(static_cast<std::size_t>(n));
  for (std::size_t k = 0; k < sp.times.size(); ++k)
    out.times[sp.node_ids[k]].push_back(sp.times[k]);
  return out;
}

TEST(point_poisson, intervals_are_exponential) {
  // 100 cells at 20 Hz for 5 s: ~10^4 intervals. Spikes are stamped at the end of their
  // step, so an interval is a difference of two stamps on the 0.1 ms grid; against the
  // exponential CDF this shifts the empirical CDF by at most rate*dt = 0.002. The KS
  // bound is that plus 1.95/sqrt(n) (p = 0.001).
  const double rate = 20.0, dt = 0.1;
  const auto tr = poisson_run(100, rate, 5000.0);
  std::vector<double> isi;
  for (const auto& t : tr.times)
    for (std::size_t k = 1; k < t.size(); ++k) isi.push_back(t[k] - t[k - 1]);
  ASSERT_GT(isi.size(), 8000u);
  std::sort(isi.begin(), isi.end());
  const double n = static_cast<double>(isi.size()), lambda = rate / 1000.0;
  double d = 0;
  for (std::size_t i = 0; i < isi.size(); ++i) {
    const double f = 1.0 - std::exp(-lambda * isi[i]);
    d = std::max({d, std::abs(f - i / n), std::abs(f - (i + 1) / n)});
  }
  EXPECT_LT(d, 1.95 / std::sqrt(n) + lambda * dt) << "KS distance, n = " << n;
  // The mean and the coefficient of variation (1 for the exponential).
  double m = 0, s2 = 0;
  for (double x : isi) m += x;
  m /= n;
  for (double x : isi) s2 += (x - m) * (x - m);
  const double cv = std::sqrt(s2 / (n - 1)) / m;
  EXPECT_NEAR(m, 1000.0 / rate, 5 * (1000.0 / rate) / std::sqrt(n));
  EXPECT_NEAR(cv, 1.0, 0.05);
  std::printf("Poisson ISIs: n = %.0f, KS D = %.4f, mean %.3f ms, CV %.4f\n", n, d, m, cv);
}

TEST(point_poisson, cells_are_independent) {
  // Counts in 10 ms bins of 60 cells at 40 Hz over 4 s (400 bins, ~0.4 spikes per bin).
  // For independent cells each pairwise correlation has sd ~ 1/sqrt(400) = 0.05: every
  // |r| must stay below 0.3 (6 sd) and their mean below 0.02 (about 8 sd of the mean of
  // 1770 pairs, which share cells so are not independent). No two trains may be equal.
  const int n = 60, bins = 400;
  const auto tr = poisson_run(n, 40.0, 4000.0, 11);
  std::vector<std::vector<double>> c(n, std::vector<double>(bins, 0.0));
  for (int i = 0; i < n; ++i) {
    ASSERT_GT(tr.times[i].size(), 100u);
    for (double t : tr.times[i]) c[i][std::min(bins - 1, static_cast<int>((t - 1e-9) / 10.0))] += 1;
  }
  for (auto& x : c) {
    double m = 0, s = 0;
    for (double v : x) m += v;
    m /= bins;
    for (double& v : x) v -= m, s += v * v;
    for (double& v : x) v /= std::sqrt(s);
  }
  double sum = 0, max_r = 0;
  int pairs = 0;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      double r = 0;
      for (int b = 0; b < bins; ++b) r += c[i][b] * c[j][b];
      sum += r;
      max_r = std::max(max_r, std::abs(r));
      ++pairs;
      EXPECT_NE(tr.times[i], tr.times[j]) << "cells " << i << " and " << j;
    }
  EXPECT_LT(max_r, 0.3);
  EXPECT_LT(std::abs(sum / pairs), 0.02);
  std::printf("Poisson independence: mean r = %.4f, max |r| = %.3f over %d pairs\n", sum / pairs,
              max_r, pairs);
  // Another seed gives other trains.
  EXPECT_NE(poisson_run(n, 40.0, 200.0, 12).times[0], poisson_run(n, 40.0, 200.0, 11).times[0]);
}

// ---------------------------------------------------------------------------------------
// Connectors

std::vector<connection_data> connect(int64_t n_pre, int64_t n_post, connector c, bool self_pop,
                                     uint64_t seed = 3) {
  network net;
  net.seed = seed;
  net.tstop = 0.1;
  net.populations = {make_population("a", n_pre, "IF_curr_exp")};
  if (!self_pop) net.populations.push_back(make_population("b", n_post, "IF_curr_exp"));
  net.projections = {make_projection("p", "a", self_pop ? "a" : "b", std::move(c), 0.1)};
  simulation sim(net, {.threads = 2});
  return sim.connections("p");
}

// Histogram of pre (or post) indices; sources are gids 0.., targets follow them.
std::vector<double> histogram(const std::vector<connection_data>& cs, std::size_t n, bool pre,
                              uint64_t first) {
  std::vector<double> h(n, 0.0);
  for (const auto& c : cs) h.at((pre ? c.pre : c.post) - first) += 1;
  return h;
}

TEST(point_connectors, fixed_probability_source_histogram) {
  // Each source's out-degree is Binomial(n_post, p): sum (k - np)^2 / (np(1-p)) is
  // chi-square with n_pre degrees of freedom.
  const int64_t n_pre = 200, n_post = 300;
  const double p = 0.1;
  const auto cs = connect(n_pre, n_post, {.type = "FixedProbability", .p = p}, false);
  double x = 0;
  for (double k : histogram(cs, n_pre, true, 0))
    x += (k - n_post * p) * (k - n_post * p) / (n_post * p * (1 - p));
  EXPECT_LT(x, chi2_quantile(n_pre, 5));
  EXPECT_GT(x, chi2_quantile(n_pre, -5));
}

TEST(point_connectors, fixed_number_pre_sources_are_uniform) {
  // 500 targets draw 6 distinct of 50 sources: each source is chosen 60 times on
  // average; without replacement the counts' variance is (N - n)/(N - 1) of the
  // multinomial's, so the statistic is (44/49) chi-square(49).
  const auto cs = connect(50, 500, {.type = "FixedNumberPre", .n = 6}, false);
  ASSERT_EQ(cs.size(), 3000u);
  const double x = chi2_uniform(histogram(cs, 50, true, 0)) * 49.0 / 44.0;
  EXPECT_LT(x, chi2_quantile(49, 5));
  EXPECT_GT(x, chi2_quantile(49, -5));
  std::map<uint64_t, std::set<uint64_t>> in;
  for (const auto& c : cs) in[c.post].insert(c.pre);
  for (const auto& [post, pres] : in) EXPECT_EQ(pres.size(), 6u) << "repeated source";
}

TEST(point_connectors, fixed_number_pre_with_replacement_repeats_as_expected) {
  // 6 of 50 with replacement: P(all distinct) = 50*49*...*45 / 50^6 = 0.7324. Of 1000
  // targets the number with a repeat is Binomial(1000, 0.2676).
  const auto cs =
      connect(50, 1000, {.type = "FixedNumberPre", .n = 6, .with_replacement = true}, false);
  ASSERT_EQ(cs.size(), 6000u);
  std::map<uint64_t, std::set<uint64_t>> in;
  for (const auto& c : cs) in[c.post].insert(c.pre);
  double q = 1;
  for (int k = 0; k < 6; ++k) q *= (50.0 - k) / 50.0;
  int repeats = 0;
  for (const auto& [post, pres] : in) repeats += pres.size() < 6;
  EXPECT_NEAR(repeats, 1000 * (1 - q), 5 * std::sqrt(1000 * q * (1 - q)));
  EXPECT_LT(chi2_uniform(histogram(cs, 50, true, 0)), chi2_quantile(49, 5));
}

TEST(point_connectors, fixed_number_pre_without_self_connections) {
  // 120 cells onto themselves, 10 sources each, no autapses: every other cell is chosen
  // 10/119 of the time: 10 times on average.
  const auto cs =
      connect(120, 120, {.type = "FixedNumberPre", .n = 10, .allow_self_connections = false}, true);
  ASSERT_EQ(cs.size(), 1200u);
  for (const auto& c : cs) ASSERT_NE(c.pre, c.post);
  const double x = chi2_uniform(histogram(cs, 120, true, 0)) * 118.0 / 109.0;
  EXPECT_LT(x, chi2_quantile(119, 5));
  // All but self: n = 119 gives every other cell exactly once.
  const auto all = connect(
      120, 120, {.type = "FixedNumberPre", .n = 119, .allow_self_connections = false}, true);
  EXPECT_EQ(all.size(), 120u * 119u);
  for (const auto& c : all) ASSERT_NE(c.pre, c.post);
}

TEST(point_connectors, fixed_number_post_targets_are_uniform_and_distinct) {
  const auto cs = connect(400, 60, {.type = "FixedNumberPost", .n = 8}, false);
  ASSERT_EQ(cs.size(), 3200u);
  std::map<uint64_t, std::set<uint64_t>> out;
  for (const auto& c : cs) out[c.pre].insert(c.post);
  ASSERT_EQ(out.size(), 400u);
  for (const auto& [pre, posts] : out) EXPECT_EQ(posts.size(), 8u) << "repeated target";
  const double x = chi2_uniform(histogram(cs, 60, false, 400)) * 59.0 / 52.0;
  EXPECT_LT(x, chi2_quantile(59, 5));
  EXPECT_GT(x, chi2_quantile(59, -5));
  // Without self-connections onto the same population.
  const auto self = connect(
      100, 100, {.type = "FixedNumberPost", .n = 20, .allow_self_connections = false}, true);
  ASSERT_EQ(self.size(), 2000u);
  for (const auto& c : self) ASSERT_NE(c.pre, c.post);
  // With replacement some sources repeat a target: 8 of 60, P(distinct) = 0.6131.
  const auto rep =
      connect(400, 60, {.type = "FixedNumberPost", .n = 8, .with_replacement = true}, false);
  std::map<uint64_t, std::set<uint64_t>> out2;
  for (const auto& c : rep) out2[c.pre].insert(c.post);
  double q = 1;
  for (int k = 0; k < 8; ++k) q *= (60.0 - k) / 60.0;
  int repeats = 0;
  for (const auto& [pre, posts] : out2) repeats += posts.size() < 8;
  EXPECT_NEAR(repeats, 400 * (1 - q), 5 * std::sqrt(400 * q * (1 - q)));
}

TEST(point_connectors, fixed_total_number_pairs_are_uniform) {
  // 5000 pairs with replacement over 40 x 30 cells: source and target histograms are
  // multinomial (chi-square 39 and 29 dof); the number of distinct pairs has mean
  // M (1 - (1 - 1/M)^n), M = 1200.
  const auto cs = connect(40, 30, {.type = "FixedTotalNumber", .n = 5000}, false);
  ASSERT_EQ(cs.size(), 5000u);
  const double xs = chi2_uniform(histogram(cs, 40, true, 0)),
               xt = chi2_uniform(histogram(cs, 30, false, 40));
  EXPECT_LT(xs, chi2_quantile(39, 5));
  EXPECT_GT(xs, chi2_quantile(39, -5));
  EXPECT_LT(xt, chi2_quantile(29, 5));
  EXPECT_GT(xt, chi2_quantile(29, -5));
  std::set<std::pair<uint64_t, uint64_t>> pairs;
  for (const auto& c : cs) pairs.insert({c.pre, c.post});
  const double m = 1200, mean = m * (1 - std::pow(1 - 1 / m, 5000));
  EXPECT_NEAR(static_cast<double>(pairs.size()), mean, 0.03 * mean);
  // Without replacement and without self-connections onto one population.
  const auto d = connect(30, 30,
                         {.type = "FixedTotalNumber",
                          .n = 600,
                          .allow_self_connections = false,
                          .with_replacement = false},
                         true);
  std::set<std::pair<uint64_t, uint64_t>> dp;
  for (const auto& c : d) {
    ASSERT_NE(c.pre, c.post);
    dp.insert({c.pre, c.post});
  }
  EXPECT_EQ(dp.size(), 600u);
}

// ---------------------------------------------------------------------------------------
// Random positions (docs/model-file.md: "random_box" with extent and origin,
// "random_sphere" with radius and origin).

std::vector<std::array<double, 3>> positions(const positions_spec& spec, int64_t n) {
  population p = make_population("p", n, "IF_curr_exp");
  p.positions = spec;
  std::vector<std::array<double, 3>> out;
  for (int64_t i = 0; i < n; ++i)
    out.push_back(detail::cell_position(p, i, static_cast<uint64_t>(i) + 17, 5, 2));
  return out;
}

TEST(point_positions, random_box_is_uniform_in_the_box) {
  positions_spec s{.kind = "random_box", .origin = {5.0, -5.0, 1.0}, .extent = {100.0, 40.0, 8.0}};
  const int64_t n = 16000;
  const auto x = positions(s, n);
  std::vector<double> cube(64, 0.0);  // 4 x 4 x 4 cells of the box
  std::set<double> xs;
  for (const auto& p : x) {
    int idx = 0;
    for (int a = 2; a >= 0; --a) {
      const double u = (p[a] - s.origin[a]) / s.extent[a];
      ASSERT_GE(u, 0.0) << "axis " << a;
      ASSERT_LT(u, 1.0) << "axis " << a;
      idx = idx * 4 + static_cast<int>(u * 4);
    }
    cube[idx] += 1;
    xs.insert(p[0]);
  }
  EXPECT_EQ(xs.size(), static_cast<std::size_t>(n));  // distinct per cell
  const double chi = chi2_uniform(cube);
  EXPECT_LT(chi, chi2_quantile(63, 5));
  EXPECT_GT(chi, chi2_quantile(63, -5));
}

TEST(point_positions, random_sphere_is_uniform_in_the_ball) {
  positions_spec s{.kind = "random_sphere", .origin = {10.0, 0.0, -3.0}, .radius = 50.0};
  const int64_t n = 16000;
  const auto x = positions(s, n);
  // (r/R)^3 is uniform on [0, 1) for a uniform ball: 20 bins; the octant is uniform.
  std::vector<double> shells(20, 0.0), octants(8, 0.0);
  for (const auto& p : x) {
    double r2 = 0;
    int o = 0;
    for (int a = 0; a < 3; ++a) {
      const double d = p[a] - s.origin[a];
      r2 += d * d;
      o = 2 * o + (d > 0);
    }
    const double u = std::pow(std::sqrt(r2) / s.radius, 3);
    ASSERT_LE(u, 1.0);
    shells[std::min(19, static_cast<int>(u * 20))] += 1;
    octants[o] += 1;
  }
  EXPECT_LT(chi2_uniform(shells), chi2_quantile(19, 5));
  EXPECT_GT(chi2_uniform(shells), chi2_quantile(19, -5));
  EXPECT_LT(chi2_uniform(octants), chi2_quantile(7, 5));
}

}  // namespace
}  // namespace myelin

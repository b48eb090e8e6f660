// Counter-based streams and distribution sampling.
//
// Statistical checks use fixed seeds, so they are deterministic; the bounds are chosen
// so that a correct implementation would fail them with probability < 1e-4 for a
// random seed (5 standard errors for means and variances, the 1e-4 quantile of the
// chi-square distribution for histograms).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "myelin/error.hpp"
#include "random/distributions.hpp"
#include "random/rng.hpp"

namespace myelin::detail {
namespace {

constexpr int n_draws = 100000;

std::vector<uint32_t> words(philox_stream s, int n) {
  std::vector<uint32_t> v(n);
  for (auto& x : v) x = s.next_u32();
  return v;
}

TEST(philox_stream, same_key_gives_same_sequence) {
  philox_stream a(42, purpose::weight, 3, 1234), b(42, purpose::weight, 3, 1234);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u32(), b.next_u32()) << "draw " << i;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.normal(), b.normal());
}

TEST(philox_stream, every_key_component_changes_the_sequence) {
  const auto ref = words(philox_stream(42, purpose::weight, 3, 1234), 8);
  EXPECT_NE(ref, words(philox_stream(43, purpose::weight, 3, 1234), 8));
  EXPECT_NE(ref, words(philox_stream(42ull | 1ull << 40, purpose::weight, 3, 1234), 8));
  EXPECT_NE(ref, words(philox_stream(42, purpose::delay, 3, 1234), 8));
  EXPECT_NE(ref, words(philox_stream(42, purpose::weight, 4, 1234), 8));
  EXPECT_NE(ref, words(philox_stream(42, purpose::weight, 3, 1235), 8));
  EXPECT_NE(ref, words(philox_stream(42, purpose::weight, 3, 1234ull | 1ull << 33), 8));
}

TEST(philox_stream, seek_reproduces_a_later_block) {
  philox_stream a(7, purpose::connectivity, 0, 99);
  const auto seq = words(a, 40);
  philox_stream b(7, purpose::connectivity, 0, 99);
  b.seek(5);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(b.next_u32(), seq[20 + i]);
}

TEST(philox_stream, uniform_is_open_unit_interval_with_right_moments) {
  philox_stream s(1, purpose::parameter, 0, 0);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n_draws; ++i) {
    const double u = s.uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  const double mean = sum / n_draws, var = sum2 / n_draws - mean * mean;
  // Mean: sd = sqrt(1/12 / n). Variance: sd of the sample variance ~ sqrt((mu4 - var^2)/n)
  // with mu4 = 1/80 for U(0,1).
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n_draws));
  EXPECT_NEAR(var, 1.0 / 12, 5 * std::sqrt((1.0 / 80 - 1.0 / 144) / n_draws));
}

TEST(philox_stream, below_is_in_range_and_uniform) {
  philox_stream s(2, purpose::global, 0, 0);
  constexpr int bins = 10;
  std::vector<int> count(bins, 0);
  for (int i = 0; i < n_draws; ++i) {
    const uint64_t k = s.below(bins);
    ASSERT_LT(k, static_cast<uint64_t>(bins));
    ++count[k];
  }
  double chi2 = 0;
  const double expected = static_cast<double>(n_draws) / bins;
  for (int c : count) chi2 += (c - expected) * (c - expected) / expected;
  // 1e-4 upper quantile of chi-square with 9 degrees of freedom is 33.72.
  EXPECT_LT(chi2, 33.72);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.below(1), 0u);
  const uint64_t big = (1ull << 63) + 12345;  // rejection region is almost half of 2^64
  for (int i = 0; i < 100; ++i) EXPECT_LT(s.below(big), big);
}

TEST(philox_stream, normal_and_exponential_moments) {
  philox_stream s(3, purpose::noise, 1, 2);
  double sum = 0, sum2 = 0, esum = 0, esum2 = 0;
  for (int i = 0; i < n_draws; ++i) {
    const double x = s.normal();
    sum += x;
    sum2 += x * x;
    const double e = s.exponential();
    ASSERT_GT(e, 0.0);
    esum += e;
    esum2 += e * e;
  }
  const double m = sum / n_draws, v = sum2 / n_draws - m * m;
  EXPECT_NEAR(m, 0.0, 5 / std::sqrt(n_draws));
  EXPECT_NEAR(v, 1.0, 5 * std::sqrt(2.0 / n_draws));  // mu4 - 1 = 2 for N(0,1)
  const double em = esum / n_draws, ev = esum2 / n_draws - em * em;
  EXPECT_NEAR(em, 1.0, 5 / std::sqrt(n_draws));
  EXPECT_NEAR(ev, 1.0, 5 * std::sqrt(8.0 / n_draws));  // mu4 - 1 = 8 for Exp(1)
}

// Draws n_draws values and checks mean and variance against the analytic values within
// 5 standard errors: sd(mean) = sqrt(var/n), sd(sample variance) ~ sqrt((mu4 - var^2)/n)
// where mu4 is the fourth central moment. Also checks every value against the bounds.
void check_moments(const distribution& d, double mean, double var, double mu4) {
  const sampler smp(d, "test");
  philox_stream s(11, purpose::parameter, 5, 77);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n_draws; ++i) {
    const double x = smp(s);
    ASSERT_GE(x, smp.lower_bound()) << d.name;
    ASSERT_LE(x, smp.upper_bound()) << d.name;
    sum += x;
    sum2 += x * x;
  }
  const double m = sum / n_draws, v = sum2 / n_draws - m * m;
  EXPECT_NEAR(m, mean, 5 * std::sqrt(var / n_draws)) << d.name;
  EXPECT_NEAR(v, var, 5 * std::sqrt((mu4 - var * var) / n_draws)) << d.name;
}

TEST(sampler, uniform) {
  const double w = 4.0;  // high - low
  check_moments({"uniform", {{"low", -1}, {"high", 3}}}, 1.0, w * w / 12, std::pow(w, 4) / 80);
}

TEST(sampler, normal) {
  check_moments({"normal", {{"mu", -55}, {"sigma", 5}}}, -55, 25, 3 * 625);
}

TEST(sampler, lognormal) {
  const double mu = 0.2, s2 = 0.25;  // sigma = 0.5
  const double var = (std::exp(s2) - 1) * std::exp(2 * mu + s2);
  const double kurt = std::exp(4 * s2) + 2 * std::exp(3 * s2) + 3 * std::exp(2 * s2) - 3;
  check_moments({"lognormal", {{"mu", mu}, {"sigma", 0.5}}}, std::exp(mu + s2 / 2), var,
                kurt * var * var);
}

TEST(sampler, exponential) {
  const double beta = 2.5;
  check_moments({"exponential", {{"beta", beta}}}, beta, beta * beta, 9 * std::pow(beta, 4));
}

TEST(sampler, gamma_shape_above_and_below_one) {
  for (double k : {3.0, 0.5}) {
    const double theta = 2.0;
    const double var = k * theta * theta;
    // Excess kurtosis of gamma is 6/k.
    check_moments({"gamma", {{"k", k}, {"theta", theta}}}, k * theta, var, (3 + 6 / k) * var * var);
  }
}

TEST(sampler, normal_clipped_moments_and_bounds) {
  const double mu = 1, sigma = 2, low = 0, high = 6;
  const double a = (low - mu) / sigma, b = (high - mu) / sigma;
  auto phi = [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * std::numbers::pi); };
  auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); };
  const double z = cdf(b) - cdf(a);
  const double mean = mu + sigma * (phi(a) - phi(b)) / z;
  const double var =
      sigma * sigma * (1 + (a * phi(a) - b * phi(b)) / z - std::pow((phi(a) - phi(b)) / z, 2));
  // mu4 <= max (x - mean)^2 * var on a bounded support: a safe (wider) bound.
  const double r = std::max(mean - low, high - mean);
  check_moments({"normal_clipped", {{"mu", mu}, {"sigma", sigma}, {"low", low}, {"high", high}}},
                mean, var, r * r * var);
  const sampler smp(
      {"normal_clipped", {{"mu", mu}, {"sigma", sigma}, {"low", low}, {"high", high}}}, "x");
  EXPECT_EQ(smp.lower_bound(), low);
  EXPECT_EQ(smp.upper_bound(), high);
}

TEST(sampler, normal_clipped_one_sided) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const sampler smp({"normal_clipped", {{"mu", 0.5}, {"sigma", 1}, {"low", 0}, {"high", inf}}},
                    "w");
  EXPECT_EQ(smp.lower_bound(), 0.0);
  EXPECT_EQ(smp.upper_bound(), inf);
  philox_stream s(5, purpose::weight, 0, 0);
  for (int i = 0; i < 10000; ++i) ASSERT_GE(smp(s), 0.0);
}

TEST(sampler, bounds) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const sampler n({"normal", {{"mu", 1}, {"sigma", 1}}}, "x");
  EXPECT_EQ(n.lower_bound(), -inf);
  EXPECT_EQ(n.upper_bound(), inf);
  const sampler u({"uniform", {{"low", 0.1}, {"high", 0.2}}}, "x");
  EXPECT_EQ(u.lower_bound(), 0.1);
  EXPECT_EQ(u.upper_bound(), 0.2);
  EXPECT_EQ(sampler({"exponential", {{"beta", 1}}}, "x").lower_bound(), 0.0);
  EXPECT_EQ(sampler({"gamma", {{"k", 1}, {"theta", 1}}}, "x").lower_bound(), 0.0);
  // Box–Muller never returns |x| > sqrt(108 log 2) = 8.652 (uniform() >= 2^-54), so a
  // lognormal stays strictly positive.
  const sampler ln({"lognormal", {{"mu", 0}, {"sigma", 1}}}, "x");
  EXPECT_GT(ln.lower_bound(), 0.0);
  EXPECT_NEAR(ln.lower_bound(), std::exp(-8.652), 1e-3 * std::exp(-8.652));
  // A zero-width distribution is a constant.
  const sampler c({"normal", {{"mu", 3}, {"sigma", 0}}}, "x");
  philox_stream s(1, purpose::parameter, 0, 0);
  EXPECT_EQ(c(s), 3.0);
  EXPECT_EQ(c.lower_bound(), 3.0);
  EXPECT_EQ(c.upper_bound(), 3.0);
}

// Returns the message of the model_error thrown for `d`, after checking its field.
std::string error_of(const distribution& d) {
  const std::string field = "populations[0].initial.v";
  try {
    sampler s(d, field);
  } catch (const model_error& e) {
    EXPECT_EQ(e.field(), field);
    return e.what();
  }
  ADD_FAILURE() << "no error for distribution " << d.name;
  return "";
}

TEST(sampler, errors_name_the_problem) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto msg = error_of({"gauss", {{"mu", 0}, {"sigma", 1}}});
  EXPECT_NE(msg.find("unknown distribution 'gauss'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("normal_clipped"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gamma"), std::string::npos) << msg;

  msg = error_of({"normal", {{"mu", 0}}});
  EXPECT_NE(msg.find("missing parameter 'sigma'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mu, sigma"), std::string::npos) << msg;

  msg = error_of({"normal", {{"mu", 0}, {"sigma", 1}, {"scale", 2}}});
  EXPECT_NE(msg.find("unknown parameter 'scale'"), std::string::npos) << msg;

  struct bad {
    distribution d;
    const char* expect;
  };
  const bad cases[] = {
      {{"normal", {{"mu", 0}, {"sigma", -1}}}, "sigma must be >= 0"},
      {{"lognormal", {{"mu", 0}, {"sigma", -0.1}}}, "sigma must be >= 0"},
      {{"uniform", {{"low", 2}, {"high", 1}}}, "low must be <= high"},
      {{"normal_clipped", {{"mu", 0}, {"sigma", 1}, {"low", 1}, {"high", 1}}},
       "low must be < high"},
      {{"normal_clipped", {{"mu", 0}, {"sigma", 1}, {"low", 9}, {"high", 10}}}, "fraction"},
      {{"normal_clipped", {{"mu", 0}, {"sigma", 1}, {"low", -20}, {"high", -8}}}, "fraction"},
      {{"normal_clipped", {{"mu", 5}, {"sigma", 0}, {"low", 0}, {"high", 1}}}, "fraction"},
      {{"normal_clipped", {{"mu", 0}, {"sigma", 1}, {"low", inf}, {"high", inf}}}, "finite"},
      {{"exponential", {{"beta", 0}}}, "beta must be > 0"},
      {{"gamma", {{"k", -1}, {"theta", 1}}}, "k must be > 0, got -1"},
      {{"gamma", {{"k", 1}, {"theta", 0}}}, "theta must be > 0"},
      {{"normal", {{"mu", nan}, {"sigma", 1}}}, "mu must be a finite number"},
      {{"uniform", {{"low", 0}, {"high", inf}}}, "high must be a finite number"},
  };
  for (const auto& c : cases) {
    msg = error_of(c.d);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace myelin::detail

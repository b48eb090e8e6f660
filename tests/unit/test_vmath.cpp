// vexp and vlog against the C library over their working ranges: at most 1 ulp apart
// (both are within about half an ulp of the true value), and exact where the answer is.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <random>

#include "cells/vmath.hpp"

using myelin::detail::vexp;
using myelin::detail::vlog;

namespace {

// Distance in units in the last place between two doubles of the same sign.
int64_t ulps(double a, double b) {
  const int64_t ia = std::bit_cast<int64_t>(a), ib = std::bit_cast<int64_t>(b);
  return ia > ib ? ia - ib : ib - ia;
}

// The most ulps an exp differs from libm's over 200,000 arguments: half across the
// range, half where rate functions and decays mostly are.
template <class Exp>
int64_t worst_exp_ulps(Exp f, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-700.0, 700.0), small(-3.0, 0.5);
  int64_t worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = i % 2 ? u(rng) : small(rng);
    worst = std::max(worst, ulps(f(x), std::exp(x)));
  }
  return worst;
}

}  // namespace

TEST(Vmath, ExpWithinOneUlpOfLibm) {
  EXPECT_LE(worst_exp_ulps([](double x) { return vexp(x); }, 7), 1);
  EXPECT_EQ(vexp(0.0), 1.0);
  // Clamped, finite outside the range.
  EXPECT_TRUE(std::isfinite(vexp(1000.0)));
  EXPECT_GT(vexp(-1000.0), 0.0);
}

TEST(Vmath, LogWithinOneUlpOfLibm) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> e(-300.0, 300.0), near1(0.5, 2.0);
  int64_t worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = i % 2 ? std::pow(10.0, e(rng)) : near1(rng);
    worst = std::max(worst, ulps(vlog(x), std::log(x)));
  }
  EXPECT_LE(worst, 1);
  EXPECT_EQ(vlog(1.0), 0.0);
  EXPECT_EQ(vlog(2.0), std::log(2.0));
  // The calcium range of the cable cells: cao/cai for cai from 1e-6 to 10 mM.
  for (double cai = 1e-6; cai < 10.0; cai *= 1.01)
    EXPECT_LE(ulps(vlog(2.0 / cai), std::log(2.0 / cai)), 1);
}

TEST(Vmath, EstrinExpWithinTwoUlpOfLibm) {
  using myelin::detail::vexp_estrin;
  EXPECT_LE(worst_exp_ulps([](double x) { return vexp_estrin(x); }, 13), 2);
  // The build for CPUs without FMA.
  EXPECT_LE(worst_exp_ulps([](double x) { return vexp_estrin<false>(x); }, 13), 2);
  EXPECT_EQ(vexp_estrin(0.0), 1.0);
  // Clamped to [-708, 708]: finite and normal, never inf or a denormal; NaN stays NaN.
  EXPECT_EQ(vexp_estrin(1000.0), vexp_estrin(708.0));
  EXPECT_TRUE(std::isfinite(vexp_estrin(1e300)));
  EXPECT_EQ(vexp_estrin(-1000.0), vexp_estrin(-708.0));
  EXPECT_GE(vexp_estrin(-1e300), DBL_MIN);
  EXPECT_TRUE(std::isnan(vexp_estrin(std::nan(""))));
}

// normal_pairs (the noisy current sources' draws) against philox_stream::normal(), which
// uses the C library's log, sin and cos: the same uniforms, so the normals agree to a few
// ulp; and vsincos_turns against std::sin / std::cos.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "cells/vmath.hpp"
#include "random/batch_draws.hpp"

using namespace myelin::detail;

TEST(BatchDraws, SinCosTurnsWithinTwoUlpOfLibm) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const long double x = i < 4 ? i * 0.25L : static_cast<long double>(u(rng));
    double s, c;
    vsincos_turns(static_cast<double>(x), s, c);
    // long double reference: 2 pi x without the rounding of a double product.
    const long double th = 2.0L * std::numbers::pi_v<long double> * x;
    worst = std::max({worst, std::abs(s - static_cast<double>(std::sin(th))),
                      std::abs(c - static_cast<double>(std::cos(th)))});
  }
  EXPECT_LE(worst, 2.3e-16);  // about 2 ulp of numbers near 1
  double s, c;
  vsincos_turns(0.25, s, c);
  EXPECT_EQ(s, 1.0);
  EXPECT_EQ(c, 0.0);
  vsincos_turns(0.5, s, c);
  EXPECT_EQ(c, -1.0);
}

TEST(BatchDraws, PairsMatchTheScalarStreamsNormals) {
  // 150 streams: two full chunks of 64 and a partial one; ids above 2^32 too.
  std::vector<uint64_t> ids;
  for (uint64_t m = 0; m < 150; ++m) ids.push_back(m * 7919 + (m % 3 == 0 ? (1ull << 33) : 0));
  std::vector<double> z0(ids.size()), z1(ids.size());
  for (uint32_t block : {0u, 1u, 12345u}) {
    normal_pairs(0x123456789ull, purpose::noise, 3, ids.data(), ids.size(), block, z0.data(),
                 z1.data());
    for (std::size_t m = 0; m < ids.size(); ++m) {
      philox_stream rng(0x123456789ull, purpose::noise, 3, ids[m]);
      rng.seek(block);
      const double a = rng.normal(), b = rng.normal();
      // The C library's pair rounds 2 pi u2 to a double first (an error up to half an
      // ulp of 2 pi, 4.4e-16, in the angle), normal_pairs reduces u2 exactly: they differ
      // by up to about r * 1e-15; against the exact pair normal_pairs is within 2 ulp.
      const double tol = 2e-15 * std::max(1.0, std::hypot(a, b));
      EXPECT_NEAR(z0[m], a, tol) << m;
      EXPECT_NEAR(z1[m], b, tol) << m;
      rng.seek(block);
      const long double u1 = rng.uniform(), u2 = rng.uniform();
      const long double r = std::sqrt(-2.0L * std::log(u1));
      const long double th = 2.0L * std::numbers::pi_v<long double> * u2;
      const double exact_tol = 4.5e-16 * std::max(1.0, static_cast<double>(r));
      EXPECT_NEAR(z0[m], static_cast<double>(r * std::cos(th)), exact_tol) << m;
      EXPECT_NEAR(z1[m], static_cast<double>(r * std::sin(th)), exact_tol) << m;
    }
  }
}

TEST(BatchDraws, UniformDrawsEqualTheStreamsUniformsBitForBit) {
  // Draw j of stream m for a mix of streams and draw numbers (odd and even, both halves
  // of a block), across a chunk boundary and a partial chunk.
  std::vector<uint64_t> ids;
  std::vector<uint32_t> draws;
  for (uint32_t m = 0; m < 200; ++m) {
    ids.push_back(1000 + m % 7 + (m % 5 == 0 ? (1ull << 40) : 0));
    draws.push_back(m * 37 % 101);
  }
  std::vector<double> out(ids.size());
  uniform_draws(42, purpose::weight, 9, ids.data(), draws.data(), ids.size(), out.data());
  for (std::size_t m = 0; m < ids.size(); ++m) {
    philox_stream rng(42, purpose::weight, 9, ids[m]);
    double u = 0;
    for (uint32_t j = 0; j <= draws[m]; ++j) u = rng.uniform();
    EXPECT_EQ(out[m], u) << m;
  }
}

TEST(BatchDraws, UniformPairsAreBothHalvesOfTheStreamsBlock) {
  // Block 5 of 150 streams (two full chunks of 64 and a partial one), ids above 2^32 too.
  std::vector<uint64_t> ids;
  for (uint64_t m = 0; m < 150; ++m) ids.push_back(3 * m + (m % 4 == 0 ? (1ull << 36) : 0));
  std::vector<double> u0(ids.size()), u1(ids.size());
  uniform_pairs(7, purpose::escape, 2, ids.data(), ids.size(), 5, u0.data(), u1.data());
  for (std::size_t m = 0; m < ids.size(); ++m) {
    philox_stream rng(7, purpose::escape, 2, ids[m]);
    rng.seek(5);
    EXPECT_EQ(u0[m], rng.uniform()) << m;
    EXPECT_EQ(u1[m], rng.uniform()) << m;
  }
}

TEST(BatchDraws, UniformRunTakeEqualsOneByOne) {
  // Blocks of several sizes across refills, mixed with single draws.
  uniform_run a(9, purpose::connectivity, 1, 77), b(9, purpose::connectivity, 1, 77);
  double buf[300];
  for (const std::size_t n : {std::size_t{5}, std::size_t{130}, std::size_t{0}, std::size_t{1},
                              std::size_t{257}, std::size_t{3}}) {
    a.take(buf, n);
    for (std::size_t j = 0; j < n; ++j) ASSERT_EQ(buf[j], b.uniform()) << n << " " << j;
    ASSERT_EQ(a.uniform(), b.uniform()) << n;
  }
}

TEST(BatchDraws, UniformRunEqualsTheStreamsUniformsBitForBit) {
  // Past two refills of 128, on an id above 2^32 (its high word in the counter).
  for (const uint64_t id : {uint64_t{5}, (uint64_t{1} << 40) + 3}) {
    uniform_run run(42, purpose::connectivity, 3, id);
    philox_stream rng(42, purpose::connectivity, 3, id);
    for (int j = 0; j < 300; ++j) ASSERT_EQ(run.uniform(), rng.uniform()) << id << " " << j;
  }
}

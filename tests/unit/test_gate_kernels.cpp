// The hand-vectorised gate kernels (cable/gate_kernels.hpp): every build this CPU runs
// (AVX-512, AVX2, baseline) gives the same bits, and each matches the scalar definition
// (NEURON's table interpolation, the cnexp update with libm's exp) to rounding.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cable/gate_kernels.hpp"
#include "cable/mechanisms.hpp"

namespace cm = myelin::detail::cable_mech;
namespace cs = myelin::detail::cable_simd;

namespace {

std::vector<const cs::kernels*> available() {
  std::vector<const cs::kernels*> out;
  for (const char* name : {"avx512", "avx2", "baseline"})
    if (const cs::kernels* k = cs::kernels_named(name)) out.push_back(k);
  return out;
}

struct table_case {
  const char* name;
  const cm::rate_table& t;
  const cs::gate_table& rows;
  std::vector<int> inf, tau;
};

// Voltages over and beyond every table's range, grid points and the ends exactly, and
// a NaN (the kernels must not read outside the table; its lane's value is not checked).
std::vector<double> voltages(const cm::rate_table& t, std::size_t n) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-140.0, 120.0);
  std::vector<double> v(n + cs::kPad, 0.0);
  for (std::size_t j = 0; j < n; ++j) v[j] = u(rng);
  v[0] = t.vmin;
  v[1] = t.vmin + t.n / t.mfac;
  v[2] = t.vmin + 17.0 / t.mfac;
  v[3] = -1000.0;
  v[4] = 1000.0;
  v[5] = std::nan("");
  return v;
}

}  // namespace

TEST(GateKernels, EveryBuildSameBitsAndMatchesScalarDefinition) {
  const std::vector<table_case> cases = {
      {"hh2", cm::hh2_table(), cm::hh2_gate_rows(), {0, 2, 4}, {1, 3, 5}},
      {"km", cm::km_table(), cm::km_gate_rows(), {0}, {1}},
      {"ca", cm::ca_table(), cm::ca_gate_rows(), {0, 1}, {2, 3}},
      {"cat", cm::cat_table(), cm::cat_gate_rows(), {0, 2}, {1, 3}},
      {"ar", cm::ar_table(), cm::ar_gate_rows(), {0}, {1}},
  };
  const auto kernels = available();
  ASSERT_FALSE(kernels.empty());
  const double dt = 0.025;
  const std::size_t n = 203;  // not a multiple of any vector width
  for (const table_case& tc : cases) {
    SCOPED_TRACE(tc.name);
    const int G = static_cast<int>(tc.inf.size());
    const std::vector<double> v = voltages(tc.t, n);
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> u01(0.0, 1.0);
    std::vector<double> x0(n + cs::kPad);
    for (double& x : x0) x = u01(rng);

    // Scalar definition.
    const cm::table_view tv = cm::view(tc.t);
    std::vector<std::vector<double>> ref(G, x0);
    for (std::size_t j = 0; j < n; ++j) {
      if (j == 5) continue;  // NaN
      int i;
      double th;
      cm::table_pos(tv, v[j], i, th);
      for (int g = 0; g < G; ++g) {
        const double inf = cm::table_at(tv.q[tc.inf[g]], i, th);
        const double tau = cm::table_at(tv.q[tc.tau[g]], i, th);
        ref[g][j] += (1.0 - std::exp(-dt / tau)) * (inf - ref[g][j]);
      }
    }

    std::vector<std::vector<double>> first;
    for (const cs::kernels* k : kernels) {
      SCOPED_TRACE(k->name);
      std::vector<std::vector<double>> x(G, x0);
      double* xp[3];
      for (int g = 0; g < G; ++g) xp[g] = x[g].data();
      k->gates[G - 1](n, v.data(), tc.rows, xp, dt);
      for (int g = 0; g < G; ++g)
        for (std::size_t j = 0; j < n; ++j) {
          if (j == 5) continue;  // NaN
          ASSERT_NEAR(x[g][j], ref[g][j], 4e-16 * std::max(1.0, std::fabs(ref[g][j])))
              << "gate " << g << " v " << v[j];
        }
      if (first.empty()) {
        first = x;
      } else {
        for (int g = 0; g < G; ++g)
          for (std::size_t j = 0; j < n; ++j) {
            if (j == 5) continue;  // NaN
            ASSERT_EQ(x[g][j], first[g][j]) << "gate " << g << " index " << j;
          }
      }
    }
  }
}

TEST(GateKernels, KcaEveryBuildSameBitsAndMatchesScalarDefinition) {
  const auto kernels = available();
  const double dt = 0.025, tadj = cm::km_tadj();
  const std::size_t n = 101;
  std::vector<double> cai(n + cs::kPad, 1e-4), n0(n + cs::kPad, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    cai[j] = 1e-5 * std::pow(1.1, double(j));  // 1e-5 .. 0.14 mM
    n0[j] = 0.5 + 0.004 * double(j);
  }
  std::vector<double> ref = n0;
  for (std::size_t j = 0; j < n; ++j) {
    const double a = cm::kca_ra * cai[j];
    const double tau = 1.0 / tadj / (a + cm::kca_rb), inf = a / (a + cm::kca_rb);
    ref[j] += (1.0 - std::exp(-dt / tau)) * (inf - ref[j]);
  }
  std::vector<double> first;
  for (const cs::kernels* k : kernels) {
    SCOPED_TRACE(k->name);
    std::vector<double> x = n0;
    k->kca(n, cai.data(), x.data(), cm::kca_ra, cm::kca_rb, tadj, dt);
    for (std::size_t j = 0; j < n; ++j) ASSERT_NEAR(x[j], ref[j], 4e-16);
    if (first.empty()) first = x;
    for (std::size_t j = 0; j < n; ++j) ASSERT_EQ(x[j], first[j]);
  }
}

TEST(GateKernels, ExpWithinOneUlpOfLibmAndSameInEveryBuild) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> wide(-708.0, 709.0), gate(-3.0, 0.0);
  const std::size_t n = 100003;
  std::vector<double> x(n + cs::kPad, 0.0);
  for (std::size_t j = 0; j < n; ++j) x[j] = j % 2 ? wide(rng) : gate(rng);
  x[0] = 0.0;
  x[1] = -708.0;
  x[2] = 709.0;
  x[3] = 1e-300;
  std::vector<double> first;
  for (const cs::kernels* k : available()) {
    SCOPED_TRACE(k->name);
    std::vector<double> y(n + cs::kPad);
    k->exp(n, x.data(), y.data());
    int64_t worst = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double e = std::exp(x[j]);
      const int64_t d = std::bit_cast<int64_t>(y[j]) - std::bit_cast<int64_t>(e);
      worst = std::max(worst, d < 0 ? -d : d);
    }
    EXPECT_LE(worst, 1);
    EXPECT_EQ(y[0], 1.0);
    if (first.empty()) first = y;
    for (std::size_t j = 0; j < n; ++j) ASSERT_EQ(y[j], first[j]) << x[j];
  }
  // Clamped outside the range: finite and positive.
  std::vector<double> big(cs::kPad + 8, 1000.0), out(cs::kPad + 8);
  big[1] = -1000.0;
  cs::best_kernels().exp(2, big.data(), out.data());
  EXPECT_TRUE(std::isfinite(out[0]));
  EXPECT_GT(out[1], 0.0);
}

TEST(GateKernels, UnknownOrUnsupportedBuildIsRefused) {
  EXPECT_EQ(cs::kernels_named("sse9"), nullptr);
  EXPECT_NE(cs::kernels_named("baseline"), nullptr);
}

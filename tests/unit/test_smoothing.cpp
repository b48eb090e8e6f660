// hamming_smooth (hnn/dipoles.hpp), O(n) through prefix sums, against the direct
// O(n m) sum of numpy.convolve(x, hamming(m) / sum, "same") written out here: within
// 1e-13 of the output's peak for even and odd windows, windows longer than the signal,
// a constant signal (whose smoothed middle is the constant itself), and an impulse
// (which returns the window).

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "hnn/dipoles.hpp"

namespace {

std::vector<double> direct(const std::vector<double>& x, std::size_t m) {
  std::vector<double> w(m);
  double sum = 0;
  for (std::size_t k = 0; k < m; ++k) {
    w[k] = 0.54 - 0.46 * std::cos(2.0 * std::numbers::pi * double(k) / double(m - 1));
    sum += w[k];
  }
  const std::size_t n = x.size(), off = (m - 1) / 2;
  std::vector<double> out(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const long k = long(i + off) - long(j);
      if (k >= 0 && k < long(m)) out[i] += x[j] * w[std::size_t(k)] / sum;
    }
  return out;
}

double peak(const std::vector<double>& v) {
  double p = 0;
  for (double x : v) p = std::max(p, std::abs(x));
  return p;
}

TEST(Smoothing, MatchesTheDirectConvolution) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise;
  for (const std::size_t n : {1, 5, 300, 1001}) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i)
      x[i] = 40.0 * std::sin(0.01 * double(i)) + noise(rng) - 25.0;  // offset, as a dipole
    for (const std::size_t m : {2, 3, 8, 121, 400, 1200}) {
      const auto fast = myelin::detail::hamming_smooth(x, m), ref = direct(x, m);
      ASSERT_EQ(fast.size(), n);
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_NEAR(fast[i], ref[i], 1e-13 * peak(ref)) << "n " << n << " m " << m << " i " << i;
    }
  }
}

TEST(Smoothing, ConstantAndImpulse) {
  const std::size_t m = 120;
  const std::vector<double> flat(1000, 3.5);
  const auto y = myelin::detail::hamming_smooth(flat, m);
  for (std::size_t i = m; i + m < flat.size(); ++i) EXPECT_NEAR(y[i], 3.5, 1e-14);
  std::vector<double> impulse(501, 0.0);
  impulse[250] = 1.0;
  const auto w = myelin::detail::hamming_smooth(impulse, m);
  double sum = 0;
  for (double v : w) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-14);  // the normalised window, whole
  EXPECT_NEAR(w[250 + (m - 1) / 2 - 0], w[250 - (m - 1) / 2 + 1], 1e-16);  // symmetric
  EXPECT_EQ(myelin::detail::hamming_smooth({1.0, 2.0}, 1), (std::vector<double>{1.0, 2.0}));
}

}  // namespace

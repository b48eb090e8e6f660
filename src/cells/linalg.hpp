#pragma once
// Small dense matrix exponential, used once per cell in prepare() to build exact
// propagators of linear subthreshold dynamics. Never called in the step loop.

#include <array>
#include <cmath>

namespace myelin::detail {

template <int N>
using matrix = std::array<std::array<double, N>, N>;

template <int N>
matrix<N> mat_mul(const matrix<N>& a, const matrix<N>& b) {
  matrix<N> c{};
  for (int i = 0; i < N; ++i)
    for (int k = 0; k < N; ++k) {
      const double aik = a[i][k];
      if (aik == 0.0) continue;
      for (int j = 0; j < N; ++j) c[i][j] += aik * b[k][j];
    }
  return c;
}

/// exp(A) by scaling and squaring with a degree-18 Taylor series: accurate to a few
/// ulp for the well-conditioned, small systems of point-neuron propagators.
template <int N>
matrix<N> expm(matrix<N> a) {
  double norm = 0.0;
  for (int i = 0; i < N; ++i) {
    double row = 0.0;
    for (int j = 0; j < N; ++j) row += std::abs(a[i][j]);
    norm = std::max(norm, row);
  }
  int squarings = 0;
  while (norm > 0.125) {
    norm *= 0.5;
    ++squarings;
  }
  const double scale = std::ldexp(1.0, -squarings);
  for (auto& row : a)
    for (double& x : row) x *= scale;
  matrix<N> result{}, term{};
  for (int i = 0; i < N; ++i) result[i][i] = term[i][i] = 1.0;
  for (int k = 1; k <= 18; ++k) {
    term = mat_mul<N>(term, a);
    for (auto& row : term)
      for (double& x : row) x /= k;
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) result[i][j] += term[i][j];
  }
  for (int s = 0; s < squarings; ++s) result = mat_mul<N>(result, result);
  return result;
}

}  // namespace myelin::detail

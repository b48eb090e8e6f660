#pragma once
// Vectorisable elementary functions for the per-step kernels.
//
// std::exp is a library call that the compiler cannot vectorise without -ffast-math,
// and it dominates the cost of conductance-based cells (one per cell per step). This
// exp is plain arithmetic that GCC vectorises for any x86-64 (SSE2) or wider target,
// gives the same bits for the same input on every machine, and is accurate to about
// 1 ulp (tested against std::exp in tests/unit/test_vmath.cpp).

#include <bit>
#include <cstdint>

namespace myelin::detail {

/// e^x for x in [-708, 709] (clamped outside: no infinities, no denormals).
[[gnu::always_inline]] inline double vexp(double x) {
  x = x < -708.0 ? -708.0 : x;
  x = x > 709.0 ? 709.0 : x;
  // x = k ln2 + r, |r| <= ln2/2; k read from the low mantissa bits of t.
  constexpr double shifter = 0x1.8p52;
  const double t = x * 1.4426950408889634 + shifter;
  const double k = t - shifter;
  const double r = (x - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c76730p-45;
  // Taylor series of e^r to degree 13: truncation error < 1e-17 for |r| <= 0.347.
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // 2^k: the low 12 bits of t's mantissa hold k + 2^51; adding the bias and shifting
  // into the exponent field drops everything above.
  const uint64_t bits = (std::bit_cast<uint64_t>(t) + 1023u) << 52;
  return p * std::bit_cast<double>(bits);
}

}  // namespace myelin::detail

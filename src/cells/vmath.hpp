#pragma once
// Vectorisable elementary functions for the per-step kernels.
//
// std::exp is a library call that the compiler cannot vectorise without -ffast-math,
// and it dominates the cost of conductance-based cells (one per cell per step). This
// exp is plain arithmetic that GCC vectorises for any x86-64 (SSE2) or wider target,
// gives the same bits for the same input on every machine, and is accurate to about
// 1 ulp (tested against std::exp in tests/unit/test_vmath.cpp). vlog likewise for the
// natural logarithm (the Nernst potentials of the cable cells).

#include <bit>
#include <cstdint>

/// A per-step kernel compiled for AVX-512, AVX2 and baseline x86-64, the widest the CPU
/// runs picked at load time. Without FMA contraction (-ffp-contract=off) every clone
/// computes the same bits.
#define MYELIN_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

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

/// ln x for positive normal x (the caller guarantees it; no special cases).
[[gnu::always_inline]] inline double vlog(double x) {
  // x = 2^k m with m in [sqrt(1/2), sqrt(2)): shifting the bits by those of sqrt(1/2)
  // moves the exponent boundary there. k is read as a double by planting the exponent
  // field under 2^52 (no integer-to-double conversion, which AVX2 lacks for 64 bits).
  constexpr uint64_t sqrt_half = 0x3FE6A09E667F3BCDull;
  const uint64_t u = std::bit_cast<uint64_t>(x) - sqrt_half + (1023ull << 52);
  const double k = std::bit_cast<double>((u >> 52) | 0x4330000000000000ull) - 0x1p52 - 1023.0;
  const double m = std::bit_cast<double>((u & 0x000FFFFFFFFFFFFFull) + sqrt_half);
  // ln m = 2 atanh(s), s = f/(2 + f), f = m - 1, written as f - f^2/2 + s (f^2/2 + R)
  // with R = 2 s^2/3 + 2 s^4/5 + ... (|s| < 0.172: 11 terms leave < 1e-19).
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  double r = 2.0 / 23.0;
  r = r * z + 2.0 / 21.0;
  r = r * z + 2.0 / 19.0;
  r = r * z + 2.0 / 17.0;
  r = r * z + 2.0 / 15.0;
  r = r * z + 2.0 / 13.0;
  r = r * z + 2.0 / 11.0;
  r = r * z + 2.0 / 9.0;
  r = r * z + 2.0 / 7.0;
  r = r * z + 2.0 / 5.0;
  r = r * z + 2.0 / 3.0;
  r = r * z;
  const double hfsq = 0.5 * f * f;
  // k ln2 in two parts: the high part has trailing zeros, so k * ln2_hi is exact.
  constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  return k * ln2_hi - ((hfsq - (s * (hfsq + r) + k * ln2_lo)) - f);
}

}  // namespace myelin::detail

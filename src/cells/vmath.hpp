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
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

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

/// a b + c with one rounding (std::fma) when Fused, else two. The kernels of cell types
/// from equations are built both ways (src/equations/): fused for CPUs with FMA, where
/// std::fma is one instruction, unfused for the others, where it would be a libm call
/// per operation (docs/equations.md, "Speed").
template <bool Fused>
[[gnu::always_inline]] inline double fmadd(double a, double b, double c) {
  if constexpr (Fused)
    return std::fma(a, b, c);
  else
    return a * b + c;
}

/// The widest instruction set with FMA this CPU runs: 4 (x86-64-v4: AVX-512), 3
/// (x86-64-v3: AVX2 and FMA) or 0 (no FMA, or a compiler other than GCC). MYELIN_SIMD
/// (baseline, avx2 or avx512, as for the cable kernels) lowers it, for tests and
/// comparisons: baseline runs the unfused builds on any CPU.
inline int fma_level() {
#if defined(__GNUC__) && !defined(__clang__)
  static const int level = [] {
    const int cpu = __builtin_cpu_supports("x86-64-v4")   ? 4
                    : __builtin_cpu_supports("x86-64-v3") ? 3
                                                          : 0;
    const char* want = std::getenv("MYELIN_SIMD");
    if (!want) return cpu;
    const int asked = std::strcmp(want, "baseline") == 0 ? 0
                      : std::strcmp(want, "avx2") == 0   ? 3
                                                         : 4;
    return asked < cpu ? asked : cpu;
  }();
  return level;
#else
  return 0;
#endif
}

/// e^x as vexp, with the polynomial evaluated in Estrin's scheme instead of Horner's and,
/// when Fused, every multiply-add fused: the same terms in a tree 4 products deep
/// instead of a chain of 13, in about 25 instructions instead of 40 with FMA, so that a
/// kernel with many independent exponentials is bound neither by their latency nor by
/// their count. About 1 ulp, but not the same bits as vexp, and Fused and unfused differ
/// in the last bits; x is clamped to [-708, 708]. Used by cell types from equations
/// (src/equations/).
template <bool Fused = true>
[[gnu::always_inline]] inline double vexp_estrin(double x) {
  // x clamped to [-708, 708] (no infinities, no denormals), NaN kept: |x| limited and its
  // sign put back is one compare and blend, where clamping each side took GCC seven
  // instructions (compares, mask logic and blends) in a vectorised loop.
  double ax = std::fabs(x);
  ax = ax > 708.0 ? 708.0 : ax;
  x = std::copysign(ax, x);
  constexpr double shifter = 0x1.8p52;
  const double t = fmadd<Fused>(x, 1.4426950408889634, shifter);
  const double k = t - shifter;
  const double r =
      fmadd<Fused>(-k, 0x1.ef35793c76730p-45, fmadd<Fused>(-k, 0x1.62e42fefa3800p-1, x));
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  // Taylor coefficients 1/n!, n = 0..13, pairwise, then in powers r^2, r^4, r^8.
  const double p01 = 1.0 + r, p23 = fmadd<Fused>(r, 1.0 / 6.0, 0.5);
  const double p45 = fmadd<Fused>(r, 1.0 / 120.0, 1.0 / 24.0);
  const double p67 = fmadd<Fused>(r, 1.0 / 5040.0, 1.0 / 720.0);
  const double p89 = fmadd<Fused>(r, 1.0 / 362880.0, 1.0 / 40320.0);
  const double p1011 = fmadd<Fused>(r, 1.0 / 39916800.0, 1.0 / 3628800.0);
  const double p1213 = fmadd<Fused>(r, 1.0 / 6227020800.0, 1.0 / 479001600.0);
  const double q0 = fmadd<Fused>(r2, p23, p01), q1 = fmadd<Fused>(r2, p67, p45);
  const double q2 = fmadd<Fused>(r2, p1011, p89);
  const double s0 = fmadd<Fused>(r4, q1, q0), s1 = fmadd<Fused>(r4, p1213, q2);
  const double p = fmadd<Fused>(r8, s1, s0);
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

/// sin(2 pi u) and cos(2 pi u) for u in [0, 1] (Box-Muller's angle, in turns). The
/// reduction to a quarter turn is exact: 4u and its nearest integer q are exact doubles,
/// so f = 4u - q in [-1/2, 1/2] is too, and only x = f pi/2 rounds once; then Taylor
/// series on |x| <= pi/4 (degree 17 and 18: truncation < 1e-19). About 1 ulp.
[[gnu::always_inline]] inline void vsincos_turns(double u, double& sin_out, double& cos_out) {
  constexpr double shifter = 0x1.8p52;
  const double t = 4.0 * u + shifter;
  const double q = t - shifter;
  const uint64_t quadrant = std::bit_cast<uint64_t>(t) & 3u;
  const double x = (4.0 * u - q) * 1.5707963267948966;
  const double z = x * x;
  double ps = -1.0 / 355687428096000.0;  // -1/17!
  ps = ps * z + 1.0 / 1307674368000.0;
  ps = ps * z - 1.0 / 6227020800.0;
  ps = ps * z + 1.0 / 39916800.0;
  ps = ps * z - 1.0 / 362880.0;
  ps = ps * z + 1.0 / 5040.0;
  ps = ps * z - 1.0 / 120.0;
  ps = ps * z + 1.0 / 6.0;
  const double s = x - x * z * ps;
  double pc = 1.0 / 6402373705728000.0;  // 1/18!
  pc = pc * z - 1.0 / 20922789888000.0;
  pc = pc * z + 1.0 / 87178291200.0;
  pc = pc * z - 1.0 / 479001600.0;
  pc = pc * z + 1.0 / 3628800.0;
  pc = pc * z - 1.0 / 40320.0;
  pc = pc * z + 1.0 / 720.0;
  pc = pc * z - 1.0 / 24.0;
  // cos x = 1 - z/2 + z^2 (1/24 - ...): the small terms summed first.
  const double hz = 0.5 * z;
  const double c = 1.0 - (hz - z * z * -pc);
  // Quadrant q: (sin, cos) of x + q pi/2 = (s, c), (c, -s), (-s, -c), (-c, s).
  const double sq = (quadrant & 1u) ? c : s;
  const double cq = (quadrant & 1u) ? s : c;
  sin_out = (quadrant & 2u) ? -sq : sq;
  cos_out = ((quadrant + 1u) & 2u) ? -cq : cq;
}

}  // namespace myelin::detail

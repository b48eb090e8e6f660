#pragma once
// Fast decimal output of doubles with 10 significant digits, the text of printf's "%.10g"
// (fixed notation for decimal exponents -4 .. 9, else d.ddde+XX; trailing zeros dropped).
//
// The dipole CSV files hold tens of thousands of numbers per run; std::to_chars with a
// precision made writing them a visible part of a short run's profile. Here the value is scaled to
// a 10-digit integer in long double (x87: 64-bit mantissa; powers of ten up to 10^27 are exact in
// it), rounded to nearest even, and its digits written two at a time. The scaled value is within
// 2^-64 relative of the exact one, so the rounding can differ from the correctly rounded digit only
// when the exact value lies within ~1e-9 of the last digit of a tie (never seen in the test's
// millions of random values). Values outside [1e-17, 1e27] and non-finite ones go to std::to_chars.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace myelin::detail {

/// Writes v to p as printf("%.10g", v) does; returns the end. p needs 24 chars.
inline char* format_g10(char* p, double v) {
  static constexpr char pairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  const double a = std::fabs(v);
  // Where long double is no wider than double the scaling is not exact enough.
  constexpr bool wide = std::numeric_limits<long double>::digits >= 64;
  if (!wide || !(a >= 1e-17 && a <= 1e27)) {  // also NaN, infinities and zero
    if (a == 0.0) {
      if (std::signbit(v)) *p++ = '-';
      *p++ = '0';
      return p;
    }
    return std::to_chars(p, p + 24, v, std::chars_format::general, 10).ptr;
  }
  static const long double pow10[] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                      1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                      1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                      1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
  int x = static_cast<int>(std::floor(std::log10(a)));  // decimal exponent, maybe off by one
  uint64_t n = 0;
  for (int tries = 0;; ++tries) {
    const int k = 9 - x;  // scale a by 10^k into [1e9, 1e10)
    const long double m =
        k >= 0 ? static_cast<long double>(a) * pow10[k] : static_cast<long double>(a) / pow10[-k];
    n = static_cast<uint64_t>(std::llrint(m));
    if (tries == 3) return std::to_chars(p, p + 24, v, std::chars_format::general, 10).ptr;
    // x was low, or the rounding carried to 10^10 (then 1.000000000 at the next exponent)
    if (n >= 10000000000ull) {
      ++x;
    } else if (n < 1000000000ull) {
      --x;
    } else {
      break;
    }
  }
  char d[10];
  for (int i = 8; i >= 0; i -= 2) {
    std::memcpy(d + i, pairs + 2 * (n % 100), 2);
    n /= 100;
  }
  int s = 10;  // significant digits left after dropping trailing zeros
  while (s > 1 && d[s - 1] == '0') --s;
  if (v < 0) *p++ = '-';
  if (x >= -4 && x < 10) {
    if (x >= 0) {
      std::memcpy(p, d, x + 1);
      p += x + 1;
      if (s > x + 1) {
        *p++ = '.';
        std::memcpy(p, d + x + 1, s - x - 1);
        p += s - x - 1;
      }
    } else {
      *p++ = '0';
      *p++ = '.';
      for (int i = 0; i < -x - 1; ++i) *p++ = '0';
      std::memcpy(p, d, s);
      p += s;
    }
    return p;
  }
  *p++ = d[0];
  if (s > 1) {
    *p++ = '.';
    std::memcpy(p, d + 1, s - 1);
    p += s - 1;
  }
  *p++ = 'e';
  *p++ = x < 0 ? '-' : '+';
  const int ax = x < 0 ? -x : x;
  std::memcpy(p, pairs + 2 * ax, 2);  // |x| <= 27 here
  return p + 2;
}

}  // namespace myelin::detail

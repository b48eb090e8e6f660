// format_g10 (io/decimal.hpp) against printf("%.10g"): the same text for edge cases
// (powers of ten, carries at 9.9999999995, ties, the fixed/exponent switch at 1e-4 and
// 1e10, the to_chars fallback range) and for a million random doubles of every sign and
// exponent the dipole files hold.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "io/decimal.hpp"

namespace {

std::string ours(double v) {
  char buf[32];
  return std::string(buf, myelin::detail::format_g10(buf, v));
}

std::string printf_g10(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

TEST(Decimal, EdgeCasesMatchPrintf) {
  const double cases[] = {0.0,
                          -0.0,
                          1.0,
                          -1.0,
                          0.025,
                          12.475,
                          170.0,
                          0.1,
                          1e-4,
                          9.99999999949e-5,
                          0.000123456789012,
                          1e-5,
                          9999999999.0,
                          9999999999.5,
                          1e10,
                          12345678901.0,
                          1234567890.5,
                          1234567891.5,
                          9.9999999995,
                          9.99999999949,
                          0.99999999995,
                          99999.999995,
                          1e-17,
                          9.9e-18,
                          1e27,
                          1.1e27,
                          1e300,
                          5e-324,
                          1.7976931348623157e308,
                          0.3,
                          2.0 / 3.0,
                          -2.0 / 3.0 * 1e-7,
                          123456.789e3};
  for (double v : cases) EXPECT_EQ(ours(v), printf_g10(v)) << "value " << v;
}

TEST(Decimal, RandomValuesMatchPrintf) {
  std::mt19937_64 rng(20261123);
  std::uniform_real_distribution<double> mant(1.0, 10.0);
  std::uniform_int_distribution<int> ex(-20, 29);
  std::uniform_int_distribution<uint64_t> bits;
  int mismatches = 0;
  for (int i = 0; i < 1000000; ++i) {
    double v;
    if (i % 2 == 0) {
      v = mant(rng) * std::pow(10.0, ex(rng));  // every decimal exponent
    } else {
      // Raw bit patterns of moderate doubles: mantissas with every low-bit pattern.
      const uint64_t b = (bits(rng) & 0x800FFFFFFFFFFFFFull) | (uint64_t(1023 - 40 + i % 80) << 52);
      std::memcpy(&v, &b, sizeof v);
    }
    if (i % 3 == 0) v = -v;
    if (ours(v) != printf_g10(v) && ++mismatches <= 5)
      ADD_FAILURE() << "value " << printf_g10(v) << ": ours " << ours(v);
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace

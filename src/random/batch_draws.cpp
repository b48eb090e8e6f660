#include "random/batch_draws.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "cells/vmath.hpp"

namespace myelin::detail {

namespace {

constexpr std::size_t lanes = 64;  // counters per chunk: they stay in L1

typedef uint64_t u64x8 __attribute__((vector_size(64)));

// Philox4x32-10 (Salmon et al. 2011, as Random123 computes it) on `lanes` counters
// (x0..x3) at once under the key (k0, k1). The words go through the rounds in 64-bit
// lanes (the products are then plain 32 x 32 -> 64 multiplies, no widening or narrowing),
// four vectors of 8 counters at a time kept in registers through the 10 rounds.
[[gnu::always_inline]] inline void philox_lanes(uint32_t k0, uint32_t k1, uint32_t* x0,
                                                uint32_t* x1, uint32_t* x2, uint32_t* x3) {
  constexpr int G = 4;
  const u64x8 lo32 = u64x8{} + 0xFFFFFFFFull;
  for (std::size_t g0 = 0; g0 < lanes; g0 += 8 * G) {
    u64x8 w0[G], w1[G], w2[G], w3[G];
    for (int g = 0; g < G; ++g)
      for (int l = 0; l < 8; ++l) {
        const std::size_t m = g0 + 8 * g + l;
        w0[g][l] = x0[m];
        w1[g][l] = x1[m];
        w2[g][l] = x2[m];
        w3[g][l] = x3[m];
      }
    uint64_t key0 = k0, key1 = k1;
    for (int round = 0; round < 10; ++round) {
      for (int g = 0; g < G; ++g) {
        // The masks tell the compiler the words are 32-bit: one 32 x 32 -> 64 multiply each.
        const u64x8 p0 = (w0[g] & lo32) * 0xD2511F53ull, p1 = (w2[g] & lo32) * 0xCD9E8D57ull;
        w0[g] = (p1 >> 32) ^ w1[g] ^ key0;
        w2[g] = (p0 >> 32) ^ w3[g] ^ key1;
        w1[g] = p1 & lo32;
        w3[g] = p0 & lo32;
      }
      key0 = (key0 + 0x9E3779B9u) & 0xFFFFFFFFull;
      key1 = (key1 + 0xBB67AE85u) & 0xFFFFFFFFull;
    }
    for (int g = 0; g < G; ++g)
      for (int l = 0; l < 8; ++l) {
        const std::size_t m = g0 + 8 * g + l;
        x0[m] = static_cast<uint32_t>(w0[g][l]);
        x1[m] = static_cast<uint32_t>(w1[g][l]);
        x2[m] = static_cast<uint32_t>(w2[g][l]);
        x3[m] = static_cast<uint32_t>(w3[g][l]);
      }
  }
}

// philox_stream::uniform() of the words (hi, lo): their top 53 bits, plus a half, times
// 2^-53; the 53 bits as a double without a 64-bit integer conversion (which AVX2 lacks):
// hi 2^21 + (lo >> 11), each part exact.
[[gnu::always_inline]] inline double uniform_of(uint32_t hi, uint32_t lo) {
  auto as_double = [](uint32_t w) {
    return std::bit_cast<double>(0x4330000000000000ull | w) - 0x1p52;
  };
  return (as_double(hi) * 0x1p21 + as_double(lo >> 11) + 0.5) * 0x1.0p-53;
}

// Philox block `block` of each of the (up to) lanes ids, in x0..x3 (lanes past n repeat
// the first id).
[[gnu::always_inline]] inline void block_of_ids(uint32_t k0, uint32_t k1, uint32_t c1,
                                                const uint64_t* ids, std::size_t n, uint32_t block,
                                                uint32_t* x0, uint32_t* x1, uint32_t* x2,
                                                uint32_t* x3) {
  for (std::size_t m = 0; m < lanes; ++m) {
    const uint64_t id = ids[m < n ? m : 0];
    x0[m] = block;
    x1[m] = c1;
    x2[m] = static_cast<uint32_t>(id);
    x3[m] = static_cast<uint32_t>(id >> 32);
  }
  philox_lanes(k0, k1, x0, x1, x2, x3);
}

MYELIN_SIMD_CLONES void normal_chunk(uint32_t k0, uint32_t k1, uint32_t c1, const uint64_t* ids,
                                     std::size_t n, uint32_t block, double* z0, double* z1) {
  uint32_t x0[lanes], x1[lanes], x2[lanes], x3[lanes];
  block_of_ids(k0, k1, c1, ids, n, block, x0, x1, x2, x3);
  for (std::size_t m = 0; m < lanes; ++m) {
    const double u1 = uniform_of(x0[m], x1[m]), u2 = uniform_of(x2[m], x3[m]);
    const double r = std::sqrt(-2.0 * vlog(u1));
    double s, c;
    vsincos_turns(u2, s, c);
    z0[m] = r * c;
    z1[m] = r * s;
  }
}

MYELIN_SIMD_CLONES void uniform_chunk(uint32_t k0, uint32_t k1, uint32_t c1, const uint64_t* ids,
                                      const uint32_t* draws, std::size_t n, double* out) {
  uint32_t x0[lanes], x1[lanes], x2[lanes], x3[lanes], half[lanes];
  for (std::size_t m = 0; m < lanes; ++m) {
    const std::size_t i = m < n ? m : 0;
    x0[m] = draws[i] >> 1;
    half[m] = draws[i] & 1u;
    x1[m] = c1;
    x2[m] = static_cast<uint32_t>(ids[i]);
    x3[m] = static_cast<uint32_t>(ids[i] >> 32);
  }
  philox_lanes(k0, k1, x0, x1, x2, x3);
  for (std::size_t m = 0; m < lanes; ++m)
    out[m] = half[m] ? uniform_of(x2[m], x3[m]) : uniform_of(x0[m], x1[m]);
}

MYELIN_SIMD_CLONES void pair_chunk(uint32_t k0, uint32_t k1, uint32_t c1, const uint64_t* ids,
                                   std::size_t n, uint32_t block, double* u0, double* u1) {
  uint32_t x0[lanes], x1[lanes], x2[lanes], x3[lanes];
  block_of_ids(k0, k1, c1, ids, n, block, x0, x1, x2, x3);
  for (std::size_t m = 0; m < lanes; ++m) {
    u0[m] = uniform_of(x0[m], x1[m]);
    u1[m] = uniform_of(x2[m], x3[m]);
  }
}

MYELIN_SIMD_CLONES void stream_chunk(uint32_t k0, uint32_t k1, uint32_t c1, uint64_t id,
                                     uint32_t block, double* out) {
  uint32_t x0[lanes], x1[lanes], x2[lanes], x3[lanes];
  for (std::size_t m = 0; m < lanes; ++m) {
    x0[m] = block + static_cast<uint32_t>(m);
    x1[m] = c1;
    x2[m] = static_cast<uint32_t>(id);
    x3[m] = static_cast<uint32_t>(id >> 32);
  }
  philox_lanes(k0, k1, x0, x1, x2, x3);
  for (std::size_t m = 0; m < lanes; ++m) {
    out[2 * m] = uniform_of(x0[m], x1[m]);
    out[2 * m + 1] = uniform_of(x2[m], x3[m]);
  }
}

}  // namespace

void stream_uniforms(uint64_t seed, purpose p, uint32_t object, uint64_t id, uint32_t block,
                     double* out) {
  stream_chunk(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
               static_cast<uint32_t>(p) << 24 ^ object, id, block, out);
}

// Two draws per id from each Philox block, by `chunk` (normal_chunk or pair_chunk), ids
// `lanes` at a time; a short last group goes through scratch.
template <class Chunk>
void pairs_of(Chunk chunk, uint64_t seed, purpose p, uint32_t object, const uint64_t* ids,
              std::size_t n, uint32_t block, double* x0, double* x1) {
  const auto k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  const uint32_t c1 = static_cast<uint32_t>(p) << 24 ^ object;
  for (std::size_t start = 0; start < n; start += lanes) {
    const std::size_t len = std::min(lanes, n - start);
    if (len == lanes) {
      chunk(k0, k1, c1, ids + start, len, block, x0 + start, x1 + start);
    } else {
      double a[lanes], b[lanes];
      chunk(k0, k1, c1, ids + start, len, block, a, b);
      std::copy_n(a, len, x0 + start);
      std::copy_n(b, len, x1 + start);
    }
  }
}

void normal_pairs(uint64_t seed, purpose p, uint32_t object, const uint64_t* ids, std::size_t n,
                  uint32_t block, double* z0, double* z1) {
  pairs_of(normal_chunk, seed, p, object, ids, n, block, z0, z1);
}

void uniform_pairs(uint64_t seed, purpose p, uint32_t object, const uint64_t* ids, std::size_t n,
                   uint32_t block, double* u0, double* u1) {
  pairs_of(pair_chunk, seed, p, object, ids, n, block, u0, u1);
}

void uniform_draws(uint64_t seed, purpose p, uint32_t object, const uint64_t* ids,
                   const uint32_t* draws, std::size_t n, double* out) {
  const auto k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  const uint32_t c1 = static_cast<uint32_t>(p) << 24 ^ object;
  for (std::size_t start = 0; start < n; start += lanes) {
    const std::size_t len = std::min(lanes, n - start);
    if (len == lanes) {
      uniform_chunk(k0, k1, c1, ids + start, draws + start, len, out + start);
    } else {
      double a[lanes];
      uniform_chunk(k0, k1, c1, ids + start, draws + start, len, a);
      std::copy_n(a, len, out + start);
    }
  }
}

}  // namespace myelin::detail

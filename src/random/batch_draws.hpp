#pragma once
// Draws of many streams at once, vectorised across streams (or across the blocks of one
// stream): the noisy current sources' normals, uniform weights of large projections.

#include <cstddef>
#include <cstdint>

#include "random/rng.hpp"

namespace myelin::detail {

/// The Box-Muller pair of block `block` of each stream (seed, p, object, ids[m]),
/// m < n: the two uniforms philox_stream::normal() would draw after seek(block), turned
/// into z0 = r cos(2 pi u2), z1 = r sin(2 pi u2) with r = sqrt(-2 ln u1). Vectorised
/// across streams (Philox4x32-10 lane by lane, vlog, vsincos_turns): the same uniforms
/// as normal(), the pair within about 2 ulp of the exact one (normal() rounds 2 pi u2
/// first, so the two differ by up to ~r 1e-15); the same bits on every machine.
void normal_pairs(uint64_t seed, purpose p, uint32_t object, const uint64_t* ids, std::size_t n,
                  uint32_t block, double* z0, double* z1);

/// u0[m], u1[m] = draws 2 * block and 2 * block + 1 of philox_stream::uniform() on the
/// stream (seed, p, object, ids[m]), bit for bit, for m < n: both halves of one Philox
/// block, for kernels that use one uniform per stream and step (GIF_cond_exp's escape
/// draws take two steps from each block).
void uniform_pairs(uint64_t seed, purpose p, uint32_t object, const uint64_t* ids, std::size_t n,
                   uint32_t block, double* u0, double* u1);

/// out[m] = draw number draws[m] (from 0) of philox_stream::uniform() on the stream
/// (seed, p, object, ids[m]), bit for bit, for m < n: uniform() takes two 32-bit words,
/// so draw j is half j % 2 of block j / 2.
void uniform_draws(uint64_t seed, purpose p, uint32_t object, const uint64_t* ids,
                   const uint32_t* draws, std::size_t n, double* out);

/// out[j] = draw 2 * block + j of philox_stream::uniform() on the stream
/// (seed, p, object, id), j < 128: 64 consecutive blocks at once, both halves of each.
void stream_uniforms(uint64_t seed, purpose p, uint32_t object, uint64_t id, uint32_t block,
                     double* out);

/// The uniforms of one stream in order, 128 at a time (stream_uniforms): the values
/// philox_stream::uniform() gives, for streams that draw many.
class uniform_run {
 public:
  uniform_run(uint64_t seed, purpose p, uint32_t object, uint64_t id)
      : seed_(seed), purpose_(p), object_(object), id_(id) {}
  double uniform() {
    if (used_ == 128) refill();
    return buffer_[used_++];
  }
  /// n values of uniform() into out.
  void take(double* out, std::size_t n) {
    while (n > 0) {
      if (used_ == 128) refill();
      const std::size_t k = n < 128 - used_ ? n : 128 - used_;
      for (std::size_t i = 0; i < k; ++i) out[i] = buffer_[used_ + i];
      used_ += k;
      out += k;
      n -= k;
    }
  }

 private:
  void refill() {
    stream_uniforms(seed_, purpose_, object_, id_, block_, buffer_);
    block_ += 64;
    used_ = 0;
  }
  uint64_t seed_;
  purpose purpose_;
  uint32_t object_;
  uint64_t id_;
  uint32_t block_ = 0;
  std::size_t used_ = 128;
  double buffer_[128];
};

}  // namespace myelin::detail

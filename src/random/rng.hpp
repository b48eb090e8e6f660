#pragma once
// Counter-based random streams (Philox4x32-10 from Random123).
//
// Every random number in myelin comes from a stream identified by
// (seed, purpose, object, id): e.g. the connectivity of projection 3 onto target gid
// 1234. A stream needs no state beyond its key and a draw counter, so any thread or
// rank can reproduce any cell's numbers without communication. That is what makes
// results independent of the parallel layout.

#include <cstdint>

#include <Random123/philox.h>

namespace myelin::detail {

/// What a stream is used for; part of the key so that streams never overlap.
enum class purpose : uint32_t {
  parameter = 1,      // per-cell parameter values drawn from distributions
  initial = 2,        // initial values of state variables
  connectivity = 3,   // which connections exist (keyed by target gid)
  weight = 4,         // per-connection weights
  delay = 5,          // per-connection delays
  poisson = 6,        // Poisson spike sources (keyed by source gid)
  noise = 7,          // noisy current sources (keyed by target gid)
  position = 8,       // random positions
  global = 9,         // draws every rank repeats identically (e.g. FixedTotalNumber)
  drive = 10,         // HNN drive spike times (keyed by drive seed and drive cell index)
  transmission = 11,  // SimpleStochasticSynapse: one draw per (synapse, spike)
  release = 12,       // quantal synapses: the draws of one (synapse, spike)
  escape = 13,        // GIF_cond_exp: one draw per (cell gid, step), object = step >> 33
};

/// The uniform double in (0, 1) of the 53 high bits of hi:lo (the half-offset keeps 0
/// and 1 out): what every stream and counter-based draw turns its bits into.
inline double unit_open(uint32_t hi, uint32_t lo) {
  const uint64_t bits = (static_cast<uint64_t>(hi) << 32 | lo) >> 11;
  return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;
}

class philox_stream {
 public:
  /// `object` distinguishes objects of one purpose (e.g. projection index, parameter
  /// index); `id` is usually a gid.
  philox_stream(uint64_t seed, purpose p, uint32_t object, uint64_t id) {
    key_ = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
    ctr_ = {{0u, static_cast<uint32_t>(p) << 24 ^ object, static_cast<uint32_t>(id),
             static_cast<uint32_t>(id >> 32)}};
  }

  /// Jumps to block `b` of the stream (each block holds four 32-bit words), so that
  /// draw k of a stream can be produced without drawing 0..k-1 first.
  void seek(uint32_t b) {
    ctr_.v[0] = b;
    pos_ = 4;
    have_spare_ = false;
  }

  /// Uniform 32-bit integer.
  uint32_t next_u32() {
    if (pos_ == 4) refill();
    return block_.v[pos_++];
  }

  uint64_t next_u64() {
    const uint64_t hi = next_u32();
    return hi << 32 | next_u32();
  }

  /// Uniform double in the open interval (0, 1), 53 random bits.
  double uniform() {
    const uint32_t hi = next_u32();
    return unit_open(hi, next_u32());
  }

  /// Uniform integer in [0, n) without modulo bias (n > 0).
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = next_u64();
    while (x >= limit);
    return x % n;
  }

  /// Standard normal deviate (Box–Muller; both values of a pair are used).
  double normal();

  /// Exponential deviate with mean 1.
  double exponential();

 private:
  using philox = r123::Philox4x32;
  void refill() {
    block_ = philox()(ctr_, key_);
    ++ctr_.v[0];
    pos_ = 0;
  }
  philox::key_type key_;
  philox::ctr_type ctr_;
  philox::ctr_type block_{};
  int pos_ = 4;
  bool have_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace myelin::detail

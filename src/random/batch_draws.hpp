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

/// out[m] = draw number draws[m] (from 0) of philox_stream::uniform() on the stream
/// (seed, p, object, ids[m]), bit for bit, for m < n: uniform() takes two 32-bit words,
/// so draw j is half j % 2 of block j / 2.
void uniform_draws(uint64_t seed, purpose p, uint32_t object, const uint64_t* ids,
                   const uint32_t* draws, std::size_t n, double* out);

}  // namespace myelin::detail

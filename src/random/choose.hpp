#pragma once
// Choosing n of a pool of indices from a stream (FixedNumberPre/Post connectors).

#include <cstdint>
#include <vector>

#include "random/rng.hpp"

namespace myelin::detail {

/// Chooses `n` of the `pool` indices 0 .. pool - 1 (never `excluded`, if >= 0) into `out`,
/// ascending: with `replacement` n independent draws, otherwise distinct ones (rejection of
/// repeats when n is small against the pool, else a partial Fisher-Yates shuffle, in
/// `scratch`). Draws from `rng` only.
void choose(philox_stream& rng, uint64_t pool, int64_t n, bool replacement, int64_t excluded,
            std::vector<uint32_t>& out, std::vector<uint32_t>& scratch);

}  // namespace myelin::detail

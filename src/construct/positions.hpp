#pragma once
// Cell positions [um], computed on demand from the population's positions_spec (grid
// coordinates from the index, random positions from the cell's own stream).

#include <array>
#include <cstdint>

#include "myelin/model.hpp"

namespace myelin::detail {

/// Position of cell `index` (gid `gid`) of population `pop`, which must have positions.
std::array<double, 3> cell_position(const population& pop, int64_t index, uint64_t gid,
                                    uint64_t seed, uint32_t pop_index);

}  // namespace myelin::detail

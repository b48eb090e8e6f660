#include "construct/positions.hpp"

#include <cmath>

#include "random/rng.hpp"

namespace myelin::detail {

std::array<double, 3> cell_position(const population& pop, int64_t index, uint64_t gid,
                                    uint64_t seed, uint32_t pop_index) {
  const positions_spec& p = *pop.positions;
  std::array<double, 3> x{p.origin[0], p.origin[1], p.origin[2]};
  if (p.kind == "grid") {
    // Filled x fastest, then y, then z.
    int64_t rest = index;
    for (std::size_t a = 0; a < p.shape.size(); ++a) {
      x[a] += static_cast<double>(rest % p.shape[a]) * p.spacing[a];
      rest /= p.shape[a];
    }
  } else if (p.kind == "random_box") {
    philox_stream rng(seed, purpose::position, pop_index, gid);
    for (int a = 0; a < 3; ++a) x[a] += rng.uniform() * p.extent[a];
  } else if (p.kind == "random_sphere") {
    philox_stream rng(seed, purpose::position, pop_index, gid);
    double u[3];
    do {
      for (double& c : u) c = 2.0 * rng.uniform() - 1.0;
    } while (u[0] * u[0] + u[1] * u[1] + u[2] * u[2] > 1.0);
    for (int a = 0; a < 3; ++a) x[a] += u[a] * p.radius;
  } else {  // list
    x = p.list[static_cast<std::size_t>(index)];
  }
  return x;
}

}  // namespace myelin::detail

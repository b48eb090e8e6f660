#pragma once
// DistanceDependentProbability in time proportional to the connections made: the
// candidate sources are grouped into spatial boxes; for each target, a box's
// probability is bounded from above by interval arithmetic over d_expression
// (expression::bounds), candidates are drawn with geometric skips at that bound, and
// each is kept with probability p(d) / bound. Every pair is still connected with
// exactly probability p(d), independently.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/expression.hpp"
#include "random/rng.hpp"

namespace myelin::detail {

/// The positions of a projection's candidate sources, grouped into boxes.
class source_boxes {
 public:
  /// `positions[i]` is the position of source i [um]; about `per_box` sources a box.
  explicit source_boxes(std::vector<std::array<double, 3>> positions, std::size_t per_box = 48);

  /// Appends to `out` the sources (ascending) connected to a target at `target`, each
  /// with probability p(d, dx, dy, dz) (dx = source - target); `excluded` (or -1) is
  /// never connected. Draws from `rng` only. Throws model_error(field) for a probability
  /// outside [0, 1] at a candidate's distance.
  void draw(philox_stream& rng, const expression& p, const std::array<double, 3>& target,
            int64_t excluded, std::vector<uint32_t>& out, const std::string& field) const;

  const std::array<double, 3>& position(uint32_t i) const { return positions_[i]; }

 private:
  std::vector<std::array<double, 3>> positions_;
  std::vector<uint32_t> members_;               // source indices, box by box, ascending
  std::vector<uint32_t> starts_;                // box b: members_[starts_[b], starts_[b+1])
  std::vector<std::array<double, 3>> lo_, hi_;  // per box: extent of its members
};

}  // namespace myelin::detail

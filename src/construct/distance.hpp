#pragma once
// DistanceDependentProbability in time proportional to the connections made: the
// candidate sources are grouped into spatial boxes; for each target, a box's
// probability is bounded from above by interval arithmetic over d_expression
// (expression::bounds), candidates are drawn with geometric skips at that bound, and
// each is kept with probability p(d) / bound; in a box whose bound is 1/4 or more every
// member is a candidate, kept with probability p(d). Every pair is still connected with
// exactly probability p(d), independently.
//
// Two shortcuts give exactly what evaluating would, so they change no connection and no
// draw: the enclosures of an expression of d alone over fine bins of distance
// (distance_bins) settle most comparisons u < p(d) without calling exp or pow, and a
// box's bound, which depends on its range of d alone for such an expression, is computed
// once per range of d (grids repeat the same few thousand ranges) and then looked up.

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/projection_table.hpp"
#include "model/expression.hpp"
#include "random/batch_draws.hpp"

namespace myelin::detail {

/// Enclosures (expression::bounds) of an expression of d alone over `n` equal bins of
/// [0, d_max] (each widened by a relative 1e-12). Empty (every lookup misses) when the expression
/// reads dx, dy or dz.
class distance_bins {
 public:
  distance_bins() = default;
  distance_bins(const expression& e, double d_max, std::size_t n);

  /// The bin holding d, or size() (d outside the bins, or NaN).
  std::size_t index(double d) const {
    const double x = d * inv_width_;
    if (!(x >= 0.0 && x < static_cast<double>(ranges_.size()))) return ranges_.size();
    return static_cast<std::size_t>(x);
  }
  std::size_t size() const { return ranges_.size(); }
  /// Bins per um (index(d) is floor(d * inverse_width()) inside the bins).
  double inverse_width() const { return inv_width_; }
  const expression::range& operator[](std::size_t k) const { return ranges_[k]; }

 private:
  // Bin k holds the d with k <= d * inv_width_ < k + 1: d within a few ulp of
  // [k, k + 1] * width, so its enclosure is taken over that, widened by 1e-12.
  double inv_width_ = 0.0;
  std::vector<expression::range> ranges_;
};

/// A connection probability p(d, dx, dy, dz) with its bins (empty unless p reads d alone).
struct distance_rule {
  distance_rule(const std::string& text, const std::string& field, double d_max,
                std::size_t n_bins);
  expression p;
  bool d_only;
  distance_bins bins;
  // Per bin, and one for outside the bins: x below settle_lo keeps, x at or above
  // settle_hi drops, without evaluating p.
  std::vector<double> settle_lo, settle_hi;
  std::string field;
};

/// The positions of a projection's candidate sources, grouped into boxes.
class source_boxes {
 public:
  /// `positions[i]` is the position of source i [um]; about `per_box` sources a box.
  explicit source_boxes(std::vector<std::array<double, 3>> positions, std::size_t per_box = 48);

  /// Appends to `out` the sources (ascending) connected to a target at `target`, each
  /// with probability rule.p(d, dx, dy, dz) (dx = source - target); `excluded` (or -1) is
  /// never connected. Draws from `rng` only. Throws model_error(rule.field) for a
  /// probability outside [0, 1] at a candidate's distance. One rule per source_boxes:
  /// the boxes keep the bounds they computed for it.
  void draw(uniform_run& rng, const distance_rule& rule, const std::array<double, 3>& target,
            int64_t excluded, std::vector<uint32_t>& out);

  const std::array<double, 3>& position(uint32_t i) const { return positions_[i]; }
  /// The distance of source i from the target of the last draw(), bit for bit as
  /// computed from position(i), where draw() returned i.
  double distance(uint32_t i) const { return distances_[i]; }
  const double* distances() const { return distances_.data(); }
  std::size_t size() const { return positions_.size(); }
  /// The extent of the sources per axis.
  const std::array<double, 3>& lower() const { return all_lo_; }
  const std::array<double, 3>& upper() const { return all_hi_; }

 private:
  std::vector<std::array<double, 3>> positions_;
  std::array<double, 3> all_lo_{0, 0, 0}, all_hi_{0, 0, 0};
  std::vector<uint32_t> members_;  // source indices, box by box, ascending
  // positions_[members_[m]] by axis (member_x_[m], ...): the decision pass reads them
  // lane by lane.
  std::vector<double> member_x_, member_y_, member_z_;
  std::vector<uint32_t> starts_;               // box b: members_[starts_[b], starts_[b+1])
  std::vector<double> box_lo_[3], box_hi_[3];  // per axis and box: extent of its members
  std::vector<double> near_, far_;  // per box: its range of d from the last draw's target
  std::vector<uint8_t> seen_;       // one flag per source: the sources a target keeps
  std::vector<double> distances_;   // per source: its distance from the last target
  // The candidates of one draw() (at most one per source), by field: slot in members_,
  // x (kept when x < p) and lo <= p; then per candidate its distance and the decision
  // pass's verdict (decide_candidates in distance.cpp).
  std::vector<uint32_t> cand_member_;
  std::vector<double> cand_x_, cand_lo_, cand_d_;
  std::vector<uint8_t> cand_verdict_;
  std::vector<uint32_t> skipped_;  // the candidates drawn by skips (their distances gathered)

 public:
  /// How draw() goes through a box (plan_of in distance.cpp).
  struct box_plan {
    double bound, log_q, lo;
    double u_exit;  // a first skip drawn below this leaves the box (exit_below in distance.cpp)
  };

 private:
  box_plan plan(const distance_rule& rule, const expression::range* box, uint32_t members);
  // Plans of a rule of d alone, by the bits of the box's range of d (open addressing).
  static constexpr uint64_t empty_slot = ~uint64_t{0};  // a NaN no distance is
  struct cached_plan {
    uint64_t near = 0, far = empty_slot;
    double bound = 0, log_q = 0, u_exit = 0;
    uint32_t members = 0;
  };
  std::vector<cached_plan> cache_;
  std::size_t cached_ = 0;
  // The cached plan of a box with this range of d and member count, probing from slot s
  // (the cache is not empty), or nullptr.
  const cached_plan* find_plan(std::size_t s, const expression::range& d, uint32_t members) const;
  // The home slot of a key: the high bits of a product depend on every bit of it
  // (integral distances have only zeros in their low bits).
  std::size_t slot(uint64_t near, uint64_t far) const {
    const uint64_t h = (near * 0x9E3779B97F4A7C15ull + far) * 0xC2B2AE3D27D4EB4Full;
    return static_cast<std::size_t>(h >> (64 - std::countr_zero(cache_.size())));
  }
};

/// A threshold below which a uniform u drawn as a box's first geometric skip,
/// floor(log(u) / log_q), leaves a box of `members` members (the skip is >= members) as
/// computed, so that draw() needs no logarithm there; 0 where none is safe.
double exit_below(double log_q, uint32_t members);

/// Per bin of `bins` (an enclosure of delays [ms]): the delay in whole steps of `dt`,
/// round(v / dt), that every value v of the enclosure has, where the enclosure lies
/// within [1 - 1e-9, 2^31) steps (the builder's delay_steps neither throws nor drops
/// the connection there); otherwise `unsettled`, as in the entry after the last bin
/// (distance_bins::index of a distance outside the bins).
inline constexpr uint32_t unsettled = UINT32_MAX;
std::vector<uint32_t> settled_steps(const distance_bins& bins, double dt);

/// What the build of a DistanceDependentProbability projection uses: its sources in
/// boxes, its rule with bins of d up to the farthest a source is from a target, and the
/// delay in steps per bin where the delay is an expression of d alone (`delay_expression`
/// or null).
struct distance_build {
  distance_build(std::vector<std::array<double, 3>> sources,
                 const std::vector<std::array<double, 3>>& targets, const std::string& p,
                 const std::string& p_field, const std::string* delay_expression,
                 const std::string& delay_field, double dt);
  source_boxes boxes;
  distance_rule rule;
  distance_bins delay_bins;
  std::vector<uint32_t> delay_steps{unsettled};  // settled_steps(delay_bins, dt)

  /// Appends the connections from `sources` (the last draw()'s, as indices into `pre`, the
  /// projection's source gids) to `src_rel` (gid - pre_lo) and, with `with_delays`, their
  /// delays in steps from the bins to `delays`: lane by lane, the values the per
  /// connection path computes, or `unsettled` where the bin does not settle the delay
  /// (the caller decides those). Returns how many are unsettled.
  std::size_t append(const std::vector<uint32_t>& sources, const uint64_t* pre, uint64_t pre_lo,
                     bool with_delays, column<uint32_t>& src_rel, column<uint32_t>& delays) const;
};

}  // namespace myelin::detail

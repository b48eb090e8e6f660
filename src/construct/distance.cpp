// DistanceDependentProbability by bounded geometric skips over boxes of sources.

#include "construct/distance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

source_boxes::source_boxes(std::vector<std::array<double, 3>> positions, std::size_t per_box)
    : positions_(std::move(positions)) {
  const std::size_t n = positions_.size();
  std::array<double, 3> lo{0, 0, 0}, hi{0, 0, 0};
  if (n > 0) lo = hi = positions_[0];
  for (const auto& p : positions_)
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], p[a]);
      hi[a] = std::max(hi[a], p[a]);
    }
  // Boxes of about equal edge h over the axes with extent, about n / per_box of them.
  const double want = std::max(1.0, static_cast<double>(n) / static_cast<double>(per_box));
  int dims = 0;
  double volume = 1.0;
  for (int a = 0; a < 3; ++a)
    if (hi[a] > lo[a]) {
      ++dims;
      volume *= hi[a] - lo[a];
    }
  std::array<int64_t, 3> k{1, 1, 1};
  if (dims > 0) {
    const double h = std::pow(volume / want, 1.0 / dims);
    for (int a = 0; a < 3; ++a)
      if (hi[a] > lo[a])
        k[a] = std::clamp<int64_t>(static_cast<int64_t>(std::ceil((hi[a] - lo[a]) / h)), 1, 4096);
  }
  const std::size_t n_boxes = static_cast<std::size_t>(k[0] * k[1] * k[2]);
  auto box_of = [&](const std::array<double, 3>& p) {
    std::size_t b = 0;
    for (int a = 2; a >= 0; --a) {
      int64_t c = 0;
      if (hi[a] > lo[a])
        c = std::min<int64_t>(k[a] - 1, static_cast<int64_t>((p[a] - lo[a]) / (hi[a] - lo[a]) *
                                                             static_cast<double>(k[a])));
      b = b * static_cast<std::size_t>(k[a]) + static_cast<std::size_t>(c);
    }
    return b;
  };
  // Counting sort by box keeps sources ascending within each box.
  std::vector<uint32_t> box(n);
  std::vector<uint32_t> count(n_boxes + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    box[i] = static_cast<uint32_t>(box_of(positions_[i]));
    ++count[box[i] + 1];
  }
  for (std::size_t b = 0; b < n_boxes; ++b) count[b + 1] += count[b];
  members_.resize(n);
  std::vector<uint32_t> next(count.begin(), count.end() - 1);
  for (std::size_t i = 0; i < n; ++i) members_[next[box[i]]++] = static_cast<uint32_t>(i);
  // Keep the non-empty boxes only, with the extent of their members.
  starts_.push_back(0);
  for (std::size_t b = 0; b < n_boxes; ++b) {
    if (count[b + 1] == count[b]) continue;
    std::array<double, 3> blo = positions_[members_[count[b]]], bhi = blo;
    for (uint32_t m = count[b]; m < count[b + 1]; ++m)
      for (int a = 0; a < 3; ++a) {
        blo[a] = std::min(blo[a], positions_[members_[m]][a]);
        bhi[a] = std::max(bhi[a], positions_[members_[m]][a]);
      }
    lo_.push_back(blo);
    hi_.push_back(bhi);
    starts_.push_back(count[b + 1]);
  }
}

void source_boxes::draw(philox_stream& rng, const expression& p,
                        const std::array<double, 3>& target, int64_t excluded,
                        std::vector<uint32_t>& out, const std::string& field) const {
  const std::size_t first = out.size();
  double vars[4];
  auto probability = [&](uint32_t i) {
    const auto& s = positions_[i];
    vars[1] = s[0] - target[0];
    vars[2] = s[1] - target[1];
    vars[3] = s[2] - target[2];
    vars[0] = std::sqrt(vars[1] * vars[1] + vars[2] * vars[2] + vars[3] * vars[3]);
    const double q = p(vars);
    if (!(q >= 0.0 && q <= 1.0))
      throw model_error(field, "probability " + fmt(q) + " at distance " + fmt(vars[0]) +
                                   " um is outside [0, 1]");
    return q;
  };
  for (std::size_t b = 0; b + 1 < starts_.size(); ++b) {
    // Each member's dx lies in [lo - target, hi - target] (subtraction rounds
    // monotonically), and d, computed from the dx the same way, between the distances of
    // the box's nearest and farthest corners.
    expression::range box[4];
    double near = 0.0, far = 0.0;
    for (int a = 0; a < 3; ++a) {
      const double l = lo_[b][a] - target[a], h = hi_[b][a] - target[a];
      box[a + 1] = {l, h};
      const double m = l > 0.0 ? l : (h < 0.0 ? -h : 0.0);
      const double x = std::max(-l, h);
      near += m * m;
      far += x * x;
    }
    box[0] = {std::sqrt(near), std::sqrt(far)};
    const expression::range r = p.bounds(box);
    if (r.hi <= 0.0 && r.lo >= 0.0) continue;  // p = 0 over the whole box
    // An interval reaching below 0 or above 1 may hide an invalid probability: evaluate
    // every member then, so that it is reported as the per-pair loop would.
    const double bound = (r.lo < 0.0 || !(r.hi < 1.0)) ? 1.0 : r.hi;
    const uint32_t b0 = starts_[b], b1 = starts_[b + 1];
    if (bound >= 1.0) {
      for (uint32_t m = b0; m < b1; ++m) {
        const uint32_t i = members_[m];
        if (static_cast<int64_t>(i) == excluded) continue;
        if (rng.uniform() < probability(i)) out.push_back(i);
      }
      continue;
    }
    const double log_q = std::log1p(-bound);
    double m = static_cast<double>(b0) - 1.0;
    while (true) {
      m += 1.0 + std::floor(std::log(rng.uniform()) / log_q);
      if (m >= static_cast<double>(b1)) break;
      const uint32_t i = members_[static_cast<std::size_t>(m)];
      if (static_cast<int64_t>(i) == excluded) continue;
      // Below the box's lower bound of p the candidate is kept without evaluating p:
      // the same decision, as p >= r.lo.
      const double x = rng.uniform() * bound;
      if (x < r.lo || x < probability(i)) out.push_back(i);
    }
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

}  // namespace myelin::detail

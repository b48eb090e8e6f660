// DistanceDependentProbability by bounded geometric skips over boxes of sources.

#include "construct/distance.hpp"

#include <algorithm>
#include <bit>
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
  all_lo_ = lo;
  all_hi_ = hi;
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

const source_boxes::cached_bound& source_boxes::bound_of(const distance_rule& rule,
                                                         const expression::range* box) {
  // The slot of a range of d, by a hash of its bits (linear probing).
  const uint64_t near = std::bit_cast<uint64_t>(box[0].lo),
                 far = std::bit_cast<uint64_t>(box[0].hi);
  if (cache_.empty()) cache_.resize(4096);
  // The high bits of a product depend on every bit of the key (integral distances have
  // only zeros in their low bits).
  auto slot_of = [&](uint64_t a, uint64_t b) {
    const uint64_t h = (a * 0x9E3779B97F4A7C15ull + b) * 0xC2B2AE3D27D4EB4Full;
    return static_cast<std::size_t>(h >> (64 - std::countr_zero(cache_.size())));
  };
  std::size_t s = slot_of(near, far);
  for (; cache_[s].used; s = (s + 1) & (cache_.size() - 1))
    if (cache_[s].near == near && cache_[s].far == far) return cache_[s];
  cached_bound c;
  c.near = near;
  c.far = far;
  c.used = true;
  c.r = rule.p.bounds(box);
  c.log_q = (c.r.lo < 0.0 || !(c.r.hi < 1.0)) ? 0.0 : std::log1p(-c.r.hi);
  // At most half full; past 2^18 slots (an irregular layout repeats few ranges) the
  // newest entry replaces the one in its slot instead.
  constexpr std::size_t max_slots = std::size_t{1} << 18;
  if (2 * (cached_ + 1) > cache_.size() && cache_.size() < max_slots) {
    std::vector<cached_bound> old(cache_.size() * 2);
    old.swap(cache_);
    for (const cached_bound& e : old)
      if (e.used) {
        std::size_t t = slot_of(e.near, e.far);
        while (cache_[t].used) t = (t + 1) & (cache_.size() - 1);
        cache_[t] = e;
      }
    s = slot_of(near, far);
    while (cache_[s].used) s = (s + 1) & (cache_.size() - 1);
  } else if (2 * (cached_ + 1) > cache_.size()) {
    s = slot_of(near, far);
    cache_[s] = c;
    return cache_[s];
  }
  ++cached_;
  cache_[s] = c;
  return cache_[s];
}

void source_boxes::sort_from(std::vector<uint32_t>& out, std::size_t first) {
  const std::size_t count = out.size() - first, words = (positions_.size() + 63) / 64;
  // Many sources: a bit per source, read back in order, costs less than a sort.
  if (count * 8 < words) {
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    return;
  }
  seen_.assign(words, 0);
  for (std::size_t m = first; m < out.size(); ++m)
    seen_[out[m] >> 6] |= uint64_t{1} << (out[m] & 63);
  std::size_t m = first;
  for (std::size_t w = 0; w < words; ++w)
    for (uint64_t bits = seen_[w]; bits != 0; bits &= bits - 1)
      out[m++] = static_cast<uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
}

void source_boxes::draw(philox_stream& rng, const distance_rule& rule,
                        const std::array<double, 3>& target, int64_t excluded,
                        std::vector<uint32_t>& out) {
  const std::size_t first = out.size();
  // Whether x < p at source i; p is evaluated only where the enclosure of its bin of d
  // leaves the answer open.
  auto below_p = [&](uint32_t i, double x) {
    const auto& s = positions_[i];
    double vars[4];
    vars[1] = s[0] - target[0];
    vars[2] = s[1] - target[1];
    vars[3] = s[2] - target[2];
    vars[0] = std::sqrt(vars[1] * vars[1] + vars[2] * vars[2] + vars[3] * vars[3]);
    if (const expression::range* e = rule.bins.find(vars[0]); e && e->lo >= 0.0 && e->hi <= 1.0) {
      if (x < e->lo) return true;
      if (!(x < e->hi)) return false;
    }
    const double q = rule.p(vars);
    if (!(q >= 0.0 && q <= 1.0))
      throw model_error(rule.field, "probability " + fmt(q) + " at distance " + fmt(vars[0]) +
                                        " um is outside [0, 1]");
    return x < q;
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
    expression::range r;
    double log_q = 0.0;
    if (rule.d_only) {
      const cached_bound& c = bound_of(rule, box);
      r = c.r;
      log_q = c.log_q;
    } else {
      r = rule.p.bounds(box);
    }
    if (r.hi <= 0.0 && r.lo >= 0.0) continue;  // p = 0 over the whole box
    // An interval reaching below 0 or above 1 may hide an invalid probability: evaluate
    // every member then, so that it is reported as the per-pair loop would.
    const double bound = (r.lo < 0.0 || !(r.hi < 1.0)) ? 1.0 : r.hi;
    const uint32_t b0 = starts_[b], b1 = starts_[b + 1];
    if (bound >= 1.0) {
      for (uint32_t m = b0; m < b1; ++m) {
        const uint32_t i = members_[m];
        if (static_cast<int64_t>(i) == excluded) continue;
        if (below_p(i, rng.uniform())) out.push_back(i);
      }
      continue;
    }
    if (!rule.d_only) log_q = std::log1p(-bound);
    double m = static_cast<double>(b0) - 1.0;
    while (true) {
      m += 1.0 + std::floor(std::log(rng.uniform()) / log_q);
      if (m >= static_cast<double>(b1)) break;
      const uint32_t i = members_[static_cast<std::size_t>(m)];
      if (static_cast<int64_t>(i) == excluded) continue;
      // Below the box's lower bound of p the candidate is kept without evaluating p:
      // the same decision, as p >= r.lo.
      const double x = rng.uniform() * bound;
      if (x < r.lo || below_p(i, x)) out.push_back(i);
    }
  }
  sort_from(out, first);
}

distance_bins::distance_bins(const expression& e, double d_max, std::size_t n) {
  if (e.uses(1) || e.uses(2) || e.uses(3) || n == 0 || !(d_max > 0.0) || !std::isfinite(d_max))
    return;
  const double width = d_max / static_cast<double>(n);
  inv_width_ = static_cast<double>(n) / d_max;
  edges_.resize(n + 1);
  for (std::size_t k = 0; k <= n; ++k) edges_[k] = static_cast<double>(k) * width;
  constexpr double inf = std::numeric_limits<double>::infinity();
  ranges_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const expression::range vars[4] = {
        {edges_[k], edges_[k + 1]}, {-inf, inf}, {-inf, inf}, {-inf, inf}};
    ranges_[k] = e.bounds(vars);
  }
}

distance_rule::distance_rule(const std::string& text, const std::string& field_, double d_max,
                             std::size_t n_bins)
    : p(text, {"d", "dx", "dy", "dz"}, field_),
      d_only(!p.uses(1) && !p.uses(2) && !p.uses(3)),
      bins(p, d_max, n_bins),
      field(field_) {}

std::vector<uint32_t> settled_steps(const distance_bins& bins, double dt) {
  std::vector<uint32_t> steps(bins.size(), unsettled);
  for (std::size_t k = 0; k < bins.size(); ++k) {
    // v / dt and rounding are monotone, so every v in [lo, hi] rounds to the same
    // step count when lo and hi do.
    const double lo = bins[k].lo / dt, hi = bins[k].hi / dt;
    if (lo >= 1.0 - 1e-9 && hi < 2147483648.0 && std::round(lo) == std::round(hi))
      steps[k] = static_cast<uint32_t>(std::round(lo));
  }
  return steps;
}

}  // namespace myelin::detail

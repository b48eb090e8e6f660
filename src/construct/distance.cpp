// DistanceDependentProbability by bounded geometric skips over boxes of sources.

#include "construct/distance.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "cells/vmath.hpp"
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
  member_x_.resize(n);
  member_y_.resize(n);
  member_z_.resize(n);
  for (std::size_t m = 0; m < n; ++m) {
    member_x_[m] = positions_[members_[m]][0];
    member_y_[m] = positions_[members_[m]][1];
    member_z_[m] = positions_[members_[m]][2];
  }
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
    for (int a = 0; a < 3; ++a) {
      box_lo_[a].push_back(blo[a]);
      box_hi_[a].push_back(bhi[a]);
    }
    starts_.push_back(count[b + 1]);
  }
  near_.resize(starts_.size() - 1);
  far_.resize(starts_.size() - 1);
}

namespace {

// From this bound up, a box's members are drawn one by one instead of by skips: a skip
// costs two uniforms and a logarithm per candidate, a member one uniform, and the
// decision pass is about as cheap as a draw (seed004: 4x fewer logarithms, build -10 %).
constexpr double kDense = 0.25;

// The verdicts of the decision pass.
constexpr uint8_t kept = 1, unsettled_p = 2;

// Distances from the target t of sources at (x[k], y[k], z[k]), computed as distance_vars
// does, bit for bit (dx = x - t per axis, the squares summed in order, the root): of n
// consecutive ones into d[j], or of candidates idx[j] (member slot[idx[j]]) into d[idx[j]].
MYELIN_SIMD_CLONES void distances_of(std::size_t n, const double* __restrict x,
                                     const double* __restrict y, const double* __restrict z,
                                     double tx, double ty, double tz, double* __restrict d) {
  for (std::size_t j = 0; j < n; ++j) {
    const double v1 = x[j] - tx, v2 = y[j] - ty, v3 = z[j] - tz;
    d[j] = std::sqrt(v1 * v1 + v2 * v2 + v3 * v3);
  }
}
MYELIN_SIMD_CLONES void distances_at(std::size_t n, const uint32_t* __restrict idx,
                                     const uint32_t* __restrict slot, const double* __restrict x,
                                     const double* __restrict y, const double* __restrict z,
                                     double tx, double ty, double tz, double* __restrict d) {
  for (std::size_t j = 0; j < n; ++j) {
    const uint32_t k = slot[idx[j]];
    const double v1 = x[k] - tx, v2 = y[k] - ty, v3 = z[k] - tz;
    d[idx[j]] = std::sqrt(v1 * v1 + v2 * v2 + v3 * v3);
  }
}

// The decision pass over n candidates at distances d, lane by lane: kept when x is below
// the larger of its lower bound and its bin's settled lower bound, unsettled_p when x is
// also below the bin's settled upper bound (p must be evaluated), else dropped. Bins as
// distance_bins::index: outside [0, n_bins) (or NaN) the last entry, which settles
// nothing.
MYELIN_SIMD_CLONES void decide_candidates(std::size_t n, const double* __restrict x,
                                          const double* __restrict lo, const double* __restrict d,
                                          double inv_width, int32_t n_bins,
                                          const double* __restrict settle_lo,
                                          const double* __restrict settle_hi,
                                          uint8_t* __restrict verdict) {
  const double nb = n_bins;
  for (std::size_t c = 0; c < n; ++c) {
    double b = d[c] * inv_width;
    b = b >= 0.0 && b < nb ? b : nb;  // NaN fails both comparisons
    const auto bin = static_cast<int32_t>(b);
    const double l = settle_lo[bin], h = settle_hi[bin];
    const bool keep = x[c] < (lo[c] > l ? lo[c] : l);
    verdict[c] = static_cast<uint8_t>(keep ? kept : (x[c] < h ? unsettled_p : 0));
  }
}

// The distances from the target t of each box's nearest and farthest corner, lane by lane:
// per axis l = lo - t, h = hi - t (subtraction rounds monotonically, so every member's dx
// lies in [l, h]), then the sums of squares over the axes in order and their roots, as
// d is computed from the dx.
MYELIN_SIMD_CLONES void box_distances(std::size_t n, const double* __restrict lx,
                                      const double* __restrict ly, const double* __restrict lz,
                                      const double* __restrict hx, const double* __restrict hy,
                                      const double* __restrict hz, double tx, double ty, double tz,
                                      double* __restrict near, double* __restrict far) {
  for (std::size_t b = 0; b < n; ++b) {
    const double l[3] = {lx[b] - tx, ly[b] - ty, lz[b] - tz};
    const double h[3] = {hx[b] - tx, hy[b] - ty, hz[b] - tz};
    double sn = 0.0, sf = 0.0;
    for (int a = 0; a < 3; ++a) {
      const double m = l[a] > 0.0 ? l[a] : (h[a] < 0.0 ? -h[a] : 0.0);
      const double x = -l[a] < h[a] ? h[a] : -l[a];
      sn += m * m;
      sf += x * x;
    }
    near[b] = std::sqrt(sn);
    far[b] = std::sqrt(sf);
  }
}

// What a box's enclosure [r.lo, r.hi] of p tells draw(): bound 0, skip the box (p = 0
// throughout); bound >= 1, draw every member (an interval reaching below 0 or above 1 may
// hide an invalid probability, to be reported as the per-pair loop would); otherwise
// geometric skips at the bound, with log_q = log1p(-bound).
source_boxes::box_plan plan_of(expression::range r) {
  if (r.hi <= 0.0 && r.lo >= 0.0) return {0.0, 0.0, 0.0, 0.0};
  if (r.lo < 0.0 || !(r.hi < 1.0)) return {1.0, 0.0, r.lo, 0.0};
  return {r.hi, std::log1p(-r.hi), r.lo, 0.0};
}

}  // namespace

// exit_below (distance.hpp): a box of `members` members whose first skip, drawn from u,
// is floor(log(u) / log_q):
// the draw leaves the box when that is at least `members`, i.e. for u up to about
// q^members = exp(members log_q). Every u below that times (1 - 2^-30) leaves as
// computed, so the draw needs no logarithm there: below it the exact logarithm is beyond
// the boundary's by more than 9e-10, and the quotient by more than 9e-10 / |log_q|, where
// the roundings of log, exp and the quotient are below 2e-13 and 2e-13 / |log_q| (their
// arguments stay within |log u| <= 745). 0 (never taken) where nothing is below it.
double exit_below(double log_q, uint32_t members) {
  if (!(log_q < 0.0) || members == 0) return 0.0;
  const double t = std::exp(static_cast<double>(members) * log_q) * (1.0 - 0x1p-30);
  // The margin's claim, checked where it matters (a failure would only cost speed).
  if (!(t > 0.0) || std::floor(std::log(t) / log_q) < static_cast<double>(members)) return 0.0;
  return t;
}

const source_boxes::cached_plan* source_boxes::find_plan(std::size_t s, const expression::range& d,
                                                         uint32_t members) const {
  const uint64_t near = std::bit_cast<uint64_t>(d.lo), far = std::bit_cast<uint64_t>(d.hi);
  for (; cache_[s].far != empty_slot; s = (s + 1) & (cache_.size() - 1))
    if (cache_[s].far == far && cache_[s].near == near && cache_[s].members == members)
      return &cache_[s];
  return nullptr;
}

source_boxes::box_plan source_boxes::plan(const distance_rule& rule, const expression::range* box,
                                          uint32_t members) {
  if (!rule.d_only) return plan_of(rule.p.bounds(box));
  // A rule of d alone: the plan of a range of d, looked up by a hash of its bits (linear
  // probing). The high bits of a product depend on every bit of the key (integral
  // distances have only zeros in their low bits).
  const uint64_t near = std::bit_cast<uint64_t>(box[0].lo),
                 far = std::bit_cast<uint64_t>(box[0].hi);
  if (far == empty_slot) return plan_of(rule.p.bounds(box));
  if (cache_.empty()) cache_.assign(4096, cached_plan{});
  if (const cached_plan* hit = find_plan(slot(near, far), box[0], members))
    return {hit->bound, hit->log_q, 0.0, hit->u_exit};
  std::size_t s = slot(near, far);
  while (cache_[s].far != empty_slot) s = (s + 1) & (cache_.size() - 1);
  // Not the box's lower bound of p: the bins of d give one per candidate.
  box_plan x = plan_of(rule.p.bounds(box));
  x.lo = 0.0;
  if (x.bound < kDense) x.u_exit = exit_below(x.log_q, members);
  const cached_plan c{near, far, x.bound, x.log_q, x.u_exit, members};
  // At most half full; past 2^18 slots (an irregular layout repeats few ranges) the
  // newest entry replaces the one in its home slot instead.
  constexpr std::size_t max_slots = std::size_t{1} << 18;
  if (2 * (cached_ + 1) > cache_.size()) {
    if (cache_.size() >= max_slots) {
      cache_[slot(near, far)] = c;
      return x;
    }
    std::vector<cached_plan> old(cache_.size() * 2, cached_plan{});
    old.swap(cache_);
    for (const cached_plan& e : old)
      if (e.far != empty_slot) {
        std::size_t t = slot(e.near, e.far);
        while (cache_[t].far != empty_slot) t = (t + 1) & (cache_.size() - 1);
        cache_[t] = e;
      }
    s = slot(near, far);
    while (cache_[s].far != empty_slot) s = (s + 1) & (cache_.size() - 1);
  }
  ++cached_;
  cache_[s] = c;
  return x;
}

void source_boxes::draw(uniform_run& rng, const distance_rule& rule,
                        const std::array<double, 3>& target, int64_t excluded,
                        std::vector<uint32_t>& out) {
  if (seen_.empty()) {
    seen_.assign((positions_.size() + 63) / 64 * 64, 0);
    distances_.resize(positions_.size());
  }
  // First the candidates (member slot, x, a lower bound of p) in order, box by box:
  // the draws alone, a chain of logarithms; then the decisions x < p, independent of each
  // other, so that the processor overlaps them.
  std::size_t n = 0;
  const std::size_t n_boxes = starts_.size() - 1;
  box_distances(n_boxes, box_lo_[0].data(), box_lo_[1].data(), box_lo_[2].data(), box_hi_[0].data(),
                box_hi_[1].data(), box_hi_[2].data(), target[0], target[1], target[2], near_.data(),
                far_.data());
  auto slot_of_box = [&](std::size_t b) {
    return slot(std::bit_cast<uint64_t>(near_[b]), std::bit_cast<uint64_t>(far_[b]));
  };
  for (std::size_t b = 0; b < n_boxes; ++b) {
    // The range of d, and for rules of dx, dy, dz the ranges of those (box_distances).
    expression::range box[4];
    box[0] = {near_[b], far_[b]};
    if (!rule.d_only)
      for (int a = 0; a < 3; ++a)
        box[a + 1] = {box_lo_[a][b] - target[a], box_hi_[a][b] - target[a]};
    // The next box's plan is fetched from memory while this one is drawn.
    const bool cached = rule.d_only && !cache_.empty();
    if (cached && b + 1 < n_boxes) __builtin_prefetch(&cache_[slot_of_box(b + 1)]);
    const uint32_t b0 = starts_[b], b1 = starts_[b + 1];
    // A cached plan (the common case), else plan() computes and keeps it.
    const cached_plan* hit = cached ? find_plan(slot_of_box(b), box[0], b1 - b0) : nullptr;
    const box_plan pl =
        hit ? box_plan{hit->bound, hit->log_q, 0.0, hit->u_exit} : plan(rule, box, b1 - b0);
    if (pl.bound == 0.0) continue;
    // Room for every member (a target's candidates are usually far fewer than the sources).
    if (cand_member_.size() < n + (b1 - b0)) {
      const std::size_t room = 2 * (n + (b1 - b0));
      cand_member_.resize(room);
      cand_x_.resize(room);
      cand_lo_.resize(room);
      cand_d_.resize(room);
      cand_verdict_.resize(room);
    }
    uint32_t* __restrict cm = cand_member_.data();
    double* __restrict cx = cand_x_.data();
    double* __restrict cl = cand_lo_.data();
    if (pl.bound >= kDense) {
      // Every member a candidate, kept when its uniform is below p (one draw each,
      // where skips would take two and a logarithm per candidate). A bound of 1 (or an
      // enclosure reaching outside [0, 1]) carries no lower bound: p is checked.
      const double lo = pl.bound >= 1.0 ? -1.0 : pl.lo;
      for (uint32_t m = b0; m < b1;) {
        // The members up to the excluded one (if in the box) in one go.
        uint32_t e = m;
        while (e < b1 && static_cast<int64_t>(members_[e]) != excluded) ++e;
        rng.take(cx + n, e - m);
        // Their positions are consecutive: distances without gathers.
        distances_of(e - m, member_x_.data() + m, member_y_.data() + m, member_z_.data() + m,
                     target[0], target[1], target[2], cand_d_.data() + n);
        for (uint32_t k = m; k < e; ++k) {
          cm[n + (k - m)] = k;
          cl[n + (k - m)] = lo;
        }
        n += e - m;
        m = e + 1;  // past the excluded member: it draws nothing
      }
      continue;
    }
    // The skips' uniforms alternate with the candidates' (none for an excluded one).
    double u = rng.uniform();
    if (u < pl.u_exit) continue;  // the first skip leaves the box (exit_below)
    double m = static_cast<double>(b0) - 1.0;
    while (true) {
      m += 1.0 + std::floor(std::log(u) / pl.log_q);
      if (m >= static_cast<double>(b1)) break;
      const auto k = static_cast<uint32_t>(m);
      if (static_cast<int64_t>(members_[k]) != excluded) {
        // Below the box's lower bound of p the candidate is kept without evaluating p:
        // the same decision, as p >= lo.
        skipped_.push_back(static_cast<uint32_t>(n));  // its distance: distances_at below
        cm[n] = k;
        cx[n] = rng.uniform() * pl.bound;
        cl[n++] = pl.lo;
      }
      u = rng.uniform();
    }
  }
  // Marks source i when x < p at its distance: the bin of d decides where its enclosure
  // of p lies wholly above or below x (decide_candidates, lane by lane), p is evaluated
  // otherwise, in the candidates' order (the first invalid p is reported).
  distances_at(skipped_.size(), skipped_.data(), cand_member_.data(), member_x_.data(),
               member_y_.data(), member_z_.data(), target[0], target[1], target[2], cand_d_.data());
  skipped_.clear();
  decide_candidates(n, cand_x_.data(), cand_lo_.data(), cand_d_.data(), rule.bins.inverse_width(),
                    static_cast<int32_t>(rule.bins.size()), rule.settle_lo.data(),
                    rule.settle_hi.data(), cand_verdict_.data());
  std::size_t count = 0;
  // Local pointers: the flags are bytes, which may alias anything, so members read through
  // `this` would be reloaded after every store.
  const uint32_t* __restrict slot = cand_member_.data();
  const uint32_t* __restrict source = members_.data();
  const uint8_t* __restrict verdict = cand_verdict_.data();
  const double* __restrict cd = cand_d_.data();
  uint8_t* __restrict flag = seen_.data();
  double* __restrict dist = distances_.data();
  for (std::size_t c = 0; c < n; ++c) {
    const uint32_t k = slot[c];
    const uint32_t i = source[k];
    bool keep = verdict[c] == kept;
    if (verdict[c] == unsettled_p) [[unlikely]] {
      double vars[4];
      vars[1] = member_x_[k] - target[0];
      vars[2] = member_y_[k] - target[1];
      vars[3] = member_z_[k] - target[2];
      vars[0] = cand_d_[c];
      const double q = rule.p(vars);
      if (!(q >= 0.0 && q <= 1.0))
        throw model_error(rule.field, "probability " + fmt(q) + " at distance " + fmt(vars[0]) +
                                          " um is outside [0, 1]");
      keep = cand_x_[c] < q;
    }
    flag[i] = keep;  // a plain store: no chain through a shared word
    dist[i] = cd[c];
    count += keep;
  }
  // The flagged sources in ascending order; the flags are left clear.
  std::size_t m = out.size();
  out.resize(m + count);
  for (std::size_t w = 0; w < seen_.size(); w += 64) {
    // 64 flags (0 or 1 bytes) to 64 bits, 8 at a time: the product gathers the low bit of
    // each byte into the top byte (no carries: each partial product lands on its own bit).
    uint64_t bits = 0;
    for (std::size_t b = 0; b < 64; b += 8) {
      uint64_t x;
      std::memcpy(&x, seen_.data() + w + b, 8);
      bits |= ((x * 0x0102040810204080ull) >> 56) << b;
    }
    if (bits == 0) continue;
    for (; bits != 0; bits &= bits - 1)
      out[m++] = static_cast<uint32_t>(w + static_cast<std::size_t>(std::countr_zero(bits)));
    std::memset(seen_.data() + w, 0, 64);
  }
}

distance_bins::distance_bins(const expression& e, double d_max, std::size_t n) {
  if (e.uses(1) || e.uses(2) || e.uses(3) || n == 0 || !(d_max > 0.0) || !std::isfinite(d_max))
    return;
  const double width = d_max / static_cast<double>(n);
  inv_width_ = static_cast<double>(n) / d_max;
  constexpr double inf = std::numeric_limits<double>::infinity();
  ranges_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double lo = static_cast<double>(k) * width * (1 - 1e-12),
                 hi = static_cast<double>(k + 1) * width * (1 + 1e-12);
    const expression::range vars[4] = {{lo, hi}, {-inf, inf}, {-inf, inf}, {-inf, inf}};
    ranges_[k] = e.bounds(vars);
  }
}

distance_rule::distance_rule(const std::string& text, const std::string& field_, double d_max,
                             std::size_t n_bins)
    : p(text, {"d", "dx", "dy", "dz"}, field_),
      d_only(!p.uses(1) && !p.uses(2) && !p.uses(3)),
      bins(p, d_max, n_bins),
      field(field_) {
  // Per bin, the [lo, hi] that settles x < p without evaluating p: x < lo keeps, x >= hi
  // drops. Where the enclosure is not within [0, 1] (p might be invalid there), or for a
  // distance outside the bins (the last entry), nothing is settled.
  constexpr double inf = std::numeric_limits<double>::infinity();
  settle_lo.assign(bins.size() + 1, -inf);
  settle_hi.assign(bins.size() + 1, inf);
  for (std::size_t k = 0; k < bins.size(); ++k)
    if (bins[k].lo >= 0.0 && bins[k].hi <= 1.0) {
      settle_lo[k] = bins[k].lo;
      settle_hi[k] = bins[k].hi;
    }
}

std::vector<uint32_t> settled_steps(const distance_bins& bins, double dt) {
  std::vector<uint32_t> steps(bins.size() + 1, unsettled);  // the last: outside the bins
  for (std::size_t k = 0; k < bins.size(); ++k) {
    // v / dt and rounding are monotone, so every v in [lo, hi] rounds to the same
    // step count when lo and hi do.
    const double lo = bins[k].lo / dt, hi = bins[k].hi / dt;
    if (lo >= 1.0 - 1e-9 && hi < 2147483648.0 && std::round(lo) == std::round(hi))
      steps[k] = static_cast<uint32_t>(std::round(lo));
  }
  return steps;
}

namespace {

// The largest distance between a point of `a` and one of `b`, a little more.
double farthest(const source_boxes& a, const std::vector<std::array<double, 3>>& b) {
  if (a.size() == 0 || b.empty()) return 0.0;
  std::array<double, 3> lo = b[0], hi = b[0];
  for (const auto& x : b)
    for (int k = 0; k < 3; ++k) {
      lo[k] = std::min(lo[k], x[k]);
      hi[k] = std::max(hi[k], x[k]);
    }
  double far = 0.0;
  for (int k = 0; k < 3; ++k) {
    const double x = std::max(a.upper()[k] - lo[k], hi[k] - a.lower()[k]);
    far += x * x;
  }
  return std::sqrt(far) * (1 + 1e-9) + 1e-9;
}

// About one bin per target, at least 256, at most 16384 (a bin costs an evaluation of
// the expression's bounds).
std::size_t bins_for(std::size_t targets) {
  return std::clamp<std::size_t>(std::bit_ceil(targets), 256, 16384);
}

}  // namespace

distance_build::distance_build(std::vector<std::array<double, 3>> sources,
                               const std::vector<std::array<double, 3>>& targets,
                               const std::string& p, const std::string& p_field,
                               const std::string* delay_expression, const std::string& delay_field,
                               double dt)
    : boxes(std::move(sources)),
      rule(p, p_field, farthest(boxes, targets), bins_for(targets.size())) {
  if (delay_expression) {
    delay_bins = distance_bins(expression(*delay_expression, {"d", "dx", "dy", "dz"}, delay_field),
                               farthest(boxes, targets), bins_for(targets.size()));
    delay_steps = settled_steps(delay_bins, dt);
  }
}

namespace {

// out[m] = steps[bin of dist[from[m]]] (bins as distance_bins::index: outside them, or
// NaN, the last entry); returns how many are `unsettled`. Lane by lane.
MYELIN_SIMD_CLONES std::size_t steps_of(std::size_t n, const uint32_t* __restrict from,
                                        const double* __restrict dist, double inv_width,
                                        int32_t n_bins, const uint32_t* __restrict steps,
                                        uint32_t* __restrict out) {
  const double nb = n_bins;
  std::size_t missed = 0;
  for (std::size_t m = 0; m < n; ++m) {
    double b = dist[from[m]] * inv_width;
    b = b >= 0.0 && b < nb ? b : nb;
    out[m] = steps[static_cast<int32_t>(b)];
    missed += out[m] == unsettled;
  }
  return missed;
}

}  // namespace

std::size_t distance_build::append(const std::vector<uint32_t>& sources, const uint64_t* pre,
                                   uint64_t pre_lo, bool with_delays, column<uint32_t>& src_rel,
                                   column<uint32_t>& delays) const {
  const std::size_t n = sources.size(), base = src_rel.size();
  const uint32_t* __restrict from = sources.data();
  std::size_t missed = 0;
  if (with_delays) {
    delays.resize(base + n);
    missed =
        steps_of(n, from, boxes.distances(), delay_bins.inverse_width(),
                 static_cast<int32_t>(delay_bins.size()), delay_steps.data(), delays.data() + base);
  }
  src_rel.resize(base + n);
  uint32_t* __restrict rel = src_rel.data() + base;
  for (std::size_t m = 0; m < n; ++m) rel[m] = static_cast<uint32_t>(pre[from[m]] - pre_lo);
  return missed;
}

}  // namespace myelin::detail

#pragma once
// Values of the build stage, evaluated per cell (parameters, initial values) or per
// connection (weights, delays) from a value_spec: a scalar, an array, a distribution drawn
// from a keyed stream, or an expression of distance.

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/expression.hpp"
#include "model/format.hpp"
#include "myelin/error.hpp"
#include "myelin/model.hpp"
#include "random/batch_draws.hpp"
#include "random/distributions.hpp"

namespace myelin::detail {

// Evaluates a per-cell value spec.
class cell_values {
 public:
  cell_values(const value_spec& v, const std::string& field, uint64_t seed, purpose p,
              uint32_t object)
      : spec_(v), seed_(seed), purpose_(p), object_(object) {
    if (const auto* d = std::get_if<distribution>(&v)) sampler_.emplace(*d, field);
  }
  double operator()(int64_t index, uint64_t gid) const {
    if (const double* x = std::get_if<double>(&spec_)) return *x;
    if (const auto* a = std::get_if<std::vector<double>>(&spec_))
      return (*a)[static_cast<std::size_t>(index)];
    philox_stream rng(seed_, purpose_, object_, gid);
    return (*sampler_)(rng);
  }

 private:
  const value_spec& spec_;
  uint64_t seed_;
  purpose purpose_;
  uint32_t object_;
  std::optional<sampler> sampler_;
};

// Per-connection weights or delays: scalar, distribution (drawn in canonical order from
// the target's stream) or expression of distance.
class connection_values {
 public:
  connection_values(const value_spec& v, const std::string& field, uint64_t seed, purpose p,
                    uint32_t projection)
      : spec_(v), field_(field), seed_(seed), purpose_(p), projection_(projection) {
    if (const auto* d = std::get_if<distribution>(&v)) sampler_.emplace(*d, field);
    if (const auto* e = std::get_if<expression_spec>(&v))
      expr_.emplace(e->text, std::vector<std::string>{"d", "dx", "dy", "dz"}, field);
  }
  bool homogeneous() const { return std::holds_alternative<double>(spec_); }
  double scalar() const { return std::get<double>(spec_); }
  bool needs_distance() const { return expr_.has_value(); }
  bool needs_direction() const {
    return expr_ && (expr_->uses(1) || expr_->uses(2) || expr_->uses(3));
  }
  const std::string& field() const { return field_; }

  // Values for the connections onto target gid `t`, in canonical order.
  void begin_target(uint64_t t) {
    if (sampler_) rng_.emplace(seed_, purpose_, projection_, t);
    target_ = t;
    drawn_ = 0;
    used_ = buffered_ = 0;
  }
  double next(const double* dvars) {
    if (sampler_ && sampler_->is_uniform()) {
      // A target's first few draws one by one (sparse connectors make only a few), the
      // rest in bulk (batch_draws.hpp): the same values as drawing them all from rng_.
      if (drawn_ < scalar_first) {
        ++drawn_;
        return (*sampler_)(*rng_);
      }
      if (used_ == buffered_) refill();
      return sampler_->value_of_uniform(buffer_[used_++]);
    }
    if (sampler_) return (*sampler_)(*rng_);
    if (expr_) return (*expr_)(dvars);
    return std::get<double>(spec_);
  }
  /// n values of next(nullptr) into out (values that need no distance), uniform ones
  /// transformed a buffer at a time.
  void next_n(double* out, std::size_t n) {
    std::size_t j = 0;
    if (sampler_ && sampler_->is_uniform()) {
      for (; j < n && drawn_ < scalar_first; ++j, ++drawn_) out[j] = (*sampler_)(*rng_);
      while (j < n) {
        if (used_ == buffered_) refill();
        const std::size_t k = std::min(n - j, buffered_ - used_);
        for (std::size_t i = 0; i < k; ++i)
          out[j + i] = sampler_->value_of_uniform(buffer_[used_ + i]);
        used_ += k;
        j += k;
      }
    }
    for (; j < n; ++j) out[j] = next(nullptr);
  }

 private:
  const value_spec& spec_;
  std::string field_;
  uint64_t seed_;
  purpose purpose_;
  uint32_t projection_;
  std::optional<sampler> sampler_;
  std::optional<expression> expr_;
  std::optional<philox_stream> rng_;
  // uniform: draws drawn_ - buffered_ ... drawn_ - 1 of the target's stream.
  static constexpr std::size_t chunk = 128;    // stream_uniforms' 64 blocks
  static constexpr uint32_t scalar_first = 8;  // even
  uint64_t target_ = 0;
  uint32_t drawn_ = 0;
  std::size_t used_ = 0, buffered_ = 0;
  double buffer_[chunk];
  void refill() {
    // drawn_ is even: scalar_first, then whole chunks.
    stream_uniforms(seed_, purpose_, projection_, target_, drawn_ / 2, buffer_);
    drawn_ += chunk;
    used_ = 0;
    buffered_ = chunk;
  }
};

/// Throws model_error(field) for a weight that is not finite or has the wrong sign for its
/// receptor (`negative`: an inhibitory receptor of a current-based cell wants <= 0).
inline void check_weight(double x, bool negative, uint64_t source, uint64_t target,
                         const std::string& field) {
  if (!std::isfinite(x) || (negative ? x > 0 : x < 0)) [[unlikely]]
    throw model_error(field, "weight " + fmt(x) + " from gid " + std::to_string(source) +
                                 " to gid " + std::to_string(target) + " must be " +
                                 (negative ? "<= 0" : ">= 0"));
}

}  // namespace myelin::detail

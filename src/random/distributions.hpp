#pragma once
// Sampling of the model's random distributions (PyNN's names and parameters).

#include <algorithm>
#include <string>
#include <vector>

#include "myelin/model.hpp"
#include "random/rng.hpp"

namespace myelin::detail {

/// A distribution the model may name: its parameters in the order the sampler stores
/// them, and a line for `myelin info` (the catalogue's distribution_catalogue()).
struct distribution_entry {
  const char* name;
  const char* doc;
  int kind;  // sampler::kind
  std::vector<std::string> params;
};
const std::vector<distribution_entry>& distribution_table();

/// A validated, ready-to-sample distribution.
class sampler {
 public:
  enum class kind { uniform, normal, normal_clipped, lognormal, exponential, gamma };

  /// Checks names and parameters; throws model_error with `field` as the path, e.g.
  /// "unknown distribution 'foo' (allowed: uniform, normal, ...)" or
  /// "gamma: k must be > 0, got -1". Missing parameters are errors.
  sampler(const distribution& d, const std::string& field);

  double operator()(philox_stream& rng) const;

  /// uniform(low, high): its draw is value_of_uniform(rng.uniform()), so callers may
  /// draw the uniforms in bulk (batch_draws.hpp) and get the same values.
  bool is_uniform() const { return kind_ == kind::uniform; }
  double value_of_uniform(double u) const {
    // min() guards against a_ + (b_ - a_) * u rounding up past b_.
    return std::min(b_, a_ + (b_ - a_) * u);
  }

  /// Smallest and largest value the distribution can produce (may be +-inf).
  double lower_bound() const;
  double upper_bound() const;

 private:
  kind kind_;
  double a_ = 0, b_ = 0, c_ = 0, d_ = 0;  // parameters in the order of the names above
  // gamma (Marsaglia–Tsang): shape actually sampled (k, or k + 1 when k < 1) minus 1/3,
  // and 1 / sqrt(9 * that); precomputed so that a draw costs no sqrt.
  double gamma_d_ = 0, gamma_c_ = 0;
};

}  // namespace myelin::detail

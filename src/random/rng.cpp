#include "random/rng.hpp"

#include <cmath>
#include <numbers>

namespace myelin::detail {

double philox_stream::normal() {
  if (have_spare_) {
    have_spare_ = false;
    return spare_;
  }
  // uniform() never returns 0 or 1, so log(u1) is finite and r > 0.
  const double u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  spare_ = r * std::sin(theta);
  have_spare_ = true;
  return r * std::cos(theta);
}

// uniform() < 1 strictly, so the result is > 0 and finite.
double philox_stream::exponential() {
  return -std::log(uniform());
}

}  // namespace myelin::detail

#include "random/distributions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <vector>

#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

namespace {}  // namespace

const std::vector<distribution_entry>& distribution_table() {
  using k = sampler::kind;
  static const std::vector<distribution_entry> table = {
      {"uniform", "uniform in [low, high)", static_cast<int>(k::uniform), {"low", "high"}},
      {"normal",
       "normal with mean mu, standard deviation sigma",
       static_cast<int>(k::normal),
       {"mu", "sigma"}},
      {"normal_clipped",
       "normal, redrawn until in [low, high]",
       static_cast<int>(k::normal_clipped),
       {"mu", "sigma", "low", "high"}},
      {"lognormal", "exp of a normal(mu, sigma)", static_cast<int>(k::lognormal), {"mu", "sigma"}},
      {"exponential", "exponential with mean beta", static_cast<int>(k::exponential), {"beta"}},
      {"gamma", "gamma with shape k and scale theta", static_cast<int>(k::gamma), {"k", "theta"}},
  };
  return table;
}

namespace {

std::string num(double x) {
  std::ostringstream os;
  os.precision(17);
  os << x;
  return os.str();
}

// Redrawing a clipped normal takes 1/p draws per value on average, where p is the normal
// mass inside [low, high]. Below this p, building a population of 10^4 cells would
// already take ~10^8 draws: we refuse instead of appearing to hang.
constexpr double min_clipped_mass = 1e-4;

// Mass of the standard normal in [lo, hi], accurate also deep in either tail (the
// difference of two erfc values of the same tail, not of two values near 1).
double std_normal_mass(double lo, double hi) {
  constexpr double r = 0.70710678118654752440;  // 1/sqrt(2)
  if (lo >= 0) return 0.5 * (std::erfc(lo * r) - std::erfc(hi * r));
  if (hi <= 0) return 0.5 * (std::erfc(-hi * r) - std::erfc(-lo * r));
  return 1.0 - 0.5 * (std::erfc(-lo * r) + std::erfc(hi * r));
}

// Largest |philox_stream::normal()|: Box–Muller's radius sqrt(-2 log u) is largest for
// the smallest uniform(), 2^-54, giving sqrt(108 log 2).
// The factor leaves a margin for rounding in log, sqrt and cos.
const double max_abs_normal = std::sqrt(108.0 * std::numbers::ln2) * (1 + 1e-9);

}  // namespace

sampler::sampler(const distribution& d, const std::string& field) {
  const distribution_entry* info = nullptr;
  for (const auto& i : distribution_table())
    if (d.name == i.name) info = &i;
  if (!info) {
    std::vector<std::string> names;
    for (const auto& i : distribution_table()) names.emplace_back(i.name);
    throw model_error(field,
                      "unknown distribution '" + d.name + "' (allowed: " + join(names) + ")");
  }
  kind_ = static_cast<kind>(info->kind);
  const std::string& name = d.name;
  const std::string required = join(info->params);

  for (const auto& [key, value] : d.params) {
    (void)value;
    if (std::find(info->params.begin(), info->params.end(), key) == info->params.end())
      throw model_error(
          field, name + ": unknown parameter '" + key + "' (" + name + " takes: " + required + ")");
  }
  double* slots[] = {&a_, &b_, &c_, &d_};
  for (std::size_t i = 0; i < info->params.size(); ++i) {
    const std::string& p = info->params[i];
    auto it = d.params.find(p);
    if (it == d.params.end())
      throw model_error(field,
                        name + ": missing parameter '" + p + "' (required: " + required + ")");
    const double v = it->second;
    // normal_clipped may be clipped on one side only, as in PyNN: low = -inf or high = +inf.
    const bool infinite_ok = kind_ == kind::normal_clipped &&
                             ((p == "low" && v == -HUGE_VAL) || (p == "high" && v == HUGE_VAL));
    if (!std::isfinite(v) && !infinite_ok)
      throw model_error(field, name + ": " + p + " must be a finite number, got " + num(v));
    *slots[i] = v;
  }

  auto require = [&](bool ok, const std::string& what) {
    if (!ok) throw model_error(field, name + ": " + what);
  };
  switch (kind_) {
    case kind::uniform:
      require(a_ <= b_, "low must be <= high, got low = " + num(a_) + ", high = " + num(b_));
      break;
    case kind::normal:
    case kind::lognormal:
      require(b_ >= 0, "sigma must be >= 0, got " + num(b_));
      break;
    case kind::normal_clipped: {
      require(b_ >= 0, "sigma must be >= 0, got " + num(b_));
      require(c_ < d_, "low must be < high, got low = " + num(c_) + ", high = " + num(d_));
      const double mass = b_ == 0 ? (a_ >= c_ && a_ <= d_ ? 1.0 : 0.0)
                                  : std_normal_mass((c_ - a_) / b_, (d_ - a_) / b_);
      require(mass >= min_clipped_mass,
              "the interval [" + num(c_) + ", " + num(d_) + "] holds a fraction " + num(mass) +
                  " of normal(mu = " + num(a_) + ", sigma = " + num(b_) +
                  "); values are redrawn until inside, so the interval must hold at least " +
                  num(min_clipped_mass) + " of the mass");
      break;
    }
    case kind::exponential:
      require(a_ > 0, "beta must be > 0, got " + num(a_));
      break;
    case kind::gamma: {
      require(a_ > 0, "k must be > 0, got " + num(a_));
      require(b_ > 0, "theta must be > 0, got " + num(b_));
      gamma_d_ = (a_ < 1 ? a_ + 1 : a_) - 1.0 / 3.0;
      gamma_c_ = 1.0 / std::sqrt(9.0 * gamma_d_);
      break;
    }
  }
}

double sampler::operator()(philox_stream& rng) const {
  switch (kind_) {
    case kind::uniform:
      return value_of_uniform(rng.uniform());
    case kind::normal:
      return a_ + b_ * rng.normal();
    case kind::normal_clipped:
      // Terminates: the constructor guarantees the acceptance probability is not tiny.
      for (;;) {
        const double x = a_ + b_ * rng.normal();
        if (x >= c_ && x <= d_) return x;
      }
    case kind::lognormal:
      return std::exp(a_ + b_ * rng.normal());
    case kind::exponential:
      return a_ * rng.exponential();
    case kind::gamma: {
      // Marsaglia & Tsang (2000), "A simple method for generating gamma variables".
      double g;
      for (;;) {
        const double x = rng.normal();
        double v = 1.0 + gamma_c_ * x;
        if (v <= 0) continue;
        v = v * v * v;
        const double u = rng.uniform();
        const double x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2 ||
            std::log(u) < 0.5 * x2 + gamma_d_ * (1.0 - v + std::log(v))) {
          g = gamma_d_ * v;
          break;
        }
      }
      // Shape k < 1: Gamma(k) = Gamma(k + 1) * U^(1/k).
      if (a_ < 1) g *= std::pow(rng.uniform(), 1.0 / a_);
      return b_ * g;
    }
  }
  return 0.0;  // unreachable: every kind is handled above
}

double sampler::lower_bound() const {
  switch (kind_) {
    case kind::uniform:
      return a_;
    case kind::normal:
      return b_ == 0 ? a_ : -std::numeric_limits<double>::infinity();
    case kind::normal_clipped:
      return b_ == 0 ? a_ : c_;
    case kind::lognormal:
      // Strictly positive unless exp() underflows, so a lognormal is accepted where a
      // parameter must be > 0 (e.g. a time constant).
      return std::exp(a_ - max_abs_normal * b_);
    case kind::exponential:
    case kind::gamma:
      return 0.0;
  }
  return 0.0;
}

double sampler::upper_bound() const {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (kind_) {
    case kind::uniform:
      return b_;
    case kind::normal:
      return b_ == 0 ? a_ : inf;
    case kind::normal_clipped:
      return b_ == 0 ? a_ : d_;
    case kind::lognormal:
      return b_ == 0 ? std::exp(a_) : inf;
    case kind::exponential:
    case kind::gamma:
      return inf;
  }
  return inf;
}

}  // namespace myelin::detail

#pragma once
// A small arithmetic expression language for distance-dependent probabilities,
// weights and delays: "0.3*exp(-d/100)", "d < 200 ? 0.1 : 0", "max(0.1, d/250)".
// Parsed once into a compact postfix program; evaluation allocates nothing.

#include <string>
#include <vector>

namespace myelin::detail {

class expression {
 public:
  /// Parses `text` with the given variable names (e.g. {"d", "dx", "dy", "dz"}).
  /// Throws model_error(field, ...) naming the position of a syntax error or an
  /// unknown identifier and listing the allowed variables and functions.
  expression(const std::string& text, const std::vector<std::string>& variables,
             const std::string& field);

  /// Evaluates with `vars[i]` the value of variables[i].
  double operator()(const double* vars) const;

  /// A closed interval [lo, hi]; lo = -inf, hi = +inf when nothing is known.
  struct range {
    double lo, hi;
  };
  /// An interval that holds every value operator() can return for variables within
  /// `vars[i]` (expression_bounds.cpp): interval arithmetic over the program, widened
  /// outward by an ulp at each step so that rounding cannot put a value outside it.
  /// Conservative, not tight: {-inf, +inf} where it cannot tell (a division by an
  /// interval holding 0, a NaN).
  range bounds(const range* vars) const;

  /// Whether the program reads variables[i].
  bool uses(std::size_t i) const;

 private:
  struct op {
    int code;
    double value;
  };
  std::vector<op> program_;
  std::size_t max_stack_ = 0;
};

}  // namespace myelin::detail

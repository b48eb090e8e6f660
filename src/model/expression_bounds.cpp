// Interval arithmetic over an expression's postfix program: an enclosure of the values
// it takes over a box of variable values. DistanceDependentProbability uses it to bound
// the connection probability over a block of candidate sources (builder, distance.cpp).

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/expression.hpp"
#include "model/expression_ops.hpp"

namespace myelin::detail {
namespace {

using range = expression::range;
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr range everything{-inf, inf};

// One ulp outward on each side: libm's exp, log, pow, ... are within an ulp or so, and
// each step's rounding is within half an ulp.
range widen(double lo, double hi) {
  if (std::isnan(lo) || std::isnan(hi)) return everything;
  return {std::nextafter(lo, -inf), std::nextafter(hi, inf)};
}

range hull4(double a, double b, double c, double d) {
  return widen(std::min({a, b, c, d}), std::max({a, b, c, d}));
}

bool holds_zero(range r) {
  return r.lo <= 0.0 && r.hi >= 0.0;
}

// A truth value: 1 where certainly true, 0 where certainly false, else both.
range truth(bool surely_true, bool surely_false) {
  if (surely_true) return {1.0, 1.0};
  if (surely_false) return {0.0, 0.0};
  return {0.0, 1.0};
}

range increasing(double (*f)(double), range a) {
  return widen(f(a.lo), f(a.hi));
}

range binary(int code, range a, range b) {
  switch (code) {
    case op_add:
      return widen(a.lo + b.lo, a.hi + b.hi);
    case op_sub:
      return widen(a.lo - b.hi, a.hi - b.lo);
    case op_mul:
      return hull4(a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi);
    case op_div:
      if (holds_zero(b)) return everything;
      return hull4(a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi);
    case op_pow:
      // For a positive base, y log x is bilinear in (log x, y): its extremes, and those
      // of exp of it, are at the corners.
      if (a.lo > 0.0)
        return hull4(std::pow(a.lo, b.lo), std::pow(a.lo, b.hi), std::pow(a.hi, b.lo),
                     std::pow(a.hi, b.hi));
      return everything;
    case op_lt:
      return truth(a.hi < b.lo, a.lo >= b.hi);
    case op_le:
      return truth(a.hi <= b.lo, a.lo > b.hi);
    case op_gt:
      return truth(a.lo > b.hi, a.hi <= b.lo);
    case op_ge:
      return truth(a.lo >= b.hi, a.hi < b.lo);
    case op_eq:
      return truth(a.lo == a.hi && b.lo == b.hi && a.lo == b.lo, a.hi < b.lo || a.lo > b.hi);
    case op_ne:
      return truth(a.hi < b.lo || a.lo > b.hi, a.lo == a.hi && b.lo == b.hi && a.lo == b.lo);
    case op_and:
      return truth(!holds_zero(a) && !holds_zero(b),
                   (a.lo == 0.0 && a.hi == 0.0) || (b.lo == 0.0 && b.hi == 0.0));
    case op_or:
      return truth(!holds_zero(a) || !holds_zero(b),
                   a.lo == 0.0 && a.hi == 0.0 && b.lo == 0.0 && b.hi == 0.0);
    case op_min:
      return {std::min(a.lo, b.lo), std::min(a.hi, b.hi)};
    case op_max:
      return {std::max(a.lo, b.lo), std::max(a.hi, b.hi)};
  }
  return everything;
}

}  // namespace

expression::range expression::bounds(const range* vars) const {
  range s[64];
  std::size_t n = 0;
  for (const op& o : program_) {
    range& top = s[n > 0 ? n - 1 : 0];
    switch (o.code) {
      case op_const:
        s[n++] = {o.value, o.value};
        break;
      case op_var:
        s[n++] = vars[static_cast<std::size_t>(o.value)];
        break;
      case op_neg:
        top = {-top.hi, -top.lo};
        break;
      case op_not:
        top = truth(top.lo == 0.0 && top.hi == 0.0, !holds_zero(top));
        break;
      case op_exp:
        top = increasing(std::exp, top);
        break;
      case op_log:
        top = top.lo < 0.0 ? everything : increasing(std::log, top);
        break;
      case op_log10:
        top = top.lo < 0.0 ? everything : increasing(std::log10, top);
        break;
      case op_sqrt:
        top = top.lo < 0.0 ? everything : increasing(std::sqrt, top);
        break;
      case op_abs:
        if (top.hi <= 0.0)
          top = {-top.hi, -top.lo};
        else if (top.lo < 0.0)
          top = {0.0, std::max(-top.lo, top.hi)};
        break;
      case op_sin:
      case op_cos:
        top = std::isfinite(top.lo) && std::isfinite(top.hi) ? range{-1.0, 1.0} : everything;
        break;
      case op_tan:
        top = everything;
        break;
      case op_floor:
        top = {std::floor(top.lo), std::floor(top.hi)};
        break;
      case op_ceil:
        top = {std::ceil(top.lo), std::ceil(top.hi)};
        break;
      case op_select: {
        n -= 2;
        const range c = s[n - 1], a = s[n], b = s[n + 1];
        if (!holds_zero(c))
          s[n - 1] = a;
        else if (c.lo == 0.0 && c.hi == 0.0)
          s[n - 1] = b;
        else
          s[n - 1] = {std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
        break;
      }
      default: {
        const range b = s[--n];
        s[n - 1] = binary(o.code, s[n - 1], b);
        break;
      }
    }
    if (n > 0 && (std::isnan(s[n - 1].lo) || std::isnan(s[n - 1].hi))) s[n - 1] = everything;
  }
  return s[0];
}

}  // namespace myelin::detail

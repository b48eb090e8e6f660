#pragma once
// The instruction codes of expression's postfix programs (expression.hpp), shared by the
// evaluator (expression.cpp) and the interval bounds (expression_bounds.cpp).

namespace myelin::detail {

enum expression_code : int {
  op_const,  // push value
  op_var,    // push vars[value]
  op_neg,
  op_not,
  op_add,
  op_sub,
  op_mul,
  op_div,
  op_pow,
  op_lt,
  op_le,
  op_gt,
  op_ge,
  op_eq,
  op_ne,
  op_and,
  op_or,
  op_select,  // c a b -> c != 0 ? a : b
  op_exp,
  op_log,
  op_log10,
  op_sqrt,
  op_abs,
  op_sin,
  op_cos,
  op_tan,
  op_floor,
  op_ceil,
  op_min,
  op_max,
};

}  // namespace myelin::detail

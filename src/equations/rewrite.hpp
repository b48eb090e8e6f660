#pragma once
// Rewrites of a step's expression DAG that make it cheaper to run (docs/equations.md,
// "Fewer divisions, fused multiply-adds"). Both the interpreter and the compiled kernel
// run the rewritten DAG, so they keep computing the same bits.

#include <utility>
#include <vector>

#include "equations/expr.hpp"

namespace myelin::detail::eq {

/// Outputs are (node, column) pairs, as the step program takes them.
using outputs = std::vector<std::pair<node_id, int>>;

/// The outputs with fewer divisions: quotients are carried as numerator and denominator
/// through sums, products and further quotients, and divided once where their value is
/// needed. A gate's (x_inf - x)/tau with x_inf = 1/(1 + exp(a)) and tau = c + d/(1 +
/// exp(b)) takes one division instead of three. Only denominators that are provably at
/// least a positive constant are carried (numbers > 0, 1 + exp(...), positive sums and
/// products of such), at most two of them multiplied, so a carried denominator neither
/// vanishes nor changes sign; it overflows only where the exponentials' arguments add up
/// to more than ~700 (docs/equations.md).
outputs combine_divisions(pool& p, const outputs& out);

/// The outputs with fused multiply-adds: a product used once, by a sum or difference,
/// becomes one fma, fms or fnma node (one rounding instead of two, and one instruction
/// where the CPU has FMA).
outputs fuse_multiply_add(pool& p, const outputs& out);

}  // namespace myelin::detail::eq

#pragma once
// Recursive scalar evaluation of an expression DAG node (src/equations/expr.hpp): the
// reference the equations' interpreter and rewrites are tested against.

#include <vector>

#include "equations/expr.hpp"

namespace myelin::test {

inline double eval(const detail::eq::pool& p, detail::eq::node_id i,
                   const std::vector<double>& vars) {
  using namespace detail::eq;
  const node& n = p[i];
  if (n.k == op::num) return n.value;
  if (n.k == op::sym) return vars[n.sym];
  const double a = eval(p, n.a, vars);
  const double b = n.b == no_node ? 0 : eval(p, n.b, vars);
  const double c = n.c == no_node ? 0 : eval(p, n.c, vars);
  return apply(n.k, a, b, c);
}

}  // namespace myelin::test

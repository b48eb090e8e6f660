// The rewrites of a step's DAG (src/equations/rewrite.cpp): fewer divisions and fused
// multiply-adds keep the values (within a few ulp) and remove what they promise to.

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "eq_eval.hpp"
#include "equations/rewrite.hpp"

namespace myelin {
namespace {

using namespace detail::eq;

using test::eval;

int count(const pool& p, node_id root, op k) {
  int c = 0;
  for (node_id i : post_order(p, {root})) c += p[i].k == k;
  return c;
}

node_id parse(pool& p, const std::string& text) {
  const auto lookup = [](const std::string& s) -> std::optional<symbol_ref> {
    if (s == "v") return symbol_ref{0, dims{}};
    if (s == "x") return symbol_ref{1, dims{}};
    if (s == "y") return symbol_ref{2, dims{}};
    return std::nullopt;
  };
  return parse_expression(p, text, lookup, text).id;
}

// The worst relative difference of two DAGs over random (v, x, y), v in [-100, 60].
double worst_relative(const pool& p, node_id a, node_id b) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> v(-100, 60), x(0, 1);
  double worst = 0;
  for (int k = 0; k < 2000; ++k) {
    const std::vector<double> vars = {v(rng), x(rng), x(rng)};
    const double want = eval(p, a, vars), got = eval(p, b, vars);
    worst = std::fmax(worst, std::fabs(got - want) / std::fmax(std::fabs(want), 1e-300));
  }
  return worst;
}

TEST(equations_rewrite, a_gate_takes_one_division_instead_of_three) {
  pool p;
  // (x_inf - x)/tau, x_inf = 1/(1 + exp(.)), tau = c + d/(1 + exp(.)), as in an HH gate.
  const node_id gate =
      parse(p, "(1/(1 + exp((v + 40)/7)) - x) / (2.5 + 87.5/(1 + exp((v - 52)/15)))");
  ASSERT_EQ(count(p, gate, op::div), 3);
  const node_id r = combine_divisions(p, {{gate, 0}})[0].first;
  EXPECT_EQ(count(p, r, op::div), 1);
  // (1 - x B1) B2 / (B1 (2.5 B2 + 87.5)): a few roundings more or fewer. The relative
  // difference is that of a difference of two terms (x_inf - x) that may cancel.
  EXPECT_LT(worst_relative(p, gate, r), 1e-12);
  // And its FMA form computes the same within a few ulp as well.
  const node_id f = fuse_multiply_add(p, {{r, 0}})[0].first;
  EXPECT_GT(count(p, f, op::fma) + count(p, f, op::fms) + count(p, f, op::fnma), 0);
  EXPECT_LT(worst_relative(p, gate, f), 1e-12);
}

TEST(equations_rewrite, nested_quotients_are_carried_at_most_two_deep) {
  pool p;
  // tau = c + (e/(1 + exp a))/(1 + exp b): two carried factors; the gate divides once.
  const node_id gate = parse(p,
                             "(1/(1 + exp((v + 60)/6)) - x) / (0.35 + (1.3/(1 + exp((v - "
                             "20)/20)))/(1 + exp((v + 20)/12)))");
  ASSERT_EQ(count(p, gate, op::div), 4);
  const node_id r = combine_divisions(p, {{gate, 0}})[0].first;
  EXPECT_EQ(count(p, r, op::div), 2);
  EXPECT_LT(worst_relative(p, gate, r), 1e-12);
}

TEST(equations_rewrite, denominators_of_unknown_sign_are_divided_at_once) {
  pool p;
  // y may be 0 or negative, and exp(v) alone has no positive lower bound: nothing to
  // carry, every division stays.
  const node_id e = parse(p, "(x/y + v)/(y - 0.5) + 1/exp(v)");
  const int before = count(p, e, op::div);
  const node_id r = combine_divisions(p, {{e, 0}})[0].first;
  EXPECT_EQ(count(p, r, op::div), before);
  EXPECT_EQ(r, e);
}

TEST(equations_rewrite, a_product_used_twice_is_not_fused) {
  pool p;
  const node_id once = parse(p, "x*y + v");
  const node_id f = fuse_multiply_add(p, {{once, 0}})[0].first;
  EXPECT_EQ(p[f].k, op::fma);
  const std::vector<double> vars = {0.1, 3.0, 1.0 / 3.0};
  EXPECT_EQ(eval(p, f, vars), std::fma(3.0, 1.0 / 3.0, 0.1));
  // x*y also feeds the second output: kept as a product, the sums stay sums.
  const node_id a = parse(p, "x*y - v"), b = parse(p, "x*y * 2");
  const outputs out = fuse_multiply_add(p, {{a, 0}, {b, 1}});
  EXPECT_EQ(out[0].first, a);
  EXPECT_EQ(p[out[0].first].k, op::sub);
}

}  // namespace
}  // namespace myelin

namespace myelin {
namespace {

using namespace detail::eq;

// Random expressions in the shapes rate functions take (quotients by 1 + exp(.), sums,
// products, nested quotients, negations): both rewrites together keep every value to
// within a few ulp of the terms, wherever the original is finite.
std::string random_expr(std::mt19937_64& rng, int depth) {
  std::uniform_int_distribution<int> pick(0, depth > 0 ? 7 : 2);
  const char* leaves[] = {"v", "x", "y", "2.5", "0.3"};
  switch (pick(rng)) {
    case 0:
    case 1:
    case 2:
      return leaves[std::uniform_int_distribution<int>(0, 4)(rng)];
    case 3:
      return "(" + random_expr(rng, depth - 1) + " + " + random_expr(rng, depth - 1) + ")";
    case 4:
      return "(" + random_expr(rng, depth - 1) + " - " + random_expr(rng, depth - 1) + ")";
    case 5:
      return "(" + random_expr(rng, depth - 1) + " * " + random_expr(rng, depth - 1) + ")";
    case 6:
      return "(" + random_expr(rng, depth - 1) + " / (1 + exp(" + random_expr(rng, depth - 1) +
             " / 10)))";
    default:
      return "(-" + random_expr(rng, depth - 1) + " / (0.5 + " + random_expr(rng, depth - 1) +
             " * " + random_expr(rng, depth - 1) + " + 3/(2 + exp(x))))";
  }
}

TEST(equations_rewrite, random_rate_expressions_keep_their_values) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> v(-100, 60), u(0, 1);
  int checked = 0, combined = 0;
  for (int e = 0; e < 300; ++e) {
    pool p;
    const std::string text = random_expr(rng, 4);
    const node_id a = parse(p, text);
    const node_id b =
        fuse_multiply_add(p, combine_divisions(p, {{a, 0}}))[0].first;  // as cell_type.cpp
    combined += count(p, b, op::div) < count(p, a, op::div);
    // The scale of the terms: the value with every subtraction made an addition would
    // bound cancellation; a loose relative-and-absolute tolerance stands in for it.
    for (int k = 0; k < 50; ++k) {
      const std::vector<double> vars = {v(rng), u(rng), u(rng)};
      const double want = eval(p, a, vars), got = eval(p, b, vars);
      if (!std::isfinite(want) || std::fabs(want) > 1e12) continue;
      ++checked;
      ASSERT_NEAR(got, want, 1e-9 * std::fmax(1.0, std::fabs(want))) << text;
    }
  }
  EXPECT_GT(checked, 10000);
  EXPECT_GT(combined, 20);  // the rewrite did remove divisions in many of them
}

}  // namespace
}  // namespace myelin

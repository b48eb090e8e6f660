// The distance-expression language: grammar, evaluation and error messages.

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "model/expression.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

const std::vector<std::string> distance_vars = {"d", "dx", "dy", "dz"};

double eval(const std::string& text, double d = 0, double dx = 0, double dy = 0, double dz = 0) {
  const expression e(text, distance_vars, "projections[0].weight");
  const double v[] = {d, dx, dy, dz};
  return e(v);
}

TEST(expression, numbers) {
  EXPECT_EQ(eval("42"), 42.0);
  EXPECT_EQ(eval("  3.25 "), 3.25);
  EXPECT_EQ(eval(".5"), 0.5);
  EXPECT_EQ(eval("5."), 5.0);
  EXPECT_EQ(eval("1e-3"), 1e-3);
  EXPECT_EQ(eval("1.5E+2"), 150.0);
  EXPECT_EQ(eval("2e3"), 2000.0);
}

TEST(expression, precedence_and_associativity) {
  EXPECT_EQ(eval("2^3^2"), 512.0);  // right associative
  EXPECT_EQ(eval("2**3**2"), 512.0);
  EXPECT_EQ(eval("(2^3)^2"), 64.0);
  EXPECT_EQ(eval("-2^2"), -4.0);  // unary minus binds looser than power
  EXPECT_EQ(eval("2^-1"), 0.5);
  EXPECT_EQ(eval("1-2-3"), -4.0);  // left associative
  EXPECT_EQ(eval("8/4/2"), 1.0);
  EXPECT_EQ(eval("2+3*4"), 14.0);
  EXPECT_EQ(eval("(2+3)*4"), 20.0);
  EXPECT_EQ(eval("2*3^2"), 18.0);
  EXPECT_EQ(eval("--3"), 3.0);
  EXPECT_EQ(eval("+3 - -2"), 5.0);
  EXPECT_EQ(eval("1 - 2 * 3 + 4 / 2"), -3.0);
}

TEST(expression, functions_and_constants) {
  EXPECT_DOUBLE_EQ(eval("exp(1)"), std::numbers::e);
  EXPECT_DOUBLE_EQ(eval("log(e)"), 1.0);
  EXPECT_DOUBLE_EQ(eval("log10(1000)"), 3.0);
  EXPECT_EQ(eval("sqrt(16)"), 4.0);
  EXPECT_EQ(eval("abs(-3)"), 3.0);
  EXPECT_DOUBLE_EQ(eval("sin(pi/2)"), 1.0);
  EXPECT_DOUBLE_EQ(eval("cos(pi)"), -1.0);
  EXPECT_DOUBLE_EQ(eval("tan(pi/4)"), 1.0);
  EXPECT_EQ(eval("floor(-1.5)"), -2.0);
  EXPECT_EQ(eval("ceil(1.2)"), 2.0);
  EXPECT_EQ(eval("min(3, 2)"), 2.0);
  EXPECT_EQ(eval("max(3, 2)"), 3.0);
  EXPECT_EQ(eval("pow(2, 10)"), 1024.0);
  EXPECT_EQ(eval("max(min(1, 2), 0.5 * 4)"), 2.0);
  EXPECT_EQ(eval("exp(0) + sqrt(abs(-9))"), 4.0);
}

TEST(expression, comparisons_and_logic) {
  EXPECT_EQ(eval("1 < 2"), 1.0);
  EXPECT_EQ(eval("2 < 2"), 0.0);
  EXPECT_EQ(eval("2 <= 2"), 1.0);
  EXPECT_EQ(eval("3 > 4"), 0.0);
  EXPECT_EQ(eval("4 >= 4"), 1.0);
  EXPECT_EQ(eval("2 == 2"), 1.0);
  EXPECT_EQ(eval("2 != 2"), 0.0);
  EXPECT_EQ(eval("1 + 1 == 2"), 1.0);  // arithmetic binds tighter than comparison
  EXPECT_EQ(eval("1 < 2 == 1"), 1.0);  // relational binds tighter than equality
  EXPECT_EQ(eval("1 < 2 && 3 > 4"), 0.0);
  EXPECT_EQ(eval("0 || 2"), 1.0);
  EXPECT_EQ(eval("1 || 0 && 0"), 1.0);  // && binds tighter than ||
  EXPECT_EQ(eval("!0"), 1.0);
  EXPECT_EQ(eval("!(3 > 2)"), 0.0);
}

TEST(expression, ternary) {
  EXPECT_EQ(eval("d < 200 ? 0.1 : 0", 100), 0.1);
  EXPECT_EQ(eval("d < 200 ? 0.1 : 0", 300), 0.0);
  // Right associative: a ? b : (c ? d : e).
  const std::string steps = "d < 1 ? 10 : d < 2 ? 20 : 30";
  EXPECT_EQ(eval(steps, 0.5), 10.0);
  EXPECT_EQ(eval(steps, 1.5), 20.0);
  EXPECT_EQ(eval(steps, 2.5), 30.0);
  EXPECT_EQ(eval("(d > 1 ? 2 : 3) * 10", 5), 20.0);
  EXPECT_EQ(eval("d > 1 && d < 3 ? d : -d", 2), 2.0);
}

TEST(expression, variables) {
  EXPECT_DOUBLE_EQ(eval("0.3*exp(-d/100)", 50), 0.3 * std::exp(-0.5));
  EXPECT_DOUBLE_EQ(eval("sqrt(dx^2 + dy^2 + dz^2)", 0, 1, 2, 2), 3.0);
  EXPECT_DOUBLE_EQ(eval("max(0.1, d/250)", 100), 0.4);
  // A compiled expression is reusable and evaluates each call independently.
  const expression e("d * 2 + dz", distance_vars, "f");
  const double a[] = {1, 0, 0, 5}, b[] = {3, 0, 0, -1};
  EXPECT_EQ(e(a), 7.0);
  EXPECT_EQ(e(b), 5.0);
  EXPECT_EQ(e(a), 7.0);
  // A variable named like a constant takes precedence over it.
  const expression shadow("e + 1", {"e"}, "f");
  const double v[] = {10};
  EXPECT_EQ(shadow(v), 11.0);
}

// Returns the message of the model_error thrown for `text`, after checking its field.
std::string error_of(const std::string& text) {
  const std::string field = "projections[2].connector.d_expression";
  try {
    expression e(text, distance_vars, field);
  } catch (const model_error& err) {
    EXPECT_EQ(err.field(), field);
    const std::string msg = err.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message is not one line: " << msg;
    return msg;
  }
  ADD_FAILURE() << "no error for '" << text << "'";
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(expression, syntax_errors_give_the_position) {
  std::string m = error_of("1 + * 2");
  EXPECT_TRUE(contains(m, "character 5")) << m;
  m = error_of("(1 + 2");
  EXPECT_TRUE(contains(m, "expected ')'")) << m;
  EXPECT_TRUE(contains(m, "end of expression")) << m;
  m = error_of("1 2");
  EXPECT_TRUE(contains(m, "character 3")) << m;
  m = error_of("2 $ 3");
  EXPECT_TRUE(contains(m, "character 3")) << m;
  EXPECT_TRUE(contains(m, "'$'")) << m;
  m = error_of("");
  EXPECT_TRUE(contains(m, "end of expression")) << m;
  m = error_of("1e+");
  EXPECT_TRUE(contains(m, "exponent")) << m;
  m = error_of("d < 1 ? 2");
  EXPECT_TRUE(contains(m, "expected ':'")) << m;
  m = error_of("1 & 2");
  EXPECT_TRUE(contains(m, "character 3")) << m;
  m = error_of("1.2.3");
  EXPECT_TRUE(contains(m, "character 4")) << m;
  m = error_of("1 +\n* 2");  // a line break in the input still gives a one-line message
  EXPECT_TRUE(contains(m, "character 5")) << m;
}

TEST(expression, unknown_identifier_lists_what_is_allowed) {
  std::string m = error_of("0.3 * exp(-r / 100)");
  EXPECT_TRUE(contains(m, "unknown identifier 'r'")) << m;
  EXPECT_TRUE(contains(m, "character 12")) << m;
  EXPECT_TRUE(contains(m, "d, dx, dy, dz")) << m;
  EXPECT_TRUE(contains(m, "exp(x)")) << m;
  EXPECT_TRUE(contains(m, "pow(x, y)")) << m;
  m = error_of("gauss(d)");
  EXPECT_TRUE(contains(m, "unknown function 'gauss'")) << m;
  EXPECT_TRUE(contains(m, "log10(x)")) << m;
  m = error_of("d(2)");
  EXPECT_TRUE(contains(m, "unknown function 'd'")) << m;
}

TEST(expression, wrong_arity) {
  std::string m = error_of("min(1)");
  EXPECT_TRUE(contains(m, "'min' takes 2 arguments, got 1")) << m;
  m = error_of("exp(1, 2)");
  EXPECT_TRUE(contains(m, "'exp' takes 1 argument, got 2")) << m;
  m = error_of("sqrt()");
  EXPECT_TRUE(contains(m, "got 0")) << m;
  m = error_of("exp + 1");
  EXPECT_TRUE(contains(m, "must be called")) << m;
}

TEST(expression, too_deep) {
  // "1+(1+(1+(...)))" keeps one pending operand per level on the evaluation stack.
  std::string deep;
  for (int i = 0; i < 80; ++i) deep += "1+(";
  deep += "1";
  for (int i = 0; i < 80; ++i) deep += ")";
  EXPECT_TRUE(contains(error_of(deep), "evaluation stack"));

  // The same shape, shallow enough, evaluates.
  std::string ok;
  for (int i = 0; i < 40; ++i) ok += "1+(";
  ok += "1";
  for (int i = 0; i < 40; ++i) ok += ")";
  EXPECT_EQ(eval(ok), 41.0);

  // Deep parentheses or long chains of unary operators must not exhaust the C++ stack.
  EXPECT_TRUE(
      contains(error_of(std::string(100000, '(') + "1" + std::string(100000, ')')), "nested"));
  EXPECT_TRUE(contains(error_of(std::string(100000, '-') + "1"), "nested"));
  // A long flat expression needs only a shallow stack.
  std::string flat = "0";
  for (int i = 0; i < 1000; ++i) flat += " + 1";
  EXPECT_EQ(eval(flat), 1000.0);
}

}  // namespace
}  // namespace myelin::detail

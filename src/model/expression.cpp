#include "model/expression.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string_view>

#include "model/expression_ops.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

namespace {

// Evaluation uses a stack of this many doubles on the C++ stack; the parser refuses
// programs that would need more.
constexpr std::size_t stack_size = 64;
// Limit on parser recursion, so that "((((...1...))))" cannot overflow the C++ stack.
constexpr int max_nesting = 200;

struct function_info {
  std::string_view name;
  int code;
  int arity;
};

constexpr function_info functions[] = {
    {"exp", op_exp, 1},     {"log", op_log, 1},   {"log10", op_log10, 1}, {"sqrt", op_sqrt, 1},
    {"abs", op_abs, 1},     {"sin", op_sin, 1},   {"cos", op_cos, 1},     {"tan", op_tan, 1},
    {"floor", op_floor, 1}, {"ceil", op_ceil, 1}, {"min", op_min, 2},     {"max", op_max, 2},
    {"pow", op_pow, 2},
};

// Net change of the stack depth caused by an instruction.
int stack_effect(int c) {
  switch (c) {
    case op_const:
    case op_var:
      return 1;
    case op_select:
      return -2;
    case op_neg:
    case op_not:
    case op_exp:
    case op_log:
    case op_log10:
    case op_sqrt:
    case op_abs:
    case op_sin:
    case op_cos:
    case op_tan:
    case op_floor:
    case op_ceil:
      return 0;
    default:  // binary operators and two-argument functions
      return -1;
  }
}

struct parser {
  std::string_view text;
  const std::vector<std::string>& variables;
  const std::string& field;
  std::vector<std::pair<int, double>> out;
  std::size_t pos = 0;
  int depth = 0;

  // One-line message: the expression is quoted with line breaks shown as spaces.
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    std::string quoted(text);
    std::replace_if(
        quoted.begin(), quoted.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    throw model_error(field, "in expression '" + quoted + "' at character " +
                                 std::to_string(at + 1) + ": " + what);
  }

  void skip_space() {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  std::string describe_here() {
    skip_space();
    if (pos >= text.size()) return "end of expression";
    return "'" + std::string(1, text[pos]) + "'";
  }

  // Consumes `tok` (after spaces) if it is next; `not_followed` rejects e.g. '<' when
  // the input is "<=" or '*' when it is "**".
  bool accept(std::string_view tok, char not_followed = 0) {
    skip_space();
    if (text.substr(pos, tok.size()) != tok) return false;
    if (not_followed && pos + tok.size() < text.size() && text[pos + tok.size()] == not_followed)
      return false;
    pos += tok.size();
    return true;
  }

  void expect(char c) {
    if (!accept(std::string_view(&c, 1))) {
      const std::size_t at = pos;
      fail(at, "expected '" + std::string(1, c) + "', got " + describe_here());
    }
  }

  void emit(int c, double v = 0.0) { out.emplace_back(c, v); }

  struct nest_guard {
    parser& p;
    explicit nest_guard(parser& pp) : p(pp) {
      if (++p.depth > max_nesting)
        p.fail(p.pos,
               "expression nested more than " + std::to_string(max_nesting) + " levels deep");
    }
    ~nest_guard() { --p.depth; }
  };

  // ternary := or ( '?' ternary ':' ternary )?
  void ternary() {
    nest_guard g(*this);
    logical_or();
    if (accept("?")) {
      ternary();
      expect(':');
      ternary();
      emit(op_select);
    }
  }

  void logical_or() {
    logical_and();
    while (accept("||")) {
      logical_and();
      emit(op_or);
    }
  }

  void logical_and() {
    equality();
    while (accept("&&")) {
      equality();
      emit(op_and);
    }
  }

  void equality() {
    relational();
    for (;;) {
      if (accept("==")) {
        relational();
        emit(op_eq);
      } else if (accept("!=")) {
        relational();
        emit(op_ne);
      } else {
        return;
      }
    }
  }

  void relational() {
    additive();
    for (;;) {
      int c;
      if (accept("<="))
        c = op_le;
      else if (accept(">="))
        c = op_ge;
      else if (accept("<"))
        c = op_lt;
      else if (accept(">"))
        c = op_gt;
      else
        return;
      additive();
      emit(c);
    }
  }

  void additive() {
    multiplicative();
    for (;;) {
      int c;
      if (accept("+"))
        c = op_add;
      else if (accept("-"))
        c = op_sub;
      else
        return;
      multiplicative();
      emit(c);
    }
  }

  void multiplicative() {
    unary();
    for (;;) {
      int c;
      if (accept("*", '*'))
        c = op_mul;
      else if (accept("/"))
        c = op_div;
      else
        return;
      unary();
      emit(c);
    }
  }

  // Unary minus binds looser than '^' (-2^2 = -4, as in mathematics) and the exponent
  // may itself carry a sign (2^-1 = 0.5).
  void unary() {
    nest_guard g(*this);
    if (accept("-")) {
      unary();
      emit(op_neg);
    } else if (accept("+")) {
      unary();
    } else if (accept("!", '=')) {
      unary();
      emit(op_not);
    } else {
      power();
    }
  }

  // power := primary ( ('^' | '**') unary )?   -- right associative through unary()
  void power() {
    primary();
    if (accept("^") || accept("**")) {
      unary();
      emit(op_pow);
    }
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  static bool is_ident(char c) { return is_ident_start(c) || is_digit(c); }

  void primary() {
    skip_space();
    const std::size_t start = pos;
    if (pos >= text.size())
      fail(pos, "expected a number, variable, function or '(', got end of expression");
    const char c = text[pos];
    if (is_digit(c) || (c == '.' && pos + 1 < text.size() && is_digit(text[pos + 1]))) {
      number();
    } else if (is_ident_start(c)) {
      while (pos < text.size() && is_ident(text[pos])) ++pos;
      identifier(text.substr(start, pos - start), start);
    } else if (c == '(') {
      ++pos;
      ternary();
      expect(')');
    } else {
      fail(pos, "expected a number, variable, function or '(', got '" + std::string(1, c) + "'");
    }
  }

  void number() {
    const std::size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && is_digit(text[pos])) ++pos;
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      std::size_t q = pos + 1;
      if (q < text.size() && (text[q] == '+' || text[q] == '-')) ++q;
      if (q < text.size() && is_digit(text[q])) {
        while (q < text.size() && is_digit(text[q])) ++q;
        pos = q;
      } else {
        fail(pos,
             "malformed exponent in number '" + std::string(text.substr(start, q - start)) + "'");
      }
    }
    double v = 0;
    const auto r = std::from_chars(text.data() + start, text.data() + pos, v);
    if (r.ec != std::errc() || r.ptr != text.data() + pos)
      fail(start, "malformed number '" + std::string(text.substr(start, pos - start)) + "'");
    emit(op_const, v);
  }

  std::string allowed() const {
    std::string s = "variables: ";
    for (std::size_t i = 0; i < variables.size(); ++i) s += (i ? ", " : "") + variables[i];
    if (variables.empty()) s += "none";
    s += "; functions: ";
    bool first = true;
    for (const auto& f : functions) {
      s += (first ? "" : ", ") + std::string(f.name) + (f.arity == 1 ? "(x)" : "(x, y)");
      first = false;
    }
    return s + "; constants: pi, e";
  }

  void identifier(std::string_view name, std::size_t start) {
    skip_space();
    const bool call = pos < text.size() && text[pos] == '(';
    if (!call) {
      for (std::size_t i = 0; i < variables.size(); ++i)
        if (variables[i] == name) return emit(op_var, static_cast<double>(i));
      if (name == "pi") return emit(op_const, std::numbers::pi);
      if (name == "e") return emit(op_const, std::numbers::e);
    }
    for (const auto& f : functions) {
      if (f.name != name) continue;
      if (!call)
        fail(start, "function '" + std::string(name) + "' must be called with " +
                        std::to_string(f.arity) + " argument" + (f.arity == 1 ? "" : "s") +
                        " in parentheses");
      ++pos;  // '('
      int n = 0;
      if (!accept(")")) {
        do {
          ternary();
          ++n;
        } while (accept(","));
        expect(')');
      }
      if (n != f.arity)
        fail(start, "function '" + std::string(name) + "' takes " + std::to_string(f.arity) +
                        " argument" + (f.arity == 1 ? "" : "s") + ", got " + std::to_string(n));
      return emit(f.code);
    }
    fail(start, std::string("unknown ") + (call ? "function" : "identifier") + " '" +
                    std::string(name) + "' (" + allowed() + ")");
  }
};

}  // namespace

expression::expression(const std::string& text, const std::vector<std::string>& variables,
                       const std::string& field) {
  parser p{text, variables, field, {}};
  p.ternary();
  p.skip_space();
  if (p.pos != text.size())
    p.fail(p.pos, "unexpected '" + std::string(1, text[p.pos]) + "' after a complete expression");

  std::size_t depth = 0;
  program_.reserve(p.out.size());
  for (const auto& [c, v] : p.out) {
    depth = static_cast<std::size_t>(static_cast<long>(depth) + stack_effect(c));
    max_stack_ = std::max(max_stack_, depth);
    program_.push_back(op{c, v});
  }
  if (depth != 1)
    throw internal_error("expression '" + text + "' leaves a stack of depth " +
                         std::to_string(depth));
  if (max_stack_ > stack_size)
    throw model_error(field, "expression '" + text + "' needs an evaluation stack of " +
                                 std::to_string(max_stack_) + " values, more than the " +
                                 std::to_string(stack_size) +
                                 " allowed; simplify it (fewer nested parentheses)");
}

bool expression::uses(std::size_t i) const {
  return std::any_of(program_.begin(), program_.end(), [i](const op& o) {
    return o.code == op_var && static_cast<std::size_t>(o.value) == i;
  });
}

double expression::operator()(const double* vars) const {
  double s[stack_size];
  std::size_t n = 0;  // number of values on the stack
  for (const op& o : program_) {
    switch (o.code) {
      case op_const:
        s[n++] = o.value;
        break;
      case op_var:
        s[n++] = vars[static_cast<std::size_t>(o.value)];
        break;
      case op_neg:
        s[n - 1] = -s[n - 1];
        break;
      case op_not:
        s[n - 1] = s[n - 1] == 0.0 ? 1.0 : 0.0;
        break;
      case op_exp:
        s[n - 1] = std::exp(s[n - 1]);
        break;
      case op_log:
        s[n - 1] = std::log(s[n - 1]);
        break;
      case op_log10:
        s[n - 1] = std::log10(s[n - 1]);
        break;
      case op_sqrt:
        s[n - 1] = std::sqrt(s[n - 1]);
        break;
      case op_abs:
        s[n - 1] = std::fabs(s[n - 1]);
        break;
      case op_sin:
        s[n - 1] = std::sin(s[n - 1]);
        break;
      case op_cos:
        s[n - 1] = std::cos(s[n - 1]);
        break;
      case op_tan:
        s[n - 1] = std::tan(s[n - 1]);
        break;
      case op_floor:
        s[n - 1] = std::floor(s[n - 1]);
        break;
      case op_ceil:
        s[n - 1] = std::ceil(s[n - 1]);
        break;
      case op_select:
        n -= 2;
        s[n - 1] = s[n - 1] != 0.0 ? s[n] : s[n + 1];
        break;
      default: {
        // Binary: left operand at s[n - 2], right at s[n - 1].
        const double b = s[--n];
        double& a = s[n - 1];
        switch (o.code) {
          case op_add:
            a = a + b;
            break;
          case op_sub:
            a = a - b;
            break;
          case op_mul:
            a = a * b;
            break;
          case op_div:
            a = a / b;
            break;
          case op_pow:
            a = std::pow(a, b);
            break;
          case op_lt:
            a = a < b ? 1.0 : 0.0;
            break;
          case op_le:
            a = a <= b ? 1.0 : 0.0;
            break;
          case op_gt:
            a = a > b ? 1.0 : 0.0;
            break;
          case op_ge:
            a = a >= b ? 1.0 : 0.0;
            break;
          case op_eq:
            a = a == b ? 1.0 : 0.0;
            break;
          case op_ne:
            a = a != b ? 1.0 : 0.0;
            break;
          case op_and:
            a = (a != 0.0 && b != 0.0) ? 1.0 : 0.0;
            break;
          case op_or:
            a = (a != 0.0 || b != 0.0) ? 1.0 : 0.0;
            break;
          case op_min:
            a = std::fmin(a, b);
            break;
          case op_max:
            a = std::fmax(a, b);
            break;
        }
        break;
      }
    }
  }
  return s[0];
}

}  // namespace myelin::detail

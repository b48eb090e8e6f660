// Interned expression nodes, constant folding, and the parser of Brian2's expression
// syntax with dimension checks (expr.hpp).

#include "equations/expr.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "myelin/error.hpp"

namespace myelin::detail::eq {

std::size_t pool::hasher::operator()(const node& n) const {
  std::size_t h = static_cast<std::size_t>(n.k);
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  mix(n.a);
  mix(n.b);
  mix(n.c);
  mix(std::hash<double>()(n.value));
  mix(static_cast<std::size_t>(n.sym));
  return h;
}

double apply(op k, double a, double b, double c) {
  switch (k) {
    case op::neg:
      return -a;
    case op::add:
      return a + b;
    case op::sub:
      return a - b;
    case op::mul:
      return a * b;
    case op::div:
      return a / b;
    case op::pow:
      return std::pow(a, b);
    case op::lt:
      return a < b ? 1.0 : 0.0;
    case op::le:
      return a <= b ? 1.0 : 0.0;
    case op::gt:
      return a > b ? 1.0 : 0.0;
    case op::ge:
      return a >= b ? 1.0 : 0.0;
    case op::eq:
      return a == b ? 1.0 : 0.0;
    case op::ne:
      return a != b ? 1.0 : 0.0;
    case op::land:
      return (a != 0 && b != 0) ? 1.0 : 0.0;
    case op::lor:
      return (a != 0 || b != 0) ? 1.0 : 0.0;
    case op::lnot:
      return a == 0 ? 1.0 : 0.0;
    case op::exp:
      return std::exp(a);
    case op::log:
      return std::log(a);
    case op::sqrt:
      return std::sqrt(a);
    case op::abs:
      return std::fabs(a);
    case op::sin:
      return std::sin(a);
    case op::cos:
      return std::cos(a);
    case op::tanh:
      return std::tanh(a);
    case op::floor:
      return std::floor(a);
    case op::ceil:
      return std::ceil(a);
    case op::trunc:
      return std::trunc(a);
    case op::clip:
      return std::fmin(std::fmax(a, b), c);
    case op::min:
      return std::fmin(a, b);
    case op::max:
      return std::fmax(a, b);
    case op::where:
      return a != 0 ? b : c;
    case op::fma:
      return std::fma(a, b, c);
    case op::fms:
      return std::fma(a, b, -c);
    case op::fnma:
      return std::fma(-a, b, c);
    case op::num:
    case op::sym:
      break;
  }
  throw internal_error("apply: not an operation");
}

node_id pool::make(node n) {
  const auto is = [&](node_id i, double v) { return i != no_node && is_num(i, v); };
  const bool args_const =
      n.k != op::num && n.k != op::sym && n.a != no_node && nodes_[n.a].k == op::num &&
      (n.b == no_node || nodes_[n.b].k == op::num) && (n.c == no_node || nodes_[n.c].k == op::num);
  if (args_const) {
    const double v = apply(n.k, nodes_[n.a].value, n.b == no_node ? 0 : nodes_[n.b].value,
                           n.c == no_node ? 0 : nodes_[n.c].value);
    return num(v);
  }
  // Identities that keep every value's bits (x + 0 = x, x * 1 = x, x / 1 = x, x ** 1).
  if (n.k == op::add && is(n.b, 0.0)) return n.a;
  if (n.k == op::add && is(n.a, 0.0)) return n.b;
  if (n.k == op::sub && is(n.b, 0.0)) return n.a;
  if (n.k == op::mul && is(n.b, 1.0)) return n.a;
  if (n.k == op::mul && is(n.a, 1.0)) return n.b;
  if ((n.k == op::div || n.k == op::pow) && is(n.b, 1.0)) return n.a;
  if (n.k == op::neg && nodes_[n.a].k == op::neg) return nodes_[n.a].a;
  // Zero terms, as a symbolic simplifier would drop them (the linear analysis of the
  // integrators relies on it: a coefficient is 0 exactly when it is the number 0).
  if (n.k == op::mul && (is(n.a, 0.0) || is(n.b, 0.0))) return num(0.0);
  if (n.k == op::div && is(n.a, 0.0)) return num(0.0);
  if (n.k == op::sub && is(n.a, 0.0)) return make({op::neg, n.b});
  if (n.k == op::where && nodes_[n.a].k == op::num) return nodes_[n.a].value != 0 ? n.b : n.c;
  // (a/t)/(b/t) = a/b and x/-1 = -x, as sympy simplifies exponential Euler's B/A (for a
  // gate (x_inf - x)/tau it becomes -x_inf, with no division left).
  if (n.k == op::div && nodes_[n.a].k == op::div && nodes_[n.b].k == op::div &&
      nodes_[n.a].b == nodes_[n.b].b)
    return make({op::div, nodes_[n.a].a, nodes_[n.b].a});
  if (n.k == op::div && is(n.b, -1.0)) return make({op::neg, n.a});
  // x / c = x * (1/c) for a constant c (as Brian2's sympy writes it): a multiplication
  // costs a fraction of a division; the result differs by at most one rounding.
  if (n.k == op::div && nodes_[n.b].k == op::num && nodes_[n.b].value != 0 &&
      std::isfinite(nodes_[n.b].value) && std::isfinite(1.0 / nodes_[n.b].value) && !is(n.b, 1.0))
    return make({op::mul, n.a, num(1.0 / nodes_[n.b].value)});
  if (auto it = index_.find(n); it != index_.end()) return it->second;
  nodes_.push_back(n);
  index_.emplace(n, static_cast<node_id>(nodes_.size() - 1));
  return static_cast<node_id>(nodes_.size() - 1);
}

bool pool::depends(node_id i, const std::function<bool(int)>& pred) const {
  const node& n = nodes_[i];
  if (n.k == op::sym) return pred(n.sym);
  for (node_id c : {n.a, n.b, n.c})
    if (c != no_node && depends(c, pred)) return true;
  return false;
}

node_id pool::substitute(node_id i, const std::function<std::optional<node_id>(int)>& f) {
  const node n = nodes_[i];
  if (n.k == op::sym) {
    const auto r = f(n.sym);
    return r ? *r : i;
  }
  if (n.k == op::num) return i;
  node m = n;
  if (n.a != no_node) m.a = substitute(n.a, f);
  if (n.b != no_node) m.b = substitute(n.b, f);
  if (n.c != no_node) m.c = substitute(n.c, f);
  return make(m);
}

bool reserved_name(const std::string& name) {
  static const char* names[] = {
      "t",    "dt",   "i",   "N",    "xi",    "lastspike", "not_refractory",
      "pi",   "e",    "inf", "True", "False", "and",       "or",
      "not",  "exp",  "log", "sqrt", "abs",   "sin",       "cos",
      "tanh", "clip", "int", "pow",  "floor", "ceil",      "min",
      "max"};
  for (const char* n : names)
    if (name == n) return true;
  return find_unit(name).has_value();
}

namespace {

struct value {
  node_id id;
  dims d;
  bool boolean;
  std::size_t begin, end;  // text span, for errors
};

class parser {
 public:
  parser(pool& p, const std::string& text,
         const std::function<std::optional<symbol_ref>(const std::string&)>& lookup,
         const std::string& what)
      : p_(p), s_(text), lookup_(lookup), what_(what) {}

  value run() {
    value v = disjunction();
    skip();
    if (i_ < s_.size())
      fail("unexpected '" + s_.substr(i_, 1) + "' at position " + std::to_string(i_ + 1));
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const { throw error("in " + what_ + ": " + msg); }
  std::string term(const value& v) const {
    std::string t(1, '\'');  // appended: GCC 12 warns falsely (-Wrestrict) on "'" + string
    return t.append(trimmed(v.begin, v.end)).append(1, '\'');
  }
  std::string trimmed(std::size_t b, std::size_t e) const {
    while (b < e && std::isspace(static_cast<unsigned char>(s_[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s_[e - 1]))) --e;
    return s_.substr(b, e - b);
  }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool accept(const char* tok) {
    skip();
    const std::size_t n = std::char_traits<char>::length(tok);
    if (s_.compare(i_, n, tok) != 0) return false;
    // Words must end at a word boundary ("and" vs "android"); "*" must not be "**".
    const bool word = std::isalpha(static_cast<unsigned char>(tok[0]));
    if (word && i_ + n < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[i_ + n])) || s_[i_ + n] == '_'))
      return false;
    if (n == 1 && (tok[0] == '*' || tok[0] == '/' || tok[0] == '<' || tok[0] == '>') &&
        i_ + 1 < s_.size() && (s_[i_ + 1] == tok[0] || s_[i_ + 1] == '='))
      return false;
    i_ += n;
    return true;
  }

  value mk(op k, const value& a, const value& b, dims d, bool boolean) {
    const node_id id = p_.bin(k, a.id, b.id);
    value r{id, d, boolean, a.begin, b.end};
    check_finite(r);
    return r;
  }
  void check_finite(const value& v) const {
    const node& n = p_[v.id];
    if (n.k == op::num && !std::isfinite(n.value))
      fail("the term " + term(v) + " is not finite (a division by zero or an overflow)");
  }
  void same_dims(const value& a, const value& b, const char* how) const {
    if (a.d == b.d) return;
    fail(term(a) + " has unit " + dims_name(a.d) + " but " + term(b) + " has unit " +
         dims_name(b.d) + "; they cannot be " + how);
  }
  void dimensionless(const value& a, const std::string& why) const {
    if (!a.d.dimensionless())
      fail(term(a) + " has unit " + dims_name(a.d) + " but " + why + " needs unit 1");
  }

  value disjunction() {
    value a = conjunction();
    while (accept("or")) {
      value b = conjunction();
      dimensionless(a, "'or'");
      dimensionless(b, "'or'");
      a = mk(op::lor, a, b, dims{}, true);
    }
    return a;
  }
  value conjunction() {
    value a = negation();
    while (accept("and")) {
      value b = negation();
      dimensionless(a, "'and'");
      dimensionless(b, "'and'");
      a = mk(op::land, a, b, dims{}, true);
    }
    return a;
  }
  value negation() {
    skip();
    const std::size_t b = i_;
    if (accept("not")) {
      value a = negation();
      dimensionless(a, "'not'");
      return {p_.un(op::lnot, a.id), dims{}, true, b, a.end};
    }
    return comparison();
  }
  value comparison() {
    value a = sum();
    static const std::pair<const char*, op> ops[] = {{"<=", op::le}, {">=", op::ge}, {"==", op::eq},
                                                     {"!=", op::ne}, {"<", op::lt},  {">", op::gt}};
    for (const auto& [tok, k] : ops)
      if (accept(tok)) {
        value b = sum();
        same_dims(a, b, "compared");
        return mk(k, a, b, dims{}, true);
      }
    return a;
  }
  value sum() {
    value a = product();
    for (;;) {
      op k;
      if (accept("+"))
        k = op::add;
      else if (accept("-"))
        k = op::sub;
      else
        return a;
      value b = product();
      same_dims(a, b, k == op::add ? "added" : "subtracted");
      a = mk(k, a, b, a.d, false);
    }
  }
  value product() {
    value a = unary();
    for (;;) {
      op k;
      if (accept("*"))
        k = op::mul;
      else if (accept("/"))
        k = op::div;
      else
        return a;
      value b = unary();
      a = mk(k, a, b, k == op::mul ? a.d * b.d : a.d / b.d, false);
    }
  }
  value unary() {
    skip();
    const std::size_t b = i_;
    if (accept("-")) {
      value a = unary();
      value r{p_.un(op::neg, a.id), a.d, false, b, a.end};
      return r;
    }
    if (accept("+")) return unary();
    return power();
  }
  value power() {
    value a = atom();
    if (!accept("**")) return a;
    value e = unary();  // right-associative, and 2**-1 is allowed
    return raise(a, e);
  }
  value raise(const value& a, const value& e) {
    dimensionless(e, "an exponent");
    dims d{};
    if (!a.d.dimensionless()) {
      const node& en = p_[e.id];
      const double twice = en.k == op::num ? 2 * en.value : NAN;
      const auto pd = twice == std::round(twice) && std::fabs(twice) < 64
                          ? a.d.power_halves(static_cast<int>(twice))
                          : std::nullopt;
      if (!pd)
        fail(term(a) + " has unit " + dims_name(a.d) +
             "; it can only be raised to a constant "
             "multiple of 1/2, not " +
             term(e));
      d = *pd;
    }
    return mk(op::pow, a, e, d, false);
  }

  value atom() {
    skip();
    const std::size_t b = i_;
    if (i_ >= s_.size()) fail("the expression ends early");
    const char c = s_[i_];
    if (c == '(') {
      ++i_;
      value v = disjunction();
      if (!accept(")")) fail("missing ')' for the '(' at position " + std::to_string(b + 1));
      v.begin = b;
      v.end = i_;
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      char* e = nullptr;
      const double x = std::strtod(s_.c_str() + i_, &e);
      const std::size_t n = static_cast<std::size_t>(e - (s_.c_str() + i_));
      if (n == 0) fail("bad number at position " + std::to_string(i_ + 1));
      i_ += n;
      return {p_.num(x), dims{}, false, b, i_};
    }
    if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_'))
      fail("unexpected '" + std::string(1, c) + "' at position " + std::to_string(i_ + 1));
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_'))
      ++i_;
    const std::string name = s_.substr(b, i_ - b);
    skip();
    if (i_ < s_.size() && s_[i_] == '(') {
      ++i_;
      return call(name, b);
    }
    if (name == "True") return {p_.num(1.0), dims{}, true, b, i_};
    if (name == "False") return {p_.num(0.0), dims{}, true, b, i_};
    if (name == "pi") return {p_.num(M_PI), dims{}, false, b, i_};
    if (name == "e") return {p_.num(M_E), dims{}, false, b, i_};
    if (lookup_)
      if (const auto r = lookup_(name)) return {p_.sym(r->id), r->d, false, b, i_};
    if (const auto u = find_unit(name)) return {p_.num(u->factor), u->d, false, b, i_};
    fail("unknown symbol '" + name + "' (not a variable, parameter, function or unit)");
  }

  value call(const std::string& name, std::size_t b) {
    std::vector<value> args;
    if (!accept(")")) {
      do args.push_back(disjunction());
      while (accept(","));
      if (!accept(")")) fail("missing ')' after the arguments of " + name + "()");
    }
    auto want = [&](std::size_t n) {
      if (args.size() != n)
        fail(name + "() takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
             std::to_string(args.size()));
    };
    const std::size_t e = i_;
    auto one = [&](op k, dims d) {
      value r{p_.un(k, args[0].id), d, false, b, e};
      check_finite(r);
      return r;
    };
    static const std::pair<const char*, op> dimensionless_fns[] = {
        {"exp", op::exp}, {"log", op::log}, {"sin", op::sin}, {"cos", op::cos}, {"tanh", op::tanh}};
    for (const auto& [fn, k] : dimensionless_fns)
      if (name == fn) {
        want(1);
        dimensionless(args[0], std::string("the argument of ") + fn + "()");
        return one(k, dims{});
      }
    if (name == "sqrt") {
      want(1);
      const auto d = args[0].d.power_halves(1);
      if (!d) fail(term(args[0]) + " has unit " + dims_name(args[0].d) + "; sqrt() of it has none");
      return one(op::sqrt, *d);
    }
    if (name == "abs" || name == "floor" || name == "ceil") {
      want(1);
      return one(name == "abs" ? op::abs : name == "floor" ? op::floor : op::ceil, args[0].d);
    }
    if (name == "int") {
      want(1);
      dimensionless(args[0], "the argument of int()");
      return one(op::trunc, dims{});
    }
    if (name == "pow") {
      want(2);
      value r = raise(args[0], args[1]);
      r.begin = b;
      r.end = e;
      return r;
    }
    if (name == "min" || name == "max") {
      want(2);
      same_dims(args[0], args[1], ("arguments of the same " + name + "()").c_str());
      value r = mk(name == "min" ? op::min : op::max, args[0], args[1], args[0].d, false);
      r.begin = b;
      r.end = e;
      return r;
    }
    if (name == "clip") {
      want(3);
      same_dims(args[0], args[1], "arguments of the same clip()");
      same_dims(args[0], args[2], "arguments of the same clip()");
      const node n{op::clip, args[0].id, args[1].id, args[2].id};
      return {p_.make(n), args[0].d, false, b, e};
    }
    fail("unknown function '" + name +
         "' (allowed: exp, log, sqrt, pow, abs, sin, cos, tanh, clip, int, floor, ceil, min, "
         "max)");
  }

  pool& p_;
  const std::string& s_;
  const std::function<std::optional<symbol_ref>(const std::string&)>& lookup_;
  const std::string& what_;
  std::size_t i_ = 0;
};

}  // namespace

parsed parse_expression(pool& p, const std::string& text,
                        const std::function<std::optional<symbol_ref>(const std::string&)>& lookup,
                        const std::string& what) {
  parser ps(p, text, lookup, what);
  const value v = ps.run();
  return {v.id, v.d, v.boolean};
}

std::pair<double, dims> parse_quantity(const std::string& text, const std::string& what) {
  pool p;
  const parsed r = parse_expression(p, text, nullptr, what);
  if (p[r.id].k != op::num) throw error("in " + what + ": '" + text + "' is not a constant");
  return {p[r.id].value, r.d};
}

dims parse_unit_declaration(const std::string& text, const std::string& what) {
  return parse_quantity(text, what).second;
}

int arity(op k) {
  switch (k) {
    case op::num:
    case op::sym:
      return 0;
    case op::neg:
    case op::lnot:
    case op::exp:
    case op::log:
    case op::sqrt:
    case op::abs:
    case op::sin:
    case op::cos:
    case op::tanh:
    case op::floor:
    case op::ceil:
    case op::trunc:
      return 1;
    case op::clip:
    case op::where:
    case op::fma:
    case op::fms:
    case op::fnma:
      return 3;
    default:
      return 2;
  }
}

std::vector<int> use_counts(const pool& p, const std::vector<node_id>& order,
                            const std::vector<node_id>& roots) {
  std::vector<int> uses(p.size(), 0);
  for (node_id r : roots) ++uses[r];
  for (node_id i : order) {
    const node& n = p[i];
    const node_id kids[3] = {n.a, n.b, n.c};
    for (int c = 0; c < arity(n.k); ++c) ++uses[kids[c]];
  }
  return uses;
}

std::vector<node_id> post_order(const pool& p, const std::vector<node_id>& roots) {
  std::vector<node_id> order;
  std::vector<bool> seen(p.size(), false);
  std::vector<std::pair<node_id, bool>> stack;
  for (node_id root : roots) {
    stack.push_back({root, false});
    while (!stack.empty()) {
      auto [i, expanded] = stack.back();
      stack.pop_back();
      if (expanded) {
        order.push_back(i);
        continue;
      }
      if (seen[i]) continue;
      seen[i] = true;
      stack.push_back({i, true});
      const node& n = p[i];
      const node_id kids[3] = {n.a, n.b, n.c};
      for (int c = arity(n.k) - 1; c >= 0; --c)
        if (!seen[kids[c]]) stack.push_back({kids[c], false});
    }
  }
  return order;
}

}  // namespace myelin::detail::eq

// A definition evaluated once at its defaults: a term that turns finite values into inf
// or NaN there (a division by zero, the log of 0, an overflowing exp) would poison the
// first step, so it is refused with the equation and the term named (system.hpp).

#include <cmath>
#include <cstdio>
#include <map>

#include "equations/system.hpp"
#include "myelin/error.hpp"

namespace myelin::detail::eq {
namespace {

const char* infix(op k) {
  switch (k) {
    case op::add:
      return " + ";
    case op::sub:
      return " - ";
    case op::mul:
      return "*";
    case op::div:
      return "/";
    case op::pow:
      return "**";
    case op::lt:
      return " < ";
    case op::le:
      return " <= ";
    case op::gt:
      return " > ";
    case op::ge:
      return " >= ";
    case op::eq:
      return " == ";
    case op::ne:
      return " != ";
    case op::land:
      return " and ";
    case op::lor:
      return " or ";
    default:
      return nullptr;
  }
}

const char* function(op k) {
  switch (k) {
    case op::exp:
      return "exp";
    case op::log:
      return "log";
    case op::sqrt:
      return "sqrt";
    case op::abs:
      return "abs";
    case op::sin:
      return "sin";
    case op::cos:
      return "cos";
    case op::tanh:
      return "tanh";
    case op::floor:
      return "floor";
    case op::ceil:
      return "ceil";
    case op::trunc:
      return "int";
    case op::clip:
      return "clip";
    case op::min:
      return "min";
    case op::max:
      return "max";
    default:
      return "";
  }
}

// A node as text (numbers in myelin's internal units), for errors.
std::string text(const system& s, node_id i) {
  const node& n = s.p[i];
  if (n.k == op::sym) return s.syms[n.sym].name;
  if (n.k == op::num) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", n.value);
    return b;
  }
  if (n.k == op::neg) return "-(" + text(s, n.a) + ")";
  if (n.k == op::lnot) return "not (" + text(s, n.a) + ")";
  if (const char* in = infix(n.k)) {
    std::string r = "(";
    r.append(text(s, n.a)).append(in).append(text(s, n.b)).append(")");
    return r;
  }
  std::string r = function(n.k);
  r.append("(").append(text(s, n.a));
  if (n.b != no_node) r.append(", ").append(text(s, n.b));
  if (n.c != no_node) r.append(", ").append(text(s, n.c));
  return r.append(")");
}

struct evaluator {
  const system& s;
  const std::string& field;
  std::map<int, double> values;  // symbol -> value at the defaults
  std::map<node_id, double> memo;
  std::string where;  // the statement being evaluated

  double sym(int id) {
    if (auto it = values.find(id); it != values.end()) return it->second;
    const symbol& y = s.syms[id];
    double v = 0;
    if (y.kind == sym_kind::sub) {
      const std::string outer = where;
      where = y.source;
      v = eval(y.def);
      where = outer;
    }
    values[id] = v;
    return v;
  }

  double eval(node_id i) {
    if (auto it = memo.find(i); it != memo.end()) return it->second;
    const node& n = s.p[i];
    double v;
    if (n.k == op::num) {
      v = n.value;
    } else if (n.k == op::sym) {
      v = sym(n.sym);
    } else {
      const double a = eval(n.a), b = n.b == no_node ? 0 : eval(n.b),
                   c = n.c == no_node ? 0 : eval(n.c);
      v = apply(n.k, a, b, c);
      if (!std::isfinite(v) && std::isfinite(a) && std::isfinite(b) && std::isfinite(c))
        throw model_error(field, "in equation '" + where + "': the term '" + text(s, i) + "' is " +
                                     (std::isnan(v) ? "NaN" : "infinite") +
                                     " at the default values (parameters and initial "
                                     "values in mV, nA, uS, nF, ms)");
    }
    memo[i] = v;
    return v;
  }
};

}  // namespace

void check_finite_at_defaults(const system& sys, const std::string& field) {
  evaluator e{sys, field, {}, {}, {}};
  for (std::size_t k = 0; k < sys.states.size(); ++k)
    e.values[sys.states[k]] = sys.state_default[k];
  for (std::size_t k = 0; k < sys.params.size(); ++k)
    e.values[sys.params[k]] = sys.param_default[k];
  for (std::size_t i = 0; i < sys.syms.size(); ++i) {
    const symbol& y = sys.syms[i];
    if (y.def == no_node || y.source.empty()) continue;  // receptor equations: parameters only
    e.where = y.source;
    if (y.kind == sym_kind::sub)
      e.sym(static_cast<int>(i));
    else
      e.eval(y.def);
  }
}

}  // namespace myelin::detail::eq

// The integration methods (integrate.hpp): Brian2's euler, rk2, rk4 and
// exponential_euler written over expression DAGs, and the exact method for linear
// systems through per-cell propagator matrices.

#include "equations/integrate.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "myelin/error.hpp"

namespace myelin::detail::eq {
namespace {

using split_t = std::optional<std::pair<node_id, node_id>>;

// f = A * x + B with A and B free of x, following sums, products and quotients; nullopt
// if f is not of that form (a symbolic simplifier might still find one, as Brian2's
// sympy does for, e.g., x*x/x; such equations fall to the next method).
split_t split(pool& p, node_id i, int x) {
  auto is_x = [x](int s) { return s == x; };
  if (!p.depends(i, is_x)) return std::pair{p.num(0.0), i};
  const node n = p[i];
  switch (n.k) {
    case op::sym:
      return std::pair{p.num(1.0), p.num(0.0)};
    case op::neg: {
      const auto a = split(p, n.a, x);
      if (!a) return std::nullopt;
      return std::pair{p.un(op::neg, a->first), p.un(op::neg, a->second)};
    }
    case op::add:
    case op::sub: {
      const auto a = split(p, n.a, x), b = split(p, n.b, x);
      if (!a || !b) return std::nullopt;
      return std::pair{p.bin(n.k, a->first, b->first), p.bin(n.k, a->second, b->second)};
    }
    case op::mul: {
      const bool da = p.depends(n.a, is_x), db = p.depends(n.b, is_x);
      if (da && db) return std::nullopt;
      const auto s = split(p, da ? n.a : n.b, x);
      if (!s) return std::nullopt;
      const node_id other = da ? n.b : n.a;
      return std::pair{p.bin(op::mul, s->first, other), p.bin(op::mul, s->second, other)};
    }
    case op::div: {
      if (p.depends(n.b, is_x)) return std::nullopt;
      const auto s = split(p, n.a, x);
      if (!s) return std::nullopt;
      return std::pair{p.bin(op::div, s->first, n.b), p.bin(op::div, s->second, n.b)};
    }
    default:
      return std::nullopt;
  }
}

node_id add(pool& p, node_id a, node_id b) {
  return p.bin(op::add, a, b);
}
node_id mul(pool& p, node_id a, node_id b) {
  return p.bin(op::mul, a, b);
}

// f with the states replaced by `x` and t by `t`.
node_id at(system& s, node_id f, const std::vector<node_id>& x, node_id t) {
  return s.p.substitute(f, [&](int sym) -> std::optional<node_id> {
    if (sym == s.t) return t;
    for (std::size_t k = 0; k < s.states.size(); ++k)
      if (s.states[k] == sym) return x[k];
    return std::nullopt;
  });
}

std::vector<node_id> explicit_rk(system& s, const std::string& m) {
  pool& p = s.p;
  const std::size_t n = s.states.size();
  const node_id dt = p.sym(s.dt), t = p.sym(s.t), half = p.num(0.5);
  std::vector<node_id> x(n);
  for (std::size_t k = 0; k < n; ++k) x[k] = p.sym(s.states[k]);
  // k = dt * f(x + c * kprev, t + c dt)
  auto stage = [&](const std::vector<node_id>& prev, node_id c, node_id tc) {
    std::vector<node_id> xs(n), out(n);
    for (std::size_t k = 0; k < n; ++k)
      xs[k] = prev.empty() ? x[k] : add(p, x[k], mul(p, prev[k], c));
    for (std::size_t k = 0; k < n; ++k) out[k] = mul(p, dt, at(s, s.rhs[k], xs, tc));
    return out;
  };
  std::vector<node_id> next(n);
  if (m == "euler") {
    const auto k1 = stage({}, p.num(0), t);
    for (std::size_t k = 0; k < n; ++k) next[k] = add(p, x[k], k1[k]);
  } else if (m == "rk2") {
    // Brian2: k = dt*f(x,t); x_new = x + dt*f(x + k/2, t + dt/2)
    const auto k1 = stage({}, p.num(0), t);
    std::vector<node_id> k1h(n);
    for (std::size_t k = 0; k < n; ++k) k1h[k] = p.bin(op::div, k1[k], p.num(2));
    const auto k2 = stage(k1h, p.num(1), add(p, t, p.bin(op::div, dt, p.num(2))));
    for (std::size_t k = 0; k < n; ++k) next[k] = add(p, x[k], k2[k]);
  } else {
    // Brian2's rk4: x_new = x + (k_1 + 2*k_2 + 2*k_3 + k_4)/6
    std::vector<node_id> prev;
    auto halves = [&](const std::vector<node_id>& kk) {
      std::vector<node_id> r(n);
      for (std::size_t k = 0; k < n; ++k) r[k] = p.bin(op::div, kk[k], p.num(2));
      return r;
    };
    const node_id tm = add(p, t, p.bin(op::div, dt, p.num(2)));
    const auto k1 = stage({}, p.num(0), t);
    const auto k2 = stage(halves(k1), p.num(1), tm);
    const auto k3 = stage(halves(k2), p.num(1), tm);
    const auto k4 = stage(k3, p.num(1), add(p, t, dt));
    (void)half;
    for (std::size_t k = 0; k < n; ++k) {
      const node_id two = p.num(2);
      node_id sum = add(p, add(p, add(p, k1[k], mul(p, two, k2[k])), mul(p, two, k3[k])), k4[k]);
      next[k] = add(p, x[k], p.bin(op::div, sum, p.num(6)));
    }
  }
  return next;
}

// Brian2's exponential_euler: x' = (x + B/A) exp(A dt) - B/A with A, B at the step start.
std::optional<std::vector<node_id>> exponential_euler(system& s) {
  pool& p = s.p;
  std::vector<node_id> next;
  const node_id dt = p.sym(s.dt);
  for (std::size_t k = 0; k < s.states.size(); ++k) {
    const auto ab = split(p, s.rhs[k], s.states[k]);
    if (!ab) return std::nullopt;
    const node_id x = p.sym(s.states[k]);
    const auto [a, b] = *ab;
    if (p.is_num(a, 0.0)) {
      next.push_back(add(p, x, mul(p, dt, b)));
    } else if (p.is_num(b, 0.0)) {
      next.push_back(mul(p, x, p.un(op::exp, mul(p, a, dt))));
    } else {
      const node_id ba = p.bin(op::div, b, a);
      next.push_back(p.bin(op::sub, mul(p, add(p, x, ba), p.un(op::exp, mul(p, a, dt))), ba));
    }
  }
  return next;
}

// The exact method: every right-hand side affine in the states with coefficients that
// depend on parameters only; the inhomogeneous part may also use the injected current.
bool exact(system& s, step_dag& out) {
  pool& p = s.p;
  const std::size_t n = s.states.size();
  auto varying = [&](int sym) {
    const sym_kind k = s.syms[sym].kind;
    return k == sym_kind::state || k == sym_kind::time || k == sym_kind::current;
  };
  std::vector<node_id> coef(n * n), b(n);
  for (std::size_t i = 0; i < n; ++i) {
    node_id rest = s.rhs[i];
    for (std::size_t j = 0; j < n; ++j) {
      const auto ab = split(p, rest, s.states[j]);
      if (!ab || p.depends(ab->first, varying)) return false;
      coef[i * n + j] = ab->first;
      rest = ab->second;
    }
    if (p.depends(rest, [&](int sym) {
          return s.syms[sym].kind == sym_kind::state || s.syms[sym].kind == sym_kind::time;
        }))
      return false;
    b[i] = rest;
  }
  out.coef = coef;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const std::string ij = std::to_string(i) + "_" + std::to_string(j);
      out.prop_e.push_back(s.add({"_E_" + ij, sym_kind::internal, dims{}}));
      out.prop_g.push_back(s.add({"_G_" + ij, sym_kind::internal, dims{}}));
    }
  for (std::size_t i = 0; i < n; ++i) {
    node_id v = p.num(0.0);
    for (std::size_t j = 0; j < n; ++j) {
      v = add(p, v, mul(p, p.sym(out.prop_e[i * n + j]), p.sym(s.states[j])));
      if (!p.is_num(b[j], 0.0)) v = add(p, v, mul(p, p.sym(out.prop_g[i * n + j]), b[j]));
    }
    out.next.push_back(v);
  }
  return true;
}

// x ** k for small integer k as products (the same arithmetic in every backend).
node_id expand_powers(pool& p, node_id i) {
  const node n = p[i];
  if (n.k == op::num || n.k == op::sym) return i;
  node m = n;
  if (n.a != no_node) m.a = expand_powers(p, n.a);
  if (n.b != no_node) m.b = expand_powers(p, n.b);
  if (n.c != no_node) m.c = expand_powers(p, n.c);
  if (m.k == op::pow && p[m.b].k == op::num) {
    const double e = p[m.b].value;
    if (e == std::round(e) && std::fabs(e) >= 2 && std::fabs(e) <= 8) {
      const int k = static_cast<int>(std::fabs(e));
      node_id r = no_node, sq = m.a;
      for (int bit = k; bit; bit >>= 1) {
        if (bit & 1) r = r == no_node ? sq : mul(p, r, sq);
        if (bit >> 1) sq = mul(p, sq, sq);
      }
      return e < 0 ? p.bin(op::div, p.num(1.0), r) : r;
    }
    if (e == 0.5) return p.un(op::sqrt, m.a);
  }
  return p.make(m);
}

}  // namespace

const char* method_names() {
  return "exact, exponential_euler, euler, rk2, rk4";
}

step_dag integrate(system& s, const std::string& field) {
  step_dag out;
  pool& p = s.p;
  for (node_id& r : s.rhs) r = expand_powers(p, r);
  if (s.threshold != no_node) s.threshold = expand_powers(p, s.threshold);
  for (auto& r : s.reset) r.value = expand_powers(p, r.value);
  const std::string& m = s.method_requested;
  if (!m.empty() && m != "exact" && m != "linear" && m != "exponential_euler" && m != "euler" &&
      m != "rk2" && m != "rk4")
    throw model_error(field, "unknown method '" + m + "' (allowed: " + method_names() + ")");
  if (m.empty() || m == "exact" || m == "linear") {
    if (exact(s, out)) {
      out.method = "exact";
    } else if (!m.empty()) {
      throw model_error(field,
                        "the equations are not linear with constant coefficients, so "
                        "'exact' cannot integrate them (try exponential_euler or rk4)");
    }
  }
  if (out.method.empty() && (m.empty() || m == "exponential_euler")) {
    if (auto next = exponential_euler(s)) {
      out.next = *next;
      out.method = "exponential_euler";
    } else if (!m.empty()) {
      throw model_error(field,
                        "an equation is not linear in its own variable, so "
                        "'exponential_euler' cannot integrate it (try rk4)");
    }
  }
  if (out.method.empty()) {
    out.method = m.empty() ? "rk4" : m;
    out.next = explicit_rk(s, out.method);
  }
  // Refractoriness (Brian2's NeuronGroup): not_refractory is computed from the state at
  // the step start; equations marked (unless refractory) keep their values while it is 0.
  node_id nr = no_node;
  if (s.refractory == refractory_kind::time) {
    out.lastspike = s.add({"lastspike", sym_kind::internal, find_unit("second")->d});
    // Brian2's timestep(x, dt) = int((x + 1e-3 dt) / dt).
    const node_id dt = p.sym(s.dt), eps = mul(p, p.num(1e-3), dt);
    auto steps = [&](node_id x) { return p.un(op::trunc, p.bin(op::div, add(p, x, eps), dt)); };
    nr = p.bin(op::ge, steps(p.bin(op::sub, p.sym(s.t), p.sym(out.lastspike))),
               steps(s.refractory_expr));
  } else if (s.refractory == refractory_kind::condition) {
    out.not_refractory = s.add({"not_refractory", sym_kind::internal, dims{}});
    nr = p.bin(op::lor, p.sym(out.not_refractory), p.un(op::lnot, s.refractory_expr));
    out.not_refractory_next = nr;
  }
  if (nr != no_node)
    for (std::size_t k = 0; k < s.states.size(); ++k)
      if (s.syms[s.states[k]].unless_refractory)
        out.next[k] = p.make({op::where, nr, out.next[k], p.sym(s.states[k])});
  if (s.threshold != no_node) {
    std::vector<node_id> after = out.next;
    // Brian2 tests the threshold on the new state while its clock still reads the
    // step's start time.
    node_id th = at(s, s.threshold, after, p.sym(s.t));
    out.spike = nr == no_node ? th : p.bin(op::land, th, nr);
  }
  return out;
}

void propagators(int n, const double* a, double h, double* e, double* g) {
  const int m = 2 * n;
  std::vector<double> x(m * m, 0.0), term(m * m), sum(m * m), tmp(m * m);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) x[i * m + j] = a[i * n + j] * h;
    x[i * m + n + i] = h;
  }
  double norm = 0;
  for (int i = 0; i < m; ++i) {
    double r = 0;
    for (int j = 0; j < m; ++j) r += std::fabs(x[i * m + j]);
    norm = std::fmax(norm, r);
  }
  int squarings = 0;
  while (norm > 0.25) {
    norm /= 2;
    ++squarings;
  }
  const double scale = std::ldexp(1.0, -squarings);
  for (double& v : x) v *= scale;
  auto matmul = [m](const std::vector<double>& l, const std::vector<double>& r,
                    std::vector<double>& o) {
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < m; ++j) {
        double acc = 0;
        for (int k = 0; k < m; ++k) acc += l[i * m + k] * r[k * m + j];
        o[i * m + j] = acc;
      }
  };
  // Taylor series to degree 18: for a norm <= 1/4 the remainder is below 1e-22.
  std::fill(sum.begin(), sum.end(), 0.0);
  std::fill(term.begin(), term.end(), 0.0);
  for (int i = 0; i < m; ++i) sum[i * m + i] = term[i * m + i] = 1.0;
  for (int k = 1; k <= 18; ++k) {
    matmul(term, x, tmp);
    for (int i = 0; i < m * m; ++i) term[i] = tmp[i] / k;
    for (int i = 0; i < m * m; ++i) sum[i] += term[i];
  }
  for (int s = 0; s < squarings; ++s) {
    matmul(sum, sum, tmp);
    sum.swap(tmp);
  }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      e[i * n + j] = sum[i * m + j];
      g[i * n + j] = sum[i * m + n + j];
    }
}

}  // namespace myelin::detail::eq

// Rewrites of a step's expression DAG: fewer divisions, fused multiply-adds
// (rewrite.hpp).

#include "equations/rewrite.hpp"

#include <cmath>
#include <unordered_map>

namespace myelin::detail::eq {
namespace {

std::vector<node_id> roots_of(const outputs& out) {
  std::vector<node_id> roots;
  for (const auto& o : out) roots.push_back(o.first);
  return roots;
}

// A value as numerator / denominator; d == no_node: the plain value n. deg: how many
// carried denominators are multiplied in d.
struct frac {
  node_id n = no_node, d = no_node;
  int deg = 0;
  bool plain() const { return d == no_node; }
};

constexpr int max_deg = 2;
// A carried denominator factor is at least this: two of them multiplied stay normal.
constexpr double min_bound = 1e-100;

// Lower bounds of node values from the DAG alone, whatever the symbols' values
// (memoised): > 0 proven at least that, 0 proven >= 0 (or NaN only from NaN operands),
// < 0 nothing known.
class lower_bounds {
 public:
  explicit lower_bounds(const pool& p) : p_(p) {}

  // Whether the node is at least min_bound: a denominator that may be carried.
  bool carriable(node_id i) { return bound(i) >= min_bound; }

  double bound(node_id i) {
    if (auto it = bound_.find(i); it != bound_.end()) return it->second;
    const node& n = p_[i];
    double b = -1;
    switch (n.k) {
      case op::num:
        b = std::isfinite(n.value) && n.value >= 0 ? n.value : -1;
        break;
      case op::exp:
        b = 0;
        break;
      case op::add:
      case op::mul: {
        const double x = bound(n.a), y = bound(n.b);
        b = x < 0 || y < 0 ? -1 : n.k == op::add ? x + y : x * y;
        break;
      }
      case op::div:
        b = bound(n.a) >= 0 && bound(n.b) > 0 ? 0 : -1;
        break;
      default:
        break;
    }
    bound_[i] = b;
    return b;
  }

 private:
  const pool& p_;
  std::unordered_map<node_id, double> bound_;
};

class division_combiner {
 public:
  explicit division_combiner(pool& p) : p_(p), bounds_(p) {}

  outputs run(const outputs& out) {
    const std::vector<node_id> roots = roots_of(out);
    const std::vector<node_id> order = post_order(p_, roots);
    const std::vector<int> uses = use_counts(p_, order, roots);
    std::unordered_map<node_id, frac> f;
    for (node_id i : order) {
      frac r = rewrite(i, f);
      // A full denominator used several times is divided once, here: its users could
      // not carry it further anyway.
      if (uses[i] > 1 && r.deg == max_deg) r = plain(r);
      f[i] = r;
    }
    outputs res;
    for (const auto& [root, col] : out) res.push_back({value(f.at(root)), col});
    return res;
  }

 private:
  pool& p_;
  lower_bounds bounds_;

  node_id mul(node_id a, node_id b) { return p_.bin(op::mul, a, b); }
  // The product of two optional denominators.
  node_id den_mul(node_id a, node_id b) { return a == no_node ? b : b == no_node ? a : mul(a, b); }
  node_id value(const frac& x) { return x.plain() ? x.n : p_.bin(op::div, x.n, x.d); }
  frac plain(const frac& x) { return {value(x), no_node, 0}; }

  bool carriable(node_id i) { return bounds_.carriable(i); }

  frac rewrite(node_id i, const std::unordered_map<node_id, frac>& f) {
    const node n = p_[i];  // a copy: the pool grows below
    switch (n.k) {
      case op::num:
      case op::sym:
        return {i, no_node, 0};
      case op::neg: {
        const frac a = f.at(n.a);
        return {p_.un(op::neg, a.n), a.d, a.deg};
      }
      case op::add:
      case op::sub:
      case op::mul: {
        frac a = f.at(n.a), b = f.at(n.b);
        const bool same = n.k != op::mul && !a.plain() && a.d == b.d;
        while (!same && a.deg + b.deg > max_deg) {
          frac& larger = a.deg >= b.deg ? a : b;
          larger = plain(larger);
        }
        if (n.k == op::mul) return {mul(a.n, b.n), den_mul(a.d, b.d), a.deg + b.deg};
        if (same) return {p_.bin(n.k, a.n, b.n), a.d, a.deg};
        // a/x +- b/y = (a y +- b x) / (x y)
        const node_id l = b.plain() ? a.n : mul(a.n, b.d);
        const node_id r = a.plain() ? b.n : mul(b.n, a.d);
        return {p_.bin(n.k, l, r), den_mul(a.d, b.d), a.deg + b.deg};
      }
      case op::div: {
        frac a = f.at(n.a);
        const frac b = f.at(n.b);
        // (a/x) / (b/y) = (a y) / (x b): b becomes a carried factor, as large as y
        // (b = c y + d, say), so it counts as many as y does, and at least one.
        const int bdeg = b.deg > 1 ? b.deg : 1;
        if (!carriable(b.n)) return {p_.bin(op::div, value(a), value(b)), no_node, 0};
        if (a.deg + bdeg > max_deg) a = plain(a);
        return {b.plain() ? a.n : mul(a.n, b.d), den_mul(a.d, b.n), a.deg + bdeg};
      }
      default: {
        node m = n;
        m.a = value(f.at(n.a));
        if (arity(n.k) > 1) m.b = value(f.at(n.b));
        if (arity(n.k) > 2) m.c = value(f.at(n.c));
        return {p_.make(m), no_node, 0};
      }
    }
  }
};

}  // namespace

outputs combine_divisions(pool& p, const outputs& out) {
  return division_combiner(p).run(out);
}

outputs fuse_multiply_add(pool& p, const outputs& out) {
  const std::vector<node_id> roots = roots_of(out);
  const std::vector<node_id> order = post_order(p, roots);
  const std::vector<int> uses = use_counts(p, order, roots);
  // Bottom-up: every node's operands are rewritten before it (post order).
  std::vector<node_id> to(p.size(), no_node);
  auto single_product = [&](node_id i) { return p[i].k == op::mul && uses[i] == 1; };
  for (node_id i : order) {
    const node n = p[i];  // a copy: make() may grow the pool
    if (n.k == op::num || n.k == op::sym) {
      to[i] = i;
      continue;
    }
    node m = n;
    m.a = to[n.a];
    if (n.b != no_node) m.b = to[n.b];
    if (n.c != no_node) m.c = to[n.c];
    if (n.k == op::add || n.k == op::sub) {
      if (single_product(n.a) && p[m.a].k == op::mul) {
        const node x = p[m.a];
        m = {n.k == op::add ? op::fma : op::fms, x.a, x.b, m.b, 0, -1};
      } else if (single_product(n.b) && p[m.b].k == op::mul) {
        const node y = p[m.b];
        m = {n.k == op::add ? op::fma : op::fnma, y.a, y.b, m.a, 0, -1};
      }
    }
    to[i] = p.make(m);
  }
  outputs res;
  for (const auto& [root, col] : out) res.push_back({to[root], col});
  return res;
}

}  // namespace myelin::detail::eq

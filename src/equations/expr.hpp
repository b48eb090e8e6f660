#pragma once
// Expressions of Brian2's equation notation, as a DAG of interned nodes (equal
// subexpressions are one node, so a program compiled from them computes each once),
// folded where constant, with their physical dimensions checked while parsing
// (docs/equations.md).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "equations/units.hpp"

namespace myelin::detail::eq {

enum class op : uint8_t {
  num,  // value
  sym,  // symbol `sym`
  neg,
  add,
  sub,
  mul,
  div,
  pow,
  lt,
  le,
  gt,
  ge,
  eq,
  ne,
  land,
  lor,
  lnot,
  exp,
  log,
  sqrt,
  abs,
  sin,
  cos,
  tanh,
  floor,
  ceil,
  trunc,  // int()
  clip,   // clip(a, lo=b, hi=c)
  min,
  max,
  where,  // a != 0 ? b : c (made by the integrators, not written by users)
  // Fused multiply-adds, one rounding (made by fuse_multiply_add, not written by users):
  fma,   // a * b + c
  fms,   // a * b - c
  fnma,  // c - a * b
};

/// How many operands a node of kind k has (0 for numbers and symbols).
int arity(op k);

using node_id = uint32_t;
constexpr node_id no_node = ~node_id{0};

struct node {
  op k = op::num;
  node_id a = no_node, b = no_node, c = no_node;
  double value = 0;  // num
  int sym = -1;      // sym
  friend bool operator==(const node&, const node&) = default;
};

/// Interned nodes. make() folds constants and the identities x+0, x*1, x*0 (x finite
/// is not known, so x*0 is only folded for x a number), and returns the existing node
/// for an equal one.
class pool {
 public:
  node_id make(node n);
  node_id num(double v) { return make({op::num, no_node, no_node, no_node, v, -1}); }
  node_id sym(int s) { return make({op::sym, no_node, no_node, no_node, 0, s}); }
  node_id un(op k, node_id a) { return make({k, a}); }
  node_id bin(op k, node_id a, node_id b) { return make({k, a, b}); }
  const node& operator[](node_id i) const { return nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }
  bool is_num(node_id i, double v) const { return nodes_[i].k == op::num && nodes_[i].value == v; }
  /// True if the subtree at `i` refers to a symbol for which `pred` holds.
  bool depends(node_id i, const std::function<bool(int)>& pred) const;
  /// The tree with every symbol s for which `f(s)` gives a node replaced by it.
  node_id substitute(node_id i, const std::function<std::optional<node_id>(int)>& f);

 private:
  struct hasher {
    std::size_t operator()(const node& n) const;
  };
  std::vector<node> nodes_;
  std::unordered_map<node, node_id, hasher> index_;
};

/// Evaluates op `k` on scalars (the folding rules and the interpreter agree on these).
double apply(op k, double a, double b, double c);

/// A symbol as the parser sees it: its id (node sym) and dimension.
struct symbol_ref {
  int id;
  dims d;
};

/// Every node the roots need, each once, operands before the nodes that use them (the
/// roots in their order, each after what it needs).
std::vector<node_id> post_order(const pool& p, const std::vector<node_id>& roots);

/// How often each node of `p` is a root or an operand of a node in `order` (a post_order
/// of `roots`): the uses a value has before its slot can be reused or it can be fused.
std::vector<int> use_counts(const pool& p, const std::vector<node_id>& order,
                            const std::vector<node_id>& roots);

/// Parses `text` into `p`. `lookup` gives the symbols the expression may use; other
/// identifiers are Brian2's unit names (constants) or an error. `what` names the
/// equation in errors ("equation 'dv/dt = ...'"). Errors are myelin::error with one line
/// that names the equation, the term and, for a unit mismatch, both units.
struct parsed {
  node_id id;
  dims d;
  bool boolean;  // a comparison or logical result
};
parsed parse_expression(pool& p, const std::string& text,
                        const std::function<std::optional<symbol_ref>(const std::string&)>& lookup,
                        const std::string& what);

/// A constant with a unit ("140*nS", "-65*mV", "0.5"): value in internal units and its
/// dimension. Symbols are not allowed.
std::pair<double, dims> parse_quantity(const std::string& text, const std::string& what);

/// The dimension named by a unit declaration ("volt", "amp/meter**2", "1").
dims parse_unit_declaration(const std::string& text, const std::string& what);

/// Brian2's reserved names (t, dt, i, N, xi, ...), functions and constants: not usable as
/// variable names.
bool reserved_name(const std::string& name);

}  // namespace myelin::detail::eq

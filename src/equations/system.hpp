#pragma once
// A cell type's equations, parsed and checked (docs/equations.md): symbols with their
// dimensions, the right-hand side of every differential equation with subexpressions
// inlined, threshold, reset and refractoriness, receptors, and defaults in internal
// units. Built from a cell_type_spec by parse_system; every error is a model_error that
// names the field (cell_types.<name>.<field>), the equation and the term.

#include <map>
#include <string>
#include <vector>

#include "equations/expr.hpp"
#include "myelin/model.hpp"

namespace myelin::detail::eq {

enum class sym_kind : uint8_t {
  state,     // a differential equation's variable (also receptor variables)
  sub,       // a subexpression (inlined)
  param,     // a parameter: one value per cell, changed only between segments
  current,   // the current of current sources during the step [nA]
  time,      // t at the start of the step [ms]
  step,      // dt [ms]
  internal,  // lastspike, not_refractory, propagators of the exact method
};

struct symbol {
  std::string name;
  sym_kind kind;
  dims d;
  node_id def = no_node;  // sub: its expression (as written, not inlined)
  bool unless_refractory = false;
  std::string source;  // the statement that defines it, for errors
};

struct reset_assign {
  int target;     // a state symbol
  node_id value;  // over the values before the reset (earlier statements substituted)
};

struct receptor_def {
  std::string name;
  int var;        // state symbol that takes the weight (exponential), or
  int rise = -1;  // alpha: the rising state that takes e * weight; var follows it
  bool conductance;
  node_id tau;  // over parameters
};

enum class refractory_kind : uint8_t { none, time, condition };

struct system {
  std::string name;
  pool p;
  std::vector<symbol> syms;
  std::map<std::string, int> by_name;
  std::vector<int> states;  // symbol ids, in declaration order (receptor variables last)
  std::vector<int> params;  // symbol ids, sorted by name
  std::vector<double> state_default, param_default;  // internal units, parallel
  std::vector<node_id> rhs;                          // d(state)/dt, subexpressions inlined
  node_id threshold = no_node;                       // boolean, subexpressions inlined
  std::vector<reset_assign> reset;
  refractory_kind refractory = refractory_kind::none;
  node_id refractory_expr = no_node;  // a time [ms] or a condition
  std::vector<receptor_def> receptors;
  int current = -1, t = -1, dt = -1;
  std::string method_requested;  // as given ("" = automatic)

  int add(symbol s);
  /// The tree with every subexpression symbol replaced by its (inlined) definition.
  node_id inline_subs(node_id i);
};

/// Refuses a definition whose equations give inf or NaN from finite values at its
/// defaults (parameter defaults, default initial values, no current, t = 0): a
/// model_error naming `field`, the equation and the term (check.cpp).
void check_finite_at_defaults(const system& sys, const std::string& field);

/// Parses and checks a definition. `field` is the JSON path of the definition
/// ("cell_types.kenyon").
system parse_system(const std::string& name, const cell_type_spec& spec, const std::string& field);

}  // namespace myelin::detail::eq

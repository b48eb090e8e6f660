// Compiling a definition into a cell type and registering it (cell_type.hpp).

#include "equations/cell_type.hpp"

#include <map>
#include <mutex>

#include "cells/cell_group.hpp"
#include "equations/rewrite.hpp"
#include "myelin/error.hpp"

namespace myelin::detail::eq {
namespace {

// The definition as text, field by field: two definitions are the same type exactly when
// their texts are equal.
std::string canonical(const cell_type_spec& s) {
  std::string t = "equations\n" + s.equations + "\nparameters\n";
  for (const auto& [k, v] : s.parameters) t += k + "=" + v + "\n";
  t += "initial\n";
  for (const auto& [k, v] : s.initial) t += k + "=" + v + "\n";
  t += "threshold\n" + s.threshold + "\nreset\n" + s.reset + "\nrefractory\n" + s.refractory +
       "\nmethod\n" + s.method + "\ncurrent\n" + s.current + "\nreceptors\n";
  for (const auto& r : s.receptors)
    t += r.name + "|" + r.variable + "|" + r.kind + "|" + r.shape + "|" + r.tau + "\n";
  return t;
}

}  // namespace

std::shared_ptr<const compiled_type> compile_cell_type(const std::string& name,
                                                       const cell_type_spec& spec,
                                                       const std::string& f) {
  auto ct = std::make_shared<compiled_type>();
  ct->sys = parse_system(name, spec, f);
  ct->dag = integrate(ct->sys, f + ".method");
  system& sys = ct->sys;
  const step_dag& dag = ct->dag;
  ct->column_of_symbol.assign(sys.syms.size(), -1);
  auto add_col = [&](const std::string& n) {
    ct->column_names.push_back(n);
    return static_cast<int>(ct->column_names.size() - 1);
  };
  for (int s : sys.states) ct->column_of_symbol[s] = add_col(sys.syms[s].name);
  for (int s : sys.params) ct->column_of_symbol[s] = add_col(sys.syms[s].name);
  ct->n_states = static_cast<int>(sys.states.size());
  ct->n_params = static_cast<int>(sys.params.size());
  for (std::size_t s = 0; s < sys.syms.size(); ++s)
    if (sys.syms[s].kind == sym_kind::internal) ct->column_of_symbol[s] = add_col(sys.syms[s].name);
  if (sys.current >= 0) ct->col_current = ct->column_of_symbol[sys.current] = add_col("_current");
  ct->col_t = ct->column_of_symbol[sys.t] = add_col("_t");
  ct->col_dt = ct->column_of_symbol[sys.dt] = add_col("_dt");
  if (dag.spike != no_node) ct->col_spike = add_col("_spike");
  if (dag.not_refractory >= 0) ct->col_nr = ct->column_of_symbol[dag.not_refractory];
  if (dag.lastspike >= 0) ct->col_lastspike = ct->column_of_symbol[dag.lastspike];
  for (std::size_t k = 0; k < dag.coef.size(); ++k)
    ct->col_coef.push_back(add_col("_coef_" + std::to_string(k)));
  std::vector<int> subs;  // symbol ids of the subexpressions, in declaration order
  for (std::size_t s = 0; s < sys.syms.size(); ++s)
    if (sys.syms[s].kind == sym_kind::sub) {
      subs.push_back(static_cast<int>(s));
      ct->col_sub.push_back(add_col(sys.syms[s].name));
    }
  for (int s : dag.prop_e) ct->col_prop_e.push_back(ct->column_of_symbol[s]);
  for (int s : dag.prop_g) ct->col_prop_g.push_back(ct->column_of_symbol[s]);
  const int n_cols = static_cast<int>(ct->column_names.size());
  const auto column_of = [ct](int s) {
    const int c = ct->column_of_symbol[s];
    if (c < 0) throw internal_error("symbol '" + ct->sys.syms[s].name + "' has no column");
    return c;
  };
  std::vector<std::pair<node_id, int>> out;
  for (int k = 0; k < ct->n_states; ++k) out.push_back({dag.next[k], k});
  if (ct->col_spike >= 0) out.push_back({dag.spike, ct->col_spike});
  if (ct->col_nr >= 0) out.push_back({dag.not_refractory_next, ct->col_nr});
  out = fuse_multiply_add(sys.p, combine_divisions(sys.p, out));
  ct->step = program(sys.p, out, column_of, n_cols);
  std::vector<bool> uniform(n_cols, false);
  uniform[ct->col_t] = uniform[ct->col_dt] = true;
  ct->step_source = step_source(sys.p, out, ct->column_of_symbol, uniform, n_cols);
  out.clear();
  for (const auto& r : sys.reset) out.push_back({r.value, ct->column_of_symbol[r.target]});
  ct->reset = program(sys.p, out, column_of, n_cols);
  out.clear();
  for (std::size_t k = 0; k < dag.coef.size(); ++k) out.push_back({dag.coef[k], ct->col_coef[k]});
  ct->coefficients = program(sys.p, out, column_of, n_cols);
  out.clear();
  for (std::size_t k = 0; k < subs.size(); ++k)
    out.push_back({sys.inline_subs(sys.syms[subs[k]].def), ct->col_sub[k]});
  ct->subexpressions = program(sys.p, out, column_of, n_cols);

  cell_type_info& t = ct->info;
  t.name = name;
  t.method = dag.method;
  t.takes_current = sys.current >= 0;
  t.synapse_kind =
      sys.receptors.empty() || sys.receptors[0].conductance ? "conductance" : "current";
  t.receptors.clear();
  for (const auto& r : sys.receptors) t.receptors.push_back(r.name);
  for (std::size_t k = 0; k < sys.params.size(); ++k) {
    const symbol& s = sys.syms[sys.params[k]];
    t.params.push_back({s.name, internal_unit_name(s.d), sys.param_default[k], "parameter"});
  }
  t.recordable = {"spikes"};
  for (std::size_t k = 0; k < sys.states.size(); ++k) {
    const symbol& s = sys.syms[sys.states[k]];
    t.state.push_back({s.name, internal_unit_name(s.d), sys.state_default[k], "state variable"});
    t.recordable.push_back(s.name);
  }
  for (int k : subs) {
    const symbol& s = sys.syms[k];
    t.derived.push_back({s.name, internal_unit_name(s.d), 0.0, "subexpression"});
    t.recordable.push_back(s.name);
  }
  return ct;
}

const cell_kernel& kernel_of(const std::string& name, const cell_type_spec& spec,
                             const std::string& f) {
  static std::mutex mutex;
  static std::map<std::string, cell_kernel> cache;  // name + definition -> kernel
  const std::string key = name + "\n" + canonical(spec);
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  // Compiled outside the lock; a concurrent compilation of the same key loses the race.
  std::shared_ptr<const compiled_type> ct = compile_cell_type(name, spec, f);
  cell_kernel k;
  k.info = ct->info;
  k.make = [ct](const group_init& init) { return make_equation_group(ct, init); };
  std::lock_guard lock(mutex);
  return cache.emplace(key, std::move(k)).first->second;
}

const cell_type_info& ensure_cell_type(const std::string& name, const cell_type_spec& spec,
                                       const std::string& f) {
  if (name.empty() || name.find_first_of("./ ") != std::string::npos)
    throw model_error(f, "a cell type's name must be non-empty without '.', '/' or spaces");
  static std::mutex mutex;
  static std::map<std::string, const cell_kernel*> current;  // name -> registered kernel
  const cell_kernel& k = kernel_of(name, spec, f);
  std::lock_guard lock(mutex);
  if (auto it = current.find(name); it != current.end() && it->second == &k) return k.info;
  if (!current.count(name) && find_cell_type(name))
    throw model_error(f, "'" + name + "' is a built-in cell type; choose another name");
  replace_cell_kernel(k);
  current[name] = &k;
  return k.info;
}

void ensure_cell_types(const network& net) {
  for (const auto& [name, spec] : net.cell_types)
    ensure_cell_type(name, spec, "cell_types." + name);
}

}  // namespace myelin::detail::eq

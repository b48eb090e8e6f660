#pragma once
// A cell type compiled from equations (docs/equations.md): the parsed system, its step
// as DAGs, the column layout shared by its programs, and the interpreter's programs.
// Registered as a cell type through the run-time registry (src/cells/registry.cpp), so
// populations use it like a built-in type: threads, MPI, sweeps, recording.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cells/cell_group.hpp"
#include "equations/codegen.hpp"
#include "equations/integrate.hpp"
#include "equations/program.hpp"
#include "equations/system.hpp"
#include "myelin/model.hpp"

namespace myelin::detail::eq {

/// Columns every program of a type addresses, by index: states, then parameters, then
/// the rest (internal symbols, the injected current, t, dt, the spike flag, the exact
/// method's coefficients). A group binds each index to its own storage.
struct compiled_type {
  system sys;
  step_dag dag;
  std::vector<std::string> column_names;
  std::vector<int> column_of_symbol;  // symbol id -> column, -1 for subexpressions
  int n_states = 0, n_params = 0;
  int col_current = -1, col_t = -1, col_dt = -1, col_spike = -1, col_nr = -1, col_lastspike = -1;
  std::vector<int> col_coef;                // exact: n*n coefficient columns
  std::vector<int> col_prop_e, col_prop_g;  // exact: propagator columns
  program step, reset, coefficients;
  /// Every subexpression into its column (col_sub), from the state after a step: run by
  /// a group only once one of them is recorded.
  program subexpressions;
  std::vector<int> col_sub;
  cell_type_info info;
  /// The step as C++ (codegen.hpp), and its compiled form, loaded on first use by a
  /// group (not by validation); nullptr: the interpreter runs `step`.
  std::string step_source;
  step_fn compiled_step() const {
    std::call_once(once_, [this] { compiled_ = load_step(step_source, info.name); });
    return compiled_;
  }

 private:
  mutable std::once_flag once_;
  mutable step_fn compiled_ = nullptr;
};

/// Parses, checks and compiles a definition. Errors are model_error naming `field`
/// (e.g. "cell_types.kenyon") and below.
std::shared_ptr<const compiled_type> compile_cell_type(const std::string& name,
                                                       const cell_type_spec& spec,
                                                       const std::string& field);

/// The kernel of a definition, compiled once per process and definition (cached by its
/// full text; entries are never removed).
const cell_kernel& kernel_of(const std::string& name, const cell_type_spec& spec,
                             const std::string& field);

/// Makes `name` name this definition in the registry: registers it, or replaces an
/// earlier definition of the same name (a model changed by --set, a sweep over the
/// definition); a built-in's name is a model_error naming `field`. Runs that use
/// different definitions of one name at the same time in one process see the newest in
/// the registry's metadata, but each builds its cells from its own (kernel_of).
const cell_type_info& ensure_cell_type(const std::string& name, const cell_type_spec& spec,
                                       const std::string& field);

/// Every definition of `net.cell_types`, through ensure_cell_type (validate() does it).
void ensure_cell_types(const network& net);

/// The group factory of a compiled type (group.cpp).
std::unique_ptr<cell_group> make_equation_group(std::shared_ptr<const compiled_type> type,
                                                const group_init& init);

}  // namespace myelin::detail::eq

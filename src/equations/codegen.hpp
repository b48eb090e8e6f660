#pragma once
// Code generation for cell types from equations (docs/equations.md, "Compiled kernels"):
// the step DAG as C++ over the group's columns (one straight-line body per cell in a
// loop the compiler vectorises, built for x86-64-v4, -v3 (both with FMA) and baseline and picked
// at load time, so a cached object runs on any x86-64), compiled by the system compiler
// into a shared object cached by a hash of its source, the compiler and its flags.
// Parameters, initial values and sizes are columns: changing them never recompiles.

#include <cstddef>
#include <string>

#include "equations/integrate.hpp"
#include "equations/system.hpp"

namespace myelin::detail::eq {

/// A compiled step: reads and writes the columns (`cols[k]` the k-th program column;
/// uniform columns hold their value at [0]) for cells [begin, end).
using step_fn = void (*)(double* const* cols, std::size_t begin, std::size_t end);

/// The C++ source of the step: the outputs (node, column) of the step program.
std::string step_source(const pool& p, const std::vector<std::pair<node_id, int>>& outputs,
                        const std::vector<int>& column_of_symbol,
                        const std::vector<bool>& uniform_column, int n_columns);

/// The compiled step for `source`, from the cache or compiled now; nullptr (after one
/// warning on stderr naming the type and the reason) when no compiler is found or it
/// fails, or MYELIN_EQUATIONS=interpreter. `what` names the type in messages.
step_fn load_step(const std::string& source, const std::string& what);

/// The cache directory: $MYELIN_CACHE_DIR, else $XDG_CACHE_HOME/myelin, else
/// ~/.cache/myelin.
std::string cache_directory();

}  // namespace myelin::detail::eq

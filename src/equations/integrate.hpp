#pragma once
// Integration methods for a parsed system, as Brian2 defines them (docs/equations.md,
// "Integration"): each turns the right-hand sides into the values of the states at the
// end of one step, as expression DAGs over the values at its start, so any backend (the
// interpreter, generated C++) evaluates the same arithmetic.

#include <string>
#include <vector>

#include "equations/system.hpp"

namespace myelin::detail::eq {

/// One step of the whole cell, as DAGs. Symbols of kind `internal` are extra columns of
/// the group (lastspike, not_refractory, the exact method's propagators).
struct step_dag {
  std::string method;                     // the method in use
  std::vector<node_id> next;              // per state: its value at the end of the step
  node_id spike = no_node;                // 1 where the cell spikes (threshold, not refractory)
  int lastspike = -1;                     // internal symbol (time refractoriness) [ms]
  int not_refractory = -1;                // internal symbol (condition refractoriness), 1 or 0
  node_id not_refractory_next = no_node;  // its new value (before a spike clears it)
  // Exact method: per cell, E = exp(A dt) and G = integral_0^dt exp(A s) ds are columns
  // (internal symbols, row-major n x n), computed in prepare() from the coefficients
  // `coef` (row-major, over parameters); the step is x' = E x + G b.
  std::vector<node_id> coef;
  std::vector<int> prop_e, prop_g;
};

/// The methods' names, for errors.
const char* method_names();

/// Builds the step for `sys` (adds the internal symbols it needs). `requested` ""
/// chooses: exact if the system is linear with constant coefficients, else
/// exponential_euler if every equation is linear in its own variable, else rk4.
/// A named method that cannot integrate the system is an error naming `field`.
step_dag integrate(system& sys, const std::string& field);

/// E = exp(A h) and G = integral_0^h exp(A s) ds for an n x n matrix A (row-major), by
/// scaling and squaring of the Taylor series of the augmented matrix [[A, I], [0, 0]].
void propagators(int n, const double* a, double h, double* e, double* g);

}  // namespace myelin::detail::eq

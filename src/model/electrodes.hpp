#pragma once
// Checks of a model's electrode arrays (model.hpp, electrode_array; docs/model-file.md).

#include "myelin/model.hpp"

namespace myelin::detail {

/// Throws model_error naming the field of the first invalid electrode array: labels
/// (unique, letters, digits, '_' and '-': they name the output file), positions (at least
/// one, finite), conductivity > 0, method "psa" or "lsa", min_distance > 0, and a model
/// with multi-compartment cells, each population of them with positions.
void check_electrode_arrays(const network& net);

}  // namespace myelin::detail

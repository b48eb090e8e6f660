#pragma once
// Parameter schemas of things that are not cell types: current sources, connectors.

#include <map>
#include <string>
#include <vector>

#include "myelin/model.hpp"

namespace myelin::detail {

/// Names and defaults of each current source type's scalar parameters
/// (DCSource, StepCurrentSource, ACSource, NoisyCurrentSource).
const std::map<std::string, std::map<std::string, double>>& stimulus_schemas();

/// The stimulus' parameters with defaults filled in (the type must be valid).
std::map<std::string, double> stimulus_params(const stimulus& s);

const std::vector<std::string>& connector_types();

/// Default parameter and initial values of a cell type, as a name -> value map.
std::map<std::string, double> defaults_of(const cell_type_info& t, bool state);

}  // namespace myelin::detail

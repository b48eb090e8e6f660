#pragma once
// A projection's "synapse" (model.hpp's synapse_spec): JSON reading and writing, and
// validation against the synapse catalogue (catalogue.cpp). Errors name the JSON path.

#include <nlohmann/json.hpp>
#include <string>

#include "myelin/model.hpp"

namespace myelin::detail {

/// The synapse object at JSON path `path` (not yet validated).
synapse_spec synapse_from_json(const nlohmann::json& j, const std::string& path);
nlohmann::json synapse_to_json(const synapse_spec& s);

/// Throws model_error naming `field` + ".synapse..." for an unknown type, component or
/// parameter, a value out of its range, or (a scalar delay) an STDP dendritic delay
/// fraction that needs postsynaptic spikes from after the delivery (the builder checks
/// drawn delays).
void check_synapse(const projection& pr, double dt, const std::string& field);

/// The value of parameter `name` of `c` (a synapse type or component): given, or the
/// catalogue's default.
double synapse_param(const std::string& type, const std::map<std::string, double>& given,
                     const std::string& name);

}  // namespace myelin::detail

#pragma once
// The JSON document <-> network conversion shared by the model file reader
// (json_text.cpp: text, files, --set paths) and the field-by-field reader and writer
// (json.cpp). Errors name the JSON path of the offending value.

#include <nlohmann/json.hpp>

#include "myelin/model.hpp"

namespace myelin::detail {

/// The model as a JSON document (every field, as summary.json writes it).
nlohmann::json to_json(const network& net);
/// The model a JSON document describes (not yet validated).
network from_json(const nlohmann::json& doc);

/// The "cell_types" object (cell types from equations, docs/equations.md), both ways
/// (json_cell_types.cpp).
nlohmann::json cell_types_to_json(const std::map<std::string, cell_type_spec>& types);
std::map<std::string, cell_type_spec> cell_types_from_json(const nlohmann::json& j);

}  // namespace myelin::detail

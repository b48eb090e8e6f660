#pragma once
// The model file's "cell_templates" (multi-compartment cell types as data; docs/cable.md,
// "Cell templates") <-> myelin::cell_template_spec. Errors name the JSON path.

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "myelin/model.hpp"

namespace myelin::detail {

/// One template (the value under cell_templates.<name>); `path` names it in errors.
cell_template_spec cell_template_from_json(const nlohmann::json& j, const std::string& path);
nlohmann::json cell_template_to_json(const cell_template_spec& t);

/// The "cell_templates" object: name -> template.
std::map<std::string, cell_template_spec> cell_templates_from_json(const nlohmann::json& j,
                                                                   const std::string& path);
nlohmann::json cell_templates_to_json(const std::map<std::string, cell_template_spec>& t);

}  // namespace myelin::detail

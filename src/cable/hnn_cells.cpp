#include "cable/hnn_cells.hpp"

#include <algorithm>

#include "cable/cell_template.hpp"
#include "model/format.hpp"
#include "model/json_templates.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

/// The files of models/cells/, in name order (generated: cmake/embed_templates.cmake).
struct embedded_file {
  const char* name;
  const char* text;
};
extern const embedded_file builtin_template_files[];
extern const std::size_t builtin_template_file_count;

const std::vector<std::string>& hnn_cell_types() {
  static const std::vector<std::string> types = {"L2_basket", "L2_pyramidal", "L5_basket",
                                                 "L5_pyramidal"};
  return types;
}

const std::vector<std::pair<std::string, cell_template_spec>>& builtin_cell_templates() {
  static const std::vector<std::pair<std::string, cell_template_spec>> all = [] {
    std::vector<std::pair<std::string, cell_template_spec>> v;
    for (std::size_t f = 0; f < builtin_template_file_count; ++f) {
      const embedded_file& file = builtin_template_files[f];
      const std::string where = std::string("models/cells/") + file.name;
      try {
        const auto doc = nlohmann::json::parse(file.text);
        for (auto& [name, spec] : cell_templates_from_json(doc, where)) {
          build_cable_template(name, spec, where + "." + name);  // checks it
          v.emplace_back(name, std::move(spec));
        }
      } catch (const std::exception& e) {
        throw internal_error("built-in cell template " + where + ": " + e.what());
      }
    }
    // HNN's four first, in HNN's order; the stable sort keeps the rest in file order.
    const auto& hnn = hnn_cell_types();
    auto rank = [&](const std::string& n) {
      return std::find(hnn.begin(), hnn.end(), n) - hnn.begin();
    };
    std::stable_sort(v.begin(), v.end(),
                     [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
    return v;
  }();
  return all;
}

cable_template hnn_cell_template(std::string_view type) {
  std::vector<std::string> names;
  for (const auto& [name, spec] : builtin_cell_templates()) {
    if (name == type) return build_cable_template(name, spec, "cell type " + name);
    names.push_back(name);
  }
  throw model_error(
      "", "unknown HNN cell type \"" + std::string(type) + "\" (allowed: " + join(names) + ")");
}

}  // namespace myelin::detail

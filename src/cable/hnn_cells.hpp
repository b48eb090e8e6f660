#pragma once
// The built-in cell templates: the files of models/cells/ (HNN's four cell types of
// Jones et al. 2009 as hnn-core 0.6 builds them, MODEL_NOTES.md sections 2-5, and the
// variants of its calcium_model and law_2021_model), embedded into the library at build
// time (cmake/embed_templates.cmake), so that no data path is needed at run time.
//
// HNN's ports (the named inputs a connection targets), "<location>_<receptor>" with
// receptor one of ampa, nmda, gabaa, gabab:
//   pyramidal: proximal_* (apical_oblique, basal_2, basal_3), distal_* (apical_tuft),
//              soma_gabaa, soma_gabab, and "<section>_<receptor>" for every synapse;
//   L2_basket: proximal_*, distal_* and soma_* (all the soma), * in ampa, nmda, gabaa;
//   L5_basket: proximal_* and soma_* (no distal inputs).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cable/cable_cells.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// HNN's four cell types in HNN's gid order: L2_basket, L2_pyramidal, L5_basket,
/// L5_pyramidal.
const std::vector<std::string>& hnn_cell_types();

/// Every built-in template (name, template), HNN's four first, then the others in
/// the order of their file names.
const std::vector<std::pair<std::string, cell_template_spec>>& builtin_cell_templates();

/// The solver's template of a built-in type; model_error naming the type if unknown.
cable_template hnn_cell_template(std::string_view type);

}  // namespace myelin::detail

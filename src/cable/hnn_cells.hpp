#pragma once
// HNN's four cell types (Jones et al. 2009, as built by hnn-core 0.6's
// jones_2009_model): morphology, channel densities, initial potentials and synapses
// from ../shared/reference/hnn/MODEL_NOTES.md, sections 2-5.
//
// Synapses: one Exp2Syn per (section, receptor) at the section's middle. Ports (the
// named inputs a connection targets), "<location>_<receptor>" with receptor one of
// ampa, nmda, gabaa, gabab:
//   pyramidal: proximal_* (apical_oblique, basal_2, basal_3), distal_* (apical_tuft),
//              soma_gabaa, soma_gabab, and "<section>_<receptor>" for every synapse;
//   L2_basket: proximal_*, distal_* and soma_* (all the soma), * in ampa, nmda, gabaa;
//   L5_basket: proximal_* and soma_* (no distal inputs).

#include <string>
#include <string_view>
#include <vector>

#include "cable/cable_cells.hpp"

namespace myelin::detail {

/// The cell types in HNN's gid order: L2_basket, L2_pyramidal, L5_basket, L5_pyramidal.
const std::vector<std::string>& hnn_cell_types();

/// The template of one of HNN's cell types; model_error naming the type if unknown.
cable_template hnn_cell_template(std::string_view type);

/// Receptor kinetics of HNN's synapses (Exp2Syn): tau1, tau2 [ms], e [mV].
struct hnn_receptor {
  const char* name;
  double tau1, tau2, e;
};
const std::vector<hnn_receptor>& hnn_receptors();  // ampa, nmda, gabaa, gabab

}  // namespace myelin::detail

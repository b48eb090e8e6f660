// HNN's multi-compartment cell types as cell groups: each group wraps one cable_cells
// (src/cable/) holding this VP's cells of the type, so cable cells run with threads and
// MPI like any other population. The receptors of the type are the template's ports
// ("proximal_ampa", "soma_gabaa", ...); an event's weight [uS] on a port reaches every
// synapse of the port. Injected current (current sources, HNN's tonic drive) enters at
// soma(0.5). Recordable: "v" (soma(0.5), copied after each step) and, for the
// pyramidal types, "dipole" (the cell's current-dipole moment [fAm], docs/hnn.md).

#include <memory>
#include <optional>

#include "cable/cable_cells.hpp"
#include "cable/extracellular.hpp"
#include "cable/hnn_cells.hpp"
#include "cells/cell_group.hpp"

namespace myelin::detail {
namespace {

class cable_group final : public cell_group {
 public:
  cable_group(const group_init& init, const std::string& type)
      : cell_group(init), cells_(hnn_cell_template(type), init.n) {
    v_ = scratch("v");
    if (cells_.cell_template().dipole) dipole_ = scratch("dipole");
    copy_out();  // cable_cells' constructor has initialised the state
  }

  void prepare(double dt) override { cells_.prepare(dt); }
  const cable_cells& cells() const { return cells_; }

  void advance(const step_info&, const group_input& in, std::vector<uint32_t>& spiked) override {
    cells_.advance(in.receptor, in.i_inj, spiked);
    copy_out();
  }

 private:
  void copy_out() {
    double* v = col(v_);
    const double* sv = cells_.v(cells_.soma_node());
    for (std::size_t c = 0; c < n_; ++c) v[c] = sv[c];
    if (dipole_) cells_.dipole(col(*dipole_));
  }

  cable_cells cells_;
  std::size_t v_ = 0;
  std::optional<std::size_t> dipole_;
};

cell_type_info cable_info(const std::string& type) {
  const cable_template t = hnn_cell_template(type);
  cell_type_info info;
  info.name = type;
  info.synapse_kind = "conductance";
  // No parameters and no settable state: morphology, densities and initial potentials
  // are the model's own (MODEL_NOTES sections 2-5).
  info.recordable = {"spikes", "v"};
  info.multi_compartment = true;
  if (t.dipole) info.recordable.push_back("dipole");
  info.receptors.clear();
  for (const port_spec& p : t.ports) info.receptors.push_back(p.name);
  return info;
}

}  // namespace

const cable_cells* cable_cells_of(const cell_group& group) {
  const auto* g = dynamic_cast<const cable_group*>(&group);
  return g ? &g->cells() : nullptr;
}

#define MYELIN_CABLE_TYPE(fn, type)                            \
  cell_type_info fn##_info() {                                 \
    return cable_info(type);                                   \
  }                                                            \
  std::unique_ptr<cell_group> make_##fn(const group_init& i) { \
    return std::make_unique<cable_group>(i, type);             \
  }
MYELIN_CABLE_TYPE(hnn_l2_basket, "L2_basket")
MYELIN_CABLE_TYPE(hnn_l2_pyramidal, "L2_pyramidal")
MYELIN_CABLE_TYPE(hnn_l5_basket, "L5_basket")
MYELIN_CABLE_TYPE(hnn_l5_pyramidal, "L5_pyramidal")
#undef MYELIN_CABLE_TYPE

}  // namespace myelin::detail

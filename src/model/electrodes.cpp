#include "model/electrodes.hpp"

#include <cctype>
#include <cmath>
#include <set>
#include <string>

#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

void check_electrode_arrays(const network& net) {
  if (net.electrode_arrays.empty()) return;
  std::string cable_pops;
  for (const population& p : net.populations) {
    const cell_type_info* t = find_cell_type(net, p.cell_type);
    if (!t || !t->multi_compartment) continue;
    cable_pops += (cable_pops.empty() ? "" : ", ") + p.label;
    if (!p.positions)
      throw model_error("electrode_arrays",
                        "population '" + p.label + "' (" + p.cell_type +
                            ") has no positions; extracellular potentials need the position "
                            "of every multi-compartment cell");
  }
  if (cable_pops.empty())
    throw model_error("electrode_arrays",
                      "the model has no multi-compartment cells (cell types such as "
                      "L5_pyramidal) whose membrane currents an electrode could record");
  std::set<std::string> labels;
  for (std::size_t i = 0; i < net.electrode_arrays.size(); ++i) {
    const electrode_array& a = net.electrode_arrays[i];
    const std::string f = "electrode_arrays[" + std::to_string(i) + "]";
    bool ok_label = !a.label.empty();
    for (char c : a.label)
      ok_label = ok_label && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    if (!ok_label)
      throw model_error(f + ".label", "'" + a.label +
                                          "' must be non-empty and hold only letters, digits, "
                                          "'_' and '-' (it names the output file)");
    if (!labels.insert(a.label).second)
      throw model_error(f + ".label", "duplicate electrode array label '" + a.label + "'");
    if (a.positions.empty())
      throw model_error(f + ".positions", "must hold at least one [x, y, z] position [um]");
    for (std::size_t k = 0; k < a.positions.size(); ++k)
      for (double x : a.positions[k])
        if (!std::isfinite(x))
          throw model_error(f + ".positions[" + std::to_string(k) + "]", "must be finite");
    if (!(a.conductivity > 0.0) || !std::isfinite(a.conductivity))
      throw model_error(f + ".conductivity",
                        "must be a positive finite number [S/m], got " + fmt(a.conductivity));
    if (a.method != "psa" && a.method != "lsa")
      throw model_error(f + ".method", "'" + a.method +
                                           "' is not a method (allowed: psa, the point-source "
                                           "approximation; lsa, the line-source approximation)");
    if (!(a.min_distance > 0.0) || !std::isfinite(a.min_distance))
      throw model_error(f + ".min_distance",
                        "must be a positive finite distance [um], got " + fmt(a.min_distance));
  }
}

}  // namespace myelin::detail

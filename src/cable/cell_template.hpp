#pragma once
// Cell templates as data (myelin::cell_template_spec, the model file's "cell_templates";
// docs/cable.md, "Cell templates"): the mechanisms a template may insert with their
// parameters, and the conversion of a template into the cable_template the solver runs.

#include <string>
#include <vector>

#include "cable/cable_cells.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// A mechanism a template may insert, with its parameters in order.
struct mechanism_param {
  const char* name;
  double default_value;
  const char* unit;
  const char* kind;  // "conductance" (>= 0), "time" (> 0) or "potential" (any)
};
struct mechanism_info {
  const char* name;
  std::vector<mechanism_param> params;
  const char* doc;
};
/// hh2, km, ca, cad, kca, cat, ar, pas (the defaults are the mod files').
const std::vector<mechanism_info>& template_mechanisms();

/// The template the solver runs: checks every field (model_error naming it under `path`,
/// e.g. "cell_templates.L5_pyramidal.sections[2].mechanisms.ca.gbar"), evaluates the
/// densities per segment, makes one Exp2Syn per (section, receptor) at the section's
/// middle (section by section, receptors in the template's order), and the ports: one
/// per location and receptor that every section of the location has
/// ("<location>_<receptor>", in location order, then receptor order), then one per
/// synapse ("<section>_<receptor>") whose name is not a port yet.
cable_template build_cable_template(const std::string& name, const cell_template_spec& spec,
                                    const std::string& path);

}  // namespace myelin::detail

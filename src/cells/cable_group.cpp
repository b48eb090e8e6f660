// Multi-compartment cell types (the built-in templates and those a model defines) as cell groups:
// each group wraps one cable_cells (src/cable/) holding this VP's cells of the type, so cable cells
// run with threads and MPI like any other population. The receptors of the type are the template's
// ports
// ("proximal_ampa", "soma_gabaa", ...); an event's weight [uS] on a port reaches every
// synapse of the port. Injected current (current sources, HNN's tonic drive) enters at
// soma(0.5). Recordable: "v" (soma(0.5), copied after each step), for the pyramidal
// types "dipole" (the cell's current-dipole moment [fAm], docs/hnn.md), and, filled only
// while recorded, "v_<section>", "cai_<section>" and "i_<synapse>" (on_demand below).

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "cable/cable_cells.hpp"
#include "cable/cell_template.hpp"
#include "cable/extracellular.hpp"
#include "cable/hnn_cells.hpp"
#include "cells/cell_group.hpp"

namespace myelin::detail {
namespace {

/// A recordable kept current only while recorded: "v_<section>" (the voltage at the
/// section's middle, NEURON's sec(0.5)), "cai_<section>" (internal calcium there, where
/// cad is inserted), "i_<synapse>" (a synapse's current).
struct on_demand {
  enum kind_t { voltage, calcium, current };
  std::string name;
  kind_t kind = voltage;
  int node = 0;
  int synapse = -1;
  double e = 0.0;
  std::size_t column = 0;
  bool on = false;
};

// The node holding section s at x (NEURON's segment containing x).
int node_at(const cable_tree& tree, int s, double x) {
  const int k = std::min(tree.nseg[s] - 1, static_cast<int>(x * tree.nseg[s]));
  return tree.first_seg[s] + k;
}

std::vector<on_demand> on_demand_of(const cable_template& t, const cable_tree& tree) {
  std::vector<on_demand> out;
  for (std::size_t s = 0; s < t.sections.size(); ++s) {
    const int si = static_cast<int>(s);
    out.push_back({"v_" + t.sections[s].name, on_demand::voltage, node_at(tree, si, 0.5)});
    if (t.mechanisms[s].cad)
      out.push_back({"cai_" + t.sections[s].name, on_demand::calcium, node_at(tree, si, 0.5)});
  }
  for (std::size_t i = 0; i < t.synapses.size(); ++i) {
    const synapse_spec& syn = t.synapses[i];
    out.push_back({"i_" + syn.name, on_demand::current, node_at(tree, syn.section, syn.x),
                   static_cast<int>(i), syn.e});
  }
  return out;
}

std::vector<on_demand> on_demand_of(const cable_cells& cells) {
  return on_demand_of(cells.cell_template(), cells.tree());
}

class cable_group final : public cell_group {
 public:
  cable_group(const group_init& init, const cable_template& t)
      : cell_group(init), cells_(t, init.n) {
    v_ = scratch("v");
    if (cells_.cell_template().dipole) dipole_ = scratch("dipole");
    for (const on_demand& d : on_demand_of(cells_)) {
      extras_.push_back(d);
      extras_.back().column = scratch(d.name);
    }
    copy_out();  // cable_cells' constructor has initialised the state
  }

  void will_record(const std::string& name) override {
    for (on_demand& d : extras_)
      if (d.name == name && !d.on) {
        d.on = true;
        fill(d);  // the sample at t = 0 reads it before any step
      }
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
    for (const on_demand& d : extras_)
      if (d.on) fill(d);
  }

  void fill(const on_demand& d) {
    double* out = col(d.column);
    if (d.kind == on_demand::voltage) {
      const double* v = cells_.v(d.node);
      for (std::size_t c = 0; c < n_; ++c) out[c] = v[c];
    } else if (d.kind == on_demand::calcium) {
      for (std::size_t c = 0; c < n_; ++c) out[c] = cells_.cai(d.node, c);
    } else {  // NEURON's Exp2Syn current i = g (v - e) [nA], outward positive
      for (std::size_t c = 0; c < n_; ++c)
        out[c] = cells_.synapse_g(d.synapse, c) * (cells_.v(d.node, c) - d.e);
    }
  }

  cable_cells cells_;
  std::size_t v_ = 0;
  std::optional<std::size_t> dipole_;
  std::vector<on_demand> extras_;  // kept current only once recorded
};

cell_type_info cable_info(const cable_template& t) {
  cell_type_info info;
  info.name = t.name;
  info.synapse_kind = "conductance";
  // No parameters and no settable state: morphology, densities and initial potentials
  // are the template's.
  info.recordable = {"spikes", "v"};
  info.multi_compartment = true;
  if (t.dipole) info.recordable.push_back("dipole");
  for (std::size_t s = 0; s < t.sections.size(); ++s) {
    info.recordable.push_back("v_" + t.sections[s].name);
    if (t.mechanisms[s].cad) info.recordable.push_back("cai_" + t.sections[s].name);
  }
  for (const synapse_spec& syn : t.synapses) info.recordable.push_back("i_" + syn.name);
  info.receptors.clear();
  for (const port_spec& p : t.ports) info.receptors.push_back(p.name);
  return info;
}

cell_kernel cable_kernel(cable_template t) {
  auto shared = std::make_shared<const cable_template>(std::move(t));
  return {cable_info(*shared), [shared](const group_init& init) -> std::unique_ptr<cell_group> {
            return std::make_unique<cable_group>(init, *shared);
          }};
}

}  // namespace

std::vector<cell_kernel> builtin_cable_kernels() {
  std::vector<cell_kernel> out;
  for (const auto& [name, spec] : builtin_cell_templates())
    out.push_back(cable_kernel(hnn_cell_template(name)));
  return out;
}

// Model-defined templates are kept for the life of the process, one entry per distinct
// (name, template), so that the cell_type_info pointers handed out stay valid and a
// template used by many models (a batch, trials) is built once.
const cell_kernel& template_kernel(const std::string& name, const cell_template_spec& spec) {
  struct entry {
    std::string name;
    cell_template_spec spec;
    cell_kernel kernel;
  };
  static std::mutex mutex;
  static std::deque<entry> cache;  // a deque never moves its elements
  std::lock_guard lock(mutex);
  for (const entry& e : cache)
    if (e.name == name && e.spec == spec) return e.kernel;
  cell_kernel k = cable_kernel(build_cable_template(name, spec, "cell_templates." + name));
  return cache.emplace_back(entry{name, spec, std::move(k)}).kernel;
}

const cable_cells* cable_cells_of(const cell_group& group) {
  const auto* g = dynamic_cast<const cable_group*>(&group);
  return g ? &g->cells() : nullptr;
}

}  // namespace myelin::detail

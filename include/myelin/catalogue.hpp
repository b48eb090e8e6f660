#pragma once
// The catalogue: every name a model file may use, with its parameters, units, defaults
// and a line of documentation. Validation, the builder's dispatch and `myelin info` all
// read these lists, so a new connector, current source, distribution or synapse type is
// added in one place (src/model/catalogue.cpp), with its kind for the dispatch
// (src/model/catalogue.hpp). Cell types are registered at run time (cell_types() in
// model.hpp; src/cells/registry.cpp), so a kernel compiled from equations can add itself.
//
//   for (const auto& c : myelin::connector_catalogue())
//     std::printf("%s: %s\n", c.name.c_str(), c.doc.c_str());

#include <string>
#include <vector>

#include "myelin/model.hpp"

namespace myelin {

/// One named component and its parameters (default_value NaN: required).
struct component_info {
  std::string name;
  std::string doc;
  std::vector<parameter_info> params;
};

/// Connectors (PyNN's names): AllToAll, OneToOne, FixedProbability, ...
const std::vector<component_info>& connector_catalogue();
/// Current sources (PyNN's names): DCSource, StepCurrentSource, ACSource, NoisyCurrentSource.
const std::vector<component_info>& current_source_catalogue();
/// Random distributions for parameters, initial values, weights and delays.
const std::vector<component_info>& distribution_catalogue();
/// Synapse types a projection's "synapse" may name (StaticSynapse,
/// TsodyksMarkramSynapse, SimpleStochasticSynapse, STDPMechanism), then the components
/// of an STDPMechanism (SpikePairRule and the four weight dependences).
const std::vector<component_info>& synapse_catalogue();

/// The entry named `name` in `list`, or nullptr.
const component_info* find_component(const std::vector<component_info>& list,
                                     const std::string& name);

}  // namespace myelin

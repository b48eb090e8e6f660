#pragma once
// HNN-core's postprocessing of a simulation's dipoles (docs/hnn.md), above the engine:
//
//   myelin::simulation sim(myelin::load_network("models/hnn_erp.json"));
//   sim.run();
//   myelin::hnn_dipole_signals d = myelin::hnn_dipoles(sim);  // collective
//   sim.write_outputs("results/erp");  // writes dipole.csv, dipole_smooth.csv as well

#include <string>
#include <vector>

#include "myelin/simulation.hpp"

namespace myelin {

/// HNN-core's dipole signals [nAm] at t = k dt: "raw" (summed per layer, baseline-
/// renormalised, unscaled, unsmoothed) and "smooth" (then convolved with a 30 ms Hamming
/// window and scaled by 3000, HNN-core's default postprocessing). Layers are named after
/// the cell types' prefix ("L2", "L5"), in population order; agg is their sum.
struct hnn_dipole_signals {
  std::vector<std::string> layers;
  std::vector<double> agg, agg_smooth;
  std::vector<std::vector<double>> layer, layer_smooth;  // [layer][k]
};

/// sim.dipoles() postprocessed as HNN-core does (collective; empty on ranks other than 0
/// and for models without dipole-producing cells: layers.empty()).
hnn_dipole_signals hnn_dipoles(const simulation& sim);

/// The files dipole.csv (raw) and dipole_smooth.csv (smoothed and scaled) of `dipoles`,
/// sampled every `dt` [ms], for simulation::write_outputs; none when dipoles.layers is
/// empty. The files hold a copy of the signals.
std::vector<output_file> hnn_dipole_files(const hnn_dipole_signals& dipoles, double dt);

}  // namespace myelin

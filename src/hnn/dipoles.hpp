#pragma once
// HNN-core's dipole postprocessing (docs/hnn.md): the pieces behind myelin::hnn_dipoles
// (include/myelin/hnn.hpp) that tests check on their own.

#include <cstddef>
#include <string>
#include <vector>

namespace myelin::detail {

/// HNN-core's baseline renormalisation, which it always applies (MODEL_NOTES section
/// 10): the value [fAm] subtracted at time t [ms] from the summed dipole of the `n`
/// cells of `cell_type`: HNN's L2 rule for L2_pyramidal and the types named
/// L2_pyramidal_*, its L5 rule for L5_pyramidal and L5_pyramidal_* (the calcium and
/// law2021 variants), 0 for other types.
double hnn_baseline(const std::string& cell_type, double n, double t);

/// x convolved with the normalised Hamming window of m samples, zero-padded and centred
/// as numpy's "same" mode: numpy.convolve(x, hamming(m) / sum, "same"); x itself when
/// m < 2. O(x.size()), whatever m.
std::vector<double> hamming_smooth(const std::vector<double>& x, std::size_t m);

}  // namespace myelin::detail

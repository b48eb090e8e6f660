#pragma once
// HNN-core's dipole smoothing (docs/hnn.md): numpy.convolve(x, hamming(m) / sum, "same").

#include <cstddef>
#include <vector>

namespace myelin::detail {

/// x convolved with the normalised Hamming window of m samples, zero-padded and centred
/// as numpy's "same" mode; x itself when m < 2. O(x.size()), whatever m.
std::vector<double> hamming_smooth(const std::vector<double>& x, std::size_t m);

}  // namespace myelin::detail

#pragma once
// Electrode arrays at run time (model.hpp, electrode_array; docs/hnn.md, "Extracellular
// potentials"). Each VP records the potential its own cable cells produce at every
// electrode of every array, after every step: per cable group, the segments'
// transmembrane currents (cable/extracellular.hpp) dotted with precomputed transfer
// resistances, one product per (electrode, segment, cell). Each cell's potential is
// added in fixed point (a 128-bit integer, 2^-extracellular_frac_bits uV), so the sum
// over cells, VPs and ranks has the same bits for every layout, as the dipole's does.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "myelin/model.hpp"

namespace myelin::detail {

struct gid_layout;
struct group_slot;
class cable_cells;

__extension__ typedef __int128 fixed128;
inline constexpr int extracellular_frac_bits = 50;

class vp_extracellular {
 public:
  vp_extracellular();
  ~vp_extracellular();
  vp_extracellular(vp_extracellular&&) noexcept;
  vp_extracellular& operator=(vp_extracellular&&) noexcept;

  /// The parts of this VP's `groups` that hold cable cells, for net.electrode_arrays
  /// (validated); nothing to do when the model has none.
  void build(const network& net, const gid_layout& layout, const std::vector<group_slot>& groups);
  std::size_t n_electrodes() const { return n_electrodes_; }  // all arrays together
  void reserve(std::size_t steps) { sums_.reserve(sums_.size() + steps * n_electrodes_); }
  /// After a step: appends this VP's potential at every electrode. i_inj: the VP's
  /// injected current of the step, indexed like its cells. No allocation once reserved.
  void record(const std::vector<group_slot>& groups, const double* i_inj);
  /// [step * n_electrodes() + e], every recorded step.
  const std::vector<fixed128>& sums() const { return sums_; }

 private:
  struct part;  // one cable group's weights and scratch (extracellular.cpp)
  std::vector<part> parts_;
  std::size_t n_electrodes_ = 0;
  std::vector<fixed128> step_;  // this step's sums, per electrode
  std::vector<fixed128> sums_;
};

}  // namespace myelin::detail

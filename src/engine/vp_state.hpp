#pragma once
// The state owned by one virtual process (VP): one thread of one rank. A VP owns the
// cells whose gid satisfies gid % n_vp == vp, their input ring buffers, and every
// connection that ends on them, so spike delivery needs no locks or atomics.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cells/cell_group.hpp"
#include "engine/extracellular.hpp"
#include "engine/projection_table.hpp"
#include "record/trace_buffer.hpp"

namespace myelin::detail {

/// A spike: emitted during `step`, time stamp (step + 1) * dt.
struct spike_event {
  int64_t step;
  uint64_t gid;
  friend bool operator<(const spike_event& a, const spike_event& b) {
    return a.step != b.step ? a.step < b.step : a.gid < b.gid;
  }
};

struct group_slot {
  std::size_t population;
  std::unique_ptr<cell_group> cells;
  uint32_t offset;     // VP-local index of the group's first cell
  uint64_t first_gid;  // gid of the group's first cell
  int receptors = 2;   // receptors of the cell type (ring rows the group can receive on)
  /// Per receptor: whether any projection or queued drive event can reach the group's
  /// cells on it (mark_inputs); the other rows stay zero, and are neither handed to the
  /// group nor cleared (a cable type has dozens of ports, most of them unused).
  std::vector<uint8_t> receives;
};

/// The cells of this VP that one current source feeds.
struct stimulus_targets {
  std::size_t stimulus;
  std::vector<uint32_t> cells;  // VP-local indices
  std::vector<uint64_t> gids;
  std::vector<double> value;  // NoisyCurrentSource: current value per target [nA]
  std::vector<double> next;   // the standard normal of interval noise_index + 1 (k even)
  std::vector<double> first;  // scratch: the pair's first normals
  int64_t noise_index = -1;   // index of the noise interval `value` belongs to
};

/// An input event that does not go through a ring slot at delivery time: events whose
/// delay exceeds the ring's horizon, and the precomputed events of HNN drives (their
/// arrival time t + delay rounded to the grid once, as NEURON does). Added to the ring
/// slot of `step` just before that step, in (step, seq) order, so every target sums its
/// inputs in the same order for every parallel layout.
struct queued_event {
  int64_t step;  // the step whose ring slot receives the weight
  uint64_t seq;  // insertion order on this VP
  uint32_t cell;
  int32_t receptor;
  double weight;
  friend bool operator>(const queued_event& a, const queued_event& b) {
    return a.step != b.step ? a.step > b.step : a.seq > b.seq;
  }
};

__extension__ typedef __int128 fixed128;
inline constexpr int dipole_frac_bits = 50;

struct vp_state {
  int vp = 0;
  std::vector<group_slot> groups;
  uint32_t n_cells = 0;
  std::vector<projection_table> tables;
  std::vector<uint32_t> stdp_tables;  // indices of STDP tables (their post histories)
  int64_t stdp_catch_up_at = 0;       // the step from which the next catch-up is due
  std::vector<stimulus_targets> stimuli;
  std::vector<trace_buffer> traces;

  // Run-time buffers.
  int64_t n_slots = 0;
  int n_receptors = 2;        // the most receptors of any cell type in the network
  std::vector<double> ring;   // [slot][receptor][cell]
  std::vector<double> i_inj;  // [cell], this step's injected current [nA]
  /// Spikes emitted during an epoch, sorted by (step, gid); double-buffered by epoch
  /// parity: other VPs read epoch e's buffer while this VP fills the other one.
  std::vector<spike_event> spikes[2];
  std::vector<uint32_t> spiked;     // scratch for cell_group::advance
  std::vector<queued_event> queue;  // a min-heap by (step, seq)
  uint64_t queue_seq = 0;
  /// The dipole of this VP's cells of one group, every step, summed exactly: each cell's
  /// value [fAm] in fixed point (resolution 2^-dipole_frac_bits fAm, a 128-bit integer),
  /// so partial sums from any VPs and ranks add up to the same bits (docs/hnn.md).
  struct dipole_buffer {
    std::size_t group;
    const double* dipole;        // the group's "dipole" column (columns never move)
    std::vector<fixed128> sums;  // per step
  };
  std::vector<dipole_buffer> dipoles;
  /// The electrode arrays' potentials from this VP's cable cells, every step.
  vp_extracellular extracellular;

  double* input(int64_t slot, int receptor) {
    return ring.data() + (static_cast<std::size_t>(slot) * n_receptors + receptor) * n_cells;
  }
};

}  // namespace myelin::detail

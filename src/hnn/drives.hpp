#pragma once
// HNN-style drives (docs/hnn.md): validation, the number of drive cells, deterministic
// spike-time generation, and expansion into plain populations and current sources.

#include <cstdint>
#include <string>
#include <vector>

#include "myelin/model.hpp"

namespace myelin::detail {

/// Throws model_error naming drives[i].<field> for the first invalid drive.
void check_drives(const network& net);

/// True for drives that produce events (every type but "tonic").
bool is_event_drive(const drive& d);

/// Populations a drive targets, in model order (those with an AMPA or NMDA weight, or a
/// tonic amplitude).
std::vector<std::size_t> drive_targets(const network& net, const drive& d);

/// Number of drive cells (spike generators) of an event drive.
int64_t drive_cell_count(const network& net, const drive& d);

/// The connections of a drive onto one target cell: the drive cells [first, end) that
/// reach it (cell-specific: its own; otherwise every drive cell) and HNN's spatial rule
/// with d the in-plane distance from the drive's origin and lambda its space constant:
/// weight = w * exp(-d^2/lambda^2) per receptor, delay = D / exp(-d^2/lambda^2).
/// `base` is the index of the first drive cell of the target's population (cell-specific
/// drives number their cells target population by population, in model order).
struct drive_connection {
  int64_t first = 0, end = 0;
  double weight_ampa = 0, weight_nmda = 0;  // [uS], 0: no connection on that receptor
  double delay = 0;                         // [ms]
};
drive_connection drive_connection_to(const network& net, const drive& d, std::size_t target,
                                     int64_t index, int64_t base, double x, double y);

/// Sorted spike times of every drive cell: the explicit ones, or drawn from Philox
/// streams keyed by (drive seed, drive cell index) and kept inside (0, tstop].
std::vector<std::vector<double>> drive_spike_times(const network& net, const drive& d);

/// The network with every event drive appended as a SpikeSourceArray population (its
/// spike times filled in, its spikes recorded) and every tonic drive as DCSources. The
/// drives stay in `drives`; the builder connects them (src/construct/builder.cpp).
network expand_drives(const network& net);

}  // namespace myelin::detail

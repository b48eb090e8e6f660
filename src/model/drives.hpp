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

/// Sorted spike times of every drive cell: the explicit ones, or drawn from Philox
/// streams keyed by (drive seed, drive cell index) and kept inside (0, tstop].
std::vector<std::vector<double>> drive_spike_times(const network& net, const drive& d);

/// The network with every event drive appended as a SpikeSourceArray population (its
/// spike times filled in, its spikes recorded) and every tonic drive as DCSources. The
/// drives stay in `drives`; the builder connects them (src/build/builder.cpp).
network expand_drives(const network& net);

}  // namespace myelin::detail

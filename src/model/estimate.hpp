#pragma once
// Memory a model will need, estimated from its description before anything is
// allocated, so that a model that cannot fit is refused at once with the estimate and
// the ways out, instead of dying in std::bad_alloc after minutes of construction.
//
// The estimate counts what is certain and errs low: cell state and ring buffers at
// their minimum, synapses at their expected number (DistanceDependentProbability, whose
// count depends on the positions, is not counted), spikes at an assumed 100 Hz per
// recorded cell. It refuses only what surely does not fit.

#include <string>

#include "model/catalogue.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

using myelin::estimate_memory;
using myelin::memory_estimate;

/// Memory this process may use [bytes]: the smallest of physical memory, the address
/// space and data limits (ulimit -v, -d) and the cgroup's memory.max.
double available_memory();

/// Expected connections of a connector from `n_pre` sources onto `n_post` targets (0 for
/// DistanceDependentProbability, whose count depends on the positions). The memory
/// estimate uses it for whole projections, the builder to reserve a VP's share.
double expected_connections(connector_kind kind, const connector& c, double n_pre, double n_post);

/// "1.5 GiB".
std::string human_bytes(double bytes);

/// Throws myelin::error naming the estimate, the limit and the ways out if the model
/// cannot fit: its share on one of `ranks` ranks exceeds available_memory(), or (with
/// `record_limit`) its recording over tstop exceeds `max_record_memory` (0 = half the
/// physical memory, the rule each run() segment applies). A simulation checks the first
/// when it is built and the second per segment; `myelin validate` checks both.
void check_memory(const network& net, int ranks, double max_record_memory,
                  bool record_limit = true);

}  // namespace myelin::detail

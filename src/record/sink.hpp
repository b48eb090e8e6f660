#pragma once
// Where recorded data goes. The recording (recording.hpp) appends to its sinks on
// rank 0 as data becomes complete: spikes at the end of every epoch, trace samples
// whenever the per-VP buffers are flushed (simulation::traces(), write_outputs). A sink
// learns the layout of everything once (declare), then only receives appended rows, so
// a streaming sink (an appendable HDF5 file) can write each block as it comes and hold
// nothing. memory_sink keeps everything: what the C++ API returns.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "myelin/simulation.hpp"

namespace myelin::detail {

/// One trace table: a recorded variable of the cells of one population that one
/// recorder selects; its samples are rows of node_ids.size() values.
struct trace_table_info {
  std::string population, variable, unit;
  std::vector<uint64_t> node_ids;  // indices within the population
};

/// The name of a trace table's group in traces.h5: its variable, or for the n-th later
/// table of the same population and variable (two recorders of one variable)
/// "<variable>_<n>". `seen` counts the tables given so far, in output order.
std::string trace_dataset_name(std::map<std::string, int>& seen, const std::string& population,
                               const std::string& variable);

class record_sink {
 public:
  virtual ~record_sink() = default;
  /// Once, before anything is appended: the labels of every population (spikes are
  /// appended by population index) and the trace tables, in output order.
  virtual void declare(const std::vector<std::string>& populations,
                       const std::vector<trace_table_info>& tables) = 0;
  /// Recorded spikes of population `population` from one epoch: `n` times [ms] and node
  /// ids, sorted by time, then node id, later than every spike appended before.
  virtual void append_spikes(std::size_t population, const double* times, const uint64_t* node_ids,
                             std::size_t n) = 0;
  /// `n` new samples of trace table `table`: times[n] [ms] and values[n * cells],
  /// sample-major, later than every sample appended before.
  virtual void append_samples(std::size_t table, const double* times, const double* values,
                              std::size_t n) = 0;
};

/// Keeps everything appended, as the C++ API's spike_data and trace_data.
class memory_sink final : public record_sink {
 public:
  void declare(const std::vector<std::string>& populations,
               const std::vector<trace_table_info>& tables) override;
  void append_spikes(std::size_t population, const double* times, const uint64_t* node_ids,
                     std::size_t n) override;
  void append_samples(std::size_t table, const double* times, const double* values,
                      std::size_t n) override;

  const spike_data& spikes(std::size_t population) const { return spikes_[population]; }
  const std::vector<trace_data>& traces() const { return traces_; }

 private:
  std::vector<spike_data> spikes_;  // per population
  std::vector<trace_data> traces_;  // per table
};

}  // namespace myelin::detail

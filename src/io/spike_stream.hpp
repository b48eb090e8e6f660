#pragma once
// Streaming writer of spikes.h5: spikes are appended block by block while a simulation
// runs, instead of held in memory until its end.
//
// The file it closes has exactly the layout of write_spikes_sonata (io/writers.hpp):
// root attributes magic and version, then for each population, in the order add() was
// called, a group /spikes/<population> with attribute sorting = "by_time" and
//   timestamps  float64 [n]  attribute units = "ms"
//   node_ids    uint64  [n]
// so every reader of spikes.h5 (read_spikes_sonata, libsonata, h5py) works unchanged.
// Only the storage differs: both datasets are chunked with an unlimited dimension.
//
// Usage, inside an output_transaction (as trace_stream):
//
//   spike_stream s(tx.path("spikes.h5"));
//   auto exc = s.add("exc");                // once per population, also without spikes
//   s.append(exc, times, node_ids, n);      // any number of times, later spikes after
//   s.close();                              // before tx.commit(); io_error on failure
//
// Errors are io_error naming the file (its final name) and the dataset; appending spikes
// earlier than one appended before is an internal_error (the file promises by_time). Not
// thread-safe (HDF5 is serial).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "io/writers.hpp"

namespace myelin::detail {

class spike_stream {
 public:
  /// Creates (truncates) `path` with the SONATA root attributes; io_error on failure.
  explicit spike_stream(const std::string& path, compression c = compression::none);
  /// Closes quietly if close() was not called (the transaction removes the file).
  ~spike_stream();
  spike_stream(const spike_stream&) = delete;
  spike_stream& operator=(const spike_stream&) = delete;

  /// Declares a population (its group and empty datasets); returns its handle.
  /// internal_error if added twice; io_error for names HDF5 cannot hold.
  std::size_t add(const std::string& population);
  /// Appends `n` spikes: times [ms], ascending and not before the last appended, with
  /// their node ids (indices within the population).
  void append(std::size_t handle, const double* times, const uint64_t* node_ids, std::size_t n);
  /// Spikes appended so far to `handle`.
  std::size_t size(std::size_t handle) const;
  /// Flushes and closes the file; io_error on failure. No add()/append() afterwards.
  void close();

 private:
  struct state;
  std::unique_ptr<state> s_;
};

}  // namespace myelin::detail

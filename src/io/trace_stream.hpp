#pragma once
// Streaming writer of traces.h5: samples are appended block by block while a simulation
// runs, instead of held in memory until its end.
//
// The file it closes has exactly the layout of write_traces_h5 (io/writers.hpp): groups
// /<population>/<variable> in the order add() was called, each with
//   time      float64 [n_samples]           attribute units = "ms"
//   node_ids  uint64  [n_cells]
//   data      float64 [n_samples, n_cells]  attribute units = <unit>
// so every reader of traces.h5 (read_traces_h5, python/myelin/plot.py, h5py) works
// unchanged. Only the storage differs: time and data are chunked with an unlimited first
// dimension (HDF5 needs chunks to grow a dataset), filtered as `compression` says.
//
// Usage, inside an output_transaction (the stream writes the temporary file; commit()
// renames it; an error or interrupt before commit() removes it):
//
//   trace_stream s(tx.path("traces.h5"));
//   auto v = s.add("exc", "v", "mV", node_ids);          // once per recorded variable
//   s.append(v, times, values);   // any number of times: k samples, k * n_cells values
//   s.close();                    // before tx.commit(); io_error on failure (full disk)
//
// Errors are io_error naming the file (its final name) and the dataset. Not thread-safe
// (HDF5 is serial): one thread at a time, as for the other writers.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/writers.hpp"

namespace myelin::detail {

class trace_stream {
 public:
  /// Creates (truncates) `path`; io_error if it cannot be created.
  explicit trace_stream(const std::string& path, compression c = compression::none);
  /// Closes without reporting errors if close() was not called (after an exception): the
  /// file is then incomplete, and the transaction that owns it removes it.
  ~trace_stream();
  trace_stream(const trace_stream&) = delete;
  trace_stream& operator=(const trace_stream&) = delete;

  /// Declares a recorded variable with no samples yet and writes its node_ids; returns
  /// the handle for append(). internal_error if (population, variable) was added before;
  /// io_error for names HDF5 cannot hold (empty, ".", containing '/').
  std::size_t add(const std::string& population, const std::string& variable,
                  const std::string& unit, const std::vector<uint64_t>& node_ids);

  /// Appends `n_samples` samples: their times [ms] and n_samples * n_cells values, sample
  /// by sample (data[s * n_cells + cell], the layout of trace_table::data).
  void append(std::size_t handle, const double* time, std::size_t n_samples, const double* data);
  void append(std::size_t handle, const std::vector<double>& time, const std::vector<double>& data);

  /// Samples appended so far to `handle`.
  std::size_t samples(std::size_t handle) const;

  /// Flushes and closes the file; io_error on failure. No add()/append() afterwards.
  void close();

 private:
  struct state;
  std::unique_ptr<state> s_;
};

}  // namespace myelin::detail

#pragma once
// The streaming sink: writes the recording into spikes.h5 and traces.h5 as it comes,
// at the temporary paths of the run's output transaction, so a run whose recording does
// not fit in memory keeps only what was recorded since the last flush (recording.hpp
// decides when). The files have the layout write_outputs writes from memory
// (docs/output-files.md): spike_stream and trace_stream (src/io/) guarantee it.
//
// Spikes are buffered here until flush(): the recording hands them over every epoch,
// and one HDF5 write per epoch would cost more than the simulation of a short epoch.
// Trace samples arrive in large blocks (the recording's flushes) and are written at once.

#include <memory>
#include <optional>
#include <vector>

#include "io/spike_stream.hpp"
#include "io/trace_stream.hpp"
#include "io/transaction.hpp"
#include "record/sink.hpp"

namespace myelin::detail {

class h5_stream_sink final : public record_sink {
 public:
  /// Files at tx's temporary paths: spikes.h5 with the populations flagged in
  /// `spikes_recorded` (also those that never fire), and traces.h5 if declare() is given
  /// trace tables. `tx` must outlive the sink.
  h5_stream_sink(output_transaction& tx, std::vector<bool> spikes_recorded, compression c);

  void declare(const std::vector<std::string>& populations,
               const std::vector<trace_table_info>& tables) override;
  void append_spikes(std::size_t population, const double* times, const uint64_t* node_ids,
                     std::size_t n) override;
  void append_samples(std::size_t table, const double* times, const double* values,
                      std::size_t n) override;

  /// Writes the buffered spikes (io_error on failure, e.g. a full disk).
  void flush();
  /// Flushes and closes both files; io_error on failure. Nothing may be appended after.
  void close();

 private:
  output_transaction& tx_;
  std::vector<bool> recorded_;       // per population
  std::vector<std::size_t> handle_;  // per population: its spike_stream handle
  std::vector<spike_data> pending_;  // per population: spikes not yet written
  compression compression_;
  std::optional<spike_stream> spikes_;
  std::optional<trace_stream> traces_;
  std::vector<std::size_t> tables_;  // per trace table: its trace_stream handle
};

}  // namespace myelin::detail

#pragma once
// Output files: SONATA spike files, HDF5 traces, atomic text files.
//
// Every output of a run is first written under a temporary name inside the output
// directory and renamed into place only when the whole run has succeeded, so a failed
// run leaves no partial files behind (output_transaction, io/transaction.hpp).
//
// Errors are io_error with one line naming the file (its final name, not the temporary
// one) and the reason, e.g. "HDF5 file 'out/traces.h5': cannot write dataset
// '/exc/v/data': No space left on device".

#include <cstdint>
#include <string>
#include <vector>

#include "io/transaction.hpp"
#include "myelin/outputs.hpp"

namespace myelin::detail {

/// HDF5 storage of large datasets (myelin/outputs.hpp). On COBA's traces deflate saves
/// only ~18 % (noisy float64 values) for ~25 % more process CPU.
using myelin::compression;
using myelin::parse_compression;

/// Spikes of one population. node_ids are indices within the population (SONATA).
struct spike_table {
  std::string population;
  std::vector<double> times;       // [ms], ascending
  std::vector<uint64_t> node_ids;  // same length as times
};

/// One recorded variable of one population: data[sample * node_ids.size() + cell].
struct trace_table {
  std::string population;
  std::string variable;            // e.g. "v"
  std::string unit;                // e.g. "mV"
  std::vector<double> time;        // [ms], one per sample
  std::vector<uint64_t> node_ids;  // indices within the population
  std::vector<double> data;        // time.size() * node_ids.size() values
};

/// Writes /spikes/<population>/timestamps (float64, attribute units="ms") and
/// /spikes/<population>/node_ids (uint64), with attribute sorting="by_time" on
/// /spikes/<population>, for every table (also empty ones).
void write_spikes_sonata(const std::string& path, const std::vector<spike_table>& tables,
                         compression c = compression::none);

/// Reads a file written by write_spikes_sonata (for tests and tools).
std::vector<spike_table> read_spikes_sonata(const std::string& path);
/// One population of such a file (a file larger than memory is read a population at a time).
spike_table read_spikes_sonata(const std::string& path, const std::string& population);

/// Writes /<population>/<variable>/{time, node_ids, data} with data of shape
/// [n_samples, n_cells] and attribute units on data. trace_stream (io/trace_stream.hpp)
/// writes the same layout block by block.
void write_traces_h5(const std::string& path, const std::vector<trace_table>& tables,
                     compression c = compression::none);

/// Reads a file written by write_traces_h5.
std::vector<trace_table> read_traces_h5(const std::string& path);

/// Writes `content` to `path` atomically (temporary file in the same directory, then
/// rename; the temporary is registered for the interrupt cleanup). Used for files of an
/// output_transaction, whose commit() flushes them to the disk.
void write_text_atomic(const std::string& path, const std::string& content);

/// Writes an electrode array's CSV atomically: header t_ms,e0,e1,..., then one row per
/// sample k (t = k dt) with values[e * n_times + k] [uV] in printf's %.10g.
void write_extracellular_csv(const std::string& path, double dt, std::size_t n_electrodes,
                             std::size_t n_times, const std::vector<double>& values);
/// Writes a dipole CSV atomically: header t_ms,agg,<layers...>, then one row per sample
/// k (t = k dt), values with 10 significant digits.
void write_dipole_csv(const std::string& path, double dt, const std::vector<std::string>& layers,
                      const std::vector<double>& agg,
                      const std::vector<std::vector<double>>& per_layer);

}  // namespace myelin::detail

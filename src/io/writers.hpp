#pragma once
// Output files: SONATA spike files, HDF5 traces, atomic text files.
//
// Every output of a run is first written under a temporary name inside the output
// directory and renamed into place only when the whole run has succeeded, so a failed
// run leaves no partial files behind (output_transaction).

#include <cstdint>
#include <string>
#include <vector>

namespace myelin::detail {

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
void write_spikes_sonata(const std::string& path, const std::vector<spike_table>& tables);

/// Reads a file written by write_spikes_sonata (for tests and tools).
std::vector<spike_table> read_spikes_sonata(const std::string& path);

/// Writes /<population>/<variable>/{time, node_ids, data} with data of shape
/// [n_samples, n_cells] and attribute units on data.
void write_traces_h5(const std::string& path, const std::vector<trace_table>& tables);

/// Reads a file written by write_traces_h5.
std::vector<trace_table> read_traces_h5(const std::string& path);

/// Collects the files of one run. path(name) gives a temporary path inside `dir`
/// (created if missing; io_error naming the directory if it cannot be created or
/// written). commit() renames every file to its final name. If the transaction is
/// destroyed without commit(), every temporary file is removed.
///
/// With `sync` (the default) commit() first flushes every file's data to the disk, so
/// that even after a system crash a final name holds the whole file. A batch of runs
/// passes false and calls sync_file_system() once at its end instead: one flush for the
/// batch rather than one per file.
class output_transaction {
 public:
  explicit output_transaction(const std::string& dir, bool sync = true);
  ~output_transaction();
  output_transaction(const output_transaction&) = delete;
  output_transaction& operator=(const output_transaction&) = delete;

  /// Temporary path for the final file dir/name.
  std::string path(const std::string& name);
  void commit();
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::pair<std::string, std::string>> files_;  // (temporary, final)
  std::vector<std::string> created_;  // directories created here, deepest first
  bool committed_ = false;
  bool sync_ = true;
};

/// Flushes everything written to the file system holding `dir` to the disk (syncfs);
/// io_error naming the directory if that fails.
void sync_file_system(const std::string& dir);

/// Writes `content` to `path` atomically (temporary file in the same directory, then
/// rename). Used for files of an output_transaction, whose commit() flushes them to the
/// disk.
void write_text_atomic(const std::string& path, const std::string& content);

/// Writes a dipole CSV atomically: header t_ms,agg,<layers...>, then one row per sample
/// k (t = k dt), values with 10 significant digits.
void write_dipole_csv(const std::string& path, double dt, const std::vector<std::string>& layers,
                      const std::vector<double>& agg,
                      const std::vector<std::vector<double>>& per_layer);

}  // namespace myelin::detail

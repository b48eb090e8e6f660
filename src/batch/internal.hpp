#pragma once
// Parts of the batch runner (src/batch): summaries of a run, the batch directory, the
// results table, and the MPI hand-out of runs.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "myelin/batch.hpp"
#include "myelin/hnn.hpp"
#include "myelin/simulation.hpp"

namespace myelin::batch::detail {

/// HDF5 (not thread-safe as built) is used by one thread of the process at a time.
std::mutex& hdf5_mutex();

/// The run's HNN dipoles, and its output files written to `dir` (unless empty). The one
/// place that calls the engine's dipole and output functions.
hnn_dipole_signals dipoles_and_outputs(const simulation& sim, const std::string& dir);

/// Summary columns of a finished simulation (docs/batch.md, "Summaries").
std::vector<std::pair<std::string, double>> summarize(const simulation& sim,
                                                      const hnn_dipole_signals& dipoles,
                                                      double bin_ms);

/// rows/<id>.json: one row as JSON text, and back.
std::string row_to_json(const row& r);
row row_from_json(const std::string& text);

/// Makes `dir` the plan's batch directory: a new or empty one gets batch.json and rows/;
/// one of the same plan is resumed (temporary files of an interrupted invocation and the
/// outputs of runs without a row removed). Returns the rows already there, by id.
std::vector<row> prepare_directory(const plan& p, const std::string& dir, bool overwrite);
void write_row(const plan& p, const std::string& dir, const row& r);

/// results.csv, results.h5 (and, for a single point's trials with their outputs kept,
/// dipole_mean.csv and dipole_smooth_mean.csv), atomically. Returns the file names.
std::vector<std::string> write_table(const plan& p, const std::string& dir,
                                     const std::vector<row>& rows);

/// MPI_COMM_WORLD when MPI is initialised (built with MPI), else rank 0 of 1.
int world_rank();
int world_size();
/// Rank 0's string on every rank (collective).
std::string broadcast(const std::string& s);
/// Rank 0: answers the other ranks' requests until each has been told to stop. `next`
/// gives the next run to hand out (nullopt: none left); `on_row` takes a row a rank
/// sends back (JSON text). Polls, so rank 0's own runs (other threads) go on meanwhile.
void serve_runs(const std::function<std::optional<std::size_t>()>& next,
                const std::function<void(const std::string&)>& on_row);
/// Ranks > 0: asks rank 0 for runs and runs them (`execute` returns the row's JSON text)
/// until told to stop.
void request_runs(const std::function<std::string(std::size_t)>& execute);

}  // namespace myelin::batch::detail

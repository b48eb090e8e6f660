#pragma once
// Parts of the batch runner (src/batch): summaries of a run, the batch directory, the
// results table, and the MPI hand-out of runs.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/context.hpp"
#include "myelin/batch.hpp"
#include "myelin/hnn.hpp"
#include "myelin/simulation.hpp"

namespace myelin::batch::detail {

/// HDF5 (not thread-safe as built) is used by one thread of the process at a time.
std::mutex& hdf5_mutex();

/// The run's HNN dipoles, and its output files written to `dir` (unless empty). The one
/// place that calls the engine's dipole and output functions.
hnn_dipole_signals dipoles_and_outputs(const simulation& sim, const std::string& dir);

/// Whether the HDF5 library serialises its calls itself (built thread-safe).
bool hdf5_thread_safe();

/// Summary columns of a finished simulation (docs/batch.md, "Summaries"), on the rank
/// that holds its results. A streamed recording (simulation::streaming) is read back
/// from `run_dir`/spikes.h5, which write_outputs has committed.
std::vector<std::pair<std::string, double>> summarize(const simulation& sim,
                                                      const hnn_dipole_signals& dipoles,
                                                      double bin_ms, const std::string& run_dir);

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

/// Held around every MPI call of the batch and of its group simulations' transports:
/// MPI is initialised with MPI_THREAD_SERIALIZED, and rank 0 answers requests on its
/// main thread while a worker thread runs its group's simulation over MPI.
std::mutex& mpi_lock();

/// Rank 0: answers the requests of `requesters` ranks (the other ranks, or the other
/// groups' leaders) until each has been told to stop. `next` gives the next run to hand
/// out (nullopt: none left); `on_row` takes a row a rank sends back (JSON text). Polls,
/// so rank 0's own runs (other threads) go on meanwhile.
void serve_runs(int requesters, const std::function<std::optional<std::size_t>()>& next,
                const std::function<void(const std::string&)>& on_row);
/// Ranks > 0 (a group's leader): asks rank 0 for runs and runs them (`execute` returns
/// the row's JSON text) until told to stop; then calls execute(nullopt) once (its
/// result is not sent).
void request_runs(const std::function<std::string(std::optional<std::size_t>)>& execute);

/// The ranks of MPI_COMM_WORLD cut into groups of `ranks_per_run` consecutive ranks
/// (MPI_Comm_split, collective over every rank; freed with the object). Group g is
/// world ranks g K .. g K + K - 1; its leader (rank 0 in the group) is world rank g K.
class run_group {
 public:
  explicit run_group(int ranks_per_run);
  ~run_group();
  run_group(const run_group&) = delete;
  run_group& operator=(const run_group&) = delete;
  int count() const { return count_; }  ///< groups
  bool leader() const { return leader_; }
  /// The leader's `id` (nullopt: no run left) on every rank of the group (collective).
  std::optional<std::size_t> share(std::optional<std::size_t> id) const;
  /// A transport over the group's ranks for one simulation (every rank of the group
  /// makes its simulation at the same time); its MPI calls hold mpi_lock().
  std::unique_ptr<myelin::detail::distributed_context> transport() const;

 private:
  struct comm;
  std::unique_ptr<comm> comm_;
  int count_ = 1;
  bool leader_ = true;
};

}  // namespace myelin::batch::detail

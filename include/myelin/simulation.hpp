#pragma once
// Building and running a network: description -> build -> engine -> recording.
//
//   myelin::network net = myelin::load_network("models/coba.json");
//   myelin::simulation sim(net, {.threads = 2});
//   sim.run(500.0);                       // first segment
//   sim.set_stimulus_param("drive", "amplitude", 0.3);
//   sim.run(500.0);                       // second segment
//   sim.write_outputs("results/coba");
//
// A run that writes its outputs can stream a recording too large for memory to disk:
//
//   myelin::simulation sim(net);
//   sim.stream_outputs("results/coba");   // before run()
//   sim.run();                            // refused only if the disk is too small
//   sim.write_outputs("results/coba");    // completes and commits the files
//
// Results are bit-identical for any number of threads (docs/parallel.md).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "myelin/model.hpp"
#include "myelin/outputs.hpp"

namespace myelin {

struct run_options {
  int threads = 0;  ///< worker threads; 0 = every core of the machine
  /// Refuse to run if recorders would need more than this many bytes (or, after
  /// simulation::stream_outputs, stream the recording to disk instead);
  /// 0 = half the machine's physical memory.
  double max_record_memory = 0.0;
  /// Called from the run loop about every 0.2 s of wall time with (t_now, t_end) [ms].
  std::function<void(double, double)> progress;
  /// HDF5 storage of write_outputs' large datasets (outputs.hpp); values are the same.
  myelin::compression compression = myelin::compression::none;
};

/// Spikes of one population: node ids are indices within the population.
struct spike_data {
  std::vector<double> times;  // [ms], sorted by time, then node id
  std::vector<uint64_t> node_ids;
};

/// One recorded variable of one population: values[sample * node_ids.size() + k].
struct trace_data {
  std::string population, variable, unit;
  std::vector<double> times;  // [ms]
  std::vector<uint64_t> node_ids;
  std::vector<double> values;
};

/// One connection: global ids of its ends (see simulation::first_gid), weight and delay.
struct connection_data {
  uint64_t pre, post;
  double weight;  // [nA], [uS] or [mV] as the target's synapses
  double delay;   // [ms], rounded to whole steps
};

/// The current dipole of one population of dipole-producing cells (HNN's pyramidal
/// cells): the sum over its cells, in gid order, at t = k dt for k = 0..steps taken
/// (value 0 at t = 0, as HNN-core writes), in fAm, before any baseline correction.
struct dipole_data {
  std::string population, cell_type;
  std::vector<double> values;
};

/// The extracellular potential of one electrode array (model.hpp, electrode_array) [uV]:
/// values[e * n_times + k] at electrode e (in the array's order) and t = k dt for
/// k = 0..steps taken (0 at t = 0, as HNN-core writes: its recording starts after the
/// first step), summed over every multi-compartment cell.
struct electrode_data {
  std::string label;
  std::size_t n_electrodes = 0, n_times = 0;
  std::vector<double> values;
};

/// A file a front end adds to the outputs of simulation::write_outputs: written into
/// the same directory in the same all-or-nothing transaction, on rank 0 only, by
/// write(path) with the temporary path to write to (e.g. hnn_dipole_files, hnn.hpp).
struct output_file {
  std::string name;  ///< final name inside the output directory, e.g. "dipole.csv"
  std::function<void(const std::string& path)> write;
};

struct output_options {
  /// false leaves the files' flush to the disk to the caller (a batch of runs flushes
  /// once at its end); they are still renamed into place only when complete.
  bool sync = true;
  std::vector<output_file> extra;  ///< written before the simulation's own files
};

struct population_summary {
  std::string label;
  int64_t size;
  uint64_t spike_count;  // all spikes of the population since t = 0, recorded or not
  double mean_rate_hz;
};

class simulation {
 public:
  /// Validates and builds the network (throws model_error for invalid input).
  explicit simulation(const network& net, run_options options = {});
  /// The same, taking over `net` (no copy of what can be 10^7 FromArrays connections).
  explicit simulation(network&& net, run_options options = {});
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  /// Advances by `duration` [ms] (a whole number of steps). Can be called repeatedly;
  /// parameters and recorders may be changed between calls, acting from the next call's
  /// first step. Segments do not change results: with nothing changed in between,
  /// run(a); run(b) gives bit-identical spikes, traces and dipoles to run(a + b), for any
  /// split (docs/user-guide.md, "Run segments").
  void run(double duration);
  /// Population dipoles (collective under MPI; complete on rank 0, empty elsewhere).
  std::vector<dipole_data> dipoles() const;
  /// Every electrode array of the model, in model order (collective under MPI; complete
  /// on rank 0, empty elsewhere). The sums are exact (fixed point), so the values have the
  /// same bits for every number of threads and ranks.
  std::vector<electrode_data> electrode_arrays() const;
  /// The electrode array labelled `label` (collective; on ranks other than 0 it has no
  /// values); model_error naming the labels the model has if there is none of that name.
  electrode_data electrode_array(const std::string& label) const;
  /// Runs until the model's tstop.
  void run() { run(model().tstop - time()); }

  double time() const;  ///< [ms]
  const network& model() const;
  int threads() const;  ///< threads of this rank
  int ranks() const;    ///< MPI ranks (1 without MPI)
  int rank() const;

  /// Makes this simulation what `simulation(next, options)` would build with this one's
  /// options: t = 0, nothing recorded, every result bit-identical to such a fresh build.
  /// It reuses the connection tables of projections whose connections `next` leaves
  /// unchanged (the same cells, connector, delays, and, where these are random or depend
  /// on positions, the same seed and positions), taking the new homogeneous weight or
  /// drawing the weights anew where only those changed; everything else (cells, current
  /// sources, drives, recorders) is built anew (docs/batch.md, "Reusing the network").
  /// Returns false, changing nothing, when `next` has another dt or other populations
  /// (count, sizes, cell types): build a new simulation then. Throws model_error for an
  /// invalid `next`, leaving this simulation as it was. Collective under MPI.
  bool reset(const network& next);
  /// Connections the last reset took over from the previous model (0 when built anew).
  uint64_t reused_synapse_count() const;

  /// Changes a scalar parameter of a current source, e.g. ("drive", "amplitude", 0.3).
  void set_stimulus_param(const std::string& stimulus, const std::string& param, double value);
  /// Sets a parameter of every cell of a population, e.g. ("exc", "i_offset", 0.1).
  void set_population_param(const std::string& population, const std::string& param, double value);
  /// Sets a parameter cell by cell: `values` has one value per cell of the population
  /// (model_error naming the parameter otherwise, or for a value out of its range).
  void set_population_param(const std::string& population, const std::string& param,
                            const std::vector<double>& values);
  /// Sets a state variable (one of the cell type's initial values, e.g. "v") of every
  /// cell now: one value for all cells, or one per cell. Acts from the next step.
  void set_state(const std::string& population, const std::string& variable,
                 const std::vector<double>& values);
  /// SpikeSourceArray: replaces the spike times of every cell (one list for all cells,
  /// or one per cell; each non-decreasing, >= 0 [ms]). Times at or before the current
  /// time are ignored.
  void set_spike_times(const std::string& population,
                       const std::vector<std::vector<double>>& times);
  /// StepCurrentSource: replaces its change times [ms] and amplitudes [nA] (equal lengths,
  /// times non-decreasing).
  void set_stimulus_steps(const std::string& stimulus, const std::vector<double>& times,
                          const std::vector<double>& amplitudes);
  /// Changes "weight" or "delay" [ms] of every connection of a projection: one value per
  /// connection, in the order of connections(projection) (collective under MPI). Weights
  /// keep the projection's sign rule; delays are rounded to whole steps and may not fall
  /// below min_delay() (the epoch length fixed at build).
  void set_connection_param(const std::string& projection, const std::string& param,
                            const std::vector<double>& values);
  /// The shortest and longest connection delay of the network [ms] (over all
  /// projections; dt when there are no connections).
  double min_delay() const;
  double max_delay() const;
  /// Spikes of each cell of a population since t = 0, recorded or not (every rank).
  std::vector<uint64_t> spike_counts(const std::string& population) const;
  /// Switches a recorder on or off for the following segments.
  void set_recording(const std::string& recorder, bool on);

  /// Bytes the recorders will need for a run of `duration` [ms] (traces exactly, spikes
  /// assuming every recorded cell fires at 100 Hz).
  double record_memory_estimate(double duration) const;

  /// Results are complete on rank 0 (on other ranks: spikes() and traces() are empty,
  /// summary() is complete). traces(), connections() and write_outputs() are collective:
  /// every rank must call them.
  spike_data spikes(const std::string& population) const;
  /// Every connection of a projection, gathered from all threads (complete on rank 0):
  /// for FromArrays in the order of its columns, otherwise sorted by (post, pre).
  std::vector<connection_data> connections(const std::string& projection) const;
  /// The number of connections of a projection on all ranks (as connections() would
  /// return them), without gathering them; throws model_error for an unknown label.
  uint64_t connection_count(const std::string& projection) const;
  /// Gid of the first cell of a population (gids are consecutive per population).
  uint64_t first_gid(const std::string& population) const;
  std::vector<trace_data> traces() const;
  std::vector<population_summary> summary() const;

  double build_seconds() const;
  double run_seconds() const;
  uint64_t synapse_count() const;
  /// Memory held by connection tables [bytes], plastic state included: as built, and
  /// with STDP as the spike histories stand after the last run().
  double synapse_bytes() const;

  /// Lets run() stream the recording to `dir` when it does not fit in memory: a run
  /// segment whose recording estimate exceeds run_options::max_record_memory, or whose
  /// cells record more spikes than that during the run, then writes spikes.h5 and
  /// traces.h5 in `dir` as it runs (with what was recorded before), flushing whenever a
  /// quarter of the limit (at most 64 MiB) is pending, so that the recording stays well
  /// within the limit (with the copies made while writing), instead of being refused. Such a
  /// segment is refused (error, before it starts) only if its estimate exceeds the free
  /// space of the disk holding `dir`. The files stay temporary (removed on failure or
  /// interrupt) until write_outputs(dir), with the same directory, completes and commits
  /// them with the other outputs; that ends the simulation (run() refused afterwards).
  /// Once streaming, spikes() and traces() throw error (the data are in the files;
  /// streaming() says whether). A recording that fits in memory is not streamed, and
  /// everything behaves as without this call. Call before run(); collective under MPI.
  /// The streamed files are written during run() from the thread that closes an epoch:
  /// no other thread of the process may use HDF5 meanwhile.
  void stream_outputs(const std::string& dir);
  /// Whether the recording has been switched to streaming (the same on every rank).
  bool streaming() const;

  /// Writes spikes.h5, traces.h5 (if anything was recorded), summary.json,
  /// extracellular_<label>.csv per electrode array and, for
  /// models with dipole-producing cells, HNN-core's dipole.csv and dipole_smooth.csv
  /// (hnn.hpp) to `dir`, atomically: on failure no file of this call is left behind.
  void write_outputs(const std::string& dir) const;
  /// The simulation's own files (spikes.h5, traces.h5, summary.json) and the front end's
  /// `options.extra`, in one transaction (collective as well).
  void write_outputs(const std::string& dir, const output_options& options) const;

 private:
  struct impl;
  explicit simulation(std::unique_ptr<impl> built);
  friend struct simulation_access;  // src/engine/simulation_access.hpp (tests)
  std::unique_ptr<impl> impl_;
};

/// MPI for the lifetime of the object: initialises MPI (MPI_THREAD_SERIALIZED) if the
/// process was started by an MPI launcher (mpirun, srun) and myelin was built with MPI;
/// otherwise does nothing. Simulations created while a session is active are
/// distributed over all ranks of MPI_COMM_WORLD; every rank must make the same calls.
class mpi_session {
 public:
  mpi_session(int* argc, char*** argv);
  ~mpi_session();
  mpi_session(const mpi_session&) = delete;
  mpi_session& operator=(const mpi_session&) = delete;
  bool active() const { return active_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  /// Ends every rank of the job (MPI_Abort), or the process without MPI.
  [[noreturn]] void abort(int code);
  static bool built_with_mpi();

 private:
  bool active_ = false;
  int rank_ = 0, size_ = 1;
};

/// The library version, e.g. "0.1.0".
std::string version();

}  // namespace myelin

#pragma once
// Batches of runs: parameter sweeps and trials (docs/batch.md).
//
//   myelin::batch::sweep s = myelin::batch::load_sweep("models/sweeps/coba_weights.json");
//   myelin::batch::plan p(s);              // every run's model is built and validated here
//   myelin::batch::result r = myelin::batch::run(p, "results/coba_weights", {.jobs = 2});
//   for (const auto& row : r.rows) ...     // one per run: values, status, summaries
//
// A batch directory holds batch.json (the plan and its hash), rows/<id>.json (one file per
// finished run, renamed into place when complete), runs/<id>/ (a run's outputs, when
// kept), and results.csv / results.h5 (the table, assembled from the rows at the end).
// Running the same plan into the same directory again skips the runs that have a row.
// The library prints nothing: progress goes through options::on_progress, errors are
// exceptions (myelin::model_error naming the sweep's JSON path, myelin::error).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "myelin/model.hpp"
#include "myelin/outputs.hpp"

namespace myelin::batch {

/// What a batch keeps of each run: `nothing` (a row with its values, status and wall
/// time), `summaries` (the row with every summary column; the default), `all` (that and
/// the run's output files under runs/<id>/).
enum class keep_mode { nothing, summaries, all };

/// One assignment applied to every run: a model path (as `myelin run --set`) and a JSON
/// value. `origin` names where it came from, for errors ("set.tstop", "--tstop").
struct assignment {
  std::string path, value, origin;
};

/// Parameters varied together: every path takes values[k] in point k.
struct vary_spec {
  std::vector<std::string> paths;
  std::vector<std::string> values;  ///< JSON texts
  std::string origin;               ///< for errors: "vary[1]", "--vary 'PATH=VALUES'"
};

enum class combine_mode { grid, zip };

/// A sweep description: what `myelin batch SWEEP.json` reads (docs/batch.md), or what
/// `myelin sweep` and `myelin run --trials` build from their options.
struct sweep {
  std::string model;     ///< a model file, or a built-in model's name ("coba")
  std::string base_dir;  ///< relative model and replay paths start here ("" = cwd)
  std::vector<assignment> set;
  std::vector<vary_spec> vary;
  combine_mode combine = combine_mode::grid;  ///< grid: first vary outermost
  int trials = 1;                             ///< runs per point, with derived seeds
  keep_mode keep = keep_mode::summaries;
  double bin_ms = 5.0;        ///< bin of the Fano factor and synchrony summaries [ms]
  std::string replay_drives;  ///< optional: a drive-replay CSV applied to every run
};

/// Parses a sweep file's text; model_error names the JSON path of the bad field
/// ("vary[1].values"). `base_dir` is the sweep file's directory.
sweep parse_sweep(const std::string& json_text, const std::string& base_dir);
/// Reads and parses a sweep file; errors start with its path.
sweep load_sweep(const std::string& path);
/// The sweep as JSON text (what batch.json stores; parse_sweep reads it back).
std::string sweep_to_json(const sweep& s);

/// numpy's linspace (the last value exactly `stop`) and logspace (10^x of that), as the
/// shortest JSON texts that read back as the same doubles. Throws error for num < 1 or
/// values that are not finite.
std::vector<std::string> linspace(double start, double stop, int64_t num);
std::vector<std::string> logspace(double start, double stop, int64_t num);

/// The model file of `name`: an existing path (relative to `base_dir`), or a built-in
/// model (models/<name>.json of the source tree, or <prefix>/share/myelin/models/).
std::string resolve_model(const std::string& name, const std::string& base_dir);

/// One run of a plan: id = point * trials + trial.
struct run_info {
  std::size_t id = 0, point = 0;
  int trial = 0;
  std::vector<std::string> values;  ///< one per column of plan::columns()
  uint64_t seed = 0;                ///< the seed its trial derives (see plan::seed_column)
};

class plan {
 public:
  /// Reads the base model, expands the points, and builds and validates the model of
  /// every point (and checks the trial rule) before anything runs: model_error naming
  /// the sweep's JSON path (a vary's origin and value index) for the first bad one.
  explicit plan(sweep s);

  const sweep& spec() const { return spec_; }
  /// The base model with `set` applied.
  const network& base() const { return base_; }
  std::size_t size() const { return points_.size() * static_cast<std::size_t>(spec_.trials); }
  std::size_t points() const { return points_.size(); }
  /// The varied paths, one column each, in vary order.
  const std::vector<std::string>& columns() const { return columns_; }
  run_info run(std::size_t id) const;
  /// The varied values of run `id`, one per column (cheaper than run(id)).
  const std::vector<std::string>& values(std::size_t id) const {
    return points_[id / static_cast<std::size_t>(spec_.trials)];
  }
  /// The model of run `id`: the base model, `set`, the point's values, then the trial's
  /// seeds: with drives of random spike times every such drive's seed + trial
  /// (HNN-core's n_trials), otherwise the model's `seed` + trial.
  network model(std::size_t id) const;
  /// The seed a run's trial derives, read from its model (model(id)).
  uint64_t seed_of(const network& run_model) const;
  /// "drive_seed" (the first random drive's seed) or "run_seed" (the model's seed).
  const std::string& seed_column() const { return seed_column_; }
  /// FNV-1a of the sweep's JSON and the base model's (and replay file's) text, in hex.
  const std::string& hash() const { return hash_; }
  /// Run directory names: zero-padded ids, at least 3 digits ("007").
  std::string run_name(std::size_t id) const;

 private:
  network point_model(std::size_t point) const;
  sweep spec_;
  network base_;
  std::vector<std::vector<std::string>> points_;  // [point][column] JSON values
  std::vector<std::string> columns_;
  std::vector<std::string> column_origin_;  // "vary[0]" per column
  std::string seed_column_ = "run_seed", hash_;
  bool random_drives_ = false;
  drive_replay replay_;
};

/// One finished run: what rows/<id>.json and a table row hold.
struct row {
  std::size_t id = 0;
  int trial = 0;
  uint64_t seed = 0;
  std::vector<std::string> values;  ///< the varied values (JSON texts)
  bool ok = false;
  std::string error;  ///< the failure's message (empty when ok)
  double wall_s = 0;  ///< build, run and outputs of this run [s]
  /// The run reset the previous run's simulation (options::reuse) instead of building a
  /// new one. In rows/<id>.json, not in the table.
  bool reused = false;
  /// Summary columns named with their unit (spikes_exc, rate_exc_Hz, ...; NaN where
  /// undefined, e.g. an ISI CV without cells of 3 spikes). Empty for failed runs.
  std::vector<std::pair<std::string, double>> summaries;
};

struct progress {
  std::size_t total = 0;      ///< runs of the plan
  std::size_t done = 0;       ///< with a row, those of an earlier invocation included
  std::size_t failed = 0;     ///< of done
  std::size_t resumed = 0;    ///< of done: found in the directory at the start
  double elapsed_s = 0;       ///< since this invocation started
  double eta_s = -1;          ///< estimated time left [s]; -1 before the first run ends
  const row* last = nullptr;  ///< the run just finished; null for the first call
};

struct options {
  /// Runs at a time in this process, one thread each (0: every core). Under mpirun each
  /// rank runs `jobs` (0: 1) and runs are handed out to ranks as they ask.
  int jobs = 0;
  int threads = 1;  ///< threads of each run (when jobs is 1)
  /// Under mpirun: MPI ranks per run. 1: each rank runs its runs alone. K > 1: the
  /// ranks are split into groups of K consecutive ranks (world size / K groups; the
  /// world size must be a multiple of K, and `jobs` 0 or 1), each group runs one run at
  /// a time distributed over its ranks, and runs are handed out to groups as they ask.
  /// The results are the same for every K.
  int ranks_per_run = 1;
  bool overwrite = false;  ///< replace a directory holding another batch
  /// run_options::max_record_memory of each run. With keep_mode::all a recording above
  /// it is streamed into runs/<id>/ (simulation::stream_outputs); otherwise the run fails.
  double max_record_memory = 0;
  /// Each job resets the simulation of its previous run for the next run (simulation::
  /// reset: the connection tables that stay valid are kept) instead of building a new
  /// one. The results are the same either way; false builds every run anew.
  bool reuse = true;
  /// run_options::compression of each run's outputs (keep_mode::all)
  myelin::compression compression = myelin::compression::none;
  /// Called on rank 0 at the start and after every run, from one thread at a time.
  std::function<void(const progress&)> on_progress;
  /// When it becomes true, no further run starts; runs in progress finish and are kept.
  const std::atomic<bool>* stop = nullptr;
};

struct result {
  std::vector<row> rows;  ///< every run with a row, by id (rank 0 only; empty elsewhere)
  std::size_t failed = 0;
  std::size_t reused = 0;          ///< rows of this invocation with row::reused
  bool interrupted = false;        ///< `stop` came before every run had a row
  std::vector<std::string> files;  ///< what the batch wrote at its end (results.csv, ...)
};

/// Runs the plan into `dir` (created if missing): skips runs that already have a row,
/// records failures as rows and goes on, and writes results.csv and results.h5 once
/// every run has a row. Refuses (error naming `dir`) a directory holding another plan
/// (unless options::overwrite) or anything but a batch. Collective under MPI.
result run(const plan& p, const std::string& dir, const options& o = {});

/// The rows found in a batch directory, by id.
std::vector<row> read_rows(const std::string& dir);

}  // namespace myelin::batch

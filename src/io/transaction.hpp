#pragma once
// The output transaction of a run: every output is written under a temporary name inside
// the output directory and renamed into place only when the whole run has succeeded, so
// a failed run leaves no partial files behind, and a committed run directory holds
// exactly that run's outputs (docs/output-files.md, "Reruns, interrupts, full disks").

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace myelin::detail {

/// The files a `myelin run` writes into its directory, and those `myelin plot` adds:
/// spikes.h5, traces.h5, summary.json, dipole.csv, dipole_smooth.csv,
/// extracellular_<label>.csv, raster.png, rates.png, traces.png, dipole.png,
/// extracellular.png (and plot's temporary "<name>.png.tmp.png").
bool is_run_output(const std::string& file_name);

/// Collects the files of one run. path(name) gives a temporary path inside `dir`
/// (created if missing; io_error naming the directory if it cannot be created or
/// written). commit() renames every file to its final name. If the transaction is
/// destroyed without commit(), every temporary file is removed.
///
/// With `sync` (the default) commit() first flushes every file's data to the disk, so
/// that even after a system crash a final name holds the whole file. A batch of runs
/// passes false and calls sync_file_system() once at its end instead: one flush for the
/// batch rather than one per file.
///
/// Both scopes remove temporary files that an earlier process killed by SIGKILL left in
/// `dir` (".<name>.tmp-<pid>" whose pid no longer exists).
///
/// scope::run (the default; simulation::write_outputs): `dir` is one run's directory.
/// The constructor refuses (io_error, one line naming the directory and the file) a
/// directory holding anything but the outputs of an earlier run (is_run_output), hidden
/// files (".name", left alone) and temporary files of a live process other than this one
/// (refused too: another process is writing there). After its renames commit() removes the
/// earlier run's outputs that this run did not write, so the directory then holds exactly
/// this run's outputs.
///
/// scope::files: adds files to `dir` and touches nothing else (a batch's directory with
/// its sweep.csv / trials.csv beside the run_NNN/ directories).
class output_transaction {
 public:
  enum class scope { run, files };

  explicit output_transaction(const std::string& dir, bool sync = true, scope s = scope::run);
  ~output_transaction();
  output_transaction(const output_transaction&) = delete;
  output_transaction& operator=(const output_transaction&) = delete;

  /// Temporary path for the final file dir/name (registered for interrupt cleanup).
  std::string path(const std::string& name);
  void commit();
  const std::string& dir() const { return dir_; }
  /// Changes `sync` (above) before commit(): a transaction opened early, e.g. for files
  /// streamed during a run, learns it when the run's outputs are written.
  void set_sync(bool sync) { sync_ = sync; }

 private:
  // The entries of dir_ that are outputs of an earlier run (scope::run); throws on others.
  std::vector<std::string> inspect() const;

  std::string dir_;
  std::vector<std::pair<std::string, std::string>> files_;  // (temporary, final)
  std::vector<std::string> created_;  // directories created here, deepest first
  std::vector<int> slots_;            // interrupt-cleanup registry slots of files_, created_
  bool committed_ = false;
  bool sync_ = true;
  scope scope_ = scope::run;
  std::chrono::steady_clock::time_point start_;
};

/// Flushes everything written to the file system holding `dir` to the disk (syncfs);
/// io_error naming the directory if that fails.
void sync_file_system(const std::string& dir);

/// The final name of an output_transaction's temporary path ("D/.x.h5.tmp-123" gives
/// "D/x.h5"); any other path unchanged. Error messages name files by it.
std::string final_path(const std::string& path);

/// The temporary name of final path "D/x" for this process: "D/.x.tmp-<pid>".
std::string temporary_path(const std::string& final_path);

/// Removes a file if it exists, ignoring errors (cleanup on a path that already failed).
void remove_quietly(const std::string& path);

/// Installs handlers for SIGINT, SIGTERM and SIGHUP (each unless ignored, as under nohup)
/// that remove every temporary file and directory of the open output transactions and
/// write_text_atomic calls, then end the process by the same signal with its default
/// action (exit status 128 + signal in a shell). Async-signal-safe: the handler only
/// unlinks/rmdirs the paths of a fixed registry. Call once at program start (the CLI
/// does); idempotent. Paths longer than 1023 bytes, or beyond 64 open at once, are not
/// registered (an interrupt then leaves them; the next run into the directory removes
/// them as a dead process's temporaries).
void install_interrupt_cleanup();

/// Registry of temporary paths for the interrupt handler: register_temporary gives a slot
/// (-1 when not registered), release_temporary frees it. `directory`: removed by rmdir
/// (only when empty), after the files.
int register_temporary(const std::string& path, bool directory = false);
void release_temporary(int slot);

/// Progress lines of the output phase on stderr, off by default (the CLI turns it on
/// unless --quiet): "myelin: writing traces.h5 (593 MB)..." before each file once the
/// current transaction has been open for 2 s or when the file is at least 256 MB.
void set_output_progress(bool on);

/// Called by the writers before writing `path` (`bytes`: its data, uncompressed).
void note_output_file(const std::string& path, uint64_t bytes);

}  // namespace myelin::detail

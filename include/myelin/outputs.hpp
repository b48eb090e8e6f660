#pragma once
// A run's output files (docs/output-files.md) from the caller's side: how HDF5 datasets
// are stored, whether a directory can take a run's outputs, and what a front end does
// once at program start so that an interrupt leaves no temporary files.
//
//   myelin::install_interrupt_cleanup();           // once, at program start
//   myelin::check_output_directory("results/a");   // before a long run, not after it
//   myelin::simulation sim(net, {.compression = myelin::compression::fast});

#include <string>

namespace myelin {

/// How the HDF5 writers store datasets of 65,536 values or more (smaller ones are always
/// contiguous and raw). The stored values are the same under every choice; readers (h5py,
/// plot.py) see no difference.
///   none: contiguous, raw (the default): the fastest write.
///   fast: chunked, shuffle + deflate level 1.
///   best: chunked, shuffle + deflate level 6: a little smaller again, ~2x fast's CPU.
enum class compression { none, fast, best };

/// "none", "fast" or "best" (the CLI's --compress) into `out`; false for anything else.
bool parse_compression(const std::string& text, compression& out);

/// Throws io_error (one line naming the directory, and the file in the way) if `dir`
/// cannot take a run's outputs: it cannot be created or written, or it holds files other
/// than an earlier run's outputs (simulation::write_outputs refuses those). Leaves `dir`
/// as it was (a directory created for the check is removed again).
void check_output_directory(const std::string& dir);

/// Installs handlers for SIGINT, SIGTERM and SIGHUP (each unless ignored, as under nohup)
/// that remove the temporary files of outputs being written, then end the process by
/// the same signal (exit status 128 + signal in a shell). Call once at program start;
/// idempotent.
void install_interrupt_cleanup();

/// Progress lines of the output phase on stderr, off by default: "myelin: writing
/// traces.h5 (593 MB)..." before each file once the outputs have taken 2 s or when the
/// file is at least 256 MB. Process-wide (the CLI turns it on unless --quiet).
void set_output_progress(bool on);

}  // namespace myelin

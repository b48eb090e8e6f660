#pragma once
// What the `myelin` command's files share: options, usage errors, the batch commands.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "myelin/outputs.hpp"
#include "myelin/simulation.hpp"

namespace myelin_cli {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A finite number, else usage_error naming the option.
double parse_number(const std::string& opt, const std::string& v);
/// An integer in [lo, hi], exactly (no detour through double), else usage_error naming
/// the option and the range (`note` follows the range: " (0 = all cores)").
uint64_t parse_integer(const std::string& opt, const std::string& v, uint64_t lo, uint64_t hi,
                       const std::string& note = "");

struct options {
  std::string command, model, out_dir;
  bool out_given = false;  // -o given (an empty value is refused)
  std::optional<double> tstop, dt;
  std::optional<uint64_t> seed;
  int threads = 0;
  bool threads_given = false;
  double max_record_memory = 0;
  bool quiet = false;
  std::vector<std::string> sets;
  std::string replay_drives;
  std::vector<std::string> varies;  // sweep
  bool grid = false;
  std::optional<int> jobs;   // 0: every core
  int ranks_per_run = 1;     // batch, sweep, run --trials under mpirun
  int trials = 1;            // run
  bool overwrite = false;    // batch, sweep, run --trials
  bool no_reuse = false;     // batch, sweep, run --trials
  std::string command_line;  // as typed (shell-quoted), for "run it again" hints
  myelin::compression compress = myelin::compression::none;
};

/// The shortest text that reads back as the same double ("%.17g").
std::string number_text(double x);
/// The --set options as (PATH, VALUE) pairs, in order; usage_error if one has no '='.
std::vector<std::pair<std::string, std::string>> parse_sets(const options& o);

/// `myelin batch`, `myelin sweep`, `myelin run --trials`: one batch library each
/// (docs/batch.md); exit status 0, 1 (a run failed) or 128 + signal (interrupted).
int cmd_batch(const options& o, const myelin::mpi_session& mpi);
int cmd_sweep(const options& o, const myelin::mpi_session& mpi);
int cmd_trials(const options& o, const myelin::mpi_session& mpi);

}  // namespace myelin_cli

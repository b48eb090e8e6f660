// `myelin batch`, `myelin sweep` and `myelin run --trials`: options -> a sweep
// description -> the batch library (include/myelin/batch.hpp), with a progress line on
// stderr and clean interruption (SIGINT, SIGTERM).

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli.hpp"
#include "myelin/batch.hpp"
#include "myelin/error.hpp"

namespace myelin_cli {

namespace {

namespace batch = myelin::batch;

std::atomic<bool> stop_requested{false};
volatile std::sig_atomic_t stop_signal = 0;

// The first SIGINT/SIGTERM lets the runs in progress finish (their rows are kept); a
// second one ends the process at once (a rerun completes the batch either way).
void on_signal(int sig) {
  stop_signal = sig;
  stop_requested.store(true);
  std::signal(sig, SIG_DFL);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t k = s.find(sep, start);
    std::string item = s.substr(start, k == std::string::npos ? std::string::npos : k - start);
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
    if (k == std::string::npos) return out;
    start = k + 1;
  }
}

// One --vary PATH[,PATH...]=VALUES.
batch::vary_spec parse_vary(const std::string& arg) {
  const std::string what = "--vary '" + arg + "': ";
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw usage_error(what + "expected PATH[,PATH...]=VALUES");
  batch::vary_spec v;
  v.origin = "--vary '" + arg + "'";
  v.paths = split(arg.substr(0, eq), ',');
  for (const auto& p : v.paths)
    if (p.empty()) throw usage_error(what + "empty path");
  const std::string vals = arg.substr(eq + 1);
  for (const std::string f : {"linspace(", "logspace("}) {
    if (vals.rfind(f, 0) != 0) continue;
    if (vals.back() != ')') throw usage_error(what + "missing ')' after " + f);
    const auto args = split(vals.substr(f.size(), vals.size() - f.size() - 1), ',');
    if (args.size() != 3) throw usage_error(what + f + "START,STOP,NUM) takes three numbers");
    const double a = parse_number("--vary " + f + "START", args[0]);
    const double b = parse_number("--vary " + f + "STOP", args[1]);
    const double n = parse_number("--vary " + f + "NUM", args[2]);
    if (n < 1 || n != std::floor(n) || n > 1e6)
      throw usage_error(what + "NUM must be an integer in [1, 1000000]");
    try {
      v.values = f == "linspace(" ? batch::linspace(a, b, static_cast<int64_t>(n))
                                  : batch::logspace(a, b, static_cast<int64_t>(n));
    } catch (const myelin::error& e) {
      throw usage_error(what + e.what());
    }
    return v;
  }
  v.values = split(vals, ',');
  for (const auto& x : v.values)
    if (x.empty()) throw usage_error(what + "empty value in the list");
  return v;
}

// --set, then --tstop, --dt, --seed: the fixed assignments of every run.
std::vector<batch::assignment> fixed_assignments(const options& o) {
  std::vector<batch::assignment> out;
  for (const auto& [path, value] : parse_sets(o))
    out.push_back({path, value, "--set " + path + "=" + value});
  if (o.tstop) out.push_back({"tstop", number_text(*o.tstop), "--tstop"});
  if (o.dt) out.push_back({"dt", number_text(*o.dt), "--dt"});
  if (o.seed) out.push_back({"seed", std::to_string(*o.seed), "--seed"});
  return out;
}

class progress_line {
 public:
  explicit progress_line(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO)) {}
  void operator()(const batch::progress& p) {
    if (quiet_) return;
    const bool last = p.done == p.total;
    // On a terminal, one line updated in place; in a log, a line every 10 s and the last.
    if (!tty_ && !last && p.elapsed_s - printed_ < 10.0) return;
    printed_ = p.elapsed_s;
    std::string eta =
        p.eta_s >= 0 && !last ? ", ETA " + std::to_string(std::lround(p.eta_s)) + " s" : "";
    std::fprintf(stderr, "%s[%zu/%zu runs] %zu failed%s%s, %.1f s%s", tty_ ? "\r" : "", p.done,
                 p.total, p.failed,
                 p.resumed ? (", " + std::to_string(p.resumed) + " from before").c_str() : "",
                 eta.c_str(), p.elapsed_s, tty_ && !last ? "   " : "\n");
    std::fflush(stderr);
  }

 private:
  bool quiet_, tty_;
  double printed_ = 0;
};

// Runs the plan into `dir`; prints the outcome; the exit status.
int run_plan(const batch::plan& plan, const std::string& dir, const options& o,
             const myelin::mpi_session& mpi, const std::string& resume_hint) {
  const bool root = mpi.rank() == 0;
  progress_line line(o.quiet || !root);
  batch::options bo;
  bo.jobs = o.jobs ? *o.jobs : (o.threads_given ? 1 : 0);
  bo.threads = o.threads;
  bo.ranks_per_run = o.ranks_per_run;
  bo.overwrite = o.overwrite;
  bo.reuse = !o.no_reuse;
  bo.max_record_memory = o.max_record_memory;
  bo.compression = o.compress;
  bo.on_progress = [&](const batch::progress& p) { line(p); };
  bo.stop = &stop_requested;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const batch::result r = batch::run(plan, dir, bo);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!root) return 0;
  if (r.interrupted) {
    std::fprintf(stderr,
                 "myelin: interrupted: %zu of %zu runs done (kept in %s/rows/); to finish the "
                 "batch, run the same command again: %s\n",
                 r.rows.size(), plan.size(), dir.c_str(), resume_hint.c_str());
    return 128 + (stop_signal ? static_cast<int>(stop_signal) : SIGINT);
  }
  if (!o.quiet) {
    std::string files;
    for (const auto& f : r.files) files += (files.empty() ? "" : ", ") + f;
    const std::string reused =
        r.reused ? " (" + std::to_string(r.reused) + " reused their job's network)" : "";
    std::printf("%zu runs, %zu failed%s; outputs in %s/ (%s%s)\n", plan.size(), r.failed,
                reused.c_str(), dir.c_str(), files.c_str(),
                plan.spec().keep == batch::keep_mode::all ? ", runs/" : "");
  }
  if (r.failed > 0) {
    std::string which;
    std::size_t listed = 0;
    for (const auto& row : r.rows) {
      if (row.ok) continue;
      if (++listed > 5) {
        which += "; ...";
        break;
      }
      which += (which.empty() ? "" : "; ") + std::string("run ") + plan.run_name(row.id) + ": " +
               row.error;
    }
    std::fprintf(stderr,
                 "myelin: error: %zu of %zu runs failed (status 'failed' in %s/results.csv): %s\n",
                 r.failed, plan.size(), dir.c_str(), which.c_str());
    return 1;
  }
  return 0;
}

std::string command_line_hint(const options& o, const std::string& dir) {
  return o.out_given ? o.command_line : o.command_line + " -o " + dir;
}

}  // namespace

int cmd_batch(const options& o, const myelin::mpi_session& mpi) {
  if (o.model.empty()) throw usage_error("missing SWEEP.json");
  if (!o.sets.empty() || o.tstop || o.dt || o.seed || !o.replay_drives.empty())
    throw usage_error(
        "batch: --set, --tstop, --dt, --seed and --replay-drives go into the sweep file "
        "(\"set\", \"replay_drives\"; docs/batch.md)");
  batch::sweep spec = batch::load_sweep(o.model);  // its errors name the file
  const batch::plan plan = [&] {
    try {
      return batch::plan(std::move(spec));
    } catch (const myelin::model_error& e) {
      throw myelin::model_error("", o.model + ": " + e.what());
    }
  }();
  const std::string dir =
      o.out_given ? o.out_dir : "results/" + std::filesystem::path(o.model).stem().string();
  return run_plan(plan, dir, o, mpi, command_line_hint(o, dir));
}

int cmd_sweep(const options& o, const myelin::mpi_session& mpi) {
  if (o.model.empty()) throw usage_error("missing MODEL.json");
  if (o.varies.empty()) throw usage_error("sweep needs at least one --vary");
  batch::sweep s;
  s.model = o.model;
  s.set = fixed_assignments(o);
  for (const auto& v : o.varies) s.vary.push_back(parse_vary(v));
  s.combine = o.grid ? batch::combine_mode::grid : batch::combine_mode::zip;
  s.keep = batch::keep_mode::all;
  s.replay_drives = o.replay_drives;
  const batch::plan plan(std::move(s));
  const std::string dir = o.out_given ? o.out_dir : "results/" + plan.base().name + "_sweep";
  return run_plan(plan, dir, o, mpi, command_line_hint(o, dir));
}

int cmd_trials(const options& o, const myelin::mpi_session& mpi) {
  if (o.model.empty()) throw usage_error("missing MODEL.json");
  if (!o.replay_drives.empty())
    throw usage_error(
        "--trials with --replay-drives: every trial would get the same drive "
        "spike times (trials redraw them)");
  batch::sweep s;
  s.model = o.model;
  s.set = fixed_assignments(o);
  s.trials = o.trials;
  s.keep = batch::keep_mode::all;
  const batch::plan plan(std::move(s));
  if (plan.seed_column() != "drive_seed")
    throw usage_error(
        "--trials: the model has no drive with random spike times, so every "
        "trial would be the same (trials redraw the drives' spike times; vary "
        "the network with 'myelin sweep --vary seed=...')");
  const std::string dir = o.out_given ? o.out_dir : "results/" + plan.base().name + "_trials";
  return run_plan(plan, dir, o, mpi, command_line_hint(o, dir));
}

}  // namespace myelin_cli

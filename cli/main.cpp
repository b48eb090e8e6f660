// The `myelin` command: run, batch, sweep, validate, plot, info.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "myelin/catalogue.hpp"
#include "myelin/error.hpp"
#include "myelin/hnn.hpp"
#include "myelin/model.hpp"
#include "myelin/outputs.hpp"
#include "myelin/simulation.hpp"

using namespace myelin_cli;

namespace {

// One entry per command line form, in the order `myelin --help` prints them; `myelin
// COMMAND --help` prints its command's entries only.
struct usage_entry {
  const char* command;
  const char* text;
};
constexpr usage_entry usage_entries[] = {
    {"run", R"(  myelin run MODEL.json [-o DIR] [--tstop MS] [--dt MS] [--seed N] [--threads N]
                        [--set PATH=VALUE ...] [--max-record-memory BYTES] [--quiet]
                        [--replay-drives SPIKES.csv] [--compress none|fast|best]
      Simulate the model and write spikes.h5, traces.h5 and summary.json to DIR
      (default: results/<model name>); with pyramidal cable cells also dipole.csv and
      dipole_smooth.csv. --replay-drives replaces the drives' spike times by those in a
      CSV with columns gid,time_ms,type (HNN-core's gid numbering). A DIR holding an
      earlier run's outputs ends up with this run's only; one holding other files is
      refused. --compress: HDF5 storage of large datasets (default none: raw, fastest;
      fast: deflate level 1; best: level 6, smallest, slowest).
)"},
    {"batch",
     R"(  myelin batch SWEEP.json [-o DIR] [--jobs N | --threads N] [--overwrite] [--no-reuse]
                          [--ranks-per-run K] [--max-record-memory BYTES] [--quiet]
      Run every run of a sweep file (docs/batch.md: base model, set, vary, combine,
      trials, summaries, keep), --jobs at a time (default: one per core, one thread
      each; under mpirun runs are handed out to the ranks). Writes DIR/results.csv and
      DIR/results.h5 (one row per run: values, trial, seed, status, wall time,
      summaries), DIR/rows/ and, with "keep": "all", DIR/runs/<id>/. A failed run is
      recorded and the batch goes on (exit status 1 at the end). Rerunning an
      interrupted batch into the same DIR completes it; another sweep is refused
      (--overwrite replaces it). DIR defaults to results/<sweep file name>. Each job
      reuses its previous run's network where the run's changes leave connections
      unchanged (the same results); --no-reuse builds every run anew. Under mpirun
      -np N, --ranks-per-run K (N a multiple of K) runs each run over a group of K
      ranks, N/K runs at a time (default 1: each rank runs its runs alone).
)"},
    {"run", R"(  myelin run MODEL.json --trials N [--jobs N] [-o DIR] [run's options]
      A batch of N trials: trial t with every drive's seed + t (HNN-core's n_trials:
      new drive spike times, the same network). DIR (default results/<model>_trials)
      holds the batch files, runs/<t>/ (each a run's outputs) and, with dipoles,
      dipole_mean.csv and dipole_smooth_mean.csv (the trials' average).
)"},
    {"sweep",
     R"(  myelin sweep MODEL.json --vary PATH[,PATH...]=VALUES [--vary ...] [--grid] [--jobs N]
                          [-o DIR] [run's options]
      A batch with one run per value: VALUES a,b,c or linspace(A,B,N) or
      logspace(A,B,N) (10^A..10^B); several --vary are zipped (equal lengths), or
      crossed with --grid; a --vary with several paths sets them all to the same
      value. --set/--tstop/--dt/--seed of a varied path is an error. DIR (default
      results/<model>_sweep) holds the batch files and runs/<id>/ (each a run's outputs).
      run's options: --set, --tstop, --dt, --seed, --threads, --max-record-memory,
      --replay-drives, --compress, --quiet (see 'myelin run --help').
)"},
    {"validate", R"(  myelin validate MODEL.json [--set PATH=VALUE ...] [--max-record-memory BYTES]
      Check a model file and report the first error, naming its field; refuse a model
      whose estimated memory (cells, synapses, recording) cannot fit, as run does.
)"},
    {"plot", R"(  myelin plot DIR
      Write raster.png, rates.png and traces.png (with dipoles also dipole.png) from a
      run's outputs.
)"},
    {"info", R"(  myelin info [MODEL.json [--set PATH=VALUE ...]]
      Version, build options, and every cell type with its parameters; with a model,
      also the cell types it defines by equations (their parameters, initial values,
      recordables, receptors and integration method).
)"},
};

bool known_command(const std::string& command) {
  for (const auto& e : usage_entries)
    if (command == e.command) return true;
  return false;
}

// Every entry, or those of `command` when it is a known command.
void print_usage(const std::string& command) {
  const bool all = !known_command(command);
  std::fputs("usage:\n", stdout);
  for (const auto& e : usage_entries)
    if (all || command == e.command) std::fputs(e.text, stdout);
}

}  // namespace

double myelin_cli::parse_number(const std::string& opt, const std::string& v) {
  try {
    std::size_t pos = 0;
    const double x = std::stod(v, &pos);
    if (pos != v.size() || !std::isfinite(x)) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw usage_error(opt + ": expected a number, got '" + v + "'");
  }
}

uint64_t myelin_cli::parse_integer(const std::string& opt, const std::string& v, uint64_t lo,
                                   uint64_t hi, const std::string& note) {
  uint64_t x = 0;
  const char* end = v.data() + v.size();
  const auto [ptr, ec] = std::from_chars(v.data(), end, x);
  if (v.empty() || ec != std::errc() || ptr != end || x < lo || x > hi)
    throw usage_error(opt + ": expected an integer in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]" + note + ", got '" + v + "'");
  return x;
}

std::string myelin_cli::number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::vector<std::pair<std::string, std::string>> myelin_cli::parse_sets(const options& o) {
  std::vector<std::pair<std::string, std::string>> sets;
  for (const auto& s : o.sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw usage_error("--set expects PATH=VALUE, got '" + s + "'");
    sets.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  return sets;
}

namespace {

double parse_bytes(const std::string& opt, std::string v) {
  double mult = 1;
  if (!v.empty()) {
    const char u = static_cast<char>(std::toupper(v.back()));
    if (u == 'K' || u == 'M' || u == 'G' || u == 'T') {
      mult = u == 'K' ? 1024.0 : u == 'M' ? 1048576.0 : u == 'G' ? 1073741824.0 : 1099511627776.0;
      v.pop_back();
    }
  }
  const double x = parse_number(opt, v) * mult;
  if (x <= 0) throw usage_error(opt + ": must be > 0");
  return x;
}

options parse_args(int argc, char** argv) {
  options o;
  if (argc < 2) throw usage_error("missing command");
  o.command = argv[1];
  o.command_line = "myelin";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool plain = !a.empty() && a.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyz"
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789-_./=,:+") == std::string::npos;
    std::string quoted = "'";
    for (const char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    o.command_line += " " + (plain ? a : quoted + "'");
  }
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-o" || a == "--output") {
      o.out_dir = value();
      o.out_given = true;
      if (o.out_dir.empty()) throw usage_error(a + ": empty directory name");
    } else if (a == "--tstop") {
      o.tstop = parse_number(a, value());
    } else if (a == "--dt") {
      o.dt = parse_number(a, value());
    } else if (a == "--seed") {
      o.seed = parse_integer(a, value(), 0, std::numeric_limits<uint64_t>::max());
    } else if (a == "--threads") {
      o.threads = static_cast<int>(parse_integer(a, value(), 0, 4096, " (0 = all cores)"));
      o.threads_given = true;
    } else if (a == "--set") {
      o.sets.push_back(value());
    } else if (a == "--vary") {
      o.varies.push_back(value());
    } else if (a == "--grid") {
      o.grid = true;
    } else if (a == "--jobs") {
      o.jobs = static_cast<int>(parse_integer(a, value(), 0, 1024, " (0 = all cores)"));
    } else if (a == "--ranks-per-run") {
      o.ranks_per_run = static_cast<int>(parse_integer(a, value(), 1, 1 << 20));
    } else if (a == "--trials") {
      o.trials = static_cast<int>(parse_integer(a, value(), 1, 100000));
    } else if (a == "--replay-drives") {
      o.replay_drives = value();
    } else if (a == "--max-record-memory") {
      o.max_record_memory = parse_bytes(a, value());
    } else if (a == "--compress") {
      if (!myelin::parse_compression(value(), o.compress))
        throw usage_error("--compress: expected none, fast or best, got '" + std::string(argv[i]) +
                          "'");
    } else if (a == "--overwrite") {
      o.overwrite = true;
    } else if (a == "--no-reuse") {
      o.no_reuse = true;
    } else if (a == "--quiet" || a == "-q") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      throw usage_error("unknown option " + a);
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      throw usage_error("unexpected argument '" + a + "'");
    }
  }
  return o;
}

using assignment = std::vector<std::pair<std::string, std::string>>;  // (path, JSON value)

// The model file with the --set options applied.
myelin::network load_base(const options& o) {
  if (o.model.empty()) throw usage_error("missing MODEL.json");
  myelin::network net = myelin::load_network(o.model);
  myelin::set_by_paths(net, parse_sets(o));
  return net;
}

// The --replay-drives file, read once (nullopt without one).
std::optional<myelin::drive_replay> read_replay(const options& o) {
  if (o.replay_drives.empty()) return std::nullopt;
  return myelin::read_drive_replay(o.replay_drives);
}

// Then `extra` (a sweep's values), --tstop/--dt/--seed, validation, replayed drives.
myelin::network finish(myelin::network net, const options& o,
                       const std::optional<myelin::drive_replay>& replay,
                       const assignment& extra = {}) {
  assignment sets = extra;
  if (o.tstop) sets.emplace_back("tstop", number_text(*o.tstop));
  myelin::set_by_paths(net, sets);  // one model read-back for all of them
  if (o.dt) {
    net.dt = *o.dt;
  }
  if (o.seed) net.seed = *o.seed;
  myelin::validate(net);
  if (replay) myelin::replay_drives(net, *replay);
  return net;
}

myelin::network load(const options& o) {
  return finish(load_base(o), o, read_replay(o));
}

// Model time per wall second with 3 significant digits: "12.3 ms/s" (slow runs, HNN's
// cable cells), "4.56 s/s" from 1000 ms/s up; never "0.00".
std::string model_speed(double t_ms, double wall_s) {
  const double ms_per_s = wall_s > 0 ? t_ms / wall_s : 0.0;
  const bool seconds = ms_per_s >= 1000.0;
  const double x = seconds ? ms_per_s / 1000.0 : ms_per_s;
  const int decimals = x > 0 && std::isfinite(x)
                           ? std::clamp(2 - static_cast<int>(std::floor(std::log10(x))), 0, 9)
                           : 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f %s", decimals, x, seconds ? "s/s" : "ms/s");
  return buf;
}

// Progress on stderr for runs that take more than two seconds: model time per wall
// second, and the time left.
class progress_bar {
 public:
  explicit progress_bar(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO)) {}
  void operator()(double t, double t_end) {
    if (quiet_ || done_) return;
    const double wall = std::chrono::duration<double>(clock::now() - start_).count();
    if (wall < 2.0) return;
    const double frac = t_end > 0 ? t / t_end : 1.0;
    const double eta = frac > 0 ? wall * (1 - frac) / frac : 0;
    if (!tty_ && wall - last_line_ < 10.0 && frac < 1.0) return;
    last_line_ = wall;
    const int width = 30, filled = static_cast<int>(frac * width);
    std::string bar(filled, '=');
    bar += std::string(width - filled, ' ');
    std::fprintf(stderr, "%s[%s] %5.1f%%  t = %.0f / %.0f ms  %s  ETA %.0f s%s", tty_ ? "\r" : "",
                 bar.c_str(), 100 * frac, t, t_end, model_speed(t, wall).c_str(), eta,
                 tty_ ? "" : "\n");
    done_ = frac >= 1.0;
    if (done_ && tty_) std::fputc('\n', stderr);
  }

 private:
  using clock = std::chrono::steady_clock;
  bool quiet_, tty_, done_ = false;
  double last_line_ = -1e9;
  clock::time_point start_ = clock::now();
};

int cmd_run(const options& o, const myelin::network& net, const myelin::mpi_session& mpi) {
  const std::string dir = o.out_dir.empty() ? "results/" + net.name : o.out_dir;
  if (mpi.rank() == 0) {
    // Fail before the simulation if the output directory cannot be written.
    myelin::check_output_directory(dir);
  }
  progress_bar bar(o.quiet || mpi.rank() != 0);
  myelin::run_options ro;
  ro.threads = o.threads;
  ro.max_record_memory = o.max_record_memory;
  ro.compression = o.compress;
  ro.progress = [&](double t, double te) { bar(t, te); };
  myelin::simulation sim(net, ro);
  sim.stream_outputs(dir);  // a recording too large for memory goes to disk as it runs
  sim.run(net.tstop);
  sim.write_outputs(dir);
  if (!o.quiet && mpi.rank() == 0) {
    std::printf(
        "%s: %.0f ms simulated in %.3f s (build %.3f s), %d rank%s x %d thread%s, %llu synapses\n",
        net.name.c_str(), sim.time(), sim.run_seconds(), sim.build_seconds(), sim.ranks(),
        sim.ranks() == 1 ? "" : "s", sim.threads(), sim.threads() == 1 ? "" : "s",
        static_cast<unsigned long long>(sim.synapse_count()));
    for (const auto& p : sim.summary()) {
      std::printf("  %-16s %8lld cells %10llu spikes %8.2f Hz", p.label.c_str(),
                  static_cast<long long>(p.size), static_cast<unsigned long long>(p.spike_count),
                  p.mean_rate_hz);
      // Cell types from equations: the integration method in use.
      for (const auto& pop : net.populations)
        if (const auto* t = myelin::find_cell_type(net, pop.cell_type);
            pop.label == p.label && t && !t->method.empty())
          std::printf("  (%s: %s)", t->name.c_str(), t->method.c_str());
      std::printf("\n");
    }
    std::printf("outputs in %s/\n", dir.c_str());
  }
  return 0;
}

int cmd_validate(const options& o, const myelin::mpi_session& mpi) {
  const myelin::network net = load(o);
  // The memory a run would need, from the description: refused here as in `run`.
  myelin::check_memory(net, mpi.size(), o.max_record_memory);
  // A recording above the in-memory limit is no error: `run` streams it to disk.
  const double limit =
      o.max_record_memory > 0 ? o.max_record_memory : myelin::default_record_limit();
  const myelin::memory_estimate m = myelin::estimate_memory(net);
  if (m.recording > limit && mpi.rank() == 0)
    std::printf(
        "%s: note: recorders need about %.3g MB over tstop, above the %.3g MB "
        "recording memory limit: 'myelin run' streams them to its output directory "
        "as it runs (that much free disk is needed)\n",
        o.model.c_str(), m.recording / 1e6, limit / 1e6);
  int64_t cells = 0;
  for (const auto& p : net.populations) cells += p.size;
  std::printf(
      "%s: valid (%zu populations, %lld cells, %zu projections, %zu stimuli, %zu recorders)\n",
      o.model.c_str(), net.populations.size(), static_cast<long long>(cells),
      net.projections.size(), net.stimuli.size(), net.recorders.size());
  return 0;
}

int cmd_plot(const options& o) {
  if (o.model.empty()) throw usage_error("missing DIR");
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates{
      fs::path(MYELIN_SOURCE_DIR) / "python" / "myelin" / "plot.py",
  };
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share" / "myelin" / "plot.py");
  fs::path script;
  for (const auto& c : candidates)
    if (fs::exists(c)) script = c;
  if (script.empty()) throw myelin::error("cannot find the plotting script python/myelin/plot.py");
  const std::string pypath = script.parent_path().parent_path().string();
  setenv("PYTHONPATH", pypath.c_str(), 1);
  setenv("MPLBACKEND", "Agg", 1);
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string py = MYELIN_PYTHON, s = script.string();
    execl(py.c_str(), py.c_str(), s.c_str(), o.model.c_str(), static_cast<char*>(nullptr));
    std::perror("myelin: cannot start python");
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

void print_cell_type(const myelin::cell_type_info& t) {
  std::printf("\n%s  (synapses: %s)\n", t.name.c_str(), t.synapse_kind.c_str());
  for (const auto& p : t.params)
    std::printf("  %-14s %10g %-6s %s\n", p.name.c_str(), p.default_value, p.unit.c_str(),
                p.doc.c_str());
  if (!t.state.empty()) {
    std::printf("  initial values:\n");
    for (const auto& p : t.state)
      std::printf("  %-14s %10g %-6s %s\n", p.name.c_str(), p.default_value, p.unit.c_str(),
                  p.doc.c_str());
  }
  std::string rec;
  for (const auto& r : t.recordable) rec += (rec.empty() ? "" : ", ") + r;
  std::printf("  recordable: %s\n", rec.c_str());
  if (t.receptors.empty() && t.synapse_kind != "none") {
    std::printf("  receptors: none (projections cannot target it)\n");
  } else if (t.receptors != std::vector<std::string>{"excitatory", "inhibitory"} &&
             t.synapse_kind != "none") {
    std::string ports;
    for (const auto& r : t.receptors) ports += (ports.empty() ? "" : ", ") + r;
    std::printf("  receptors (projection \"receptor\"): %s\n", ports.c_str());
  }
  if (!t.method.empty()) std::printf("  integration: %s\n", t.method.c_str());
}

int cmd_info(const options& o) {
  std::printf("myelin %s\n", myelin::version().c_str());
  std::printf("build: C++20, %s, threads: std::thread (%u cores here), MPI: %s\n",
#ifdef NDEBUG
              "release",
#else
              "debug",
#endif
              std::thread::hardware_concurrency(),
              myelin::mpi_session::built_with_mpi() ? "yes (OpenMPI)" : "no");
  std::printf("\ncell types (PyNN names and units):\n");
  for (const auto& t : myelin::cell_types()) print_cell_type(t);
  // Everything else a model names, from the same catalogue validation reads.
  auto list = [](const char* title, const std::vector<myelin::component_info>& items) {
    std::printf("\n%s:\n", title);
    for (const auto& c : items) {
      std::printf("  %-28s %s\n", c.name.c_str(), c.doc.c_str());
      for (const auto& p : c.params) {
        if (std::isnan(p.default_value))
          std::printf("    %-12s %10s %-6s %s\n", p.name.c_str(), "required", p.unit.c_str(),
                      p.doc.c_str());
        else
          std::printf("    %-12s %10g %-6s %s\n", p.name.c_str(), p.default_value, p.unit.c_str(),
                      p.doc.c_str());
      }
    }
  };
  list("connectors (projection \"connector\": {\"type\": ...})", myelin::connector_catalogue());
  list("synapse types", myelin::synapse_catalogue());
  list("current sources (\"stimuli\")", myelin::current_source_catalogue());
  list("distributions ({\"distribution\": ...})", myelin::distribution_catalogue());
  if (!o.model.empty()) {
    const myelin::network net = load(o);
    std::printf("\ncell types defined by %s (docs/equations.md):\n", o.model.c_str());
    if (net.cell_types.empty()) std::printf("  none\n");
    for (const auto& [name, spec] : net.cell_types)
      if (const myelin::cell_type_info* t = myelin::find_cell_type(net, name)) print_cell_type(*t);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  myelin::mpi_session mpi(&argc, &argv);
  // Errors that every rank meets alike (bad model, bad options) are printed once, by
  // rank 0. An error on some ranks only ends the whole job (MPI_Abort): the other ranks
  // could otherwise wait forever in a collective.
  auto fail = [&](const std::string& msg, int code, bool everywhere) {
    if (mpi.size() > 1 && !everywhere) {
      std::fprintf(stderr, "myelin: rank %d: %s\n", mpi.rank(), msg.c_str());
      std::fflush(stderr);
      mpi.abort(code);
    }
    if (mpi.rank() == 0) std::fprintf(stderr, "myelin: %s\n", msg.c_str());
    return code;
  };
  try {
    // -h/--help anywhere (`myelin run --help` too) prints the usage and succeeds.
    bool help = argc >= 2 && std::string(argv[1]) == "help";
    for (int i = 1; i < argc; ++i)
      help |= std::string(argv[i]) == "-h" || std::string(argv[i]) == "--help";
    if (help) {
      if (mpi.rank() == 0)
        print_usage(argc >= 3 && std::string(argv[1]) == "help" ? argv[2] : argv[1]);
      return 0;
    }
    const options o = parse_args(argc, argv);
    myelin::install_interrupt_cleanup();  // no temporary files left by Ctrl-C
    myelin::set_output_progress(!o.quiet && mpi.rank() == 0);
    if (o.command != "sweep" && (!o.varies.empty() || o.grid))
      throw usage_error("--vary and --grid belong to 'myelin sweep'");
    if (o.command != "run" && o.trials != 1) throw usage_error("--trials belongs to 'myelin run'");
    const bool batch =
        o.command == "batch" || o.command == "sweep" || (o.command == "run" && o.trials > 1);
    if (o.jobs && !batch)
      throw usage_error(
          "--jobs belongs to 'myelin batch', 'myelin sweep' and 'myelin run --trials'");
    if (o.overwrite && !batch)
      throw usage_error(
          "--overwrite belongs to 'myelin batch', 'myelin sweep' and 'myelin run --trials'");
    if (o.no_reuse && !batch)
      throw usage_error(
          "--no-reuse belongs to 'myelin batch', 'myelin sweep' and 'myelin run --trials'");
    if (o.ranks_per_run != 1 && !batch)
      throw usage_error(
          "--ranks-per-run belongs to 'myelin batch', 'myelin sweep' and 'myelin run --trials'");
    if (o.ranks_per_run > 1 && o.jobs && *o.jobs > 1)
      throw usage_error("--ranks-per-run " + std::to_string(o.ranks_per_run) + " with --jobs " +
                        std::to_string(*o.jobs) + ": a group of ranks runs one run at a time");
    if (mpi.size() % o.ranks_per_run != 0)
      throw usage_error("--ranks-per-run " + std::to_string(o.ranks_per_run) + ": the " +
                        std::to_string(mpi.size()) + " MPI rank" + (mpi.size() == 1 ? "" : "s") +
                        " (mpirun -np) must be a multiple of it");
    if (o.command == "run") {
      bool simulating = false;
      try {
        // Every rank reads and checks the model itself: model and option errors happen
        // before any communication, identically on every rank.
        if (o.trials > 1) {
          try {
            return cmd_trials(o, mpi);
          } catch (const myelin::error& e) {
            return fail(std::string("error: ") + e.what(), 1, true);
          }
        }
        const myelin::network net = load(o);
        simulating = true;
        return cmd_run(o, net, mpi);
      } catch (const myelin::model_error& e) {
        return fail(std::string("error: ") + e.what(), 1, !simulating || mpi.size() == 1);
      } catch (const myelin::error& e) {
        return fail(std::string("error: ") + e.what(), 1, mpi.size() == 1);
      }
    }
    if (o.command == "sweep" || o.command == "batch") {
      // Plan and directory errors happen alike on every rank (rank 0's directory check
      // is broadcast); a run's failure is a row, not an error.
      try {
        return o.command == "sweep" ? cmd_sweep(o, mpi) : cmd_batch(o, mpi);
      } catch (const myelin::error& e) {
        return fail(std::string("error: ") + e.what(), 1, true);
      }
    }
    if (o.command == "validate") return cmd_validate(o, mpi);
    if (o.command == "plot") return cmd_plot(o);
    if (o.command == "info") return cmd_info(o);
    throw usage_error("unknown command '" + o.command + "'");
  } catch (const usage_error& e) {
    // One line and where to read more: the whole usage would bury the message.
    if (mpi.rank() == 0) {
      const std::string command = argc >= 2 ? argv[1] : "";
      const std::string more =
          known_command(command) ? "myelin " + command + " --help" : "myelin --help";
      std::fprintf(stderr, "myelin: %s\n(see '%s')\n", e.what(), more.c_str());
    }
    return 2;
  } catch (const myelin::error& e) {
    return fail(std::string("error: ") + e.what(), 1, mpi.size() == 1);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 3, mpi.size() == 1);
  }
}

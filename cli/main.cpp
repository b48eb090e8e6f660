// The `myelin` command: run, sweep, validate, plot, info.

#if __has_include(<malloc.h>)
#include <malloc.h>  // mallopt (glibc)
#endif
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hnn/drives.hpp"
#include "io/writers.hpp"
#include "model/estimate.hpp"
#include "myelin/catalogue.hpp"
#include "myelin/error.hpp"
#include "myelin/hnn.hpp"
#include "myelin/model.hpp"
#include "myelin/simulation.hpp"

namespace {

constexpr const char* usage_text = R"(usage:
  myelin run MODEL.json [-o DIR] [--tstop MS] [--dt MS] [--seed N] [--threads N]
                        [--set PATH=VALUE ...] [--max-record-memory BYTES] [--quiet]
                        [--replay-drives SPIKES.csv] [--compress none|fast|best]
      Simulate the model and write spikes.h5, traces.h5 and summary.json to DIR
      (default: results/<model name>); with pyramidal cable cells also dipole.csv and
      dipole_smooth.csv. --replay-drives replaces the drives' spike times by those in a
      CSV with columns gid,time_ms,type (HNN-core's gid numbering). A DIR holding an
      earlier run's outputs ends up with this run's only; one holding other files is
      refused. --compress: HDF5 storage of large datasets (default none: raw, fastest;
      fast: deflate level 1; best: level 6, smallest, slowest).
  myelin run MODEL.json --trials N [--jobs N] [-o DIR] [run's options]
      Run the model N times, trial t with every drive's seed + t (HNN-core's n_trials:
      new drive spike times, the same network); --jobs N runs N at a time, one thread
      each. Writes DIR/trial_000/... (each a run's outputs), DIR/trials.csv (spike
      counts, dipole extrema, times) and, with dipoles, DIR/dipole_mean.csv and
      DIR/dipole_smooth_mean.csv (the trials' average).
  myelin sweep MODEL.json --vary PATH[,PATH...]=VALUES [--vary ...] [--grid] [--jobs N]
                          [-o DIR] [run's options]
      Run the model once per value (one after another; --jobs N runs N at a time, one
      thread each). VALUES: a,b,c or linspace(A,B,N) or logspace(A,B,N) (10^A..10^B);
      several --vary are zipped (equal lengths), or crossed with --grid; a --vary with
      several paths sets them all to the same value. Writes DIR/run_000/... (each a
      run's outputs) and DIR/sweep.csv (values, spike counts, dipole extrema, times);
      DIR defaults to results/<model name>_sweep.
  myelin validate MODEL.json [--set PATH=VALUE ...] [--max-record-memory BYTES]
      Check a model file and report the first error, naming its field; refuse a model
      whose estimated memory (cells, synapses, recording) cannot fit, as run does.
  myelin plot DIR
      Write raster.png, rates.png and traces.png from a run's outputs.
  myelin info
      Version, build options, and every cell type with its parameters.
)";

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

double parse_number(const std::string& opt, const std::string& v) {
  try {
    std::size_t pos = 0;
    const double x = std::stod(v, &pos);
    if (pos != v.size() || !std::isfinite(x)) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw usage_error(opt + ": expected a number, got '" + v + "'");
  }
}

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

struct options {
  std::string command, model, out_dir;
  std::optional<double> tstop, dt, seed;
  int threads = 0;
  double max_record_memory = 0;
  bool quiet = false;
  std::vector<std::string> sets;
  std::string replay_drives;
  std::vector<std::string> varies;  // sweep
  bool grid = false;
  int jobs = 1;
  int trials = 1;  // run
  myelin::detail::compression compress = myelin::detail::compression::none;
};

options parse_args(int argc, char** argv) {
  options o;
  if (argc < 2) throw usage_error("missing command");
  o.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-o" || a == "--output") {
      o.out_dir = value();
    } else if (a == "--tstop") {
      o.tstop = parse_number(a, value());
    } else if (a == "--dt") {
      o.dt = parse_number(a, value());
    } else if (a == "--seed") {
      const double s = parse_number(a, value());
      if (s < 0 || s != std::floor(s)) throw usage_error("--seed: expected an integer >= 0");
      o.seed = s;
    } else if (a == "--threads") {
      const double t = parse_number(a, value());
      if (t < 0 || t != std::floor(t) || t > 4096)
        throw usage_error("--threads: expected an integer in [0, 4096] (0 = all cores)");
      o.threads = static_cast<int>(t);
    } else if (a == "--set") {
      o.sets.push_back(value());
    } else if (a == "--vary") {
      o.varies.push_back(value());
    } else if (a == "--grid") {
      o.grid = true;
    } else if (a == "--jobs") {
      const double j = parse_number(a, value());
      if (j < 0 || j != std::floor(j) || j > 1024)
        throw usage_error("--jobs: expected an integer in [0, 1024] (0 = all cores)");
      o.jobs = j == 0 ? std::max(1u, std::thread::hardware_concurrency()) : static_cast<int>(j);
    } else if (a == "--trials") {
      const double n = parse_number(a, value());
      if (n < 1 || n != std::floor(n) || n > 100000)
        throw usage_error("--trials: expected an integer in [1, 100000]");
      o.trials = static_cast<int>(n);
    } else if (a == "--replay-drives") {
      o.replay_drives = value();
    } else if (a == "--max-record-memory") {
      o.max_record_memory = parse_bytes(a, value());
    } else if (a == "--compress") {
      if (!myelin::detail::parse_compression(value(), o.compress))
        throw usage_error("--compress: expected none, fast or best, got '" + std::string(argv[i]) +
                          "'");
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
  assignment sets;
  for (const auto& s : o.sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw usage_error("--set expects PATH=VALUE, got '" + s + "'");
    sets.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  myelin::set_by_paths(net, sets);
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
  if (o.tstop) sets.emplace_back("tstop", std::to_string(*o.tstop));
  myelin::set_by_paths(net, sets);  // one model read-back for all of them
  if (o.dt) {
    net.dt = *o.dt;
  }
  if (o.seed) net.seed = static_cast<uint64_t>(*o.seed);
  myelin::validate(net);
  if (replay) myelin::replay_drives(net, *replay);
  return net;
}

myelin::network load(const options& o) {
  return finish(load_base(o), o, read_replay(o));
}

// Progress on stderr for runs that take more than two seconds.
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
    std::fprintf(stderr, "%s[%s] %5.1f%%  t = %.0f / %.0f ms  %.2f s/s  ETA %.0f s%s",
                 tty_ ? "\r" : "", bar.c_str(), 100 * frac, t, t_end, t / 1000.0 / wall, eta,
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
    myelin::detail::output_transaction probe(dir);
  }
  progress_bar bar(o.quiet || mpi.rank() != 0);
  myelin::run_options ro;
  ro.threads = o.threads;
  ro.max_record_memory = o.max_record_memory;
  ro.progress = [&](double t, double te) { bar(t, te); };
  myelin::simulation sim(net, ro);
  sim.run(net.tstop);
  sim.write_outputs(dir);
  if (!o.quiet && mpi.rank() == 0) {
    std::printf(
        "%s: %.0f ms simulated in %.3f s (build %.3f s), %d rank%s x %d thread%s, %llu synapses\n",
        net.name.c_str(), sim.time(), sim.run_seconds(), sim.build_seconds(), sim.ranks(),
        sim.ranks() == 1 ? "" : "s", sim.threads(), sim.threads() == 1 ? "" : "s",
        static_cast<unsigned long long>(sim.synapse_count()));
    for (const auto& p : sim.summary())
      std::printf("  %-16s %8lld cells %10llu spikes %8.2f Hz\n", p.label.c_str(),
                  static_cast<long long>(p.size), static_cast<unsigned long long>(p.spike_count),
                  p.mean_rate_hz);
    std::printf("outputs in %s/\n", dir.c_str());
  }
  return 0;
}

// --- sweep ---------------------------------------------------------------------------

// One --vary: the paths it sets and the values (JSON text) they take in turn.
struct vary_spec {
  std::vector<std::string> paths;
  std::vector<std::string> values;
};

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

// Shortest text that reads back as the same double, as JSON writes it (0.0001, 1e-07).
std::string json_number(double x) {
  return nlohmann::json(x).dump();
}

vary_spec parse_vary(const std::string& arg) {
  const std::string what = "--vary '" + arg + "': ";
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw usage_error(what + "expected PATH[,PATH...]=VALUES");
  vary_spec v;
  v.paths = split(arg.substr(0, eq), ',');
  for (const auto& p : v.paths)
    if (p.empty()) throw usage_error(what + "empty path");
  const std::string vals = arg.substr(eq + 1);
  for (const char* fn : {"linspace(", "logspace("}) {
    const std::string f = fn;
    if (vals.rfind(f, 0) != 0) continue;
    if (vals.back() != ')') throw usage_error(what + "missing ')' after " + f);
    const auto args = split(vals.substr(f.size(), vals.size() - f.size() - 1), ',');
    if (args.size() != 3) throw usage_error(what + f + "START,STOP,NUM) takes three numbers");
    const double a = parse_number("--vary " + f + "START", args[0]);
    const double b = parse_number("--vary " + f + "STOP", args[1]);
    const double n = parse_number("--vary " + f + "NUM", args[2]);
    if (n < 1 || n != std::floor(n) || n > 1e6)
      throw usage_error(what + "NUM must be an integer in [1, 1000000]");
    const auto num = static_cast<std::size_t>(n);
    // numpy's linspace: START + i (STOP - START)/(NUM - 1), the last value exactly STOP;
    // logspace: 10 to those powers.
    for (std::size_t i = 0; i < num; ++i) {
      double x =
          num == 1 ? a : a + static_cast<double>(i) * ((b - a) / static_cast<double>(num - 1));
      if (num > 1 && i == num - 1) x = b;
      if (f == "logspace(") x = std::pow(10.0, x);
      if (!std::isfinite(x))
        throw usage_error(what + "value " + std::to_string(i) + " is not finite");
      v.values.push_back(json_number(x));
    }
    return v;
  }
  v.values = split(vals, ',');
  for (const auto& x : v.values)
    if (x.empty()) throw usage_error(what + "empty value in the list");
  return v;
}

// The assignments of every run: zipped (equal lengths) or the Cartesian product (the
// first --vary outermost).
std::vector<assignment> sweep_runs(const std::vector<vary_spec>& specs, bool grid) {
  std::vector<assignment> runs;
  auto assign = [&](assignment& a, const vary_spec& v, std::size_t i) {
    for (const auto& p : v.paths) a.emplace_back(p, v.values[i]);
  };
  if (!grid) {
    const std::size_t n = specs[0].values.size();
    for (const auto& v : specs)
      if (v.values.size() != n)
        throw usage_error("--vary lists have different lengths (" + std::to_string(n) + " and " +
                          std::to_string(v.values.size()) +
                          "): zipped sweeps need equal lengths; --grid crosses them");
    for (std::size_t i = 0; i < n; ++i) {
      assignment a;
      for (const auto& v : specs) assign(a, v, i);
      runs.push_back(std::move(a));
    }
    return runs;
  }
  double total = 1;
  for (const auto& v : specs) total *= static_cast<double>(v.values.size());
  if (total > 1e6) throw usage_error("--grid: more than 1000000 runs");
  std::vector<std::size_t> idx(specs.size(), 0);
  for (;;) {
    assignment a;
    for (std::size_t s = 0; s < specs.size(); ++s) assign(a, specs[s], idx[s]);
    runs.push_back(std::move(a));
    std::size_t s = specs.size();
    while (s > 0 && ++idx[s - 1] == specs[s - 1].values.size()) idx[--s] = 0;
    if (s == 0) return runs;
  }
}

// One simulation of a batch (a sweep's run or a trial).
struct batch_item {
  std::string name;    // for messages and progress: "run 3 (PATH=VALUE, ...)", "trial 2"
  assignment values;   // model changes (a sweep's values)
  uint64_t trial = 0;  // added to every drive's seed
  std::string dir;     // its outputs
};

// What a batch keeps of each simulation.
struct batch_row {
  std::vector<std::string> labels;  // populations, drives included
  std::vector<uint64_t> spikes;
  bool has_dipole = false;             // the model has pyramidal cable cells
  myelin::hnn_dipole_signals dipoles;  // kept only when the batch asks for them
  double dip_min = 0, dip_max = 0;
  double wall_s = 0;
};

myelin::network batch_model(const myelin::network& base, const options& o,
                            const std::optional<myelin::drive_replay>& replay,
                            const batch_item& item) {
  myelin::network net = finish(base, o, replay, item.values);
  for (auto& d : net.drives) d.seed += item.trial;
  return net;
}

// Runs every item (--jobs at a time, one thread each; else one after another with
// --threads), each writing its outputs to item.dir. On failure, removes what the batch
// wrote (the whole `dir` if it did not exist before) and rethrows naming the item.
// `keep_dipoles`: rows keep the dipole signals (else only their extrema).
std::vector<batch_row> run_batch(const options& o, const myelin::mpi_session& mpi,
                                 const myelin::network& base,
                                 const std::optional<myelin::drive_replay>& replay,
                                 const std::vector<batch_item>& items, const std::string& dir,
                                 bool keep_dipoles, double& total_s) {
  namespace fs = std::filesystem;
  const bool root = mpi.rank() == 0;
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  using scope = myelin::detail::output_transaction::scope;
  if (root) myelin::detail::output_transaction probe(dir, true, scope::files);  // fails early
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  // The runs allocate and free the same large buffers over and over. Kept in the heap
  // (not one mmap each, no trimming), later runs reuse pages already mapped instead of
  // faulting fresh ones in: a 20-run 3x3 sweep takes ~2k page faults instead of ~12k.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif

  std::vector<batch_row> rows(items.size());
  std::vector<char> written(items.size(), 0);  // directories this batch wrote
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex io;  // HDF5 and stdout: one simulation writes at a time
  auto worker = [&] {
    for (std::size_t i; !failed && (i = next++) < items.size();) {
      try {
        const auto t0 = std::chrono::steady_clock::now();
        myelin::run_options ro;
        ro.threads = o.jobs > 1 ? 1 : o.threads;
        ro.max_record_memory = o.max_record_memory;
        const myelin::network net = batch_model(base, o, replay, items[i]);
        myelin::simulation sim(net, ro);
        sim.run(net.tstop);
        auto dip = myelin::hnn_dipoles(sim);  // collective
        batch_row& r = rows[i];
        for (const auto& p : sim.summary()) {
          r.labels.push_back(p.label);
          r.spikes.push_back(p.spike_count);
        }
        if (!dip.layers.empty()) {
          r.has_dipole = true;
          const auto [lo, hi] = std::minmax_element(dip.agg_smooth.begin(), dip.agg_smooth.end());
          r.dip_min = *lo;
          r.dip_max = *hi;
        }
        {
          std::lock_guard<std::mutex> lock(io);
          sim.write_outputs(items[i].dir,  // collective; flushed below
                            {.sync = false, .extra = myelin::hnn_dipole_files(dip, net.dt)});
          written[i] = 1;
        }
        if (keep_dipoles) r.dipoles = std::move(dip);
        r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!o.quiet && root) {
          std::lock_guard<std::mutex> lock(io);
          std::printf("[%zu/%zu] %.3f s %s\n", i + 1, items.size(), r.wall_s,
                      items[i].name.c_str());
          std::fflush(stdout);
        }
      } catch (const myelin::error& e) {  // say which simulation failed
        std::lock_guard<std::mutex> lock(io);
        if (!failed.exchange(true))
          error = std::make_exception_ptr(myelin::error(items[i].name + ": " + e.what()));
      } catch (...) {
        std::lock_guard<std::mutex> lock(io);
        if (!failed.exchange(true)) error = std::current_exception();
      }
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::thread> team;
    for (int j = 1; j < std::min<int>(o.jobs, static_cast<int>(items.size())); ++j)
      team.emplace_back(worker);
    worker();
    for (auto& t : team) t.join();
  }
  total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (error) {
    // Nothing half-written: what this batch wrote goes too (an existing directory keeps
    // what it had from before, except the directories this batch replaced).
    if (root) {
      if (!existed) {
        fs::remove_all(dir, ec);
      } else {
        for (std::size_t i = 0; i < items.size(); ++i)
          if (written[i]) fs::remove_all(items[i].dir, ec);
      }
    }
    std::rethrow_exception(error);
  }
  // The runs' files reach the disk in one flush for the batch, before its summary file.
  if (root) myelin::detail::sync_file_system(dir);
  return rows;
}

// The columns a batch's CSV shares: spike counts, smoothed dipole extrema, wall time.
std::string batch_header(const std::vector<batch_row>& rows) {
  std::string text;
  for (const auto& l : rows[0].labels) text += ",spikes_" + l;
  if (rows[0].has_dipole) text += ",agg_smooth_min,agg_smooth_max";
  return text + ",wall_s\n";
}
std::string batch_columns(const batch_row& r) {
  // Built by append: GCC 12 warns falsely (-Wrestrict) on "," + string + "," + string.
  std::string text;
  for (const uint64_t k : r.spikes) text.append(1, ',').append(std::to_string(k));
  if (r.has_dipole)
    text.append(1, ',')
        .append(json_number(r.dip_min))
        .append(1, ',')
        .append(json_number(r.dip_max));
  return text.append(1, ',').append(json_number(r.wall_s)).append(1, '\n');
}

std::string numbered(const std::string& dir, const char* prefix, std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "%s_%03zu", prefix, i);
  return (std::filesystem::path(dir) / name).string();
}

int cmd_sweep(const options& o, const myelin::mpi_session& mpi) {
  if (o.varies.empty()) throw usage_error("sweep needs at least one --vary");
  if (o.jobs > 1 && mpi.size() > 1)
    throw usage_error(
        "--jobs > 1 runs simulations side by side in one process; under mpirun "
        "each run uses every rank, so leave --jobs at 1");
  std::vector<vary_spec> specs;
  for (const auto& v : o.varies) specs.push_back(parse_vary(v));
  const std::vector<assignment> runs = sweep_runs(specs, o.grid);

  // Every run's model is built and validated before anything runs or is written, and
  // built again when its turn comes (holding them all would cost memory in big grids).
  const myelin::network base = load_base(o);
  const std::optional<myelin::drive_replay> replay = read_replay(o);
  const std::string dir = o.out_dir.empty() ? "results/" + base.name + "_sweep" : o.out_dir;
  std::vector<batch_item> items(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::string a;
    for (const auto& [p, v] : runs[i]) a += (a.empty() ? "" : ", ") + p + "=" + v;
    items[i].name = "run " + std::to_string(i) + " (" + a + ")";
    items[i].values = runs[i];
    items[i].dir = numbered(dir, "run", i);
    try {
      finish(base, o, replay, runs[i]);
    } catch (const myelin::model_error& e) {
      throw myelin::model_error("", items[i].name + ": " + e.what());
    }
  }
  double total = 0;
  const std::vector<batch_row> rows = run_batch(o, mpi, base, replay, items, dir, false, total);
  if (mpi.rank() != 0) return 0;

  // sweep.csv: one row per run.
  std::string text = "run";
  for (const auto& v : specs)
    for (const auto& p : v.paths) text += "," + p;
  text += batch_header(rows);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    text += std::to_string(i);
    for (const auto& [p, v] : runs[i]) text += "," + v;
    text += batch_columns(rows[i]);
  }
  myelin::detail::output_transaction tx(dir, true,
                                        myelin::detail::output_transaction::scope::files);
  myelin::detail::write_text_atomic(tx.path("sweep.csv"), text);
  tx.commit();
  if (!o.quiet)
    std::printf("%zu runs in %.3f s (%d at a time); outputs in %s/ (sweep.csv, run_*/)\n",
                runs.size(), total, std::min<int>(o.jobs, static_cast<int>(runs.size())),
                dir.c_str());
  return 0;
}

int cmd_trials(const options& o, const myelin::mpi_session& mpi) {
  if (o.jobs > 1 && mpi.size() > 1)
    throw usage_error(
        "--jobs > 1 runs trials side by side in one process; under mpirun each trial "
        "uses every rank, so leave --jobs at 1");
  if (!o.replay_drives.empty())
    throw usage_error(
        "--trials with --replay-drives: every trial would get the same drive "
        "spike times (trials redraw them)");
  const myelin::network base = load_base(o);
  const myelin::network first = finish(base, o, std::nullopt);
  bool random = false;
  for (const auto& d : first.drives)
    random |= myelin::detail::is_event_drive(d) && d.spike_times.empty();
  if (!random)
    throw usage_error(
        "--trials: the model has no drive with random spike times, so every "
        "trial would be the same (trials redraw the drives' spike times; vary "
        "the network with 'myelin sweep --vary seed=...')");
  const std::string dir = o.out_dir.empty() ? "results/" + base.name + "_trials" : o.out_dir;
  std::vector<batch_item> items(static_cast<std::size_t>(o.trials));
  for (std::size_t t = 0; t < items.size(); ++t) {
    items[t].name = "trial " + std::to_string(t);
    items[t].trial = t;
    items[t].dir = numbered(dir, "trial", t);
  }
  double total = 0;
  const std::vector<batch_row> rows =
      run_batch(o, mpi, base, std::nullopt, items, dir, true, total);
  if (mpi.rank() != 0) return 0;

  std::string text = "trial" + batch_header(rows);
  for (std::size_t t = 0; t < rows.size(); ++t) text += std::to_string(t) + batch_columns(rows[t]);
  myelin::detail::output_transaction tx(dir, true,
                                        myelin::detail::output_transaction::scope::files);
  myelin::detail::write_text_atomic(tx.path("trials.csv"), text);
  const bool dip = rows[0].has_dipole;
  if (dip) {
    // The trials' average, sample by sample, summed in trial order (hnn_core's
    // average_dipoles; the smoothed files are the average of each trial's smoothed one).
    myelin::hnn_dipole_signals m = rows[0].dipoles;
    auto add = [](std::vector<double>& sum, const std::vector<double>& x) {
      for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += x[k];
    };
    for (std::size_t t = 1; t < rows.size(); ++t) {
      const myelin::hnn_dipole_signals& d = rows[t].dipoles;
      add(m.agg, d.agg);
      add(m.agg_smooth, d.agg_smooth);
      for (std::size_t l = 0; l < m.layers.size(); ++l) {
        add(m.layer[l], d.layer[l]);
        add(m.layer_smooth[l], d.layer_smooth[l]);
      }
    }
    const double n = static_cast<double>(rows.size());
    for (auto* v : {&m.agg, &m.agg_smooth})
      for (double& x : *v) x /= n;
    for (auto* vs : {&m.layer, &m.layer_smooth})
      for (auto& v : *vs)
        for (double& x : v) x /= n;
    myelin::detail::write_dipole_csv(tx.path("dipole_mean.csv"), first.dt, m.layers, m.agg,
                                     m.layer);
    myelin::detail::write_dipole_csv(tx.path("dipole_smooth_mean.csv"), first.dt, m.layers,
                                     m.agg_smooth, m.layer_smooth);
  }
  tx.commit();
  if (!o.quiet)
    std::printf("%zu trials in %.3f s (%d at a time); outputs in %s/ (trials.csv%s, trial_*/)\n",
                rows.size(), total, std::min<int>(o.jobs, static_cast<int>(rows.size())),
                dir.c_str(), dip ? ", dipole_mean.csv, dipole_smooth_mean.csv" : "");
  return 0;
}

int cmd_validate(const options& o, const myelin::mpi_session& mpi) {
  const myelin::network net = load(o);
  // The memory a run would need, from the description: refused here as in `run`.
  myelin::detail::check_memory(net, mpi.size(), o.max_record_memory);
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

int cmd_info() {
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
  for (const auto& t : myelin::cell_types()) {
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
    if (t.receptors != std::vector<std::string>{"excitatory", "inhibitory"} &&
        t.synapse_kind != "none") {
      std::string ports;
      for (const auto& r : t.receptors) ports += (ports.empty() ? "" : ", ") + r;
      std::printf("  receptors (projection \"receptor\"): %s\n", ports.c_str());
    }
  }
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
      if (mpi.rank() == 0) std::fputs(usage_text, stdout);
      return 0;
    }
    const options o = parse_args(argc, argv);
    myelin::detail::install_interrupt_cleanup();  // no temporary files left by Ctrl-C
    myelin::detail::set_default_compression(o.compress);
    myelin::detail::set_output_progress(!o.quiet && mpi.rank() == 0);
    if (o.command != "sweep" && (!o.varies.empty() || o.grid))
      throw usage_error("--vary and --grid belong to 'myelin sweep'");
    if (o.command != "run" && o.trials != 1) throw usage_error("--trials belongs to 'myelin run'");
    if (o.jobs != 1 && o.command != "sweep" && !(o.command == "run" && o.trials > 1))
      throw usage_error("--jobs belongs to 'myelin sweep' and 'myelin run --trials'");
    if (o.command == "run") {
      bool simulating = false;
      try {
        // Every rank reads and checks the model itself: model and option errors happen
        // before any communication, identically on every rank.
        if (o.trials > 1) return cmd_trials(o, mpi);
        const myelin::network net = load(o);
        simulating = true;
        return cmd_run(o, net, mpi);
      } catch (const myelin::model_error& e) {
        return fail(std::string("error: ") + e.what(), 1, !simulating || mpi.size() == 1);
      } catch (const myelin::error& e) {
        return fail(std::string("error: ") + e.what(), 1, mpi.size() == 1);
      }
    }
    if (o.command == "sweep") {
      try {
        return cmd_sweep(o, mpi);
      } catch (const myelin::model_error& e) {
        return fail(std::string("error: ") + e.what(), 1, true);
      }
    }
    if (o.command == "validate") return cmd_validate(o, mpi);
    if (o.command == "plot") return cmd_plot(o);
    if (o.command == "info") return cmd_info();
    throw usage_error("unknown command '" + o.command + "'");
  } catch (const usage_error& e) {
    if (mpi.rank() == 0) std::fprintf(stderr, "myelin: %s\n%s", e.what(), usage_text);
    return 2;
  } catch (const myelin::error& e) {
    return fail(std::string("error: ") + e.what(), 1, mpi.size() == 1);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 3, mpi.size() == 1);
  }
}

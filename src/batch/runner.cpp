// Running a plan: runs handed out one at a time to this process's jobs (and, under MPI,
// to the other ranks, or to groups of ranks that simulate each run together), each row
// persisted as its run ends, the table written when every run has a row.

#if __has_include(<malloc.h>)
#include <malloc.h>  // mallopt (glibc)
#endif

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <thread>

#include "batch/internal.hpp"
#include "engine/context.hpp"
#include "engine/simulation_access.hpp"
#include "io/transaction.hpp"
#include "io/writers.hpp"
#include "myelin/error.hpp"

#include <hdf5.h>

namespace myelin::batch {

namespace detail {

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

hnn_dipole_signals dipoles_and_outputs(const simulation& sim, const std::string& dir) {
  hnn_dipole_signals dip = hnn_dipoles(sim);
  if (!dir.empty()) {
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    // The batch flushes once, before its table.
    sim.write_outputs(dir, {.sync = false, .extra = hnn_dipole_files(dip, sim.model().dt)});
  }
  return dip;
}

bool hdf5_thread_safe() {
  hbool_t safe = 0;
  return H5is_library_threadsafe(&safe) >= 0 && safe;
}

}  // namespace detail

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// What a job runs with: its simulation of the previous run (or null), and where a new
// simulation runs: this process alone, or over the ranks of its group (every rank of
// the group runs `execute` for the same runs; the leader's row is the run's).
struct job {
  std::unique_ptr<simulation> sim;
  const detail::run_group* group = nullptr;
  bool stream = false;  // keep all: stream a recording above the limit into runs/<id>/
  bool writer() const { return !group || group->leader(); }
};

// One run: a failure (an invalid value met at run time, a numerical blow-up, a
// recording limit) becomes a failed row. The job's simulation is reset for this run
// when it can be (options::reuse), else replaced; dropped after a failure.
row execute(const plan& p, std::size_t id, const std::string& dir, const options& o, int threads,
            job& j) {
  const auto t0 = clock_type::now();
  row r;
  r.id = id;
  r.trial = static_cast<int>(id % static_cast<std::size_t>(p.spec().trials));
  const std::string run_dir = (fs::path(dir) / "runs" / p.run_name(id)).string();
  const bool keep_all = p.spec().keep == keep_mode::all;
  std::unique_ptr<simulation>& sim = j.sim;
  try {
    const network net = p.model(id);
    r.seed = p.seed_of(net);
    r.reused = o.reuse && sim && sim->reset(net);
    if (!r.reused) {
      sim.reset();  // the previous run's memory goes before the new run's is taken
      run_options ro;
      ro.threads = threads;
      ro.max_record_memory = o.max_record_memory;
      ro.compression = o.compression;
      sim = simulation_access::make_unique(
          net, ro, j.group ? j.group->transport() : myelin::detail::make_local_context());
    }
    // A recording above the limit goes to runs/<id>/ as it is made, as `myelin run`'s.
    if (keep_all && j.stream) sim->stream_outputs(run_dir);
    sim->run(net.tstop);
    const hnn_dipole_signals dip = detail::dipoles_and_outputs(*sim, keep_all ? run_dir : "");
    if (p.spec().keep != keep_mode::nothing && j.writer())
      r.summaries = detail::summarize(*sim, dip, p.spec().bin_ms, run_dir);
    r.ok = true;
  } catch (const std::exception& e) {
    sim.reset();
    r.ok = false;
    r.error = e.what();
    r.summaries.clear();
    std::error_code ec;
    if (j.writer()) fs::remove_all(run_dir, ec);
  }
  r.values = p.values(id);
  r.wall_s = since(t0);
  return r;
}

}  // namespace

result run(const plan& p, const std::string& dir, const options& o) {
  const int rank = detail::world_rank(), ranks = detail::world_size();
  if (dir.empty()) throw error("batch directory: empty path");
  const int per_run = o.ranks_per_run;
  if (per_run < 1 || ranks % per_run != 0)
    throw error("ranks per run " + std::to_string(per_run) + ": the " + std::to_string(ranks) +
                " MPI rank" + (ranks == 1 ? " is" : "s are") + " not a multiple of it");
  if (per_run > 1 && o.jobs > 1)
    throw error("ranks per run " + std::to_string(per_run) + " with " + std::to_string(o.jobs) +
                " jobs: a group of ranks runs one run at a time (jobs 1)");
  const bool groups = per_run > 1;
  const int jobs = o.jobs > 0 ? o.jobs
                   : ranks > 1
                       ? 1
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = jobs > 1 ? 1 : std::max(0, o.threads);
  // Streamed files are written during the run, outside the HDF5 lock: with several jobs
  // in this process that needs a thread-safe HDF5 (Debian's is).
  const bool stream = jobs == 1 || detail::hdf5_thread_safe();
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  // The runs allocate and free the same large buffers over and over. Kept in the heap
  // (not one mmap each, no trimming), later runs reuse pages already mapped instead of
  // faulting fresh ones in: a 20-run 3x3 sweep takes ~2k page faults instead of ~12k.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif

  // Rank 0 prepares the directory; every rank learns whether that went well.
  std::vector<row> found;
  std::string problem;
  if (rank == 0) {
    try {
      found = detail::prepare_directory(p, dir, o.overwrite);
    } catch (const std::exception& e) {
      problem = e.what();
      if (ranks == 1) throw;
    }
  }
  problem = detail::broadcast(problem);
  if (!problem.empty()) throw error(problem);

  // With groups, every rank joins one (collective); runs go to groups, not ranks.
  std::optional<detail::run_group> group;
  if (groups) group.emplace(per_run);
  if (rank != 0) {
    job j{.group = group ? &*group : nullptr, .stream = stream};  // this rank's one job
    if (group && !group->leader()) {
      // The leader's runs, over the group's ranks; the row is the leader's.
      while (const auto id = group->share(std::nullopt)) execute(p, *id, dir, o, threads, j);
      return {};
    }
    detail::request_runs([&](std::optional<std::size_t> id) -> std::string {
      if (group) id = group->share(id);
      return id ? detail::row_to_json(execute(p, *id, dir, o, threads, j)) : std::string();
    });
    return {};
  }

  std::vector<row> rows(p.size());
  std::vector<char> have(p.size(), 0);
  progress st;
  st.total = p.size();
  for (auto& r : found) {
    have[r.id] = 1;
    st.failed += r.ok ? 0 : 1;
    rows[r.id] = std::move(r);
  }
  st.done = st.resumed = static_cast<std::size_t>(std::count(have.begin(), have.end(), 1));
  std::vector<std::size_t> pending;
  for (std::size_t id = 0; id < p.size(); ++id)
    if (!have[id]) pending.push_back(id);

  std::mutex m;  // the hand-out, the rows and the progress
  std::size_t next = 0;
  std::size_t reused = 0;    // rows of runs that reset their job's previous simulation
  std::exception_ptr fatal;  // a row that cannot be written ends the batch
  const auto t0 = clock_type::now();
  if (o.on_progress) o.on_progress(st);
  auto hand_out = [&]() -> std::optional<std::size_t> {
    std::lock_guard<std::mutex> lock(m);
    if (fatal || next == pending.size() || (o.stop && o.stop->load())) return std::nullopt;
    return pending[next++];
  };
  auto record = [&](row r) {
    std::lock_guard<std::mutex> lock(m);
    if (fatal) return;
    try {
      detail::write_row(p, dir, r);
    } catch (...) {
      fatal = std::current_exception();
      return;
    }
    const std::size_t id = r.id;
    have[id] = 1;
    ++st.done;
    reused += r.reused ? 1 : 0;
    st.failed += r.ok ? 0 : 1;
    rows[id] = std::move(r);
    st.elapsed_s = since(t0);
    const double finished = static_cast<double>(st.done - st.resumed);
    st.eta_s = st.elapsed_s / finished * static_cast<double>(st.total - st.done);
    st.last = &rows[id];
    if (o.on_progress) o.on_progress(st);
  };
  auto worker = [&] {
    job j{.group = group ? &*group : nullptr, .stream = stream};  // this job's previous run
    // Group 0's leader tells its group every run it takes, and the end.
    auto take = [&] { return group ? group->share(hand_out()) : hand_out(); };
    while (const auto id = take()) record(execute(p, *id, dir, o, threads, j));
  };
  {
    // Group 0 runs even with nothing pending: its other ranks wait for the end.
    const int local = groups ? 1 : std::min<int>(jobs, static_cast<int>(pending.size()));
    std::vector<std::thread> team;
    // Under MPI this thread answers the other ranks (or groups), and `jobs` threads (one
    // with groups) run here.
    for (int j = ranks > 1 ? 0 : 1; j < local; ++j) team.emplace_back(worker);
    if (ranks > 1) {
      // A row sent by another rank, as JSON text.
      auto take_row = [&](const std::string& text) {
        row r;
        try {
          r = detail::row_from_json(text);
        } catch (...) {
          std::lock_guard<std::mutex> lock(m);
          if (!fatal) fatal = std::current_exception();
          return;
        }
        record(std::move(r));
      };
      detail::serve_runs(group ? group->count() - 1 : ranks - 1, hand_out, take_row);
    } else if (local > 0) {
      worker();
    }
    for (auto& t : team) t.join();
  }
  if (fatal) std::rethrow_exception(fatal);

  result res;
  const bool complete = std::all_of(have.begin(), have.end(), [](char c) { return c != 0; });
  for (std::size_t id = 0; id < p.size(); ++id)
    if (have[id]) res.rows.push_back(rows[id]);
  res.failed = st.failed;
  res.reused = reused;
  res.interrupted = !complete;
  if (complete) {
    // The runs' files and rows reach the disk in one flush, before the table.
    myelin::detail::sync_file_system(dir);
    res.files = detail::write_table(p, dir, res.rows);
  }
  return res;
}

}  // namespace myelin::batch

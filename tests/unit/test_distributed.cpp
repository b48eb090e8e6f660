// The distributed code path without MPI: several ranks in one process, each its own
// simulation on a loopback transport, must give exactly the spikes, traces and output
// files of a single-process run (the determinism contract of docs/parallel.md). The
// same path runs over MPI in tests/python/test_parallel.py when the build has MPI.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/context.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

namespace fs = std::filesystem;

struct result {
  std::vector<spike_data> spikes;
  std::vector<trace_data> traces;
  std::vector<population_summary> summary;
};

// Runs `net` on `ranks` loopback ranks of `threads` threads each; returns rank 0's
// results and writes rank 0's output files to `dir` (if not empty).
result run_ranks(const network& net, int ranks, int threads, const std::string& dir = "") {
  std::vector<result> out(ranks);
  const auto errors = test::on_loopback_ranks(net, ranks, threads, [&](simulation& sim, int r) {
    sim.run(net.tstop / 2);  // two segments: state carries over between them
    sim.run(net.tstop / 2);
    for (const auto& p : net.populations) out[r].spikes.push_back(sim.spikes(p.label));
    out[r].traces = sim.traces();  // collective
    out[r].summary = sim.summary();
    if (!dir.empty()) sim.write_outputs(dir);  // collective, rank 0 writes
  });
  for (int r = 0; r < ranks; ++r) EXPECT_EQ(errors[r], "") << "rank " << r;
  // Every rank knows every count; only rank 0 holds the recorded data.
  for (int r = 1; r < ranks; ++r)
    for (std::size_t p = 0; p < out[0].summary.size(); ++p)
      EXPECT_EQ(out[r].summary[p].spike_count, out[0].summary[p].spike_count);
  return out[0];
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(distributed, loopback_ranks_match_one_process) {
  const network net = test::small_random_network(17);
  const fs::path base =
      fs::temp_directory_path() / ("myelin-test-dist-" + std::to_string(getpid()));
  fs::remove_all(base);
  const result ref = run_ranks(net, 1, 1, (base / "1x1").string());
  ASSERT_GT(ref.spikes[0].times.size(), 100u);
  for (int ranks : {2, 3})
    for (int threads : {1, 2}) {
      const std::string tag = std::to_string(ranks) + "x" + std::to_string(threads);
      const result r = run_ranks(net, ranks, threads, (base / tag).string());
      ASSERT_EQ(r.spikes.size(), ref.spikes.size());
      for (std::size_t p = 0; p < r.spikes.size(); ++p) {
        EXPECT_EQ(r.spikes[p].times, ref.spikes[p].times) << tag << " population " << p;
        EXPECT_EQ(r.spikes[p].node_ids, ref.spikes[p].node_ids) << tag << " population " << p;
        EXPECT_EQ(r.summary[p].spike_count, ref.summary[p].spike_count) << tag;
      }
      ASSERT_EQ(r.traces.size(), ref.traces.size());
      for (std::size_t t = 0; t < r.traces.size(); ++t) {
        EXPECT_EQ(r.traces[t].values, ref.traces[t].values) << tag;
        EXPECT_EQ(r.traces[t].node_ids, ref.traces[t].node_ids) << tag;
      }
      for (const char* f : {"spikes.h5", "traces.h5"})
        EXPECT_EQ(slurp(base / tag / f), slurp(base / "1x1" / f)) << tag << " " << f;
    }
  fs::remove_all(base);
}

TEST(distributed, error_on_one_rank_stops_every_rank) {
  // One cell's input overflows its membrane potential to NaN (caught by the engine's
  // finite-state check); the cell lives on one rank only. That rank reports the cell,
  // the others report that another rank failed, and nobody hangs.
  network net;
  net.tstop = 100.0;
  std::vector<double> i_offset(6, 0.1);
  i_offset[5] = 1e308;
  net.populations = {test::make_population("p", 6, "IF_cond_exp", {{"i_offset", i_offset}})};
  net.recorders = {test::make_recorder("s", "p", {"spikes"})};
  for (int threads : {1, 2}) {
    const auto errors =
        test::on_loopback_ranks(net, 2, threads, [](simulation& sim, int) { sim.run(); });
    int named = 0, other = 0;
    for (const auto& e : errors) {
      named += e.find("population 'p' cell 5: v became") != std::string::npos;
      other += e.find("another") != std::string::npos;
    }
    EXPECT_EQ(named, 1) << errors[0] << " | " << errors[1];
    EXPECT_EQ(other, 1) << errors[0] << " | " << errors[1];
  }
}

}  // namespace
}  // namespace myelin

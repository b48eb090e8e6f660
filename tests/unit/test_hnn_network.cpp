// HNN's column as cell groups: a small column (cable cells on a grid, distance-dependent
// AllToAll projections, an evoked drive) gives the same spikes and bit-identical dipoles
// on any number of loopback ranks and threads; the dipole is the per-cell sum in gid
// order; drives and long delays follow docs/hnn.md.

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "engine/context.hpp"
#include "myelin/myelin.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

network column() {
  // 3x3 pyramidal grids, 3 baskets per layer; local rules of MODEL_NOTES 7 (a subset)
  // and one proximal evoked drive.
  return test::hnn_3x3_column(
      60, R"json([
      {"label": "evprox", "type": "evoked", "location": "proximal", "mu": 20, "sigma": 3,
       "seed": 5, "origin": [1, 1],
       "weights_ampa": {"L2_basket": 0.08831, "L2_pyramidal": 0.01525, "L5_basket": 0.19934,
                        "L5_pyramidal": 0.02},
       "delays": {"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0}}
    ])json",
      R"json([{"target": ["L2_pyramidal", "L5_pyramidal"], "variables": ["spikes", "dipole"]}])json");
}

struct result {
  std::vector<dipole_data> dipoles;
  std::vector<trace_data> traces;
  std::vector<population_summary> summary;
  std::vector<spike_data> spikes;
};

result run_ranks(const network& net, int ranks, int threads) {
  std::vector<result> out(ranks);
  const auto errors = test::on_loopback_ranks(net, ranks, threads, [&](simulation& sim, int r) {
    sim.run(net.tstop);
    out[r].dipoles = sim.dipoles();  // collective
    out[r].traces = sim.traces();    // collective
    out[r].summary = sim.summary();
    for (const char* p : {"L2_pyramidal", "L5_pyramidal"}) out[r].spikes.push_back(sim.spikes(p));
  });
  for (int r = 0; r < ranks; ++r) EXPECT_EQ(errors[r], "") << "rank " << r;
  return out[0];
}

TEST(hnn_network, dipoles_and_spikes_identical_for_every_layout) {
  const network net = column();
  const result ref = run_ranks(net, 1, 1);
  ASSERT_EQ(ref.dipoles.size(), 2u);
  EXPECT_EQ(ref.dipoles[0].population, "L2_pyramidal");
  EXPECT_EQ(ref.dipoles[1].cell_type, "L5_pyramidal");
  const std::size_t n = static_cast<std::size_t>(std::llround(net.tstop / net.dt)) + 1;
  for (const auto& d : ref.dipoles) {
    ASSERT_EQ(d.values.size(), n);
    EXPECT_EQ(d.values[0], 0.0);  // HNN-core writes 0 at t = 0
  }
  // The drive (mu 20 ms) makes the cells fire and the L5 dipole swing.
  uint64_t spikes = 0;
  for (const auto& s : ref.summary) spikes += s.spike_count;
  EXPECT_GT(spikes, 9u + 3u + 24u);
  double lo = 1e300, hi = -1e300;
  for (double x : ref.dipoles[1].values) lo = std::min(lo, x), hi = std::max(hi, x);
  EXPECT_GT(hi - lo, 1000.0);  // fAm
  // The population dipole is the sum of the recorded per-cell dipoles (summed exactly in
  // fixed point, 2^-50 fAm, rounded once: within rounding of the plain double sum).
  for (const auto& tr : ref.traces) {
    const auto& d = tr.population == "L2_pyramidal" ? ref.dipoles[0] : ref.dipoles[1];
    ASSERT_EQ(tr.times.size(), n);
    for (std::size_t s = 1; s < n; s += 97) {
      double sum = 0, mag = 0;
      for (std::size_t c = 0; c < tr.node_ids.size(); ++c) {
        sum += tr.values[s * tr.node_ids.size() + c];
        mag += std::fabs(tr.values[s * tr.node_ids.size() + c]);
      }
      EXPECT_NEAR(sum, d.values[s], 1e-14 * mag + 1e-13) << tr.population << " sample " << s;
    }
  }
  for (auto [ranks, threads] : {std::pair{1, 3}, {2, 1}, {2, 2}, {3, 1}}) {
    const result r = run_ranks(net, ranks, threads);
    const std::string tag = std::to_string(ranks) + "x" + std::to_string(threads);
    ASSERT_EQ(r.dipoles.size(), ref.dipoles.size()) << tag;
    for (std::size_t p = 0; p < r.dipoles.size(); ++p)
      EXPECT_EQ(r.dipoles[p].values, ref.dipoles[p].values) << tag;
    for (std::size_t p = 0; p < r.spikes.size(); ++p) {
      EXPECT_EQ(r.spikes[p].times, ref.spikes[p].times) << tag;
      EXPECT_EQ(r.spikes[p].node_ids, ref.spikes[p].node_ids) << tag;
    }
  }
}

TEST(hnn_network, bad_drives_and_ports_name_their_field) {
  auto expect_error = [](const std::string& set_path, const std::string& value,
                         const std::string& field) {
    network net = column();
    try {
      set_by_path(net, set_path, value);
      FAIL() << set_path << " accepted";
    } catch (const model_error& e) {
      EXPECT_EQ(e.field(), field) << e.what();
    }
  };
  expect_error("drives.evprox.location", "\"distal\"", "drives[0].location");  // L5_basket lacks it
  expect_error("drives.evprox.delays.L5_basket", "0", "drives[0].delays.L5_basket");
  expect_error("drives.evprox.weights_ampa.L5_basket", "-1", "drives[0].weights_ampa.L5_basket");
  expect_error("drives.evprox.numspikes", "1.5", "drives[0].numspikes");
  expect_error("drives.evprox.rate", "5", "drives[0].rate");  // not a parameter of evoked
  expect_error("drives.evprox.rates", "{\"L5_basket\": 5}", "drives[0].rates");  // poisson only
  expect_error("drives.evprox.n_drive_cells", "3", "drives[0].n_drive_cells");   // cell-specific
  expect_error("projections.0.receptor", "\"basal_9_ampa\"", "projections[0].receptor");
}

}  // namespace
}  // namespace myelin

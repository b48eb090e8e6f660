// Inputs at the edges of what a model file can say (issue 12, items 4, 7 and 8): exact
// integers, numbers beyond a double, strings where numbers belong, a tstop off the time
// grid, and models too large for the machine, refused from the description before any
// allocation.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <string>

#include "model/estimate.hpp"
#include "myelin/myelin.hpp"

namespace myelin {
namespace {

std::string model(const std::string& seed, const std::string& size, const std::string& tau_m = "20",
                  const std::string& tstop = "100") {
  return R"({"name": "t", "dt": 0.1, "tstop": )" + tstop + R"(, "seed": )" + seed +
         R"(, "populations": [{"label": "a", "size": )" + size +
         R"(, "cell_type": "IF_cond_exp", "params": {"tau_m": )" + tau_m + "}}]}";
}

// The message of the model_error a text raises ("" if none).
std::string error_of(const std::string& text) {
  try {
    network_from_json_text(text);
  } catch (const model_error& e) {
    return e.what();
  }
  return "";
}

TEST(model_limits, seeds_are_exact_unsigned_64_bit_integers) {
  // 2^53 + 1 is not a double: read through one it would become 2^53.
  EXPECT_EQ(network_from_json_text(model("9007199254740993", "1")).seed, 9007199254740993ull);
  EXPECT_EQ(network_from_json_text(model("18446744073709551615", "1")).seed,
            18446744073709551615ull);
  // The summary's model reads back to the same seed.
  const network net = network_from_json_text(model("18446744073709551615", "1"));
  EXPECT_EQ(network_from_json_text(network_to_json_text(net)).seed, net.seed);
  EXPECT_NE(error_of(model("-1", "1")).find("seed: must be >= 0, got -1"), std::string::npos);
  EXPECT_NE(error_of(model("18446744073709551616", "1")).find("seed: expected an integer in [0, "),
            std::string::npos);
  EXPECT_NE(error_of(model("1e17", "1")).find("seed: write integers above 2^53 in full digits"),
            std::string::npos);
  EXPECT_EQ(network_from_json_text(model("1e3", "1")).seed, 1000u);
}

TEST(model_limits, sizes_beyond_64_bits_are_refused_not_wrapped) {
  const std::string e = error_of(model("1", "18446744073709551617"));
  EXPECT_NE(e.find("populations[0].size: expected an integer in [-2^63, 2^63)"), std::string::npos)
      << e;
  EXPECT_EQ(e.find("-9223372036854775808"), std::string::npos) << e;
  EXPECT_NE(error_of(model("1", "9223372036854775808"))
                .find("populations[0].size: expected an "
                      "integer <= 9223372036854775807"),
            std::string::npos);
}

TEST(model_limits, a_number_beyond_a_double_names_its_field) {
  EXPECT_EQ(error_of(model("1", "1", "1e400")),
            "populations[0].params.tau_m: the number 1e400 is out of range (largest allowed "
            "magnitude ~1.8e308)");
  // The same literal inside a string (a label) is not taken for the number.
  const std::string text = R"({"name": "1e400", "dt": 0.1, "tstop": 100,
    "populations": [{"label": "a", "size": 1, "cell_type": "IF_cond_exp",
                     "params": {"cm": 1, "tau_m": -1e400}}]})";
  EXPECT_EQ(error_of(text).rfind("populations[0].params.tau_m: the number -1e400", 0), 0u)
      << error_of(text);
  network net = network_from_json_text(model("1", "1"));
  try {
    set_by_path(net, "populations.a.params.tau_m", "1e400");
    FAIL() << "1e400 accepted";
  } catch (const model_error& e) {
    EXPECT_EQ(e.field(), "--set populations.a.params.tau_m");
  }
}

TEST(model_limits, nan_and_infinity_name_their_field) {
  EXPECT_EQ(error_of(model("1", "1", "NaN")),
            "populations[0].params.tau_m: NaN is not a number JSON allows; give a finite number");
  EXPECT_EQ(error_of(model("1", "1", "-Infinity")),
            "populations[0].params.tau_m: -Infinity is not a number JSON allows; give a finite "
            "number");
}

TEST(model_limits, a_string_where_a_number_belongs_says_so) {
  for (const std::string& v : {std::string("\"20\""), std::string("\"abc\"")}) {
    const std::string e = error_of(model("1", "1", v));
    EXPECT_EQ(e.rfind("populations[0].params.tau_m: must be a number, an array of numbers or a "
                      "distribution, got the string",
                      0),
              0u)
        << e;
  }
}

TEST(model_limits, tstop_off_the_time_grid_names_tstop) {
  EXPECT_EQ(error_of(model("1", "1", "20", "100.05")),
            "tstop: 100.05 ms is not a whole number of time steps (dt = 0.1 ms)");
  EXPECT_EQ(error_of(model("1", "1", "20", "100.1")), "");
}

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(model_limits, validation_allocates_nothing_per_cell) {
  // A recorder and a projection on 2e8 cells: validating them used to build their gid
  // lists (1.6 GB each).
  const std::string text = R"({"name": "big", "dt": 0.1, "tstop": 1,
    "populations": [{"label": "a", "size": 200000000, "cell_type": "IF_curr_exp"}],
    "projections": [{"pre": "a", "post": "a", "connector": {"type": "OneToOne"},
                     "weight": 0.1, "delay": 1}],
    "stimuli": [{"type": "DCSource", "target": "a", "amplitude": 0.1}],
    "recorders": [{"target": "a", "variables": ["spikes"]}]})";
  const long before = max_rss_kib();
  network_from_json_text(text);
  EXPECT_LT(max_rss_kib() - before, 64 * 1024) << "validation grew the process by > 64 MiB";
}

std::string memory_error(const std::string& text, int ranks = 1) {
  try {
    detail::check_memory(network_from_json_text(text), ranks, 0);
  } catch (const error& e) {
    return e.what();
  }
  return "";
}

TEST(model_limits, models_that_cannot_fit_are_refused_from_the_description) {
  const std::string cells = R"({"name": "x", "dt": 0.1, "tstop": 10,
    "populations": [{"label": "a", "size": 4000000000, "cell_type": "IF_cond_exp"}]})";
  EXPECT_EQ(memory_error(cells).rfind("the model needs at least", 0), 0u) << memory_error(cells);
  auto connected = [](const std::string& conn) {
    return R"({"name": "x", "dt": 0.1, "tstop": 10,
      "populations": [{"label": "a", "size": 1000, "cell_type": "IF_cond_exp"}],
      "projections": [{"pre": "a", "post": "a", "connector": )" +
           conn + R"(, "weight": 0.01, "delay": 1}]})";
  };
  const std::string pre = connected(R"({"type": "FixedNumberPre", "n": 1e12,
                                        "with_replacement": true})");
  EXPECT_NE(memory_error(pre).find("1e+15 synapses"), std::string::npos) << memory_error(pre);
  const std::string total = connected(R"({"type": "FixedTotalNumber", "n": 1e15})");
  EXPECT_NE(memory_error(total).find("1e+15 synapses"), std::string::npos) << memory_error(total);
  // The same model spread over ranks: the message gives the share per rank.
  EXPECT_NE(memory_error(total, 4).find("per rank (4 ranks)"), std::string::npos);
  // What fits passes.
  EXPECT_EQ(memory_error(connected(R"({"type": "FixedProbability", "p": 0.1})")), "");
}

TEST(model_limits, the_estimate_counts_connectors_and_recording) {
  const network net = network_from_json_text(R"({"name": "x", "dt": 0.1, "tstop": 1000,
    "populations": [{"label": "a", "size": 1000, "cell_type": "IF_cond_exp"},
                    {"label": "b", "size": 500, "cell_type": "IF_cond_exp"}],
    "projections": [
      {"pre": "a", "post": "b", "connector": {"type": "FixedProbability", "p": 0.1}, "weight": 0.01},
      {"pre": "a", "post": "b", "connector": {"type": "FixedNumberPre", "n": 7}, "weight": 0.01},
      {"pre": "a", "post": "b", "connector": {"type": "FixedNumberPost", "n": 3}, "weight": 0.01},
      {"pre": "b", "post": "b", "connector": {"type": "AllToAll"}, "weight": 0.01},
      {"pre": "b", "post": "b", "connector": {"type": "OneToOne"}, "weight": 0.01}],
    "recorders": [{"target": "a", "variables": ["v"], "interval": 1.0},
                  {"target": "b", "variables": ["spikes"]}]})");
  const auto m = detail::estimate_memory(net);
  EXPECT_DOUBLE_EQ(m.synapse_count, 0.1 * 1000 * 500 + 7 * 500 + 3 * 1000 + 500 * 500 + 500);
  // v: 1000 cells x 1001 samples x 8 B; spikes: 500 cells x 100 Hz x 1 s x 16 B.
  EXPECT_DOUBLE_EQ(m.recording, 1000.0 * 1001 * 8 + 500.0 * 100 * 16);
}

TEST(model_limits, the_estimate_counts_cable_cells_and_electrode_arrays) {
  auto estimate = [](const std::string& arrays) {
    return detail::estimate_memory(network_from_json_text(R"({"name": "x", "dt": 0.025,
      "tstop": 100, "populations": [
        {"label": "b", "size": 10, "cell_type": "L2_basket",
         "positions": {"kind": "grid", "shape": [10, 1], "spacing": [10, 10]}}])" +
                                                          arrays + "}"));
  };
  const memory_estimate none = estimate("");
  // Basket cells (no dipole) are multi-compartment cells: 16 KiB each at least.
  EXPECT_GE(none.cells, 10 * 16384.0);
  const memory_estimate two = estimate(R"(, "electrode_arrays": [{"label": "e",
      "positions": [[0, 0, 0], [0, 0, 100]]}])");
  EXPECT_DOUBLE_EQ(two.cells - none.cells, 4.0 * 64 * 10 * 2);
  EXPECT_DOUBLE_EQ(two.recording - none.recording, 24.0 * 2 * 4001);
}

}  // namespace
}  // namespace myelin

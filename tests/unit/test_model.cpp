// Model files: parsing, round trips, --set paths, and one error test per class of bad
// input, each checking the JSON path the error names.

#include <gtest/gtest.h>

#include <fstream>

#include "myelin/myelin.hpp"

namespace myelin {
namespace {

const std::string base = R"json({
  "name": "t", "dt": 0.1, "tstop": 100, "seed": 3,
  "populations": [
    {"label": "a", "size": 10, "cell_type": "IF_cond_exp",
     "params": {"tau_m": 15, "cm": [1,1,1,1,1,1,1,1,1,2]},
     "initial": {"v": {"distribution": "normal", "mu": -60, "sigma": 2}},
     "positions": {"kind": "grid", "shape": [5, 2], "spacing": [10, 10]}},
    {"label": "s", "size": 2, "cell_type": "SpikeSourceArray", "spike_times": [[1, 2], [3]]}
  ],
  "projections": [
    {"label": "p", "pre": "s", "post": {"population": "a", "start": 0, "stop": 4},
     "connector": {"type": "FixedProbability", "p": 0.5}, "weight": 0.01, "delay": 1.0},
    {"label": "q", "pre": "a", "post": "a", "receptor": "inhibitory",
     "connector": {"type": "DistanceDependentProbability", "d_expression": "exp(-d/20)"},
     "weight": {"distribution": "uniform", "low": 0.0, "high": 0.1}, "delay": "0.1 + d/100"}
  ],
  "stimuli": [{"label": "dc", "type": "DCSource", "target": "a", "amplitude": 0.1, "start": 5}],
  "recorders": [{"label": "r", "target": "a", "variables": ["spikes", "v"], "interval": 1.0}]
})json";

// Parses `base` with `from` replaced by `to` and expects a model_error on `field`.
void expect_error(const std::string& from, const std::string& to, const std::string& field,
                  const std::string& fragment = "") {
  std::string text = base;
  const auto pos = text.find(from);
  ASSERT_NE(pos, std::string::npos) << from;
  text.replace(pos, from.size(), to);
  try {
    network_from_json_text(text);
    FAIL() << "no error for " << to;
  } catch (const model_error& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
  }
}

TEST(model_json, parses_every_construct) {
  const network net = network_from_json_text(base);
  ASSERT_EQ(net.populations.size(), 2u);
  EXPECT_EQ(std::get<std::vector<double>>(net.populations[0].params.at("cm")).size(), 10u);
  EXPECT_EQ(std::get<distribution>(net.populations[0].initial.at("v")).params.at("sigma"), 2.0);
  EXPECT_EQ(net.populations[1].spike_times.size(), 2u);
  EXPECT_EQ(net.projections[0].post.parts[0].stop.value(), 4);
  EXPECT_EQ(std::get<expression_spec>(net.projections[1].delay).text, "0.1 + d/100");
  EXPECT_EQ(net.stimuli[0].params.at("start"), 5.0);
  EXPECT_EQ(net.recorders[0].interval, 1.0);
}

TEST(model_json, round_trip_is_stable) {
  const network net = network_from_json_text(base);
  const std::string once = network_to_json_text(net);
  const std::string twice = network_to_json_text(network_from_json_text(once));
  EXPECT_EQ(once, twice);
}

TEST(model_json, set_by_path) {
  network net = network_from_json_text(base);
  set_by_path(net, "populations.a.params.tau_m", "12.5");
  EXPECT_EQ(std::get<double>(net.populations[0].params.at("tau_m")), 12.5);
  set_by_path(net, "tstop", "250");
  EXPECT_EQ(net.tstop, 250.0);
  set_by_path(net, "projections.0.connector.p", "0.25");
  EXPECT_EQ(net.projections[0].conn.p, 0.25);
  set_by_path(net, "stimuli.dc.amplitude", "0.3");
  EXPECT_EQ(net.stimuli[0].params.at("amplitude"), 0.3);
  EXPECT_THROW(set_by_path(net, "populations.zzz.size", "3"), model_error);
  EXPECT_THROW(set_by_path(net, "populations.a.size", "-3"), model_error);
}

TEST(model_json, set_by_paths_applies_in_order_and_validates_once) {
  network net = network_from_json_text(base);
  // The second path finds the source by the label the first one gave it; a size that
  // is invalid only on the way (validation runs once, at the end) is accepted.
  set_by_paths(net, {{"stimuli.dc.label", "step"},
                     {"stimuli.step.amplitude", "0.7"},
                     {"populations.a.size", "-1"},
                     {"populations.a.size", "10"},
                     {"tstop", "123"}});
  EXPECT_EQ(net.stimuli[0].label, "step");
  EXPECT_EQ(net.stimuli[0].params.at("amplitude"), 0.7);
  EXPECT_EQ(net.populations[0].size, 10);
  EXPECT_EQ(net.tstop, 123.0);
  // Invalid only as a whole: the error names the field, and the model is unchanged.
  const network before = net;
  try {
    set_by_paths(net, {{"tstop", "500"}, {"populations.a.size", "-1"}});
    FAIL() << "accepted a negative size";
  } catch (const model_error& e) {
    EXPECT_EQ(e.field(), "populations[0].size");
  }
  EXPECT_EQ(net.tstop, before.tstop);
  EXPECT_EQ(net.populations[0].size, 10);
  EXPECT_THROW(set_by_paths(net, {{"tstop", "5"}, {"populations.nope.size", "3"}}), model_error);
  EXPECT_EQ(net.tstop, before.tstop);
}

TEST(model_errors, malformed_json) {
  try {
    network_from_json_text("{\"populations\": [}");
    FAIL();
  } catch (const model_error& e) {
    EXPECT_NE(std::string(e.what()).find("malformed JSON"), std::string::npos);
  }
}

TEST(model_errors, each_class_names_its_field) {
  expect_error("\"IF_cond_exp\"", "\"IF_foo\"", "populations[0].cell_type", "allowed: IF_curr_exp");
  expect_error("\"tau_m\": 15", "\"tau_mm\": 15", "populations[0].params.tau_mm", "allowed:");
  expect_error("\"tau_m\": 15", "\"tau_m\": 0", "populations[0].params.tau_m", "> 0");
  expect_error("\"tau_m\": 15", "\"tau_m\": \"fast\"", "populations[0].params.tau_m",
               "expressions");
  expect_error("\"size\": 10", "\"size\": -10", "populations[0].size", ">= 1");
  expect_error("\"size\": 10", "\"size\": 2.5", "populations[0].size", "integer");
  expect_error("\"size\": 10", "\"size\": \"ten\"", "populations[0].size", "expected an integer");
  expect_error("[1,1,1,1,1,1,1,1,1,2]", "[1,1]", "populations[0].params.cm", "10 cells");
  expect_error("\"p\": 0.5", "\"p\": 1.5", "projections[0].connector.p", "[0, 1]");
  expect_error("\"FixedProbability\"", "\"Fixed\"", "projections[0].connector.type", "allowed:");
  expect_error("\"delay\": 1.0", "\"delay\": 0.01", "projections[0].delay", "time step");
  expect_error("\"weight\": 0.01", "\"weight\": -0.01", "projections[0].weight", ">= 0");
  expect_error("\"receptor\": \"inhibitory\"", "\"receptor\": \"gaba\"", "projections[1].receptor",
               "allowed: excitatory, inhibitory");
  expect_error("\"tstop\": 100", "\"tstop\": 0", "tstop", "> 0");
  expect_error("\"dt\": 0.1", "\"dt\": -0.1", "dt", "> 0");
  expect_error("\"post\": \"a\"", "\"post\": \"b\"", "projections[1].post.population",
               "unknown population 'b'");
  expect_error("\"stop\": 4", "\"stop\": 40", "projections[0].post.stop", "[start, 10]");
  expect_error("exp(-d/20)", "exp(-q/20)", "projections[1].connector.d_expression", "unknown");
  expect_error("\"variables\": [\"spikes\", \"v\"]", "\"variables\": [\"w\"]",
               "recorders[0].variables[0]", "not recordable");
  expect_error("\"interval\": 1.0", "\"interval\": 0.15", "recorders[0].interval", "multiple");
  expect_error("\"amplitude\": 0.1", "\"amplitudee\": 0.1", "stimuli[0].amplitudee", "allowed");
  expect_error("\"DCSource\"", "\"FooSource\"", "stimuli[0].type", "allowed");
  expect_error("\"sigma\": 2", "\"sigma\": -2", "populations[0].initial.v", "sigma");
  expect_error("\"seed\": 3", "\"seed\": 3, \"bogus\": 1", "bogus", "unknown field");
  expect_error("[[1, 2], [3]]", "[[2, 1], [3]]", "populations[1].spike_times[0][1]", "decrease");
  expect_error("\"label\": \"s\"", "\"label\": \"a\"", "populations[1].label", "duplicate");
}

TEST(model_errors, missing_file) {
  EXPECT_THROW(load_network("/nonexistent/model.json"), io_error);
}

TEST(model_errors, built_in_models_are_valid) {
  for (const char* m : {"coba", "coba_40k", "coba_400k", "cuba", "cobahh", "izhikevich"}) {
    const network net = load_network(std::string(MYELIN_SOURCE_DIR) + "/models/" + m + ".json");
    EXPECT_EQ(net.name, m);
  }
}

}  // namespace
}  // namespace myelin

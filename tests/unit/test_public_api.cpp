// What the `myelin` command needs, through the public headers alone (include/myelin/):
// the memory check, the output directory check, compression per run.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "myelin/error.hpp"
#include "myelin/model.hpp"
#include "myelin/outputs.hpp"
#include "myelin/simulation.hpp"

namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("myelin_public_api_" + name);
  fs::remove_all(d);
  return d;
}

myelin::network two_populations(int64_t size, double p) {
  return myelin::network_from_json_text(R"({"name": "x", "dt": 0.1, "tstop": 100,
    "populations": [{"label": "a", "size": )" +
                                        std::to_string(size) +
                                        R"(, "cell_type": "IF_cond_exp",
                     "params": {"i_offset": 1.0}}],
    "projections": [{"pre": "a", "post": "a", "connector": {"type": "FixedProbability",
                     "p": )" + std::to_string(p) +
                                        R"(}, "weight": 0.001, "delay": 1}],
    "recorders": [{"label": "v", "target": "a", "variables": ["v"]}]})");
}

TEST(public_api, estimate_and_check_memory) {
  const myelin::memory_estimate m = myelin::estimate_memory(two_populations(1000, 0.1));
  EXPECT_DOUBLE_EQ(m.synapse_count, 0.1 * 1000 * 1000);
  EXPECT_DOUBLE_EQ(m.recording, 1000.0 * 1001 * 8);  // v of every cell, every step
  EXPECT_GT(m.cells, 0);
  EXPECT_DOUBLE_EQ(m.total(), m.cells + m.synapses + m.recording);
  EXPECT_NO_THROW(myelin::check_memory(two_populations(1000, 0.1)));
  // 8 MB of traces against a 1 MB limit: not refused (a run streams what is above the
  // limit), and only the limit's worth counts towards the memory held.
  EXPECT_NO_THROW(myelin::check_memory(two_populations(1000, 0.1), 1, 1e6));
  // 4e18 synapses fit nowhere, on any number of ranks of a machine like this one.
  EXPECT_THROW(myelin::check_memory(two_populations(2000000000, 1.0), 64), myelin::error);
}

TEST(public_api, check_output_directory_refuses_foreign_files_and_leaves_no_trace) {
  const fs::path fresh = scratch("fresh") / "a" / "b";
  myelin::check_output_directory(fresh.string());
  EXPECT_FALSE(fs::exists(fresh.parent_path())) << "the check left the directories it made";
  const fs::path foreign = scratch("foreign");
  fs::create_directories(foreign);
  std::ofstream(foreign / "notes.txt") << "mine";
  EXPECT_THROW(myelin::check_output_directory(foreign.string()), myelin::io_error);
  EXPECT_TRUE(fs::exists(foreign / "notes.txt"));
  const fs::path blocked = scratch("blocked");
  std::ofstream(blocked) << "a file";
  EXPECT_THROW(myelin::check_output_directory((blocked / "sub").string()), myelin::io_error);
  fs::remove_all(foreign);
  fs::remove(blocked);
}

TEST(public_api, parse_compression) {
  myelin::compression c = myelin::compression::none;
  EXPECT_TRUE(myelin::parse_compression("fast", c));
  EXPECT_EQ(c, myelin::compression::fast);
  EXPECT_TRUE(myelin::parse_compression("best", c));
  EXPECT_EQ(c, myelin::compression::best);
  EXPECT_TRUE(myelin::parse_compression("none", c));
  EXPECT_EQ(c, myelin::compression::none);
  EXPECT_FALSE(myelin::parse_compression("gzip", c));
  EXPECT_FALSE(myelin::parse_compression("", c));
  EXPECT_EQ(c, myelin::compression::none);  // unchanged by a refusal
}

TEST(public_api, compression_is_per_simulation) {
  // Two simulations in one process, one compressed: the traces (1001 x 100 values, above
  // the 65,536 that get chunked) differ in size, their values do not.
  uintmax_t size[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    const fs::path d = scratch("compress" + std::to_string(k));
    myelin::simulation sim(
        two_populations(100, 0.0),
        {.threads = 1, .compression = k ? myelin::compression::best : myelin::compression::none});
    sim.run();
    sim.write_outputs(d.string());
    size[k] = fs::file_size(d / "traces.h5");
    fs::remove_all(d);
  }
  EXPECT_GT(size[0], 1001u * 100 * 8);
  EXPECT_LT(size[1], size[0]);
}

}  // namespace

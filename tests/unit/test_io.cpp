// Output files: HDF5 round trips, SONATA attributes, atomic transactions.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <hdf5.h>

#include "io/writers.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("myelin-test-io-" + std::to_string(getpid())) / name;
  fs::remove_all(p);
  return p;
}

TEST(io, spikes_round_trip) {
  const fs::path dir = scratch("spikes");
  fs::create_directories(dir);
  const std::string f = (dir / "s.h5").string();
  std::vector<spike_table> in{{"exc", {0.1, 0.5, 0.5, 2.0}, {3, 0, 7, 3}}, {"empty", {}, {}}};
  write_spikes_sonata(f, in);
  const auto out = read_spikes_sonata(f);
  ASSERT_EQ(out.size(), 2u);
  // Read back in the order written (the model's population order), not name order.
  EXPECT_EQ(out[0].population, "exc");
  EXPECT_EQ(out[0].times, in[0].times);
  EXPECT_EQ(out[0].node_ids, in[0].node_ids);
  EXPECT_EQ(out[1].population, "empty");
  EXPECT_TRUE(out[1].times.empty());
}

// Files are reproducible: no object in them stores a creation or modification time
// (HDF5 stores both by default), so the same data always gives the same bytes.
herr_t collect_times(hid_t, const char* name, const H5O_info_t* info, void* out) {
  if (info->ctime != 0 || info->mtime != 0 || info->atime != 0 || info->btime != 0)
    static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

TEST(io, identical_data_gives_identical_files) {
  const fs::path dir = scratch("same");
  fs::create_directories(dir);
  std::vector<spike_table> in{{"a", {1.0, 2.0}, {1, 2}}};
  write_spikes_sonata((dir / "1.h5").string(), in);
  write_spikes_sonata((dir / "2.h5").string(), in);
  write_traces_h5((dir / "t.h5").string(), {{"exc", "v", "mV", {0.0, 1.0}, {4}, {1, 2}}});
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(slurp(dir / "1.h5"), slurp(dir / "2.h5"));
  for (const char* f : {"1.h5", "t.h5"}) {
    const hid_t file = H5Fopen((dir / f).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    std::vector<std::string> timed;
    EXPECT_GE(H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, collect_times, &timed, H5O_INFO_TIME),
              0);
    H5Fclose(file);
    EXPECT_TRUE(timed.empty()) << f << ": objects with stored times, e.g. " << timed[0];
  }
}

TEST(io, traces_round_trip) {
  const fs::path dir = scratch("traces");
  fs::create_directories(dir);
  const std::string f = (dir / "t.h5").string();
  trace_table a{"exc", "v", "mV", {0.0, 1.0, 2.0}, {4, 9}, {1, 2, 3, 4, 5, 6}};
  trace_table b{"exc", "gsyn_exc", "uS", {0.0}, {4}, {0.5}};
  std::vector<double> big(300 * 400);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i) * 0.25;
  std::vector<uint64_t> ids(400);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = i;
  std::vector<double> times(300);
  trace_table c{"inh", "v", "mV", times, ids, big};  // chunked + compressed
  write_traces_h5(f, {a, b, c});
  const auto out = read_traces_h5(f);
  ASSERT_EQ(out.size(), 3u);
  for (const auto& t : out) {
    const trace_table& ref = t.population == "inh" ? c : t.variable == "v" ? a : b;
    EXPECT_EQ(t.data, ref.data);
    EXPECT_EQ(t.time, ref.time);
    EXPECT_EQ(t.node_ids, ref.node_ids);
    EXPECT_EQ(t.unit, ref.unit);
  }
}

TEST(io, transaction_commits_or_leaves_nothing) {
  const fs::path dir = scratch("tx");
  {
    output_transaction tx(dir.string());
    write_text_atomic(tx.path("summary.json"), "hello");
    EXPECT_FALSE(fs::exists(dir / "summary.json"));
    tx.commit();
  }
  EXPECT_TRUE(fs::exists(dir / "summary.json"));
  {
    output_transaction tx(dir.string());
    write_text_atomic(tx.path("dipole.csv"), "never");
  }  // no commit
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  EXPECT_FALSE(fs::exists(dir / "dipole.csv"));
}

TEST(io, uncommitted_transaction_removes_the_directories_it_created) {
  const fs::path base = scratch("mkdirs");
  fs::create_directories(base);
  const fs::path deep = base / "a" / "b" / "c";
  {
    output_transaction tx(deep.string());
    EXPECT_TRUE(fs::is_directory(deep));
    write_text_atomic(tx.path("x.txt"), "never");
  }  // no commit: a, a/b, a/b/c were created here and go again
  EXPECT_FALSE(fs::exists(base / "a"));
  EXPECT_TRUE(fs::is_directory(base));  // existed before: kept
  {
    output_transaction tx(deep.string());
    write_text_atomic(tx.path("x.txt"), "kept");
    tx.commit();
  }
  EXPECT_TRUE(fs::exists(deep / "x.txt"));
}

TEST(io, unwritable_directory_is_an_error) {
  const fs::path dir = scratch("file");
  fs::create_directories(dir);
  std::ofstream(dir / "plain") << "x";
  EXPECT_THROW(output_transaction((dir / "plain" / "sub").string()), io_error);
  EXPECT_THROW(output_transaction("/proc/myelin-out"), io_error);
}

}  // namespace
}  // namespace myelin::detail

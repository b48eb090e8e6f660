// trace_stream (appendable traces.h5) against write_traces_h5; compression choices.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "io/trace_stream.hpp"
#include "io/writers.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("myelin-test-iostream-" + std::to_string(getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

trace_table table(const std::string& pop, const std::string& var, const std::string& unit,
                  std::size_t samples, std::size_t cells, double phase) {
  trace_table t{pop, var, unit, {}, {}, {}};
  for (std::size_t c = 0; c < cells; ++c) t.node_ids.push_back(3 * c + 1);
  for (std::size_t s = 0; s < samples; ++s) {
    t.time.push_back(0.1 * static_cast<double>(s));
    for (std::size_t c = 0; c < cells; ++c)
      t.data.push_back(-65.0 + std::sin(phase + 0.01 * static_cast<double>(s * (c + 1))));
  }
  return t;
}

// Type class, size and the units attribute of a dataset, as a reader sees them.
std::string describe(const std::string& file, const std::string& object) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t ds = H5Dopen2(f, object.c_str(), H5P_DEFAULT);
  const hid_t type = H5Dget_type(ds);
  std::string out = std::to_string(H5Tget_class(type)) + "/" + std::to_string(H5Tget_size(type)) +
                    "/" + std::to_string(H5Tget_order(type));
  if (H5Aexists(ds, "units") > 0) {
    const hid_t a = H5Aopen(ds, "units", H5P_DEFAULT);
    const hid_t at = H5Aget_type(a);
    std::string v(H5Tget_size(at), '\0');
    H5Aread(a, at, v.data());
    out += " units=" + std::string(v.c_str()) + " strpad=" + std::to_string(H5Tget_strpad(at));
    H5Tclose(at);
    H5Aclose(a);
  }
  H5Tclose(type);
  H5Dclose(ds);
  H5Fclose(f);
  return out;
}

TEST(io_stream, appended_blocks_read_back_as_write_traces_h5s_file) {
  const fs::path dir = scratch("stream");
  const std::vector<trace_table> tables{
      table("exc", "v", "mV", 1000, 7, 0.0), table("exc", "gsyn_exc", "uS", 1000, 7, 1.0),
      table("inh", "v", "mV", 1000, 3, 2.0), table("none", "v", "mV", 1000, 0, 0.0)};
  const std::string whole = (dir / "whole.h5").string(), streamed = (dir / "streamed.h5").string();
  write_traces_h5(whole, tables);
  {
    trace_stream s(streamed, compression::fast);
    std::vector<std::size_t> h;
    for (const auto& t : tables) h.push_back(s.add(t.population, t.variable, t.unit, t.node_ids));
    // Uneven blocks, interleaved between the variables, as a recorder would flush them.
    const std::size_t cuts[] = {0, 1, 250, 251, 999, 1000};
    for (std::size_t k = 0; k + 1 < std::size(cuts); ++k)
      for (std::size_t i = 0; i < tables.size(); ++i) {
        const auto& t = tables[i];
        const std::size_t a = cuts[k], b = cuts[k + 1], n = t.node_ids.size();
        s.append(h[i], std::vector<double>(t.time.begin() + a, t.time.begin() + b),
                 std::vector<double>(t.data.begin() + a * n, t.data.begin() + b * n));
      }
    EXPECT_EQ(s.samples(h[2]), 1000u);
    s.close();
  }
  const auto a = read_traces_h5(whole), b = read_traces_h5(streamed);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i].population, a[i].population);
    EXPECT_EQ(b[i].variable, a[i].variable);
    EXPECT_EQ(b[i].unit, a[i].unit);
    EXPECT_EQ(b[i].time, a[i].time);
    EXPECT_EQ(b[i].node_ids, a[i].node_ids);
    EXPECT_EQ(b[i].data, a[i].data);
  }
  for (const char* o : {"/exc/v/time", "/exc/v/node_ids", "/exc/v/data", "/none/v/data"})
    EXPECT_EQ(describe(streamed, o), describe(whole, o)) << o;
  EXPECT_EQ(describe(streamed, "/exc/v/time"), "1/8/0 units=ms strpad=0");
}

TEST(io_stream, misuse_is_an_internal_error) {
  const fs::path dir = scratch("misuse");
  trace_stream s((dir / "t.h5").string());
  const auto h = s.add("exc", "v", "mV", {0, 1});
  EXPECT_THROW(s.add("exc", "v", "mV", {0}), internal_error);
  EXPECT_THROW(s.append(h, std::vector<double>{0.0}, std::vector<double>{1.0}), internal_error);
  EXPECT_THROW(s.add("a/b", "v", "mV", {0}), io_error);
  s.close();
  EXPECT_THROW(s.append(h, std::vector<double>{0.0}, std::vector<double>{1.0, 2.0}),
               internal_error);
}

TEST(io_stream, unwritable_path_names_the_final_file) {
  try {
    trace_stream s("/nonexistent-dir/.traces.h5.tmp-3");
    FAIL() << "no error";
  } catch (const io_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "HDF5 file '/nonexistent-dir/traces.h5': cannot create: No such file or directory");
  }
}

// Layout of a dataset: H5D_CONTIGUOUS or H5D_CHUNKED, and its number of filters.
std::pair<int, int> layout(const std::string& file, const char* object) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t ds = H5Dopen2(f, object, H5P_DEFAULT);
  const hid_t dcpl = H5Dget_create_plist(ds);
  const std::pair<int, int> out{H5Pget_layout(dcpl), H5Pget_nfilters(dcpl)};
  H5Pclose(dcpl);
  H5Dclose(ds);
  H5Fclose(f);
  return out;
}

TEST(io_stream, compression_changes_storage_not_values) {
  const fs::path dir = scratch("compress");
  // Membrane potentials with long flat stretches (refractory periods) compress well.
  trace_table t = table("exc", "v", "mV", 20000, 10, 0.0);
  for (std::size_t i = 0; i < t.data.size(); ++i)
    if ((i / 10) % 100 < 60) t.data[i] = -70.0;
  std::uintmax_t size[3];
  const compression cs[] = {compression::none, compression::fast, compression::best};
  for (int k = 0; k < 3; ++k) {
    const std::string f = (dir / ("c" + std::to_string(k) + ".h5")).string();
    write_traces_h5(f, {t}, cs[k]);
    size[k] = fs::file_size(f);
    const auto back = read_traces_h5(f);
    EXPECT_EQ(back[0].data, t.data);
    const auto [lay, filters] = layout(f, "/exc/v/data");
    EXPECT_EQ(lay, k == 0 ? H5D_CONTIGUOUS : H5D_CHUNKED);
    EXPECT_EQ(filters, k == 0 ? 0 : 2);  // shuffle + deflate
  }
  EXPECT_GT(size[0], 8u * t.data.size());
  EXPECT_LT(size[1], size[0] / 2);
  EXPECT_LE(size[2], size[1]);
  compression c;
  EXPECT_TRUE(parse_compression("best", c));
  EXPECT_EQ(c, compression::best);
  EXPECT_FALSE(parse_compression("gzip", c));
}

}  // namespace
}  // namespace myelin::detail

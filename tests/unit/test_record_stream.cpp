// Streaming the recording to disk: spike_stream against write_spikes_sonata, and
// simulation::stream_outputs against runs held in memory (src/record/streaming.cpp).

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "io/spike_stream.hpp"
#include "io/writers.hpp"
#include "myelin/error.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

namespace fs = std::filesystem;
using detail::read_spikes_sonata;
using detail::read_traces_h5;
using test::make_population;
using test::make_recorder;

fs::path scratch(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("myelin-test-stream-" + std::to_string(getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

// An attribute's raw bytes and type class, as a reader sees them.
std::string attribute(const std::string& file, const std::string& object, const char* name) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t o = H5Oopen(f, object.c_str(), H5P_DEFAULT);
  const hid_t a = H5Aopen(o, name, H5P_DEFAULT);
  const hid_t t = H5Aget_type(a), s = H5Aget_space(a);
  std::string bytes(H5Tget_size(t) * static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)),
                    '\0');
  H5Aread(a, t, bytes.data());
  const std::string out = std::to_string(H5Tget_class(t)) + ":" + bytes;
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  H5Oclose(o);
  H5Fclose(f);
  return out;
}

void expect_same_files(const fs::path& a, const fs::path& b) {
  const auto sa = read_spikes_sonata((a / "spikes.h5").string());
  const auto sb = read_spikes_sonata((b / "spikes.h5").string());
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].population, sb[i].population);
    EXPECT_EQ(sa[i].times, sb[i].times) << sa[i].population;
    EXPECT_EQ(sa[i].node_ids, sb[i].node_ids) << sa[i].population;
  }
  const auto ta = read_traces_h5((a / "traces.h5").string());
  const auto tb = read_traces_h5((b / "traces.h5").string());
  ASSERT_EQ(ta.size(), tb.size());
  for (std::size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].population + "/" + ta[i].variable, tb[i].population + "/" + tb[i].variable);
    EXPECT_EQ(ta[i].time, tb[i].time);
    EXPECT_EQ(ta[i].node_ids, tb[i].node_ids);
    EXPECT_EQ(ta[i].data, tb[i].data) << ta[i].population << "/" << ta[i].variable;
  }
}

TEST(record_stream, spike_stream_writes_the_file_write_spikes_sonata_writes) {
  const fs::path dir = scratch("spike_stream");
  fs::create_directories(dir);
  std::vector<detail::spike_table> tables{{"exc", {}, {}}, {"silent", {}, {}}, {"inh", {}, {}}};
  for (int k = 0; k < 100000; ++k) {
    tables[k % 3 == 0 ? 2 : 0].times.push_back(0.1 * (k / 7));
    tables[k % 3 == 0 ? 2 : 0].node_ids.push_back(static_cast<uint64_t>(k % 7));
  }
  const std::string whole = (dir / "whole.h5").string(), streamed = (dir / "streamed.h5").string();
  detail::write_spikes_sonata(whole, tables);
  {
    detail::spike_stream s(streamed);
    std::vector<std::size_t> h;
    for (const auto& t : tables) h.push_back(s.add(t.population));
    for (std::size_t a = 0; a < 100000; a += 7919)  // uneven blocks, interleaved
      for (std::size_t i = 0; i < tables.size(); ++i) {
        const std::size_t n = tables[i].times.size(), lo = std::min(n, a * n / 100000),
                          hi = std::min(n, (a + 7919) * n / 100000);
        s.append(h[i], tables[i].times.data() + lo, tables[i].node_ids.data() + lo, hi - lo);
      }
    EXPECT_EQ(s.size(h[0]), tables[0].times.size());
    s.close();
  }
  const auto back = read_spikes_sonata(streamed);
  ASSERT_EQ(back.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].population, tables[i].population);
    EXPECT_EQ(back[i].times, tables[i].times);
    EXPECT_EQ(back[i].node_ids, tables[i].node_ids);
  }
  for (const char* name : {"magic", "version"})
    EXPECT_EQ(attribute(streamed, "/", name), attribute(whole, "/", name)) << name;
  EXPECT_EQ(attribute(streamed, "/spikes/inh", "sorting"),
            attribute(whole, "/spikes/inh", "sorting"));
  EXPECT_EQ(attribute(streamed, "/spikes/exc/timestamps", "units"),
            attribute(whole, "/spikes/exc/timestamps", "units"));
}

TEST(record_stream, spike_stream_refuses_spikes_out_of_order) {
  const fs::path dir = scratch("order");
  fs::create_directories(dir);
  detail::spike_stream s((dir / "s.h5").string());
  const auto h = s.add("p");
  const double t1[] = {1.0, 2.0}, t2[] = {1.5};
  const uint64_t ids[] = {0, 1};
  s.append(h, t1, ids, 2);
  EXPECT_THROW(s.append(h, t2, ids, 1), internal_error);
  EXPECT_THROW(s.add("p"), internal_error);
}

// 80 cells x 2 variables every 0.5 ms: 2.5 kB of traces per ms, 500 kB in 200 ms,
// above a 100 kB limit.
constexpr double limit = 100e3;

network model() {
  return test::small_random_network(5, 200.0);
}

fs::path in_memory(const std::string& name, const std::vector<double>& segments) {
  const fs::path dir = scratch(name);
  simulation sim(model(), {.threads = 1});
  for (double d : segments) sim.run(d);
  sim.write_outputs(dir.string());
  return dir;
}

TEST(record_stream, streamed_outputs_equal_those_held_in_memory) {
  const fs::path ref = in_memory("ref", {200.0});
  const fs::path dir = scratch("streamed");
  simulation sim(model(), {.threads = 2, .max_record_memory = limit});
  EXPECT_GT(sim.record_memory_estimate(200.0), 4 * limit);
  sim.stream_outputs(dir.string());
  sim.run(200.0);
  EXPECT_TRUE(sim.streaming());
  // Temporary files until write_outputs.
  EXPECT_FALSE(fs::exists(dir / "traces.h5"));
  try {
    (void)sim.spikes("exc");
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("streamed to '" + dir.string() + "'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)sim.traces(), error);
  EXPECT_THROW(sim.write_outputs(scratch("elsewhere").string()), error);
  EXPECT_GT(sim.summary()[0].spike_count, 0u);
  sim.write_outputs(dir.string() + "/");
  expect_same_files(ref, dir);
  EXPECT_TRUE(fs::exists(dir / "summary.json"));
  EXPECT_THROW(sim.run(1.0), error);
  EXPECT_THROW(sim.write_outputs(dir.string()), error);
}

TEST(record_stream, a_later_segment_streams_what_memory_held_first) {
  const fs::path ref = in_memory("ref2", {20.0, 180.0});
  const fs::path dir = scratch("switch");
  simulation sim(model(), {.threads = 1, .max_record_memory = limit});
  sim.stream_outputs(dir.string());
  sim.run(20.0);  // ~67 kB: held in memory
  EXPECT_FALSE(sim.streaming());
  EXPECT_FALSE(sim.spikes("exc").times.empty());
  sim.run(180.0);
  EXPECT_TRUE(sim.streaming());
  sim.write_outputs(dir.string());
  expect_same_files(ref, dir);
}

TEST(record_stream, a_recording_within_the_limit_is_not_streamed) {
  const fs::path dir = scratch("fits"), other = scratch("other");
  simulation sim(model(), {.threads = 1});
  sim.stream_outputs(dir.string());
  sim.run(50.0);
  EXPECT_FALSE(sim.streaming());
  EXPECT_FALSE(sim.traces().empty());
  sim.write_outputs(other.string());  // held in memory: any directory
  EXPECT_TRUE(fs::exists(other / "traces.h5"));
  EXPECT_FALSE(fs::exists(dir));
}

TEST(record_stream, spikes_beyond_the_limit_switch_to_the_stream_during_the_run) {
  network net;
  net.tstop = 1000.0;
  net.populations = {make_population("src", 50, "SpikeSourcePoisson", {{"rate", 1000.0}})};
  net.recorders = {make_recorder("s", "src", {"spikes"})};
  // Estimate 80 kB (100 Hz) fits in 200 kB; the cells record ~800 kB.
  simulation ref(net, {.threads = 1});
  ref.run();
  const fs::path dir = scratch("fast");
  simulation sim(net, {.threads = 2, .max_record_memory = 200e3});
  sim.stream_outputs(dir.string());
  sim.run();
  EXPECT_TRUE(sim.streaming());
  sim.write_outputs(dir.string());
  const auto back = read_spikes_sonata((dir / "spikes.h5").string());
  ASSERT_EQ(back.size(), 1u);
  EXPECT_GT(back[0].times.size(), 45000u);
  EXPECT_EQ(back[0].times, ref.spikes("src").times);
  EXPECT_EQ(back[0].node_ids, ref.spikes("src").node_ids);
}

TEST(record_stream, loopback_ranks_stream_what_one_rank_holds_in_memory) {
  const fs::path ref = in_memory("ref3", {200.0});
  const fs::path dir = scratch("ranks");
  auto contexts = detail::make_loopback_contexts(2);
  std::vector<std::string> errors(2);
  // Not vector<bool>: its bits share a byte, which the two threads would write at once.
  std::vector<char> streamed(2, 0);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      try {
        simulation sim = simulation_access::make(
            model(), {.threads = 1, .max_record_memory = limit}, std::move(contexts[r]));
        sim.stream_outputs(dir.string());
        sim.run(200.0);
        streamed[r] = sim.streaming();
        sim.write_outputs(dir.string());
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : ranks) t.join();
  EXPECT_EQ(errors, std::vector<std::string>(2));
  EXPECT_TRUE(streamed[0] && streamed[1]);
  expect_same_files(ref, dir);
}

}  // namespace
}  // namespace myelin

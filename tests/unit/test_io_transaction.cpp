// Output transactions: reruns into a directory, refusal of foreign files, temporary files
// of killed and interrupted processes, progress lines, one-line errors.

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "io/writers.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("myelin-test-iotx-" + std::to_string(getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

std::string content(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A pid that belonged to a process that has ended (a child, reaped).
pid_t dead_pid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

TEST(io_transaction, rerun_leaves_exactly_the_new_runs_outputs) {
  const fs::path dir = scratch("rerun");
  for (const char* f : {"spikes.h5", "traces.h5", "summary.json", "dipole.csv", "raster.png",
                        "traces.png", "rates.png.tmp.png"})
    std::ofstream(dir / f) << "old";
  std::ofstream(dir / ".hidden") << "user";
  output_transaction tx(dir.string());
  write_text_atomic(tx.path("spikes.h5"), "new spikes");
  write_text_atomic(tx.path("summary.json"), "new summary");
  // Until the commit the earlier run stays whole.
  EXPECT_EQ(content(dir / "traces.h5"), "old");
  tx.commit();
  EXPECT_EQ(entries(dir), (std::set<std::string>{".hidden", "spikes.h5", "summary.json"}));
  EXPECT_EQ(content(dir / "spikes.h5"), "new spikes");
  EXPECT_EQ(content(dir / "summary.json"), "new summary");
  EXPECT_EQ(content(dir / ".hidden"), "user");
}

TEST(io_transaction, directory_with_foreign_files_is_refused_untouched) {
  const fs::path dir = scratch("foreign");
  std::ofstream(dir / "notes.txt") << "mine";
  std::ofstream(dir / "summary.json") << "mine too";
  try {
    output_transaction tx(dir.string());
    FAIL() << "no error";
  } catch (const io_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'" + dir.string() + "'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'notes.txt'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("another directory"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_EQ(entries(dir), (std::set<std::string>{"notes.txt", "summary.json"}));
  // A directory (a sweep's run_000) is no run output either.
  fs::remove(dir / "notes.txt");
  fs::create_directory(dir / "run_000");
  EXPECT_THROW(output_transaction tx(dir.string()), io_error);
  // scope::files adds a file and leaves everything else alone.
  output_transaction tx(dir.string(), true, output_transaction::scope::files);
  write_text_atomic(tx.path("sweep.csv"), "x");
  tx.commit();
  EXPECT_EQ(entries(dir), (std::set<std::string>{"run_000", "summary.json", "sweep.csv"}));
}

TEST(io_transaction, a_file_appearing_during_the_run_fails_the_commit_before_any_rename) {
  const fs::path dir = scratch("late");
  std::ofstream(dir / "traces.h5") << "old";
  output_transaction tx(dir.string());
  write_text_atomic(tx.path("spikes.h5"), "new");
  std::ofstream(dir / "notes.txt") << "mine";
  EXPECT_THROW(tx.commit(), io_error);
  EXPECT_EQ(content(dir / "traces.h5"), "old");
  EXPECT_FALSE(fs::exists(dir / "spikes.h5"));
}

TEST(io_transaction, temporaries_of_dead_processes_are_removed_live_ones_refused) {
  const fs::path dir = scratch("stale");
  const std::string dead = std::to_string(dead_pid());
  for (const std::string& f :
       {".traces.h5.tmp-" + dead, "..summary.json.tmp-" + dead + ".tmp-" + dead,
        ".myelin-probe-" + dead})
    std::ofstream(dir / f) << "left by SIGKILL";
  {
    output_transaction tx(dir.string());
    EXPECT_TRUE(entries(dir).empty());
  }
  // Our own temporaries are not another process's; pid 1 (init) is alive.
  std::ofstream(dir / (".spikes.h5.tmp-" + std::to_string(getpid()))) << "ours";
  { output_transaction tx(dir.string()); }
  std::ofstream(dir / ".spikes.h5.tmp-1") << "someone else's";
  try {
    output_transaction tx(dir.string());
    FAIL() << "no error";
  } catch (const io_error& e) {
    EXPECT_NE(std::string(e.what()).find("being written by process 1"), std::string::npos)
        << e.what();
  }
}

TEST(io_transaction, interrupt_removes_temporary_files_and_directories) {
  const fs::path base = scratch("interrupt");
  for (const int sig : {SIGINT, SIGTERM}) {
    const fs::path dir = base / "new" / "out";
    const pid_t pid = fork();
    if (pid == 0) {
      // A shell starting the tests in the background has SIGINT ignored, and the cleanup
      // (rightly) leaves an ignored signal alone: the default disposition first.
      ::signal(sig, SIG_DFL);
      install_interrupt_cleanup();
      output_transaction tx(dir.string());
      write_text_atomic(tx.path("summary.json"), "partial");
      write_spikes_sonata(tx.path("spikes.h5"), {{"exc", {1.0}, {0}}});
      ::kill(getpid(), sig);
      _exit(0);  // not reached
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(WTERMSIG(status), sig);
    EXPECT_FALSE(fs::exists(base / "new")) << "signal " << sig;
    EXPECT_TRUE(entries(base).empty());
  }
}

TEST(io_transaction, registry_slots_are_reused) {
  std::vector<int> slots;
  for (int i = 0; i < 64; ++i)
    slots.push_back(register_temporary("/nonexistent/x" + std::to_string(i)));
  EXPECT_EQ(std::count(slots.begin(), slots.end(), -1), 0);
  EXPECT_EQ(register_temporary("/nonexistent/full"), -1);
  for (const int s : slots) release_temporary(s);
  const int s = register_temporary("/nonexistent/again");
  EXPECT_GE(s, 0);
  release_temporary(s);
  EXPECT_EQ(register_temporary(std::string(2000, 'x')), -1);  // too long for a slot
}

TEST(io_transaction, errors_name_the_final_file_on_one_line) {
  EXPECT_EQ(final_path("out/.traces.h5.tmp-123"), "out/traces.h5");
  EXPECT_EQ(final_path("out/..summary.json.tmp-9.tmp-9"), "out/summary.json");
  EXPECT_EQ(final_path("out/.hidden"), "out/.hidden");
  EXPECT_EQ(final_path("plain.h5"), "plain.h5");
  try {
    write_traces_h5("/nonexistent-dir/.traces.h5.tmp-7", {{"exc", "v", "mV", {0.0}, {0}, {1.0}}});
    FAIL() << "no error";
  } catch (const io_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "HDF5 file '/nonexistent-dir/traces.h5': cannot create: No such file or directory");
  }
  try {
    write_text_atomic("/nonexistent-dir/.summary.json.tmp-7", "x");
    FAIL() << "no error";
  } catch (const io_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write '/nonexistent-dir/summary.json': No such file or directory");
  }
}

TEST(io_transaction, full_device_is_one_line_naming_the_file) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  // Through a link: a failed write removes its file, here the link, never the device.
  const fs::path dir = scratch("full");
  const fs::path link = dir / "traces.h5";
  fs::create_symlink("/dev/full", link);
  std::vector<double> big(1 << 20, 1.5);  // beyond HDF5's buffers: the write itself fails
  std::vector<double> t(big.size() / 4, 0.0);
  // In a child process: HDF5 keeps a file whose close failed open until the process ends
  // (and then reports it), so the failure must not happen in the test runner itself.
  // The child prints the message and leaves with _Exit (no HDF5 shutdown).
  EXPECT_EXIT(
      {
        std::string msg = "no error";
        try {
          write_traces_h5(link.string(), {{"exc", "v", "mV", t, {0, 1, 2, 3}, big}});
        } catch (const io_error& e) {
          msg = e.what();
        }
        std::fprintf(stderr, "[%s]\n", msg.c_str());
        std::fflush(stderr);
        std::_Exit(msg.find('\n') == std::string::npos ? 7 : 8);
      },
      testing::ExitedWithCode(7),
      "\\[HDF5 file '.*traces\\.h5': cannot .*No space left on device\\]");
  EXPECT_TRUE(fs::exists("/dev/full"));
}

TEST(io_transaction, progress_lines_for_large_files) {
  set_output_progress(true);
  testing::internal::CaptureStderr();
  note_output_file("out/.traces.h5.tmp-5", uint64_t{593} * 1000 * 1000);
  note_output_file("out/.spikes.h5.tmp-5", 1000);  // small and early: silent
  set_output_progress(false);
  note_output_file("out/.traces.h5.tmp-5", uint64_t{593} * 1000 * 1000);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "myelin: writing out/traces.h5 (593 MB)...\n");
}

}  // namespace
}  // namespace myelin::detail

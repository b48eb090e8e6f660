// output_transaction: temporary files, commit, reruns, interrupts (transaction.hpp).

#include "io/transaction.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

namespace fs = std::filesystem;

// --- interrupt cleanup registry ------------------------------------------------------

// A fixed table, so that the signal handler reads it without locks or allocation.
constexpr int n_slots = 64;
constexpr std::size_t slot_bytes = 1024;
enum slot_state : int { free_slot, filling, file_slot, dir_slot };
struct slot {
  std::atomic<int> state{free_slot};
  char path[slot_bytes];
};
static_assert(std::atomic<int>::is_always_lock_free);
slot registry[n_slots];

extern "C" void remove_temporaries_and_reraise(int sig) {
  const int saved = errno;
  for (auto& s : registry)
    if (s.state.load(std::memory_order_acquire) == file_slot) ::unlink(s.path);
  // Directories deepest first; their registration order is not guaranteed, so repeat
  // while a pass removes one.
  for (bool removed = true; removed;) {
    removed = false;
    for (auto& s : registry)
      if (s.state.load(std::memory_order_acquire) == dir_slot && ::rmdir(s.path) == 0) {
        s.state.store(free_slot, std::memory_order_release);
        removed = true;
      }
  }
  errno = saved;
  // SA_RESETHAND restored the default action; the signal, blocked while this handler
  // runs, ends the process when it returns, with the status a shell expects.
  ::raise(sig);
}

// --- temporary names -------------------------------------------------------------------

// The pid in a temporary name of ours (".x.tmp-<pid>", ".myelin-probe-<pid>"), else 0.
pid_t temporary_pid(const std::string& name) {
  if (name.size() < 2 || name[0] != '.') return 0;
  std::size_t at = name.rfind(".tmp-");
  std::size_t len = 5;
  if (at == std::string::npos && name.rfind(".myelin-probe-", 0) == 0) {
    at = 0;
    len = 14;
  }
  if (at == std::string::npos || at + len >= name.size()) return 0;
  long pid = 0;
  for (std::size_t i = at + len; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 1'000'000'000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return static_cast<pid_t>(pid);
}

bool process_is_gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Removes the temporary files that dead processes (SIGKILL, power loss) left in `dir`.
void remove_dead_temporaries(const std::string& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const pid_t pid = temporary_pid(name);
    if (pid > 0 && pid != ::getpid() && process_is_gone(pid)) {
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
  }
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw io_error(what + ": " + std::strerror(errno));
}

// Opens `path` read-only (with `flags`) and calls `flush` (fsync, syncfs) on it.
void flush_path(const std::string& path, int flags, int (*flush)(int)) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) throw_errno("cannot open '" + final_path(path) + "'");
  const int rc = flush(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) throw_errno("cannot write '" + final_path(path) + "' to disk");
}

// Makes the renames themselves durable. Best effort: some file systems refuse fsync on
// directories, and the data are safe by then anyway.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// --- progress --------------------------------------------------------------------------

std::atomic<bool> progress_on{false};
// The open transaction of this thread (a batch writes one run per thread at a time).
thread_local const std::chrono::steady_clock::time_point* phase_start = nullptr;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

// --- public helpers --------------------------------------------------------------------

bool is_run_output(const std::string& name) {
  static const char* const outputs[] = {"spikes.h5", "traces.h5", "summary.json", "dipole.csv",
                                        "dipole_smooth.csv"};
  static const char* const plots[] = {"raster.png", "rates.png", "traces.png", "dipole.png",
                                      "extracellular.png"};
  for (const char* o : outputs)
    if (name == o) return true;
  // An electrode array's potentials, extracellular_<label>.csv.
  if (name.size() > 18 && name.rfind("extracellular_", 0) == 0 &&
      name.compare(name.size() - 4, 4, ".csv") == 0)
    return true;
  for (const char* p : plots)
    if (name == p || name == std::string(p) + ".tmp.png") return true;
  return false;
}

std::string temporary_path(const std::string& final_path) {
  const fs::path p(final_path);
  // Built by append: GCC 12 warns falsely (-Wrestrict) on "." + string + ".tmp-".
  std::string name(1, '.');
  name.append(p.filename().string()).append(".tmp-").append(std::to_string(::getpid()));
  return (p.parent_path() / name).string();
}

std::string final_path(const std::string& path) {
  const fs::path p(path);
  std::string name = p.filename().string();
  if (temporary_pid(name) <= 0 || name.rfind(".myelin-probe-", 0) == 0) return path;
  // write_text_atomic's own temporary of a transaction's one: "..x.tmp-1.tmp-1".
  while (temporary_pid(name) > 0 && name.rfind(".myelin-probe-", 0) != 0)
    name = name.substr(1, name.rfind(".tmp-") - 1);
  return (p.parent_path() / name).string();
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

void install_interrupt_cleanup() {
  static std::atomic<bool> done{false};
  if (done.exchange(true)) return;
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
    struct sigaction sa {};
    sa.sa_handler = remove_temporaries_and_reraise;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &sa, nullptr);
  }
}

int register_temporary(const std::string& path, bool directory) {
  if (path.size() >= slot_bytes) return -1;
  for (int i = 0; i < n_slots; ++i) {
    int expected = free_slot;
    if (!registry[i].state.compare_exchange_strong(expected, filling)) continue;
    std::memcpy(registry[i].path, path.c_str(), path.size() + 1);
    registry[i].state.store(directory ? dir_slot : file_slot, std::memory_order_release);
    return i;
  }
  return -1;
}

void release_temporary(int slot) {
  if (slot >= 0 && slot < n_slots) registry[slot].state.store(free_slot, std::memory_order_release);
}

void set_output_progress(bool on) {
  progress_on = on;
}

void note_output_file(const std::string& path, uint64_t bytes) {
  if (!progress_on) return;
  if (bytes < (uint64_t{256} << 20) && !(phase_start && seconds_since(*phase_start) >= 2.0)) return;
  const double b = static_cast<double>(bytes);
  char size[32];
  if (b >= 1e10)
    std::snprintf(size, sizeof size, "%.1f GB", b / 1e9);
  else if (b >= 1e6)
    std::snprintf(size, sizeof size, "%.0f MB", b / 1e6);
  else
    std::snprintf(size, sizeof size, "%.0f kB", b / 1e3);
  std::fprintf(stderr, "myelin: writing %s (%s)...\n", final_path(path).c_str(), size);
  std::fflush(stderr);
}

void sync_file_system(const std::string& dir) {
  flush_path(dir, O_DIRECTORY, ::syncfs);
}

// --- output_transaction -----------------------------------------------------------------

output_transaction::output_transaction(const std::string& dir, bool sync, scope s)
    : dir_(dir), sync_(sync), scope_(s), start_(std::chrono::steady_clock::now()) {
  const auto fail = [&](const std::string& reason) {
    throw io_error("cannot write to output directory '" + dir + "': " + reason);
  };
  if (dir.empty()) fail("empty path");
  std::error_code ec;
  // Directories this transaction creates, deepest first: removed again (if still empty)
  // unless the transaction commits, so a failed run leaves no empty output directory.
  for (fs::path p = fs::absolute(dir, ec).lexically_normal(); !p.empty() && !fs::exists(p, ec);
       p = p.parent_path()) {
    if (p.filename().empty()) {  // trailing '/': the same directory
      continue;
    }
    created_.push_back(p.string());
  }
  fs::create_directories(dir, ec);
  // create_directories reports no error when `dir` exists as a regular file.
  if (ec) fail(ec.message());
  if (!fs::is_directory(dir, ec)) fail("exists and is not a directory");
  for (const auto& d : created_) slots_.push_back(register_temporary(d, true));
  try {
    // Permissions alone do not tell (read-only mounts, root, ACLs): try it.
    const std::string probe =
        (fs::path(dir) / (".myelin-probe-" + std::to_string(::getpid()))).string();
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(std::strerror(errno));
    ::close(fd);
    ::unlink(probe.c_str());
    remove_dead_temporaries(dir);
    if (scope_ == scope::run) inspect();  // refuses a directory with other files early
  } catch (...) {
    for (const int slot : slots_) release_temporary(slot);
    for (const auto& d : created_) fs::remove(d, ec);
    throw;
  }
  phase_start = &start_;
}

output_transaction::~output_transaction() {
  if (phase_start == &start_) phase_start = nullptr;
  for (const int slot : slots_) release_temporary(slot);
  if (committed_) return;
  // Only our own temporaries: a file already renamed by a commit() that failed half-way
  // no longer exists under its temporary name, and nothing else is touched.
  std::error_code ec;
  for (const auto& [tmp, final_name] : files_) fs::remove(tmp, ec);
  for (const auto& d : created_) fs::remove(d, ec);  // fails, harmlessly, if not empty
}

std::vector<std::string> output_transaction::inspect() const {
  std::vector<std::string> earlier;
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec)
    throw io_error("cannot write to output directory '" + dir_ +
                   "': cannot list it: " + ec.message());
  for (fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec)
      throw io_error("cannot write to output directory '" + dir_ +
                     "': cannot list it: " + ec.message());
    const std::string name = it->path().filename().string();
    if (const pid_t pid = temporary_pid(name); pid > 0) {
      if (pid != ::getpid() && !process_is_gone(pid))
        throw io_error("output directory '" + dir_ + "' is being written by process " +
                       std::to_string(pid) + " (its file '" + name +
                       "'); wait for it to end, or write to another directory (-o)");
      continue;
    }
    if (name[0] == '.') continue;  // hidden files (.gitignore, .DS_Store): not ours, kept
    std::error_code st;
    if (is_run_output(name) && it->is_regular_file(st)) {
      earlier.push_back(name);
      continue;
    }
    throw io_error("output directory '" + dir_ + "' holds '" + name +
                   "', which is not an output of a myelin run; a run replaces the outputs of "
                   "an earlier run but leaves other files alone, so move it away or write to "
                   "another directory (-o)");
  }
  return earlier;
}

std::string output_transaction::path(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw internal_error("output_transaction::path: '" + name + "' is not a plain file name");
  if (committed_) throw internal_error("output_transaction::path after commit()");
  const std::string final_name = (fs::path(dir_) / name).string();
  for (const auto& [tmp, f] : files_)
    if (f == final_name) return tmp;
  const std::string tmp = temporary_path(final_name);
  files_.emplace_back(tmp, final_name);
  slots_.push_back(register_temporary(tmp));
  return tmp;
}

void output_transaction::commit() {
  if (committed_) return;
  // Check and sync every file before renaming any, so that a missing or unwritable file
  // fails the commit while no final name has been touched yet.
  for (const auto& [tmp, final_name] : files_) {
    std::error_code ec;
    if (!fs::is_regular_file(tmp, ec))
      throw io_error("cannot commit '" + final_name + "': its temporary file '" + tmp +
                     "' was not written");
    if (sync_) flush_path(tmp, 0, ::fsync);
  }
  // Checked again: a file may have appeared in the directory while the run ran.
  std::vector<std::string> earlier;
  if (scope_ == scope::run) earlier = inspect();
  for (const auto& [tmp, final_name] : files_) {
    std::error_code ec;
    // Without sync, an older file of the same name goes first: ext4 flushes the new
    // file's data to the disk when a rename replaces a file (auto_da_alloc), a stall of
    // ~1 ms per file that the batch's one sync at its end is there to avoid.
    if (!sync_) fs::remove(final_name, ec);
    fs::rename(tmp, final_name, ec);
    if (ec) throw io_error("cannot move '" + tmp + "' to '" + final_name + "': " + ec.message());
  }
  // The new files are complete and in place: the earlier run's other outputs go, so the
  // directory holds this run's outputs only (and `myelin plot` never mixes two runs).
  for (const auto& name : earlier) {
    const std::string p = (fs::path(dir_) / name).string();
    bool ours = false;
    for (const auto& [tmp, final_name] : files_) ours |= final_name == p;
    std::error_code ec;
    if (!ours && !fs::remove(p, ec) && ec)
      throw io_error("cannot remove '" + p + "' (an output of an earlier run): " + ec.message());
  }
  if (sync_) sync_directory(dir_);
  committed_ = true;
  if (progress_on && seconds_since(start_) >= 2.0) {
    std::fprintf(stderr, "myelin: outputs written to %s/ in %.1f s\n", dir_.c_str(),
                 seconds_since(start_));
    std::fflush(stderr);
  }
}

}  // namespace myelin::detail

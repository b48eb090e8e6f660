#pragma once
// The epoch scheduler (docs/parallel.md): runs the work items of a run segment, one per
// VP and epoch, on a thread team, and closes each epoch once all its items are done.
// It knows nothing of cells or spikes; engine.cpp supplies the work and the closing.

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <vector>

#include "engine/thread_team.hpp"

namespace myelin::detail {

using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// Chooses how many of a run's threads take work, from the measured time per epoch. It
/// keeps the current count for a number of windows (each >= 10 ms and >= 8 epochs), then
/// tries another count (half, or double, in turn) for one window and keeps it if that
/// window was at least 7 % faster per epoch. A failed try doubles the wait before the
/// next (up to 64 windows), so on an idle machine the tries cost about 1 % of the run.
class adaptive_threads {
 public:
  explicit adaptive_threads(int n) : n_(n), active_(n) { start_ = clock_type::now(); }

  /// Called once per completed epoch; returns the number of threads for the next ones.
  int epoch_done();

 private:
  int n_, active_, previous_ = 0;
  int64_t epochs_ = 0;
  clock_type::time_point start_;
  double base_ = 0;
  bool trying_ = false;
  int windows_ = 0, interval_ = 8, tries_ = 0;
};

/// Runs work(v, p) for every VP v < team.size() and epoch p in [0, n_epochs] (the last
/// round only delivers), then close(p, ok) once per epoch p < n_epochs after its last
/// item (ok: no item of the epoch failed); close returns false to stop the run. A thread
/// takes its own VP's item first, then any not yet taken. Returns the exceptions of the
/// items per VP (one thrown by close is kept as VP 0's, unless VP 0 failed itself).
std::vector<std::exception_ptr> run_epochs(thread_team& team, int64_t n_epochs,
                                           const std::function<void(int, int64_t)>& work,
                                           const std::function<bool(int64_t, bool)>& close);

}  // namespace myelin::detail

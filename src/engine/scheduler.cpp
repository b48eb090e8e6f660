// The epoch scheduler: claims, the closing of epochs, the adaptive thread count, and how
// waiting threads wait.

#include "engine/scheduler.hpp"

#include <algorithm>
#include <atomic>

namespace myelin::detail {
namespace {

// A hint to the core that this is a spin-wait loop (x86 PAUSE; nothing elsewhere).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

int adaptive_threads::epoch_done() {
  if (n_ == 1 || ++epochs_ < 8) return active_;
  const double elapsed = seconds_since(start_);
  if (elapsed < 0.01) return active_;
  const double per_epoch = elapsed / static_cast<double>(epochs_);
  if (trying_) {
    trying_ = false;
    if (per_epoch < 0.93 * base_) {
      interval_ = 8;  // a change that helped: look again soon
    } else {
      active_ = previous_;
      interval_ = std::min(2 * interval_, 64);
    }
  } else if (++windows_ >= interval_) {
    windows_ = 0;
    base_ = per_epoch;
    previous_ = active_;
    const bool down = active_ == n_ || (active_ > 1 && (tries_ & 1) == 0);
    active_ = down ? std::max(1, active_ / 2) : std::min(n_, 2 * active_);
    ++tries_;
    trying_ = true;
  }
  epochs_ = 0;
  start_ = clock_type::now();
  return active_;
}

// A thread first takes its own VP (cache affinity), then any VP not yet taken, so a
// thread that the OS has descheduled delays nobody: the others do its share. The thread
// that completes an epoch's last item closes the epoch, then opens the next one.
std::vector<std::exception_ptr> run_epochs(thread_team& team, int64_t n_epochs,
                                           const std::function<void(int, int64_t)>& work,
                                           const std::function<bool(int64_t, bool)>& close) {
  const int n_threads = team.size();
  std::vector<std::exception_ptr> errors(n_threads);
  std::vector<std::atomic<int64_t>> claimed(n_threads);
  for (auto& c : claimed) c = -1;
  std::atomic<int64_t> phase{0};
  std::atomic<int> done{0};
  std::atomic<bool> failed{false}, stop{false};
  // Threads allowed to take items; the others sleep. On a machine shared with other
  // jobs, fewer threads can be faster than all (a thread preempted in the middle of
  // an item stalls the epoch), so the rate is measured over short windows and the
  // other count is tried from time to time (adaptive_threads). Which thread runs an
  // item never changes a result.
  std::atomic<int> active{n_threads};
  adaptive_threads ctl(n_threads);

  auto finish = [&](int64_t p) {
    if (p < n_epochs) {
      try {
        if (!close(p, !failed)) stop = true;
      } catch (...) {
        if (!errors[0]) errors[0] = std::current_exception();
        stop = true;
      }
    }
    if (failed) stop = true;
    done = 0;
    if (stop || p + 1 > n_epochs) {
      active.store(n_threads);  // wake the sleepers: they see the end and leave
      active.notify_all();
    } else if (const int a = ctl.epoch_done(); a != active.load(std::memory_order_relaxed)) {
      active.store(a);
      active.notify_all();
    }
    phase.store(p + 1, std::memory_order_release);
    phase.notify_all();
  };

  team.run([&](int t) {
    while (true) {
      const int64_t p = phase.load(std::memory_order_acquire);
      if (p > n_epochs || stop) return;
      if (const int a = active.load(std::memory_order_acquire); t >= a) {
        active.wait(a, std::memory_order_acquire);
        continue;
      }
      for (int k = 0; k < n_threads; ++k) {
        const int v = (t + k) % n_threads;
        int64_t expect = p - 1;
        if (!claimed[v].compare_exchange_strong(expect, p)) continue;
        if (!failed) {
          try {
            work(v, p);
          } catch (...) {
            errors[v] = std::current_exception();
            failed = true;
          }
        }
        if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == n_threads) finish(p);
      }
      // Wait for the epoch to be closed: spin for up to ~20 us (an epoch's items usually
      // end within that), then block in the kernel (futex). Never sched_yield: on a
      // loaded machine it hands the core to another job for a whole time slice.
      const auto spin_start = clock_type::now();
      for (int spin = 0; phase.load(std::memory_order_acquire) == p; ++spin) {
        cpu_relax();
        if ((spin & 63) == 63 && seconds_since(spin_start) > 20e-6) break;
      }
      phase.wait(p, std::memory_order_acquire);
    }
  });
  return errors;
}

}  // namespace myelin::detail

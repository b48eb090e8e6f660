#pragma once
// The thin threading facade: a team of N threads running one function, with a
// barrier. Model code never sees it. std::thread + std::barrier rather than OpenMP:
// waiting threads block (futex) after a short spin instead of busy-waiting, so two
// threads never run slower than one on a loaded machine, whatever OMP_WAIT_POLICY says.

#include <barrier>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace myelin::detail {

class thread_team {
 public:
  explicit thread_team(int n) : n_(n < 1 ? 1 : n), barrier_(n_) {}

  int size() const { return n_; }

  /// Runs body(i) for i in [0, n) on n threads (the caller is thread 0) and waits for
  /// all. Exceptions escaping `body` are captured per thread; the first one (by thread
  /// index) is rethrown here. Bodies that use barrier() must catch their own exceptions
  /// and keep arriving at barriers (the engine does), or the team would deadlock.
  void run(const std::function<void(int)>& body) {
    std::vector<std::exception_ptr> errors(n_);
    auto guarded = [&](int i) {
      try {
        body(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    };
    {
      std::vector<std::jthread> workers;
      for (int i = 1; i < n_; ++i) workers.emplace_back(guarded, i);
      guarded(0);
    }
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  }

  void barrier() {
    if (n_ > 1) barrier_.arrive_and_wait();
  }

 private:
  int n_;
  std::barrier<> barrier_;
};

}  // namespace myelin::detail

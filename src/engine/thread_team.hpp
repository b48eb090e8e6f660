#pragma once
// The thin threading facade: a team of N threads running one function. Model code
// never sees it. std::thread rather than OpenMP: the engine's own scheduler
// (scheduler.cpp) decides how waiting threads wait (a short spin, then futex), so two
// threads do not fall behind one on a loaded machine, whatever OMP_WAIT_POLICY says.

#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace myelin::detail {

class thread_team {
 public:
  explicit thread_team(int n) : n_(n < 1 ? 1 : n) {}

  int size() const { return n_; }

  /// Runs body(i) for i in [0, n) on n threads (the caller is thread 0) and waits for
  /// all. Exceptions escaping `body` are captured per thread; the first one (by thread
  /// index) is rethrown here.
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

 private:
  int n_;
};

}  // namespace myelin::detail

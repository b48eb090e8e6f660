// Local and MPI distributed contexts.

#include "engine/context.hpp"

#include <algorithm>
#include <barrier>
#include <cstdlib>

#include "myelin/error.hpp"
#include "myelin/simulation.hpp"

#ifdef MYELIN_WITH_MPI
#include <mpi.h>
#endif

namespace myelin {
namespace detail {
namespace {

class local_context final : public distributed_context {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "local"; }
  bool exchange(const std::vector<spike_event>& mine, bool ok, std::vector<spike_event>& all,
                std::vector<std::size_t>& chunks) override {
    all = mine;
    chunks = {0, all.size()};
    return ok;
  }
  bool all_ok(bool ok) override { return ok; }
  int64_t min(int64_t x) override { return x; }
  int64_t max(int64_t x) override { return x; }
  void sum(std::vector<uint64_t>&) override {}
  double sum(double x) override { return x; }
  std::vector<std::vector<char>> gather(const std::vector<char>& mine) override { return {mine}; }
  std::string broadcast(const std::string& s) override { return s; }
};

// The shared state of loopback ranks. A collective: each rank publishes a pointer to
// its contribution, all wait at the barrier, each reads every contribution, and all wait
// again before the slots may be reused. std::barrier blocks in the kernel, so ranks that
// outnumber the cores still make progress.
class loopback_hub {
 public:
  explicit loopback_hub(int n) : n_(n), slots_(n), barrier_(n) {}
  int size() const { return n_; }

  // Publishes `mine` as rank r's contribution; `read` sees every rank's, in rank order.
  template <class T, class F>
  void collective(int r, const T& mine, F&& read) {
    slots_[r] = &mine;
    barrier_.arrive_and_wait();
    std::vector<const T*> all(n_);
    for (int k = 0; k < n_; ++k) all[k] = static_cast<const T*>(slots_[k]);
    read(all);
    barrier_.arrive_and_wait();
  }

 private:
  int n_;
  std::vector<const void*> slots_;
  std::barrier<> barrier_;
};

class loopback_context final : public distributed_context {
 public:
  loopback_context(std::shared_ptr<loopback_hub> hub, int rank)
      : hub_(std::move(hub)), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_->size(); }
  std::string name() const override { return "loopback"; }

  bool exchange(const std::vector<spike_event>& mine, bool ok, std::vector<spike_event>& all,
                std::vector<std::size_t>& chunks) override {
    const std::pair<const std::vector<spike_event>*, bool> in{&mine, ok};
    bool all_good = true;
    hub_->collective(rank_, in, [&](const auto& v) {
      all.clear();
      chunks.assign(1, 0);
      for (const auto* c : v) {
        all_good = all_good && c->second;
        all.insert(all.end(), c->first->begin(), c->first->end());
        chunks.push_back(all.size());
      }
    });
    return all_good;
  }
  bool all_ok(bool ok) override {
    bool out = true;
    hub_->collective(rank_, ok, [&](const auto& v) {
      for (const bool* b : v) out = out && *b;
    });
    return out;
  }
  int64_t min(int64_t x) override {
    int64_t out = x;
    hub_->collective(rank_, x, [&](const auto& v) {
      for (const int64_t* y : v) out = std::min(out, *y);
    });
    return out;
  }
  int64_t max(int64_t x) override {
    int64_t out = x;
    hub_->collective(rank_, x, [&](const auto& v) {
      for (const int64_t* y : v) out = std::max(out, *y);
    });
    return out;
  }
  void sum(std::vector<uint64_t>& x) override {
    std::vector<uint64_t> out(x.size(), 0);
    hub_->collective(rank_, x, [&](const auto& v) {
      for (const auto* y : v)
        for (std::size_t i = 0; i < out.size(); ++i) out[i] += (*y)[i];
    });
    x.swap(out);
  }
  double sum(double x) override {
    double out = 0;  // in rank order, as a deterministic reduction must be
    hub_->collective(rank_, x, [&](const auto& v) {
      for (const double* y : v) out += *y;
    });
    return out;
  }
  std::vector<std::vector<char>> gather(const std::vector<char>& mine) override {
    std::vector<std::vector<char>> out;
    hub_->collective(rank_, mine, [&](const auto& v) {
      if (rank_ == 0)
        for (const auto* y : v) out.push_back(*y);
    });
    return out;
  }
  std::string broadcast(const std::string& s) override {
    std::string out;
    hub_->collective(rank_, s, [&](const auto& v) { out = *v[0]; });
    return out;
  }

 private:
  std::shared_ptr<loopback_hub> hub_;
  int rank_;
};

#ifdef MYELIN_WITH_MPI
void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw error(std::string("MPI: ") + what + " failed");
}

class mpi_context final : public distributed_context {
 public:
  mpi_context(MPI_Comm comm, std::mutex* lock) : comm_(comm), lock_(lock) {
    const auto h = hold();
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "mpi"; }

  bool exchange(const std::vector<spike_event>& mine, bool ok, std::vector<spike_event>& all,
                std::vector<std::size_t>& chunks) override {
    const auto h = hold();
    // Counts carry the status: a failed rank sends -1 and no spikes.
    int count = ok ? static_cast<int>(mine.size() * 2) : -1;
    counts_.resize(size_);
    check_mpi(MPI_Allgather(&count, 1, MPI_INT, counts_.data(), 1, MPI_INT, comm_),
              "spike count exchange");
    bool all_good = true;
    displs_.assign(size_, 0);
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      if (counts_[r] < 0) {
        all_good = false;
        counts_[r] = 0;
      }
      displs_[r] = total;
      total += counts_[r];
    }
    if (!all_good) return false;
    all.resize(static_cast<std::size_t>(total) / 2);
    static_assert(sizeof(spike_event) == 16);
    check_mpi(MPI_Allgatherv(mine.data(), count, MPI_INT64_T, all.data(), counts_.data(),
                             displs_.data(), MPI_INT64_T, comm_),
              "spike exchange");
    chunks.resize(size_ + 1);
    for (int r = 0; r < size_; ++r) chunks[r] = static_cast<std::size_t>(displs_[r]) / 2;
    chunks[size_] = all.size();
    return true;
  }
  bool all_ok(bool ok) override {
    const auto h = hold();
    int in = ok ? 1 : 0, out = 0;
    check_mpi(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MIN, comm_), "allreduce");
    return out == 1;
  }
  int64_t min(int64_t x) override {
    const auto h = hold();
    int64_t out;
    check_mpi(MPI_Allreduce(&x, &out, 1, MPI_INT64_T, MPI_MIN, comm_), "allreduce");
    return out;
  }
  int64_t max(int64_t x) override {
    const auto h = hold();
    int64_t out;
    check_mpi(MPI_Allreduce(&x, &out, 1, MPI_INT64_T, MPI_MAX, comm_), "allreduce");
    return out;
  }
  void sum(std::vector<uint64_t>& x) override {
    const auto h = hold();
    std::vector<uint64_t> out(x.size());
    check_mpi(MPI_Allreduce(x.data(), out.data(), static_cast<int>(x.size()), MPI_UINT64_T, MPI_SUM,
                            comm_),
              "allreduce");
    x.swap(out);
  }
  double sum(double x) override {
    const auto h = hold();
    double out;
    check_mpi(MPI_Allreduce(&x, &out, 1, MPI_DOUBLE, MPI_SUM, comm_), "allreduce");
    return out;
  }
  std::vector<std::vector<char>> gather(const std::vector<char>& mine) override {
    const auto h = hold();
    int n = static_cast<int>(mine.size());
    std::vector<int> sizes(rank_ == 0 ? size_ : 0), displs(rank_ == 0 ? size_ : 0);
    check_mpi(MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, comm_), "gather");
    std::vector<char> buf;
    if (rank_ == 0) {
      int total = 0;
      for (int r = 0; r < size_; ++r) {
        displs[r] = total;
        total += sizes[r];
      }
      buf.resize(total);
    }
    check_mpi(MPI_Gatherv(mine.data(), n, MPI_CHAR, buf.data(), sizes.data(), displs.data(),
                          MPI_CHAR, 0, comm_),
              "gather");
    std::vector<std::vector<char>> out;
    if (rank_ == 0)
      for (int r = 0; r < size_; ++r)
        out.emplace_back(buf.begin() + displs[r], buf.begin() + displs[r] + sizes[r]);
    return out;
  }
  std::string broadcast(const std::string& s) override {
    const auto h = hold();
    uint64_t n = s.size();
    check_mpi(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm_), "broadcast");
    std::string out = rank_ == 0 ? s : std::string(n, '\0');
    check_mpi(MPI_Bcast(out.data(), static_cast<int>(n), MPI_CHAR, 0, comm_), "broadcast");
    return out;
  }

 private:
  // Holds `lock` (if any) for the scope: one thread of the process in MPI at a time.
  std::unique_lock<std::mutex> hold() const {
    return lock_ ? std::unique_lock<std::mutex>(*lock_) : std::unique_lock<std::mutex>();
  }

  MPI_Comm comm_;
  std::mutex* lock_;
  int rank_ = 0, size_ = 1;
  std::vector<int> counts_, displs_;
};
#endif

}  // namespace

std::unique_ptr<distributed_context> make_local_context() {
  return std::make_unique<local_context>();
}

std::vector<std::unique_ptr<distributed_context>> make_loopback_contexts(int n) {
  if (n < 1) throw error("loopback contexts: need at least one rank, got " + std::to_string(n));
  auto hub = std::make_shared<loopback_hub>(n);
  std::vector<std::unique_ptr<distributed_context>> out;
  for (int r = 0; r < n; ++r) out.push_back(std::make_unique<loopback_context>(hub, r));
  return out;
}

std::unique_ptr<distributed_context> make_default_context() {
#ifdef MYELIN_WITH_MPI
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  if (initialised && !finalised) return std::make_unique<mpi_context>(MPI_COMM_WORLD, nullptr);
#endif
  return make_local_context();
}

#ifdef MYELIN_WITH_MPI
std::unique_ptr<distributed_context> make_mpi_context(MPI_Comm comm, std::mutex* lock) {
  if (comm == MPI_COMM_NULL) throw internal_error("make_mpi_context: MPI_COMM_NULL");
  return std::make_unique<mpi_context>(comm, lock);
}
#endif

}  // namespace detail

// ---------------------------------------------------------------------------------------
// mpi_session: MPI_Init only when the process was started by an MPI launcher, so that a
// plain `myelin run` never pays for (or trips over) MPI start-up.

namespace {
[[maybe_unused]] bool launched_by_mpi() {  // unused without MPI
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}
}  // namespace

mpi_session::mpi_session(int* argc, char*** argv) {
#ifdef MYELIN_WITH_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  active_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
#else
  (void)argc, (void)argv;
#endif
}

mpi_session::~mpi_session() {
#ifdef MYELIN_WITH_MPI
  if (active_) MPI_Finalize();
#endif
}

void mpi_session::abort(int code) {
#ifdef MYELIN_WITH_MPI
  if (active_) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

bool mpi_session::built_with_mpi() {
#ifdef MYELIN_WITH_MPI
  return true;
#else
  return false;
#endif
}

}  // namespace myelin

// Runs handed out over MPI ranks (docs/batch.md, "Parallel runs and MPI"): rank 0
// answers each request with the next run's id (or -1: nothing left) and takes the row
// sent with the next request. A request comes from every other rank (one rank per run)
// or from every other group's leader (--ranks-per-run K: groups of K ranks, made here
// with MPI_Comm_split, each simulating its runs over its K ranks).

#include <chrono>
#include <thread>

#include "batch/internal.hpp"
#include "myelin/error.hpp"

#ifdef MYELIN_WITH_MPI
#include <mpi.h>
#endif

namespace myelin::batch::detail {

std::mutex& mpi_lock() {
  static std::mutex m;
  return m;
}

#ifdef MYELIN_WITH_MPI
namespace {

constexpr int tag_request = 7301;  // a rank's request, with its last row (JSON) or nothing
constexpr int tag_assign = 7302;   // rank 0's answer: int64 run id, -1 to stop

bool active() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw error(std::string("MPI: ") + what + " failed");
}

}  // namespace

int world_rank() {
  int r = 0;
  if (active()) MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  int n = 1;
  if (active()) MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

std::string broadcast(const std::string& s) {
  if (world_size() == 1) return s;
  const std::lock_guard<std::mutex> lock(mpi_lock());
  unsigned long long n = s.size();
  check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD), "broadcast");
  std::string out = s;
  out.resize(n);
  check(MPI_Bcast(out.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD), "broadcast");
  return out;
}

void serve_runs(int requesters, const std::function<std::optional<std::size_t>()>& next,
                const std::function<void(const std::string&)>& on_row) {
  int open = requesters;  // not yet told to stop
  while (open > 0) {
    int flag = 0;
    MPI_Status st;
    std::string text;
    {
      // Held per call, not while waiting: rank 0's group simulation needs MPI too.
      const std::lock_guard<std::mutex> lock(mpi_lock());
      check(MPI_Iprobe(MPI_ANY_SOURCE, tag_request, MPI_COMM_WORLD, &flag, &st), "probe");
      if (flag) {
        int count = 0;
        MPI_Get_count(&st, MPI_CHAR, &count);
        text.resize(static_cast<std::size_t>(count));
        check(MPI_Recv(text.data(), count, MPI_CHAR, st.MPI_SOURCE, tag_request, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE),
              "receive");
      }
    }
    if (!flag) {
      // Polling with a pause: a blocking receive would spin a core that rank 0's own
      // runs need.
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    if (!text.empty()) on_row(text);
    const std::optional<std::size_t> id = next();
    const long long answer = id ? static_cast<long long>(*id) : -1;
    {
      const std::lock_guard<std::mutex> lock(mpi_lock());
      check(MPI_Send(&answer, 1, MPI_LONG_LONG, st.MPI_SOURCE, tag_assign, MPI_COMM_WORLD), "send");
    }
    if (!id) --open;
  }
}

void request_runs(const std::function<std::string(std::optional<std::size_t>)>& execute) {
  std::string last;
  for (;;) {
    long long id = -1;
    {
      const std::lock_guard<std::mutex> lock(mpi_lock());
      check(MPI_Send(last.data(), static_cast<int>(last.size()), MPI_CHAR, 0, tag_request,
                     MPI_COMM_WORLD),
            "send");
      check(MPI_Recv(&id, 1, MPI_LONG_LONG, 0, tag_assign, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
            "receive");
    }
    if (id < 0) {
      execute(std::nullopt);
      return;
    }
    last = execute(static_cast<std::size_t>(id));
  }
}

struct run_group::comm {
  MPI_Comm c = MPI_COMM_NULL;
};

run_group::run_group(int ranks_per_run) : comm_(std::make_unique<comm>()) {
  const int rank = world_rank(), size = world_size();
  if (ranks_per_run < 1 || size % ranks_per_run != 0)
    throw error("ranks per run: " + std::to_string(size) + " MPI rank" + (size == 1 ? "" : "s") +
                " cannot be split into groups of " + std::to_string(ranks_per_run));
  count_ = size / ranks_per_run;
  leader_ = rank % ranks_per_run == 0;
  if (size == 1) return;
  const std::lock_guard<std::mutex> lock(mpi_lock());
  check(MPI_Comm_split(MPI_COMM_WORLD, rank / ranks_per_run, rank, &comm_->c), "group split");
}

run_group::~run_group() {
  if (comm_->c != MPI_COMM_NULL && active()) {
    const std::lock_guard<std::mutex> lock(mpi_lock());
    MPI_Comm_free(&comm_->c);
  }
}

std::optional<std::size_t> run_group::share(std::optional<std::size_t> id) const {
  if (comm_->c == MPI_COMM_NULL) return id;
  long long x = id ? static_cast<long long>(*id) : -1;
  {
    const std::lock_guard<std::mutex> lock(mpi_lock());
    check(MPI_Bcast(&x, 1, MPI_LONG_LONG, 0, comm_->c), "group broadcast");
  }
  if (x < 0) return std::nullopt;
  return static_cast<std::size_t>(x);
}

std::unique_ptr<myelin::detail::distributed_context> run_group::transport() const {
  if (comm_->c == MPI_COMM_NULL) return myelin::detail::make_local_context();
  return myelin::detail::make_mpi_context(comm_->c, &mpi_lock());
}

#else

int world_rank() {
  return 0;
}
int world_size() {
  return 1;
}
std::string broadcast(const std::string& s) {
  return s;
}
void serve_runs(int, const std::function<std::optional<std::size_t>()>&,
                const std::function<void(const std::string&)>&) {}
void request_runs(const std::function<std::string(std::optional<std::size_t>)>&) {
  throw internal_error("request_runs without MPI");
}

struct run_group::comm {};

run_group::run_group(int ranks_per_run) : comm_(std::make_unique<comm>()) {
  if (ranks_per_run != 1)
    throw error("ranks per run: 1 MPI rank cannot be split into groups of " +
                std::to_string(ranks_per_run));
}
run_group::~run_group() = default;
std::optional<std::size_t> run_group::share(std::optional<std::size_t> id) const {
  return id;
}
std::unique_ptr<myelin::detail::distributed_context> run_group::transport() const {
  return myelin::detail::make_local_context();
}

#endif

}  // namespace myelin::batch::detail

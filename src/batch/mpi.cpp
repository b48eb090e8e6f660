// Runs handed out over MPI ranks (docs/batch.md, "MPI"): rank 0 answers each rank's
// request with the next run's id (or -1: nothing left) and takes the row the rank sends
// with its next request. Each run is simulated on one rank alone.

#include <chrono>
#include <thread>

#include "batch/internal.hpp"
#include "myelin/error.hpp"

#ifdef MYELIN_WITH_MPI
#include <mpi.h>
#endif

namespace myelin::batch::detail {

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
  unsigned long long n = s.size();
  check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD), "broadcast");
  std::string out = s;
  out.resize(n);
  check(MPI_Bcast(out.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD), "broadcast");
  return out;
}

void serve_runs(const std::function<std::optional<std::size_t>()>& next,
                const std::function<void(const std::string&)>& on_row) {
  int open = world_size() - 1;  // ranks not yet told to stop
  while (open > 0) {
    int flag = 0;
    MPI_Status st;
    check(MPI_Iprobe(MPI_ANY_SOURCE, tag_request, MPI_COMM_WORLD, &flag, &st), "probe");
    if (!flag) {
      // Polling with a pause: a blocking receive would spin a core that rank 0's own
      // runs need.
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    int count = 0;
    MPI_Get_count(&st, MPI_CHAR, &count);
    std::string text(static_cast<std::size_t>(count), '\0');
    check(MPI_Recv(text.data(), count, MPI_CHAR, st.MPI_SOURCE, tag_request, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE),
          "receive");
    if (!text.empty()) on_row(text);
    const std::optional<std::size_t> id = next();
    const long long answer = id ? static_cast<long long>(*id) : -1;
    check(MPI_Send(&answer, 1, MPI_LONG_LONG, st.MPI_SOURCE, tag_assign, MPI_COMM_WORLD), "send");
    if (!id) --open;
  }
}

void request_runs(const std::function<std::string(std::size_t)>& execute) {
  std::string last;
  for (;;) {
    check(MPI_Send(last.data(), static_cast<int>(last.size()), MPI_CHAR, 0, tag_request,
                   MPI_COMM_WORLD),
          "send");
    long long id = -1;
    check(MPI_Recv(&id, 1, MPI_LONG_LONG, 0, tag_assign, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "receive");
    if (id < 0) return;
    last = execute(static_cast<std::size_t>(id));
  }
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
void serve_runs(const std::function<std::optional<std::size_t>()>&,
                const std::function<void(const std::string&)>&) {}
void request_runs(const std::function<std::string(std::size_t)>&) {
  throw internal_error("request_runs without MPI");
}

#endif

}  // namespace myelin::batch::detail

#pragma once
// The distributed context: what the engine needs from the ranks of a distributed run.
// One implementation per transport: local (one process), loopback (ranks as threads of
// one process) and MPI (MPI_COMM_WORLD or a given communicator). The engine calls it
// from one thread per rank, a few times per epoch at most, so a virtual call is fine.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/vp_state.hpp"

#ifdef MYELIN_WITH_MPI
#include <mpi.h>

#include <mutex>
#endif

namespace myelin::detail {

class distributed_context {
 public:
  virtual ~distributed_context() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string name() const = 0;

  /// Every rank contributes its spikes of an epoch (sorted by (step, gid)) and whether
  /// its epoch went well. On return `all` holds every rank's spikes, rank r's in
  /// [chunks[r], chunks[r + 1]). Returns false if any rank reported a failure.
  virtual bool exchange(const std::vector<spike_event>& mine, bool ok,
                        std::vector<spike_event>& all, std::vector<std::size_t>& chunks) = 0;

  /// Logical and of `ok` over ranks.
  virtual bool all_ok(bool ok) = 0;
  virtual int64_t min(int64_t x) = 0;
  virtual int64_t max(int64_t x) = 0;
  /// Element-wise sum over ranks, in place.
  virtual void sum(std::vector<uint64_t>& x) = 0;
  virtual double sum(double x) = 0;
  /// Rank 0 receives every rank's bytes (its own first); other ranks get nothing.
  virtual std::vector<std::vector<char>> gather(const std::vector<char>& mine) = 0;
  /// Rank 0's string, on every rank.
  virtual std::string broadcast(const std::string& s) = 0;
};

/// A single process.
std::unique_ptr<distributed_context> make_local_context();

/// `n` ranks inside one process, for running the distributed code path without MPI
/// (tests, and builds without MPI): context r is rank r; each must be used by its own
/// simulation, driven from its own thread, making the same collective calls as MPI
/// ranks would. The contexts share a hub that lives as long as any of them.
std::vector<std::unique_ptr<distributed_context>> make_loopback_contexts(int n);

/// MPI_COMM_WORLD if MPI has been initialised (myelin::mpi_session) and the build has
/// MPI; otherwise the local context.
std::unique_ptr<distributed_context> make_default_context();

#ifdef MYELIN_WITH_MPI
/// The ranks of `comm` (MPI initialised; e.g. a group of MPI_COMM_WORLD made by
/// MPI_Comm_split), rank and size as in `comm`. `comm` must outlive the context (the
/// caller frees it). `lock`, when given, is held around each of the context's MPI calls:
/// for a process in which another thread calls MPI too (under MPI_THREAD_SERIALIZED,
/// every caller must take the same lock). Every rank of `comm` must make the same calls.
std::unique_ptr<distributed_context> make_mpi_context(MPI_Comm comm, std::mutex* lock = nullptr);
#endif

}  // namespace myelin::detail

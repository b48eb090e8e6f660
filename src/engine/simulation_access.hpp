#pragma once
// What the engine's own tests need beyond the public API: a simulation over a given
// transport instead of MPI_COMM_WORLD or a single process (several ranks in one
// process, each its own simulation on a loopback context; src/engine/context.hpp).

#include <memory>

#include "engine/context.hpp"
#include "myelin/simulation.hpp"

namespace myelin {

struct simulation_access {
  /// Validates and builds `net` as simulation(net, options) does, over `transport`.
  static simulation make(const network& net, run_options options,
                         std::unique_ptr<detail::distributed_context> transport);
  /// The same, on the heap (a batch worker keeps its simulation from run to run).
  static std::unique_ptr<simulation> make_unique(
      const network& net, run_options options,
      std::unique_ptr<detail::distributed_context> transport);
};

}  // namespace myelin

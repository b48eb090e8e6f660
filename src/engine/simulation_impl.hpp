#pragma once
// The state behind myelin::simulation (include/myelin/simulation.hpp), shared by the
// files that implement it: simulation.cpp (build, run, results, outputs),
// simulation_edit.cpp (changes between segments) and simulation_connections.cpp.

#include <memory>
#include <utility>

#include "engine/engine.hpp"
#include "hnn/drives.hpp"
#include "myelin/simulation.hpp"

namespace myelin {

namespace detail {
// HNN drives become spike-source populations and current sources (src/hnn/drives.hpp):
// a transformation of the description, applied before the engine is built.
inline network validated_expansion(const network& n) {
  validate(n);
  return expand_drives(n);
}
}  // namespace detail

struct simulation::impl {
  network described;   // the model as given (summary.json)
  detail::engine eng;  // runs the model with its drives expanded
  impl(const network& n, run_options o, std::shared_ptr<detail::distributed_context> transport)
      : impl(n, detail::validated_expansion(n), std::move(o), std::move(transport)) {}
  impl(const network& n, network expanded, run_options o,
       std::shared_ptr<detail::distributed_context> transport)
      : described(n), eng(std::move(expanded), std::move(o), std::move(transport)) {}

  /// Once built, the engine's copy of FromArrays' columns is not needed (the tables hold
  /// the connections, `described` the columns): frees the second copy of what can be
  /// 10^7 connections. A later reset() then rebuilds such projections.
  void drop_built_columns() {
    for (auto& pr : eng.net.projections) {
      if (pr.conn.pre.empty()) continue;
      connector& c = pr.conn;
      c.pre = {};
      c.post = {};
      c.weights = {};
      c.delays = {};
    }
  }
};

}  // namespace myelin

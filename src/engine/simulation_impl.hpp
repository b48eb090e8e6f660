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
  impl(network&& n, run_options o, std::shared_ptr<detail::distributed_context> transport)
      : impl(std::move(n), expansion_taking_columns(n), std::move(o), std::move(transport)) {}
  impl(network&& n, network expanded, run_options o,
       std::shared_ptr<detail::distributed_context> transport)
      : described(std::move(n)), eng(std::move(expanded), std::move(o), std::move(transport)) {}
  impl(const network& n, network expanded, run_options o,
       std::shared_ptr<detail::distributed_context> transport)
      : described(n), eng(std::move(expanded), std::move(o), std::move(transport)) {}

  /// Validates `n` and expands its drives, moving FromArrays' columns (10^7 connections
  /// perhaps) from `n` into the expansion instead of copying them; drop_built_columns
  /// moves them back once the engine is built.
  static network expansion_taking_columns(network& n) {
    validate(n);
    std::vector<connector> columns(n.projections.size());
    for (std::size_t j = 0; j < n.projections.size(); ++j)
      move_columns(n.projections[j].conn, columns[j]);
    network expanded = detail::expand_drives(n);
    for (std::size_t j = 0; j < n.projections.size(); ++j)
      move_columns(columns[j], expanded.projections[j].conn);
    return expanded;
  }
  static void move_columns(connector& from, connector& to) {
    to.pre = std::move(from.pre);
    to.post = std::move(from.post);
    to.weights = std::move(from.weights);
    to.delays = std::move(from.delays);
    from.pre = {};
    from.post = {};
    from.weights = {};
    from.delays = {};
  }

  /// Once built, the engine needs no FromArrays columns (its tables hold the
  /// connections); `described` keeps one copy of them: the engine's are moved back
  /// where `described` lent them, freed otherwise. A later reset() then rebuilds such
  /// projections.
  void drop_built_columns() {
    for (std::size_t j = 0; j < eng.net.projections.size(); ++j) {
      connector& c = eng.net.projections[j].conn;
      if (c.pre.empty()) continue;
      connector& d = described.projections[j].conn;
      connector dropped;
      move_columns(c, d.pre.empty() ? d : dropped);
    }
  }
};

}  // namespace myelin

#pragma once
// Global ids and selections. Populations get consecutive gids in model order; a
// selection resolves to the gids it names, in the order it names them.

#include <cstdint>
#include <string>
#include <vector>

#include "myelin/model.hpp"

namespace myelin::detail {

struct gid_layout {
  std::vector<uint64_t> offset;  // first gid of each population; offset.back() = total
  explicit gid_layout(const network& net);
  uint64_t total() const { return offset.back(); }
  /// Population index of a gid (binary search).
  std::size_t population_of(uint64_t gid) const;
};

/// Index of the population labelled `label`, or throws model_error(field, ...) listing
/// the labels that exist.
std::size_t find_population(const network& net, const std::string& label, const std::string& field);

/// The gids of a selection, in order. Throws model_error naming `field` for an unknown
/// population, an index out of range or an invalid slice.
std::vector<uint64_t> resolve(const network& net, const gid_layout& layout, const selection& sel,
                              const std::string& field);

/// The number of gids resolve() would return, with the same checks, without building the
/// list (validation of models with 10^8 cells must not allocate for them).
uint64_t count_selection(const network& net, const gid_layout& layout, const selection& sel,
                         const std::string& field);

/// The distinct populations a selection touches, in order of first appearance.
std::vector<std::size_t> populations_of(const network& net, const selection& sel,
                                        const std::string& field);

}  // namespace myelin::detail

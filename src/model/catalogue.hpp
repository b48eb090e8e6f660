#pragma once
// The catalogue's internal side: each connector and current source has a kind, which the
// builder and the engine switch on. A name is mapped to its kind once per projection or
// current source (at build time, after validation accepted the name), so no dispatch
// compares strings. Adding a connector: one entry in connector_entries()
// (src/model/catalogue.cpp) and its case in the builder (src/construct/builder.cpp).

#include <string>
#include <vector>

#include "myelin/catalogue.hpp"

namespace myelin::detail {

enum class connector_kind {
  all_to_all,
  one_to_one,
  fixed_probability,
  fixed_number_pre,
  fixed_number_post,
  fixed_total_number,
  distance_dependent_probability,
  from_list,
  from_arrays,
};

enum class current_source_kind { dc, step, ac, noise };

struct connector_entry {
  connector_kind kind;
  component_info info;
};
struct current_source_entry {
  current_source_kind kind;
  component_info info;
};

/// The tables the public catalogue (connector_catalogue(), current_source_catalogue())
/// is made from, in the same order.
const std::vector<connector_entry>& connector_entries();
const std::vector<current_source_entry>& current_source_entries();

/// The kind of a connector or current source name that validation accepted; a name not
/// in the catalogue is a bug (internal_error).
connector_kind connector_kind_of(const std::string& name);
current_source_kind current_source_kind_of(const std::string& name);

}  // namespace myelin::detail

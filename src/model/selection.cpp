#include "model/selection.hpp"

#include <algorithm>

#include "myelin/error.hpp"

namespace myelin::detail {

gid_layout::gid_layout(const network& net) {
  offset.push_back(0);
  for (const auto& p : net.populations)
    offset.push_back(offset.back() + static_cast<uint64_t>(p.size));
}

std::size_t gid_layout::population_of(uint64_t gid) const {
  return static_cast<std::size_t>(std::upper_bound(offset.begin(), offset.end(), gid) -
                                  offset.begin()) -
         1;
}

std::size_t find_population(const network& net, const std::string& label,
                            const std::string& field) {
  for (std::size_t i = 0; i < net.populations.size(); ++i)
    if (net.populations[i].label == label) return i;
  std::string names;
  for (const auto& p : net.populations) names += (names.empty() ? "" : ", ") + p.label;
  throw model_error(field, "unknown population '" + label + "' (populations: " + names + ")");
}

namespace {

// Walks a selection part by part, checking it as resolve() does, and calls
// range(base, start, stop, step) or index(gid) for what it names.
template <class Range, class Index>
void walk(const network& net, const gid_layout& layout, const selection& sel,
          const std::string& field, Range&& range, Index&& index) {
  for (std::size_t k = 0; k < sel.parts.size(); ++k) {
    const auto& part = sel.parts[k];
    const std::string f = sel.parts.size() > 1 ? field + "[" + std::to_string(k) + "]" : field;
    const std::size_t pi = find_population(net, part.population, f + ".population");
    const int64_t size = net.populations[pi].size;
    const uint64_t base = layout.offset[pi];
    if (part.indices) {
      for (std::size_t i = 0; i < part.indices->size(); ++i) {
        const int64_t idx = (*part.indices)[i];
        if (idx < 0 || idx >= size)
          throw model_error(f + ".indices[" + std::to_string(i) + "]",
                            "index " + std::to_string(idx) + " is outside population '" +
                                part.population + "' of size " + std::to_string(size));
        index(base + static_cast<uint64_t>(idx));
      }
      continue;
    }
    const int64_t start = part.start.value_or(0), stop = part.stop.value_or(size);
    if (part.step < 1)
      throw model_error(f + ".step", "must be >= 1, got " + std::to_string(part.step));
    if (start < 0 || start > size)
      throw model_error(f + ".start", "must be in [0, " + std::to_string(size) + "], got " +
                                          std::to_string(start));
    if (stop < start || stop > size)
      throw model_error(f + ".stop", "must be in [start, " + std::to_string(size) + "], got " +
                                         std::to_string(stop));
    range(base, start, stop, part.step);
  }
}

}  // namespace

std::vector<uint64_t> resolve(const network& net, const gid_layout& layout, const selection& sel,
                              const std::string& field) {
  std::vector<uint64_t> gids;
  walk(
      net, layout, sel, field,
      [&](uint64_t base, int64_t start, int64_t stop, int64_t step) {
        for (int64_t i = start; i < stop; i += step)
          gids.push_back(base + static_cast<uint64_t>(i));
      },
      [&](uint64_t gid) { gids.push_back(gid); });
  return gids;
}

uint64_t count_selection(const network& net, const gid_layout& layout, const selection& sel,
                         const std::string& field) {
  uint64_t n = 0;
  walk(
      net, layout, sel, field,
      [&](uint64_t, int64_t start, int64_t stop, int64_t step) {
        if (stop > start) n += static_cast<uint64_t>((stop - start + step - 1) / step);
      },
      [&](uint64_t) { ++n; });
  return n;
}

std::vector<std::size_t> populations_of(const network& net, const selection& sel,
                                        const std::string& field) {
  std::vector<std::size_t> v;
  for (const auto& part : sel.parts) {
    const std::size_t pi = find_population(net, part.population, field);
    if (std::find(v.begin(), v.end(), pi) == v.end()) v.push_back(pi);
  }
  return v;
}

}  // namespace myelin::detail

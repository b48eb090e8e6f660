// Reusing a built network: which tables the next model can take over, drawing weights
// anew onto a kept table, and moving kept tables into the new build.

#include "construct/reuse.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <string>

#include "model/catalogue.hpp"
#include "random/batch_draws.hpp"
#include "random/distributions.hpp"

namespace myelin::detail {
namespace {

// Doubles compare by their bits: a reused table must come from exactly the same values.
bool same(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}
bool same(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) { return same(x, y); });
}
bool same(const distribution& a, const distribution& b) {
  if (a.name != b.name || a.params.size() != b.params.size()) return false;
  for (auto i = a.params.begin(), k = b.params.begin(); i != a.params.end(); ++i, ++k)
    if (i->first != k->first || !same(i->second, k->second)) return false;
  return true;
}
bool same(const value_spec& a, const value_spec& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<double>(&a)) return same(*x, std::get<double>(b));
  if (const auto* x = std::get_if<std::vector<double>>(&a))
    return same(*x, std::get<std::vector<double>>(b));
  if (const auto* x = std::get_if<distribution>(&a)) return same(*x, std::get<distribution>(b));
  return std::get<expression_spec>(a).text == std::get<expression_spec>(b).text;
}
bool same(const connector& a, const connector& b) {
  if (a.type != b.type || !same(a.p, b.p) || a.n != b.n ||
      a.allow_self_connections != b.allow_self_connections ||
      a.with_replacement != b.with_replacement || a.d_expression != b.d_expression ||
      a.list.size() != b.list.size())
    return false;
  for (std::size_t r = 0; r < a.list.size(); ++r)
    if (!same(a.list[r], b.list[r])) return false;
  return a.pre == b.pre && a.post == b.post && same(a.weights, b.weights) &&
         same(a.delays, b.delays);
}
bool same(const std::optional<positions_spec>& a, const std::optional<positions_spec>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  if (a->kind != b->kind || a->shape != b->shape || !same(a->spacing, b->spacing) ||
      !same(a->origin, b->origin) || !same(a->extent, b->extent) || !same(a->radius, b->radius) ||
      a->list.size() != b->list.size())
    return false;
  for (std::size_t k = 0; k < a->list.size(); ++k)
    for (int x = 0; x < 3; ++x)
      if (!same(a->list[k][x], b->list[k][x])) return false;
  return true;
}

// Whether the connector draws which connections exist (from the seed, or positions).
bool draws_connections(const connector& c) {
  switch (connector_kind_of(c.type)) {
    case connector_kind::all_to_all:
    case connector_kind::one_to_one:
    case connector_kind::from_list:
    case connector_kind::from_arrays:
      return false;
    case connector_kind::fixed_probability:
      return c.p > 0.0 && c.p < 1.0;
    case connector_kind::fixed_number_pre:
    case connector_kind::fixed_number_post:
    case connector_kind::fixed_total_number:
    case connector_kind::distance_dependent_probability:
      return true;
  }
  return true;
}

// Whether the connector generates each target's sources in ascending pre position
// (every connector but FixedTotalNumber, random order, and FromList, list order).
bool ascending_sources(const connector& c) {
  const connector_kind k = connector_kind_of(c.type);
  return k != connector_kind::fixed_total_number && k != connector_kind::from_list &&
         k != connector_kind::from_arrays;
}

bool strictly_ascending(const std::vector<uint64_t>& v) {
  return std::adjacent_find(v.begin(), v.end(), std::greater_equal<>()) == v.end();
}

}  // namespace

bool same_cell_layout(const network& prev, const network& next) {
  if (!same(prev.dt, next.dt) || prev.populations.size() != next.populations.size()) return false;
  for (std::size_t p = 0; p < prev.populations.size(); ++p)
    if (prev.populations[p].size != next.populations[p].size ||
        prev.populations[p].cell_type != next.populations[p].cell_type)
      return false;
  // A cell type the model defines may change between runs (a swept density) under the
  // same name; the tables hold receptor indices, valid while the ports are the same.
  for (const auto& [name, spec] : next.cell_templates) {
    const auto it = prev.cell_templates.find(name);
    if (it == prev.cell_templates.end()) return false;
    if (it->second != spec &&
        find_cell_type(prev, name)->receptors != find_cell_type(next, name)->receptors)
      return false;
  }
  return true;
}

std::vector<table_reuse> plan_table_reuse(const network& prev, const network& next,
                                          const gid_layout& layout) {
  std::vector<table_reuse> out(next.projections.size(), table_reuse::build);
  bool positions = true;
  for (std::size_t p = 0; p < next.populations.size(); ++p)
    positions = positions && same(prev.populations[p].positions, next.populations[p].positions);
  // Every value drawn from the seed or computed from positions comes out the same.
  const bool drawn_alike = prev.seed == next.seed && positions;
  const std::size_t n = std::min(prev.projections.size(), next.projections.size());
  for (std::size_t j = 0; j < n; ++j) {
    const projection& a = prev.projections[j];
    const projection& b = next.projections[j];
    if (a.receptor != b.receptor || !same(a.conn, b.conn) || !same(a.delay, b.delay)) continue;
    if (a.synapse || b.synapse) continue;  // plastic state is built anew
    if (!drawn_alike && (draws_connections(b.conn) || !std::holds_alternative<double>(b.delay)))
      continue;
    const std::string f = "projections[" + std::to_string(j) + "]";
    const auto pre = resolve(next, layout, b.pre, f + ".pre");
    const auto post = resolve(next, layout, b.post, f + ".post");
    if (pre != resolve(prev, layout, a.pre, f + ".pre") ||
        post != resolve(prev, layout, a.post, f + ".post"))
      continue;
    const bool list_weights =
        b.conn.type == "FromList" && !b.conn.list.empty() && b.conn.list[0].size() == 4;
    if (list_weights || !b.conn.weights.empty())  // FromList's or FromArrays' weights
      out[j] = table_reuse::keep;
    else if (std::holds_alternative<double>(b.weight))
      out[j] = table_reuse::scalar_weight;
    else if (drawn_alike && same(a.weight, b.weight))
      out[j] = table_reuse::keep;
    else if (std::holds_alternative<distribution>(b.weight) && ascending_sources(b.conn) &&
             strictly_ascending(pre) && strictly_ascending(post))
      // Each target's sources ascend in gid, so a scan of the rows (ascending source)
      // meets each target's connections in the order its stream drew their weights; a
      // target named once starts its stream once.
      out[j] = table_reuse::redraw_weights;
  }
  return out;
}

bool redraw_weights(const network& net, std::size_t j, const projection_table& table,
                    const vp_state& st, bool negative, column<double>& out) {
  const sampler draw(std::get<distribution>(net.projections[j].weight),
                     "projections[" + std::to_string(j) + "].weight");
  out.resize(table.targets.size());
  auto accept = [&](double x) { return std::isfinite(x) && (negative ? x <= 0 : x >= 0); };
  if (draw.is_uniform()) {
    // Connection k is draw number (its target's connections before it) of the target's
    // stream: those draws in bulk, a chunk of connections at a time.
    std::vector<uint64_t> gid_of;
    gid_of.reserve(st.n_cells);
    for (const group_slot& g : st.groups)
      gid_of.insert(gid_of.end(), g.cells->gids().begin(), g.cells->gids().end());
    std::vector<uint32_t> count(st.n_cells, 0);
    constexpr std::size_t chunk = 1024;
    uint64_t ids[chunk];
    uint32_t draws[chunk];
    double u[chunk];
    for (std::size_t b = 0; b < table.targets.size(); b += chunk) {
      const std::size_t len = std::min(chunk, table.targets.size() - b);
      for (std::size_t m = 0; m < len; ++m) {
        const uint32_t t = table.targets[b + m];
        ids[m] = gid_of[t];
        draws[m] = count[t]++;
      }
      uniform_draws(net.seed, purpose::weight, static_cast<uint32_t>(j), ids, draws, len, u);
      for (std::size_t m = 0; m < len; ++m) {
        const double x = draw.value_of_uniform(u[m]);
        if (!accept(x)) return false;
        out[b + m] = x;
      }
    }
    return true;
  }
  // Each VP-local cell's weight stream, drawn from as the rows are scanned.
  std::vector<philox_stream> streams;
  streams.reserve(st.n_cells);
  for (const group_slot& g : st.groups)
    for (std::size_t c = 0; c < g.cells->size(); ++c)
      streams.emplace_back(net.seed, purpose::weight, static_cast<uint32_t>(j), g.cells->gids()[c]);
  for (std::size_t k = 0; k < table.targets.size(); ++k) {
    const double x = draw(streams[table.targets[k]]);
    if (!accept(x)) return false;
    out[k] = x;
  }
  return true;
}

projection_table table_shell(const projection_table& prev) {
  projection_table t;
  t.projection = prev.projection;
  t.kind = prev.kind;
  t.receptor = prev.receptor;
  t.pre_lo = prev.pre_lo;
  t.pre_hi = prev.pre_hi;
  t.delay = prev.delay;
  t.min_delay = prev.min_delay;
  t.max_delay = prev.max_delay;
  t.contiguous_rows = prev.contiguous_rows;
  return t;
}

void adopt_tables(std::vector<projection_table>& prev, vp_state& st,
                  const std::vector<table_reuse>& taken) {
  for (std::size_t j = 0; j < taken.size(); ++j) {
    if (taken[j] == table_reuse::build) continue;
    projection_table& t = st.tables[j];
    projection_table& o = prev[j];
    t.offsets = std::move(o.offsets);
    t.targets = std::move(o.targets);
    t.delays = std::move(o.delays);
    if (taken[j] == table_reuse::keep) t.weights = std::move(o.weights);
  }
}

}  // namespace myelin::detail

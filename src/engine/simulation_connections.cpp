// simulation::connections and set_connection_param: the connections of a projection in
// one stable order (FromArrays: the order of its columns; otherwise by (post, pre)),
// read from and written to the VPs' tables.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>

#include "construct/builder.hpp"
#include "construct/from_arrays.hpp"
#include "engine/bytes.hpp"
#include "engine/simulation_impl.hpp"
#include "model/catalogue.hpp"
#include "model/format.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"

namespace myelin {

using namespace detail;

namespace {

std::size_t projection_index(const engine& m, const std::string& label) {
  for (std::size_t i = 0; i < m.net.projections.size(); ++i)
    if (m.net.projections[i].label == label) return i;
  throw model_error("projections", "no projection labelled '" + label + "'");
}

// One connection: its ends (gids), weight and delay, and its index in FromArrays'
// columns (no_column for other connectors).
constexpr uint64_t no_column = UINT64_MAX;
struct located {
  connection_data c;
  uint64_t column;
};

// One connection of this rank and where it lives.
struct entry {
  located l;
  uint32_t vp, table;
  uint64_t pos;
};

// This rank's connections of projection j, VP by VP, row by row.
std::vector<entry> local_entries(const network& model, const engine& m, std::size_t j) {
  const myelin::projection& described = model.projections[j];
  const bool arrays = connector_kind_of(described.conn.type) == connector_kind::from_arrays;
  std::vector<uint64_t> pre, post;
  if (arrays) {
    const std::string f = "projections[" + std::to_string(j) + "]";
    pre = resolve(m.net, m.layout, described.pre, f + ".pre");
    post = resolve(m.net, m.layout, described.post, f + ".post");
  }
  std::vector<entry> out;
  for (std::size_t v = 0; v < m.vps.size(); ++v) {
    const vp_state& vp = m.vps[v];
    std::vector<uint64_t> gid_of(vp.n_cells);  // VP-local index -> gid
    for (const auto& g : vp.groups)
      for (std::size_t c = 0; c < g.cells->size(); ++c) gid_of[g.offset + c] = g.cells->gids()[c];
    for (std::size_t ti = 0; ti < vp.tables.size(); ++ti) {
      const projection_table& t = vp.tables[ti];
      if (t.projection != j) continue;
      std::vector<uint64_t> cols;
      if (arrays && t.size() > 0)
        cols = from_arrays_columns(described.conn, pre, post, m.layout, vp, vp.vp, m.n_vp, t.pre_lo,
                                   t.pre_hi);
      if (cols.size() != t.size()) cols.clear();
      for (uint64_t s = 0; s + 1 < t.offsets.size(); ++s)
        for (uint64_t k = t.offsets[s]; k < t.offsets[s + 1]; ++k)
          out.push_back(
              {{{t.pre_lo + s, gid_of[t.targets[k]], t.weights.empty() ? t.weight : t.weights[k],
                 (t.delays.empty() ? t.delay : t.delays[k]) * m.net.dt},
                cols.empty() ? no_column : cols[k]},
               static_cast<uint32_t>(v),
               static_cast<uint32_t>(ti),
               k});
    }
  }
  return out;
}

// order[r]: the index in `all` (every connection of the projection, gathered rank by
// rank, each rank's VP by VP and row by row) of the r-th connection of connections():
// FromArrays' in column order, the others by (post, pre).
std::vector<uint64_t> connection_order(const std::vector<located>& all) {
  std::vector<uint64_t> order(all.size());
  bool columns = !all.empty();
  for (std::size_t i = 0; i < all.size() && columns; ++i) columns = all[i].column < all.size();
  if (columns) {
    for (std::size_t i = 0; i < all.size(); ++i) order[all[i].column] = i;
    return order;
  }
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
    const connection_data &x = all[a].c, &y = all[b].c;
    return x.post != y.post ? x.post < y.post : x.pre < y.pre;
  });
  return order;
}

// One process's FromArrays connections written straight to their column's place (no
// list of located entries: 10^7 connections); nullopt for other connectors, or when
// the tables do not hold the columns' connections.
std::optional<std::vector<connection_data>> from_arrays_in_column_order(const network& model,
                                                                        const engine& m,
                                                                        std::size_t j) {
  const myelin::projection& described = model.projections[j];
  if (connector_kind_of(described.conn.type) != connector_kind::from_arrays) return std::nullopt;
  const std::string f = "projections[" + std::to_string(j) + "]";
  const auto pre = resolve(m.net, m.layout, described.pre, f + ".pre");
  const auto post = resolve(m.net, m.layout, described.post, f + ".post");
  const std::size_t n = described.conn.pre.size();
  std::vector<connection_data> out(n);
  std::size_t filled = 0;
  for (const vp_state& vp : m.vps) {
    std::vector<uint64_t> gid_of(vp.n_cells);  // VP-local index -> gid
    for (const auto& g : vp.groups)
      for (std::size_t c = 0; c < g.cells->size(); ++c) gid_of[g.offset + c] = g.cells->gids()[c];
    for (const projection_table& t : vp.tables) {
      if (t.projection != j || t.size() == 0) continue;
      const auto cols = from_arrays_columns(described.conn, pre, post, m.layout, vp, vp.vp, m.n_vp,
                                            t.pre_lo, t.pre_hi);
      if (cols.size() != t.size()) return std::nullopt;
      for (uint64_t s = 0; s + 1 < t.offsets.size(); ++s)
        for (uint64_t k = t.offsets[s]; k < t.offsets[s + 1]; ++k) {
          if (cols[k] >= n) return std::nullopt;
          out[cols[k]] = {t.pre_lo + s, gid_of[t.targets[k]],
                          t.weights.empty() ? t.weight : t.weights[k],
                          (t.delays.empty() ? t.delay : t.delays[k]) * m.net.dt};
          ++filled;
        }
    }
  }
  if (filled != n) return std::nullopt;
  return out;
}

// Every rank's connections on rank 0 (empty elsewhere), rank by rank; `chunks` (rank 0)
// gets the index of each rank's first connection.
std::vector<located> gather_connections(const engine& m, const std::vector<entry>& mine,
                                        std::vector<uint64_t>* chunks = nullptr) {
  std::vector<located> out;
  out.reserve(mine.size());
  for (const entry& e : mine) out.push_back(e.l);
  if (chunks) chunks->assign(1, 0);
  if (m.n_ranks == 1) return out;
  std::vector<char> bytes;
  put(bytes, out.data(), out.size());
  out.clear();
  for (const auto& b : m.dist->gather(bytes)) {
    const std::size_t n = b.size() / sizeof(located);
    const std::size_t at = out.size();
    out.resize(at + n);
    if (n) std::memcpy(out.data() + at, b.data(), b.size());
    if (chunks) chunks->push_back(out.size());
  }
  return out;
}

}  // namespace

std::vector<connection_data> simulation::connections(const std::string& projection) const {
  const engine& m = impl_->eng;
  const std::size_t j = projection_index(m, projection);
  if (m.n_ranks == 1)
    if (auto direct = from_arrays_in_column_order(impl_->described, m, j)) return *direct;
  const std::vector<located> all =
      gather_connections(m, local_entries(impl_->described, impl_->eng, j));
  if (m.rank != 0) return {};
  const std::vector<uint64_t> order = connection_order(all);
  std::vector<connection_data> out(all.size());
  for (std::size_t r = 0; r < order.size(); ++r) out[r] = all[order[r]].c;
  return out;
}

void simulation::set_connection_param(const std::string& projection, const std::string& param,
                                      const std::vector<double>& values) {
  engine& m = impl_->eng;
  const std::size_t j = projection_index(m, projection);
  const std::string f = "projections[" + std::to_string(j) + "]";
  const myelin::projection& pr = m.net.projections[j];
  if (param != "weight" && param != "delay")
    throw model_error(f + "." + param, "unknown connection parameter (allowed: weight, delay)");
  const std::string field = f + "." + param;
  const bool negative = negative_weights(m.net, pr, f);
  // Every value first, so that an error changes nothing.
  // STDP pairs a spike only with postsynaptic spikes known at its delivery: the build's
  // rule on (1 - 2 f) delay (construct/synapses.cpp) holds for new delays too.
  const auto& syn = impl_->described.projections[j].synapse;
  const bool stdp = syn && syn->type == "STDPMechanism";
  double f_dend = 1.0;
  if (stdp)
    if (const auto it = syn->params.find("dendritic_delay_fraction"); it != syn->params.end())
      f_dend = it->second;
  std::vector<double> applied(values.size());
  for (std::size_t r = 0; r < values.size(); ++r) {
    const double v = values[r];
    const std::string fr = field + "[" + std::to_string(r) + "]";
    if (!std::isfinite(v)) throw model_error(fr, "must be finite");
    if (param == "weight") {
      if (negative ? v > 0 : v < 0)
        throw model_error(fr, "weight " + fmt(v) + " must be " + (negative ? "<= 0" : ">= 0"));
      applied[r] = v;
    } else {
      const double steps = std::round(v / m.net.dt);
      if (steps < static_cast<double>(m.min_delay) || !(steps < 2147483648.0))
        throw model_error(fr, "delay " + fmt(v) + " ms must be at least the minimum delay " +
                                  fmt(static_cast<double>(m.min_delay) * m.net.dt) +
                                  " ms fixed when the network was built");
      if (stdp && (1.0 - 2.0 * f_dend) * steps >= 1.0 - 1e-9)
        throw model_error(fr, "delay " + fmt(v) + " ms: with dendritic_delay_fraction " +
                                  fmt(f_dend) +
                                  " (1 - 2 f) delay must stay below one time step, or a spike "
                                  "would pair with postsynaptic spikes after its delivery");
      applied[r] = steps;
    }
  }
  if (stdp && param == "delay") {
    // A synapse's pairing window runs from its last presynaptic spike's arrival, set by
    // the delay it was delivered with: a new delay would read postsynaptic spikes twice
    // or never (docs/numerics.md). Refused once any spike has been delivered.
    int64_t delivered = 0;
    for (const vp_state& vp : m.vps)
      for (const projection_table& t : vp.tables)
        if (t.projection == j)
          for (const row_state& r : t.rows) delivered |= r.last >= 0;
    if (m.dist->max(delivered) > 0)
      throw model_error(field,
                        "an STDP projection's delays cannot change once a presynaptic "
                        "spike has been delivered through it (each synapse's pairing "
                        "window follows from the delay it had); set them before the "
                        "first run, or after reset()");
  }
  std::vector<entry> mine = local_entries(impl_->described, impl_->eng, j);
  std::vector<uint64_t> chunks;
  const std::vector<located> all = gather_connections(m, mine, &chunks);
  // Rank 0 knows the order; every rank learns it and the start of its own share.
  std::string plan;
  if (m.rank == 0) {
    if (values.size() != all.size())
      plan.assign(1, '!').append(std::to_string(all.size()));  // (GCC 12: -Wrestrict on "!" + s)
    else {
      const std::vector<uint64_t> order = connection_order(all);
      plan.resize((chunks.size() + order.size()) * sizeof(uint64_t));
      std::memcpy(plan.data(), chunks.data(), chunks.size() * sizeof(uint64_t));
      std::memcpy(plan.data() + chunks.size() * sizeof(uint64_t), order.data(),
                  order.size() * sizeof(uint64_t));
    }
  }
  if (m.n_ranks > 1) plan = m.dist->broadcast(plan);
  if (!plan.empty() && plan[0] == '!')
    throw model_error(field, "has " + std::to_string(values.size()) +
                                 " values; the projection has " + plan.substr(1) + " connections");
  const std::size_t n_chunks = m.n_ranks == 1 ? 1 : static_cast<std::size_t>(m.n_ranks) + 1;
  std::vector<uint64_t> head(n_chunks);
  std::memcpy(head.data(), plan.data(), n_chunks * sizeof(uint64_t));
  const uint64_t lo = m.n_ranks == 1 ? 0 : head[static_cast<std::size_t>(m.rank)];
  const uint64_t hi = lo + mine.size();
  const char* order_bytes = plan.data() + n_chunks * sizeof(uint64_t);
  for (std::size_t r = 0; r < values.size(); ++r) {
    uint64_t g;
    std::memcpy(&g, order_bytes + r * sizeof(uint64_t), sizeof g);
    if (g < lo || g >= hi) continue;
    const entry& e = mine[g - lo];
    projection_table& t = m.vps[e.vp].tables[e.table];
    if (param == "weight") {
      if (t.weights.empty()) t.weights.assign(t.targets.size(), t.weight);
      t.weights[e.pos] = applied[r];
    } else {
      if (t.delays.empty()) t.delays.assign(t.targets.size(), t.delay);
      t.delays[e.pos] = static_cast<uint32_t>(applied[r]);
    }
  }
  if (param == "delay") {
    int64_t hi_delay = 0;
    for (auto& vp : m.vps)
      for (auto& t : vp.tables) {
        if (t.projection != j || t.delays.empty()) continue;
        t.min_delay = UINT32_MAX;
        t.max_delay = 0;
        t.finish_rows();
      }
    for (const auto& vp : m.vps)
      for (const auto& t : vp.tables)
        if (!t.targets.empty()) hi_delay = std::max<int64_t>(hi_delay, t.max_delay);
    m.max_delay = std::max<int64_t>(m.dist->max(hi_delay), 1);
  }
  // FromArrays' columns follow (summary.json describes the model as it now is).
  connector& c = impl_->described.projections[j].conn;
  if (connector_kind_of(c.type) == connector_kind::from_arrays && c.pre.size() == values.size()) {
    if (param == "weight")
      c.weights = values;
    else
      c.delays = values;
  }
}

uint64_t simulation::connection_count(const std::string& projection) const {
  const engine& m = impl_->eng;
  return m.projection_synapses[projection_index(m, projection)];
}

}  // namespace myelin

// Construction of one VP's local state: its cells (parameters and initial values
// evaluated per gid) and the connections that end on them. Connectors are procedural:
// the connections onto a target are drawn from streams keyed by (seed, projection,
// target gid) — or by source gid / a global stream for FixedNumberPost and
// FixedTotalNumber, which every VP replays and filters — so no VP ever holds the
// global connection list, and the network is the same for every parallel layout.

#include "construct/builder.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <unordered_set>

#include "construct/distance.hpp"
#include "construct/from_arrays.hpp"
#include "construct/positions.hpp"
#include "construct/prefault.hpp"
#include "construct/rows.hpp"
#include "construct/synapses.hpp"
#include "construct/targets.hpp"
#include "construct/values.hpp"
#include "equations/cell_type.hpp"
#include "hnn/drives.hpp"
#include "model/catalogue.hpp"
#include "model/estimate.hpp"
#include "model/expression.hpp"
#include "model/format.hpp"
#include "model/schema.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"
#include "random/choose.hpp"
#include "random/distributions.hpp"

namespace myelin::detail {
namespace {

// Connectors that draw the sources of each target from the target's own stream (the
// others replay a stream per source or a global one, or read a list).
bool generated_per_target(connector_kind kind) {
  switch (kind) {
    case connector_kind::all_to_all:
    case connector_kind::one_to_one:
    case connector_kind::fixed_probability:
    case connector_kind::fixed_number_pre:
    case connector_kind::distance_dependent_probability:
      return true;
    case connector_kind::fixed_number_post:
    case connector_kind::fixed_total_number:
    case connector_kind::from_list:
    case connector_kind::from_arrays:
      return false;
  }
  return false;
}

class vp_builder {
 public:
  vp_builder(const network& net, const gid_layout& layout, int vp, int n_vp, vp_state& st,
             const std::vector<projection_table>* prev, const std::vector<table_reuse>* reuse)
      : net_(net), layout_(layout), vp_(vp), n_vp_(n_vp), st_(st), prev_(prev), reuse_(reuse) {}

  std::vector<table_reuse> build() {
    build_groups();
    std::vector<table_reuse> taken(net_.projections.size(), table_reuse::build);
    for (std::size_t j = 0; j < net_.projections.size(); ++j)
      if (!(reuse_ && (*reuse_)[j] != table_reuse::build && take_over(j, taken[j])))
        build_projection(j);
    build_drives();
    build_stimulus_targets(net_, layout_, vp_, n_vp_, st_);
    build_trace_targets(net_, layout_, vp_, n_vp_, st_);
    return taken;
  }

 private:
  bool owns(uint64_t gid) const { return gid % n_vp_ == static_cast<uint64_t>(vp_); }

  std::size_t owned_targets(const std::vector<uint64_t>& post) const {
    std::size_t n = 0;
    for (uint64_t t : post) n += owns(t);
    return n;
  }

  uint32_t local_index(uint64_t gid) const { return vp_local_index(layout_, st_, n_vp_, gid); }

  void build_groups() {
    for (std::size_t p = 0; p < net_.populations.size(); ++p) {
      const population& pop = net_.populations[p];
      // A type from equations is built from this model's own definition (another run in
      // the process may have registered a different one under the name).
      const auto def = net_.cell_types.find(pop.cell_type);
      const cell_kernel* kernel =
          def == net_.cell_types.end()
              ? find_cell_kernel(net_, pop.cell_type)
              : &eq::kernel_of(def->first, def->second, "cell_types." + def->first);
      const cell_type_info& info = kernel->info;
      const uint64_t off = layout_.offset[p], end = layout_.offset[p + 1];
      const uint64_t first = off + (static_cast<uint64_t>(vp_) + n_vp_ - off % n_vp_) % n_vp_;
      group_init init;
      init.dt = net_.dt;
      init.seed = net_.seed;
      for (uint64_t g = first; g < end; g += n_vp_) init.gids.push_back(g);
      init.n = init.gids.size();
      const std::string f = "populations[" + std::to_string(p) + "]";
      auto fill = [&](const std::vector<parameter_info>& list,
                      const std::map<std::string, value_spec>& given, purpose pur,
                      std::map<std::string, std::vector<double>>& out, const char* what) {
        for (std::size_t k = 0; k < list.size(); ++k) {
          const auto it = given.find(list[k].name);
          const value_spec dflt = list[k].default_value;
          const value_spec& spec = it == given.end() ? dflt : it->second;
          const cell_values values(spec, f + "." + what + "." + list[k].name, net_.seed, pur,
                                   static_cast<uint32_t>(p << 8 | k));
          auto& column = out[list[k].name];
          column.reserve(init.n);
          for (uint64_t g : init.gids) column.push_back(values(static_cast<int64_t>(g - off), g));
        }
      };
      fill(info.params, pop.params, purpose::parameter, init.params, "params");
      fill(info.state, pop.initial, purpose::initial, init.initial, "initial");
      if (pop.cell_type == "SpikeSourceArray") {
        for (uint64_t g : init.gids)
          init.spike_times.push_back(pop.spike_times.empty()       ? std::vector<double>{}
                                     : pop.spike_times.size() == 1 ? pop.spike_times[0]
                                                                   : pop.spike_times[g - off]);
      }
      group_slot slot;
      slot.population = p;
      slot.offset = st_.n_cells;
      slot.first_gid = first;
      slot.receptors = static_cast<int>(info.receptors.size());
      slot.cells = kernel->make(init);
      st_.n_cells += static_cast<uint32_t>(init.n);
      st_.groups.push_back(std::move(slot));
    }
  }

  // Projection j's table from the previous build (reuse.hpp): everything but its
  // connections (adopt_tables moves them in later), with the new weights.
  bool take_over(std::size_t j, table_reuse& taken) {
    const projection_table& old = (*prev_)[j];
    const table_reuse how = (*reuse_)[j];
    projection_table tab = table_shell(old);
    const projection& pr = net_.projections[j];
    if (how == table_reuse::keep) tab.weight = old.weight;
    if (how == table_reuse::scalar_weight) tab.weight = std::get<double>(pr.weight);
    const std::string f = "projections[" + std::to_string(j) + "]";
    if (how == table_reuse::redraw_weights &&
        !redraw_weights(net_, j, old, st_, negative_weights(net_, pr, f), tab.weights))
      return false;
    st_.tables.push_back(std::move(tab));
    taken = how;
    return true;
  }

  std::array<double, 3> position(uint64_t gid) const {
    const std::size_t p = layout_.population_of(gid);
    return cell_position(net_.populations[p], static_cast<int64_t>(gid - layout_.offset[p]), gid,
                         net_.seed, static_cast<uint32_t>(p));
  }

  static void distance_vars(const std::array<double, 3>& a, const std::array<double, 3>& b,
                            double* vars) {
    vars[1] = a[0] - b[0];
    vars[2] = a[1] - b[1];
    vars[3] = a[2] - b[2];
    vars[0] = std::sqrt(vars[1] * vars[1] + vars[2] * vars[2] + vars[3] * vars[3]);
  }

  void build_projection(std::size_t j) {
    const projection& pr = net_.projections[j];
    const std::string f = "projections[" + std::to_string(j) + "]";
    const auto pre = resolve(net_, layout_, pr.pre, f + ".pre");
    const auto post = resolve(net_, layout_, pr.post, f + ".post");
    const connector& c = pr.conn;
    const uint32_t proj = static_cast<uint32_t>(j);
    const uint64_t seed = net_.seed;

    connection_values weights(pr.weight, f + ".weight", seed, purpose::weight, proj);
    connection_values delays(pr.delay, f + ".delay", seed, purpose::delay, proj);
    const connector_kind kind = connector_kind_of(c.type);
    const bool list_values =
        kind == connector_kind::from_list && !c.list.empty() && c.list[0].size() == 4;
    const bool hetero_w = !weights.homogeneous() || list_values;
    const bool hetero_d = !delays.homogeneous() || list_values;
    const bool want_distance = weights.needs_distance() || delays.needs_distance();
    const bool want_direction = weights.needs_direction() || delays.needs_direction();
    const bool want_negative = negative_weights(net_, pr, f);

    projection_table tab;
    tab.projection = proj;
    // Validation made the index the same on every target population.
    tab.receptor = receptor_index(
        *find_cell_type(net_, net_.populations[populations_of(net_, pr.post, f).front()].cell_type),
        pr.receptor);
    tab.pre_lo = *std::min_element(pre.begin(), pre.end());
    tab.pre_hi = *std::max_element(pre.begin(), pre.end()) + 1;
    if (!hetero_w) tab.weight = weights.scalar();
    if (!hetero_d) {
      tab.delay = delay_steps(delays.scalar(), delays.field());
      if (tab.delay == never) {
        // Every connection of the projection would arrive after any possible run.
        tab.pre_lo = tab.pre_hi = 0;
        tab.offsets.assign(1, 0);
        st_.tables.push_back(std::move(tab));
        return;
      }
    }
    if (kind == connector_kind::from_arrays) {
      fill_from_arrays(c, pre, post, layout_, st_, vp_, n_vp_, net_.dt, f, tab);
      setup_synapses(net_, pr, f, st_, tab);  // plastic kinds, as for generated connections
      st_.tables.push_back(std::move(tab));
      return;
    }

    // Connections in generation order (targets ascending in post order): their sources,
    // and per target its local index and the end of its connections.
    // The builder's own (cleared, not freed): a later projection writes into the pages
    // an earlier one made present.
    generated_connections& gen = gen_;
    gen.src_rel.clear();
    gen.runs.clear();
    gen.run_gids.clear();
    gen.w.clear();
    gen.d.clear();
    auto& [src_rel, runs, run_gids, w, d] = gen;
    double vars[4] = {0, 0, 0, 0};

    // Adds the connections onto post[k] from pre positions `sources` (canonical order).
    // DistanceDependentProbability: its sources' positions, boxed (construct/distance.hpp).
    std::optional<distance_build> dist;
    // Set with dist: every target's connections are added in bulk, and weights (then from
    // a distribution) drawn only in the transposition, straight into the rows.
    bool bulk = false, late_w = false;
    // Room for n connections in the arrays this projection fills.
    auto reserve = [&](std::size_t n) {
      reserve_present(src_rel, n);
      if (hetero_w && !late_w) reserve_present(w, n);
      if (hetero_d) reserve_present(d, n);
    };
    auto add_target = [&](std::size_t k, const std::vector<uint32_t>& sources,
                          const std::vector<std::size_t>* rows) {
      const uint64_t t = post[k];
      const uint32_t tl = local_index(t);
      weights.begin_target(t);
      delays.begin_target(t);
      // The common case in bulk: sources from the boxes, delays of d alone (settled by
      // their bins, the rest decided here), weights that need no distance.
      if (bulk) {
        const std::size_t base = src_rel.size();
        std::size_t n = sources.size();
        if (dist->append(sources, pre.data(), tab.pre_lo, hetero_d, src_rel, d) > 0) {
          std::size_t kept = 0;  // connections that can never deliver are not made
          for (std::size_t m = 0; m < n; ++m) {
            uint32_t dd = d[base + m];
            if (dd == unsettled) {
              vars[0] = dist->boxes.distance(sources[m]);
              dd = delay_steps(delays.next(vars), delays.field());
              if (dd == never) continue;
            }
            src_rel[base + kept] = src_rel[base + m];
            d[base + kept++] = dd;
          }
          n = kept;
          src_rel.resize(base + n);
          d.resize(base + n);
        }
        if (late_w) run_gids.push_back(t);  // weights: in transpose_rows
        runs.emplace_back(tl, src_rel.size());
        return;
      }
      std::array<double, 3> pt{};
      if (want_distance) pt = position(t);
      for (std::size_t m = 0; m < sources.size(); ++m) {
        const uint64_t s = pre[sources[m]];
        // The boxes hold the sources' positions already, and the distances draw() found.
        if (dist && want_distance && !want_direction)
          vars[0] = dist->boxes.distance(sources[m]);
        else if (want_distance)
          distance_vars(dist ? dist->boxes.position(sources[m]) : position(s), pt, vars);
        // The delay first: a connection that can never deliver is not made.
        uint32_t dd = 0;
        if (hetero_d) {
          dd = dist ? dist->delay_steps[dist->delay_bins.index(vars[0])] : unsettled;
          if (dd == unsettled)
            dd = delay_steps(rows ? c.list[(*rows)[m]][3] : delays.next(vars), delays.field());
          if (dd == never) continue;
        }
        src_rel.push_back(static_cast<uint32_t>(s - tab.pre_lo));
        if (hetero_w) {
          const double x = rows ? c.list[(*rows)[m]][2] : weights.next(vars);
          check_weight(x, want_negative, s, t, weights.field());
          w.push_back(x);
        }
        if (hetero_d) d.push_back(dd);
      }
      runs.emplace_back(tl, src_rel.size());
    };

    std::vector<uint32_t> sources, scratch;
    const uint64_t n_pre = pre.size();
    // Room for the expected connections up front: growing these vectors doubles their
    // page faults and copies (a third of a small run's page faults were the build's).
    // Connectors that replay streams or lists have no cheap estimate of a VP's share.
    if (const double expected = generated_per_target(kind)
                                    ? expected_connections(kind, c, static_cast<double>(n_pre),
                                                           static_cast<double>(owned_targets(post)))
                                    : 0.0;
        expected > 0) {
      const auto n = static_cast<std::size_t>(expected + 4 * std::sqrt(expected) + 16);
      reserve(n);
    }
    if (generated_per_target(kind)) {
      std::vector<std::pair<uint64_t, uint32_t>> pre_sorted;  // (gid, index): self lookups
      if (kind == connector_kind::distance_dependent_probability) {
        std::vector<std::array<double, 3>> where(n_pre), at;
        for (uint64_t i = 0; i < n_pre; ++i) where[i] = position(pre[i]);
        for (uint64_t t : post)
          if (owns(t)) at.push_back(position(t));
        const auto* e = std::get_if<expression_spec>(&pr.delay);
        dist.emplace(std::move(where), at, c.d_expression, f + ".connector.d_expression",
                     e ? &e->text : nullptr, delays.field(), net_.dt);
        bulk = !weights.needs_distance() &&
               (!hetero_d || (delays.needs_distance() && !delays.needs_direction()));
        late_w = bulk && hetero_w;
        if (!c.allow_self_connections) {
          for (uint64_t i = 0; i < n_pre; ++i)
            pre_sorted.emplace_back(pre[i], static_cast<uint32_t>(i));
          std::sort(pre_sorted.begin(), pre_sorted.end());
        }
      }
      const double log_q =
          kind == connector_kind::fixed_probability && c.p > 0 && c.p < 1 ? std::log1p(-c.p) : 0;
      const std::size_t owned = owned_targets(post);
      std::size_t done = 0;
      // The sources of target t of a distance rule (its draws are a function of t alone).
      auto draw_distance = [&](uint64_t t, std::vector<uint32_t>& out) {
        int64_t excluded = -1;
        if (!c.allow_self_connections) {
          const auto it = std::lower_bound(pre_sorted.begin(), pre_sorted.end(),
                                           std::pair<uint64_t, uint32_t>{t, 0});
          if (it != pre_sorted.end() && it->first == t) excluded = it->second;
        }
        uniform_run run(seed, purpose::connectivity, proj, t);  // rng's draws, in bulk
        dist->boxes.draw(run, dist->rule, position(t), excluded, out);
      };
      if (dist) {
        // Room up front for about what 16 targets spread over the owned ones project
        // (drawn once more below: the same sources), so that the vectors are not filled
        // and copied on the way, as from the first target alone (a corner of a grid).
        std::vector<uint64_t> mine;
        for (uint64_t t : post)
          if (owns(t)) mine.push_back(t);
        const std::size_t samples = std::min<std::size_t>(16, mine.size());
        double sum = 0.0;
        for (std::size_t i = 0; i < samples; ++i) {
          sources.clear();
          draw_distance(mine[(2 * i + 1) * mine.size() / (2 * samples)], sources);
          sum += static_cast<double>(sources.size());
        }
        if (samples > 0) {
          const double expected = sum / static_cast<double>(samples) * static_cast<double>(owned);
          const auto n = static_cast<std::size_t>(expected * 1.05) + 1024;
          reserve(n);
        }
      }
      for (std::size_t k = 0; k < post.size(); ++k) {
        const uint64_t t = post[k];
        if (!owns(t)) continue;
        sources.clear();
        philox_stream rng(seed, purpose::connectivity, proj, t);
        switch (kind) {
          case connector_kind::all_to_all:
            for (uint64_t i = 0; i < n_pre; ++i)
              if (c.allow_self_connections || pre[i] != t)
                sources.push_back(static_cast<uint32_t>(i));
            break;
          case connector_kind::one_to_one:
            sources.push_back(static_cast<uint32_t>(k));
            break;
          case connector_kind::fixed_probability:
            if (c.p >= 1.0) {
              for (uint64_t i = 0; i < n_pre; ++i)
                if (c.allow_self_connections || pre[i] != t)
                  sources.push_back(static_cast<uint32_t>(i));
            } else if (c.p > 0.0) {
              // Geometric skips: exact Bernoulli(p) over the candidates, one draw per
              // connection instead of one per candidate.
              double i = -1;
              while (true) {
                i += 1 + std::floor(std::log(rng.uniform()) / log_q);
                if (i >= static_cast<double>(n_pre)) break;
                const auto ii = static_cast<uint32_t>(i);
                if (c.allow_self_connections || pre[ii] != t) sources.push_back(ii);
              }
            }
            break;
          case connector_kind::fixed_number_pre: {
            int64_t excluded = -1;
            if (!c.allow_self_connections) {
              auto it = std::find(pre.begin(), pre.end(), t);
              if (it != pre.end()) excluded = it - pre.begin();
            }
            const bool repl = c.with_replacement.value_or(false);
            if (!repl && static_cast<uint64_t>(c.n) > n_pre - (excluded >= 0))
              throw model_error(
                  f + ".connector.n",
                  "n = " + std::to_string(c.n) + " exceeds the candidates without self-connection");
            choose(rng, n_pre, c.n, repl, excluded, sources, scratch);
            break;
          }
          case connector_kind::distance_dependent_probability:
            draw_distance(t, sources);
            break;
          default:
            throw internal_error("connector '" + c.type + "' is not generated per target");
        }
        // Past the estimate (or without one): room for what the targets so far project,
        // so that the vectors grow a few times rather than doubling 24 times.
        if (src_rel.size() + sources.size() > src_rel.capacity()) {
          const double so_far = static_cast<double>(src_rel.size() + sources.size());
          const auto n =
              std::max(static_cast<std::size_t>(so_far * 1.1 * static_cast<double>(owned) /
                                                static_cast<double>(done + 1)),
                       src_rel.capacity() * 3 / 2 + sources.size());
          reserve(n);
        }
        ++done;
        add_target(k, sources, nullptr);
      }
    } else {
      // Connectors not generated per target: collect (post position, pre position,
      // list row) for owned targets, then order by target (stable).
      struct pair {
        uint32_t k, i;
        std::size_t row;
      };
      std::vector<pair> pairs;
      switch (kind) {
        case connector_kind::fixed_number_post: {
          const bool repl = c.with_replacement.value_or(false);
          for (uint64_t i = 0; i < n_pre; ++i) {
            philox_stream rng(seed, purpose::connectivity, proj, pre[i]);
            int64_t excluded = -1;
            if (!c.allow_self_connections) {
              auto it = std::find(post.begin(), post.end(), pre[i]);
              if (it != post.end()) excluded = it - post.begin();
            }
            if (!repl && static_cast<uint64_t>(c.n) > post.size() - (excluded >= 0))
              throw model_error(
                  f + ".connector.n",
                  "n = " + std::to_string(c.n) + " exceeds the candidates without self-connection");
            choose(rng, post.size(), c.n, repl, excluded, sources, scratch);
            for (uint32_t k : sources)
              if (owns(post[k])) pairs.push_back({k, static_cast<uint32_t>(i), 0});
          }
          break;
        }
        case connector_kind::fixed_total_number: {
          const bool repl = c.with_replacement.value_or(true);
          philox_stream rng(seed, purpose::global, proj, 0);
          std::unordered_set<uint64_t> seen;
          int64_t made = 0, tries = 0;
          while (made < c.n) {
            if (++tries > 100 * c.n + 1000)
              throw model_error(f + ".connector.n",
                                "cannot place " + std::to_string(c.n) + " distinct connections");
            const auto i = static_cast<uint32_t>(rng.below(n_pre));
            const auto k = static_cast<uint32_t>(rng.below(post.size()));
            if (!c.allow_self_connections && pre[i] == post[k]) continue;
            if (!repl && !seen.insert(uint64_t{i} * post.size() + k).second) continue;
            ++made;
            if (owns(post[k])) pairs.push_back({k, i, 0});
          }
          break;
        }
        case connector_kind::from_list:
          for (std::size_t r = 0; r < c.list.size(); ++r) {
            const auto i = static_cast<uint32_t>(c.list[r][0]);
            const auto k = static_cast<uint32_t>(c.list[r][1]);
            if (owns(post[k])) pairs.push_back({k, i, r});
          }
          break;
        default:
          throw internal_error("connector '" + c.type + "' is generated per target");
      }
      std::stable_sort(pairs.begin(), pairs.end(),
                       [](const pair& a, const pair& b) { return a.k < b.k; });
      std::vector<std::size_t> rows;
      for (std::size_t a = 0; a < pairs.size();) {
        std::size_t b = a;
        sources.clear();
        rows.clear();
        while (b < pairs.size() && pairs[b].k == pairs[a].k) {
          sources.push_back(pairs[b].i);
          rows.push_back(pairs[b].row);
          ++b;
        }
        add_target(pairs[a].k, sources, list_values ? &rows : nullptr);
        a = b;
      }
    }

    // Transpose to rows by source (counting sort, stable: keeps canonical order).
    transpose_rows(gen, hetero_w, hetero_d, late_w ? &weights : nullptr, tab);
    tab.finish_rows();
    setup_synapses(net_, pr, f, st_, tab);
    st_.tables.push_back(std::move(tab));
  }

  // A delay in whole steps (rounded to the nearest). Delays of 2^31 steps or more
  // (HNN's distance rule gives up to 1e7 ms and more, even +inf) can never deliver: a run
  // is limited to fewer steps (simulation::run checks), so such connections are not
  // made and `never` is returned.
  static constexpr uint32_t never = UINT32_MAX;
  uint32_t delay_steps(double delay, const std::string& field) const {
    const double steps = delay / net_.dt;
    if (std::isnan(steps) || steps < 1.0 - 1e-9)
      throw model_error(
          field, "delay " + fmt(delay) + " ms is below the time step " + fmt(net_.dt) + " ms");
    if (!(steps < 2147483648.0)) return never;
    return static_cast<uint32_t>(std::round(steps));
  }

  // HNN drives (docs/hnn.md): every event of a drive cell onto a target this VP owns,
  // precomputed with its arrival rounded to the grid once, as NEURON does for VecStim
  // events: an event of time t and delay D reaches the target at the grid time t_n
  // nearest to t + D (ties to the earlier), i.e. it is added to the ring slot of step
  // n - 1 and acts from t_n on. (n = 0 is moved to step 0: it acts at dt.)
  void build_drives() {
    for (std::size_t i = 0; i < net_.drives.size(); ++i) {
      const drive& d = net_.drives[i];
      if (!is_event_drive(d)) continue;
      std::size_t pd = net_.populations.size();
      for (std::size_t p = 0; p < net_.populations.size(); ++p)
        if (net_.populations[p].label == d.label) pd = p;
      if (pd == net_.populations.size()) continue;  // no drive cells
      const auto& times = net_.populations[pd].spike_times;
      int64_t base = 0;
      for (std::size_t q : drive_targets(net_, d)) {
        const population& pop = net_.populations[q];
        const cell_type_info* type = find_cell_type(net_, pop.cell_type);
        const int ra = receptor_index(*type, d.location + "_ampa");
        const int rn = receptor_index(*type, d.location + "_nmda");
        for (int64_t c = 0; c < pop.size; ++c) {
          const uint64_t gid = layout_.offset[q] + static_cast<uint64_t>(c);
          if (!owns(gid)) continue;
          const auto x = position(gid);
          const drive_connection dc = drive_connection_to(net_, d, q, c, base, x[0], x[1]);
          const uint32_t cell = local_index(gid);
          // probability < 1: each (drive cell, target) pair kept with that probability,
          // drawn in drive-cell order from the target's own stream (layout-independent).
          philox_stream keep(d.seed, purpose::drive, 2 + static_cast<uint32_t>(i), gid);
          for (int64_t k = dc.first; k < dc.end; ++k) {
            if (d.probability < 1.0 && !(keep.uniform() < d.probability)) continue;
            for (double t : times[static_cast<std::size_t>(k)]) {
              const double arrival = (t + dc.delay) / net_.dt - 0.5;
              if (!(arrival < 4e18)) continue;  // never arrives
              const int64_t step =
                  std::max<int64_t>(0, static_cast<int64_t>(std::ceil(arrival)) - 1);
              if (dc.weight_ampa != 0)
                st_.queue.push_back({step, st_.queue_seq++, cell, ra, dc.weight_ampa});
              if (dc.weight_nmda != 0)
                st_.queue.push_back({step, st_.queue_seq++, cell, rn, dc.weight_nmda});
            }
          }
        }
        if (d.cell_specific) base += pop.size;
      }
    }
    std::make_heap(st_.queue.begin(), st_.queue.end(), std::greater<>());
  }

  const network& net_;
  const gid_layout& layout_;
  int vp_, n_vp_;
  vp_state& st_;
  const std::vector<projection_table>* prev_;
  const std::vector<table_reuse>* reuse_;
  generated_connections gen_;  // build_projection's connections, in generation order
};

}  // namespace

bool negative_weights(const network& net, const projection& pr, const std::string& field) {
  for (std::size_t p : populations_of(net, pr.post, field))
    if (find_cell_type(net, net.populations[p].cell_type)->synapse_kind == "conductance")
      return false;
  return pr.receptor == "inhibitory";
}

std::vector<table_reuse> build_vp(const network& net, const gid_layout& layout, int vp, int n_vp,
                                  vp_state& st, const std::vector<projection_table>* prev,
                                  const std::vector<table_reuse>* reuse) {
  st.vp = vp;
  return vp_builder(net, layout, vp, n_vp, st, prev, reuse).build();
}

}  // namespace myelin::detail

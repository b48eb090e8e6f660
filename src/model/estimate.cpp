#include "model/estimate.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <variant>

#include "model/catalogue.hpp"
#include "model/format.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"
#include "random/distributions.hpp"

namespace myelin {
namespace detail {
namespace {

// The largest value a weight or delay can take (for the ring's length), or `fallback`
// when it has no finite bound.
double upper(const value_spec& v, double fallback) {
  if (const double* x = std::get_if<double>(&v)) return *x;
  if (const auto* a = std::get_if<std::vector<double>>(&v))
    return a->empty() ? 0.0 : *std::max_element(a->begin(), a->end());
  if (const auto* d = std::get_if<distribution>(&v)) {
    const double hi = sampler(*d, "").upper_bound();
    return std::isfinite(hi) ? hi : fallback;
  }
  return fallback;
}

bool varies(const value_spec& v) {
  return !std::holds_alternative<double>(v);
}

}  // namespace

double expected_connections(connector_kind kind, const connector& c, double n_pre, double n_post) {
  const double n = static_cast<double>(c.n);
  switch (kind) {
    case connector_kind::all_to_all:
      return n_pre * n_post;
    case connector_kind::one_to_one:
      return n_post;  // = n_pre (validated)
    case connector_kind::fixed_probability:
      return std::clamp(c.p, 0.0, 1.0) * n_pre * n_post;
    case connector_kind::fixed_number_pre:
      return n * n_post;
    case connector_kind::fixed_number_post:
      return n * n_pre;
    case connector_kind::fixed_total_number:
      return n;
    case connector_kind::from_list:
      return static_cast<double>(c.list.size());
    case connector_kind::from_arrays:
      return static_cast<double>(c.pre.size());
    case connector_kind::distance_dependent_probability:
      return 0.0;  // depends on the positions
  }
  return 0.0;
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024 && u < 6) {
    b /= 1024;
    ++u;
  }
  char buf[48];
  if (u == 6 && b >= 1024)
    std::snprintf(buf, sizeof buf, "%.3g EiB", b);
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", b, units[u]);
  return buf;
}

}  // namespace detail

using namespace detail;

memory_estimate estimate_memory(const network& net) {
  memory_estimate m;
  const gid_layout layout(net);
  // Ring buffers: one row per receptor and cell for every step of the longest delay; past
  // 4096 steps the engine keeps a ring of ~32 MiB and queues the longer delays.
  double max_delay = net.dt;
  for (const auto& pr : net.projections) {
    max_delay = std::max(max_delay, upper(pr.delay, net.dt));
    for (double d : pr.conn.delays)  // FromArrays' column (validated finite)
      max_delay = std::max(max_delay, d);
  }
  const double steps = std::round(max_delay / net.dt);
  double ring_rows = 0;  // receptors x cells
  double cable_cells = 0;
  for (const auto& p : net.populations) {
    const cell_type_info* t = find_cell_type(net, p.cell_type);
    if (!t) continue;
    const double size = static_cast<double>(p.size);
    const bool cable = t->multi_compartment;  // basket cells too, not only dipole makers
    if (cable) cable_cells += size;
    // Point cells: a column per parameter and state variable, plus propagators; cable
    // cells: dozens of compartments with their own columns (16 KiB is HNN's smallest).
    const double per_cell =
        cable ? 16384.0 : 8.0 * static_cast<double>(t->params.size() + 2 * t->state.size() + 8);
    m.cells += size * per_cell;
    ring_rows += size * (t->synapse_kind == "none" ? 0.0 : 2.0);
  }
  m.cells += steps <= 4096 ? 8.0 * ring_rows * (steps + 1)
                           : std::min(8.0 * ring_rows * (steps + 1), 32.0 * 1048576.0);
  // Electrode arrays: a single-precision transfer weight per segment, cell and electrode
  // (bounded by 64 segments a cell: HNN's L5 pyramidal has 55), and per electrode and
  // step its potential and its fixed-point sum (8 + 16 bytes).
  for (const electrode_array& a : net.electrode_arrays) {
    const double n_el = static_cast<double>(a.positions.size());
    m.cells += 4.0 * 64.0 * cable_cells * n_el;
    m.recording += 24.0 * n_el * (std::round(net.tstop / net.dt) + 1);
  }
  for (std::size_t i = 0; i < net.projections.size(); ++i) {
    const auto& pr = net.projections[i];
    const std::string f = "projections[" + std::to_string(i) + "]";
    const double n_pre = static_cast<double>(count_selection(net, layout, pr.pre, f + ".pre"));
    const double n_post = static_cast<double>(count_selection(net, layout, pr.post, f + ".post"));
    const double n = expected_connections(connector_kind_of(pr.conn.type), pr.conn, n_pre, n_post);
    m.synapse_count += n;
    // A target index per synapse, a weight and a delay only when they vary.
    // FromArrays: its columns, where given, are the weights and delays.
    const bool w_column = !pr.conn.weights.empty(), d_column = !pr.conn.delays.empty();
    m.synapses += n * (4.0 + (varies(pr.weight) || w_column ? 8.0 : 0.0) +
                       (varies(pr.delay) || d_column ? 2.0 : 0.0));
  }
  for (std::size_t r = 0; r < net.recorders.size(); ++r) {
    const recorder& rec = net.recorders[r];
    const double cells = static_cast<double>(
        count_selection(net, layout, rec.target, "recorders[" + std::to_string(r) + "].target"));
    const double steps = net.tstop / net.dt;
    const double interval = rec.interval > 0 ? std::max(1.0, std::round(rec.interval / net.dt)) : 1;
    const double w1 = std::min(net.tstop, rec.stop.value_or(net.tstop));
    const double window = std::max(0.0, w1 - rec.start);
    for (const auto& v : rec.variables) {
      if (v == "spikes")
        m.recording += cells * 100.0 * window / 1000.0 * 16.0;
      else
        m.recording += cells * (std::floor(steps / interval) + 1) * 8.0 * (window / net.tstop);
    }
  }
  return m;
}

namespace detail {

double available_memory() {
  double avail =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  for (const int res : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit lim{};
    if (getrlimit(res, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
      avail = std::min(avail, static_cast<double>(lim.rlim_cur));
  }
  std::ifstream cg("/sys/fs/cgroup/memory.max");
  std::string word;
  if (cg >> word && word != "max") {
    try {
      avail = std::min(avail, std::stod(word));
    } catch (const std::exception&) {
    }
  }
  return avail;
}

void check_memory(const network& net, int ranks, double max_record_memory, bool record_limit) {
  const memory_estimate m = estimate_memory(net);
  const double record_limit_bytes =
      max_record_memory > 0 ? max_record_memory : myelin::default_record_limit();
  if (record_limit && m.recording > record_limit_bytes)
    throw error("recorders would need about " + human_bytes(m.recording) + " for tstop = " +
                fmt(net.tstop) + " ms, above the limit of " + human_bytes(record_limit_bytes) +
                "; record fewer cells or variables, use a longer sampling interval, a "
                "start/stop window, or raise the limit (--max-record-memory)");
  // A recording above the limit is streamed to disk by a run with an output directory,
  // so memory holds at most the limit's worth of it.
  const double held = m.cells + m.synapses + std::min(m.recording, record_limit_bytes);
  const double share = held / std::max(1, ranks);
  const double avail = available_memory();
  if (share > avail) {
    char count[32];
    std::snprintf(count, sizeof count, "%.3g", m.synapse_count);
    throw error("the model needs at least " + human_bytes(share) +
                (ranks > 1 ? " per rank (" + std::to_string(ranks) + " ranks)" : "") + " (cells " +
                human_bytes(m.cells) + ", " + count + " synapses " + human_bytes(m.synapses) +
                ", recording " + human_bytes(std::min(m.recording, record_limit_bytes)) +
                " held in memory), more than the " + human_bytes(avail) +
                " this process may use; reduce the populations or connections, or "
                "spread the model over more MPI ranks or machines");
  }
}

}  // namespace detail

double default_record_limit() {
  return 0.5 * static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<double>(sysconf(_SC_PAGE_SIZE));
}

void check_memory(const network& net, int ranks, double max_record_memory) {
  detail::check_memory(net, ranks, max_record_memory, false);
}

}  // namespace myelin

// Summaries of one run (docs/batch.md, "Summaries"): per population spike counts and
// rates, the ISI CV, the Fano factor of the population's spike count and a synchrony
// measure; with HNN dipoles, the extrema of the smoothed aggregate dipole and their times.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "batch/internal.hpp"
#include "io/writers.hpp"

namespace myelin::batch::detail {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Populations whose spikes some recorder records (others have no spike times).
std::set<std::string> spike_recorded(const network& net) {
  std::set<std::string> out;
  for (const auto& r : net.recorders)
    if (std::find(r.variables.begin(), r.variables.end(), "spikes") != r.variables.end())
      for (const auto& part : r.target.parts) out.insert(part.population);
  return out;
}

// Mean over cells with >= 3 spikes (two intervals) of std/mean of their ISIs (population
// std). One interval has no spread to measure.
double isi_cv(const spike_data& s) {
  std::vector<std::vector<double>> by_cell;
  for (std::size_t k = 0; k < s.times.size(); ++k) {
    const auto id = static_cast<std::size_t>(s.node_ids[k]);
    if (id >= by_cell.size()) by_cell.resize(id + 1);
    by_cell[id].push_back(s.times[k]);
  }
  double sum = 0;
  int cells = 0;
  for (const auto& t : by_cell) {
    if (t.size() < 3) continue;
    const auto n = static_cast<double>(t.size() - 1);
    double mean = 0, var = 0;
    for (std::size_t i = 1; i < t.size(); ++i) mean += t[i] - t[i - 1];
    mean /= n;
    for (std::size_t i = 1; i < t.size(); ++i)
      var += (t[i] - t[i - 1] - mean) * (t[i] - t[i - 1] - mean);
    if (mean > 0) {
      sum += std::sqrt(var / n) / mean;
      ++cells;
    }
  }
  return cells > 0 ? sum / cells : nan;
}

// Fano factor (variance / mean over bins) of the population's spike count in bins of
// `bin` ms over [0, n_bins bin), and Golomb's synchrony chi computed on spike counts:
// sqrt(var_t(mean_i n_i(t)) / mean_i var_t(n_i(t))) over the cells that spiked, n_i(t)
// cell i's count in bin t (0: asynchronous, 1: every cell alike).
std::pair<double, double> fano_and_chi(const spike_data& s, double bin, std::size_t n_bins) {
  if (n_bins < 2) return {nan, nan};
  std::vector<double> total(n_bins, 0.0);
  struct cell {
    std::size_t bin = 0;
    double count = 0, sum = 0, sum_sq = 0;  // current bin's count; sums over closed bins
  };
  std::vector<cell> cells;
  std::vector<char> active;
  for (std::size_t k = 0; k < s.times.size(); ++k) {
    const double b = std::floor(s.times[k] / bin);
    if (b < 0 || b >= static_cast<double>(n_bins)) continue;
    const auto t = static_cast<std::size_t>(b);
    const auto id = static_cast<std::size_t>(s.node_ids[k]);
    if (id >= cells.size()) cells.resize(id + 1), active.resize(id + 1, 0);
    total[t] += 1;
    cell& c = cells[id];
    active[id] = 1;
    if (t != c.bin) {  // spikes come sorted by time: the cell's earlier bin is closed
      c.sum += c.count;
      c.sum_sq += c.count * c.count;
      c.count = 0;
      c.bin = t;
    }
    c.count += 1;
  }
  const auto nb = static_cast<double>(n_bins);
  double mean = 0, var = 0;
  for (const double x : total) mean += x;
  mean /= nb;
  for (const double x : total) var += (x - mean) * (x - mean);
  var /= nb;
  const double fano = mean > 0 ? var / mean : nan;
  double n_active = 0, cell_var = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (!active[i]) continue;
    cell c = cells[i];
    c.sum += c.count;
    c.sum_sq += c.count * c.count;
    const double m = c.sum / nb;
    cell_var += c.sum_sq / nb - m * m;
    n_active += 1;
  }
  if (n_active == 0 || cell_var <= 0) return {fano, nan};
  // The population mean count per bin is total / n_active: its variance is var / n^2.
  const double pop_var = var / (n_active * n_active);
  return {fano, std::sqrt(pop_var / (cell_var / n_active))};
}

// A population's spikes from a streamed run's spikes.h5 (the same values, in the same
// order, as simulation::spikes() of the run in memory; docs/output-files.md). One
// population at a time: the file may hold more than the recording memory limit.
spike_data streamed_spikes(const std::string& file, const std::string& population) {
  const std::lock_guard<std::mutex> lock(hdf5_mutex());
  auto t = myelin::detail::read_spikes_sonata(file, population);
  return {std::move(t.times), std::move(t.node_ids)};
}

}  // namespace

std::vector<std::pair<std::string, double>> summarize(const simulation& sim,
                                                      const hnn_dipole_signals& dipoles,
                                                      double bin_ms, const std::string& run_dir) {
  std::vector<std::pair<std::string, double>> out;
  const network& net = sim.model();
  const std::set<std::string> recorded = spike_recorded(net);
  const auto n_bins = static_cast<std::size_t>(std::floor(sim.time() / bin_ms + 1e-9));
  for (const auto& p : sim.summary()) {
    out.emplace_back("spikes_" + p.label, static_cast<double>(p.spike_count));
    out.emplace_back("rate_" + p.label + "_Hz", p.mean_rate_hz);
    double cv = nan, fano = nan, chi = nan;
    if (recorded.count(p.label)) {
      const spike_data s =
          sim.streaming()
              ? streamed_spikes((std::filesystem::path(run_dir) / "spikes.h5").string(), p.label)
              : sim.spikes(p.label);
      cv = isi_cv(s);
      std::tie(fano, chi) = fano_and_chi(s, bin_ms, n_bins);
    }
    out.emplace_back("isi_cv_" + p.label, cv);
    out.emplace_back("fano_" + p.label, fano);
    out.emplace_back("sync_chi_" + p.label, chi);
  }
  if (!dipoles.layers.empty() && !dipoles.agg_smooth.empty()) {
    const auto& a = dipoles.agg_smooth;
    const auto lo = std::min_element(a.begin(), a.end());
    const auto hi = std::max_element(a.begin(), a.end());
    out.emplace_back("agg_smooth_min_nAm", *lo);
    out.emplace_back("agg_smooth_max_nAm", *hi);
    out.emplace_back("agg_smooth_tmin_ms", static_cast<double>(lo - a.begin()) * net.dt);
    out.emplace_back("agg_smooth_tmax_ms", static_cast<double>(hi - a.begin()) * net.dt);
  }
  return out;
}

}  // namespace myelin::batch::detail

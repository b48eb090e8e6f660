// HNN-core's dipole postprocessing on top of the public simulation API: layer sums,
// baseline renormalisation, scaling to nAm, Hamming smoothing, and the dipole CSV files.

#include "hnn/dipoles.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "io/writers.hpp"
#include "myelin/hnn.hpp"

namespace myelin {
namespace detail {

double hnn_baseline(const std::string& cell_type, double n, double t) {
  if (cell_type.starts_with("L2_pyramidal")) return n * 0.0443;
  if (cell_type.starts_with("L5_pyramidal")) {
    if (t <= 37.0) return n * -49.0502;
    if (t < 750.0) return n * (3.4770508e-3 * t - 51.231085);
    return n * (1.01e-4 * t - 48.412078);
  }
  return 0.0;
}

// numpy.convolve(x, hamming(m) / sum, "same") (zero padding, centred) in O(n) instead of
// O(n m): out[i] = sum over j of x[j] w[i + off - j], 0 <= i + off - j < m, off = (m-1)/2.
// The window is a constant plus a cosine, w[k] = (a - b cos(theta k)) / S with
// theta = 2 pi / (m - 1), and cos(theta (i + off - j)) = cos(phi_i) cos(theta j) +
// sin(phi_i) sin(theta j) with phi_i = theta (i + off). So each output is a combination of
// three sums over its window (x, x cos, x sin), each the difference of two prefix sums.
// The prefix sums are kept in long double (x87: 11 more bits), so their rounding stays
// ~1e-16 of the signal's peak like the direct sum's; the cosines are the window's own
// (angles reduced mod m - 1 exactly). The same bits on every build (no SIMD involved).
std::vector<double> hamming_smooth(const std::vector<double>& x, std::size_t m) {
  const std::size_t n = x.size();
  if (m < 2 || n == 0) return x;
  const std::size_t period = m - 1, off = (m - 1) / 2;
  std::vector<double> c(period), sn(period);
  for (std::size_t k = 0; k < period; ++k) {
    const double angle =
        2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(period);
    c[k] = std::cos(angle);
    sn[k] = std::sin(angle);
  }
  double sum = 0;  // the window's normalisation (numpy: w.sum())
  for (std::size_t k = 0; k < m; ++k) sum += 0.54 - 0.46 * c[k % period];
  // p[3 j + q]: sums over x[0 .. j-1] of x, x cos(theta j), x sin(theta j).
  std::vector<long double> p(3 * (n + 1), 0.0L);
  for (std::size_t j = 0; j < n; ++j) {
    const long double xj = x[j];
    p[3 * j + 3] = p[3 * j] + xj;
    p[3 * j + 4] = p[3 * j + 1] + xj * c[j % period];
    p[3 * j + 5] = p[3 * j + 2] + xj * sn[j % period];
  }
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // j from max(0, i + off - (m - 1)) to min(n - 1, i + off)
    const std::size_t lo = i + off >= m - 1 ? i + off - (m - 1) : 0;
    const std::size_t hi = std::min(n - 1, i + off) + 1;
    const long double s0 = p[3 * hi] - p[3 * lo];
    const long double s1 = p[3 * hi + 1] - p[3 * lo + 1];
    const long double s2 = p[3 * hi + 2] - p[3 * lo + 2];
    const std::size_t phase = (i + off) % period;
    out[i] = static_cast<double>((0.54L * s0 - 0.46L * (c[phase] * s1 + sn[phase] * s2)) / sum);
  }
  return out;
}

}  // namespace detail

hnn_dipole_signals hnn_dipoles(const simulation& sim) {
  const auto dipo = sim.dipoles();  // collective
  hnn_dipole_signals out;
  if (sim.rank() != 0 || dipo.empty()) return out;
  const network& net = sim.model();
  std::vector<std::string> types;
  std::vector<double> cells;  // per layer: the cells that contribute to its dipole
  for (const auto& d : dipo) {
    std::string name = d.cell_type;
    if (const auto u = name.find('_'); u != std::string::npos) name = name.substr(0, u);
    auto it = std::find(out.layers.begin(), out.layers.end(), name);
    if (it == out.layers.end()) {
      out.layers.push_back(name);
      out.layer.emplace_back(d.values.size(), 0.0);
      it = out.layers.end() - 1;
    }
    auto& c = out.layer[static_cast<std::size_t>(it - out.layers.begin())];
    for (std::size_t k = 0; k < c.size(); ++k) c[k] += d.values[k];
    if (types.size() < out.layers.size()) types.push_back(d.cell_type);
    cells.resize(out.layers.size(), 0.0);
    for (const auto& p : net.populations)
      if (p.label == d.population) cells[it - out.layers.begin()] += static_cast<double>(p.size);
  }
  for (std::size_t l = 0; l < out.layers.size(); ++l) {
    const double n = cells[l];
    for (std::size_t k = 0; k < out.layer[l].size(); ++k)
      out.layer[l][k] -= detail::hnn_baseline(types[l], n, static_cast<double>(k) * net.dt);
  }
  const std::size_t n_t = out.layer[0].size();
  out.agg.assign(n_t, 0.0);
  for (auto& c : out.layer)
    for (std::size_t k = 0; k < n_t; ++k) {
      c[k] *= 1e-6;  // fAm -> nAm
      out.agg[k] += c[k];
    }
  const auto win = static_cast<std::size_t>(std::llround(30.0 / net.dt));
  auto smooth = [&](const std::vector<double>& x) {
    auto y = detail::hamming_smooth(x, win);
    for (double& v : y) v *= 3000.0;
    return y;
  };
  out.agg_smooth = smooth(out.agg);
  for (const auto& c : out.layer) out.layer_smooth.push_back(smooth(c));
  return out;
}

std::vector<output_file> hnn_dipole_files(const hnn_dipole_signals& dipoles, double dt) {
  if (dipoles.layers.empty()) return {};
  // Shared by both files' writers: one copy of the signals, however often they are called.
  const auto d = std::make_shared<const hnn_dipole_signals>(dipoles);
  return {{"dipole.csv",
           [d, dt](const std::string& path) {
             detail::write_dipole_csv(path, dt, d->layers, d->agg, d->layer);
           }},
          {"dipole_smooth.csv", [d, dt](const std::string& path) {
             detail::write_dipole_csv(path, dt, d->layers, d->agg_smooth, d->layer_smooth);
           }}};
}

}  // namespace myelin

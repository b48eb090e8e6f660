// HNN-style drives: validation, spike-time generation and expansion (docs/hnn.md).

#include "hnn/drives.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model/format.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"
#include "random/rng.hpp"

namespace myelin {
namespace detail {
namespace {

// Parameters of each drive type with their defaults (NaN: the model's tstop).
const std::map<std::string, std::map<std::string, double>>& drive_schemas() {
  static const std::map<std::string, std::map<std::string, double>> s{
      {"evoked", {{"mu", 0.0}, {"sigma", 0.0}, {"numspikes", 1.0}}},
      {"poisson", {{"rate", 10.0}, {"tstart", 0.0}, {"tstop", NAN}}},
      {"bursty",
       {{"tstart", 0.0},
        {"tstart_std", 0.0},
        {"tstop", NAN},
        {"burst_rate", 10.0},
        {"burst_std", 0.0},
        {"numspikes", 2.0},
        {"spike_isi", 10.0}}},
      {"tonic", {{"tstart", 0.0}, {"tstop", NAN}}},
  };
  return s;
}

double param(const network& net, const drive& d, const std::string& k) {
  auto it = d.params.find(k);
  double v = it != d.params.end() ? it->second : drive_schemas().at(d.type).at(k);
  return std::isnan(v) ? net.tstop : v;
}

}  // namespace

bool is_event_drive(const drive& d) {
  return d.type != "tonic";
}

std::vector<std::size_t> drive_targets(const network& net, const drive& d) {
  std::vector<std::size_t> out;
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    const std::string& l = net.populations[p].label;
    if (d.weights_ampa.count(l) || d.weights_nmda.count(l) || d.amplitudes.count(l))
      out.push_back(p);
  }
  return out;
}

int64_t drive_cell_count(const network& net, const drive& d) {
  if (!d.cell_specific) return d.n_drive_cells;
  int64_t n = 0;
  for (std::size_t p : drive_targets(net, d)) n += net.populations[p].size;
  return n;
}

drive_connection drive_connection_to(const network& net, const drive& d, std::size_t target,
                                     int64_t index, int64_t base, double x, double y) {
  const std::string& label = net.populations[target].label;
  const double dx = x - d.origin[0], dy = y - d.origin[1];
  const double f = std::exp(-(dx * dx + dy * dy) / (d.space_constant * d.space_constant));
  drive_connection c;
  c.first = d.cell_specific ? base + index : 0;
  c.end = d.cell_specific ? base + index + 1 : drive_cell_count(net, d);
  const auto wa = d.weights_ampa.find(label), wn = d.weights_nmda.find(label);
  if (wa != d.weights_ampa.end()) c.weight_ampa = wa->second * f;
  if (wn != d.weights_nmda.end()) c.weight_nmda = wn->second * f;
  const auto di = d.delays.find(label);
  c.delay = (di == d.delays.end() ? 0.1 : di->second) / f;
  return c;
}

void check_drives(const network& net) {
  std::set<std::string> labels;
  for (const auto& p : net.populations) labels.insert(p.label);
  const auto& schemas = drive_schemas();
  for (std::size_t i = 0; i < net.drives.size(); ++i) {
    const drive& d = net.drives[i];
    const std::string f = "drives[" + std::to_string(i) + "]";
    if (d.label.empty() || d.label.find_first_of("/.") != std::string::npos)
      throw model_error(f + ".label",
                        "must be non-empty without '/' or '.', got '" + d.label + "'");
    if (!labels.insert(d.label).second)
      throw model_error(f + ".label", "'" + d.label + "' is already a population or drive label");
    auto sch = schemas.find(d.type);
    if (sch == schemas.end())
      throw model_error(f + ".type", "unknown drive type '" + d.type +
                                         "' (allowed: bursty, evoked, poisson, tonic)");
    for (const auto& [k, v] : d.params) {
      if (!sch->second.count(k)) {
        std::vector<std::string> allowed;
        for (const auto& [n, x] : sch->second) allowed.push_back(n);
        throw model_error(f + "." + k, "not a parameter of " + d.type +
                                           " drives (allowed: " + join(allowed) + ")");
      }
      const bool nonneg = k == "sigma" || k == "tstart_std" || k == "burst_std" ||
                          k == "spike_isi" || k == "tstart" || k == "tstop";
      if (nonneg && v < 0) throw model_error(f + "." + k, "must be >= 0, got " + fmt(v));
      if ((k == "rate" || k == "burst_rate") && !(v > 0))
        throw model_error(f + "." + k, "must be > 0 Hz, got " + fmt(v));
      if (k == "numspikes" && (v < 1 || v != std::floor(v) || v > 1e6))
        throw model_error(f + "." + k, "must be an integer >= 1, got " + fmt(v));
    }
    if (sch->second.count("tstart") && param(net, d, "tstart") > param(net, d, "tstop"))
      throw model_error(f + ".tstop", "must be >= tstart");
    if (!(d.space_constant > 0) || !std::isfinite(d.space_constant))
      throw model_error(f + ".space_constant", "must be > 0, got " + fmt(d.space_constant));
    if (d.origin.size() != 2) throw model_error(f + ".origin", "expected [x, y]");
    if (!(d.probability >= 0 && d.probability <= 1))
      throw model_error(f + ".probability", "must be in [0, 1], got " + fmt(d.probability));
    if (!d.cell_specific && d.n_drive_cells < 1)
      throw model_error(f + ".n_drive_cells", "must be >= 1");
    if (d.cell_specific && d.n_drive_cells != 1)
      throw model_error(f + ".n_drive_cells",
                        "a cell-specific drive has one drive cell per target cell (HNN-core's "
                        "'n_cells'); n_drive_cells needs cell_specific: false");
    if (d.type == "tonic") {
      if (d.amplitudes.empty())
        throw model_error(f + ".amplitudes", "a tonic drive needs an amplitude per population");
      if (!d.weights_ampa.empty() || !d.weights_nmda.empty() || !d.spike_times.empty())
        throw model_error(f, "a tonic drive takes amplitudes, not weights or spike_times");
      for (const auto& [l, a] : d.amplitudes) {
        const std::size_t p = find_population(net, l, f + ".amplitudes." + l);
        if (find_cell_type(net, net.populations[p].cell_type)->synapse_kind == "none")
          throw model_error(f + ".amplitudes." + l, "'" + l + "' is a spike source");
        (void)a;
      }
      continue;
    }
    if (!d.amplitudes.empty())
      throw model_error(f + ".amplitudes", "only tonic drives take amplitudes");
    if (!d.rates.empty()) {
      if (d.type != "poisson")
        throw model_error(f + ".rates", "only poisson drives take rates per population");
      if (d.params.count("rate"))
        throw model_error(f + ".rates", "give either rate (every drive cell) or rates");
      if (!d.cell_specific)
        throw model_error(f + ".rates",
                          "rates per population need a cell-specific drive (cell_specific: "
                          "true): a shared drive cell has one rate");
      std::set<std::string> targets;
      for (std::size_t p : drive_targets(net, d)) targets.insert(net.populations[p].label);
      for (const auto& [l, x] : d.rates) {
        find_population(net, l, f + ".rates." + l);
        if (!targets.count(l))
          throw model_error(f + ".rates." + l,
                            "'" + l + "' is not a target of this drive (it has no weights)");
        if (!(x > 0) || !std::isfinite(x))
          throw model_error(f + ".rates." + l, "must be > 0 Hz, got " + fmt(x));
      }
      for (const auto& l : targets)
        if (!d.rates.count(l))
          throw model_error(f + ".rates", "no rate for target population '" + l + "'");
    }
    if (d.weights_ampa.empty() && d.weights_nmda.empty())
      throw model_error(f, "give weights_ampa and/or weights_nmda per target population");
    for (const char* rec : {"ampa", "nmda"}) {
      const auto& w = std::string(rec) == "ampa" ? d.weights_ampa : d.weights_nmda;
      const std::string fw = f + ".weights_" + rec;
      for (const auto& [l, x] : w) {
        const std::size_t p = find_population(net, l, fw + "." + l);
        if (!(x >= 0)) throw model_error(fw + "." + l, "must be >= 0 uS, got " + fmt(x));
        const population& pop = net.populations[p];
        const cell_type_info* t = find_cell_type(net, pop.cell_type);
        const std::string port = d.location + "_" + rec;
        if (receptor_index(*t, port) < 0)
          throw model_error(f + ".location", "'" + d.location + "': population '" + l + "' (" +
                                                 t->name + ") has no " + port + " input");
        if (!pop.positions)
          throw model_error(fw + "." + l, "population '" + l +
                                              "' needs positions (drive weights and delays "
                                              "depend on the distance from the drive's origin)");
      }
    }
    for (const auto& [l, x] : d.delays) {
      find_population(net, l, f + ".delays." + l);
      // A target the drive gives no weight receives nothing: its delay may be 0 (HNN-core
      // writes zero weights with zero delays for cell types a drive leaves out).
      const auto wa = d.weights_ampa.find(l), wn = d.weights_nmda.find(l);
      const bool silent = (wa == d.weights_ampa.end() || wa->second == 0) &&
                          (wn == d.weights_nmda.end() || wn->second == 0);
      if (silent ? !(x >= 0) || !std::isfinite(x) : !(x > 0) || !std::isfinite(x))
        throw model_error(f + ".delays." + l,
                          silent
                              ? "must be >= 0 ms, got " + fmt(x)
                              : "must be > 0 ms (0 only where the weights are 0), got " + fmt(x));
    }
    if (!d.spike_times.empty()) {
      const int64_t n = drive_cell_count(net, d);
      if (d.spike_times.size() != 1 && static_cast<int64_t>(d.spike_times.size()) != n)
        throw model_error(f + ".spike_times",
                          "give one list for all drive cells or one per "
                          "drive cell (" +
                              std::to_string(n) + ")");
      for (std::size_t c = 0; c < d.spike_times.size(); ++c)
        for (std::size_t k = 0; k < d.spike_times[c].size(); ++k)
          if (!(d.spike_times[c][k] >= 0) || !std::isfinite(d.spike_times[c][k]))
            throw model_error(
                f + ".spike_times[" + std::to_string(c) + "][" + std::to_string(k) + "]",
                "spike times must be finite and >= 0");
    }
  }
}

namespace {
// The streams of a drive are keyed by its seed and by a tag from its label, so drives with
// the same seed (or none: 0) still draw independent times, as HNN-core's do (it offsets
// the seed by each drive cell's gid). The tag is FNV-1a of the label folded into
// [2^23, 2^24): even for the drive cells' times, odd for a bursty drive's shared start,
// above the connection streams' small object numbers and below the purpose bits.
uint32_t drive_tag(const std::string& label) {
  uint32_t h = 2166136261u;
  for (const unsigned char ch : label) h = (h ^ ch) * 16777619u;
  return (h & 0x7FFFFEu) | 0x800000u;
}
}  // namespace

std::vector<std::vector<double>> drive_spike_times(const network& net, const drive& d) {
  const int64_t n = drive_cell_count(net, d);
  std::vector<std::vector<double>> out(static_cast<std::size_t>(n));
  if (!d.spike_times.empty()) {
    for (int64_t k = 0; k < n; ++k) {
      out[k] = d.spike_times.size() == 1 ? d.spike_times[0] : d.spike_times[k];
      std::sort(out[k].begin(), out[k].end());
    }
    return out;
  }
  // Per-population Poisson rates: drive cell k serves the k-th target cell (targets in
  // population order).
  std::vector<double> rates;
  if (!d.rates.empty())
    for (std::size_t p : drive_targets(net, d))
      rates.insert(rates.end(), static_cast<std::size_t>(net.populations[p].size),
                   d.rates.at(net.populations[p].label));
  const uint32_t tag = drive_tag(d.label);
  double start = d.type == "evoked" ? 0.0 : param(net, d, "tstart");
  if (d.type == "bursty" && param(net, d, "tstart_std") > 0) {
    philox_stream r(d.seed, purpose::drive, tag | 1u, 0);  // one start shared by the cells
    start += param(net, d, "tstart_std") * r.normal();
  }
  for (int64_t k = 0; k < n; ++k) {
    philox_stream rng(d.seed, purpose::drive, tag, static_cast<uint64_t>(k));
    std::vector<double>& t = out[k];
    if (d.type == "evoked") {
      const auto m = static_cast<int64_t>(param(net, d, "numspikes"));
      const double mu = param(net, d, "mu"), sigma = param(net, d, "sigma");
      for (int64_t j = 0; j < m; ++j) t.push_back(mu + sigma * rng.normal());
    } else if (d.type == "poisson") {
      const double rate = rates.empty() ? param(net, d, "rate") : rates[k];
      const double stop = param(net, d, "tstop");
      for (double x = start + rng.exponential() * 1000.0 / rate; x < stop;
           x += rng.exponential() * 1000.0 / rate)
        t.push_back(x);
    } else {  // bursty
      const double period = 1000.0 / param(net, d, "burst_rate"), stop = param(net, d, "tstop");
      const auto m = static_cast<int64_t>(param(net, d, "numspikes"));
      const double isi = param(net, d, "spike_isi"), jit = param(net, d, "burst_std");
      for (int64_t b = 0;; ++b) {
        const double centre = start + static_cast<double>(b) * period;
        if (!(centre < stop)) break;
        const double c = centre + jit * rng.normal();
        for (int64_t j = 0; j < m; ++j)
          t.push_back(c + (static_cast<double>(j) - 0.5 * static_cast<double>(m - 1)) * isi);
      }
    }
    t.erase(std::remove_if(t.begin(), t.end(), [&](double x) { return x <= 0 || x > net.tstop; }),
            t.end());
    std::sort(t.begin(), t.end());
  }
  return out;
}

network expand_drives(const network& in) {
  network net = in;
  for (const drive& d : in.drives) {
    if (is_event_drive(d)) {
      population p;
      p.label = d.label;
      p.cell_type = "SpikeSourceArray";
      p.spike_times = drive_spike_times(in, d);
      p.size = static_cast<int64_t>(p.spike_times.size());
      if (p.size == 0) continue;
      net.populations.push_back(std::move(p));
      recorder r;
      r.label = d.label + ":spikes";
      r.target.parts.push_back({d.label, std::nullopt, std::nullopt, 1, std::nullopt});
      r.variables = {"spikes"};
      net.recorders.push_back(std::move(r));
    } else {
      for (const auto& [label, amp] : d.amplitudes) {
        stimulus s;
        s.label = d.label + ":" + label;
        s.type = "DCSource";
        s.target.parts.push_back({label, std::nullopt, std::nullopt, 1, std::nullopt});
        s.params = {
            {"amplitude", amp}, {"start", param(in, d, "tstart")}, {"stop", param(in, d, "tstop")}};
        net.stimuli.push_back(std::move(s));
      }
    }
  }
  return net;
}

}  // namespace detail

drive_replay read_drive_replay(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw io_error("cannot open drive replay file '" + path + "'");
  const std::string where = path + ": ";
  std::string line;
  if (!std::getline(in, line))
    throw error(where + "empty file (expected a header gid,time_ms,type)");
  auto split = [](const std::string& s) {
    std::vector<std::string> v;
    std::stringstream ss(s);
    std::string x;
    while (std::getline(ss, x, ',')) {
      while (!x.empty() && (x.back() == '\r' || x.back() == ' ')) x.pop_back();
      while (!x.empty() && x.front() == ' ') x.erase(x.begin());
      v.push_back(x);
    }
    return v;
  };
  const auto header = split(line);
  int col_gid = -1, col_t = -1, col_type = -1;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == "gid") col_gid = static_cast<int>(c);
    if (header[c] == "time_ms") col_t = static_cast<int>(c);
    if (header[c] == "type") col_type = static_cast<int>(c);
  }
  for (auto [col, name] : {std::pair{col_gid, "gid"}, {col_t, "time_ms"}, {col_type, "type"}})
    if (col < 0) throw error(where + "missing column '" + name + "' (expected gid,time_ms,type)");
  const std::size_t need = static_cast<std::size_t>(std::max({col_gid, col_t, col_type})) + 1;
  drive_replay out;
  out.path = path;
  for (std::size_t row = 2; std::getline(in, line); ++row) {
    if (line.empty() || line == "\r") continue;
    const auto f = split(line);
    const std::string at = where + "row " + std::to_string(row) + ": ";
    if (f.size() < need) throw error(at + "expected " + std::to_string(need) + " columns");
    uint64_t gid = 0;
    double t = 0;
    try {
      std::size_t pos = 0;
      const long long g = std::stoll(f[col_gid], &pos);
      if (pos != f[col_gid].size() || g < 0) throw std::invalid_argument("");
      gid = static_cast<uint64_t>(g);
    } catch (const std::exception&) {
      throw error(at + "gid '" + f[col_gid] + "' is not an integer >= 0");
    }
    try {
      std::size_t pos = 0;
      t = std::stod(f[col_t], &pos);
      if (pos != f[col_t].size()) throw std::invalid_argument("");
    } catch (const std::exception&) {
      throw error(at + "time_ms '" + f[col_t] + "' is not a number");
    }
    if (!std::isfinite(t) || t < 0)
      throw error(at + "time_ms " + f[col_t] + " is negative or not finite");
    out.rows.push_back({row, gid, t, f[col_type]});
  }
  return out;
}

void replay_drives(network& net, const std::string& path) {
  replay_drives(net, read_drive_replay(path));
}

void replay_drives(network& net, const drive_replay& replay) {
  using namespace detail;
  // gid ranges of the drive cells: after every population, in drive order.
  uint64_t first = 0;
  for (const auto& p : net.populations) first += static_cast<uint64_t>(p.size);
  const uint64_t n_real = first;
  std::vector<uint64_t> lo;
  std::vector<std::vector<std::vector<double>>> times;
  for (const drive& d : net.drives) {
    lo.push_back(first);
    const int64_t n = is_event_drive(d) ? drive_cell_count(net, d) : 0;
    times.emplace_back(static_cast<std::size_t>(n));
    first += static_cast<uint64_t>(n);
  }
  const uint64_t total = first;
  for (const auto& r : replay.rows) {
    const std::string at = replay.path + ": row " + std::to_string(r.line) + ": ";
    if (r.gid >= total)
      throw error(at + "unknown gid " + std::to_string(r.gid) + " (the model has gids 0-" +
                  std::to_string(total == 0 ? 0 : total - 1) + ")");
    if (r.gid < n_real) continue;  // a spike of a simulated cell: an output, not an input
    std::size_t k = 0;
    while (k + 1 < lo.size() && r.gid >= lo[k + 1]) ++k;
    if (r.type != net.drives[k].label)
      throw error(at + "gid " + std::to_string(r.gid) + " belongs to drive '" +
                  net.drives[k].label + "', but the row says '" + r.type + "'");
    times[k][r.gid - lo[k]].push_back(r.time_ms);
  }
  for (std::size_t k = 0; k < net.drives.size(); ++k)
    if (is_event_drive(net.drives[k])) {
      for (auto& v : times[k]) std::sort(v.begin(), v.end());
      net.drives[k].spike_times = std::move(times[k]);
    }
  validate(net);
}

}  // namespace myelin

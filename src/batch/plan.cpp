// A batch's plan: the base model, the points of a sweep, and the model of every run,
// each checked before anything runs.

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hnn/drives.hpp"
#include "myelin/batch.hpp"
#include "myelin/error.hpp"

namespace myelin::batch {

namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw io_error("cannot read " + what + " '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

uint64_t fnv1a(uint64_t h, const std::string& s) {
  for (const unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return (h ^ 0xff) * 1099511628211ULL;  // a separator byte between the parts
}

using assignments = std::vector<std::pair<std::string, std::string>>;

// "vary[0].values[3] (PATH=VALUE)" for the k-th value of a vary.
std::string value_origin(const vary_spec& v, std::size_t k) {
  std::string a;
  for (const auto& p : v.paths) a += (a.empty() ? "" : ", ") + p + "=" + v.values[k];
  const bool cli = v.origin.rfind("--", 0) == 0;
  return cli ? v.origin + " value " + std::to_string(k) + " (" + a + ")"
             : v.origin + ".values[" + std::to_string(k) + "] (" + a + ")";
}

}  // namespace

plan::plan(sweep s) : spec_(std::move(s)) {
  if (spec_.trials < 1)
    throw model_error("trials", "expected an integer >= 1, got " + std::to_string(spec_.trials));
  if (!(spec_.bin_ms > 0)) throw model_error("summaries.bin_ms", "must be > 0 [ms]");
  const std::string model_path = resolve_model(spec_.model, spec_.base_dir);
  const std::string model_text = read_text(model_path, "model file");
  try {
    base_ = network_from_json_text(model_text);
    validate(base_);
  } catch (const model_error& e) {
    throw model_error("", "model '" + model_path + "': " + e.what());
  }

  // Each path is set in one place only: a fixed value and a varied one (or two varied
  // ones) for the same path would leave it to the order which one a run gets.
  std::vector<std::pair<std::string, std::string>> seen;  // (path, origin)
  auto claim = [&](const std::string& path, const std::string& origin) {
    for (const auto& [p, o] : seen)
      if (p == path)
        throw model_error("", origin + " sets '" + path + "', which " + o +
                                  " sets too: give each path in one place");
    seen.emplace_back(path, origin);
  };
  for (const auto& a : spec_.set) claim(a.path, a.origin);
  for (const auto& v : spec_.vary) {
    if (v.values.empty()) throw model_error(v.origin, "no values");
    for (const auto& p : v.paths) {
      claim(p, v.origin);
      columns_.push_back(p);
      column_origin_.push_back(v.origin);
    }
  }

  // The fixed assignments, each on its own first so that an error names its origin.
  assignments fixed;
  for (const auto& a : spec_.set) fixed.emplace_back(a.path, a.value);
  try {
    set_by_paths(base_, fixed);
  } catch (const model_error&) {
    for (const auto& a : spec_.set) {
      network probe = base_;
      try {
        set_by_paths(probe, {{a.path, a.value}});
      } catch (const model_error& e) {
        throw model_error("", a.origin + " (" + a.path + "=" + a.value + "): " + e.what());
      }
    }
    throw;
  }

  // The points: zipped (equal lengths) or every combination, the first vary outermost.
  if (spec_.vary.empty()) {
    points_.emplace_back();
  } else if (spec_.combine == combine_mode::zip) {
    const std::size_t n = spec_.vary[0].values.size();
    for (const auto& v : spec_.vary)
      if (v.values.size() != n)
        throw model_error("", spec_.vary[0].origin + " and " + v.origin +
                                  " have different lengths (" + std::to_string(n) + " and " +
                                  std::to_string(v.values.size()) +
                                  "): zipped sweeps need equal lengths; a grid (--grid, "
                                  "\"combine\": \"grid\") crosses them");
    for (std::size_t k = 0; k < n; ++k) {
      std::vector<std::string> p;
      for (const auto& v : spec_.vary)
        for (std::size_t c = 0; c < v.paths.size(); ++c) p.push_back(v.values[k]);
      points_.push_back(std::move(p));
    }
  } else {
    double total = 1;
    for (const auto& v : spec_.vary) total *= static_cast<double>(v.values.size());
    if (total * spec_.trials > 1e6) throw model_error("vary", "more than 1000000 runs in the grid");
    std::vector<std::size_t> idx(spec_.vary.size(), 0);
    for (;;) {
      std::vector<std::string> p;
      for (std::size_t s = 0; s < spec_.vary.size(); ++s)
        for (std::size_t c = 0; c < spec_.vary[s].paths.size(); ++c)
          p.push_back(spec_.vary[s].values[idx[s]]);
      points_.push_back(std::move(p));
      std::size_t s = spec_.vary.size();
      while (s > 0 && ++idx[s - 1] == spec_.vary[s - 1].values.size()) idx[--s] = 0;
      if (s == 0) break;
    }
  }

  std::string replay_text;
  if (!spec_.replay_drives.empty()) {
    if (spec_.trials > 1)
      throw model_error("replay_drives",
                        "with trials > 1 every trial would get the same drive spike times "
                        "(trials redraw them)");
    const fs::path rp = fs::path(spec_.replay_drives).is_absolute() || spec_.base_dir.empty()
                            ? fs::path(spec_.replay_drives)
                            : fs::path(spec_.base_dir) / spec_.replay_drives;
    replay_ = read_drive_replay(rp.string());
    replay_text = read_text(rp.string(), "drive replay file");
  }

  // Every vary's values alone, then every point: a value the model refuses is named by
  // its place in the sweep before anything runs.
  for (const auto& v : spec_.vary)
    for (std::size_t k = 0; k < v.values.size(); ++k) {
      network probe = base_;
      assignments a;
      for (const auto& p : v.paths) a.emplace_back(p, v.values[k]);
      try {
        set_by_paths(probe, a);
      } catch (const model_error& e) {
        throw model_error("", value_origin(v, k) + ": " + e.what());
      }
    }
  for (std::size_t p = 0; p < points_.size(); ++p) {
    network net;
    try {
      net = point_model(p);
    } catch (const model_error& e) {
      std::string where;
      for (std::size_t c = 0; c < columns_.size(); ++c)
        where += (where.empty() ? "" : ", ") + columns_[c] + "=" + points_[p][c];
      throw model_error(
          "", "run " + std::to_string(p * spec_.trials) + " (" + where + "): " + e.what());
    }
    if (p == 0)
      for (const auto& d : net.drives)
        random_drives_ |= detail::is_event_drive(d) && d.spike_times.empty();
  }
  if (random_drives_) seed_column_ = "drive_seed";

  char hex[17];
  uint64_t h = 14695981039346656037ULL;
  h = fnv1a(h, sweep_to_json(spec_));
  h = fnv1a(h, model_text);
  h = fnv1a(h, replay_text);
  std::snprintf(hex, sizeof hex, "%016" PRIx64, h);
  hash_ = hex;
}

network plan::point_model(std::size_t point) const {
  network net = base_;
  assignments a;
  for (std::size_t c = 0; c < columns_.size(); ++c) a.emplace_back(columns_[c], points_[point][c]);
  set_by_paths(net, a);  // validates
  return net;
}

run_info plan::run(std::size_t id) const {
  if (id >= size()) throw internal_error("plan::run: no run " + std::to_string(id));
  run_info r;
  r.id = id;
  r.point = id / static_cast<std::size_t>(spec_.trials);
  r.trial = static_cast<int>(id % static_cast<std::size_t>(spec_.trials));
  r.values = points_[r.point];
  r.seed = seed_of(model(id));
  return r;
}

uint64_t plan::seed_of(const network& run_model) const {
  if (random_drives_)
    for (const auto& d : run_model.drives)
      if (detail::is_event_drive(d) && d.spike_times.empty()) return d.seed;
  return run_model.seed;
}

network plan::model(std::size_t id) const {
  const std::size_t point = id / static_cast<std::size_t>(spec_.trials);
  const auto trial = static_cast<uint64_t>(id % static_cast<std::size_t>(spec_.trials));
  network net = point_model(point);
  if (random_drives_) {
    for (auto& d : net.drives) d.seed += trial;  // HNN-core's n_trials
  } else {
    net.seed += trial;
  }
  if (!spec_.replay_drives.empty()) replay_drives(net, replay_);
  return net;
}

std::string plan::run_name(std::size_t id) const {
  int width = 3;
  for (std::size_t n = size() - 1; n >= 1000; n /= 10) ++width;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*zu", width, id);
  return buf;
}

}  // namespace myelin::batch

// Sweep descriptions: the sweep file's JSON format (docs/batch.md), value ranges, and
// where a model name leads.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "myelin/batch.hpp"
#include "myelin/error.hpp"

namespace myelin::batch {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

std::string number_text(double x) {
  return nlohmann::json(x).dump();
}

[[noreturn]] void bad(const std::string& field, const std::string& message) {
  throw model_error(field, message);
}

void check_keys(const ojson& j, const std::string& where, std::initializer_list<const char*> keys) {
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* a : keys) known |= k == a;
    if (!known) {
      std::string allowed;
      for (const char* a : keys) allowed += (allowed.empty() ? "" : ", ") + std::string(a);
      bad(where.empty() ? k : where + "." + k, "unknown field (allowed: " + allowed + ")");
    }
  }
}

std::string as_string(const ojson& j, const std::string& field) {
  if (!j.is_string() || j.get<std::string>().empty()) bad(field, "expected a non-empty string");
  return j.get<std::string>();
}

// [START, STOP, NUM] of a linspace/logspace entry.
std::vector<std::string> range(const ojson& j, const std::string& field, bool log) {
  if (!j.is_array() || j.size() != 3) bad(field, "expected [START, STOP, NUM] (three numbers)");
  for (std::size_t i = 0; i < 3; ++i)
    if (!j[i].is_number()) bad(field + "[" + std::to_string(i) + "]", "expected a number");
  const double n = j[2].get<double>();
  if (n < 1 || n != std::floor(n) || n > 1e6)
    bad(field + "[2]", "NUM must be an integer in [1, 1000000]");
  try {
    return log ? logspace(j[0].get<double>(), j[1].get<double>(), static_cast<int64_t>(n))
               : linspace(j[0].get<double>(), j[1].get<double>(), static_cast<int64_t>(n));
  } catch (const error& e) {
    bad(field, e.what());
  }
}

vary_spec parse_vary(const ojson& j, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object with \"path\" (or \"paths\") and values");
  check_keys(j, where, {"path", "paths", "values", "linspace", "logspace"});
  vary_spec v;
  v.origin = where;
  if (j.contains("path") == j.contains("paths"))
    bad(where, "give either \"path\" (one model path) or \"paths\" (several set together)");
  if (j.contains("path")) {
    v.paths.push_back(as_string(j["path"], where + ".path"));
  } else {
    const ojson& p = j["paths"];
    if (!p.is_array() || p.empty()) bad(where + ".paths", "expected a non-empty list of paths");
    for (std::size_t i = 0; i < p.size(); ++i)
      v.paths.push_back(as_string(p[i], where + ".paths[" + std::to_string(i) + "]"));
  }
  const int kinds = static_cast<int>(j.contains("values")) +
                    static_cast<int>(j.contains("linspace")) +
                    static_cast<int>(j.contains("logspace"));
  if (kinds != 1)
    bad(where, "give exactly one of \"values\" (a list), \"linspace\" or \"logspace\"");
  if (j.contains("values")) {
    const ojson& vals = j["values"];
    if (!vals.is_array()) bad(where + ".values", "expected a list of values");
    if (vals.empty()) bad(where + ".values", "empty list (a vary needs at least one value)");
    for (std::size_t i = 0; i < vals.size(); ++i) {
      if (vals[i].is_null())
        bad(where + ".values[" + std::to_string(i) + "]", "null is not a model value");
      v.values.push_back(vals[i].dump());
    }
  } else if (j.contains("linspace")) {
    v.values = range(j["linspace"], where + ".linspace", false);
  } else {
    v.values = range(j["logspace"], where + ".logspace", true);
  }
  return v;
}

}  // namespace

std::vector<std::string> linspace(double start, double stop, int64_t num) {
  if (num < 1) throw error("NUM must be >= 1");
  std::vector<std::string> out;
  for (int64_t i = 0; i < num; ++i) {
    // numpy: START + i (STOP - START)/(NUM - 1), the last value exactly STOP.
    double x =
        num == 1 ? start
                 : start + static_cast<double>(i) * ((stop - start) / static_cast<double>(num - 1));
    if (num > 1 && i == num - 1) x = stop;
    if (!std::isfinite(x)) throw error("value " + std::to_string(i) + " is not finite");
    out.push_back(number_text(x));
  }
  return out;
}

std::vector<std::string> logspace(double start, double stop, int64_t num) {
  std::vector<std::string> out = linspace(start, stop, num);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double x = std::pow(10.0, std::stod(out[i]));
    if (!std::isfinite(x)) throw error("value " + std::to_string(i) + " is not finite");
    out[i] = number_text(x);
  }
  return out;
}

sweep parse_sweep(const std::string& json_text, const std::string& base_dir) {
  ojson j;
  try {
    j = ojson::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    bad("", std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) bad("", "a sweep file is a JSON object (docs/batch.md)");
  check_keys(j, "",
             {"description", "model", "set", "vary", "combine", "trials", "keep", "summaries",
              "replay_drives"});
  sweep s;
  s.base_dir = base_dir;
  if (!j.contains("model")) bad("model", "missing (a model file or a built-in model's name)");
  s.model = as_string(j["model"], "model");
  if (j.contains("description") && !j["description"].is_string())
    bad("description", "expected a string");
  if (j.contains("set")) {
    const ojson& set = j["set"];
    if (!set.is_object()) bad("set", "expected an object {\"PATH\": VALUE, ...}");
    for (const auto& [k, v] : set.items()) {
      if (k.empty()) bad("set", "empty path");
      if (v.is_null()) bad("set." + k, "null is not a model value");
      s.set.push_back({k, v.dump(), "set." + k});
    }
  }
  if (j.contains("vary")) {
    const ojson& vary = j["vary"];
    if (!vary.is_array()) bad("vary", "expected a list of {\"path\": ..., \"values\": [...]}");
    for (std::size_t i = 0; i < vary.size(); ++i)
      s.vary.push_back(parse_vary(vary[i], "vary[" + std::to_string(i) + "]"));
  }
  if (j.contains("combine")) {
    const ojson& c = j["combine"];
    if (c == "grid") {
      s.combine = combine_mode::grid;
    } else if (c == "zip") {
      s.combine = combine_mode::zip;
    } else {
      bad("combine", "expected \"grid\" (every combination) or \"zip\" (equal lengths)");
    }
  }
  if (j.contains("trials")) {
    const ojson& t = j["trials"];
    if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > 100000)
      bad("trials", "expected an integer in [1, 100000], got " + t.dump());
    s.trials = t.get<int>();
  }
  if (j.contains("keep")) {
    const ojson& k = j["keep"];
    if (k == "nothing") {
      s.keep = keep_mode::nothing;
    } else if (k == "summaries") {
      s.keep = keep_mode::summaries;
    } else if (k == "all") {
      s.keep = keep_mode::all;
    } else {
      bad("keep", "expected \"nothing\", \"summaries\" or \"all\", got " + k.dump());
    }
  }
  if (j.contains("summaries")) {
    const ojson& m = j["summaries"];
    if (!m.is_object()) bad("summaries", "expected an object {\"bin_ms\": MS}");
    check_keys(m, "summaries", {"bin_ms"});
    if (m.contains("bin_ms")) {
      if (!m["bin_ms"].is_number() || !(m["bin_ms"].get<double>() > 0))
        bad("summaries.bin_ms", "expected a number > 0 [ms]");
      s.bin_ms = m["bin_ms"].get<double>();
    }
  }
  if (j.contains("replay_drives")) s.replay_drives = as_string(j["replay_drives"], "replay_drives");
  return s;
}

sweep load_sweep(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw io_error("cannot read sweep file '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return parse_sweep(ss.str(), fs::path(path).parent_path().string());
  } catch (const model_error& e) {
    throw model_error("", path + ": " + e.what());
  }
}

std::string sweep_to_json(const sweep& s) {
  ojson j;
  j["model"] = s.model;
  ojson set = ojson::object();
  for (const auto& a : s.set) set[a.path] = ojson::parse(a.value);
  j["set"] = set;
  ojson vary = ojson::array();
  for (const auto& v : s.vary) {
    ojson e;
    e["paths"] = v.paths;
    ojson vals = ojson::array();
    for (const auto& x : v.values) vals.push_back(ojson::parse(x));
    e["values"] = vals;
    vary.push_back(e);
  }
  j["vary"] = vary;
  j["combine"] = s.combine == combine_mode::grid ? "grid" : "zip";
  j["trials"] = s.trials;
  j["keep"] = s.keep == keep_mode::nothing     ? "nothing"
              : s.keep == keep_mode::summaries ? "summaries"
                                               : "all";
  j["summaries"] = {{"bin_ms", s.bin_ms}};
  if (!s.replay_drives.empty()) j["replay_drives"] = s.replay_drives;
  return j.dump(1);
}

std::string resolve_model(const std::string& name, const std::string& base_dir) {
  std::error_code ec;
  const fs::path given =
      fs::path(name).is_absolute() || base_dir.empty() ? fs::path(name) : fs::path(base_dir) / name;
  if (fs::is_regular_file(given, ec)) return given.string();
  const bool plain = name.find('/') == std::string::npos && fs::path(name).extension() != ".json";
  if (!plain) throw error("model '" + name + "': no such file ('" + given.string() + "')");
  std::vector<fs::path> candidates;
#ifdef MYELIN_SOURCE_DIR
  candidates.push_back(fs::path(MYELIN_SOURCE_DIR) / "models" / (name + ".json"));
#endif
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    candidates.push_back(exe.parent_path().parent_path() / "share" / "myelin" / "models" /
                         (name + ".json"));
  for (const auto& c : candidates)
    if (fs::is_regular_file(c, ec)) return c.string();
  std::string where;
  for (const auto& c : candidates) where += (where.empty() ? "" : ", ") + c.string();
  throw error("model '" + name + "': neither a file nor a built-in model (looked in " + where +
              ")");
}

}  // namespace myelin::batch

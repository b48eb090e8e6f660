// The batch directory: batch.json (the plan), rows/<id>.json (finished runs), runs/<id>/
// (kept outputs). A row file is renamed into place complete, after the run's outputs:
// a row means the run is done, whatever happened to the process afterwards.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "batch/internal.hpp"
#include "io/transaction.hpp"
#include "io/writers.hpp"
#include "myelin/error.hpp"

namespace myelin::batch::detail {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

constexpr const char* format_name = "myelin batch";

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw io_error("cannot read '" + path.string() + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Leftovers of an invocation that was killed: temporary files of atomic writes
// (".NAME.tmp-PID") and write probes.
bool is_leftover(const fs::path& p) {
  const std::string n = p.filename().string();
  return n.size() > 1 && n[0] == '.' &&
         (n.find(".tmp-") != std::string::npos || n.rfind(".myelin-probe-", 0) == 0);
}

void remove_leftovers(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (is_leftover(e.path())) fs::remove_all(e.path(), ec);
}

}  // namespace

std::string row_to_json(const row& r) {
  ojson j;
  j["id"] = r.id;
  j["trial"] = r.trial;
  j["seed"] = r.seed;
  ojson vals = ojson::array();
  for (const auto& v : r.values) vals.push_back(ojson::parse(v));
  j["values"] = vals;
  j["status"] = r.ok ? "ok" : "failed";
  j["error"] = r.error;
  j["wall_s"] = r.wall_s;
  j["reused"] = r.reused;
  ojson s = ojson::object();
  for (const auto& [k, v] : r.summaries) s[k] = std::isfinite(v) ? ojson(v) : ojson(nullptr);
  j["summaries"] = s;
  return j.dump() + "\n";
}

row row_from_json(const std::string& text) {
  const ojson j = ojson::parse(text);
  row r;
  r.id = j.at("id").get<std::size_t>();
  r.trial = j.at("trial").get<int>();
  r.seed = j.at("seed").get<uint64_t>();
  for (const auto& v : j.at("values")) r.values.push_back(v.dump());
  r.ok = j.at("status") == "ok";
  r.error = j.at("error").get<std::string>();
  r.wall_s = j.at("wall_s").get<double>();
  r.reused = j.value("reused", false);
  for (const auto& [k, v] : j.at("summaries").items())
    r.summaries.emplace_back(
        k, v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>());
  return r;
}

std::vector<row> prepare_directory(const plan& p, const std::string& dir, bool overwrite) {
  std::error_code ec;
  const fs::path d(dir);
  const fs::path manifest = d / "batch.json";
  if (fs::exists(d, ec) && !fs::is_directory(d, ec))
    throw io_error("batch directory '" + dir + "' exists and is not a directory");
  if (fs::exists(manifest, ec)) {
    std::string hash;
    try {
      const ojson j = ojson::parse(read_file(manifest));
      if (j.at("format") == format_name) hash = j.at("hash").get<std::string>();
    } catch (const std::exception&) {
    }
    if (hash != p.hash()) {
      if (!overwrite)
        throw error("'" + dir + "' holds another batch (plan " +
                    (hash.empty() ? std::string("unreadable") : hash) + ", this one " + p.hash() +
                    ": a different sweep or base model); use --overwrite to replace it, or "
                    "another -o");
      for (const auto& e : fs::directory_iterator(d, ec)) fs::remove_all(e.path(), ec);
      if (ec) throw io_error("cannot empty '" + dir + "': " + ec.message());
    }
  } else if (fs::exists(d, ec) && !fs::is_empty(d, ec)) {
    throw error("'" + dir +
                "' is not empty and holds no batch (no batch.json): a batch is "
                "never mixed with other files; choose another -o");
  }
  {
    myelin::detail::output_transaction probe(
        dir, true,
        myelin::detail::output_transaction::scope::files);  // creates it; io_error if unwritable
  }
  fs::create_directories(d / "rows", ec);
  if (ec) throw io_error("cannot create '" + (d / "rows").string() + "': " + ec.message());
  remove_leftovers(d);
  remove_leftovers(d / "rows");
  if (!fs::exists(manifest, ec)) {
    ojson j;
    j["format"] = format_name;
    j["version"] = 1;
    j["hash"] = p.hash();
    j["runs"] = p.size();
    j["columns"] = p.columns();
    j["seed_column"] = p.seed_column();
    j["myelin"] = myelin::version();
    j["sweep"] = ojson::parse(sweep_to_json(p.spec()));
    myelin::detail::write_text_atomic(manifest.string(), j.dump(1) + "\n");
  }
  std::vector<row> rows;
  for (std::size_t id = 0; id < p.size(); ++id) {
    const std::string name = p.run_name(id);
    const fs::path f = d / "rows" / (name + ".json");
    bool have = false;
    if (fs::exists(f, ec)) {
      try {
        row r = row_from_json(read_file(f));
        if (r.id != id) throw error("id mismatch");
        rows.push_back(std::move(r));
        have = true;
      } catch (const std::exception&) {
        fs::remove(f, ec);  // cannot happen with atomic renames; rerun it if it does
      }
    }
    if (!have) fs::remove_all(d / "runs" / name, ec);  // a run cut short: its outputs go
    remove_leftovers(d / "runs" / name);
  }
  return rows;
}

void write_row(const plan& p, const std::string& dir, const row& r) {
  myelin::detail::write_text_atomic(
      (fs::path(dir) / "rows" / (p.run_name(r.id) + ".json")).string(), row_to_json(r));
}

}  // namespace myelin::batch::detail

namespace myelin::batch {

std::vector<row> read_rows(const std::string& dir) {
  namespace fs = std::filesystem;
  using detail::is_leftover, detail::read_file, detail::row_from_json;
  std::vector<row> rows;
  std::error_code ec;
  const fs::path d = fs::path(dir) / "rows";
  if (!fs::is_directory(d, ec)) throw io_error("'" + dir + "' holds no batch rows (no rows/)");
  for (const auto& e : fs::directory_iterator(d, ec))
    if (e.path().extension() == ".json" && !is_leftover(e.path()))
      rows.push_back(row_from_json(read_file(e.path())));
  std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.id < b.id; });
  return rows;
}

}  // namespace myelin::batch

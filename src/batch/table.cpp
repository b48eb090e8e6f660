// The results table of a batch: results.csv and results.h5, one row per run, assembled
// from the row files at the end (so an interrupted and resumed batch gives the same
// table as an uninterrupted one), and the trials' mean dipoles.

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "batch/internal.hpp"
#include "io/transaction.hpp"
#include "io/writers.hpp"
#include "myelin/error.hpp"

namespace myelin::batch::detail {

namespace fs = std::filesystem;

namespace {

struct column {
  std::string name;
  enum { i64, u64, f64, str } type = f64;
  std::vector<int64_t> ints;
  std::vector<uint64_t> uints;
  std::vector<double> nums;
  std::vector<std::string> texts;  // str; f64 values given as text (the sweep's JSON)
};

// Shortest text that reads back as the same double; whole numbers (counts) without
// ".0"; NaN (undefined) as an empty field.
std::string number_text(double x) {
  if (!std::isfinite(x)) return std::string();
  if (x == std::floor(x) && std::fabs(x) < 9007199254740992.0)
    return std::to_string(static_cast<long long>(x));
  return nlohmann::json(x).dump();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::vector<column> table_columns(const plan& p, const std::vector<row>& rows) {
  std::vector<column> cols;
  column id{"id", column::i64};
  for (const auto& r : rows) id.ints.push_back(static_cast<int64_t>(r.id));
  cols.push_back(std::move(id));
  for (std::size_t c = 0; c < p.columns().size(); ++c) {
    column v{p.columns()[c], column::f64};
    bool numbers = true;
    for (const auto& r : rows) {
      const auto j = nlohmann::json::parse(r.values[c]);
      numbers &= j.is_number();
      v.texts.push_back(r.values[c]);
      v.nums.push_back(j.is_number() ? j.get<double>() : 0.0);
    }
    if (!numbers) v.type = column::str;
    cols.push_back(std::move(v));
  }
  column trial{"trial", column::i64}, seed{p.seed_column(), column::u64};
  column status{"status", column::str}, err{"error", column::str}, wall{"wall_s", column::f64};
  for (const auto& r : rows) {
    trial.ints.push_back(r.trial);
    seed.uints.push_back(r.seed);
    status.texts.push_back(r.ok ? "ok" : "failed");
    err.texts.push_back(r.error);
    wall.nums.push_back(r.wall_s);
  }
  for (auto* c : {&trial, &seed, &status, &err, &wall}) cols.push_back(std::move(*c));
  // Summary columns: every name any run has, in the order of first appearance by id.
  std::vector<std::string> names;
  for (const auto& r : rows)
    for (const auto& [k, v] : r.summaries)
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  for (const auto& n : names) {
    column s{n, column::f64};
    for (const auto& r : rows) {
      double x = std::nan("");
      for (const auto& [k, v] : r.summaries)
        if (k == n) x = v;
      s.nums.push_back(x);
    }
    cols.push_back(std::move(s));
  }
  return cols;
}

std::string csv_text(const std::vector<column>& cols, std::size_t n_rows) {
  std::string text;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    if (c) text += ',';  // appended apart: GCC 12 warns falsely (-Wrestrict) on "," + s
    text += csv_field(cols[c].name);
  }
  text += '\n';
  for (std::size_t i = 0; i < n_rows; ++i) {
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const column& col = cols[c];
      if (c) text += ',';
      if (col.type == column::i64) {
        text += std::to_string(col.ints[i]);
      } else if (col.type == column::u64) {
        text += std::to_string(col.uints[i]);
      } else if (col.type == column::str) {
        text += csv_field(col.texts[i]);
      } else {
        text += col.texts.empty() ? number_text(col.nums[i]) : col.texts[i];
      }
    }
    text += '\n';
  }
  return text;
}

// Owns an HDF5 identifier; any failure is an io_error naming the file.
struct h5id {
  hid_t id;
  herr_t (*close)(hid_t);
  h5id(hid_t i, herr_t (*c)(hid_t), const std::string& file, const std::string& what)
      : id(i), close(c) {
    if (id < 0) throw io_error("HDF5 file '" + file + "': cannot " + what);
  }
  ~h5id() { close(id); }
  h5id(const h5id&) = delete;
  h5id& operator=(const h5id&) = delete;
};

void h5check(herr_t rc, const std::string& file, const std::string& what) {
  if (rc < 0) throw io_error("HDF5 file '" + file + "': cannot " + what);
}

// /results/<column>, one 1-D dataset per column in creation order (h5py lists them so);
// strings are variable-length UTF-8. No modification times: the same rows give the same
// bytes.
void write_h5(const std::string& path, const std::string& shown, const std::vector<column>& cols,
              std::size_t n_rows) {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  h5id file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, shown,
            "create");
  h5id gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, shown, "create a property list");
  h5check(H5Pset_obj_track_times(gcpl.id, false), shown, "configure /results");
  h5check(H5Pset_link_creation_order(gcpl.id, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), shown,
          "configure /results");
  h5id group(H5Gcreate2(file.id, "results", H5P_DEFAULT, gcpl.id, H5P_DEFAULT), H5Gclose, shown,
             "create /results");
  const auto n = static_cast<hsize_t>(n_rows);
  for (const column& c : cols) {
    std::string name = c.name;
    for (char& ch : name)
      if (ch == '/') ch = '|';  // HDF5 reads '/' as a path separator
    const std::string what = "write /results/" + name;
    h5id space(H5Screate_simple(1, &n, nullptr), H5Sclose, shown, what);
    h5id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, shown, what);
    h5check(H5Pset_obj_track_times(dcpl.id, false), shown, what);
    hid_t file_type = H5T_IEEE_F64LE, mem_type = H5T_NATIVE_DOUBLE;
    const void* data = c.nums.data();
    std::vector<const char*> ptrs;
    h5id str(H5Tcopy(H5T_C_S1), H5Tclose, shown, what);
    h5check(H5Tset_size(str.id, H5T_VARIABLE), shown, what);
    h5check(H5Tset_cset(str.id, H5T_CSET_UTF8), shown, what);
    if (c.type == column::i64) {
      file_type = H5T_STD_I64LE, mem_type = H5T_NATIVE_INT64, data = c.ints.data();
    } else if (c.type == column::u64) {
      file_type = H5T_STD_U64LE, mem_type = H5T_NATIVE_UINT64, data = c.uints.data();
    } else if (c.type == column::str) {
      for (const auto& s : c.texts) ptrs.push_back(s.c_str());
      file_type = mem_type = str.id;
      data = ptrs.data();
    }
    h5id ds(
        H5Dcreate2(group.id, name.c_str(), file_type, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT),
        H5Dclose, shown, what);
    if (n > 0) h5check(H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), shown, what);
  }
  h5check(H5Fflush(file.id, H5F_SCOPE_LOCAL), shown, "flush");
}

// A dipole CSV (t_ms,agg,<layers>): its header's layers and its columns after t_ms.
struct dipole_file {
  std::vector<std::string> layers;
  std::vector<std::vector<double>> cols;  // agg, then the layers
};

dipole_file read_dipole_csv(const fs::path& path) {
  std::ifstream f(path);
  if (!f) throw io_error("cannot read '" + path.string() + "'");
  dipole_file d;
  std::string line;
  std::getline(f, line);
  std::stringstream h(line);
  std::string name;
  for (int k = 0; std::getline(h, name, ','); ++k)
    if (k >= 2) d.layers.push_back(name);
  d.cols.resize(d.layers.size() + 1);
  while (std::getline(f, line)) {
    std::stringstream r(line);
    std::string x;
    for (int k = 0; std::getline(r, x, ','); ++k)
      if (k >= 1 && static_cast<std::size_t>(k) <= d.cols.size())
        d.cols[k - 1].push_back(std::stod(x));
  }
  return d;
}

// The trials' average of each kept run's dipole file (HNN-core's average_dipoles),
// summed in trial order. False if no run has the file.
bool write_mean_dipole(const plan& p, const std::string& dir, const std::vector<row>& rows,
                       const std::string& each, myelin::detail::output_transaction& tx,
                       const std::string& out) {
  dipole_file sum;
  double n = 0;
  for (const auto& r : rows) {
    const fs::path f = fs::path(dir) / "runs" / p.run_name(r.id) / each;
    std::error_code ec;
    if (!r.ok || !fs::exists(f, ec)) continue;
    dipole_file d = read_dipole_csv(f);
    if (n == 0) {
      sum = std::move(d);
    } else {
      for (std::size_t c = 0; c < sum.cols.size() && c < d.cols.size(); ++c)
        for (std::size_t k = 0; k < sum.cols[c].size() && k < d.cols[c].size(); ++k)
          sum.cols[c][k] += d.cols[c][k];
    }
    n += 1;
  }
  if (n == 0) return false;
  for (auto& c : sum.cols)
    for (double& x : c) x /= n;
  const std::vector<std::vector<double>> layers(sum.cols.begin() + 1, sum.cols.end());
  myelin::detail::write_dipole_csv(tx.path(out), p.model(0).dt, sum.layers, sum.cols[0], layers);
  return true;
}

}  // namespace

std::vector<std::string> write_table(const plan& p, const std::string& dir,
                                     const std::vector<row>& rows) {
  const std::vector<column> cols = table_columns(p, rows);
  myelin::detail::output_transaction tx(dir, true,
                                        myelin::detail::output_transaction::scope::files);
  std::vector<std::string> files{"results.csv", "results.h5"};
  myelin::detail::write_text_atomic(tx.path("results.csv"), csv_text(cols, rows.size()));
  write_h5(tx.path("results.h5"), (fs::path(dir) / "results.h5").string(), cols, rows.size());
  if (p.points() == 1 && p.spec().trials > 1 && p.spec().keep == keep_mode::all) {
    if (write_mean_dipole(p, dir, rows, "dipole.csv", tx, "dipole_mean.csv"))
      files.push_back("dipole_mean.csv");
    if (write_mean_dipole(p, dir, rows, "dipole_smooth.csv", tx, "dipole_smooth_mean.csv"))
      files.push_back("dipole_smooth_mean.csv");
  }
  tx.commit();
  return files;
}

}  // namespace myelin::batch::detail

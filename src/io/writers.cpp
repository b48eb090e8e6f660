// HDF5 writers (SONATA spikes, traces) and atomic output files.

#include "io/writers.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

namespace fs = std::filesystem;

// Owns one HDF5 identifier; closes it with the matching function.
class h5 {
 public:
  h5(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
    if (id_ < 0) throw io_error("HDF5: cannot " + what);
  }
  ~h5() {
    if (id_ >= 0) close_(id_);
  }
  h5(const h5&) = delete;
  h5& operator=(const h5&) = delete;
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const std::string& what) {
  if (status < 0) throw io_error("HDF5: cannot " + what);
}

// HDF5 prints an error stack on every failure unless told not to; our io_error
// carries the message instead.
void quiet_hdf5() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

h5 create_file(const std::string& path) {
  quiet_hdf5();
  return h5(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
            "create '" + path + "'");
}

h5 open_file(const std::string& path) {
  quiet_hdf5();
  return h5(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open '" + path + "'");
}

void string_attribute(hid_t obj, const char* name, const std::string& value) {
  h5 type(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
  check(H5Tset_size(type, value.size() + 1), "size string type");
  h5 space(H5Screate(H5S_SCALAR), H5Sclose, "create dataspace");
  h5 attr(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
          std::string("create attribute ") + name);
  check(H5Awrite(attr, type, value.c_str()), std::string("write attribute ") + name);
}

void uint_attribute(hid_t obj, const char* name, const std::vector<uint32_t>& values) {
  const hsize_t n = values.size();
  h5 space(H5Screate_simple(1, &n, nullptr), H5Sclose, "create dataspace");
  h5 attr(H5Acreate2(obj, name, H5T_STD_U32LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
          std::string("create attribute ") + name);
  check(H5Awrite(attr, H5T_NATIVE_UINT32, values.data()), std::string("write attribute ") + name);
}

// Writes a dataset of `rank` dimensions. Dataset creation times are not stored, so the
// same data gives byte-identical files (the determinism tests compare file hashes).
void write_dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type, int rank,
                   const hsize_t* dims, const void* data) {
  h5 space(H5Screate_simple(rank, dims, nullptr), H5Sclose, "create dataspace for " + name);
  h5 dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create property list");
  check(H5Pset_obj_track_times(dcpl, false), "disable time tracking");
  hsize_t total = 1;
  for (int i = 0; i < rank; ++i) total *= dims[i];
  if (total >= 65536) {
    // Large data: chunked and compressed (rows of at most ~64k values per chunk).
    hsize_t chunk[2] = {dims[0], rank > 1 ? dims[1] : 1};
    if (rank > 1) {
      chunk[0] =
          std::max<hsize_t>(1, std::min<hsize_t>(dims[0], 65536 / std::max<hsize_t>(1, dims[1])));
      chunk[1] = std::min<hsize_t>(dims[1], 65536);
    } else {
      chunk[0] = std::min<hsize_t>(dims[0], 65536);
    }
    check(H5Pset_chunk(dcpl, rank, chunk), "set chunking for " + name);
    check(H5Pset_deflate(dcpl, 4), "set compression for " + name);
  }
  h5 ds(H5Dcreate2(parent, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
        H5Dclose, "create dataset " + name);
  if (total > 0)
    check(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + name);
}

h5 no_times_group(hid_t parent, const std::string& name) {
  h5 gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "create property list");
  check(H5Pset_obj_track_times(gcpl, false), "disable time tracking");
  return h5(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose,
            "create group '" + name + "'");
}

template <class T>
std::vector<T> read_dataset(hid_t parent, const std::string& name, hid_t mem_type,
                            std::vector<hsize_t>* shape = nullptr) {
  h5 ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset " + name);
  h5 space(H5Dget_space(ds), H5Sclose, "get dataspace of " + name);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(rank > 0 ? rank : 1, 1);
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  hsize_t total = 1;
  for (int i = 0; i < rank; ++i) total *= dims[i];
  std::vector<T> out(total);
  if (total > 0)
    check(H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read " + name);
  if (shape) *shape = dims;
  return out;
}

std::string read_string_attribute(hid_t obj, const char* name) {
  h5 attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, std::string("open attribute ") + name);
  h5 type(H5Aget_type(attr), H5Tclose, "get attribute type");
  const std::size_t size = H5Tget_size(type);
  std::string s(size, '\0');
  h5 mem(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
  check(H5Tset_size(mem, size), "size string type");
  check(H5Aread(attr, mem, s.data()), std::string("read attribute ") + name);
  s.resize(std::strlen(s.c_str()));
  return s;
}

// Names of the links in a group, in creation order if tracked, else by name.
std::vector<std::string> children(hid_t group) {
  std::vector<std::string> names;
  H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &names);
  return names;
}

}  // namespace

void write_spikes_sonata(const std::string& path, const std::vector<spike_table>& tables) {
  h5 file = create_file(path);
  h5 spikes = no_times_group(file, "spikes");
  // SONATA files carry a magic number and version on the root group.
  uint_attribute(file, "magic", {0x0A7A});
  uint_attribute(file, "version", {0, 1});
  for (const auto& t : tables) {
    if (t.times.size() != t.node_ids.size())
      throw internal_error("spike table '" + t.population +
                           "': times and node_ids differ in length");
    h5 g = no_times_group(spikes, t.population);
    string_attribute(g, "sorting", "by_time");
    const hsize_t n = t.times.size();
    write_dataset(g, "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, t.times.data());
    {
      h5 ds(H5Dopen2(g, "timestamps", H5P_DEFAULT), H5Dclose, "open timestamps");
      string_attribute(ds, "units", "ms");
    }
    write_dataset(g, "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &n, t.node_ids.data());
  }
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush '" + path + "'");
}

std::vector<spike_table> read_spikes_sonata(const std::string& path) {
  h5 file = open_file(path);
  h5 spikes(H5Gopen2(file, "spikes", H5P_DEFAULT), H5Gclose, "open /spikes in '" + path + "'");
  std::vector<spike_table> out;
  for (const auto& name : children(spikes)) {
    h5 g(H5Gopen2(spikes, name.c_str(), H5P_DEFAULT), H5Gclose, "open /spikes/" + name);
    spike_table t;
    t.population = name;
    t.times = read_dataset<double>(g, "timestamps", H5T_NATIVE_DOUBLE);
    t.node_ids = read_dataset<uint64_t>(g, "node_ids", H5T_NATIVE_UINT64);
    out.push_back(std::move(t));
  }
  return out;
}

void write_traces_h5(const std::string& path, const std::vector<trace_table>& tables) {
  h5 file = create_file(path);
  std::vector<std::string> made;
  for (const auto& t : tables) {
    const std::size_t n_cells = t.node_ids.size(), n_samples = t.time.size();
    if (t.data.size() != n_cells * n_samples)
      throw internal_error("trace table " + t.population + "/" + t.variable +
                           ": data size mismatch");
    if (std::find(made.begin(), made.end(), t.population) == made.end()) {
      no_times_group(file, t.population);
      made.push_back(t.population);
    }
    h5 pop(H5Gopen2(file, t.population.c_str(), H5P_DEFAULT), H5Gclose, "open /" + t.population);
    h5 g = no_times_group(pop, t.variable);
    const hsize_t ns = n_samples, nc = n_cells, dims[2] = {n_samples, n_cells};
    write_dataset(g, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &ns, t.time.data());
    write_dataset(g, "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &nc, t.node_ids.data());
    write_dataset(g, "data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, t.data.data());
    h5 ds(H5Dopen2(g, "data", H5P_DEFAULT), H5Dclose, "open data");
    string_attribute(ds, "units", t.unit);
  }
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush '" + path + "'");
}

std::vector<trace_table> read_traces_h5(const std::string& path) {
  h5 file = open_file(path);
  std::vector<trace_table> out;
  for (const auto& pop : children(file)) {
    h5 pg(H5Gopen2(file, pop.c_str(), H5P_DEFAULT), H5Gclose, "open /" + pop);
    for (const auto& var : children(pg)) {
      h5 g(H5Gopen2(pg, var.c_str(), H5P_DEFAULT), H5Gclose, "open /" + pop + "/" + var);
      trace_table t;
      t.population = pop;
      t.variable = var;
      t.time = read_dataset<double>(g, "time", H5T_NATIVE_DOUBLE);
      t.node_ids = read_dataset<uint64_t>(g, "node_ids", H5T_NATIVE_UINT64);
      t.data = read_dataset<double>(g, "data", H5T_NATIVE_DOUBLE);
      h5 ds(H5Dopen2(g, "data", H5P_DEFAULT), H5Dclose, "open data");
      t.unit = read_string_attribute(ds, "units");
      out.push_back(std::move(t));
    }
  }
  return out;
}

output_transaction::output_transaction(const std::string& dir) : dir_(dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw io_error("cannot write to output directory '" + dir +
                   "': " + (ec ? ec.message() : std::string("not a directory")));
  const std::string probe =
      (fs::path(dir) / (".myelin-probe-" + std::to_string(getpid()))).string();
  {
    std::ofstream f(probe);
    if (!f) throw io_error("cannot write to output directory '" + dir + "': permission denied");
  }
  fs::remove(probe, ec);
}

output_transaction::~output_transaction() {
  if (committed_) return;
  std::error_code ec;
  for (const auto& [tmp, final_name] : files_) fs::remove(tmp, ec);
}

std::string output_transaction::path(const std::string& name) {
  const std::string tmp =
      (fs::path(dir_) / ("." + name + ".tmp-" + std::to_string(getpid()))).string();
  const std::string final_name = (fs::path(dir_) / name).string();
  files_.emplace_back(tmp, final_name);
  return tmp;
}

void output_transaction::commit() {
  for (const auto& [tmp, final_name] : files_) {
    std::error_code ec;
    fs::rename(tmp, final_name, ec);
    if (ec) throw io_error("cannot move '" + tmp + "' to '" + final_name + "': " + ec.message());
  }
  committed_ = true;
}

void write_text_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw io_error("cannot write '" + tmp + "'");
    f << content;
    f.flush();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw io_error("cannot write '" + tmp + "' (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw io_error("cannot move '" + tmp + "' to '" + path + "'");
  }
}

}  // namespace myelin::detail

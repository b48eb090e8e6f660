// HDF5 writers (SONATA spikes, traces) and atomic output files.
//
// Thread-safety: Debian's serial HDF5 library is not thread-safe; every function here must
// be called from one thread at a time (the engine writes outputs from rank 0's main thread).

#include "io/writers.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "io/decimal.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

namespace fs = std::filesystem;

// SONATA (and BMTK, which writes the files that SONATA tools read) put these two
// attributes on the root group of every SONATA HDF5 file.
constexpr uint32_t sonata_magic = 0x0A7A;
constexpr uint32_t sonata_version[2] = {0, 1};

// Datasets of at least this many elements are chunked and compressed; smaller ones stay
// contiguous, where compression would cost more header than it saves.
constexpr hsize_t compress_threshold = 1 << 16;
// Elements per chunk: 64 Ki doubles = 512 KiB, below HDF5's default 1 MiB chunk cache, so a
// chunk read for one cell's trace is decompressed once and reused for its neighbours.
constexpr hsize_t chunk_elements = 1 << 16;

// HDF5 prints its whole error stack on stderr on every failure unless told not to; our
// io_error carries the one line that matters instead.
void quiet_hdf5() {
  static const bool done = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)done;
}

// The most specific message on HDF5's error stack (the innermost function that failed),
// e.g. "unable to open file: name = ..., errno = 2, error message = 'No such file...'".
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? "HDF5 error" : reason;
}

// Names the file and the object in every error, as the user needs both to act on it.
class h5_context {
 public:
  explicit h5_context(std::string file) : file_(std::move(file)) {}
  [[noreturn]] void fail(const std::string& action, const std::string& object) const {
    const std::string reason = hdf5_reason();
    throw io_error("HDF5 file '" + file_ + "': cannot " + action +
                   (object.empty() ? "" : " '" + object + "'") + ": " + reason);
  }
  void check(herr_t status, const std::string& action, const std::string& object) const {
    if (status < 0) fail(action, object);
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// Owns one HDF5 identifier and closes it with the matching function on every path.
class h5 {
 public:
  h5(hid_t id, herr_t (*close)(hid_t), const h5_context& ctx, const std::string& action,
     const std::string& object)
      : id_(id), close_(close) {
    if (id_ < 0) ctx.fail(action, object);
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

h5 property_list(hid_t cls, const h5_context& ctx) {
  return h5(H5Pcreate(cls), H5Pclose, ctx, "create a property list", "");
}

// Group names come from population labels and variable names; HDF5 would read '/' as a
// path separator and refuse "." as a name.
void check_name(const std::string& name, const std::string& what, const h5_context& ctx) {
  if (name.empty() || name == "." || name.find('/') != std::string::npos)
    throw io_error("HDF5 file '" + ctx.file() + "': " + what + " name '" + name +
                   "' cannot be an HDF5 group name (empty, '.' or containing '/')");
}

// Groups track link creation order so that readers (ours, h5py) list populations and
// variables in the order they were written, i.e. the model's order. Modification times are
// not stored, so the same data gives byte-identical files (determinism tests hash them).
h5 create_group(hid_t parent, const std::string& name, const std::string& object,
                const h5_context& ctx) {
  h5 gcpl = property_list(H5P_GROUP_CREATE, ctx);
  ctx.check(H5Pset_obj_track_times(gcpl, false), "configure group", object);
  ctx.check(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
            "configure group", object);
  return h5(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose, ctx,
            "create group", object);
}

h5 open_group(hid_t parent, const std::string& name, const std::string& object,
              const h5_context& ctx) {
  return h5(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose, ctx, "open group", object);
}

void string_attribute(hid_t obj, const char* name, const std::string& value,
                      const std::string& object, const h5_context& ctx) {
  const std::string what = object + "@" + name;
  h5 type(H5Tcopy(H5T_C_S1), H5Tclose, ctx, "create string type for", what);
  // Fixed-length, NUL-terminated ASCII: h5py reads it as bytes, libsonata as std::string.
  ctx.check(H5Tset_size(type, value.size() + 1), "size string type for", what);
  ctx.check(H5Tset_strpad(type, H5T_STR_NULLTERM), "configure string type for", what);
  h5 space(H5Screate(H5S_SCALAR), H5Sclose, ctx, "create dataspace for", what);
  h5 attr(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, ctx,
          "create attribute", what);
  ctx.check(H5Awrite(attr, type, value.c_str()), "write attribute", what);
}

void uint32_attribute(hid_t obj, const char* name, const uint32_t* values, hsize_t n, bool scalar,
                      const h5_context& ctx) {
  const std::string what = std::string("/@") + name;
  h5 space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose, ctx,
           "create dataspace for", what);
  h5 attr(H5Acreate2(obj, name, H5T_STD_U32LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, ctx,
          "create attribute", what);
  ctx.check(H5Awrite(attr, H5T_NATIVE_UINT32, values), "write attribute", what);
}

// Chunk shape for a 1-D or 2-D [rows, columns] dataset of at most chunk_elements values:
// whole rows where they fit (a time slice of all cells is contiguous), else part of a row.
std::vector<hsize_t> chunk_shape(const std::vector<hsize_t>& dims) {
  if (dims.size() == 1) return {std::min(dims[0], chunk_elements)};
  const hsize_t cols = std::clamp<hsize_t>(dims[1], 1, chunk_elements);
  const hsize_t rows = std::clamp<hsize_t>(chunk_elements / cols, 1, std::max<hsize_t>(dims[0], 1));
  return {rows, cols};
}

void write_dataset(hid_t parent, const std::string& name, const std::string& object,
                   hid_t file_type, hid_t mem_type, const std::vector<hsize_t>& dims,
                   const void* data, const char* units, const h5_context& ctx) {
  h5 space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, ctx,
           "create dataspace for", object);
  h5 dcpl = property_list(H5P_DATASET_CREATE, ctx);
  ctx.check(H5Pset_obj_track_times(dcpl, false), "configure dataset", object);
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  if (total >= compress_threshold) {
    const std::vector<hsize_t> chunk = chunk_shape(dims);
    ctx.check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "set chunking for",
              object);
    // gzip is optional in HDF5 builds; without it the data are stored chunked but raw.
    // The shuffle filter groups the bytes of doubles by significance, which roughly
    // doubles what gzip gains on membrane potentials.
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
      ctx.check(H5Pset_shuffle(dcpl), "set shuffle filter for", object);
      ctx.check(H5Pset_deflate(dcpl, 4), "set compression for", object);
    }
  }
  h5 ds(H5Dcreate2(parent, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
        H5Dclose, ctx, "create dataset", object);
  if (total > 0)
    ctx.check(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write dataset", object);
  if (units) string_attribute(ds, "units", units, object, ctx);
}

template <class T>
std::vector<T> read_dataset(hid_t parent, const std::string& name, const std::string& object,
                            hid_t mem_type, std::vector<hsize_t>& shape, const h5_context& ctx) {
  h5 ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, ctx, "open dataset", object);
  h5 space(H5Dget_space(ds), H5Sclose, ctx, "get dataspace of", object);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) ctx.fail("get rank of", object);
  shape.assign(static_cast<std::size_t>(rank), 0);
  if (rank > 0 && H5Sget_simple_extent_dims(space, shape.data(), nullptr) < 0)
    ctx.fail("get shape of", object);
  hsize_t total = 1;
  for (hsize_t d : shape) total *= d;
  std::vector<T> out(total);
  if (total > 0)
    ctx.check(H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read dataset",
              object);
  return out;
}

template <class T>
std::vector<T> read_vector(hid_t parent, const std::string& name, const std::string& object,
                           hid_t mem_type, const h5_context& ctx) {
  std::vector<hsize_t> shape;
  std::vector<T> out = read_dataset<T>(parent, name, object, mem_type, shape, ctx);
  if (shape.size() != 1)
    throw io_error("HDF5 file '" + ctx.file() + "': dataset '" + object + "' has " +
                   std::to_string(shape.size()) + " dimensions, expected 1");
  return out;
}

std::string read_string_attribute(hid_t obj, const char* name, const std::string& object,
                                  const h5_context& ctx) {
  const std::string what = object + "@" + name;
  h5 attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, ctx, "open attribute", what);
  h5 type(H5Aget_type(attr), H5Tclose, ctx, "get type of attribute", what);
  if (H5Tget_class(type) != H5T_STRING)
    throw io_error("HDF5 file '" + ctx.file() + "': attribute '" + what + "' is not a string");
  if (H5Tis_variable_str(type) > 0) {
    // Variable-length strings (h5py's default for Python str) need HDF5 to allocate.
    h5 mem(H5Tcopy(H5T_C_S1), H5Tclose, ctx, "create string type for", what);
    ctx.check(H5Tset_size(mem, H5T_VARIABLE), "size string type for", what);
    char* p = nullptr;
    ctx.check(H5Aread(attr, mem, &p), "read attribute", what);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  const std::size_t size = H5Tget_size(type);
  std::string s(size + 1, '\0');
  h5 mem(H5Tcopy(H5T_C_S1), H5Tclose, ctx, "create string type for", what);
  ctx.check(H5Tset_size(mem, size + 1), "size string type for", what);
  ctx.check(H5Aread(attr, mem, s.data()), "read attribute", what);
  s.resize(std::strlen(s.c_str()));
  return s;
}

// Names of the links in a group: in creation order where the group tracks it (ours do),
// else by name (files from other tools).
std::vector<std::string> children(hid_t group, const std::string& object, const h5_context& ctx) {
  h5 gcpl(H5Gget_create_plist(group), H5Pclose, ctx, "get properties of group", object);
  unsigned order = 0;
  ctx.check(H5Pget_link_creation_order(gcpl, &order), "get properties of group", object);
  const H5_index_t index = (order & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  ctx.check(H5Literate(
                group, index, H5_ITER_INC, nullptr,
                [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
                  static_cast<std::vector<std::string>*>(data)->push_back(name);
                  return 0;
                },
                &names),
            "list group", object);
  return names;
}

// Creates an HDF5 file and closes it when the writer is done; if the writer throws, the
// partial file is removed, so a failed write never leaves a file that looks complete.
template <class F>
void write_file(const std::string& path, F&& body) {
  quiet_hdf5();
  const h5_context ctx(path);
  try {
    h5 file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, ctx,
            "create", "");
    body(static_cast<hid_t>(file), ctx);
    ctx.check(H5Fflush(file, H5F_SCOPE_LOCAL), "flush", "");
  } catch (...) {
    std::error_code ec;
    fs::remove(path, ec);
    throw;
  }
}

h5 open_file(const std::string& path, const h5_context& ctx) {
  quiet_hdf5();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw io_error("HDF5 file '" + path + "': no such file");
  return h5(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, ctx, "open", "");
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw io_error(what + ": " + std::strerror(errno));
}

// Opens `path` read-only (with `flags`) and calls `flush` (fsync, syncfs) on it.
void flush_path(const std::string& path, int flags, int (*flush)(int)) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) throw_errno("cannot open '" + path + "'");
  const int rc = flush(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) throw_errno("cannot write '" + path + "' to disk");
}

// Flushes a written file's data to the disk before it is renamed into place, so that after
// a crash the final name holds either nothing or the complete file.
void sync_file(const std::string& path) {
  flush_path(path, 0, ::fsync);
}

// Makes the renames themselves durable. Best effort: some file systems refuse fsync on
// directories, and the data are safe by then anyway.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

std::string temporary_name(const fs::path& final_path) {
  return (final_path.parent_path() /
          ("." + final_path.filename().string() + ".tmp-" + std::to_string(::getpid())))
      .string();
}

}  // namespace

void write_spikes_sonata(const std::string& path, const std::vector<spike_table>& tables) {
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const spike_table& t = tables[i];
    if (t.times.size() != t.node_ids.size())
      throw internal_error("spike table '" + t.population + "': " + std::to_string(t.times.size()) +
                           " times but " + std::to_string(t.node_ids.size()) + " node ids");
    // The file promises sorting="by_time"; a reader may binary-search on it.
    if (!std::is_sorted(t.times.begin(), t.times.end()))
      throw internal_error("spike table '" + t.population + "': times are not ascending");
    for (std::size_t j = 0; j < i; ++j)
      if (tables[j].population == t.population)
        throw internal_error("spike table '" + t.population + "' given twice");
  }
  write_file(path, [&](hid_t file, const h5_context& ctx) {
    uint32_attribute(file, "magic", &sonata_magic, 1, true, ctx);
    uint32_attribute(file, "version", sonata_version, 2, false, ctx);
    h5 spikes = create_group(file, "spikes", "/spikes", ctx);
    for (const auto& t : tables) {
      check_name(t.population, "population", ctx);
      const std::string object = "/spikes/" + t.population;
      h5 g = create_group(spikes, t.population, object, ctx);
      string_attribute(g, "sorting", "by_time", object, ctx);
      const std::vector<hsize_t> n{t.times.size()};
      write_dataset(g, "timestamps", object + "/timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n,
                    t.times.data(), "ms", ctx);
      write_dataset(g, "node_ids", object + "/node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, n,
                    t.node_ids.data(), nullptr, ctx);
    }
  });
}

std::vector<spike_table> read_spikes_sonata(const std::string& path) {
  const h5_context ctx(path);
  h5 file = open_file(path, ctx);
  h5 spikes = open_group(file, "spikes", "/spikes", ctx);
  std::vector<spike_table> out;
  for (const auto& name : children(spikes, "/spikes", ctx)) {
    const std::string object = "/spikes/" + name;
    h5 g = open_group(spikes, name, object, ctx);
    spike_table t;
    t.population = name;
    t.times = read_vector<double>(g, "timestamps", object + "/timestamps", H5T_NATIVE_DOUBLE, ctx);
    t.node_ids = read_vector<uint64_t>(g, "node_ids", object + "/node_ids", H5T_NATIVE_UINT64, ctx);
    if (t.times.size() != t.node_ids.size())
      throw io_error("HDF5 file '" + path + "': '" + object + "' has " +
                     std::to_string(t.times.size()) + " timestamps but " +
                     std::to_string(t.node_ids.size()) + " node_ids");
    out.push_back(std::move(t));
  }
  return out;
}

void write_traces_h5(const std::string& path, const std::vector<trace_table>& tables) {
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const trace_table& t = tables[i];
    if (t.data.size() != t.time.size() * t.node_ids.size())
      throw internal_error("trace table '" + t.population + "/" + t.variable +
                           "': " + std::to_string(t.data.size()) + " values for " +
                           std::to_string(t.time.size()) + " samples x " +
                           std::to_string(t.node_ids.size()) + " cells");
    for (std::size_t j = 0; j < i; ++j)
      if (tables[j].population == t.population && tables[j].variable == t.variable)
        throw internal_error("trace table '" + t.population + "/" + t.variable + "' given twice");
  }
  write_file(path, [&](hid_t file, const h5_context& ctx) {
    std::vector<std::string> made;  // populations whose group exists, in model order
    for (const auto& t : tables) {
      check_name(t.population, "population", ctx);
      check_name(t.variable, "variable", ctx);
      const std::string pop_object = "/" + t.population;
      if (std::find(made.begin(), made.end(), t.population) == made.end()) {
        create_group(file, t.population, pop_object, ctx);
        made.push_back(t.population);
      }
      h5 pop = open_group(file, t.population, pop_object, ctx);
      const std::string object = pop_object + "/" + t.variable;
      h5 g = create_group(pop, t.variable, object, ctx);
      const hsize_t ns = t.time.size(), nc = t.node_ids.size();
      write_dataset(g, "time", object + "/time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {ns},
                    t.time.data(), "ms", ctx);
      write_dataset(g, "node_ids", object + "/node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, {nc},
                    t.node_ids.data(), nullptr, ctx);
      write_dataset(g, "data", object + "/data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {ns, nc},
                    t.data.data(), t.unit.c_str(), ctx);
    }
  });
}

std::vector<trace_table> read_traces_h5(const std::string& path) {
  const h5_context ctx(path);
  h5 file = open_file(path, ctx);
  std::vector<trace_table> out;
  h5 root = open_group(file, "/", "/", ctx);
  for (const auto& pop : children(root, "/", ctx)) {
    h5 pg = open_group(root, pop, "/" + pop, ctx);
    for (const auto& var : children(pg, "/" + pop, ctx)) {
      const std::string object = "/" + pop + "/" + var;
      h5 g = open_group(pg, var, object, ctx);
      trace_table t;
      t.population = pop;
      t.variable = var;
      t.time = read_vector<double>(g, "time", object + "/time", H5T_NATIVE_DOUBLE, ctx);
      t.node_ids =
          read_vector<uint64_t>(g, "node_ids", object + "/node_ids", H5T_NATIVE_UINT64, ctx);
      std::vector<hsize_t> shape;
      t.data = read_dataset<double>(g, "data", object + "/data", H5T_NATIVE_DOUBLE, shape, ctx);
      if (shape.size() != 2 || shape[0] != t.time.size() || shape[1] != t.node_ids.size())
        throw io_error("HDF5 file '" + path + "': '" + object + "/data' must have shape [" +
                       std::to_string(t.time.size()) + ", " + std::to_string(t.node_ids.size()) +
                       "] (samples x cells)");
      h5 ds(H5Dopen2(g, "data", H5P_DEFAULT), H5Dclose, ctx, "open dataset", object + "/data");
      t.unit = read_string_attribute(ds, "units", object + "/data", ctx);
      out.push_back(std::move(t));
    }
  }
  return out;
}

output_transaction::output_transaction(const std::string& dir, bool sync) : dir_(dir), sync_(sync) {
  const auto fail = [&](const std::string& reason) {
    throw io_error("cannot write to output directory '" + dir + "': " + reason);
  };
  if (dir.empty()) fail("empty path");
  std::error_code ec;
  // Directories this transaction creates, deepest first: removed again (if still empty)
  // unless the transaction commits, so a failed run leaves no empty output directory.
  for (fs::path p = fs::absolute(dir, ec).lexically_normal(); !p.empty() && !fs::exists(p, ec);
       p = p.parent_path()) {
    if (p.filename().empty()) {  // trailing '/': the same directory
      continue;
    }
    created_.push_back(p.string());
  }
  fs::create_directories(dir, ec);
  // create_directories reports no error when `dir` exists as a regular file.
  if (ec) fail(ec.message());
  if (!fs::is_directory(dir, ec)) fail("exists and is not a directory");
  // Permissions alone do not tell (read-only mounts, root, ACLs): try it.
  const std::string probe =
      (fs::path(dir) / (".myelin-probe-" + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

output_transaction::~output_transaction() {
  if (committed_) return;
  // Only our own temporaries: a file already renamed by a commit() that failed half-way
  // no longer exists under its temporary name, and nothing else is touched.
  std::error_code ec;
  for (const auto& [tmp, final_name] : files_) fs::remove(tmp, ec);
  for (const auto& d : created_) fs::remove(d, ec);  // fails, harmlessly, if not empty
}

std::string output_transaction::path(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw internal_error("output_transaction::path: '" + name + "' is not a plain file name");
  if (committed_) throw internal_error("output_transaction::path after commit()");
  const std::string final_name = (fs::path(dir_) / name).string();
  for (const auto& [tmp, f] : files_)
    if (f == final_name) return tmp;
  const std::string tmp = temporary_name(final_name);
  files_.emplace_back(tmp, final_name);
  return tmp;
}

void output_transaction::commit() {
  if (committed_) return;
  // Check and sync every file before renaming any, so that a missing or unwritable file
  // fails the commit while no final name has been touched yet.
  for (const auto& [tmp, final_name] : files_) {
    std::error_code ec;
    if (!fs::is_regular_file(tmp, ec))
      throw io_error("cannot commit '" + final_name + "': its temporary file '" + tmp +
                     "' was not written");
    if (sync_) sync_file(tmp);
  }
  for (const auto& [tmp, final_name] : files_) {
    std::error_code ec;
    // Without sync, an older file of the same name goes first: ext4 flushes the new
    // file's data to the disk when a rename replaces a file (auto_da_alloc), a stall of
    // ~1 ms per file that the batch's one sync at its end is there to avoid.
    if (!sync_) fs::remove(final_name, ec);
    fs::rename(tmp, final_name, ec);
    if (ec) throw io_error("cannot move '" + tmp + "' to '" + final_name + "': " + ec.message());
  }
  if (sync_) sync_directory(dir_);
  committed_ = true;
}

void write_text_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = temporary_name(fs::path(path));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("cannot write '" + path + "'");
  const auto fail = [&](const std::string& what) {
    const int saved = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    errno = saved;
    throw_errno(what);
  };
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;  // write() made no progress and set no error
    if (n <= 0) fail("cannot write '" + path + "'");
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    throw_errno("cannot write '" + path + "'");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    throw_errno("cannot move '" + tmp + "' to '" + path + "'");
  }
}

void sync_file_system(const std::string& dir) {
  flush_path(dir, O_DIRECTORY, ::syncfs);
}

void write_dipole_csv(const std::string& path, double dt, const std::vector<std::string>& layers,
                      const std::vector<double>& agg,
                      const std::vector<std::vector<double>>& per_layer) {
  std::string text = "t_ms,agg";
  for (const auto& n : layers) text.append(1, ',').append(n);
  text.append(1, '\n');
  // printf's "%.10g", several times faster than std::to_chars with a precision.
  char buf[32];
  auto put = [&](double v) { text.append(buf, format_g10(buf, v)); };
  text.reserve(text.size() + agg.size() * 16 * (2 + per_layer.size()));
  for (std::size_t k = 0; k < agg.size(); ++k) {
    put(static_cast<double>(k) * dt);
    text.append(1, ',');
    put(agg[k]);
    for (const auto& l : per_layer) {
      text.append(1, ',');
      put(l[k]);
    }
    text.append(1, '\n');
  }
  write_text_atomic(path, text);
}

}  // namespace myelin::detail

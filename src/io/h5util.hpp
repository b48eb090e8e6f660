#pragma once
// Small RAII layer over HDF5's C API shared by the writers (writers.cpp, trace_stream.cpp).
//
// Every failure becomes one io_error naming the file, the object and the reason (HDF5's
// own error stack is silenced; a system error on it, such as ENOSPC, is reported as its
// strerror text).
//
// Thread-safety: call these from one thread at a time unless the HDF5 library was built
// thread-safe (H5is_library_threadsafe; Debian 12's is): the batch runner checks at run
// time before it lets several jobs stream at once (src/batch/runner.cpp).

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/writers.hpp"
#include "myelin/error.hpp"

namespace myelin::detail::h5io {

/// SONATA (and BMTK, which writes the files that SONATA tools read) put these two
/// attributes on the root group of every SONATA HDF5 file.
inline constexpr uint32_t sonata_magic = 0x0A7A;
inline constexpr uint32_t sonata_version[2] = {0, 1};

/// Silences HDF5's printing of its error stack (once per process).
void quiet_hdf5();

/// Names the file and the object in every error, as the user needs both to act on it.
/// `file` may be an output_transaction's temporary path: messages show the final name.
class context {
 public:
  explicit context(std::string file);
  [[noreturn]] void fail(const std::string& action, const std::string& object) const;
  void check(herr_t status, const std::string& action, const std::string& object) const {
    if (status < 0) fail(action, object);
  }
  const std::string& file() const { return file_; }  // as shown in messages
  const std::string& path() const { return path_; }  // as opened

 private:
  std::string path_, file_;
};

/// Owns one HDF5 identifier and closes it with the matching function on every path.
class h5 {
 public:
  h5(hid_t id, herr_t (*close)(hid_t), const context& ctx, const std::string& action,
     const std::string& object)
      : id_(id), close_(close) {
    if (id_ < 0) ctx.fail(action, object);
  }
  ~h5() {
    if (id_ >= 0) close_(id_);
  }
  h5(const h5&) = delete;
  h5& operator=(const h5&) = delete;
  h5(h5&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  operator hid_t() const { return id_; }
  /// Closes now and reports a failure (a file's close writes what HDF5 still buffers).
  void close(const context& ctx, const std::string& action, const std::string& object) {
    const hid_t id = id_;
    id_ = -1;
    if (id >= 0) ctx.check(close_(id), action, object);
  }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

h5 property_list(hid_t cls, const context& ctx);

/// Group names come from population labels and variable names; HDF5 would read '/' as a
/// path separator and refuse "." as a name.
void check_name(const std::string& name, const std::string& what, const context& ctx);

/// Groups track link creation order so that readers (ours, h5py) list populations and
/// variables in the order they were written; no modification times are stored.
h5 create_group(hid_t parent, const std::string& name, const std::string& object,
                const context& ctx);
h5 open_group(hid_t parent, const std::string& name, const std::string& object, const context& ctx);

void string_attribute(hid_t obj, const char* name, const std::string& value,
                      const std::string& object, const context& ctx);
void uint32_attribute(hid_t obj, const char* name, const uint32_t* values, hsize_t n, bool scalar,
                      const context& ctx);

/// Dataset creation properties: no modification times; with `chunk` non-empty a chunked
/// layout with the filters of `c` (none: raw chunks), else contiguous.
h5 dataset_properties(const std::vector<hsize_t>& chunk, compression c, const std::string& object,
                      const context& ctx);

/// Chunk shape for a 1-D or 2-D [rows, columns] dataset: whole rows where they fit in one
/// chunk (a time slice of all cells is contiguous), else part of a row.
std::vector<hsize_t> chunk_shape(const std::vector<hsize_t>& dims);

/// Whether a dataset of `total` values is stored chunked and filtered under `c`.
bool chunked(hsize_t total, compression c);

/// Creates and writes a whole dataset; `units`, when given, becomes a string attribute.
void write_dataset(hid_t parent, const std::string& name, const std::string& object,
                   hid_t file_type, hid_t mem_type, const std::vector<hsize_t>& dims,
                   const void* data, const char* units, compression c, const context& ctx);

/// Creates an empty dataset of rank 1 or 2 whose first dimension grows (append_rows):
/// shape [0] or [0, cols], chunked as `chunk` with the filters of `c`, stored as
/// `file_type`; `units`, when given, becomes a string attribute. (HDF5 needs chunks to grow
/// a dataset; with cols == 0 the second dimension may grow too, as a chunk may not exceed
/// a fixed dimension.)
h5 create_growing(hid_t parent, const char* name, const std::string& object, hid_t file_type,
                  hsize_t cols, int rank, const std::vector<hsize_t>& chunk, compression c,
                  const char* units, const context& ctx);

/// Grows `ds` (made by create_growing) to start + count rows and writes `count` rows of
/// `cols` values of `mem_type` from `buf` at row `start`.
void append_rows(hid_t ds, hid_t mem_type, hsize_t start, hsize_t count, hsize_t cols, int rank,
                 const void* buf, const std::string& object, const context& ctx);

std::vector<hsize_t> dataset_shape(hid_t ds, const std::string& object, const context& ctx);

template <class T>
std::vector<T> read_dataset(hid_t parent, const std::string& name, const std::string& object,
                            hid_t mem_type, std::vector<hsize_t>& shape, const context& ctx) {
  h5 ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, ctx, "open dataset", object);
  shape = dataset_shape(ds, object, ctx);
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
                           hid_t mem_type, const context& ctx) {
  std::vector<hsize_t> shape;
  std::vector<T> out = read_dataset<T>(parent, name, object, mem_type, shape, ctx);
  if (shape.size() != 1)
    throw io_error("HDF5 file '" + ctx.file() + "': dataset '" + object + "' has " +
                   std::to_string(shape.size()) + " dimensions, expected 1");
  return out;
}

std::string read_string_attribute(hid_t obj, const char* name, const std::string& object,
                                  const context& ctx);

/// Names of the links in a group: in creation order where the group tracks it (ours do),
/// else by name (files from other tools).
std::vector<std::string> children(hid_t group, const std::string& object, const context& ctx);

/// Creates (truncating) an HDF5 file for writing.
h5 create_file(const context& ctx);

/// Flushes and closes a file opened by create_file, reporting a failure (full disk).
void finish_file(h5& file, const context& ctx);

/// Opens an existing file read-only; io_error if missing.
h5 open_file(const context& ctx);

/// Creates an HDF5 file, runs `body(file, ctx)`, flushes and closes it; if anything throws,
/// the partial file is removed, so a failed write never leaves a file that looks complete.
template <class F>
void write_file(const std::string& path, F&& body) {
  const context ctx(path);
  try {
    h5 file = create_file(ctx);
    body(static_cast<hid_t>(file), ctx);
    finish_file(file, ctx);
  } catch (...) {
    remove_quietly(path);
    throw;
  }
}

}  // namespace myelin::detail::h5io

// RAII layer over HDF5's C API (h5util.hpp).

#include "io/h5util.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace myelin::detail::h5io {
namespace {

// Elements per chunk: 64 Ki doubles = 512 KiB, below HDF5's default 1 MiB chunk cache, so a
// chunk read for one cell's trace is decompressed once and reused for its neighbours.
constexpr hsize_t chunk_elements = 1 << 16;

// Datasets of at least this many elements are chunked and compressed; smaller ones stay
// contiguous, where compression would cost more header than it saves.
constexpr hsize_t compress_threshold = 1 << 16;

// The reason of a failure from HDF5's error stack: the system error where a system call
// failed (HDF5's sec2 driver writes "errno = 28, error message = '...'" into its
// description), else the most specific message (the innermost function that failed).
std::string hdf5_reason() {
  struct walk {
    std::string innermost;
    int sys_errno = 0;
  } w;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        auto& w = *static_cast<walk*>(out);
        if (!e->desc) return 0;
        if (n == 0) w.innermost = e->desc;
        if (const char* p = std::strstr(e->desc, "errno = "); p && w.sys_errno == 0)
          w.sys_errno = std::atoi(p + 8);
        return 0;
      },
      &w);
  H5Eclear2(H5E_DEFAULT);
  if (w.sys_errno > 0) return std::strerror(w.sys_errno);
  return w.innermost.empty() ? "HDF5 error" : w.innermost;
}

}  // namespace

void quiet_hdf5() {
  static const bool done = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)done;
}

context::context(std::string file) : path_(std::move(file)), file_(final_path(path_)) {
  quiet_hdf5();
}

void context::fail(const std::string& action, const std::string& object) const {
  const std::string reason = hdf5_reason();
  throw io_error("HDF5 file '" + file_ + "': cannot " + action +
                 (object.empty() ? "" : " '" + object + "'") + ": " + reason);
}

h5 property_list(hid_t cls, const context& ctx) {
  return h5(H5Pcreate(cls), H5Pclose, ctx, "create a property list", "");
}

void check_name(const std::string& name, const std::string& what, const context& ctx) {
  if (name.empty() || name == "." || name.find('/') != std::string::npos)
    throw io_error("HDF5 file '" + ctx.file() + "': " + what + " name '" + name +
                   "' cannot be an HDF5 group name (empty, '.' or containing '/')");
}

h5 create_group(hid_t parent, const std::string& name, const std::string& object,
                const context& ctx) {
  h5 gcpl = property_list(H5P_GROUP_CREATE, ctx);
  ctx.check(H5Pset_obj_track_times(gcpl, false), "configure group", object);
  ctx.check(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
            "configure group", object);
  return h5(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose, ctx,
            "create group", object);
}

h5 open_group(hid_t parent, const std::string& name, const std::string& object,
              const context& ctx) {
  return h5(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose, ctx, "open group", object);
}

void string_attribute(hid_t obj, const char* name, const std::string& value,
                      const std::string& object, const context& ctx) {
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
                      const context& ctx) {
  const std::string what = std::string("/@") + name;
  h5 space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose, ctx,
           "create dataspace for", what);
  h5 attr(H5Acreate2(obj, name, H5T_STD_U32LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, ctx,
          "create attribute", what);
  ctx.check(H5Awrite(attr, H5T_NATIVE_UINT32, values), "write attribute", what);
}

std::vector<hsize_t> chunk_shape(const std::vector<hsize_t>& dims) {
  if (dims.size() == 1) return {std::clamp<hsize_t>(dims[0], 1, chunk_elements)};
  const hsize_t cols = std::clamp<hsize_t>(dims[1], 1, chunk_elements);
  const hsize_t rows = std::clamp<hsize_t>(chunk_elements / cols, 1, std::max<hsize_t>(dims[0], 1));
  return {rows, cols};
}

bool chunked(hsize_t total, compression c) {
  return c != compression::none && total >= compress_threshold;
}

h5 dataset_properties(const std::vector<hsize_t>& chunk, compression c, const std::string& object,
                      const context& ctx) {
  h5 dcpl = property_list(H5P_DATASET_CREATE, ctx);
  ctx.check(H5Pset_obj_track_times(dcpl, false), "configure dataset", object);
  if (chunk.empty()) return dcpl;
  ctx.check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "set chunking for",
            object);
  // gzip is optional in HDF5 builds; without it the data are stored chunked but raw.
  // The shuffle filter groups the bytes of doubles by significance, which roughly
  // doubles what gzip gains on membrane potentials.
  if (c != compression::none && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    ctx.check(H5Pset_shuffle(dcpl), "set shuffle filter for", object);
    ctx.check(H5Pset_deflate(dcpl, c == compression::best ? 6 : 1), "set compression for", object);
  }
  return dcpl;
}

void write_dataset(hid_t parent, const std::string& name, const std::string& object,
                   hid_t file_type, hid_t mem_type, const std::vector<hsize_t>& dims,
                   const void* data, const char* units, compression c, const context& ctx) {
  h5 space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, ctx,
           "create dataspace for", object);
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  h5 dcpl = dataset_properties(chunked(total, c) ? chunk_shape(dims) : std::vector<hsize_t>{}, c,
                               object, ctx);
  h5 ds(H5Dcreate2(parent, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
        H5Dclose, ctx, "create dataset", object);
  if (total > 0)
    ctx.check(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write dataset", object);
  if (units) string_attribute(ds, "units", units, object, ctx);
}

h5 create_growing(hid_t parent, const char* name, const std::string& object, hid_t file_type,
                  hsize_t cols, int rank, const std::vector<hsize_t>& chunk, compression c,
                  const char* units, const context& ctx) {
  const hsize_t dims[2] = {0, cols}, max[2] = {H5S_UNLIMITED, cols > 0 ? cols : H5S_UNLIMITED};
  h5 space(H5Screate_simple(rank, dims, max), H5Sclose, ctx, "create dataspace for", object);
  h5 dcpl = dataset_properties(chunk, c, object, ctx);
  h5 ds(H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, ctx,
        "create dataset", object);
  if (units) string_attribute(ds, "units", units, object, ctx);
  return ds;
}

void append_rows(hid_t ds, hid_t mem_type, hsize_t start, hsize_t count, hsize_t cols, int rank,
                 const void* buf, const std::string& object, const context& ctx) {
  const hsize_t dims[2] = {start + count, cols};
  ctx.check(H5Dset_extent(ds, dims), "extend dataset", object);
  h5 file_space(H5Dget_space(ds), H5Sclose, ctx, "get dataspace of", object);
  const hsize_t offset[2] = {start, 0}, block[2] = {count, cols};
  ctx.check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, offset, nullptr, block, nullptr),
            "select rows of", object);
  h5 mem_space(H5Screate_simple(rank, block, nullptr), H5Sclose, ctx, "create dataspace for",
               object);
  ctx.check(H5Dwrite(ds, mem_type, mem_space, file_space, H5P_DEFAULT, buf), "write dataset",
            object);
}

std::vector<hsize_t> dataset_shape(hid_t ds, const std::string& object, const context& ctx) {
  h5 space(H5Dget_space(ds), H5Sclose, ctx, "get dataspace of", object);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) ctx.fail("get rank of", object);
  std::vector<hsize_t> shape(static_cast<std::size_t>(rank), 0);
  if (rank > 0 && H5Sget_simple_extent_dims(space, shape.data(), nullptr) < 0)
    ctx.fail("get shape of", object);
  return shape;
}

std::string read_string_attribute(hid_t obj, const char* name, const std::string& object,
                                  const context& ctx) {
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

std::vector<std::string> children(hid_t group, const std::string& object, const context& ctx) {
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

h5 create_file(const context& ctx) {
  return h5(H5Fcreate(ctx.path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, ctx,
            "create", "");
}

void finish_file(h5& file, const context& ctx) {
  ctx.check(H5Fflush(file, H5F_SCOPE_LOCAL), "write", "");
  file.close(ctx, "write", "");
}

h5 open_file(const context& ctx) {
  std::error_code ec;
  if (!std::filesystem::exists(ctx.path(), ec))
    throw io_error("HDF5 file '" + ctx.file() + "': no such file");
  return h5(H5Fopen(ctx.path().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, ctx, "open", "");
}

}  // namespace myelin::detail::h5io

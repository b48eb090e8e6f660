// HDF5 writers (SONATA spikes, traces) and atomic output files.
//
// Thread-safety: Debian's serial HDF5 library is not thread-safe; every function here must
// be called from one thread at a time (the engine writes outputs from rank 0's main thread).

#include "io/writers.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "io/decimal.hpp"
#include "io/h5util.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

using namespace h5io;

[[noreturn]] void throw_errno(const std::string& what) {
  throw io_error(what + ": " + std::strerror(errno));
}

}  // namespace

void write_spikes_sonata(const std::string& path, const std::vector<spike_table>& tables,
                         compression c) {
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
  uint64_t bytes = 0;
  for (const auto& t : tables) bytes += 16 * t.times.size();
  note_output_file(path, bytes);
  write_file(path, [&](hid_t file, const context& ctx) {
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
                    t.times.data(), "ms", c, ctx);
      write_dataset(g, "node_ids", object + "/node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, n,
                    t.node_ids.data(), nullptr, c, ctx);
    }
  });
}

namespace {

// One population's spikes from an open /spikes group.
spike_table read_population(const h5& spikes, const std::string& name, const context& ctx) {
  const std::string object = "/spikes/" + name;
  h5 g = open_group(spikes, name, object, ctx);
  spike_table t;
  t.population = name;
  t.times = read_vector<double>(g, "timestamps", object + "/timestamps", H5T_NATIVE_DOUBLE, ctx);
  t.node_ids = read_vector<uint64_t>(g, "node_ids", object + "/node_ids", H5T_NATIVE_UINT64, ctx);
  if (t.times.size() != t.node_ids.size())
    throw io_error("HDF5 file '" + ctx.file() + "': '" + object + "' has " +
                   std::to_string(t.times.size()) + " timestamps but " +
                   std::to_string(t.node_ids.size()) + " node_ids");
  return t;
}

}  // namespace

std::vector<spike_table> read_spikes_sonata(const std::string& path) {
  const context ctx(path);
  h5 file = open_file(ctx);
  h5 spikes = open_group(file, "spikes", "/spikes", ctx);
  std::vector<spike_table> out;
  for (const auto& name : children(spikes, "/spikes", ctx))
    out.push_back(read_population(spikes, name, ctx));
  return out;
}

spike_table read_spikes_sonata(const std::string& path, const std::string& population) {
  const context ctx(path);
  h5 file = open_file(ctx);
  h5 spikes = open_group(file, "spikes", "/spikes", ctx);
  return read_population(spikes, population, ctx);
}

void write_traces_h5(const std::string& path, const std::vector<trace_table>& tables,
                     compression c) {
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
  uint64_t bytes = 0;
  for (const auto& t : tables) bytes += 8 * (t.data.size() + t.time.size() + t.node_ids.size());
  note_output_file(path, bytes);
  write_file(path, [&](hid_t file, const context& ctx) {
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
                    t.time.data(), "ms", c, ctx);
      write_dataset(g, "node_ids", object + "/node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, {nc},
                    t.node_ids.data(), nullptr, c, ctx);
      write_dataset(g, "data", object + "/data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {ns, nc},
                    t.data.data(), t.unit.c_str(), c, ctx);
    }
  });
}

std::vector<trace_table> read_traces_h5(const std::string& path) {
  const context ctx(path);
  h5 file = open_file(ctx);
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

void write_text_atomic(const std::string& path, const std::string& content) {
  note_output_file(path, content.size());
  const std::string shown = final_path(path);
  const std::string tmp = temporary_path(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("cannot write '" + shown + "'");
  const int slot = register_temporary(tmp);
  const auto fail = [&](bool close_fd) {
    const int saved = errno;
    if (close_fd) ::close(fd);
    ::unlink(tmp.c_str());
    release_temporary(slot);
    errno = saved;
    throw_errno("cannot write '" + shown + "'");
  };
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;  // write() made no progress and set no error
    if (n <= 0) fail(true);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) fail(false);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(false);
  release_temporary(slot);
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

void write_extracellular_csv(const std::string& path, double dt, std::size_t n_electrodes,
                             std::size_t n_times, const std::vector<double>& values) {
  std::string text = "t_ms";
  for (std::size_t e = 0; e < n_electrodes; ++e) text.append(",e").append(std::to_string(e));
  text.append(1, '\n');
  char buf[32];
  auto put = [&](double v) { text.append(buf, format_g10(buf, v)); };
  text.reserve(text.size() + n_times * 16 * (1 + n_electrodes));
  for (std::size_t k = 0; k < n_times; ++k) {
    put(static_cast<double>(k) * dt);
    for (std::size_t e = 0; e < n_electrodes; ++e) {
      text.append(1, ',');
      put(values[e * n_times + k]);
    }
    text.append(1, '\n');
  }
  write_text_atomic(path, text);
}

}  // namespace myelin::detail

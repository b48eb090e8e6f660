// Streaming traces.h5 writer (trace_stream.hpp).

#include "io/trace_stream.hpp"

#include <algorithm>
#include <optional>

#include "io/h5util.hpp"

namespace myelin::detail {

using namespace h5io;

namespace {

// Samples per chunk of a time dataset: 64 KiB, so that short recordings stay small.
constexpr hsize_t time_chunk = 8192;

}  // namespace

struct trace_stream::state {
  struct variable {
    std::string population, name, object;
    hsize_t cells = 0, samples = 0;
    std::optional<h5> time, data;
  };
  context ctx;
  compression comp;
  std::optional<h5> file;
  std::vector<std::string> populations;  // groups made, in order
  std::vector<variable> vars;

  state(const std::string& path, compression c) : ctx(path), comp(c) {}
};

trace_stream::trace_stream(const std::string& path, compression c)
    : s_(std::make_unique<state>(path, c)) {
  s_->file.emplace(create_file(s_->ctx));
}

trace_stream::~trace_stream() = default;  // h5 members close quietly

std::size_t trace_stream::add(const std::string& population, const std::string& variable,
                              const std::string& unit, const std::vector<uint64_t>& node_ids) {
  state& s = *s_;
  if (!s.file) throw internal_error("trace_stream::add after close()");
  for (const auto& v : s.vars)
    if (v.population == population && v.name == variable)
      throw internal_error("trace_stream: '" + population + "/" + variable + "' added twice");
  check_name(population, "population", s.ctx);
  check_name(variable, "variable", s.ctx);
  const std::string pop_object = "/" + population;
  if (std::find(s.populations.begin(), s.populations.end(), population) == s.populations.end()) {
    create_group(*s.file, population, pop_object, s.ctx);
    s.populations.push_back(population);
  }
  h5 pop = open_group(*s.file, population, pop_object, s.ctx);
  state::variable v;
  v.population = population;
  v.name = variable;
  v.object = pop_object + "/" + variable;
  v.cells = node_ids.size();
  h5 g = create_group(pop, variable, v.object, s.ctx);
  v.time.emplace(create_growing(g, "time", v.object + "/time", H5T_IEEE_F64LE, 1, 1, {time_chunk},
                                s.comp, "ms", s.ctx));
  write_dataset(g, "node_ids", v.object + "/node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, {v.cells},
                node_ids.data(), nullptr, s.comp, s.ctx);
  // Chunks of whole rows (all cells of some samples), as write_traces_h5 uses for a large
  // dataset: the time slices a recorder produces are contiguous in the file.
  v.data.emplace(create_growing(g, "data", v.object + "/data", H5T_IEEE_F64LE, v.cells, 2,
                                chunk_shape({hsize_t{1} << 16, std::max<hsize_t>(v.cells, 1)}),
                                s.comp, unit.c_str(), s.ctx));
  s.vars.push_back(std::move(v));
  return s.vars.size() - 1;
}

void trace_stream::append(std::size_t handle, const double* time, std::size_t n_samples,
                          const double* data) {
  state& s = *s_;
  if (!s.file) throw internal_error("trace_stream::append after close()");
  if (handle >= s.vars.size()) throw internal_error("trace_stream::append: no such handle");
  state::variable& v = s.vars[handle];
  if (n_samples == 0) return;
  append_rows(*v.time, H5T_NATIVE_DOUBLE, v.samples, n_samples, 1, 1, time, v.object + "/time",
              s.ctx);
  if (v.cells > 0) {
    append_rows(*v.data, H5T_NATIVE_DOUBLE, v.samples, n_samples, v.cells, 2, data,
                v.object + "/data", s.ctx);
  } else {  // no cells: shape [n, 0] as write_traces_h5 writes it, nothing to store
    const hsize_t dims[2] = {v.samples + n_samples, 0};
    s.ctx.check(H5Dset_extent(*v.data, dims), "extend dataset", v.object + "/data");
  }
  v.samples += n_samples;
}

void trace_stream::append(std::size_t handle, const std::vector<double>& time,
                          const std::vector<double>& data) {
  if (handle >= s_->vars.size()) throw internal_error("trace_stream::append: no such handle");
  const auto cells = static_cast<std::size_t>(s_->vars[handle].cells);
  if (data.size() != time.size() * cells)
    throw internal_error("trace_stream::append '" + s_->vars[handle].object +
                         "': " + std::to_string(data.size()) + " values for " +
                         std::to_string(time.size()) + " samples x " + std::to_string(cells) +
                         " cells");
  append(handle, time.data(), time.size(), data.data());
}

std::size_t trace_stream::samples(std::size_t handle) const {
  if (handle >= s_->vars.size()) throw internal_error("trace_stream::samples: no such handle");
  return static_cast<std::size_t>(s_->vars[handle].samples);
}

void trace_stream::close() {
  state& s = *s_;
  if (!s.file) return;
  for (auto& v : s.vars) {
    v.time->close(s.ctx, "write dataset", v.object + "/time");
    v.data->close(s.ctx, "write dataset", v.object + "/data");
  }
  finish_file(*s.file, s.ctx);
  s.file.reset();
}

}  // namespace myelin::detail

// Streaming spikes.h5 writer (spike_stream.hpp).

#include "io/spike_stream.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "io/h5util.hpp"

namespace myelin::detail {

using namespace h5io;

namespace {

// Spikes per chunk: 64 KiB per dataset, so that populations with few spikes stay small.
constexpr hsize_t spike_chunk = 8192;

}  // namespace

struct spike_stream::state {
  struct population {
    std::string name, object;
    hsize_t size = 0;
    double last = 0;  // time of the last spike appended
    std::optional<h5> times, ids;
  };
  context ctx;
  compression comp;
  std::optional<h5> file, spikes;
  std::vector<population> pops;

  state(const std::string& path, compression c) : ctx(path), comp(c) {}
};

spike_stream::spike_stream(const std::string& path, compression c)
    : s_(std::make_unique<state>(path, c)) {
  state& s = *s_;
  s.file.emplace(create_file(s.ctx));
  uint32_attribute(*s.file, "magic", &sonata_magic, 1, true, s.ctx);
  uint32_attribute(*s.file, "version", sonata_version, 2, false, s.ctx);
  s.spikes.emplace(create_group(*s.file, "spikes", "/spikes", s.ctx));
}

spike_stream::~spike_stream() = default;  // h5 members close quietly (datasets first)

std::size_t spike_stream::add(const std::string& population) {
  state& s = *s_;
  if (!s.file) throw internal_error("spike_stream::add after close()");
  for (const auto& p : s.pops)
    if (p.name == population)
      throw internal_error("spike_stream: population '" + population + "' added twice");
  check_name(population, "population", s.ctx);
  state::population p;
  p.name = population;
  p.object = "/spikes/" + population;
  h5 g = create_group(*s.spikes, population, p.object, s.ctx);
  string_attribute(g, "sorting", "by_time", p.object, s.ctx);
  p.times.emplace(create_growing(g, "timestamps", p.object + "/timestamps", H5T_IEEE_F64LE, 1, 1,
                                 {spike_chunk}, s.comp, "ms", s.ctx));
  p.ids.emplace(create_growing(g, "node_ids", p.object + "/node_ids", H5T_STD_U64LE, 1, 1,
                               {spike_chunk}, s.comp, nullptr, s.ctx));
  s.pops.push_back(std::move(p));
  return s.pops.size() - 1;
}

void spike_stream::append(std::size_t handle, const double* times, const uint64_t* node_ids,
                          std::size_t n) {
  state& s = *s_;
  if (!s.file) throw internal_error("spike_stream::append after close()");
  if (handle >= s.pops.size()) throw internal_error("spike_stream::append: no such handle");
  state::population& p = s.pops[handle];
  if (n == 0) return;
  if ((p.size > 0 && times[0] < p.last) || !std::is_sorted(times, times + n))
    throw internal_error("spike_stream '" + p.object + "': times are not ascending");
  append_rows(*p.times, H5T_NATIVE_DOUBLE, p.size, n, 1, 1, times, p.object + "/timestamps", s.ctx);
  append_rows(*p.ids, H5T_NATIVE_UINT64, p.size, n, 1, 1, node_ids, p.object + "/node_ids", s.ctx);
  p.size += n;
  p.last = times[n - 1];
}

std::size_t spike_stream::size(std::size_t handle) const {
  if (handle >= s_->pops.size()) throw internal_error("spike_stream::size: no such handle");
  return static_cast<std::size_t>(s_->pops[handle].size);
}

void spike_stream::close() {
  state& s = *s_;
  if (!s.file) return;
  for (auto& p : s.pops) {
    p.times->close(s.ctx, "write dataset", p.object + "/timestamps");
    p.ids->close(s.ctx, "write dataset", p.object + "/node_ids");
  }
  s.spikes->close(s.ctx, "close group", "/spikes");
  finish_file(*s.file, s.ctx);
  s.file.reset();
}

}  // namespace myelin::detail

// Streaming the recording to files (recording.hpp): switching over, the disk check, the
// flush rule and the end of the stream.

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "model/estimate.hpp"
#include "myelin/error.hpp"
#include "record/recording.hpp"

namespace myelin::detail {

namespace {

// Bytes held by the in-memory sink.
double held_bytes(const memory_sink& m, std::size_t populations) {
  double b = 0;
  for (std::size_t p = 0; p < populations; ++p)
    b += spike_bytes_per_event * static_cast<double>(m.spikes(p).times.size());
  for (const auto& t : m.traces()) b += 8.0 * static_cast<double>(t.times.size() + t.values.size());
  return b;
}

}  // namespace

void recording::stream_to(const std::string& dir, compression c) {
  stream_compression_ = c;
  if (dir.empty()) throw error("stream_outputs: empty directory name");
  if (stream_ != stream_state::off && dir != stream_dir_)
    throw error("stream_outputs: the recording already streams to '" + stream_dir_ + "'");
  stream_dir_ = dir;
}

double recording::pending_bytes() const {
  double b = spike_bytes_per_event * static_cast<double>(unflushed_spikes_);
  for (std::size_t r = 0; r < times_.size(); ++r)
    b += row_bytes_[r] * static_cast<double>(times_[r].size());
  return b;
}

void recording::check_disk(double need) const {
  struct statvfs st {};
  if (statvfs(stream_dir_.c_str(), &st) != 0)
    throw io_error("cannot check the free space in output directory '" + stream_dir_ +
                   "': " + std::strerror(errno));
  const double free = static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize);
  if (need > free)
    throw error("recorders would need about " + human_bytes(need) + ", above the " +
                human_bytes(limit_) + " recording memory limit, and only " + human_bytes(free) +
                " is free in '" + stream_dir_ +
                "' to stream them to; free disk space or choose another output directory "
                "(-o), record fewer cells or variables, use a longer sampling interval or a "
                "start/stop window");
}

void recording::start_stream(distributed_context& dist, std::vector<vp_state>& vps, double need) {
  on_writer(dist, true, [&] {
    auto tx = std::make_unique<output_transaction>(stream_dir_);
    check_disk(need + held_bytes(memory_, labels_.size()));
    auto sink = std::make_unique<h5_stream_sink>(*tx, pop_recorded_, stream_compression_);
    sink->declare(labels_, table_infos_);
    // What was recorded in memory so far comes first.
    for (std::size_t p = 0; p < labels_.size(); ++p) {
      const spike_data& s = memory_.spikes(p);
      if (!s.times.empty())
        sink->append_spikes(p, s.times.data(), s.node_ids.data(), s.times.size());
    }
    for (std::size_t i = 0; i < memory_.traces().size(); ++i) {
      const trace_data& t = memory_.traces()[i];
      sink->append_samples(i, t.times.data(), t.values.data(), t.times.size());
    }
    sink->flush();
    memory_ = memory_sink();  // frees it
    memory_.declare(labels_, table_infos_);
    tx_ = std::move(tx);
    stream_sink_ = std::move(sink);
    sinks_ = {stream_sink_.get()};
  });
  stream_ = stream_state::on;
  flush_traces(dist, vps);  // the samples since the last flush follow
}

output_transaction* recording::finish_stream(distributed_context& dist,
                                             std::vector<vp_state>& vps) {
  if (!streaming()) throw internal_error("finish_stream without a stream");
  flush_traces(dist, vps);
  on_writer(dist, true, [&] { stream_sink_->close(); });
  stream_ = stream_state::finished;
  return tx_.get();
}

}  // namespace myelin::detail

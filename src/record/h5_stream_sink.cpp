// The streaming sink (h5_stream_sink.hpp).

#include "record/h5_stream_sink.hpp"

#include <map>

#include "myelin/error.hpp"

namespace myelin::detail {

h5_stream_sink::h5_stream_sink(output_transaction& tx, std::vector<bool> spikes_recorded,
                               compression c)
    : tx_(tx), recorded_(std::move(spikes_recorded)), compression_(c) {}

void h5_stream_sink::declare(const std::vector<std::string>& populations,
                             const std::vector<trace_table_info>& tables) {
  if (populations.size() != recorded_.size())
    throw internal_error("h5_stream_sink: populations do not match");
  spikes_.emplace(tx_.path("spikes.h5"), compression_);
  handle_.assign(populations.size(), 0);
  pending_.assign(populations.size(), {});
  for (std::size_t p = 0; p < populations.size(); ++p)
    if (recorded_[p]) handle_[p] = spikes_->add(populations[p]);
  if (tables.empty()) return;
  traces_.emplace(tx_.path("traces.h5"), compression_);
  std::map<std::string, int> seen;
  for (const auto& t : tables)
    tables_.push_back(traces_->add(t.population, trace_dataset_name(seen, t.population, t.variable),
                                   t.unit, t.node_ids));
}

void h5_stream_sink::append_spikes(std::size_t population, const double* times,
                                   const uint64_t* node_ids, std::size_t n) {
  if (!recorded_[population])
    throw internal_error("h5_stream_sink: spikes of an unrecorded population");
  spike_data& s = pending_[population];
  s.times.insert(s.times.end(), times, times + n);
  s.node_ids.insert(s.node_ids.end(), node_ids, node_ids + n);
}

void h5_stream_sink::append_samples(std::size_t table, const double* times, const double* values,
                                    std::size_t n) {
  traces_->append(tables_.at(table), times, n, values);
}

void h5_stream_sink::flush() {
  for (std::size_t p = 0; p < pending_.size(); ++p) {
    spike_data& s = pending_[p];
    if (s.times.empty()) continue;
    spikes_->append(handle_[p], s.times.data(), s.node_ids.data(), s.times.size());
    s.times.clear();
    s.node_ids.clear();
  }
}

void h5_stream_sink::close() {
  flush();
  spikes_->close();
  if (traces_) traces_->close();
}

}  // namespace myelin::detail

#pragma once
// Recorders at run time: which cells and steps each recorder samples, the spike
// recording from each epoch's merged spike list, the memory estimate and its limit
// (checked before a run segment and, for spikes, after every epoch), and gathering the
// per-VP trace buffers of every rank into the sinks (sink.hpp).
//
// Streaming (streaming.cpp): given a directory (stream_to), a recording that would
// exceed the limit is not refused but switched to an h5_stream_sink writing the run's
// spikes.h5 and traces.h5 there (what was recorded in memory first); from then on the
// buffers are flushed at the close of every epoch where more than a chunk is pending,
// so memory stays bounded. Every decision is taken from quantities every rank knows
// alike (sample times, recorded spike counts), so all ranks flush at the same epochs;
// rank 0 writes, and its errors (a full disk) are broadcast so every rank stops alike.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "engine/vp_state.hpp"
#include "io/transaction.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"
#include "myelin/model.hpp"
#include "record/h5_stream_sink.hpp"
#include "record/sink.hpp"

namespace myelin::detail {

/// Bytes of one recorded spike: a time and a node id.
inline constexpr double spike_bytes_per_event = 16.0;

class recording {
 public:
  recording() = default;
  recording(const recording&) = delete;
  recording& operator=(const recording&) = delete;

  /// After the build: selections and sampling intervals; declares the tables to the
  /// sinks. `net` and `layout` must outlive the recording.
  void setup(const network& net, const gid_layout& layout, int rank);
  void set_on(std::size_t recorder, bool on) { on_[recorder] = on; }

  /// Bytes the recorders will need for a run of `duration` [ms] from step `step`: traces
  /// exactly, spikes assuming every recorded cell fires at 100 Hz.
  double memory_estimate(double duration, int64_t step) const;
  /// Before a run segment (collective): if the estimate exceeds the limit
  /// (`max_record_memory`, 0: half the machine's physical memory), refuses it (error),
  /// or with a stream directory switches to streaming, refusing only if the disk there
  /// has less free space than the estimate. Sets the limit that end_epoch holds.
  void begin_run(double duration, int64_t step, double max_record_memory, distributed_context& dist,
                 std::vector<vp_state>& vps);
  /// At t = 0: the first sample of every trace.
  void sample_initial(std::vector<vp_state>& vps);

  /// Takes vp's samples at t = step_end dt, where due (every VP, every step).
  void sample(vp_state& vp, int64_t step_end) const {
    for (auto& tb : vp.traces) {
      if (!samples_at(tb.recorder, step_end)) continue;
      for (const double* p : tb.sources) tb.samples.push_back(*p);
    }
  }
  /// Notes the sample times at t = step_end dt (once per step, from one thread).
  void note_step(int64_t step_end);

  /// The close of an epoch (collective): counts every spike of the epoch (on every
  /// rank: every rank sees every spike) and records the selected ones (rank 0 appends
  /// them to the sinks). When the bytes recorded in this segment exceed the limit it
  /// throws error on every rank alike, or with a stream directory switches to streaming;
  /// when streaming, flushes once more than a chunk is pending.
  void end_epoch(const std::vector<spike_event>& merged, distributed_context& dist,
                 std::vector<vp_state>& vps);

  /// Collective: gathers every rank's trace samples taken since the last flush, appends
  /// them to the sinks on rank 0, and empties the buffers.
  void flush_traces(distributed_context& dist, std::vector<vp_state>& vps);

  /// Lets the recording stream to files in `dir` rather than refuse (above). error if it
  /// already streams elsewhere.
  void stream_to(const std::string& dir, compression c = compression::none);
  /// The directory given to stream_to ("" if none).
  const std::string& stream_dir() const { return stream_dir_; }
  /// Whether the recording goes to files (the same on every rank).
  bool streaming() const { return stream_ == stream_state::on; }
  /// Whether it went to files that finish_stream has closed.
  bool stream_finished() const { return stream_ == stream_state::finished; }
  /// Collective: the last flush, then closes the files. Returns rank 0's output
  /// transaction holding them (nullptr on other ranks), to which the caller adds its
  /// files before commit(). The recording is finished: no further run segment.
  output_transaction* finish_stream(distributed_context& dist, std::vector<vp_state>& vps);

  const memory_sink& memory() const { return memory_; }
  /// All spikes per population since t = 0, recorded or not (every rank).
  const std::vector<uint64_t>& spike_counts() const { return spike_counts_; }
  /// All spikes per cell (by gid) since t = 0, recorded or not (every rank).
  const std::vector<uint64_t>& cell_spike_counts() const { return cell_spike_counts_; }
  /// Whether some recorder records the spikes of population p.
  bool spikes_recorded(std::size_t p) const { return pop_recorded_[p]; }

 private:
  bool samples_at(std::size_t r, int64_t step_end) const {
    if (!on_[r] || step_end % interval_[r] != 0) return false;
    const recorder& rec = net_->recorders[r];
    const double t = static_cast<double>(step_end) * net_->dt;
    return t >= rec.start - 1e-9 * net_->dt && (!rec.stop || t <= *rec.stop + 1e-9 * net_->dt);
  }
  void append_spikes();
  // memory_estimate, or only its traces' part (spikes false).
  double estimate(double duration, int64_t step, bool spikes) const;
  // Counts and records an epoch's spikes; returns the number recorded.
  uint64_t record_spikes(const std::vector<spike_event>& merged);
  // streaming.cpp: switches to streaming (collective); `need`: bytes still to record.
  void start_stream(distributed_context& dist, std::vector<vp_state>& vps, double need);
  // Rank 0: error unless the disk of the stream directory has `need` bytes free.
  void check_disk(double need) const;
  // Bytes recorded since the last flush, on all ranks together (the same on each).
  double pending_bytes() const;
  // Runs f on rank 0 (the writer). With `collective` (the streaming paths: collective
  // calls), every rank then throws rank 0's error, so that all ranks stop alike.
  template <class F>
  void on_writer(distributed_context& dist, bool collective, F&& f);

  const network* net_ = nullptr;
  const gid_layout* layout_ = nullptr;
  int rank_ = 0;
  memory_sink memory_;
  std::vector<record_sink*> sinks_;  // memory_ first; rank 0 only appends

  std::vector<bool> on_;                         // per recorder
  std::vector<int64_t> interval_;                // per recorder [steps]
  std::vector<bool> traces_;                     // per recorder: records a variable but spikes
  std::vector<std::size_t> selected_;            // per recorder: cells of its selection
  std::vector<std::vector<double>> times_;       // per recorder: unflushed sample times
  std::vector<std::vector<uint8_t>> spike_sel_;  // per recorder: gid selected (or empty)
  std::vector<bool> pop_recorded_;               // per population
  std::vector<uint64_t> spike_counts_;           // per population
  std::vector<uint64_t> cell_spike_counts_;      // per gid
  std::vector<spike_data> staged_;               // per population: this epoch's spikes

  // One per trace table: its recorder, variable and columns in the selection.
  struct table_source {
    std::size_t recorder, variable;
    std::vector<std::size_t> columns;
  };
  std::vector<table_source> tables_;

  // The limit during a run segment.
  double limit_ = 0, run_trace_bytes_ = 0;
  uint64_t run_spikes_ = 0;  // spikes recorded in this segment
  int64_t run_end_ = 0;      // last step of the segment

  // Streaming.
  enum class stream_state { off, on, finished };
  stream_state stream_ = stream_state::off;
  std::string stream_dir_;
  compression stream_compression_ = compression::none;
  std::vector<std::string> labels_;              // populations, for declare
  std::vector<trace_table_info> table_infos_;    // trace tables, for declare
  std::vector<double> row_bytes_;                // per recorder: bytes of one sample
  uint64_t unflushed_spikes_ = 0;                // recorded since the last flush
  double chunk_ = 0;                             // flush when more is pending [bytes]
  std::unique_ptr<output_transaction> tx_;       // rank 0
  std::unique_ptr<h5_stream_sink> stream_sink_;  // rank 0
};

template <class F>
void recording::on_writer(distributed_context& dist, bool collective, F&& f) {
  if (!collective || dist.size() == 1) {
    if (rank_ == 0) f();
    return;
  }
  std::string problem;
  std::exception_ptr failure;
  if (rank_ == 0) {
    try {
      f();
    } catch (const std::exception& e) {
      problem = *e.what() ? e.what() : "error";
      failure = std::current_exception();
    }
  }
  problem = dist.broadcast(problem);
  if (failure) std::rethrow_exception(failure);
  if (!problem.empty()) throw error(problem);
}

}  // namespace myelin::detail

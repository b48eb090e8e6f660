#pragma once
// Recorders at run time: which cells and steps each recorder samples, the spike
// recording from each epoch's merged spike list, the memory estimate and its limit
// (checked before a run segment and, for spikes, after every epoch), and gathering the
// per-VP trace buffers of every rank into the sinks (sink.hpp).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/context.hpp"
#include "engine/vp_state.hpp"
#include "model/selection.hpp"
#include "myelin/model.hpp"
#include "record/sink.hpp"

namespace myelin::detail {

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
  /// Before a run segment: refuses it (error) if the estimate exceeds the limit
  /// (`max_record_memory`, 0: half the machine's physical memory), and sets the limit
  /// that record_spikes holds during the segment.
  void begin_run(double duration, int64_t step, double max_record_memory);
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

  /// Counts every spike of an epoch (on every rank: every rank sees every spike) and
  /// records the selected ones (rank 0 appends them to the sinks). Throws error, on
  /// every rank alike, when the bytes recorded in this segment exceed the limit.
  void record_spikes(const std::vector<spike_event>& merged);

  /// Collective: gathers every rank's trace samples taken since the last flush, appends
  /// them to the sinks on rank 0, and empties the buffers.
  void flush_traces(distributed_context& dist, std::vector<vp_state>& vps);

  const memory_sink& memory() const { return memory_; }
  /// All spikes per population since t = 0, recorded or not (every rank).
  const std::vector<uint64_t>& spike_counts() const { return spike_counts_; }
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
};

}  // namespace myelin::detail

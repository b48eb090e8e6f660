// Recorders at run time: selection, sampling, spike recording, the memory limit, and
// gathering traces across ranks.

#include "record/recording.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "cells/cell_group.hpp"
#include "engine/bytes.hpp"
#include "model/estimate.hpp"
#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
void recording::setup(const network& net, const gid_layout& layout, int rank) {
  net_ = &net;
  layout_ = &layout;
  rank_ = rank;
  sinks_ = {&memory_};
  const std::size_t n_rec = net.recorders.size();
  on_.assign(n_rec, true);
  times_.assign(n_rec, {});
  spike_sel_.assign(n_rec, {});
  pop_recorded_.assign(net.populations.size(), false);
  spike_counts_.assign(net.populations.size(), 0);
  cell_spike_counts_.assign(layout.total(), 0);
  staged_.assign(net.populations.size(), {});
  traces_.assign(n_rec, false);
  row_bytes_.assign(n_rec, 0.0);
  std::vector<trace_table_info> tables;
  for (std::size_t r = 0; r < n_rec; ++r) {
    const recorder& rec = net.recorders[r];
    for (const auto& v : rec.variables) traces_[r] = traces_[r] || v != "spikes";
    interval_.push_back(rec.interval > 0 ? std::max<int64_t>(1, std::llround(rec.interval / net.dt))
                                         : 1);
    const auto gids = resolve(net, layout, rec.target, "recorders");
    selected_.push_back(gids.size());
    if (std::find(rec.variables.begin(), rec.variables.end(), "spikes") != rec.variables.end()) {
      spike_sel_[r].assign(layout.total(), 0);
      for (uint64_t g : gids) spike_sel_[r][g] = 1;
      for (std::size_t p : populations_of(net, rec.target, "recorders")) pop_recorded_[p] = true;
    }
    // One table per (variable, population touched by the selection).
    for (std::size_t v = 0; v < rec.variables.size(); ++v) {
      if (rec.variables[v] == "spikes") continue;
      row_bytes_[r] += 8.0 * static_cast<double>(gids.size());
      for (std::size_t p : populations_of(net, rec.target, "recorders")) {
        trace_table_info info;
        info.population = net.populations[p].label;
        info.variable = rec.variables[v];
        const cell_type_info* t = find_cell_type(net, net.populations[p].cell_type);
        for (const auto& q : t->state)
          if (q.name == info.variable) info.unit = q.unit;
        for (const auto& q : t->derived)
          if (q.name == info.variable) info.unit = q.unit;
        if (info.unit.empty() && info.variable == "v") info.unit = "mV";  // cable cells' soma v
        if (info.variable == "dipole") info.unit = "fAm";
        table_source src{r, v, {}};
        for (std::size_t i = 0; i < gids.size(); ++i)
          if (layout.population_of(gids[i]) == p) {
            src.columns.push_back(i);
            info.node_ids.push_back(gids[i] - layout.offset[p]);
          }
        tables.push_back(std::move(info));
        tables_.push_back(std::move(src));
      }
    }
  }
  std::vector<std::string> labels;
  for (const auto& p : net.populations) labels.push_back(p.label);
  for (record_sink* s : sinks_) s->declare(labels, tables);
  labels_ = std::move(labels);
  table_infos_ = std::move(tables);
}

double recording::memory_estimate(double duration, int64_t step) const {
  return estimate(duration, step, true);
}

double recording::estimate(double duration, int64_t step, bool spikes) const {
  const network& net = *net_;
  double bytes = 0;
  const double steps = duration / net.dt;
  for (std::size_t r = 0; r < net.recorders.size(); ++r) {
    if (!on_[r]) continue;
    const recorder& rec = net.recorders[r];
    const double cells = static_cast<double>(selected_[r]);
    const double t0 = step * net.dt, t1 = t0 + duration;
    const double w0 = std::max(t0, rec.start), w1 = std::min(t1, rec.stop.value_or(t1));
    const double window = std::max(0.0, w1 - w0);
    for (const auto& v : rec.variables) {
      if (v == "spikes") {
        if (spikes) bytes += cells * 100.0 * window / 1000.0 * spike_bytes_per_event;
      } else {
        bytes += cells * (std::floor(steps / interval_[r]) + 1) * 8.0 *
                 (window / std::max(duration, 1e-12));
      }
    }
  }
  return bytes;
}

void recording::begin_run(double duration, int64_t step, double max_record_memory,
                          distributed_context& dist, std::vector<vp_state>& vps) {
  if (stream_ == stream_state::finished)
    throw error("run: the recording was streamed to '" + stream_dir_ +
                "' and its outputs written (write_outputs); this simulation cannot run further");
  limit_ = max_record_memory > 0 ? max_record_memory
                                 : 0.5 * static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
                                       static_cast<double>(sysconf(_SC_PAGE_SIZE));
  // Streaming flushes whenever this much is pending, so memory stays within the limit.
  chunk_ = std::min(64.0 * 1024 * 1024, std::max(16.0 * 1024, limit_ / 4));
  run_end_ = step + std::llround(duration / net_->dt);
  const double need = memory_estimate(duration, step);
  if (streaming()) {
    on_writer(dist, true, [&] { check_disk(need); });
  } else if (need > limit_ && !stream_dir_.empty()) {
    start_stream(dist, vps, need);
  } else if (need > limit_) {
    throw error("recorders would need about " + human_bytes(need) + " for " + fmt(duration) +
                " ms, above the limit of " + human_bytes(limit_) +
                "; record fewer cells or variables, use a longer sampling interval, a "
                "start/stop window, or raise the limit (--max-record-memory)");
  }
  // During the segment: the traces' part (exact) and the spikes as they are recorded.
  run_trace_bytes_ = estimate(duration, step, false);
  run_spikes_ = 0;
}

void recording::sample_initial(std::vector<vp_state>& vps) {
  for (std::size_t r = 0; r < net_->recorders.size(); ++r)
    if (samples_at(r, 0) && traces_[r]) times_[r].push_back(0.0);
  for (auto& vp : vps) sample(vp, 0);
}

void recording::note_step(int64_t step_end) {
  for (std::size_t r = 0; r < times_.size(); ++r)
    if (traces_[r] && samples_at(r, step_end))
      times_[r].push_back(static_cast<double>(step_end) * net_->dt);
}

uint64_t recording::record_spikes(const std::vector<spike_event>& merged) {
  const network& net = *net_;
  uint64_t recorded = 0;
  for (const spike_event& e : merged) {
    const std::size_t p = layout_->population_of(e.gid);
    ++spike_counts_[p];
    ++cell_spike_counts_[e.gid];
    if (!pop_recorded_[p]) continue;
    const double t = static_cast<double>(e.step + 1) * net.dt;
    for (std::size_t r = 0; r < spike_sel_.size(); ++r) {
      if (spike_sel_[r].empty() || !on_[r] || !spike_sel_[r][e.gid]) continue;
      const recorder& rec = net.recorders[r];
      if (t < rec.start - 1e-9 || (rec.stop && t > *rec.stop + 1e-9)) continue;
      ++recorded;
      if (rank_ == 0) {  // rank 0 writes the outputs
        staged_[p].times.push_back(t);
        staged_[p].node_ids.push_back(e.gid - layout_->offset[p]);
      }
      break;
    }
  }
  if (recorded > 0 && rank_ == 0) append_spikes();
  return recorded;
}

void recording::end_epoch(const std::vector<spike_event>& merged, distributed_context& dist,
                          std::vector<vp_state>& vps) {
  const uint64_t recorded = record_spikes(merged);
  run_spikes_ += recorded;
  unflushed_spikes_ += recorded;
  if (streaming()) {
    if (pending_bytes() > chunk_) flush_traces(dist, vps);
    return;
  }
  if (recorded == 0) return;
  const double bytes = run_trace_bytes_ + spike_bytes_per_event * static_cast<double>(run_spikes_);
  if (bytes <= limit_) return;
  const int64_t now = merged.back().step + 1;
  if (!stream_dir_.empty()) {
    // Cells fire faster than the estimate assumed: what remains of the segment goes to
    // the disk, with the spikes recorded so far.
    start_stream(dist, vps, estimate(static_cast<double>(run_end_ - now) * net_->dt, now, true));
    return;
  }
  throw error("recorded spikes reached " + human_bytes(bytes) +
              " by t = " + fmt(static_cast<double>(now) * net_->dt) +
              " ms, above the recording memory limit of " + human_bytes(limit_) +
              " (max_record_memory); record fewer cells, use a start/stop window, or "
              "raise the limit (--max-record-memory)");
}

void recording::append_spikes() {
  for (std::size_t p = 0; p < staged_.size(); ++p) {
    spike_data& s = staged_[p];
    if (s.times.empty()) continue;
    for (record_sink* k : sinks_)
      k->append_spikes(p, s.times.data(), s.node_ids.data(), s.times.size());
    s.times.clear();
    s.node_ids.clear();
  }
}

void recording::flush_traces(distributed_context& dist, std::vector<vp_state>& vps) {
  // Every rank's trace buffers (on rank 0; other ranks only send theirs).
  std::vector<trace_buffer> gathered;
  std::vector<const trace_buffer*> local;
  for (const auto& vp : vps)
    for (const auto& tb : vp.traces) local.push_back(&tb);
  if (dist.size() > 1) {
    std::vector<char> mine;
    for (const trace_buffer* tb : local) {
      put<uint64_t>(mine, tb->recorder);
      put<uint64_t>(mine, tb->variable);
      put<uint64_t>(mine, tb->positions.size());
      put(mine, tb->positions.data(), tb->positions.size());
      put<uint64_t>(mine, tb->samples.size());
      put(mine, tb->samples.data(), tb->samples.size());
    }
    for (const auto& b : dist.gather(mine)) {
      reader rd{b};
      while (!rd.done()) {
        trace_buffer tb;
        tb.recorder = rd.get<uint64_t>();
        tb.variable = rd.get<uint64_t>();
        tb.positions.resize(rd.get<uint64_t>());
        rd.get(tb.positions.data(), tb.positions.size());
        tb.samples.resize(rd.get<uint64_t>());
        rd.get(tb.samples.data(), tb.samples.size());
        gathered.push_back(std::move(tb));
      }
    }
    local.clear();
    for (const auto& tb : gathered) local.push_back(&tb);
  }
  on_writer(dist, streaming(), [&] {
    std::vector<double> all, values;
    for (std::size_t i = 0; i < tables_.size(); ++i) {
      const table_source& src = tables_[i];
      const std::size_t n_samples = times_[src.recorder].size();
      if (n_samples == 0) continue;
      const std::size_t n_sel = selected_[src.recorder];
      // Assemble [sample][position in selection] from every VP's buffer.
      all.assign(n_samples * n_sel, 0.0);
      for (const trace_buffer* tb : local) {
        if (tb->recorder != src.recorder || tb->variable != src.variable) continue;
        const std::size_t k = tb->positions.size();
        for (std::size_t s = 0; s < n_samples && k > 0; ++s)
          for (std::size_t c = 0; c < k; ++c)
            all[s * n_sel + tb->positions[c]] = tb->samples[s * k + c];
      }
      values.clear();
      values.reserve(n_samples * src.columns.size());
      for (std::size_t s = 0; s < n_samples; ++s)
        for (std::size_t c : src.columns) values.push_back(all[s * n_sel + c]);
      for (record_sink* k : sinks_)
        k->append_samples(i, times_[src.recorder].data(), values.data(), n_samples);
    }
    if (stream_sink_) stream_sink_->flush();
  });
  unflushed_spikes_ = 0;
  for (auto& t : times_) t.clear();
  for (auto& vp : vps)
    for (auto& tb : vp.traces) tb.samples.clear();
}

}  // namespace myelin::detail

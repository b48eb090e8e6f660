#pragma once
// The per-VP part of trace recording: what the builder sets up on each VP and the
// engine fills every sampled step (recording.hpp gathers it).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace myelin::detail {

/// One (recorder, variable) on this VP: pointers to the recorded values and the
/// samples taken since the last flush (sample-major).
struct trace_buffer {
  std::size_t recorder;
  std::size_t variable;
  std::vector<uint32_t> positions;  // position of each cell in the recorder's selection
  std::vector<const double*> sources;
  std::vector<double> samples;
};

}  // namespace myelin::detail

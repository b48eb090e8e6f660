#pragma once
// Current sources (DCSource, ACSource, StepCurrentSource, NoisyCurrentSource): their
// parameters unpacked once per run segment, and the current they inject each step.

#include <cstdint>
#include <vector>

#include "engine/vp_state.hpp"
#include "model/catalogue.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// The catalogue's kind of current source (model/catalogue.hpp).
using stim_kind = current_source_kind;

/// A current source's parameters, unpacked once per run segment.
struct stim_params {
  stim_kind kind;
  double amplitude = 0, start = 0, stop = 0, offset = 0, omega = 0, phase = 0;  // ac: [rad/ms]
  double mean = 0, stdev = 0;
  int64_t noise_steps = 1;
  std::vector<int64_t> step_at;  // StepCurrentSource: step index of each change
  std::vector<double> amplitudes;
};

/// The parameters of every current source of `net`, in model order.
std::vector<stim_params> prepare_stimuli(const network& net);

/// Sets vp.i_inj to the current injected during step s (from t = s dt to (s + 1) dt).
void inject(vp_state& vp, const std::vector<stim_params>& stims, const network& net, int64_t s);

}  // namespace myelin::detail

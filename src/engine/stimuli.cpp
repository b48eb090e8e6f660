// Current sources: unpacking their parameters and injecting their current per step.

#include "engine/stimuli.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "model/schema.hpp"
#include "random/batch_draws.hpp"
#include "random/rng.hpp"

namespace myelin::detail {

std::vector<stim_params> prepare_stimuli(const network& net) {
  std::vector<stim_params> stims;
  for (const stimulus& s : net.stimuli) {
    const auto p = stimulus_params(s);
    stim_params sp;
    auto get = [&](const char* k) { return p.count(k) ? p.at(k) : 0.0; };
    sp.start = get("start");
    sp.stop = get("stop");
    sp.kind = current_source_kind_of(s.type);
    if (sp.kind == stim_kind::dc) {
      sp.amplitude = get("amplitude");
    } else if (sp.kind == stim_kind::ac) {
      sp.amplitude = get("amplitude");
      sp.offset = get("offset");
      sp.omega = 2 * std::numbers::pi * get("frequency") / 1000.0;
      sp.phase = get("phase") * std::numbers::pi / 180.0;
    } else if (sp.kind == stim_kind::noise) {
      sp.mean = get("mean");
      sp.stdev = get("stdev");
      const double ndt = get("dt") > 0 ? get("dt") : net.dt;
      sp.noise_steps = std::max<int64_t>(1, std::llround(ndt / net.dt));
    } else {
      for (double t : s.times) sp.step_at.push_back(std::llround(t / net.dt));
      sp.amplitudes = s.amplitudes;
    }
    stims.push_back(std::move(sp));
  }
  return stims;
}

// A source is on during the steps that start in [start, stop), so the current reaches
// the membrane exactly at `start`.
void inject(vp_state& vp, const std::vector<stim_params>& stims, const network& net, int64_t s) {
  if (vp.stimuli.empty()) return;
  std::fill(vp.i_inj.begin(), vp.i_inj.end(), 0.0);
  const double t = static_cast<double>(s) * net.dt;
  const double eps = 1e-9 * net.dt;
  for (auto& st : vp.stimuli) {
    const stim_params& sp = stims[st.stimulus];
    if (sp.kind == stim_kind::step) {
      auto it = std::upper_bound(sp.step_at.begin(), sp.step_at.end(), s);
      if (it == sp.step_at.begin()) continue;
      const double a = sp.amplitudes[(it - sp.step_at.begin()) - 1];
      for (uint32_t c : st.cells) vp.i_inj[c] += a;
      continue;
    }
    if (t < sp.start - eps || t >= sp.stop - eps) continue;
    if (sp.kind == stim_kind::dc) {
      for (uint32_t c : st.cells) vp.i_inj[c] += sp.amplitude;
    } else if (sp.kind == stim_kind::ac) {
      const double a = sp.offset + sp.amplitude * std::sin(sp.omega * (t - sp.start) + sp.phase);
      for (uint32_t c : st.cells) vp.i_inj[c] += a;
    } else {
      // A new value per target every noise_steps steps, from the target's own stream
      // (seed, noise, source, gid): the Box-Muller pair of block k/2 gives the standard
      // normals of intervals k (even) and k+1: a pure function of (gid, k), so
      // layout-independent, drawn for all targets at once (normal_pairs, vectorised).
      const int64_t start_step = std::llround(sp.start / net.dt);
      const int64_t k = (s - start_step) / sp.noise_steps;
      if (k != st.noise_index) {
        const std::size_t n = st.cells.size();
        if (!((k & 1) && st.noise_index == k - 1)) {
          st.first.resize(n);
          st.next.resize(n);
          normal_pairs(net.seed, purpose::noise, static_cast<uint32_t>(st.stimulus), st.gids.data(),
                       n, static_cast<uint32_t>(k >> 1), st.first.data(), st.next.data());
        }
        const std::vector<double>& z = (k & 1) ? st.next : st.first;
        for (std::size_t m = 0; m < n; ++m) st.value[m] = sp.mean + sp.stdev * z[m];
        st.noise_index = k;
      }
      for (std::size_t m = 0; m < st.cells.size(); ++m) vp.i_inj[st.cells[m]] += st.value[m];
    }
  }
}

}  // namespace myelin::detail

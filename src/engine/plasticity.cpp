// Plastic synapses: Tsodyks-Markram, SimpleStochasticSynapse and quantal release
// (plasticity.hpp; STDP in stdp.cpp; numerics in docs/numerics.md, "Plastic synapses").

#include "engine/plasticity.hpp"

#include <Random123/philox.h>

#include <cmath>

#include "random/rng.hpp"

namespace myelin::detail {
namespace {

// u just before a spike h ms after the last one, from u just after it (Tsodyks-Markram's
// facilitation, tsodyks2_synapse's update): U + u (1 - U) exp(-h / tau_facil).
double next_u(const synapse_params& q, double u, double h) {
  const double u_decay = q.tau_facil > 0 ? std::exp(-h / q.tau_facil) : 0.0;
  return q.U + u * (1.0 - q.U) * u_decay;
}

}  // namespace

void deliver_tsodyks_markram(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                             uint64_t end, int64_t horizon) {
  const synapse_params& q = t.syn;
  row_state& r = t.rows[e.gid - t.pre_lo];  // a = u, b = x after the last spike
  // tsodyks2_synapse's update from the last spike's (u, x) to this one's; from the
  // initial u = 0, x = 1 the first spike gets u = U, x = 1 whatever the interval.
  const double h = r.last < 0 ? 0.0 : static_cast<double>(e.step - r.last) * q.dt;
  const double x_decay = std::exp(-h / q.tau_rec);
  r.b = 1.0 + (r.b - r.b * r.a - 1.0) * x_decay;
  r.a = next_u(q, r.a, h);
  r.last = static_cast<int32_t>(e.step);
  const double scale = r.a * r.b;
  const bool hw = !t.weights.empty(), hd = !t.delays.empty();
  for (uint64_t m = b; m < end; ++m)
    add_input(vp, t, e.step, hd ? t.delays[m] : t.delay, t.targets[m],
              (hw ? t.weights[m] : t.weight) * scale, horizon);
}

void deliver_stochastic(vp_state& vp, const projection_table& t, const spike_event& e, uint64_t b,
                        uint64_t end, int64_t horizon) {
  const bool hw = !t.weights.empty(), hd = !t.delays.empty();
  uint32_t ordinal = 0;
  for (uint64_t m = b; m < end; ++m) {
    // Targets are in canonical order: synapses of one pair are adjacent, and their
    // order among themselves is the generation order, the same for every layout.
    ordinal = m > b && t.targets[m] == t.targets[m - 1] ? ordinal + 1 : 0;
    if (!transmits(t.syn.seed, t.projection, e.gid, t.target_gids[t.targets[m]], ordinal, e.step,
                   t.syn.p))
      continue;
    add_input(vp, t, e.step, hd ? t.delays[m] : t.delay, t.targets[m], hw ? t.weights[m] : t.weight,
              horizon);
  }
}

void deliver_quantal(vp_state& vp, projection_table& t, const spike_event& e, uint64_t b,
                     uint64_t end, int64_t horizon) {
  const synapse_params& q = t.syn;
  row_state& r = t.rows[e.gid - t.pre_lo];  // a = u after the row's last spike
  // u as in Tsodyks-Markram, from u0 after a spike taken to be at t = 0 (NEST's
  // quantal_stp_synapse; from u0 = 0 the first spike gets U). A site released before is
  // ready again by this spike with probability 1 - exp(-h / tau_rec), h the interval
  // since the row's last spike: recovery is memoryless, so drawing every depleted site
  // at every spike is the same as drawing its recovery time.
  const double h = static_cast<double>(e.step - std::max<int64_t>(r.last, 0)) * q.dt;
  r.a = next_u(q, r.a, h);
  const double recover = -std::expm1(-h / q.tau_rec);
  r.last = static_cast<int32_t>(e.step);
  const double u = r.a;
  const uint32_t n = q.n_sites;
  const bool hw = !t.weights.empty(), hd = !t.delays.empty();
  uint32_t ordinal = 0;
  for (uint64_t m = b; m < end; ++m) {
    ordinal = m > b && t.targets[m] == t.targets[m - 1] ? ordinal + 1 : 0;
    const uint64_t post = t.target_gids[t.targets[m]];
    double draw[2];
    uint32_t k = 0;  // draws taken: recoveries of the depleted sites, then releases
    auto next = [&]() {
      if ((k & 1u) == 0)
        release_uniforms(q.seed, t.projection, e.gid, post, ordinal, e.step, k >> 1, draw);
      return draw[k++ & 1u];
    };
    uint32_t ready = t.available[m];
    for (uint32_t i = ready; i < n; ++i) ready += next() < recover ? 1u : 0u;
    uint32_t released = 0;
    for (uint32_t i = 0; i < ready; ++i) released += next() < u ? 1u : 0u;
    t.available[m] = static_cast<uint16_t>(ready - released);
    if (released == 0) continue;
    const double w =
        (hw ? t.weights[m] : t.weight) * static_cast<double>(released) / static_cast<double>(n);
    add_input(vp, t, e.step, hd ? t.delays[m] : t.delay, t.targets[m], w, horizon);
  }
}

void release_uniforms(uint64_t seed, uint32_t projection, uint64_t pre, uint64_t post,
                      uint32_t ordinal, int64_t step, uint32_t block, double out[2]) {
  using philox = r123::Philox4x32;
  const philox::ctr_type ctr{{block, static_cast<uint32_t>(step), static_cast<uint32_t>(pre),
                              static_cast<uint32_t>(purpose::release) << 24 ^ projection}};
  const philox::key_type key{
      {static_cast<uint32_t>(seed) ^ static_cast<uint32_t>(post),
       static_cast<uint32_t>(seed >> 32) ^ static_cast<uint32_t>(post >> 32) ^
           static_cast<uint32_t>(pre >> 32) * 0x85EBCA6Bu ^ ordinal * 0x9E3779B9u}};
  const philox::ctr_type r = philox()(ctr, key);
  for (int i = 0; i < 2; ++i) out[i] = unit_open(r.v[2 * i], r.v[2 * i + 1]);
}

bool transmits(uint64_t seed, uint32_t projection, uint64_t pre, uint64_t post, uint32_t ordinal,
               int64_t step, double p) {
  using philox = r123::Philox4x32;
  const philox::ctr_type ctr{{static_cast<uint32_t>(step), static_cast<uint32_t>(pre),
                              static_cast<uint32_t>(post),
                              static_cast<uint32_t>(purpose::transmission) << 24 ^ projection}};
  const philox::key_type key{{static_cast<uint32_t>(seed) ^ static_cast<uint32_t>(pre >> 32),
                              static_cast<uint32_t>(seed >> 32) ^
                                  static_cast<uint32_t>(post >> 32) ^ ordinal * 0x9E3779B9u}};
  const philox::ctr_type r = philox()(ctr, key);
  return unit_open(r.v[0], r.v[1]) < p;
}

}  // namespace myelin::detail

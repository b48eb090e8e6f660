// Nonlinear point neurons: Izhikevich, EIF_cond_exp_isfa_ista (AdEx), HH_cond_exp.
// Each kernel is checked against an independent reference: a straightforward
// re-implementation of Izhikevich's update rule, a fine-step RK4 solution of the AdEx
// equations, and Brian2 traces of the HH model (tests/validation/gen_hh_reference.py).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cells/cell_group.hpp"

namespace myelin::detail {
namespace {

// A group_init of n cells holding the defaults of the type, with overrides.
group_init defaults(const cell_type_info& info, std::size_t n, double dt,
                    const std::map<std::string, double>& set = {}) {
  group_init g;
  g.n = n;
  g.dt = dt;
  for (std::size_t i = 0; i < n; ++i) g.gids.push_back(i);
  for (const auto& p : info.params) g.params[p.name] = std::vector<double>(n, p.default_value);
  for (const auto& s : info.state) g.initial[s.name] = std::vector<double>(n, s.default_value);
  for (const auto& [name, value] : set) {
    if (g.params.count(name))
      g.params[name].assign(n, value);
    else if (g.initial.count(name))
      g.initial[name].assign(n, value);
    else
      ADD_FAILURE() << "unknown name " << name;
  }
  return g;
}

// Drives a group step by step; inputs are per-step vectors the caller fills.
struct driver {
  std::unique_ptr<cell_group> group;
  double dt;
  int64_t step = 0;
  std::vector<double> exc, inh, i_inj;
  std::vector<uint32_t> spiked;

  driver(std::unique_ptr<cell_group> g, double h) : group(std::move(g)), dt(h) {
    const std::size_t n = group->size();
    exc.assign(n, 0.0), inh.assign(n, 0.0), i_inj.assign(n, 0.0);
    group->prepare(dt);
    spiked.reserve(n);
  }
  // One step; returns the local indices that spiked. Synaptic inputs are cleared after.
  const std::vector<uint32_t>& advance() {
    spiked.clear();
    group->advance({step, dt, 1}, {exc.data(), inh.data(), i_inj.data()}, spiked);
    ++step;
    std::fill(exc.begin(), exc.end(), 0.0);
    std::fill(inh.begin(), inh.end(), 0.0);
    return spiked;
  }
  double get(const std::string& name, std::size_t c = 0) { return group->column(name)[c]; }
};

// ---------------------------------------------------------------------------------------
// Izhikevich

// The paper's rule written out directly in the paper's units (I in mV/ms): two half
// steps for v, then u with the new v; spike at v >= 30.
struct izhikevich_reference {
  double a, b, c, d, current;  // current in the paper's units
  double v = -70.0, u = -14.0;
  bool step(double h) {
    v = v + 0.5 * h * (0.04 * v * v + 5.0 * v + 140.0 - u + current);
    v = v + 0.5 * h * (0.04 * v * v + 5.0 * v + 140.0 - u + current);
    u = u + h * a * (b * v - u);
    if (v >= 30.0) {
      v = c;
      u = u + d;
      return true;
    }
    return false;
  }
};

TEST(Izhikevich, MatchesPaperUpdateRuleTonicSpiking) {
  for (double dt : {1.0, 0.5, 0.1}) {
    SCOPED_TRACE("dt = " + std::to_string(dt));
    // i_offset = 0.01 nA is I = 10 in the paper's units (1 pF membrane).
    driver drv(make_izhikevich(defaults(
                   izhikevich_info(), 1, dt,
                   {{"a", 0.02}, {"b", 0.2}, {"c", -65.0}, {"d", 8.0}, {"i_offset", 0.01}})),
               dt);
    izhikevich_reference ref{0.02, 0.2, -65.0, 8.0, 10.0};
    std::vector<int64_t> got, want;
    const int64_t steps = static_cast<int64_t>(std::lround(1000.0 / dt));
    for (int64_t k = 0; k < steps; ++k) {
      if (!drv.advance().empty()) got.push_back(k);
      if (ref.step(dt)) want.push_back(k);
      ASSERT_NEAR(drv.get("v"), ref.v, 1e-9) << "step " << k;
      ASSERT_NEAR(drv.get("u"), ref.u, 1e-9) << "step " << k;
    }
    EXPECT_EQ(got, want);
    // Regular spiking under I = 10: tonic firing, some tens of spikes per second.
    EXPECT_GT(got.size(), 5u);
    EXPECT_LT(got.size(), 100u);
  }
}

TEST(Izhikevich, InjectedCurrentEqualsOffset) {
  const double dt = 0.1;
  driver a(make_izhikevich(defaults(izhikevich_info(), 1, dt, {{"i_offset", 0.005}})), dt);
  driver b(make_izhikevich(defaults(izhikevich_info(), 1, dt)), dt);
  b.i_inj[0] = 0.005;
  int spikes = 0;
  for (int k = 0; k < 5000; ++k) {
    spikes += static_cast<int>(a.advance().size());
    b.advance();
    ASSERT_EQ(a.get("v"), b.get("v"));
  }
  EXPECT_GT(spikes, 0);
}

TEST(Izhikevich, DeltaSynapseJumpsVByWeight) {
  const double dt = 0.1;
  // A weak drive moves the cells off the fixed point (-70, -14) of the defaults.
  driver drv(make_izhikevich(defaults(izhikevich_info(), 3, dt, {{"i_offset", 0.002}})), dt);
  for (int k = 0; k < 100; ++k) drv.advance();
  const double v_before = drv.get("v", 0);
  ASSERT_EQ(v_before, drv.get("v", 1));
  drv.exc[1] = 1.5;    // [mV]
  drv.inh[1] = -0.5;   // PyNN: inhibitory weights on delta synapses are negative
  drv.exc[2] = 200.0;  // far past the 30 mV cut-off: spikes in this very step
  const auto spiked = drv.advance();
  // The jump is added after the step's integration: exactly the summed weight.
  EXPECT_NEAR(drv.get("v", 1) - drv.get("v", 0), 1.0, 1e-12);
  EXPECT_EQ(drv.get("u", 1), drv.get("u", 0));
  EXPECT_NE(drv.get("v", 0), v_before);
  ASSERT_EQ(spiked, std::vector<uint32_t>{2});
  EXPECT_EQ(drv.get("v", 2), -65.0);                           // c
  EXPECT_NEAR(drv.get("u", 2), drv.get("u", 0) + 2.0, 1e-12);  // u + d
}

// ---------------------------------------------------------------------------------------
// AdEx

// Fine-step reference: classic RK4 on (v, w, ge, gi) at a fixed step, the right-hand side
// seeing min(v, v_spike) (NEST's aeif convention), spike and reset at the end of the
// step, refractoriness counted in steps.
struct adex_reference {
  double cm = 0.281, tau_m = 9.3667, v_rest = -70.6, v_reset = -70.6, v_spike = -40.0,
         v_thresh = -50.4, delta_t = 2.0, a = 0.004, b = 0.0805, tau_w = 144.0, e_e = 0.0,
         e_i = -80.0, tau_e = 5.0, tau_i = 5.0, tau_refrac = 0.1;
  double current = 0.0;  // [nA]

  std::vector<double> spike_times(double h, double t_stop, double ge0 = 0.0) const {
    const double gl = cm / tau_m;
    auto f = [&](const double* y, double* dy, bool clamp) {
      const double v = clamp ? v_reset : std::min(y[0], v_spike);
      dy[0] = clamp ? 0.0
                    : (gl * (v_rest - v) + gl * delta_t * std::exp((v - v_thresh) / delta_t) +
                       y[2] * (e_e - v) + y[3] * (e_i - v) - y[1] + current) /
                          cm;
      dy[1] = (a * (v - v_rest) - y[1]) / tau_w;
      dy[2] = -y[2] / tau_e;
      dy[3] = -y[3] / tau_i;
    };
    double y[4] = {v_rest, 0.0, ge0, 0.0};
    const int64_t n_ref = std::lround(tau_refrac / h);
    int64_t refractory = 0;
    std::vector<double> spikes;
    const int64_t steps = std::lround(t_stop / h);
    for (int64_t k = 0; k < steps; ++k) {
      const bool clamp = refractory > 0;
      double k1[4], k2[4], k3[4], k4[4], tmp[4];
      f(y, k1, clamp);
      for (int i = 0; i < 4; ++i) tmp[i] = y[i] + 0.5 * h * k1[i];
      f(tmp, k2, clamp);
      for (int i = 0; i < 4; ++i) tmp[i] = y[i] + 0.5 * h * k2[i];
      f(tmp, k3, clamp);
      for (int i = 0; i < 4; ++i) tmp[i] = y[i] + h * k3[i];
      f(tmp, k4, clamp);
      for (int i = 0; i < 4; ++i) y[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
      if (clamp) {
        --refractory;
        y[0] = v_reset;
      } else if (y[0] >= v_spike) {
        spikes.push_back((k + 1) * h);
        y[0] = v_reset;
        y[1] += b;
        refractory = n_ref;
      }
    }
    return spikes;
  }
};

std::vector<double> run_adex(double dt, double t_stop, double current,
                             const std::map<std::string, double>& set = {}) {
  driver drv(make_adex(defaults(adex_info(), 1, dt, set)), dt);
  std::vector<double> spikes;
  const int64_t steps = std::lround(t_stop / dt);
  for (int64_t k = 0; k < steps; ++k) {
    drv.i_inj[0] = current;
    if (!drv.advance().empty()) spikes.push_back((k + 1) * dt);
  }
  return spikes;
}

TEST(AdEx, SpikeTimesMatchFineRk4Reference) {
  // 1 nA is well above rheobase (about 0.6 nA with the defaults): adapting tonic firing.
  adex_reference ref;
  ref.current = 1.0;
  const double t_stop = 300.0;
  const std::vector<double> want = ref.spike_times(0.001, t_stop);
  ASSERT_GE(want.size(), 6u);
  for (double dt : {0.1, 0.01}) {
    SCOPED_TRACE("dt = " + std::to_string(dt));
    const std::vector<double> got = run_adex(dt, t_stop, 1.0);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      // The kernel stamps a spike at the end of the step holding the crossing, so the
      // crossing (the reference, itself late by at most its 1 us step) lies within the
      // last dt before the stamp. The slack covers the integration error of both and
      // the reference's grid-aligned resets (<= 1 us per spike): see
      // docs/numerics-nonlinear.md for the measured values.
      const double slack = 0.002 + 0.001 * static_cast<double>(i + 1);
      EXPECT_LE(want[i], got[i] + slack) << "spike " << i;
      EXPECT_GE(want[i], got[i] - dt - slack) << "spike " << i;
    }
  }
}

TEST(AdEx, AdaptationLengthensIntervals) {
  const std::vector<double> s = run_adex(0.1, 500.0, 1.0);
  ASSERT_GE(s.size(), 5u);
  // Intervals grow until w saturates; spike stamps are on the dt grid, so consecutive
  // intervals of the saturated regime may differ by one step either way.
  for (std::size_t i = 2; i < s.size(); ++i)
    EXPECT_GE(s[i] - s[i - 1], s[i - 1] - s[i - 2] - 0.1 - 1e-9) << "interval " << i;
  EXPECT_GT(s[s.size() - 1] - s[s.size() - 2], 1.5 * (s[1] - s[0]));
  // Without adaptation (a = b = 0) the same drive fires regularly and faster.
  const std::vector<double> r = run_adex(0.1, 500.0, 1.0, {{"a", 0.0}, {"b", 0.0}});
  ASSERT_GE(r.size(), 3u);
  EXPECT_GT(r.size(), s.size());
  EXPECT_NEAR(r[r.size() - 1] - r[r.size() - 2], r[1] - r[0], 0.1 + 1e-9);
}

TEST(AdEx, RefractoryClampAndSpikeTriggeredAdaptation) {
  const double dt = 0.1;
  driver drv(make_adex(defaults(adex_info(), 1, dt, {{"tau_refrac", 2.0}})), dt);
  double w_before = 0.0;
  int64_t spike_step = -1;
  for (int64_t k = 0; k < 2000 && spike_step < 0; ++k) {
    drv.i_inj[0] = 1.0;
    w_before = drv.get("w");
    if (!drv.advance().empty()) spike_step = k;
  }
  ASSERT_GE(spike_step, 0);
  // w jumped by b (plus less than a step of slow relaxation).
  EXPECT_NEAR(drv.get("w") - w_before, 0.0805, 2e-4);
  // The crossing lies inside the spike step, so the 2 ms clamp covers the end of that
  // step and of the 19 steps after it.
  for (int k = 0; k < 20; ++k) {
    EXPECT_EQ(drv.get("v"), -70.6) << "step " << k << " after the spike";
    drv.i_inj[0] = 1.0;
    ASSERT_TRUE(drv.advance().empty());
  }
  EXPECT_GT(drv.get("v"), -70.6);  // released during step 20
}

TEST(AdEx, ExponentialConductanceInput) {
  const double dt = 0.1;
  driver drv(make_adex(defaults(adex_info(), 2, dt)), dt);
  drv.exc[0] = 0.01;  // [uS], arrives at the end of step 0
  drv.inh[1] = 0.01;
  drv.advance();
  EXPECT_DOUBLE_EQ(drv.get("gsyn_exc", 0), 0.01);
  EXPECT_DOUBLE_EQ(drv.get("gsyn_inh", 1), 0.01);
  double v_max = -1e9, v_min = 1e9;
  for (int k = 1; k <= 50; ++k) {
    drv.advance();
    v_max = std::max(v_max, drv.get("v", 0));
    v_min = std::min(v_min, drv.get("v", 1));
    EXPECT_NEAR(drv.get("gsyn_exc", 0), 0.01 * std::exp(-k * dt / 5.0), 1e-15);
  }
  EXPECT_GT(v_max, -70.6 + 0.1);   // depolarising towards e_rev_E
  EXPECT_LT(v_min, -70.6 - 0.05);  // hyperpolarising towards e_rev_I = -80 mV
}

TEST(AdEx, StrongDriveStaysFinite) {
  // 50 nA drives v through the exponential within a fraction of a step at dt = 0.1;
  // the clamped right-hand side and the substeps must keep every value finite.
  const double dt = 0.1;
  driver drv(make_adex(defaults(adex_info(), 1, dt, {{"v_spike", 20.0}})), dt);
  int spikes = 0;
  for (int k = 0; k < 1000; ++k) {
    drv.i_inj[0] = 50.0;
    spikes += static_cast<int>(drv.advance().size());
    ASSERT_TRUE(std::isfinite(drv.get("v")) && std::isfinite(drv.get("w"))) << k;
  }
  EXPECT_GT(spikes, 50);
}

// ---------------------------------------------------------------------------------------
// HH_cond_exp against Brian2 (tests/validation/gen_hh_reference.py, RK4 at dt = 0.01 ms)

std::vector<std::vector<double>> read_csv(const std::string& name) {
  const std::string path = std::string(MYELIN_SOURCE_DIR) + "/tests/validation/data/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream ls(line);
    std::vector<double> row;
    for (double x; ls >> x;) row.push_back(x);
    rows.push_back(row);
  }
  return rows;
}

// Simulates the Brian2 protocols with the kernel; returns v at every step boundary.
struct hh_run {
  std::vector<double> v, gsyn_exc, spikes;
};
hh_run run_hh(double dt, double t_stop, double dc, double dc_start, double psp_weight,
              double psp_time) {
  driver drv(make_hh_cond_exp(defaults(hh_cond_exp_info(), 1, dt)), dt);
  hh_run r;
  r.v.push_back(drv.get("v"));
  r.gsyn_exc.push_back(0.0);
  const int64_t steps = std::lround(t_stop / dt);
  const int64_t k_psp = std::lround(psp_time / dt) - 1;  // event acts at the end of this step
  for (int64_t k = 0; k < steps; ++k) {
    drv.i_inj[0] = k * dt >= dc_start - 1e-9 ? dc : 0.0;
    if (k == k_psp) drv.exc[0] = psp_weight;
    if (!drv.advance().empty()) r.spikes.push_back((k + 1) * dt);
    r.v.push_back(drv.get("v"));
    r.gsyn_exc.push_back(drv.get("gsyn_exc"));
  }
  return r;
}

TEST(HHCondExp, ActionPotentialsMatchBrian2) {
  const auto trace = read_csv("hh_brian2_dc_trace.csv");
  const auto spikes = read_csv("hh_brian2_dc_spikes.csv");
  ASSERT_GT(trace.size(), 1000u);
  ASSERT_GE(spikes.size(), 3u);
  const double dt = 0.01;
  const hh_run r = run_hh(dt, 100.0, 0.5, 10.0, 0.0, -1.0);
  ASSERT_EQ(r.spikes.size(), spikes.size());
  for (std::size_t i = 0; i < spikes.size(); ++i) {
    // Brian2's times are interpolated crossings (its own error: 2e-5 ms against
    // dt = 0.001), ours are stamped at the end of the step that holds the crossing. The
    // splitting's crossing times drift from the reference by up to 0.0098 ms by the 7th
    // spike (measured, docs/numerics-nonlinear.md); 0.02 ms leaves a factor two.
    EXPECT_GE(r.spikes[i], spikes[i][0] - 0.02) << "spike " << i;
    EXPECT_LE(r.spikes[i], spikes[i][0] + dt + 0.02) << "spike " << i;
  }
  double sum = 0.0, max_err = 0.0;
  for (const auto& row : trace) {
    const auto k = static_cast<std::size_t>(std::lround(row[0] / dt));
    ASSERT_LT(k, r.v.size());
    const double e = r.v[k] - row[1];
    sum += e * e;
    max_err = std::max(max_err, std::fabs(e));
  }
  const double rms = std::sqrt(sum / static_cast<double>(trace.size()));
  // Dominated by the samples on the upstrokes (~800 mV/ms), where a 0.01 ms shift is
  // 8 mV; measured 0.45 mV (max 8 mV), bound at twice that.
  EXPECT_LT(rms, 1.0) << "max |dv| " << max_err;
}

TEST(HHCondExp, SynapticPotentialMatchesBrian2) {
  const auto trace = read_csv("hh_brian2_psp_trace.csv");
  ASSERT_GT(trace.size(), 1000u);
  const double dt = 0.01, t_psp = 50.0;
  const hh_run r = run_hh(dt, 100.0, 0.0, 0.0, 0.05, t_psp);
  EXPECT_TRUE(r.spikes.empty());
  double want_peak = -1e9, got_peak = -1e9, want_base = 0.0, got_base = 0.0;
  for (const auto& row : trace) {
    const auto k = static_cast<std::size_t>(std::lround(row[0] / dt));
    ASSERT_LT(k, r.v.size());
    if (std::fabs(row[0] - t_psp) < 1e-9) want_base = row[1], got_base = r.v[k];
    if (row[0] > t_psp)
      want_peak = std::max(want_peak, row[1]), got_peak = std::max(got_peak, r.v[k]);
    // The conductance is exact in both: the same jump and exponential decay. (At
    // t_psp itself Brian2's sample is the value before the jump.)
    if (std::fabs(row[0] - t_psp) > 1e-9) {
      EXPECT_NEAR(r.gsyn_exc[k], row[2], 1e-7) << "t = " << row[0];
    }
  }
  // The resting potential reached from PyNN's initial state, and the PSP amplitude
  // (3.06 mV): measured discrepancies 1e-5 mV and 1e-4 relative (docs), bounds ten
  // times larger.
  EXPECT_NEAR(got_base, want_base, 1e-4);
  EXPECT_NEAR(got_peak - got_base, want_peak - want_base, 1e-3 * (want_peak - want_base));
  EXPECT_GT(want_peak - want_base, 1.0);
}

TEST(HHCondExp, StateStaysPhysicalAtCoarseStep) {
  // dt = 0.1 ms is coarse for the upstroke, but the exponential schemes keep gating
  // variables in [0, 1] and v between the reversal potentials under strong drive.
  const double dt = 0.1;
  driver drv(make_hh_cond_exp(defaults(hh_cond_exp_info(), 1, dt)), dt);
  int spikes = 0;
  for (int k = 0; k < 2000; ++k) {
    drv.i_inj[0] = 2.0;
    if (k % 50 == 0) drv.exc[0] = 0.5;
    spikes += static_cast<int>(drv.advance().size());
    for (const char* x : {"m", "h", "n"}) {
      ASSERT_GE(drv.get(x), 0.0) << x;
      ASSERT_LE(drv.get(x), 1.0) << x;
    }
    ASSERT_GT(drv.get("v"), -90.0);
    ASSERT_LT(drv.get("v"), 50.0);
  }
  EXPECT_GT(spikes, 10);
}

}  // namespace
}  // namespace myelin::detail

// Plastic synapses (docs/numerics.md, "Plastic synapses") against closed forms:
// Tsodyks-Markram's steady state for a regular train, the STDP weight change of one
// pre/post pair for each weight dependence (both orders, with the dendritic delay
// fraction), SimpleStochasticSynapse's transmitted fraction; and the same results for
// every layout (threads, loopback ranks).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/projection_table.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

using test::make_population;
using test::make_projection;
using test::make_recorder;

constexpr double dt = 0.1;

// A current-based cell that integrates its excitatory input without loss and never
// fires: isyn_exc grows by exactly the transmitted weight at each arrival.
population integrator(const std::string& label, int64_t n) {
  return make_population(label, n, "IF_curr_exp",
                         {{"tau_syn_E", 1e12}, {"v_thresh", 1e12}, {"cm", 1e6}});
}

population train(const std::string& label, std::vector<double> times) {
  population p = make_population(label, 1, "SpikeSourceArray");
  p.spike_times = {std::move(times)};
  return p;
}

// The weights transmitted at each arrival: the jumps of the target's isyn_exc.
std::vector<double> jumps(const trace_data& tr) {
  std::vector<double> out;
  for (std::size_t k = 1; k < tr.times.size(); ++k)
    if (const double j = tr.values[k] - tr.values[k - 1]; j > 1e-12) out.push_back(j);
  return out;
}

std::vector<double> tm_jumps(double U, double tau_rec, double tau_facil, double interval, int n) {
  network net;
  net.dt = dt;
  std::vector<double> times;
  for (int k = 0; k < n; ++k) times.push_back(1.0 + interval * k);
  net.tstop = times.back() + 5.0;
  net.populations = {train("pre", times), integrator("post", 1)};
  projection p = make_projection("tm", "pre", "post", {.type = "OneToOne"}, 2.0, 1.0);
  p.synapse = synapse_spec{
      "TsodyksMarkramSynapse", {{"U", U}, {"tau_rec", tau_rec}, {"tau_facil", tau_facil}}, {}, {}};
  net.projections = {p};
  net.recorders = {make_recorder("i", "post", {"isyn_exc"})};
  simulation sim(net, {.threads = 1});
  sim.run();
  return jumps(sim.traces()[0]);
}

TEST(plasticity, tsodyks_markram_depression_steady_state) {
  const double U = 0.5, tau_rec = 100.0, h = 20.0;  // 50 Hz
  const auto j = tm_jumps(U, tau_rec, 0.0, h, 60);
  ASSERT_EQ(j.size(), 60u);
  EXPECT_NEAR(j[0], 2.0 * U, 1e-9);  // first spike: u = U, x = 1
  // Second spike: x = 1 - U (1 - e^{-h/tau_rec}) ... recovered from 1 - U.
  const double e = std::exp(-h / tau_rec);
  EXPECT_NEAR(j[1], 2.0 * U * (1.0 - U * e), 1e-9);
  const double x_ss = (1.0 - e) / (1.0 - (1.0 - U) * e);
  EXPECT_NEAR(j.back(), 2.0 * U * x_ss, 1e-9);
}

TEST(plasticity, tsodyks_markram_facilitation_steady_state) {
  const double U = 0.1, tau_rec = 50.0, tau_facil = 500.0, h = 25.0;  // 40 Hz
  const auto j = tm_jumps(U, tau_rec, tau_facil, h, 200);
  ASSERT_EQ(j.size(), 200u);
  EXPECT_NEAR(j[0], 2.0 * U, 1e-9);
  const double ef = std::exp(-h / tau_facil), er = std::exp(-h / tau_rec);
  EXPECT_NEAR(j[1], 2.0 * (U + U * (1 - U) * ef) * (1.0 - U * er), 1e-9);
  EXPECT_GT(j[1], j[0]);  // facilitates first
  const double u_ss = U / (1.0 - (1.0 - U) * ef);
  const double x_ss = (1.0 - er) / (1.0 - (1.0 - u_ss) * er);
  EXPECT_NEAR(j.back(), 2.0 * u_ss * x_ss, 1e-9);
}

// One STDP synapse pre -> post; `post` is made to fire by a strong driver at `t_drive`.
struct pair_result {
  double w;                              // the weight after the run
  double t_pre, t_pre2 = 0, t_pre3 = 0;  // recorded presynaptic spikes
  double t_post, t_post2 = 0;            // the recorded postsynaptic spikes
  std::vector<double> t_posts;           // all of them
};

pair_result stdp_pair(const std::string& wdep, double f, double delay, std::vector<double> pre,
                      double t_drive, double w0, std::vector<double> other = {},
                      double t_drive2 = 0, double tau_minus = 25.0,
                      std::vector<double> more_drives = {}, double tau_plus = 15.0) {
  network net;
  net.dt = dt;
  net.tstop = std::max(400.0, pre.back() + 50.0);
  // `other`: the spikes of a second presynaptic cell onto the same target.
  population pre_pop = train("pre", pre);
  if (!other.empty()) {
    pre_pop.size = 2;
    pre_pop.spike_times.push_back(other);
  }
  population drive = train("drive", {t_drive});
  if (t_drive2 > 0) drive.spike_times[0].push_back(t_drive2);
  for (double t : more_drives) drive.spike_times[0].push_back(t);
  net.populations = {pre_pop, drive,
                     make_population("post", 1, "IF_curr_exp",
                                     {{"cm", 0.01}, {"tau_syn_E", 0.5}, {"tau_refrac", 100.0}})};
  projection p = make_projection("stdp", "pre", "post", {.type = "AllToAll"}, w0, delay);
  p.synapse = synapse_spec{
      "STDPMechanism",
      {{"dendritic_delay_fraction", f}},
      {"SpikePairRule",
       {{"tau_plus", tau_plus}, {"tau_minus", tau_minus}, {"A_plus", 0.1}, {"A_minus", 0.12}}},
      {wdep, {{"w_min", 0.0}, {"w_max", 1e-3}, {"mu_plus", 0.4}, {"mu_minus", 0.7}}}};
  if (wdep != "GutigWeightDependence") p.synapse->weight_dependence.params = {{"w_max", 1e-3}};
  net.projections = {p, make_projection("drive", "drive", "post", {.type = "OneToOne"}, 50.0, 0.1)};
  net.recorders = {make_recorder("sp", "pre", {"spikes"}), make_recorder("so", "post", {"spikes"})};
  simulation sim(net, {.threads = 1});
  sim.run();
  const auto sp = sim.spikes("pre"), so = sim.spikes("post");
  EXPECT_EQ(so.times.size(), (t_drive2 > 0 ? 2u : 1u) + more_drives.size());
  std::vector<double> t0;  // cell 0's spikes
  for (std::size_t k = 0; k < sp.times.size(); ++k)
    if (sp.node_ids[k] == 0) t0.push_back(sp.times[k]);
  pair_result r{
      .w = sim.connections("stdp").at(0).weight, .t_pre = t0.at(0), .t_post = so.times.at(0)};
  if (so.times.size() > 1) r.t_post2 = so.times[1];
  r.t_posts = so.times;
  if (t0.size() > 1) r.t_pre2 = t0[1];
  if (t0.size() > 2) r.t_pre3 = t0[2];
  return r;
}

// The rules as docs/numerics.md states them (w_min = 0, w_max = 1e-3).
double up(const std::string& wdep, double w, double k) {
  const double w_max = 1e-3, a = 0.1;
  double dw = a * w_max * k;
  if (wdep == "MultiplicativeWeightDependence") dw = a * (w_max - w) * k;
  if (wdep == "GutigWeightDependence") dw = a * w_max * std::pow((w_max - w) / w_max, 0.4) * k;
  return std::min(w + dw, w_max);
}
double down(const std::string& wdep, double w, double k) {
  const double w_max = 1e-3, a = 0.12;
  double dw = a * w_max * k;
  if (wdep == "MultiplicativeWeightDependence" ||
      wdep == "AdditivePotentiationMultiplicativeDepression")
    dw = a * w * k;
  if (wdep == "GutigWeightDependence") dw = a * w_max * std::pow(w / w_max, 0.7) * k;
  return std::max(w - dw, 0.0);
}

const std::vector<std::string> dependences{
    "AdditiveWeightDependence", "MultiplicativeWeightDependence",
    "AdditivePotentiationMultiplicativeDepression", "GutigWeightDependence"};

TEST(plasticity, stdp_pre_before_post_potentiates) {
  for (const auto& wd : dependences)
    for (auto [f, t_drive, t_drive2] : {std::tuple{1.0, 13.5, 0.0},
                                        {0.5, 13.5, 0.0},
                                        {0.75, 13.5, 0.0},
                                        {0.62, 13.5, 0.0},
                                        {1.0, 8.6, 0.0},
                                        {1.0, 13.5, 209.0}}) {
      const double d = 2.0, w0 = 4e-4;
      // Pre at 10 ms, post near 14 ms; a late presynaptic spike applies the pair. (With
      // f = 1 and the drive at 8.6 ms, the postsynaptic spike comes before the
      // presynaptic one, but reaches the synapse after it.)
      // The third presynaptic spike meets the postsynaptic trace after every synapse
      // has read the postsynaptic spike (it is pruned from the history by then).
      // (A second postsynaptic spike at 209 ms reaches the synapse after the third
      // presynaptic spike; the trace then comes from the spike dropped from the history.
      // Its facilitation waits for a presynaptic spike that never comes: the weight
      // read after the run is that of the third spike, as in NEST and pyNN.neuron.)
      const auto r = stdp_pair(wd, f, d, {10.0, 200.0, 210.0}, t_drive, w0, {}, t_drive2);
      // Arrival at the synapse: pre at t + (1-f) d, post at t + f d.
      const double a1 = r.t_pre + (1 - f) * d, b = r.t_post + f * d, a2 = r.t_pre2 + (1 - f) * d,
                   a3 = r.t_pre3 + (1 - f) * d;
      ASSERT_GT(b, a1);
      double w = up(wd, w0, std::exp(-(b - a1) / 15.0));
      w = down(wd, w, std::exp(-(a2 - b) / 25.0));
      w = up(wd, w, 0.0);  // no postsynaptic spike between a2 and a3
      w = down(wd, w, std::exp(-(a3 - b) / 25.0));
      if (t_drive2 > 0) {
        ASSERT_GT(r.t_post2 + f * d, a3);
      }
      EXPECT_NEAR(r.w, w, 1e-15) << wd << " f=" << f;
      EXPECT_GT(r.w, w0 * 1.01) << wd << " f=" << f;
    }
}

TEST(plasticity, stdp_post_before_pre_depresses) {
  // f = 0.62 puts the pairs off the step grid (the traces' decay by exp(), not from the
  // per-step tables); the last presynaptic spike meets a trace older than the tables
  // (stdp_decay_steps steps: exp() again), with tau_minus long enough to leave a mark.
  const double beyond = 14.0 + static_cast<double>(detail::stdp_decay_steps + 100) * dt;
  for (const auto& wd : dependences)
    for (double f : {1.0, 0.5, 0.75, 0.62})
      for (const auto& [t_pre, tau] : {std::pair{20.0, 25.0}, {280.0, 25.0}, {beyond, 1000.0}}) {
        const double d = 2.0, w0 = 4e-4;
        const auto r = stdp_pair(wd, f, d, {t_pre}, 13.5, w0, {}, 0, tau);
        const double a1 = r.t_pre + (1 - f) * d, b = r.t_post + f * d;
        ASSERT_GT(a1, b);
        const double w = down(wd, w0, std::exp(-(a1 - b) / tau));
        EXPECT_NEAR(r.w, w, 1e-15) << wd << " f=" << f << " t_pre=" << t_pre;
        if (t_pre < 100)
          EXPECT_LT(r.w, w0 * 0.99) << wd << " f=" << f;
        else
          EXPECT_LT(r.w, w0 - 1e-10) << wd << " f=" << f << " t_pre=" << t_pre;
      }
}

TEST(plasticity, stdp_history_outlives_a_busy_neighbour) {
  // A second synapse onto the same cell reads (and would let the history drop) the
  // postsynaptic spike long before the first one's next presynaptic spike needs it.
  for (const auto& wd : dependences) {
    const auto alone = stdp_pair(wd, 1.0, 2.0, {10.0, 300.0}, 13.5, 4e-4);
    const auto busy =
        stdp_pair(wd, 1.0, 2.0, {10.0, 300.0}, 13.5, 4e-4, {5.0, 30.0, 60.0, 90.0, 200.0});
    EXPECT_EQ(busy.w, alone.w) << wd;
    EXPECT_GT(busy.w, 4e-4) << wd;
  }
}

TEST(plasticity, stdp_long_silence_pairs_as_the_closed_form) {
  // Pre at 10 and 2000 ms; post near 14, 700 and 1500 ms. The presynaptic cell is silent
  // for much longer than stdp_catch_up_ms: the pairs' facilitation is applied early, by
  // catch-ups (each reads on from where the last stopped), before the
  // depression at 2000 ms (tau_plus and tau_minus 1 s, so that they show: K+ from the
  // first spike reaches the late pairs, K- holds all three postsynaptic spikes); the
  // result is the rule's.
  for (const auto& wd : dependences)
    for (const double f : {1.0, 0.5, 0.62}) {
      const double d = 2.0, w0 = 4e-4;
      const auto r =
          stdp_pair(wd, f, d, {10.0, 2000.0}, 13.5, w0, {}, 700.0, 1000.0, {1500.0}, 1000.0);
      const double a1 = r.t_pre + (1 - f) * d, a2 = r.t_pre2 + (1 - f) * d;
      const double b1 = r.t_posts.at(0) + f * d, b2 = r.t_posts.at(1) + f * d,
                   b3 = r.t_posts.at(2) + f * d;
      // Rows silent for P = stdp_catch_up_ms are caught up at the next multiple of
      // P / stdp_catch_up_checks, and again every P while silent: so one catch-up reads
      // b1, a later one b2, a later one b3 (each from where the last stopped), and some
      // read nothing new, all before a2.
      const double P = detail::stdp_catch_up_ms, Q = P / detail::stdp_catch_up_checks;
      std::vector<double> at;  // the catch-ups' times
      for (double c = std::ceil((r.t_pre + P) / Q) * Q; c < a2; c += P) at.push_back(c);
      const auto one_in = [&](double x, double y) {
        return std::any_of(at.begin(), at.end(), [&](double c) { return x < c && c < y; });
      };
      ASSERT_TRUE(one_in(b1, b2) && one_in(b2, b3) && one_in(b3, a2)) << at.size();
      double w = up(wd, w0, std::exp(-(b1 - a1) / 1000.0));
      w = up(wd, w, std::exp(-(b2 - a1) / 1000.0));
      w = up(wd, w, std::exp(-(b3 - a1) / 1000.0));
      w = down(wd, w,
               std::exp(-(a2 - b3) / 1000.0) + std::exp(-(a2 - b2) / 1000.0) +
                   std::exp(-(a2 - b1) / 1000.0));
      EXPECT_NEAR(r.w, w, 1e-15) << wd << " f=" << f;
    }
}

// One presynaptic spike at `t_pre`, then silence; the target fires at ~60 Hz throughout.
network silent_input(double tstop, double t_pre, double delay, double tau_plus) {
  network net;
  net.dt = dt;
  net.tstop = tstop;
  net.populations = {train("pre", {t_pre}),
                     make_population("post", 1, "IF_curr_exp", {{"i_offset", 2.0}})};
  projection p = make_projection("stdp", "pre", "post", {.type = "AllToAll"}, 1e-4, delay);
  p.synapse = synapse_spec{"STDPMechanism",
                           {},
                           {"SpikePairRule", {{"tau_plus", tau_plus}, {"A_plus", 0.01}}},
                           {"AdditiveWeightDependence", {{"w_max", 1e-3}}}};
  net.projections = {p};
  return net;
}

TEST(plasticity, stdp_history_stays_short_when_a_presynaptic_cell_falls_silent) {
  // The synapse has joined at the one presynaptic spike, so without catch-ups it would keep every
  // postsynaptic spike (8 B each) in the history, unread; summary's bytes (tables and histories,
  // as they are after each run) must not grow with the run.
  network net = silent_input(11000.0, 5.0, 1.0, 20.0);
  net.recorders = {make_recorder("so", "post", {"spikes"})};
  simulation sim(net, {.threads = 1});
  sim.run(1000.0);
  const double b1 = sim.synapse_bytes();
  sim.run(10000.0);  // ~600 postsynaptic spikes: ~5 KB more in a history kept whole
  ASSERT_GT(sim.spikes("post").times.size(), 600u);
  EXPECT_LE(sim.synapse_bytes(), b1 + 1024.0) << "after 1 s " << b1;
}

TEST(plasticity, stdp_catch_ups_are_the_same_in_any_run_segments) {
  // The presynaptic spike at 10 ms, the target firing at ~60 Hz. The weight read after
  // 2 s holds the facilitation the catch-ups applied (tau_plus 1 s, so that it shows):
  // those at the multiples of stdp_catch_up_ms, whether the run is one piece (epochs of
  // 10 ms, the delay) or 7 ms pieces (epochs ending elsewhere).
  const network net = silent_input(2000.0, 10.0, 10.0, 1000.0);
  simulation one(net, {.threads = 1});
  one.run();
  simulation pieces(net, {.threads = 1});
  while (pieces.time() < 2000.0 - 1e-9) pieces.run(std::min(7.0, 2000.0 - pieces.time()));
  const double w = one.connections("stdp").at(0).weight;
  EXPECT_GT(w, 1.5e-4);
  EXPECT_EQ(pieces.connections("stdp").at(0).weight, w);
}

TEST(plasticity, stdp_delays_are_refused_once_a_spike_has_paired) {
  // Before the presynaptic spike (10 ms) is delivered the delay may change; after, the
  // synapse's pairing window follows from the delay it had, and a change is refused.
  simulation sim(silent_input(100.0, 10.0, 1.0, 20.0), {.threads = 1});
  sim.set_connection_param("stdp", "delay", {2.0});
  sim.run(5.0);
  sim.set_connection_param("stdp", "delay", {1.5});
  sim.run(20.0);
  try {
    sim.set_connection_param("stdp", "delay", {2.0});
    ADD_FAILURE() << "accepted";
  } catch (const model_error& e) {
    EXPECT_NE(std::string(e.what()).find("projections[0].delay"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sim.connections("stdp").at(0).delay, 1.5);
  sim.set_connection_param("stdp", "weight", {2e-4});  // weights may change
  EXPECT_EQ(sim.connections("stdp").at(0).weight, 2e-4);
}

TEST(plasticity, stdp_dendritic_fraction_decides_the_order) {
  // Post 1 ms after pre, delay 4 ms: with f = 1 the postsynaptic spike reaches the
  // synapse 5 ms after the presynaptic one (potentiation); with f = 0.5, 1 ms after.
  const auto d1 = stdp_pair("AdditiveWeightDependence", 1.0, 4.0, {10.0, 300.0}, 10.5, 4e-4);
  const auto d5 = stdp_pair("AdditiveWeightDependence", 0.5, 4.0, {10.0, 300.0}, 10.5, 4e-4);
  EXPECT_LT(d1.w, d5.w);  // exp(-5/15) < exp(-1/15): less potentiation
}

TEST(plasticity, stdp_refuses_fractions_that_need_future_spikes) {
  // Validation refuses a scalar delay, the build a drawn one.
  for (const value_spec& delay :
       {value_spec{2.0}, value_spec{distribution{"uniform", {{"low", 1.5}, {"high", 2.5}}}}}) {
    network net;
    net.populations = {train("pre", {1.0}), integrator("post", 1)};
    projection p = make_projection("stdp", "pre", "post", {.type = "OneToOne"}, 0.1, delay);
    p.synapse = synapse_spec{"STDPMechanism",
                             {{"dendritic_delay_fraction", 0.0}},
                             {"SpikePairRule", {}},
                             {"AdditiveWeightDependence", {}}};
    net.projections = {p};
    try {
      simulation sim(net, {.threads = 1});
      ADD_FAILURE() << "accepted";
    } catch (const model_error& e) {
      EXPECT_NE(std::string(e.what()).find("projections[0].synapse.dendritic_delay_fraction"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(plasticity, stochastic_transmits_fraction_p) {
  network net;
  net.dt = dt;
  std::vector<double> times;
  for (int k = 0; k < 50; ++k) times.push_back(1.0 + 2.0 * k);
  net.tstop = 110.0;
  net.populations = {train("pre", times), integrator("post", 200)};
  projection p = make_projection("st", "pre", "post", {.type = "AllToAll"}, 1.0, 1.0);
  p.synapse = synapse_spec{"SimpleStochasticSynapse", {{"p", 0.3}}, {}, {}};
  net.projections = {p};
  net.recorders = {make_recorder("i", "post", {"isyn_exc"}, 100.0)};
  std::vector<double> first;
  for (int threads : {1, 2}) {
    simulation sim(net, {.threads = threads});
    sim.run();
    const trace_data tr = sim.traces()[0];
    const std::vector<double> last(tr.values.end() - 200, tr.values.end());
    double n = 0;
    for (double v : last) n += v;
    // 10000 Bernoulli(0.3) trials: mean 3000, standard deviation 45.8; 4 sd.
    EXPECT_NEAR(n, 3000.0, 4 * 45.8);
    if (first.empty()) first = last;
    EXPECT_EQ(last, first) << threads << " threads";
  }
}

// A recurrent network with every plastic kind: spikes and final weights must be the
// same bits on 1 and 2 threads and on 2 loopback ranks.
TEST(plasticity, layout_independent) {
  network net = test::small_random_network(5, 300.0);
  synapse_spec stdp{"STDPMechanism",
                    {{"dendritic_delay_fraction", 0.75}},
                    {"SpikePairRule", {{"A_plus", 0.05}, {"A_minus", 0.06}}},
                    {"MultiplicativeWeightDependence", {{"w_max", 0.02}}}};
  net.projections[0].synapse = stdp;  // ee, with a delay per synapse:
  net.projections[0].delay = distribution{"uniform", {{"low", 0.1}, {"high", 2.0}}};
  net.projections[1].synapse = synapse_spec{"TsodyksMarkramSynapse", {{"tau_facil", 20.0}}, {}, {}};
  net.projections[2].synapse = synapse_spec{"SimpleStochasticSynapse", {{"p", 0.7}}, {}, {}};
  stdp.weight_dependence = {"GutigWeightDependence", {{"w_max", 0.02}}};
  net.projections[4].synapse = stdp;  // input -> exc, delay 1 ms
  struct out {
    std::vector<spike_data> spikes;
    std::vector<connection_data> ee, in;
  };
  auto run = [&](int ranks, int threads) {
    std::vector<out> o(ranks);
    const auto errors = test::on_loopback_ranks(net, ranks, threads, [&](simulation& sim, int r) {
      sim.run(150.0);
      sim.run(150.0);
      for (const auto& p : net.populations) o[r].spikes.push_back(sim.spikes(p.label));
      o[r].ee = sim.connections("ee");
      o[r].in = sim.connections("in");
    });
    for (const auto& e : errors) EXPECT_EQ(e, "");
    return o[0];
  };
  const out ref = run(1, 1);
  ASSERT_GT(ref.spikes[0].times.size(), 100u);
  // The weights moved.
  std::size_t changed = 0;
  for (const auto& c : ref.in) changed += c.weight != 0.01;
  EXPECT_GT(changed, ref.in.size() / 2);
  for (auto [ranks, threads] : {std::pair{1, 2}, {2, 1}, {2, 2}}) {
    const out o = run(ranks, threads);
    for (std::size_t p = 0; p < ref.spikes.size(); ++p) {
      EXPECT_EQ(o.spikes[p].times, ref.spikes[p].times) << ranks << "x" << threads;
      EXPECT_EQ(o.spikes[p].node_ids, ref.spikes[p].node_ids) << ranks << "x" << threads;
    }
    ASSERT_EQ(o.ee.size(), ref.ee.size());
    ASSERT_EQ(o.in.size(), ref.in.size());
    for (std::size_t k = 0; k < ref.ee.size(); ++k) EXPECT_EQ(o.ee[k].weight, ref.ee[k].weight);
    for (std::size_t k = 0; k < ref.in.size(); ++k) EXPECT_EQ(o.in[k].weight, ref.in[k].weight);
  }
}

// STDP has a fast delivery for tables with one delay (whole steps between a spike's
// arrival at the synapse and at the soma) and a general one (a delay per synapse): the
// same delay given per synapse must give the same spikes and weights, bit for bit, for
// each weight dependence.
TEST(plasticity, stdp_one_delay_and_per_synapse_delays_agree) {
  for (const char* wd : {"AdditiveWeightDependence", "MultiplicativeWeightDependence",
                         "AdditivePotentiationMultiplicativeDepression", "GutigWeightDependence"})
    for (const double f : {1.0, 0.5}) {
      network net = test::small_random_network(7, 300.0);
      net.projections[0].synapse =
          synapse_spec{"STDPMechanism",
                       {{"dendritic_delay_fraction", f}},
                       {"SpikePairRule", {{"A_plus", 0.05}, {"A_minus", 0.06}}},
                       {wd, {{"w_max", 0.02}}}};
      auto run = [&](const value_spec& delay) {
        net.projections[0].delay = delay;
        simulation sim(net, {.threads = 1});
        sim.run();
        return std::pair{sim.spikes("exc"), sim.connections("ee")};
      };
      const auto [s1, c1] = run(1.0);
      const auto [s2, c2] = run(distribution{"uniform", {{"low", 1.0}, {"high", 1.0}}});
      ASSERT_GT(s1.times.size(), 1000u) << wd << " f " << f;
      EXPECT_EQ(s1.times, s2.times) << wd << " f " << f;
      EXPECT_EQ(s1.node_ids, s2.node_ids) << wd << " f " << f;
      ASSERT_EQ(c1.size(), c2.size());
      std::size_t changed = 0, differ = 0;
      for (std::size_t k = 0; k < c1.size(); ++k) {
        changed += c1[k].weight != 0.004;
        differ += c1[k].weight != c2[k].weight;
      }
      EXPECT_GT(changed, c1.size() / 4) << wd << " f " << f;
      EXPECT_EQ(differ, 0u) << wd << " f " << f;
    }
}

TEST(plasticity, model_file_round_trip_and_errors) {
  const std::string text = R"({"populations": [
      {"label": "a", "size": 2, "cell_type": "SpikeSourcePoisson", "params": {"rate": 5}},
      {"label": "b", "size": 2, "cell_type": "IF_curr_exp"}],
    "projections": [{"pre": "a", "post": "b", "connector": {"type": "AllToAll"},
      "weight": 0.5, "synapse": {"type": "STDPMechanism", "dendritic_delay_fraction": 1,
        "timing_dependence": {"type": "SpikePairRule", "A_plus": 0.02},
        "weight_dependence": {"type": "GutigWeightDependence", "mu_plus": 1}}}]})";
  const network net = network_from_json_text(text);
  ASSERT_TRUE(net.projections[0].synapse);
  EXPECT_EQ(net.projections[0].synapse->timing_dependence.params.at("A_plus"), 0.02);
  validate(net);
  const network back = network_from_json_text(network_to_json_text(net));
  EXPECT_EQ(network_to_json_text(back), network_to_json_text(net));
  auto refused = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    try {
      validate(network_from_json_text(t));
    } catch (const model_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused("\"mu_plus\": 1", "\"mu_plus\": -1")
                .find("projections[0].synapse.weight_dependence.mu_plus"),
            std::string::npos);
  EXPECT_NE(
      refused("\"A_plus\"", "\"A_pluss\"").find("projections[0].synapse.timing_dependence.A_pluss"),
      std::string::npos);
  EXPECT_NE(refused("STDPMechanism", "STDP").find("projections[0].synapse.type"),
            std::string::npos);
  EXPECT_NE(refused("\"dendritic_delay_fraction\": 1", "\"dendritic_delay_fraction\": 2")
                .find("projections[0].synapse.dendritic_delay_fraction"),
            std::string::npos);
}

}  // namespace
}  // namespace myelin

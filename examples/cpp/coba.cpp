// The COBA benchmark network built through the public C++ API only (no model file).
//
//   build/bin/example_coba [duration_ms]
//
// Prints the mean rate of each population; exits with status 1 if the excitatory rate
// is outside 5-60 Hz (the network's known regime is ~20 Hz), so `make test` catches a
// broken engine.

#include <cstdio>
#include <cstdlib>

#include <myelin/myelin.hpp>

int main(int argc, char** argv) {
  const double duration = argc > 1 ? std::atof(argv[1]) : 1000.0;

  myelin::network net;
  net.name = "coba_cpp";
  net.dt = 0.1;  // [ms]
  net.tstop = duration;
  net.seed = 7;

  myelin::population exc{.label = "exc", .size = 3200, .cell_type = "IF_cond_exp"};
  exc.params = {{"cm", 0.2},         {"tau_m", 20.0},     {"v_rest", -60.0},  {"v_reset", -60.0},
                {"v_thresh", -50.0}, {"tau_refrac", 5.0}, {"tau_syn_E", 5.0}, {"tau_syn_I", 10.0},
                {"e_rev_E", 0.0},    {"e_rev_I", -80.0},  {"i_offset", 0.2}};
  exc.initial["v"] = myelin::distribution{"normal", {{"mu", -55.0}, {"sigma", 5.0}}};
  myelin::population inh = exc;
  inh.label = "inh";
  inh.size = 800;
  net.populations = {exc, inh};

  const myelin::selection all{{{.population = "exc"}, {.population = "inh"}}};
  myelin::projection ee;
  ee.label = "exc->all";
  ee.pre = {{{.population = "exc"}}};
  ee.post = all;
  ee.conn.type = "FixedProbability";
  ee.conn.p = 0.02;
  ee.weight = 0.006;  // [uS]
  ee.delay = 0.1;     // [ms]
  myelin::projection ie = ee;
  ie.label = "inh->all";
  ie.pre = {{{.population = "inh"}}};
  ie.receptor = "inhibitory";
  ie.weight = 0.067;  // [uS]
  net.projections = {ee, ie};
  net.recorders.push_back({.label = "spikes", .target = all, .variables = {"spikes"}});

  myelin::simulation sim(net, {.threads = 1});
  sim.run(duration);
  double exc_rate = 0;
  for (const auto& p : sim.summary()) {
    std::printf("%-4s %5lld cells %8llu spikes %6.2f Hz\n", p.label.c_str(),
                static_cast<long long>(p.size), static_cast<unsigned long long>(p.spike_count),
                p.mean_rate_hz);
    if (p.label == "exc") exc_rate = p.mean_rate_hz;
  }
  std::printf("%llu synapses, build %.3f s, run %.3f s\n",
              static_cast<unsigned long long>(sim.synapse_count()), sim.build_seconds(),
              sim.run_seconds());
  return exc_rate > 5.0 && exc_rate < 60.0 ? 0 : 1;
}

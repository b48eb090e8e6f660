// Plastic synapse types on a built connection table (synapses.hpp).

#include "construct/synapses.hpp"

#include <cmath>

#include "model/format.hpp"
#include "model/synapses.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

void setup_synapses(const network& net, const projection& pr, const std::string& f, vp_state& st,
                    projection_table& tab) {
  if (!pr.synapse || pr.synapse->type == "StaticSynapse") return;
  const synapse_spec& s = *pr.synapse;
  synapse_params& q = tab.syn;
  q.dt = net.dt;
  auto p = [&](const std::string& name) { return synapse_param(s.type, s.params, name); };
  const uint64_t span = tab.pre_hi - tab.pre_lo;
  if (s.type == "TsodyksMarkramSynapse") {
    tab.kind = synapse_kind::tsodyks_markram;
    q.U = p("U");
    q.tau_rec = p("tau_rec");
    q.tau_facil = p("tau_facil");
    tab.rows.assign(span, row_state{0.0, 1.0, -1});  // u = 0, x = 1 (PyNN's initial values)
    return;
  }
  if (s.type == "SimpleStochasticSynapse" || s.type == "StochasticTsodyksMarkramSynapse" ||
      s.type == "MultiQuantalSynapse") {
    q.seed = net.seed;
    if (s.type == "SimpleStochasticSynapse") {
      tab.kind = synapse_kind::stochastic;
      q.p = p("p");
    } else {
      // StochasticTsodyksMarkramSynapse is MultiQuantalSynapse with one site.
      tab.kind = synapse_kind::quantal;
      q.U = p("U");
      q.tau_rec = p("tau_rec");
      q.tau_facil = p("tau_facil");
      q.n_sites = s.type == "MultiQuantalSynapse" ? static_cast<uint32_t>(p("n")) : 1u;
      tab.rows.assign(span, row_state{p("u0"), 1.0, -1});  // u before the first spike
      tab.available.assign(tab.targets.size(), static_cast<uint16_t>(q.n_sites));
    }
    tab.target_gids.assign(st.n_cells, 0);
    for (const auto& g : st.groups)
      for (std::size_t c = 0; c < g.cells->size(); ++c)
        tab.target_gids[g.offset + c] = g.cells->gids()[c];
    return;
  }
  if (s.type != "STDPMechanism")
    throw internal_error("synapse type '" + s.type + "' passed validation but is not built");
  tab.kind = synapse_kind::stdp;
  const synapse_component& td = s.timing_dependence;
  const synapse_component& wd = s.weight_dependence;
  q.dendritic_fraction = p("dendritic_delay_fraction");
  q.tau_plus = synapse_param(td.type, td.params, "tau_plus");
  q.tau_minus = synapse_param(td.type, td.params, "tau_minus");
  q.A_plus = synapse_param(td.type, td.params, "A_plus");
  q.A_minus = synapse_param(td.type, td.params, "A_minus");
  q.w_min = synapse_param(wd.type, wd.params, "w_min");
  q.w_max = synapse_param(wd.type, wd.params, "w_max");
  if (wd.type == "GutigWeightDependence") {
    q.mu_plus = synapse_param(wd.type, wd.params, "mu_plus");
    q.mu_minus = synapse_param(wd.type, wd.params, "mu_minus");
  }
  q.wdep = wd.type == "AdditiveWeightDependence"         ? weight_dependence::additive
           : wd.type == "MultiplicativeWeightDependence" ? weight_dependence::multiplicative
           : wd.type == "GutigWeightDependence"
               ? weight_dependence::gutig
               : weight_dependence::additive_potentiation_multiplicative_depression;
  // A presynaptic spike is delivered once the epoch that emitted it is over: every
  // postsynaptic spike it pairs with (those up to (1 - 2f) d steps after it) must be
  // known by then, which holds when (1 - 2f) d < 1 step.
  if (!tab.targets.empty() && (1.0 - 2.0 * q.dendritic_fraction) * tab.max_delay >= 1.0 - 1e-9)
    throw model_error(f + ".synapse.dendritic_delay_fraction",
                      "must be >= 0.5 here, or (1 - 2 f) delay must stay below one time step: "
                      "with f = " +
                          fmt(q.dendritic_fraction) + " and a delay of " +
                          fmt(tab.max_delay * net.dt) +
                          " ms, a spike would pair with postsynaptic spikes after its delivery");
  if (tab.weights.empty()) tab.weights.assign(tab.targets.size(), tab.weight);
  tab.rows.assign(span, row_state{0.0, 1.0, -1});  // a = K+ = 0
  tab.post.assign(st.n_cells, post_history{});     // synapses join at their first spike
  // The traces decay over whole steps (f = 1, 0.5, ...: stdp.cpp) from tables instead
  // of an exp() per synaptic event.
  tab.decay_minus.resize(stdp_decay_steps);
  tab.decay_plus.resize(stdp_decay_steps);
  for (std::size_t n = 0; n < tab.decay_minus.size(); ++n) {
    tab.decay_minus[n] = std::exp(-static_cast<double>(n) * q.dt / q.tau_minus);
    tab.decay_plus[n] = std::exp(-static_cast<double>(n) * q.dt / q.tau_plus);
  }
  st.stdp_tables.push_back(static_cast<uint32_t>(st.tables.size()));
}

}  // namespace myelin::detail

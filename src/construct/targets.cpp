#include "construct/targets.hpp"

#include <string>

#include "myelin/error.hpp"

namespace myelin::detail {

uint32_t vp_local_index(const gid_layout& layout, const vp_state& st, int n_vp, uint64_t gid) {
  const group_slot& g = st.groups[layout.population_of(gid)];
  return g.offset + static_cast<uint32_t>((gid - g.first_gid) / static_cast<uint64_t>(n_vp));
}

void build_stimulus_targets(const network& net, const gid_layout& layout, int vp, int n_vp,
                            vp_state& st) {
  for (std::size_t s = 0; s < net.stimuli.size(); ++s) {
    const auto gids =
        resolve(net, layout, net.stimuli[s].target, "stimuli[" + std::to_string(s) + "]");
    stimulus_targets targets;
    targets.stimulus = s;
    for (uint64_t g : gids)
      if (g % static_cast<uint64_t>(n_vp) == static_cast<uint64_t>(vp)) {
        targets.cells.push_back(vp_local_index(layout, st, n_vp, g));
        targets.gids.push_back(g);
      }
    targets.value.assign(targets.cells.size(), 0.0);
    st.stimuli.push_back(std::move(targets));
  }
}

void build_trace_targets(const network& net, const gid_layout& layout, int vp, int n_vp,
                         vp_state& st) {
  for (std::size_t r = 0; r < net.recorders.size(); ++r) {
    const recorder& rec = net.recorders[r];
    const auto gids =
        resolve(net, layout, rec.target, "recorders[" + std::to_string(r) + "].target");
    for (std::size_t v = 0; v < rec.variables.size(); ++v) {
      if (rec.variables[v] == "spikes") continue;
      trace_buffer tb;
      tb.recorder = r;
      tb.variable = v;
      for (std::size_t k = 0; k < gids.size(); ++k) {
        if (gids[k] % static_cast<uint64_t>(n_vp) != static_cast<uint64_t>(vp)) continue;
        const group_slot& g = st.groups[layout.population_of(gids[k])];
        g.cells->will_record(rec.variables[v]);
        const double* column = g.cells->column(rec.variables[v]);
        if (!column) throw internal_error("recordable '" + rec.variables[v] + "' has no column");
        tb.positions.push_back(static_cast<uint32_t>(k));
        tb.sources.push_back(column + (vp_local_index(layout, st, n_vp, gids[k]) - g.offset));
      }
      st.traces.push_back(std::move(tb));
    }
  }
}

}  // namespace myelin::detail

// Cost of recording extracellular potentials against the cable step itself, for the
// cable cells of HNN's 10x10 column on one thread (100 L2 and 100 L5 pyramidal cells,
// 35 + 35 basket cells; their positions as in models/jones2009_erp.json).
//
//   build/bin/myelin_bench_extracellular [electrodes=10] [method=psa] [steps=6800]
//
// Every step advances the four groups (one proximal AMPA event per cell every 5 ms, so
// the cells spike) and then records the potentials (src/engine/extracellular.hpp), each
// phase timed with the thread's CPU clock, so other load on the machine inflates both
// alike. Prints the CPU time of each phase per step and the recording's share.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cells/cell_group.hpp"
#include "engine/extracellular.hpp"
#include "engine/vp_state.hpp"
#include "model/selection.hpp"

using namespace myelin;
using namespace myelin::detail;

namespace {

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  const int n_el = argc > 1 ? std::atoi(argv[1]) : 10;
  const std::string method = argc > 2 ? argv[2] : "psa";
  const int steps = argc > 3 ? std::atoi(argv[3]) : 6800;
  network net;
  net.dt = 0.025;
  const std::pair<const char*, int> types[] = {
      {"L2_basket", 35}, {"L2_pyramidal", 100}, {"L5_basket", 35}, {"L5_pyramidal", 100}};
  for (const auto& [type, n] : types) {
    population p;
    p.label = type;
    p.size = n;
    p.cell_type = type;
    positions_spec ps;
    ps.kind = "list";
    const double z = std::string(type) == "L2_pyramidal" ? 1307.4 : 0.0;
    for (int k = 0; k < n; ++k) ps.list.push_back({double(k / 10), double(k % 10), z});
    p.positions = ps;
    net.populations.push_back(p);
  }
  electrode_array a;
  a.label = "shank";
  a.method = method;
  for (int e = 0; e < n_el; ++e) a.positions.push_back({4.5, 4.5, -400.0 + 2600.0 * e / n_el});
  net.electrode_arrays.push_back(a);
  const gid_layout layout(net);
  std::vector<group_slot> groups;
  uint32_t offset = 0;
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    group_init init;
    init.n = static_cast<std::size_t>(net.populations[p].size);
    init.dt = net.dt;
    for (std::size_t c = 0; c < init.n; ++c) init.gids.push_back(layout.offset[p] + c);
    groups.push_back(
        {p, find_cell_kernel(net.populations[p].cell_type)->make(init), offset, layout.offset[p]});
    offset += static_cast<uint32_t>(init.n);
  }
  vp_extracellular rec;
  rec.build(net, layout, groups);
  rec.reserve(static_cast<std::size_t>(steps));
  std::vector<double> i_inj(offset, 0.0), w(100, 0.01), zero(100, 0.0);
  std::vector<uint32_t> spiked;
  spiked.reserve(offset);
  // Per group: its receptor rows (all empty) and the proximal AMPA row's index.
  std::vector<std::vector<const double*>> ports;
  std::vector<int> ampa;
  for (auto& g : groups) {
    const cell_type_info* info = find_cell_type(net.populations[g.population].cell_type);
    ports.emplace_back(info->receptors.size(), zero.data());
    ampa.push_back(receptor_index(*info, "proximal_ampa"));
  }
  double t_cells = 0.0, t_rec = 0.0;
  for (int s = 0; s < steps; ++s) {
    const double t0 = cpu_now();
    for (std::size_t k = 0; k < groups.size(); ++k) {
      auto& g = groups[k];
      ports[k][static_cast<std::size_t>(ampa[k])] = s % 200 == 0 ? w.data() : zero.data();
      group_input in{nullptr, nullptr, i_inj.data() + g.offset, ports[k].data(),
                     static_cast<int>(ports[k].size())};
      spiked.clear();
      g.cells->advance({s, net.dt, 1}, in, spiked);
    }
    const double t1 = cpu_now();
    rec.record(groups, i_inj.data());
    t_cells += t1 - t0;
    t_rec += cpu_now() - t1;
  }
  std::printf("%d %s electrodes, %d steps: cells %.2f us/step, recording %.2f us/step (%.1f %%)\n",
              n_el, method.c_str(), steps, 1e6 * t_cells / steps, 1e6 * t_rec / steps,
              100.0 * t_rec / t_cells);
}

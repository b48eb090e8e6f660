// Cost of the cable step per cell and step for HNN's cell types, by group size.
//
//   build/bin/myelin_bench_cable [steps=6800] [repeats=5] [type] [cells]
//
// Each group gets one proximal AMPA event per cell every 5 ms (so the cells spike and
// the channels move through their whole range); prints the median over repeats of the
// time per cell and step, and per compartment and step.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cable/hnn_cells.hpp"

using namespace myelin::detail;

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 6800;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  std::printf("%-14s %6s %6s %12s %14s\n", "type", "cells", "nodes", "ns/cell-step",
              "ns/node-step");
  std::vector<std::string> types = {"L2_basket", "L2_pyramidal", "L5_pyramidal"};
  std::vector<std::size_t> sizes = {1, 3, 9, 16, 100};
  if (argc > 3) types = {argv[3]};
  if (argc > 4) sizes = {static_cast<std::size_t>(std::atol(argv[4]))};
  for (const std::string& type : types) {
    for (std::size_t n : sizes) {
      std::vector<double> times;
      std::size_t nodes = 0;
      for (int r = 0; r < repeats; ++r) {
        cable_cells cells(hnn_cell_template(type), n);
        nodes = cells.tree().parent.size();
        const int port = cells.port_index("proximal_ampa");
        std::vector<double> w(n, 0.01);
        std::vector<const double*> pw(cells.n_ports(), nullptr);
        std::vector<uint32_t> spiked;
        const auto t0 = std::chrono::steady_clock::now();
        for (int s = 0; s < steps; ++s) {
          pw[port] = s % 200 == 0 ? w.data() : nullptr;
          spiked.clear();
          cells.advance(pw.data(), nullptr, spiked);
        }
        const auto t1 = std::chrono::steady_clock::now();
        times.push_back(std::chrono::duration<double>(t1 - t0).count());
      }
      std::sort(times.begin(), times.end());
      const double per = times[times.size() / 2] / (double(steps) * n) * 1e9;
      std::printf("%-14s %6zu %6zu %12.1f %14.2f\n", type.c_str(), n, nodes, per, per / nodes);
    }
  }
}

"""The network of the PyNN slides in ../shared/seeds/004_*, written for PyNN 0.10.

    python3 examples/pynn/seed004.py [BACKEND] [--scale S] [--tstop MS] [--no-tm] [--seed N]

BACKEND is the module imported as `sim` (default myelin.pynn); pyNN.neuron runs the same
script unchanged. The network, as on the slides:
- 100x100 excitatory and 50x50 inhibitory IF_cond_exp cells (tau_m 12 ms, cm 0.8 nF,
  v_thresh -50 mV, v_reset -65 mV) on square grids of unit spacing;
- 100 Poisson sources with rates drawn from normal(10, 2) Hz;
- a noisy current (mean 0.1 nA, sd 0.01 nA) injected into every cell;
- distance-dependent connectivity p(d) = exp(-d^2/400) from each population onto all
  cells, weights uniform(0, 0.1) uS, delays 0.5 + 0.01 d ms;
- Tsodyks-Markram depressing synapses (U 0.5, tau_rec 800 ms) on the excitatory
  projection, static ones on the inhibitory projection.
Translated from PyNN 0.7 to 0.10: rset -> set, weights and delays move from the
connector into the synapse type, DynamicSynapse(TsodyksMarkramMechanism) ->
TsodyksMarkramSynapse, target= -> receptor_type=, stdDev -> stdev; the rates are
given when the Poisson sources are created (see below). The slides create the
Poisson population but never connect it; here it drives every cell with probability 0.1
(weight 0.05 uS, delay 1 ms), the one addition.

--scale S shrinks both grids to sqrt(S) of their side (same spacing and length scale,
so each cell keeps most of its inputs while there are S times fewer cells): 0.01 gives
10x10 + 5x5 cells. --no-tm makes the excitatory synapses static (for benchmarks).
Prints one JSON line: cells, synapses, build and run seconds, mean rates (Hz).

pyNN.brian2 0.10.1 cannot run it: a TsodyksMarkramSynapse projection onto an Assembly
raises NotImplementedError, and with --no-tm its cells fire at every step (9,668 Hz at
--scale 0.01, against 90 Hz on pyNN.neuron; the same 15,723 synapses on both).
"""
import argparse
import importlib
import json
import math
import sys
import time


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("backend", nargs="?", default="myelin.pynn")
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the 12,500 cells")
    ap.add_argument("--tstop", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--no-tm", action="store_true", help="static excitatory synapses")
    a = ap.parse_args(argv)
    if not 0.0 < a.scale <= 1.0:
        ap.error(f"--scale must be in (0, 1], got {a.scale}")

    t0 = time.perf_counter()
    sim = importlib.import_module(a.backend)
    from pyNN.random import NumpyRNG, RandomDistribution
    from pyNN.space import Grid2D

    sim.setup(timestep=0.1)
    rng = NumpyRNG(seed=a.seed)
    side_e = max(1, round(100 * math.sqrt(a.scale)))
    side_i = max(1, round(50 * math.sqrt(a.scale)))
    cell_parameters = {"tau_m": 12.0, "cm": 0.8, "v_thresh": -50.0, "v_reset": -65.0}
    pE = sim.Population(side_e * side_e, sim.IF_cond_exp(**cell_parameters),
                        structure=Grid2D(aspect_ratio=1.0, dx=1.0, dy=1.0),
                        label="excitatory neurons")
    pI = sim.Population(side_i * side_i, sim.IF_cond_exp(**cell_parameters),
                        structure=Grid2D(aspect_ratio=1.0, dx=1.0, dy=1.0),
                        label="inhibitory neurons")
    all_cells = pE + pI
    rate_distr = RandomDistribution("normal", mu=10.0, sigma=2.0, rng=rng)
    # The slides set the rates after creation (input.rset); given at creation instead:
    # pyNN.neuron 0.10.1 on NEURON 8.2 aborts when a Poisson rate changes before the
    # first run (PyNN issue #784).
    input = sim.Population(100, sim.SpikeSourcePoisson(rate=rate_distr), label="input")
    # stop given: pyNN.neuron draws the whole noise train up front (default stop: 1e12 ms)
    background = sim.NoisyCurrentSource(mean=0.1, stdev=0.01, stop=a.tstop)
    all_cells.inject(background)
    weight_distr = RandomDistribution("uniform", low=0.0, high=0.1, rng=rng)
    DDPC = sim.DistanceDependentProbabilityConnector
    connector = DDPC("exp(-d**2/400.0)", rng=rng)
    delays = "0.5 + 0.01*d"
    if a.no_tm:
        exc_synapse = sim.StaticSynapse(weight=weight_distr, delay=delays)
    else:
        exc_synapse = sim.TsodyksMarkramSynapse(U=0.5, tau_rec=800.0, weight=weight_distr,
                                                delay=delays)
    exc = sim.Projection(pE, all_cells, connector, exc_synapse, receptor_type="excitatory")
    inh = sim.Projection(pI, all_cells, connector,
                         sim.StaticSynapse(weight=weight_distr, delay=delays),
                         receptor_type="inhibitory")
    drive = sim.Projection(input, all_cells, sim.FixedProbabilityConnector(0.1, rng=rng),
                           sim.StaticSynapse(weight=0.05, delay=1.0),
                           receptor_type="excitatory")
    all_cells.record("spikes")
    t1 = time.perf_counter()
    sim.run(a.tstop)
    t2 = time.perf_counter()
    rates = {}
    for pop in (pE, pI):
        counts = pop.get_spike_counts()
        rates[pop.label] = round(sum(counts.values()) / pop.size / (a.tstop / 1000.0), 3)
    n_syn = int(exc.size() + inh.size() + drive.size())
    sim.end()
    print(json.dumps({"backend": a.backend, "cells": pE.size + pI.size, "synapses": n_syn,
                      "tsodyks_markram": not a.no_tm, "tstop": a.tstop,
                      "build_s": round(t1 - t0, 3), "run_s": round(t2 - t1, 3),
                      "rate_hz": rates}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

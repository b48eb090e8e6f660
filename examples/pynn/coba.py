"""COBA network (Brette et al. 2007, benchmark 1) in PyNN 0.10: the network of models/coba.json.

    python3 examples/pynn/coba.py [BACKEND] [--scale S] [--tstop MS] [--seed N] [--out F.npz]

BACKEND is the module to import as `sim` (default myelin.pynn; pyNN.neuron and pyNN.brian2
run the same script unchanged). 3200 excitatory and 800 inhibitory IF_cond_exp cells,
each pair connected with probability 0.02 (p / scale for --scale < 1, so that every cell
keeps its 80 inputs), conductance jumps of 6 nS (exc) and 67 nS (inh), 0.1 ms delays, a
0.2 nA bias current and initial potentials normal(-55, 5) mV: the parameters of
models/coba.json. Connectivity and initial values come from two NumpyRNG streams
seeded from --seed, so every backend builds the same network.

Prints one JSON line: the backend, cell and synapse counts, the seconds spent importing
the backend (import_s), building the network (build_s: setup to the last Projection),
running (run_s), fetching the recorded spikes as Neo (data_s) and counting the synapses
(size_s, Projection.size), and per population the mean rate (Hz) and mean ISI CV (cells
with >= 3 spikes). --out writes the spike trains to .npz (exc_ids/exc_times,
inh_ids/inh_times; also n_exc, n_inh, tstop, synapses, p_conn).
"""
import argparse
import importlib
import json
import sys
import time

import numpy as np

CELL = dict(cm=0.2, tau_m=20.0, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0, tau_refrac=5.0,
            tau_syn_E=5.0, tau_syn_I=10.0, e_rev_E=0.0, e_rev_I=-80.0, i_offset=0.2)
N_EXC, N_INH, P_CONN = 3200, 800, 0.02
W_EXC, W_INH, DELAY = 0.006, 0.067, 0.1  # uS, uS, ms


def spike_stats(ids, times, n, tstop):
    """Mean rate (Hz) over n cells, mean ISI CV over cells with >= 3 spikes."""
    rate = len(times) / n / (tstop / 1000.0)
    cvs = []
    order = np.lexsort((times, ids))
    ids, times = ids[order], times[order]
    for chunk in np.split(times, np.flatnonzero(np.diff(ids)) + 1):
        if len(chunk) >= 3:
            isi = np.diff(chunk)
            cvs.append(isi.std() / isi.mean())
    return rate, (float(np.mean(cvs)) if cvs else float("nan"))


def source_index(pop, spiketrain):
    """Index in pop of a recorded spike train: PyNN annotates 'source_index' when the
    backend returns spikes per cell (pyNN.neuron), Neo only 'channel_id' (the cell ID) when
    it returns one multiplexed array (pyNN.brian2)."""
    ann = spiketrain.annotations
    if "source_index" in ann:
        return int(ann["source_index"])
    return int(pop.id_to_index(ann["source_id"] if "source_id" in ann else ann["channel_id"]))


def trains(pop):
    seg = pop.get_data("spikes").segments[0]
    ids = np.concatenate([np.full(len(st), source_index(pop, st)) for st in seg.spiketrains])
    times = np.concatenate([st.magnitude for st in seg.spiketrains])
    return ids.astype(np.int64), times.astype(float)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("backend", nargs="?", default="myelin.pynn")
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the 4000 cells")
    ap.add_argument("--tstop", type=float, default=1000.0)
    ap.add_argument("--dt", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", help="write spike trains to this .npz")
    a = ap.parse_args(argv)
    if not 0.0 < a.scale <= 1.0:
        ap.error(f"--scale must be in (0, 1], got {a.scale}")

    t0 = time.perf_counter()
    sim = importlib.import_module(a.backend)
    from pyNN.random import NumpyRNG, RandomDistribution
    t1 = time.perf_counter()

    sim.setup(timestep=a.dt, min_delay=DELAY)
    # Two streams: connectivity drawn from its own, so that it does not depend on how a
    # backend draws the initial values (every backend then builds the same synapses).
    rng_conn, rng_init = NumpyRNG(seed=a.seed), NumpyRNG(seed=a.seed + 1000003)
    n_exc, n_inh = round(N_EXC * a.scale), round(N_INH * a.scale)
    p = min(1.0, P_CONN / a.scale)
    exc = sim.Population(n_exc, sim.IF_cond_exp(**CELL), label="exc")
    inh = sim.Population(n_inh, sim.IF_cond_exp(**CELL), label="inh")
    cells = exc + inh
    cells.initialize(v=RandomDistribution("normal", mu=-55.0, sigma=5.0, rng=rng_init))
    conn = sim.FixedProbabilityConnector(p, allow_self_connections=False, rng=rng_conn)
    e2all = sim.Projection(exc, cells, conn, sim.StaticSynapse(weight=W_EXC, delay=DELAY),
                           receptor_type="excitatory", label="exc->all")
    i2all = sim.Projection(inh, cells, conn, sim.StaticSynapse(weight=W_INH, delay=DELAY),
                           receptor_type="inhibitory", label="inh->all")
    cells.record("spikes")
    t2 = time.perf_counter()

    sim.run(a.tstop)
    t3 = time.perf_counter()
    e_ids, e_times = trains(exc)
    i_ids, i_times = trains(inh)
    t4 = time.perf_counter()
    n_syn = int(e2all.size() + i2all.size())
    t5 = time.perf_counter()
    sim.end()

    rate_e, cv_e = spike_stats(e_ids, e_times, n_exc, a.tstop)
    rate_i, cv_i = spike_stats(i_ids, i_times, n_inh, a.tstop)
    if a.out:
        np.savez(a.out, exc_ids=e_ids, exc_times=e_times, inh_ids=i_ids, inh_times=i_times,
                 n_exc=n_exc, n_inh=n_inh, tstop=a.tstop, synapses=n_syn, p_conn=p)
    print(json.dumps({
        "backend": a.backend, "cells": n_exc + n_inh, "synapses": n_syn, "tstop": a.tstop,
        "import_s": round(t1 - t0, 3), "build_s": round(t2 - t1, 3),
        "run_s": round(t3 - t2, 3), "data_s": round(t4 - t3, 3),
        "size_s": round(t5 - t4, 3),
        "exc": {"rate_hz": round(rate_e, 3), "cv": round(cv_e, 4)},
        "inh": {"rate_hz": round(rate_i, 3), "cv": round(cv_i, 4)},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

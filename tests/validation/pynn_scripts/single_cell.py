"""Deterministic single-cell responses of every PyNN standard cell type.

    python3 single_cell.py BACKEND OUT.npz [--tstop MS] [--cells NAME,...]

BACKEND is a module name (pyNN.neuron, pyNN.brian2, myelin.pynn); nothing else in the
script depends on it. Each cell type gets one two-cell population in one simulation:
- 'dc' (cell 0): a DCSource switched on at 50 ms and off at tstop - 50 ms, no other input;
- 'array' (cell 1): a SpikeSourceArray train (regular bursts) through an excitatory StaticSynapse,
  and a second train through an inhibitory one.
OUT.npz holds the spike times (ms) of each as '<cell>/<case>', the membrane potential
(mV, sampled every 1 ms) as '<cell>/<case>/v', and 'backend', 'dt', 'tstop', 'missing'
(the cell types the backend does not have, e.g. pyNN.neuron 0.10.1 lacks IF_curr_delta).
"""
import argparse
import importlib

import numpy as np

# Per cell type: parameters (defaults otherwise), DC amplitude (nA), excitatory and
# inhibitory weights (nA for current-based, uS for conductance-based cells; all three
# chosen so that each case fires a handful of spikes that are not grazing threshold).
CELLS = {
    "IF_curr_exp": ({}, 1.0, 2.0, -1.0),
    "IF_curr_alpha": ({}, 1.0, 3.0, -1.0),
    "IF_curr_delta": ({}, 1.0, 4.0, -2.0),
    "IF_cond_exp": ({}, 1.0, 0.03, 0.02),
    "IF_cond_alpha": ({}, 1.0, 0.2, 0.02),
    "IF_cond_exp_gsfa_grr": ({}, 1.0, 0.03, 0.02),
    "HH_cond_exp": ({}, 0.5, 0.05, 0.03),
    "EIF_cond_exp_isfa_ista": ({}, 1.0, 0.03, 0.02),
    "EIF_cond_alpha_isfa_ista": ({}, 1.0, 0.04, 0.01),
    "Izhikevich": ({}, 0.01, 10.0, -3.0),
}


def source_index(pop, spiketrain):
    """Index in pop of a recorded spike train: PyNN annotates 'source_index' when the
    backend returns spikes per cell (pyNN.neuron), Neo only 'channel_id' (the cell ID) when
    it returns one multiplexed array (pyNN.brian2)."""
    ann = spiketrain.annotations
    if "source_index" in ann:
        return int(ann["source_index"])
    return int(pop.id_to_index(ann["source_id"] if "source_id" in ann else ann["channel_id"]))


def input_trains(tstop):
    """Excitatory: bursts of 5 spikes 2 ms apart every 40 ms from 20 ms; inhibitory:
    single spikes every 40 ms, offset by 25 ms (so they hit between bursts)."""
    exc = [b + 2.0 * k for b in np.arange(20.0, tstop - 20.0, 40.0) for k in range(5)]
    inh = list(np.arange(45.0, tstop - 20.0, 40.0))
    return np.array(exc), np.array(inh)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("backend")
    ap.add_argument("out")
    ap.add_argument("--tstop", type=float, default=500.0)
    ap.add_argument("--dt", type=float, default=0.1)
    ap.add_argument("--cells", default=",".join(CELLS))
    a = ap.parse_args()
    sim = importlib.import_module(a.backend)
    sim.setup(timestep=a.dt, min_delay=a.dt)
    exc_times, inh_times = input_trains(a.tstop)
    src_e = sim.Population(1, sim.SpikeSourceArray(spike_times=exc_times))
    src_i = sim.Population(1, sim.SpikeSourceArray(spike_times=inh_times))
    pops = {}
    missing = []
    for name in a.cells.split(","):
        params, amp, w_e, w_i = CELLS[name]
        try:
            celltype = getattr(sim, name)
            celltype(**params)
        except (AttributeError, NotImplementedError):  # pyNN.neuron has no IF_curr_delta
            missing.append(name)
            continue
        # cell 0: DC only; cell 1: the two spike trains only
        pop = sim.Population(2, celltype(**params), label=name)
        sim.DCSource(amplitude=amp, start=50.0, stop=a.tstop - 50.0).inject_into(pop[0:1])
        sim.Projection(src_e, pop, sim.FromListConnector([(0, 1)]),
                       sim.StaticSynapse(weight=w_e, delay=1.0), receptor_type="excitatory")
        sim.Projection(src_i, pop, sim.FromListConnector([(0, 1)]),
                       sim.StaticSynapse(weight=w_i, delay=1.0), receptor_type="inhibitory")
        pop.record("spikes")
        pop.record("v", sampling_interval=1.0)
        pops[name] = pop
    sim.run(a.tstop)
    out = {"backend": a.backend, "dt": a.dt, "tstop": a.tstop, "missing": np.array(missing, str)}
    for name, p in pops.items():
        seg = p.get_data().segments[0]
        v = seg.filter(name="v")[0].magnitude
        trains = sorted(seg.spiketrains, key=lambda st: source_index(p, st))
        for i, case in enumerate(("dc", "array")):
            out[f"{name}/{case}"] = np.asarray(trains[i].magnitude, dtype=float)
            out[f"{name}/{case}/v"] = np.asarray(v[:, i], dtype=float)
    sim.end()
    np.savez(a.out, **out)


if __name__ == "__main__":
    main()

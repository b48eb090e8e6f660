"""GIF_cond_exp in deterministic regimes, on any PyNN backend.

    python3 gif_cells.py BACKEND OUT.npz [--dt MS] [--tstop MS]

BACKEND is a module name (pyNN.neuron, myelin.pynn); nothing else depends on it.
delta_v = 1e-6 mV makes the escape rate 0 below v_t and effectively infinite above it, so
each cell fires in the first step in which v reaches v_t, as in PyNN's
examples/gif_neuron.py (its cells 1 and 2). Three cells:
- 'eta': spike-triggered current only (a_eta 0.1 nA each), a DC step of 0.6 nA;
- 'gamma': moving threshold only (a_gamma 5 mV each), the same DC step;
- 'syn': both kernels, driven by a SpikeSourceArray through a strong excitatory synapse.
pyNN.neuron 0.10.1 records no spikes of this cell type (gif.mod's net_event is commented
out), so OUT.npz holds the traces: '<cell>/<variable>' for v, i_eta, v_t sampled every
step, and 't' (ms).
"""
import argparse
import importlib

import numpy as np

KERNEL_TAUS = (1.0, 10.0, 100.0)
COMMON = dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=4.0, v_reset=-65.0,
              v_t_star=-55.0, lambda0=1.0, delta_v=1e-6, tau_eta=KERNEL_TAUS,
              tau_gamma=KERNEL_TAUS)
CELLS = {
    "eta": dict(a_eta=(0.1, 0.1, 0.1), a_gamma=(0.0, 0.0, 0.0)),
    "gamma": dict(a_eta=(0.0, 0.0, 0.0), a_gamma=(5.0, 5.0, 5.0)),
    "syn": dict(a_eta=(0.05, 0.02, 0.01), a_gamma=(2.0, 1.0, 0.5)),
}
VARIABLES = ("v", "i_eta", "v_t")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("backend")
    parser.add_argument("out")
    parser.add_argument("--dt", type=float, default=0.01)
    parser.add_argument("--tstop", type=float, default=300.0)
    args = parser.parse_args()
    sim = importlib.import_module(args.backend)
    sim.setup(timestep=args.dt, min_delay=1.0)
    pops = {}
    for name, extra in CELLS.items():
        pops[name] = sim.Population(1, sim.GIF_cond_exp(**COMMON, **extra),
                                    initial_values={"v": -65.0, "v_t": -55.0})
        pops[name].record(list(VARIABLES))
    dc = sim.DCSource(start=20.0, stop=args.tstop - 20.0, amplitude=0.6)
    dc.inject_into(pops["eta"])
    dc.inject_into(pops["gamma"])
    times = np.arange(20.0, args.tstop - 20.0, 15.0)
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=times))
    sim.Projection(source, pops["syn"], sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=0.2, delay=1.0), receptor_type="excitatory")
    sim.run(args.tstop)
    out = {}
    for name, pop in pops.items():
        segment = pop.get_data().segments[0]
        for var in VARIABLES:
            signal = segment.filter(name=var)[0]
            out[f"{name}/{var}"] = np.asarray(signal.magnitude)[:, 0]
            out["t"] = np.asarray(signal.times.rescale("ms").magnitude)
    sim.end()
    np.savez(args.out, backend=args.backend, dt=args.dt, **out)


if __name__ == "__main__":
    main()

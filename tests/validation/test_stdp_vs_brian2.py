"""STDP weights against Brian2 running the same rule.

Brian2 updates a weight at both spikes (bench/peers/brian2_stdp.py, `stdp_code`:
depression in the presynaptic pathway, facilitation in the postsynaptic one, NEST's tie
rules). myelin applies the facilitation at the synapse's next presynaptic spike (NEST's
scheme), or earlier, at a catch-up, when the presynaptic cell has been silent for
stdp_catch_up_ms (docs/numerics.md, "Plastic synapses"): a third of the presynaptic
cells are silent from 100 to 900 ms here, and every presynaptic cell fires once more
after the last postsynaptic spike, so that both hold every pairing when the weights are
compared at the end. The spikes are fixed: presynaptic trains from a SpikeSourceArray and
postsynaptic spikes forced by a strong driver (the plastic weights are too small to
matter), so both simulators see the same pairs and the weights agree to rounding.
Presynaptic spikes that would reach a synapse in the same step as a postsynaptic one are
left out: at such a tie the rule (NEST's) facilitates first and then depresses, while
the Brian2 translation depresses first (its presynaptic pathway runs first in a step),
which differs for the multiplicative dependences. Brian2 runs on its runtime device
with numpy code generation (a few seconds per case).
"""
import copy
import os
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench", "peers"))
sys.path.insert(0, os.path.join(os.environ.get("MYELIN_BUILD_DIR", os.path.join(REPO, "build")),
                                "python"))

b2 = pytest.importorskip("brian2")
myelin = pytest.importorskip("myelin")
import brian2_models  # noqa: E402

DT = 0.1
N_PRE, N_POST = 30, 4
READS = (1000.0,)  # ms: the end


def trains(rng, n, rate_hz, t_end, refractory):
    """n spike trains on the step grid, Poisson-like with a dead time [ms]."""
    out = []
    for _ in range(n):
        t, ts = 1.0, []
        while True:
            t += refractory + rng.exponential(1000.0 / rate_hz)
            if t >= t_end:
                break
            ts.append(round(t / DT) * DT)
        out.append(sorted(set(ts)))
    return out


def pre_trains(rng):
    """Poisson-like trains, the first third silent in [100, 900) ms, and a last spike of
    every cell at 998 ms, after every postsynaptic spike has reached the synapses."""
    out = trains(rng, N_PRE, 15.0, READS[-1] - 10.0, 2.0)
    for k in range(N_PRE // 3):
        out[k] = [t for t in out[k] if not 100.0 <= t < 900.0]
    return [ts + [READS[-1] - 2.0] for ts in out]


def model(wdep, f):
    rng = np.random.default_rng(11)
    post_cell = {"cm": 1.0, "tau_m": 20.0, "v_rest": -65.0, "v_reset": -65.0,
                 "v_thresh": -50.0, "tau_refrac": 2.0, "tau_syn_E": 0.1, "tau_syn_I": 5.0,
                 "i_offset": 0.0}
    wd = {"type": wdep, "w_min": 0.0, "w_max": 0.002}
    if wdep == "GutigWeightDependence":
        wd.update(mu_plus=0.4, mu_minus=0.7)
    return {
        "name": "stdp_vs_brian2", "dt": DT, "tstop": READS[-1], "seed": 1,
        "populations": [
            {"label": "pre", "size": N_PRE, "cell_type": "SpikeSourceArray",
             "spike_times": pre_trains(rng)},
            {"label": "drive", "size": N_POST, "cell_type": "SpikeSourceArray",
             "spike_times": trains(rng, N_POST, 12.0, READS[-1] - 10.0, 5.0)},
            {"label": "post", "size": N_POST, "cell_type": "IF_curr_exp",
             "params": post_cell},
        ],
        "projections": [
            {"label": "kick", "pre": "drive", "post": "post",
             "connector": {"type": "FromList", "list": [[k, k] for k in range(N_POST)]},
             "weight": 1000.0, "delay": 0.1},
            {"label": "stdp", "pre": "pre", "post": "post",
             "connector": {"type": "AllToAll"}, "weight": 0.001, "delay": 1.0,
             "synapse": {"type": "STDPMechanism", "dendritic_delay_fraction": f,
                         "timing_dependence": {"type": "SpikePairRule", "tau_plus": 20.0,
                                               "tau_minus": 25.0, "A_plus": 0.05,
                                               "A_minus": 0.06},
                         "weight_dependence": wd}},
        ],
        "recorders": [{"label": "sp", "target": "post", "variables": ["spikes"]}],
    }


def without_ties(m, post_spikes, f):
    """m without the presynaptic spikes that reach the synapses in the step a postsynaptic
    spike does: t_pre + (1 - f) d = t_post + f d (both stamped at their step's end)."""
    d = m["projections"][1]["delay"]
    ties = np.array([k * DT + (2 * f - 1) * d for _, k in post_spikes])
    pre = m["populations"][0]
    pre["spike_times"] = [[t for t in ts if not np.any(np.abs(ties - t) < 0.5 * DT)]
                          for ts in pre["spike_times"]]
    assert all(ts[-1] == READS[-1] - 2.0 for ts in pre["spike_times"])
    return m


def myelin_weights(m):
    sim = myelin.Simulation(copy.deepcopy(m), threads=1)
    out, t = [], 0.0
    for t_read in READS:
        sim.run(t_read - t)
        t = t_read
        c = sim.connections("stdp")
        w = np.zeros((N_PRE, N_POST))
        w[c["pre"], c["post"]] = c["weight"]
        out.append(w)
    ids, times = sim.spikes("post")
    return out, sorted(zip(ids.tolist(), np.round(np.asarray(times) / DT).astype(int).tolist()))


def brian2_weights(m):
    b2.start_scope()
    b2.set_device("runtime")
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = DT * b2.ms
    net = brian2_models.build(copy.deepcopy(m))
    network = b2.Network(net.objects)
    if net.schedule:
        network.schedule = net.schedule
    syn = [s for lab, s in net.synapses if s.name.startswith("proj_1_")]
    assert len(syn) == 1
    syn = syn[0]
    post_group = [o for o in net.objects if isinstance(o, b2.NeuronGroup)][0]
    mon = b2.SpikeMonitor(post_group)
    network.add(mon)
    out, t = [], 0.0
    for t_read in READS:
        network.run((t_read - t) * b2.ms)
        t = t_read
        w = np.zeros((N_PRE, N_POST))
        w[np.asarray(syn.i), np.asarray(syn.j)] = np.asarray(syn.w) / b2.nA
        out.append(w)
    # myelin stamps a spike at the end of its step (Brian2's t + dt).
    spikes = sorted(zip(np.asarray(mon.i).tolist(),
                        (np.round(np.asarray(mon.t / b2.ms) / DT).astype(int) + 1).tolist()))
    return out, spikes


@pytest.mark.parametrize("wdep", ["AdditiveWeightDependence", "MultiplicativeWeightDependence",
                                  "AdditivePotentiationMultiplicativeDepression",
                                  "GutigWeightDependence"])
@pytest.mark.parametrize("f", [1.0, 0.5])
def test_stdp_weights_match_brian2(wdep, f):
    m = model(wdep, f)
    m = without_ties(m, myelin_weights(m)[1], f)
    mine, my_spikes = myelin_weights(m)
    theirs, their_spikes = brian2_weights(m)
    assert len(my_spikes) > 30
    assert my_spikes == their_spikes  # the pairs are the same
    for t_read, a, b in zip(READS, mine, theirs):
        assert np.abs(a - 0.001).max() > 1e-5, f"no plasticity by {t_read} ms"
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-16,
                                   err_msg=f"{wdep} f={f}: weights at {t_read} ms")

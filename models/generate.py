#!/usr/bin/python3
"""Writes the built-in model files of models/ (run from anywhere; idempotent).

The files are the source of truth for users; this script only keeps the variants of
one benchmark (COBA at 4k, 40k, 400k cells) consistent. Izhikevich's per-cell
parameters are drawn here once, with a fixed NumPy seed, as in the 2003 paper's script.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, model):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(model, f, indent=1)
        f.write("\n")


def coba(n_total, name, tstop=1000.0):
    """Vogels & Abbott 2005 as benchmarked by Brian2/ANNarchy/BrainPy: 80 inputs per cell."""
    n_exc, n_inh = n_total * 4 // 5, n_total // 5
    p = 80.0 / n_total
    cell = {"cm": 0.2, "tau_m": 20.0, "v_rest": -60.0, "v_reset": -60.0, "v_thresh": -50.0,
            "tau_refrac": 5.0, "tau_syn_E": 5.0, "tau_syn_I": 10.0, "e_rev_E": 0.0,
            "e_rev_I": -80.0, "i_offset": 0.2}
    init = {"v": {"distribution": "normal", "mu": -55.0, "sigma": 5.0}}
    return {
        "name": name,
        "description": f"COBA benchmark, {n_total} IF_cond_exp cells, p = {p:g}",
        "dt": 0.1, "tstop": tstop, "seed": 42,
        "populations": [
            {"label": "exc", "size": n_exc, "cell_type": "IF_cond_exp", "params": cell, "initial": init},
            {"label": "inh", "size": n_inh, "cell_type": "IF_cond_exp", "params": cell, "initial": init},
        ],
        "projections": [
            {"label": "exc->all", "pre": "exc", "post": ["exc", "inh"],
             "connector": {"type": "FixedProbability", "p": p},
             "receptor": "excitatory", "weight": 0.006, "delay": 0.1},
            {"label": "inh->all", "pre": "inh", "post": ["exc", "inh"],
             "connector": {"type": "FixedProbability", "p": p},
             "receptor": "inhibitory", "weight": 0.067, "delay": 0.1},
        ],
        "recorders": [
            {"label": "spikes", "target": ["exc", "inh"], "variables": ["spikes"]},
            {"label": "v", "target": {"population": "exc", "start": 0, "stop": 10},
             "variables": ["v", "gsyn_exc", "gsyn_inh"], "interval": 0.1},
        ],
    }


def cuba():
    """Brette et al. 2007 CUBA as in Brian2's example. Brian2 writes
    dv/dt = (ge + gi - (v - El))/taum with jumps ge += 1.62 mV, gi -= 9 mV; with
    IF_curr_exp (dv/dt = (v_rest - v)/tau_m + I/cm) that is I = cm*ge/tau_m, so a jump of
    ge by w [mV] is a jump of the current by cm*w/tau_m [nA] (cm = 1 nF, tau_m = 20 ms):
    0.081 nA and -0.45 nA."""
    cell = {"cm": 1.0, "tau_m": 20.0, "v_rest": -49.0, "v_reset": -60.0, "v_thresh": -50.0,
            "tau_refrac": 5.0, "tau_syn_E": 5.0, "tau_syn_I": 10.0}
    init = {"v": {"distribution": "uniform", "low": -60.0, "high": -50.0}}
    return {
        "name": "cuba", "description": "CUBA benchmark (Brette et al. 2007), 4000 IF_curr_exp cells",
        "dt": 0.1, "tstop": 1000.0, "seed": 42,
        "populations": [
            {"label": "exc", "size": 3200, "cell_type": "IF_curr_exp", "params": cell, "initial": init},
            {"label": "inh", "size": 800, "cell_type": "IF_curr_exp", "params": cell, "initial": init},
        ],
        "projections": [
            {"label": "exc->all", "pre": "exc", "post": ["exc", "inh"],
             "connector": {"type": "FixedProbability", "p": 0.02},
             "receptor": "excitatory", "weight": 0.081, "delay": 0.1},
            {"label": "inh->all", "pre": "inh", "post": ["exc", "inh"],
             "connector": {"type": "FixedProbability", "p": 0.02},
             "receptor": "inhibitory", "weight": -0.45, "delay": 0.1},
        ],
        "recorders": [
            {"label": "spikes", "target": ["exc", "inh"], "variables": ["spikes"]},
            {"label": "v", "target": {"population": "exc", "start": 0, "stop": 10},
             "variables": ["v"], "interval": 0.1},
        ],
    }


def cobahh():
    """Brian2's COBAHH example (Traub-Miles HH, 20000 um^2 membrane) in HH_cond_exp terms:
    cm 0.2 nF, g_leak 0.01 uS, gbar_Na 20 uS, gbar_K 6 uS, v_offset (VT) -63 mV,
    E_leak -60 mV, synapses 6 nS / 67 nS with 5 / 10 ms decay; spikes at v > -20 mV,
    3 ms refractory period in Brian2 (HH_cond_exp has none: the dynamics refract)."""
    cell = {"cm": 0.2, "g_leak": 0.01, "gbar_Na": 20.0, "gbar_K": 6.0, "v_offset": -63.0,
            "e_rev_Na": 50.0, "e_rev_K": -90.0, "e_rev_leak": -60.0, "e_rev_E": 0.0,
            "e_rev_I": -80.0, "tau_syn_E": 5.0, "tau_syn_I": 10.0}
    init = {"v": {"distribution": "normal", "mu": -65.0, "sigma": 5.0},
            "gsyn_exc": {"distribution": "normal", "mu": 0.04, "sigma": 0.015},
            "gsyn_inh": {"distribution": "normal", "mu": 0.2, "sigma": 0.12}}
    return {
        "name": "cobahh", "description": "COBAHH (Brian2 example), 4000 HH_cond_exp cells",
        "dt": 0.1, "tstop": 1000.0, "seed": 42,
        "populations": [
            {"label": "exc", "size": 3200, "cell_type": "HH_cond_exp", "params": cell, "initial": init},
            {"label": "inh", "size": 800, "cell_type": "HH_cond_exp", "params": cell, "initial": init},
        ],
        "projections": [
            {"label": "exc->all", "pre": "exc", "post": ["exc", "inh"],
             "connector": {"type": "FixedProbability", "p": 0.02},
             "receptor": "excitatory", "weight": 0.006, "delay": 0.1},
            {"label": "inh->all", "pre": "inh", "post": ["exc", "inh"],
             "connector": {"type": "FixedProbability", "p": 0.02},
             "receptor": "inhibitory", "weight": 0.067, "delay": 0.1},
        ],
        "recorders": [
            {"label": "spikes", "target": ["exc", "inh"], "variables": ["spikes"]},
            {"label": "v", "target": {"population": "exc", "start": 0, "stop": 5},
             "variables": ["v"], "interval": 0.1},
        ],
    }


def izhikevich():
    """Izhikevich 2003 pulse-coupled network, exactly as the paper's MATLAB script:
    dt = 1 ms with two 0.5 ms half steps for v, per-cell parameters from one random
    number per cell (re, ri), thalamic input 5 resp. 2 x N(0,1) (the paper's current
    units; PyNN's Izhikevich takes 1 nA = 1000 of them), all-to-all synapses with
    E weights U(0, 0.5) mV and I weights -U(0, 1) mV applied as voltage jumps."""
    rng = np.random.default_rng(2003)
    re, ri = rng.random(800), rng.random(200)
    r = lambda x: [round(float(v), 12) for v in x]
    exc = {"a": 0.02, "b": 0.2, "c": r(-65 + 15 * re**2), "d": r(8 - 6 * re**2)}
    inh = {"a": r(0.02 + 0.08 * ri), "b": r(0.25 - 0.05 * ri), "c": -65.0, "d": 2.0}
    return {
        "name": "izhikevich",
        "description": "Izhikevich 2003 pulse-coupled network, 800 E + 200 I, all-to-all",
        "dt": 1.0, "tstop": 1000.0, "seed": 42,
        "populations": [
            {"label": "exc", "size": 800, "cell_type": "Izhikevich", "params": exc,
             "initial": {"v": -65.0, "u": -13.0}},
            {"label": "inh", "size": 200, "cell_type": "Izhikevich", "params": inh,
             "initial": {"v": -65.0, "u": r(-65.0 * (0.25 - 0.05 * ri))}},
        ],
        "projections": [
            {"label": "exc->all", "pre": "exc", "post": ["exc", "inh"],
             "connector": {"type": "AllToAll"}, "receptor": "excitatory",
             "weight": {"distribution": "uniform", "low": 0.0, "high": 0.5}, "delay": 1.0},
            {"label": "inh->all", "pre": "inh", "post": ["exc", "inh"],
             "connector": {"type": "AllToAll"}, "receptor": "inhibitory",
             "weight": {"distribution": "uniform", "low": -1.0, "high": 0.0}, "delay": 1.0},
        ],
        "stimuli": [
            {"label": "thalamic_exc", "type": "NoisyCurrentSource", "target": "exc",
             "mean": 0.0, "stdev": 0.005, "dt": 1.0},
            {"label": "thalamic_inh", "type": "NoisyCurrentSource", "target": "inh",
             "mean": 0.0, "stdev": 0.002, "dt": 1.0},
        ],
        "recorders": [
            {"label": "spikes", "target": ["exc", "inh"], "variables": ["spikes"]},
            {"label": "v", "target": {"population": "exc", "start": 0, "stop": 5},
             "variables": ["v", "u"], "interval": 1.0},
        ],
    }


if __name__ == "__main__":
    write("izhikevich.json", izhikevich())
    write("coba.json", coba(4000, "coba"))
    write("coba_40k.json", coba(40000, "coba_40k"))
    write("coba_400k.json", coba(400000, "coba_400k"))
    write("cuba.json", cuba())
    write("cobahh.json", cobahh())

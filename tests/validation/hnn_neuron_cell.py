#!/usr/bin/python3
"""One cable cell of a myelin cell template (models/cells/*.json, docs/cable.md) simulated
by NEURON 8.2 (Debian's python3-neuron), for test_hnn_cells_neuron.py.

NEURON builds the cell from the template file itself, as hnn-core builds its cells:
3-D end points with pt3dconst(0), then L and diam; children attached with their 0-end at
parent_x; define_shape(); each section's v0; the mechanisms of tests/validation/neuron_mod
(HNN's, written from their equations) with every density evaluated per segment, an
expression at d = NEURON's own path distance from soma(0); one Exp2Syn per (section,
receptor) at the section's middle. Then finitialize() without an argument, fixed step
dt = 0.025 ms (secondorder 0, 37 degC).

    hnn_neuron_cell.py JOB.json OUT.npy

JOB: {"mech_dir": the folder nrnivmodl ran in, "tstop": ms, "cells": [CELL, ...]},
CELL: {"template": file, "name": cell type, "iclamp": [amp nA, start ms, stop ms] or
       null, "events": [[port, weight uS, time ms], ...]}.
The cells are independent (no connections) and simulated together. A port is
<location>_<receptor> or <section>_<receptor>; an event acts on every synapse of the
port, delivered at the start of the step that begins at `time`. OUT holds one row per
step: t, then each cell's v at soma(0.5).
"""
import json
import math
import os
import sys

import numpy as np


def nseg_rule(length):
    if length <= 100:
        return 1
    n = int(math.floor(length / 50))
    return n + 1 if n % 2 == 0 else n


def density(value, sec, h, soma):
    """The density's value at each segment of `sec`."""
    if isinstance(value, (int, float)):
        return [float(value)] * sec.nseg
    if isinstance(value, list):
        return [float(x) for x in value]
    # myelin's expressions that are also Python's (numbers, + - * / ^, the functions
    # below): the templates' densities are of this kind.
    env = {"exp": math.exp, "min": min, "max": max, "log": math.log, "sqrt": math.sqrt,
           "abs": abs, "pow": pow}
    code = value.replace("^", "**")
    return [eval(code, {"__builtins__": {}}, dict(env, d=h.distance(soma(0), seg)))
            for seg in sec]


def build(h, spec):
    secs = {}
    for s in spec["sections"]:
        sec = h.Section(name=s["name"])
        h.pt3dclear(sec=sec)
        h.pt3dconst(0, sec=sec)
        for p in s["end_pts"]:
            h.pt3dadd(p[0], p[1], p[2], 1, sec=sec)
        sec.L = s["L"]
        sec.diam = s["diam"]
        sec.Ra = s["Ra"]
        sec.cm = s["cm"]
        sec.nseg = s.get("nseg", 0) or nseg_rule(s["L"])
        secs[s["name"]] = sec
    for s in spec["sections"][1:]:
        secs[s["name"]].connect(secs[s["parent"]], s.get("parent_x", 1.0), 0)
    h.define_shape()
    soma = secs[spec["sections"][0]["name"]]
    for s in spec["sections"]:
        sec = secs[s["name"]]
        sec.v = s.get("v0", -65.0)
        for mech, params in s.get("mechanisms", {}).items():
            sec.insert(mech)
            for p, value in params.items():
                for seg, x in zip(sec, density(value, sec, h, soma)):
                    setattr(seg, f"{p}_{mech}", x)
    syns = {}
    for r in spec["synapses"]:
        for name in r["sections"]:
            syn = h.Exp2Syn(secs[name](0.5))
            syn.e, syn.tau1, syn.tau2 = r["e"], r["tau1"], r["tau2"]
            syns[f"{name}_{r['name']}"] = syn
    ports = {}
    for loc in spec.get("locations", []):
        for r in spec["synapses"]:
            keys = [f"{n}_{r['name']}" for n in loc["sections"]]
            if keys and all(k in syns for k in keys):
                ports[f"{loc['name']}_{r['name']}"] = [syns[k] for k in keys]
    for k, syn in syns.items():
        ports.setdefault(k, [syn])
    return secs, soma, ports


def main():
    job = json.load(open(sys.argv[1]))
    from neuron import h
    # NEURON's legacy constants (R = 8.3134, F = 96485.309) for the Nernst potential, as
    # in the reference run of hnn-core (eca 132.32669 mV at cai = 1e-4 mM; MODEL_NOTES 1).
    h.nrnunit_use_legacy(1)
    h.nrn_load_dll(os.path.join(job["mech_dir"], "x86_64", ".libs", "libnrnmech.so"))
    h.load_file("stdrun.hoc")
    h.celsius = 37.0
    h.dt = 0.025
    h.secondorder = 0
    h.cvode.active(0)
    keep, traces, events = [], [], []
    for cell in job["cells"]:
        spec = json.load(open(cell["template"]))[cell["name"]]
        secs, soma, ports = build(h, spec)
        keep.append(secs)
        if cell.get("iclamp"):
            amp, start, stop = cell["iclamp"]
            clamp = h.IClamp(soma(0.5))
            clamp.amp, clamp.delay, clamp.dur = amp, start, stop - start
            keep.append(clamp)
        for port, w, time in cell.get("events", []):
            for syn in ports[port]:
                nc = h.NetCon(None, syn)
                nc.weight[0] = w
                events.append((nc, time))
        keep.append(ports)
        traces.append(h.Vector().record(soma(0.5)._ref_v))
    t = h.Vector().record(h._ref_t)
    h.finitialize()
    for nc, time in events:
        nc.event(time)
    while h.t < job["tstop"] - h.dt / 2:
        h.fadvance()
    np.save(sys.argv[2], np.column_stack([np.array(t)] + [np.array(v) for v in traces]))


if __name__ == "__main__":
    main()

"""Runs a model file's cell type from equations in Brian2 (runtime device, numpy target):
the same equations, parameters, threshold, refractoriness and integration method, with
the initial values and the current steps given. Used by test_equations_vs_brian2.py and
bench/equations/.

    /usr/bin/python3 tests/validation/brian2_equations.py MODEL.json POPULATION INIT.npz OUT.npz
"""
import json
import sys

import numpy as np


def run(model, label, init, method=None, target="numpy", record=None, standalone=None):
    """Simulates population `label` of `model` (a parsed model file) in Brian2.

    init: {state name: array of initial values in myelin's units (mV, ...)}; the
    population's current steps (StepCurrentSource targeting it) drive the `current`
    symbol. Returns (spike counts per neuron, times [ms], v [mV] of the recorded cells).
    With `standalone` (a directory): Brian2's cpp_standalone device on one thread, with
    profiling; then also returns the seconds its code objects took, by name.
    """
    import brian2 as b2
    if standalone:
        b2.set_device("cpp_standalone", directory=standalone, build_on_run=False)
        if getattr(b2.device, "has_been_run", False):  # a second model in this process
            b2.device.reinit()
            b2.device.activate(directory=standalone, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
    else:
        b2.prefs.codegen.target = target
    b2.start_scope()
    pop = next(p for p in model["populations"] if p["label"] == label)
    ct = model["cell_types"][pop["cell_type"]]
    eqs = ct["equations"]
    eqs = "\n".join(eqs) if isinstance(eqs, list) else eqs
    n = pop["size"]
    b2.defaultclock.dt = model["dt"] * b2.ms
    cur = ct.get("current")
    if cur:  # a shared variable: changing it between runs regenerates no code
        eqs += f"\n{cur} : amp (shared)"
    ns = {}
    kw = {}
    if ct.get("threshold"):
        kw["threshold"] = ct["threshold"]
    if ct.get("refractory"):
        kw["refractory"] = ct["refractory"]
    if ct.get("reset"):
        kw["reset"] = ct["reset"]
    g = b2.NeuronGroup(n, eqs, method=method or ct.get("method") or "rk4", namespace=ns, **kw)
    declared = {line.split(":")[0].strip() for line in eqs.split("\n")
                if ":" in line and "=" not in line.split(":")[0]}
    for name, text in ct.get("parameters", {}).items():
        value = eval(text, vars(b2))
        if name in declared:
            setattr(g, name, value)
        else:
            ns[name] = value
    units = {"v": b2.mV}
    for name, text in ct.get("initial", {}).items():
        setattr(g, name, eval(text, vars(b2)))
    for name, values in init.items():
        setattr(g, name, np.asarray(values) * units.get(name, 1))
    mon = b2.StateMonitor(g, "v", record=list(range(n)) if record is None else record)
    profile = {"profile": True} if standalone else {}
    spk = b2.SpikeMonitor(g)
    # Current steps: each amplitude [nA] from its time on.
    steps = []
    for s in model.get("stimuli", []):
        if s["type"] == "StepCurrentSource" and s["target"] == label:
            steps = list(zip(s["times"], s["amplitudes"]))
    t, tstop = 0.0, model["tstop"]
    for when, amp in steps + [(tstop, None)]:
        if when > t:
            b2.run((when - t) * b2.ms, namespace=ns, **profile)
            t = when
        if amp is not None:
            setattr(g, cur, amp * b2.nA)
    if standalone:
        b2.device.build(directory=standalone, compile=True, run=True)
        seconds = {}
        for name, secs in b2.magic_network.profiling_info:
            seconds[name] = seconds.get(name, 0.0) + float(secs / b2.second)
    counts = np.bincount(np.asarray(spk.i), minlength=n)
    result = counts, np.asarray(mon.t / b2.ms), np.asarray(mon.v / b2.mV)
    return result + (seconds,) if standalone else result


if __name__ == "__main__":
    model = json.load(open(sys.argv[1]))
    init = dict(np.load(sys.argv[3]))
    method = init.pop("method", None)
    counts, t, v = run(model, sys.argv[2], init, str(method) if method is not None else None)
    np.savez(sys.argv[4], counts=counts, t=t, v=v)

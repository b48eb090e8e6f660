#!/usr/bin/python3
"""The built-in myelin benchmark models (models/*.json), rebuilt in Brian2.

The parameters are read from myelin's own model files so that the two sides cannot drift:
this module translates the PyNN cell types and connectors that the built-in models use
(IF_cond_exp, IF_curr_exp, HH_cond_exp, Izhikevich, SpikeSourceArray; FixedProbability,
AllToAll, FromList with or without per-row weight and delay; scalar or random weights;
per-cell arrays or distributions of parameters and initial values; DCSource and
NoisyCurrentSource; StaticSynapse, and STDPMechanism with SpikePairRule and any of the
four weight dependences on projections with one delay, as docs/numerics.md states the
rule: brian2_stdp.py) into Brian2 equations with the same ODEs, the same spike/reset/
refractory rules and the same synaptic timing, and refuses (NotImplementedError) what it
does not translate rather than guessing. `--scheme myelin` integrates IF_cond_exp and
HH_cond_exp with myelin's own discrete step instead of Brian2's exponential Euler
(tests/validation/test_vs_brian2_same_network.py; the cell equations are in
brian2_cells.py), and `--spikes` writes the spike
trains.

As a script it runs one model and writes a JSON summary (spike counts, rates, ISI CV,
timings, peak memory):

    /usr/bin/python3 bench/peers/brian2_models.py coba --n 4000 --tstop 1000 \
        --device cpp_standalone --threads 1 --out OUT.json

Units: myelin/PyNN units throughout the model files (mV, ms, nF, uS, nA); they are
attached here as Brian2 quantities.
"""
import argparse
import copy
import json
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brian2_cells import cell_spec as _cell_spec  # noqa: E402
from brian2_stdp import brian_unit_decl, stdp_code  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODELS_DIR = os.path.join(REPO, "models")


# --------------------------------------------------------------------------------------
# Model files
def load_model(name_or_path):
    """A model dict from a path or a built-in name ("coba", "cuba", ...)."""
    path = name_or_path
    if not os.path.exists(path):
        path = os.path.join(MODELS_DIR, name_or_path + ".json")
    with open(path) as f:
        return json.load(f)


def model_size(model):
    return sum(int(p["size"]) for p in model["populations"])


def scale_model(model, n_total=None, tstop=None, dt=None):
    """A copy of `model` with n_total cells (population fractions kept) and tstop [ms].

    FixedProbability's p is scaled by old/new size so that every cell keeps the same
    mean number of inputs (the convention of coba_40k/coba_400k: p = 80/N), which keeps
    the dynamics of the sparse balanced networks the same at any size."""
    m = copy.deepcopy(model)
    if tstop is not None:
        m["tstop"] = float(tstop)
    if dt is not None:
        m["dt"] = float(dt)
    if n_total is None or n_total == model_size(model):
        return m
    old = model_size(model)
    factor = n_total / old
    sizes = [int(round(int(p["size"]) * factor)) for p in m["populations"]]
    sizes[0] += n_total - sum(sizes)
    for p, s in zip(m["populations"], sizes):
        for key in ("params", "initial"):
            for name, v in p.get(key, {}).items():
                if isinstance(v, list):
                    raise NotImplementedError(
                        f"population {p['label']}: cannot rescale per-cell array '{name}'")
        p["size"] = s
    for pr in m["projections"]:
        c = pr["connector"]
        if c["type"] == "FixedProbability":
            c["p"] = min(1.0, c["p"] / factor)
        elif c["type"] != "AllToAll":
            raise NotImplementedError(f"rescaling connector {c['type']}")
    m["name"] = f"{model.get('name', 'model')}_{n_total}"
    return m


def _labels(sel):
    """Population labels of a selection; only whole populations are translated."""
    if isinstance(sel, str):
        return [sel]
    if isinstance(sel, list):
        out = []
        for s in sel:
            out += _labels(s)
        return out
    if isinstance(sel, dict) and set(sel) == {"population"}:
        return [sel["population"]]
    raise NotImplementedError(f"selection {sel!r}: only whole populations are translated")


# --------------------------------------------------------------------------------------
# Analysis shared with the validation tests (applied to myelin's spikes as well)
def isi_cv_mean(ids, times, min_spikes=3):
    """Mean over cells with >= min_spikes spikes of std(ISI)/mean(ISI) (population std,
    ddof=0), and the number of such cells. ids: cell index per spike, times [ms]."""
    ids = np.asarray(ids, dtype=np.int64)
    times = np.asarray(times, dtype=np.float64)
    if ids.size == 0:
        return float("nan"), 0
    order = np.lexsort((times, ids))
    ids, times = ids[order], times[order]
    same = ids[1:] == ids[:-1]
    isi = np.diff(times)[same]
    owner = ids[1:][same]
    uniq, inv = np.unique(owner, return_inverse=True)
    n = np.bincount(inv)
    s1 = np.bincount(inv, weights=isi)
    s2 = np.bincount(inv, weights=isi * isi)
    keep = n >= (min_spikes - 1)
    if not np.any(keep):
        return float("nan"), 0
    mean = s1[keep] / n[keep]
    var = np.maximum(s2[keep] / n[keep] - mean * mean, 0.0)
    cv = np.sqrt(var) / mean
    return float(np.mean(cv)), int(np.count_nonzero(keep))


def population_stats(size, ids, times, tstop_ms):
    cv, n_cv = isi_cv_mean(ids, times)
    count = int(len(ids))
    return {"size": int(size), "spike_count": count,
            "mean_rate_hz": count / (size * tstop_ms * 1e-3),
            "cv_isi_mean": cv, "cv_cells": n_cv}


def _value_code(spec, unit_name):
    """A Brian2 string expression drawing a value of a distribution spec."""
    d = spec["distribution"]
    if d == "normal":
        return f"({spec['mu']!r} + {spec['sigma']!r}*randn())*{unit_name}"
    if d == "uniform":
        lo, hi = spec["low"], spec["high"]
        return f"({lo!r} + ({hi!r} - {lo!r})*rand())*{unit_name}"
    raise NotImplementedError(f"distribution {d}")


def _unit_name(u):
    from brian2 import mV, ms, nA, nF, pA, uS
    for name, q in (("mV", mV), ("ms", ms), ("nA", nA), ("nF", nF), ("uS", uS), ("pA", pA)):
        if u is q:
            return name
    if u == 1:
        return "1"
    raise ValueError(u)


# --------------------------------------------------------------------------------------
# Network construction
class built_network:
    """The Brian2 objects of one model and the bookkeeping to report per population."""

    def __init__(self, model):
        self.model = model
        self.model_sizes = {p["label"]: int(p["size"]) for p in model["populations"]}
        self.objects = []
        self.groups = []       # (NeuronGroup, SpikeMonitor)
        self.pops = {}         # label -> (group index, start, stop)
        self.synapses = []     # (presynaptic population label, Synapses)
        self.schedule = None   # Network.schedule when Brian2's default does not fit
        self.delay_shift = 0.0  # [ms] taken off every delay under that schedule


def build(model, scheme="brian2"):
    """Creates the Brian2 objects (call after set_device / seed); scheme: see _cell_spec."""
    import brian2 as b2

    net = built_network(model)
    net.scheme = scheme
    pops = model["populations"]

    # Consecutive populations of one cell type share a NeuronGroup (fewer objects per
    # step, as Brian2's own examples do); parameters that differ become per-cell columns.
    # Every SpikeSourceArray is a SpikeGeneratorGroup of its own.
    blocks = []
    for p in pops:
        if blocks and blocks[-1][0]["cell_type"] == p["cell_type"] and \
                p["cell_type"] != "SpikeSourceArray":
            blocks[-1].append(p)
        else:
            blocks.append([p])
    stim_by_pop = {}
    for s in model.get("stimuli", []):
        for lab in _labels(s["target"]):
            stim_by_pop.setdefault(lab, []).append(s)

    for bi, block in enumerate(blocks):
        if block[0]["cell_type"] == "SpikeSourceArray":
            _add_spike_source(net, bi, block[0], float(model["dt"]))
            continue
        spec = _cell_spec(block[0]["cell_type"], scheme)
        units = spec["units"]
        n = sum(int(p["size"]) for p in block)
        # Parameters: those the model file gives plus the cell type's defaults; the
        # state variables are set from "initial" (or their defaults) below.
        names = sorted({k for p in block for k in p.get("params", {})} |
                       {k for k in spec["defaults"] if k not in spec["state"]})
        namespace, columns = {}, []
        for k in names:
            vals = [p.get("params", {}).get(k, spec["defaults"].get(k)) for p in block]
            if any(v is None for v in vals):
                raise NotImplementedError(f"parameter {k} missing in {block[0]['label']}")
            if k not in units:
                raise NotImplementedError(f"{block[0]['cell_type']}: parameter {k}")
            if all(isinstance(v, (int, float)) for v in vals) and len(set(vals)) == 1:
                namespace[_brian_name(k)] = float(vals[0]) * units[k]
            else:
                columns.append((k, vals))
        eqs = spec["eqs"]
        for k, _ in columns:
            eqs += f"\n{_brian_name(k)} : {brian_unit_decl(units[k])} (constant)"
        stims = list({id(s): s for p in block for s in stim_by_pop.get(p["label"], [])}.values())
        cur = spec.get("current_unit", b2.nA)
        if stims:
            # One held value per source (noise is redrawn on its own clock); i_stim sums them.
            decl = "1" if cur == 1 else "amp"
            for k in range(len(stims)):
                eqs += f"\ni_stim_{k} : {decl}"
            eqs += "\ni_stim = " + " + ".join(f"i_stim_{k}" for k in range(len(stims))) + \
                f" : {decl}"
        else:
            namespace["i_stim"] = 0 * cur
        namespace.update(mV=b2.mV, ms=b2.ms, pA=b2.pA, nA=b2.nA, uS=b2.uS, nF=b2.nF)
        namespace["dt_ms"] = float(model["dt"])
        kwargs = dict(threshold=spec["threshold"], namespace=namespace, name=f"cells_{bi}")
        if spec["method"]:
            kwargs["method"] = spec["method"]
        if spec["reset"]:
            kwargs["reset"] = spec["reset"]
        if spec["refractory"]:
            kwargs["refractory"] = spec["refractory"]
        g = b2.NeuronGroup(n, eqs, **kwargs)
        start = 0
        for p in block:
            size = int(p["size"])
            net.pops[p["label"]] = (bi, start, start + size)
            sub = g[start:start + size]
            for k, vals in columns:
                v = vals[block.index(p)]
                _assign(sub, _brian_name(k), v, units[k])
            init = {k: v for k, v in spec["defaults"].items() if k in spec["state"]}
            init.update(p.get("initial", {}))
            for k, v in init.items():
                if k not in units:
                    raise NotImplementedError(f"initial value of {k}")
                _assign(sub, k, v, units[k])
            start += size
        if spec.get("update"):
            net.objects.append(g.run_regularly(spec["update"], when="groups",
                                               name=f"update_{bi}"))
        mon = b2.SpikeMonitor(g, name=f"spikes_{bi}")
        net.groups.append((g, mon))
        net.objects += [g, mon]
        # Stimuli: per-cell i_stim written by run_regularly at the start of each step.
        for k, s in enumerate(stims):
            _add_stimulus(net, g, s, k, model, "nA" if cur != 1 else "1")

    dt = float(model["dt"])
    delta = {bool(_cell_spec(p["cell_type"], scheme).get("delta_synapses")) for p in pops
             if p["cell_type"] != "SpikeSourceArray"}
    if delta == {True}:
        # Voltage-jump synapses act before the threshold test of the step in which they
        # arrive (myelin; the paper's loop). Brian2's default order is update, threshold,
        # synapses, reset; moving 'synapses' before 'thresholds' gives the right order,
        # and since a spike then enters the queue one step later than by default, the
        # Brian2 delay is the model's delay less one step.
        net.schedule = ["start", "groups", "synapses", "thresholds", "resets", "end"]
        net.delay_shift = dt
    elif delta != {False}:
        raise NotImplementedError("delta-synapse cells mixed with others")
    for pi, pr in enumerate(model["projections"]):
        pre_labels, post_labels = _labels(pr["pre"]), _labels(pr["post"])
        # Offsets of each part in the pre and post assemblies (FromList's indices).
        pre_off, off = {}, 0
        for lab in pre_labels:
            pre_off[lab] = off
            off += net.model_sizes[lab]
        post_off = 0
        for (gi, start, stop) in _ranges(net, post_labels):
            for pre_lab in pre_labels:
                _add_projection(net, pr, pi, pre_lab, gi, start, stop, dt,
                                (pre_off[pre_lab], post_off))
            post_off += stop - start
    return net


def _add_spike_source(net, bi, p, dt):
    """A SpikeSourceArray as a SpikeGeneratorGroup. myelin emits a spike at T in the step
    that ends at T (T on the grid, at least dt); Brian2 stamps a step by its start, so
    the generator gets T - dt, and both deliver it in the same step."""
    import brian2 as b2

    n = int(p["size"])
    times = p.get("spike_times", [])
    if times and not isinstance(times[0], list):
        times = [times] * n
    if len(times) != n:
        raise NotImplementedError(f"{p['label']}: spike_times must have one list per cell")
    idx = np.concatenate([np.full(len(t), c, dtype=np.int64) for c, t in enumerate(times)]
                         or [np.zeros(0, dtype=np.int64)])
    t = np.concatenate([np.asarray(t, dtype=float) for t in times] or [np.zeros(0)])
    steps = np.maximum(np.round(t / dt), 1).astype(np.int64)
    g = b2.SpikeGeneratorGroup(n, idx, (steps - 1) * dt * b2.ms, name=f"source_{bi}")
    mon = b2.SpikeMonitor(g, name=f"spikes_{bi}")
    net.pops[p["label"]] = (bi, 0, n)
    net.groups.append((g, mon))
    net.objects += [g, mon]


def _brian_name(pynn_name):
    return "c_m" if pynn_name == "cm" else pynn_name


def _assign(sub, name, v, unit):
    if isinstance(v, (int, float)):
        setattr(sub, name, float(v) * unit)
    elif isinstance(v, list):
        setattr(sub, name, np.asarray(v, dtype=float) * unit)
    elif isinstance(v, dict) and "distribution" in v:
        setattr(sub, name, _value_code(v, _unit_name(unit)))
    else:
        raise NotImplementedError(f"value {v!r} of {name}")


def _ranges(net, labels):
    """Contiguous (group, start, stop) runs covering the populations, in order."""
    out = []
    for lab in labels:
        gi, s, e = net.pops[lab]
        if out and out[-1][0] == gi and out[-1][2] == s:
            out[-1] = (gi, out[-1][1], e)
        else:
            out.append((gi, s, e))
    return out


def _add_projection(net, pr, pi, pre_lab, gi, start, stop, dt, offsets=(0, 0)):
    """The part of projection pi from pre_lab to cells [start, stop) of group gi; offsets:
    the positions of that part's first pre and post cell in the projection's assemblies
    (FromList's indices count from there)."""
    import brian2 as b2

    pgi, ps, pe = net.pops[pre_lab]
    pre_g, post_g = net.groups[pgi][0], net.groups[gi][0]
    pre = pre_g[ps:pe] if (ps, pe) != (0, len(pre_g)) else pre_g
    post = post_g[start:stop] if (start, stop) != (0, len(post_g)) else post_g
    cell_type = _cell_type_of_group(net, gi)
    spec = _cell_spec(cell_type, net.scheme)
    target = spec["receptors"][0 if pr.get("receptor", "excitatory") == "excitatory" else 1]
    wunit = spec["units"][target]
    w = pr.get("weight", 0.0)
    c = pr["connector"]
    rows = None
    if c["type"] == "FromList":
        rows = np.asarray(c["list"], dtype=float).reshape(-1, len(c["list"][0]) if c["list"] else 2)
        i = rows[:, 0].astype(np.int64) - offsets[0]
        j = rows[:, 1].astype(np.int64) - offsets[1]
        keep = (i >= 0) & (i < len(pre)) & (j >= 0) & (j < len(post))
        rows, i, j = rows[keep], i[keep], j[keep]
        if rows.shape[1] == 4:
            w = {"list": rows[:, 2]}
    model_eq, on_pre = "", None
    if isinstance(w, (int, float)):
        # A shared weight: no per-synapse storage, as in Brian2's COBA/CUBA examples.
        on_pre = f"{target}_post += {float(w)!r}*{_unit_name(wunit)}"
    elif isinstance(w, dict) and ("distribution" in w or "list" in w):
        model_eq = f"w : {brian_unit_decl(wunit)} (constant)"
        on_pre = f"{target}_post += w"
    else:
        raise NotImplementedError(f"projection {pr.get('label')}: weight {w!r}")
    delay = pr.get("delay", dt)
    if rows is not None and rows.shape[1] == 4:
        # Whole steps, as myelin rounds them (docs/numerics.md).
        delay = np.round(rows[:, 3] / dt) * dt
    elif not isinstance(delay, (int, float)):
        raise NotImplementedError(f"projection {pr.get('label')}: non-scalar delay")
    delay = np.asarray(delay, dtype=float) - net.delay_shift
    if np.any(delay < -1e-9):
        raise NotImplementedError(f"projection {pr.get('label')}: delay below one step")
    kwargs = {}
    if delay.ndim == 0:
        kwargs["delay"] = max(float(delay), 0.0) * b2.ms
    namespace = dict(mV=b2.mV, nA=b2.nA, uS=b2.uS)
    stype = (pr.get("synapse") or {}).get("type", "StaticSynapse")
    if stype == "STDPMechanism":
        if delay.ndim or net.delay_shift or rows is not None:
            raise NotImplementedError(f"projection {pr.get('label')}: STDP with per-synapse "
                                      "delays, FromList or voltage-jump cells")
        model_eq, on_pre, on_post, post_delay = stdp_code(
            pr["synapse"], target, _unit_name(wunit), float(delay), namespace)
        kwargs["on_post"] = on_post
        kwargs["delay"] = {"pre": kwargs["delay"], "post": post_delay * b2.ms}
        if not isinstance(w, (int, float)):
            raise NotImplementedError(f"projection {pr.get('label')}: STDP with a weight {w!r}")
        w = {"initial": float(w)}
    elif stype != "StaticSynapse":
        raise NotImplementedError(f"projection {pr.get('label')}: synapse {stype}")
    syn = b2.Synapses(pre, post, model=model_eq, on_pre=on_pre, namespace=namespace,
                      name=f"proj_{pi}_{pre_lab}_{gi}_{start}", **kwargs)
    if rows is not None:
        if len(rows):
            syn.connect(i=i, j=j)
            if model_eq:
                syn.w = np.asarray(w["list"]) * wunit if "list" in w else \
                    _value_code(w, _unit_name(wunit))
            if delay.ndim:
                syn.delay = np.maximum(delay, 0.0) * b2.ms
        net.objects.append(syn)
        net.synapses.append((pre_lab, syn))
        return
    self_ok = c.get("allow_self_connections", True)
    overlap = pgi == gi and ps < stop and start < pe
    cond = None
    if not self_ok and overlap:
        # i, j are indices within pre/post subgroups: shift to group indices.
        cond = f"i + {ps} != j + {start}"
    if c["type"] == "FixedProbability":
        if cond:
            syn.connect(condition=cond, p=float(c["p"]))
        else:
            syn.connect(p=float(c["p"]))
    elif c["type"] == "AllToAll":
        syn.connect(condition=cond if cond else True)
    else:
        raise NotImplementedError(f"connector {c['type']}")
    if isinstance(w, dict) and "initial" in w:
        syn.w = w["initial"] * wunit
    elif model_eq:
        syn.w = _value_code(w, _unit_name(wunit))
    net.objects.append(syn)
    net.synapses.append((pre_lab, syn))


# F+ and F- of docs/numerics.md ("Plastic synapses"), as Brian2 expressions of w, the
# bounds and the trace K; the caller clips the result to [w_min, w_max].
def _cell_type_of_group(net, gi):
    for p in net.model["populations"]:
        if net.pops[p["label"]][0] == gi:
            return p["cell_type"]
    raise KeyError(gi)


def _add_stimulus(net, g, s, k, model, unit):
    """Source k of group g: DCSource or NoisyCurrentSource with PyNN's semantics (a new
    noise value every `dt` ms, held in between; zero outside [start, stop)), written to
    i_stim_k of the target populations' cells at the start of the step."""
    import brian2 as b2

    t = s["type"]
    p = {"start": 0.0, "stop": 1e12}
    p.update({key: v for key, v in s.items() if key not in ("type", "label", "target")})
    window = f"int(t >= {p['start']!r}*ms and t < {p['stop']!r}*ms)"
    if t == "NoisyCurrentSource":
        every = float(p.get("dt", 0.0)) or float(model["dt"])
        code = (f"i_stim_{k} = {window}*({float(p.get('mean', 0.0))!r} + "
                f"{float(p.get('stdev', 1.0))!r}*randn())*{unit}")
    elif t == "DCSource":
        every = float(model["dt"])
        code = f"i_stim_{k} = {window}*{float(p.get('amplitude', 1.0))!r}*{unit}"
    else:
        raise NotImplementedError(f"stimulus {t}")
    for lab in _labels(s["target"]):
        gi, a, e = net.pops[lab]
        if net.groups[gi][0] is not g:
            continue
        op = g[a:e].run_regularly(code, dt=every * b2.ms, when="start",
                                  name=f"stim_{k}_{gi}_{a}")
        net.objects.append(op)


# --------------------------------------------------------------------------------------
# Running
def run(model, device="runtime", codegen="numpy", threads=1, seed=None, build_dir=None,
        scheme="brian2", spikes_out=None):
    """Runs the model once in a fresh Brian2 state; returns a summary dict. spikes_out: an
    .npz path for every population's spikes (arrays '<label>/ids' and '<label>/times'),
    stamped as myelin stamps them (the end of the step, Brian2's t + dt)."""
    import brian2 as b2

    t0 = time.perf_counter()
    seed = int(model.get("seed", 1) if seed is None else seed)
    tstop = float(model["tstop"])
    b2.defaultclock.dt = float(model["dt"]) * b2.ms
    tmpdir = None
    if device == "cpp_standalone":
        tmpdir = build_dir or tempfile.mkdtemp(prefix="brian2_standalone_")
        b2.set_device("cpp_standalone", build_on_run=False, directory=tmpdir)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
        # The binary's own peak memory, apart from the compiler's.
        b2.prefs.devices.cpp_standalone.run_cmd_unix = [
            "/usr/bin/time", "-f", "%M", "-o", "results/maxrss_kb.txt", "./main"]
    else:
        b2.prefs.codegen.target = codegen
        if codegen == "cython":
            # A fresh extension cache: every run compiles (nothing kept across runs).
            tmpdir = build_dir or tempfile.mkdtemp(prefix="brian2_cython_")
            b2.prefs.codegen.runtime.cython.cache_dir = tmpdir
    b2.seed(seed)
    net = build(model, scheme)
    network = b2.Network(net.objects)
    if net.schedule:
        network.schedule = net.schedule
    network.run(tstop * b2.ms)
    wall = {}
    rss = {}
    if device == "cpp_standalone":
        b2.device.build(directory=tmpdir, compile=True, run=True)
        t_end = time.perf_counter()
        timers = b2.device.timers
        wall["run"] = float(b2.device._last_run_time)
        wall["binary"] = float(timers["run_binary"])
        # Setup inside the binary: synapse creation, initial values, writing results.
        wall["setup"] = wall["binary"] - wall["run"]
        wall["compile"] = float(timers["compile"]["make"] or 0.0)
        wall["build"] = (t_end - t0) - wall["run"]
        with open(os.path.join(tmpdir, "results", "maxrss_kb.txt")) as f:
            rss["binary_mb"] = float(f.read().split()[-1]) / 1024.0
    else:
        t_end = time.perf_counter()
        wall["run"] = float(b2.device._last_run_time)
        wall["build"] = (t_end - t0) - wall["run"]
    wall["total"] = time.perf_counter() - t0
    rss["python_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    out = {"simulator": "brian2", "brian2_version": b2.__version__, "model": model.get("name"),
           "device": device, "codegen": codegen if device == "runtime" else "cpp",
           "threads": threads, "seed": seed, "scheme": scheme, "dt_ms": float(model["dt"]), "tstop_ms": tstop,
           "n_cells": model_size(model), "populations": {}}
    trains = {}
    for p in model["populations"]:
        gi, a, e = net.pops[p["label"]]
        mon = net.groups[gi][1]
        i = np.asarray(mon.i[:], dtype=np.int64)
        t = np.asarray(mon.t[:] / b2.ms, dtype=np.float64)
        sel = (i >= a) & (i < e)
        out["populations"][p["label"]] = population_stats(e - a, i[sel] - a, t[sel], tstop)
        trains[p["label"] + "/ids"] = i[sel] - a
        trains[p["label"] + "/times"] = t[sel] + float(model["dt"])
    if spikes_out:
        np.savez_compressed(spikes_out, **trains)
    out["n_synapses"] = int(sum(len(s) for _, s in net.synapses))
    n_spikes = sum(v["spike_count"] for v in out["populations"].values())
    out["synaptic_events"] = int(_synaptic_events(net, out))
    out["wall_s"] = wall
    out["peak_rss_mb"] = rss
    out["neuron_updates_per_s"] = model_size(model) * round(tstop / float(model["dt"])) / wall["run"]
    out["synaptic_events_per_s"] = out["synaptic_events"] / wall["run"]
    out["total_spikes"] = int(n_spikes)
    if device == "cpp_standalone" and build_dir is None:
        shutil.rmtree(tmpdir, ignore_errors=True)
    elif codegen == "cython" and build_dir is None and tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return out


def _synaptic_events(net, out):
    """Spikes of each population times the mean out-degree of its cells."""
    out_degree = {}
    for pre_lab, syn in net.synapses:
        out_degree[pre_lab] = out_degree.get(pre_lab, 0.0) + len(syn) / net.model_sizes[pre_lab]
    return sum(st["spike_count"] * out_degree.get(lab, 0.0)
               for lab, st in out["populations"].items())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="built-in name (coba, cuba, cobahh, izhikevich, ...) or path")
    ap.add_argument("--n", type=int, help="total cells (default: the model's)")
    ap.add_argument("--tstop", type=float, help="[ms] (default: the model's)")
    ap.add_argument("--dt", type=float, help="[ms] (default: the model's)")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--device", choices=["runtime", "cpp_standalone"], default="runtime")
    ap.add_argument("--codegen", choices=["numpy", "cython"], default="numpy",
                    help="code generation target of the runtime device")
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (cpp_standalone)")
    ap.add_argument("--build-dir", help="cpp_standalone project directory (kept)")
    ap.add_argument("--scheme", choices=["brian2", "myelin"], default="brian2",
                    help="integrate with Brian2's methods, or with myelin's step written "
                         "out (IF_cond_exp, HH_cond_exp)")
    ap.add_argument("--spikes", help="write every population's spikes to this .npz")
    ap.add_argument("--out", help="write the summary JSON here (default: stdout)")
    a = ap.parse_args(argv)
    model = scale_model(load_model(a.model), a.n, a.tstop, a.dt)
    res = run(model, device=a.device, codegen=a.codegen, threads=a.threads, seed=a.seed,
              build_dir=a.build_dir, scheme=a.scheme, spikes_out=a.spikes)
    text = json.dumps(res, indent=1)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out + ".tmp", "w") as f:
            f.write(text + "\n")
        os.replace(a.out + ".tmp", a.out)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

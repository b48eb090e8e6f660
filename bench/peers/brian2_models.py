#!/usr/bin/python3
"""The built-in myelin benchmark models (models/*.json), rebuilt in Brian2.

The parameters are read from myelin's own model files so that the two sides cannot drift:
this module translates the PyNN cell types and connectors that the built-in models use
(IF_cond_exp, IF_curr_exp, HH_cond_exp, Izhikevich, SpikeSourceArray; FixedProbability,
AllToAll, FromList with or without per-row weight and delay; scalar or random weights;
per-cell arrays or distributions of parameters and initial values; DCSource and
NoisyCurrentSource) into Brian2 equations with the same ODEs, the same spike/reset/
refractory rules and the same synaptic timing, and refuses (NotImplementedError) what it
does not translate rather than guessing. `--scheme myelin` integrates IF_cond_exp and
HH_cond_exp with myelin's own discrete step instead of Brian2's exponential Euler
(tests/validation/test_vs_brian2_same_network.py), and `--spikes` writes the spike
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


# --------------------------------------------------------------------------------------
# Cell types: Brian2 equations in PyNN's variables and units
# Brian2 counts a refractory period of R as the steps whose start lies less than R after
# the spike's step, so the first free update comes R/dt steps after the spike; myelin
# (and NEST) hold v for round(R/dt) steps after the spike step and update freely in the
# next, one step later. Adding dt gives Brian2 the same count: a cell driven through
# threshold at once fires every R/dt + 1 steps in both.
_REFRACTORY = "tau_refrac + dt"


def _myelin_if_cond_exp():
    """IF_cond_exp as myelin steps it (src/cells/lif.cpp): conductances at mid-step
    frozen, v solved exactly for them, conductances decayed exactly; v held at v_reset
    for nref = round(tau_refrac/dt) steps after the spike step (refr counts them down,
    -1 = free). Variables are plain numbers in myelin's units (mV, uS, nF, nA, ms)."""
    update = """
    gem = gsyn_exc*exp(-0.5*dt_ms/tau_syn_E)
    gim = gsyn_inh*exp(-0.5*dt_ms/tau_syn_I)
    g_tot = c_m/tau_m + gem + gim
    v_inf = (c_m/tau_m*v_rest + gem*e_rev_E + gim*e_rev_I + i_offset + i_stim)/g_tot
    v_free = v_inf + (v - v_inf)*exp(-dt_ms/c_m*g_tot)
    gsyn_exc = gsyn_exc*exp(-dt_ms/tau_syn_E)
    gsyn_inh = gsyn_inh*exp(-dt_ms/tau_syn_I)
    held = int(refr > 0)
    v = v_free*(1 - held) + v_reset*held
    refr = (refr - 1)*held - (1 - held)
    """
    names = ("cm", "tau_m", "v_rest", "v_reset", "v_thresh", "tau_refrac", "tau_syn_E",
             "tau_syn_I", "e_rev_E", "e_rev_I", "i_offset", "v", "gsyn_exc", "gsyn_inh", "refr")
    return dict(eqs="v : 1\ngsyn_exc : 1\ngsyn_inh : 1\nrefr : 1", update=update,
                threshold="v >= v_thresh and refr < 0",
                reset="v = v_reset\nrefr = int(tau_refrac/dt_ms + 0.5)", refractory=None,
                method=None, units={k: 1 for k in names},
                defaults=dict(i_offset=0.0, v=-65.0, gsyn_exc=0.0, gsyn_inh=0.0, refr=-1.0),
                state=("v", "gsyn_exc", "gsyn_inh", "refr"),
                receptors=("gsyn_exc", "gsyn_inh"), current_unit=1)


def _hh_rates(u, suffix):
    """Brian2 code: HH gate steady states and half-step decay factors at u = v - v_offset
    (myelin's rates(), src/cells/hh.cpp)."""
    return f"""
    am{suffix} = 1.28/exprel((13.0 - {u})/4.0)
    bm{suffix} = 1.4/exprel(({u} - 40.0)/5.0)
    ah{suffix} = 0.128*exp((17.0 - {u})/18.0)
    bh{suffix} = 4.0/(1.0 + exp((40.0 - {u})/5.0))
    an{suffix} = 0.16/exprel((15.0 - {u})/5.0)
    bn{suffix} = 0.5*exp((10.0 - {u})/40.0)
    m_inf{suffix} = am{suffix}/(am{suffix} + bm{suffix})
    h_inf{suffix} = ah{suffix}/(ah{suffix} + bh{suffix})
    n_inf{suffix} = an{suffix}/(an{suffix} + bn{suffix})
    m_dec{suffix} = exp(-0.5*dt_ms*(am{suffix} + bm{suffix}))
    h_dec{suffix} = exp(-0.5*dt_ms*(ah{suffix} + bh{suffix}))
    n_dec{suffix} = exp(-0.5*dt_ms*(an{suffix} + bn{suffix}))
    """


def _myelin_hh_cond_exp():
    """HH_cond_exp as myelin steps it (src/cells/hh.cpp): Strang splitting, half a step
    of the gates (Rush-Larsen, rates at the step start), v by the exponential integrator
    with those gates and the mid-step synaptic conductances, the second half step of the
    gates with the rates at the new v. A spike is an upward crossing of +10 mV within
    the step. Plain numbers in myelin's units."""
    update = _hh_rates("(v - v_offset)", "0") + """
    m1 = m_inf0 + (m - m_inf0)*m_dec0
    h1 = h_inf0 + (h - h_inf0)*h_dec0
    n1 = n_inf0 + (n - n_inf0)*n_dec0
    g_na = gbar_Na*m1*m1*m1*h1
    g_k = gbar_K*(n1*n1)*(n1*n1)
    g_e = gsyn_exc*exp(-0.5*dt_ms/tau_syn_E)
    g_i = gsyn_inh*exp(-0.5*dt_ms/tau_syn_I)
    g_tot = g_leak + g_na + g_k + g_e + g_i
    v_inf = (g_leak*e_rev_leak + g_na*e_rev_Na + g_k*e_rev_K + g_e*e_rev_E + g_i*e_rev_I
             + i_offset + i_stim)/g_tot
    v1 = v_inf + (v - v_inf)*exp(-dt_ms*g_tot/c_m)
    """ + _hh_rates("(v1 - v_offset)", "1") + """
    m = m_inf1 + (m1 - m_inf1)*m_dec1
    h = h_inf1 + (h1 - h_inf1)*h_dec1
    n = n_inf1 + (n1 - n_inf1)*n_dec1
    v_prev = v
    v = v1
    gsyn_exc = gsyn_exc*exp(-dt_ms/tau_syn_E)
    gsyn_inh = gsyn_inh*exp(-dt_ms/tau_syn_I)
    """
    # Brian2's abstract code has no line continuation inside an expression: join it.
    update = update.replace("\n             + i_offset", " + i_offset")
    names = ("cm", "g_leak", "gbar_Na", "gbar_K", "v_offset", "e_rev_Na", "e_rev_K",
             "e_rev_leak", "e_rev_E", "e_rev_I", "tau_syn_E", "tau_syn_I", "i_offset", "v",
             "gsyn_exc", "gsyn_inh", "m", "h", "n", "v_prev")
    return dict(eqs="\n".join(f"{k} : 1" for k in ("v", "m", "h", "n", "gsyn_exc",
                                                    "gsyn_inh", "v_prev")),
                update=update, threshold="v >= 10.0 and v_prev < 10.0", reset=None,
                refractory=None, method=None, units={k: 1 for k in names},
                defaults=dict(i_offset=0.0, v=-65.0, gsyn_exc=0.0, gsyn_inh=0.0, m=0.0,
                              h=1.0, n=0.0, v_prev=-65.0),
                state=("v", "m", "h", "n", "gsyn_exc", "gsyn_inh", "v_prev"),
                receptors=("gsyn_exc", "gsyn_inh"), current_unit=1)


_MYELIN_SCHEME = {"IF_cond_exp": _myelin_if_cond_exp, "HH_cond_exp": _myelin_hh_cond_exp}


def _cell_spec(cell_type, scheme="brian2"):
    """(equations, threshold, reset, refractory?, method, units of params and state).

    scheme "brian2" integrates with Brian2's own methods (exact for IF_curr_exp,
    exponential Euler for the conductance-based types); "myelin" writes out myelin's
    step (docs/numerics.md) as code run once per step for IF_cond_exp and HH_cond_exp,
    so that the two simulators integrate the same discrete equations (IF_curr_exp's
    'exact' and the Izhikevich step are the same in both schemes).

    Names in the equations are PyNN's (but 'cm', centimetre in Brian2, is 'c_m'); every parameter is either a namespace constant or
    a per-cell '(constant)' variable, decided later from the model file."""
    from brian2 import mV, ms, nA, nF, uS

    if scheme == "myelin" and cell_type in _MYELIN_SCHEME:
        return _MYELIN_SCHEME[cell_type]()
    if scheme not in ("brian2", "myelin"):
        raise ValueError(f"scheme {scheme!r}: allowed are 'brian2' and 'myelin'")
    if cell_type == "IF_cond_exp":
        # PyNN/NEST iaf_cond_exp; v frozen at v_reset during the refractory period while
        # the conductances keep decaying (myelin does the same).
        eqs = """
        dv/dt = (c_m/tau_m*(v_rest - v) + gsyn_exc*(e_rev_E - v) + gsyn_inh*(e_rev_I - v)
                 + i_offset + i_stim)/c_m : volt (unless refractory)
        dgsyn_exc/dt = -gsyn_exc/tau_syn_E : siemens
        dgsyn_inh/dt = -gsyn_inh/tau_syn_I : siemens
        """
        units = dict(cm=nF, tau_m=ms, v_rest=mV, v_reset=mV, v_thresh=mV, tau_refrac=ms,
                     tau_syn_E=ms, tau_syn_I=ms, e_rev_E=mV, e_rev_I=mV, i_offset=nA,
                     v=mV, gsyn_exc=uS, gsyn_inh=uS)
        defaults = dict(i_offset=0.0, v=-65.0, gsyn_exc=0.0, gsyn_inh=0.0)
        # The conductance terms make v's equation nonlinear in the state: Brian2's
        # exponential Euler (v's coefficients frozen over the step) is the closest of its
        # methods to myelin's exponential integrator with mid-step conductances.
        return dict(eqs=eqs, threshold="v >= v_thresh", reset="v = v_reset",
                    refractory=_REFRACTORY, method="exponential_euler", units=units,
                    defaults=defaults, state=("v", "gsyn_exc", "gsyn_inh"), receptors=("gsyn_exc", "gsyn_inh"))
    if cell_type == "IF_curr_exp":
        eqs = """
        dv/dt = (v_rest - v)/tau_m + (isyn_exc + isyn_inh + i_offset + i_stim)/c_m
                : volt (unless refractory)
        disyn_exc/dt = -isyn_exc/tau_syn_E : amp
        disyn_inh/dt = -isyn_inh/tau_syn_I : amp
        """
        units = dict(cm=nF, tau_m=ms, v_rest=mV, v_reset=mV, v_thresh=mV, tau_refrac=ms,
                     tau_syn_E=ms, tau_syn_I=ms, i_offset=nA, v=mV, isyn_exc=nA, isyn_inh=nA)
        defaults = dict(i_offset=0.0, v=-65.0, isyn_exc=0.0, isyn_inh=0.0)
        # Linear with constant coefficients: 'exact' is the same propagator myelin uses.
        return dict(eqs=eqs, threshold="v >= v_thresh", reset="v = v_reset",
                    refractory=_REFRACTORY, method="exact", units=units, defaults=defaults, state=("v", "isyn_exc", "isyn_inh"),
                    receptors=("isyn_exc", "isyn_inh"))
    if cell_type == "HH_cond_exp":
        # Traub & Miles rates as in PyNN's HH_cond_exp / NEST hh_cond_exp_traub and Brian2's
        # COBAHH example, with V = v - v_offset. Brian2's exprel keeps the removable
        # singularities of alpha_m, beta_m and alpha_n finite.
        eqs = """
        dv/dt = (g_leak*(e_rev_leak - v) + gsyn_exc*(e_rev_E - v) + gsyn_inh*(e_rev_I - v)
                 - gbar_Na*m*m*m*h*(v - e_rev_Na) - gbar_K*n*n*n*n*(v - e_rev_K)
                 + i_offset + i_stim)/c_m : volt
        dm/dt = alpha_m*(1 - m) - beta_m*m : 1
        dn/dt = alpha_n*(1 - n) - beta_n*n : 1
        dh/dt = alpha_h*(1 - h) - beta_h*h : 1
        dgsyn_exc/dt = -gsyn_exc/tau_syn_E : siemens
        dgsyn_inh/dt = -gsyn_inh/tau_syn_I : siemens
        alpha_m = 1.28/exprel((13*mV - v + v_offset)/(4*mV))/ms : Hz
        beta_m = 1.4/exprel((v - v_offset - 40*mV)/(5*mV))/ms : Hz
        alpha_h = 0.128*exp((17*mV - v + v_offset)/(18*mV))/ms : Hz
        beta_h = 4/(1 + exp((40*mV - v + v_offset)/(5*mV)))/ms : Hz
        alpha_n = 0.16/exprel((15*mV - v + v_offset)/(5*mV))/ms : Hz
        beta_n = 0.5*exp((10*mV - v + v_offset)/(40*mV))/ms : Hz
        """
        units = dict(cm=nF, g_leak=uS, gbar_Na=uS, gbar_K=uS, v_offset=mV, e_rev_Na=mV,
                     e_rev_K=mV, e_rev_leak=mV, e_rev_E=mV, e_rev_I=mV, tau_syn_E=ms,
                     tau_syn_I=ms, i_offset=nA, v=mV, gsyn_exc=uS, gsyn_inh=uS,
                     m=1, h=1, n=1)
        # PyNN's default initial gating values (Brian2's example starts them at 0).
        defaults = dict(i_offset=0.0, v=-65.0, gsyn_exc=0.0, gsyn_inh=0.0, m=0.0, h=1.0, n=0.0)
        # A spike is an upward crossing of +10 mV (myelin's HH_cond_exp, PyNN's NEURON
        # backend; Brian2's COBAHH example uses -20 mV, which counts the same full action
        # potentials): the cell stays "refractory" while v >= 10 mV, so one action
        # potential counts once. The dynamics are never frozen (no 'unless refractory').
        # Brian2's exponential Euler is first order; myelin uses a second-order splitting
        # of the same equations (see tests/validation/test_vs_brian2.py for the effect).
        return dict(eqs=eqs, threshold="v >= 10*mV", reset=None,
                    refractory="v >= 10*mV", method="exponential_euler", units=units,
                    defaults=defaults, state=("v", "m", "h", "n", "gsyn_exc", "gsyn_inh"), receptors=("gsyn_exc", "gsyn_inh"))
    if cell_type == "Izhikevich":
        # PyNN's Izhikevich as myelin integrates it (src/cells/izhikevich.cpp), which at
        # dt = 1 ms is the 2003 paper's MATLAB loop line for line:
        #   dv/dt = 0.04 v^2 + 5 v + 140 - u + I,  du/dt = a (b v - u)   [mV/ms]
        # two forward-Euler half steps of v, then one step of u with the new v; then the
        # synaptic jumps of v [mV]; spike at v >= 30 mV -> v = c, u += d. I is the paper's
        # current: 1000 per nA of PyNN current (a 1 pF membrane). Brian2 has no such
        # integrator, so the step is written out as code run once per step, and the
        # variables are plain numbers in mV, mV/ms, 1/ms and nA.
        update = """
        drive = 1000.0*(i_offset + i_stim)
        v = v + 0.5*dt_ms*(0.04*v*v + 5.0*v + 140.0 - u + drive)
        v = v + 0.5*dt_ms*(0.04*v*v + 5.0*v + 140.0 - u + drive)
        u = u + dt_ms*a*(b*v - u)
        """
        units = dict(a=1, b=1, c=1, d=1, i_offset=1, v=1, u=1)
        defaults = dict(a=0.02, b=0.2, c=-65.0, d=2.0, i_offset=0.0, v=-70.0, u=-14.0)
        return dict(eqs="v : 1\nu : 1", update=update, threshold="v >= 30.0",
                    reset="v = c\nu += d", refractory=None, method=None, units=units,
                    defaults=defaults, state=("v", "u"), receptors=("v", "v"),
                    current_unit=1, delta_synapses=True)
    raise NotImplementedError(f"cell type {cell_type} is not translated to Brian2")


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
            eqs += f"\n{_brian_name(k)} : {_brian_unit_decl(units[k])} (constant)"
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


def _brian_unit_decl(u):
    from brian2 import mV, ms, nA, nF, uS
    for q, s in ((mV, "volt"), (ms, "second"), (nA, "amp"), (nF, "farad"), (uS, "siemens")):
        if u is q:
            return s
    if isinstance(u, (int, float)) and u == 1:
        return "1"
    raise ValueError(u)


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
        model_eq = f"w : {_brian_unit_decl(wunit)} (constant)"
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
    syn = b2.Synapses(pre, post, model=model_eq, on_pre=on_pre,
                      namespace=dict(mV=b2.mV, nA=b2.nA, uS=b2.uS),
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
    if model_eq:
        syn.w = _value_code(w, _unit_name(wunit))
    net.objects.append(syn)
    net.synapses.append((pre_lab, syn))


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

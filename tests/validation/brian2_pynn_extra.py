"""Brian2 reference for one cell of IF_curr_delta, IF_cond_exp_gsfa_grr or
EIF_cond_alpha_isfa_ista: the equations of PyNN 0.10.1's Brian2 backend
(pyNN/brian2/standardmodels/cells.py), in PyNN's units, with the two points where myelin
follows PyNN's NEST/NEURON backends instead (docs/model-file.md):

- IF_curr_delta: an event arriving while the cell is refractory is discarded
  (NEST's iaf_psc_delta; PyNN's Brian2 backend adds it to the clamped v);
- IF_cond_exp_gsfa_grr: exponential synaptic conductances and g_s, g_r decaying through
  the refractory period too (PyNN's NEURON mechanism gsfa_grr.mod; the Brian2 backend
  uses alpha synapses and freezes g_s, g_r while refractory).

Usage: brian2_pynn_extra.py CASE.json OUT.json, CASE as written by
test_pynn_extra_vs_brian2.py: {"type", "params", "tstop", "dt", "grid", "inputs":
[{"times", "weight", "receptor", "delay"}]}. Writes {"spikes": [ms, ...]}. Runs with the
numpy code generator (no compilation).

"grid": true runs Brian2 on myelin's own step with myelin's step conventions, as
bench/peers/brian2_models.py does: a source spike at T is given to the generator at
T - dt (Brian2 stamps a step by its start, myelin by its end); the refractory period is
tau_refrac + dt (Brian2 counts the spike step in it, myelin and NEST do not); voltage
jumps are applied before the threshold test (schedule with 'synapses' before
'thresholds', delay less one step); spikes are reported at Brian2's t + dt. With
"grid": false the source times, delays and refractory period are the model's and the
spike times are Brian2's own (a fine-step reference).
"""
import json
import sys

import brian2 as b2
from brian2 import mV, ms, nA, nF, nS, uS

DEFAULTS = {
    "IF_curr_delta": dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=0.1, i_offset=0.0,
                          v_reset=-65.0, v_thresh=-50.0, v=-65.0),
    "IF_cond_exp_gsfa_grr": dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=0.1,
                                 tau_syn_E=5.0, tau_syn_I=5.0, e_rev_E=0.0, e_rev_I=-70.0,
                                 v_thresh=-50.0, v_reset=-65.0, i_offset=0.0, tau_sfa=100.0,
                                 e_rev_sfa=-75.0, q_sfa=15.0, tau_rr=2.0, e_rev_rr=-75.0,
                                 q_rr=3000.0, v=-65.0),
    "EIF_cond_alpha_isfa_ista": dict(cm=0.281, tau_refrac=0.1, v_spike=-40.0, v_reset=-70.6,
                                     v_rest=-70.6, tau_m=9.3667, i_offset=0.0, a=4.0,
                                     b=0.0805, delta_T=2.0, tau_w=144.0, v_thresh=-50.4,
                                     e_rev_E=0.0, tau_syn_E=5.0, e_rev_I=-80.0, tau_syn_I=5.0,
                                     v=-70.6),
}

EQS = {
    "IF_curr_delta": """
        dv/dt = (v_rest - v)/tau_m + i_offset/c_m : volt (unless refractory)
    """,
    "IF_cond_exp_gsfa_grr": """
        dv/dt = (v_rest - v)/tau_m + (ge*(e_rev_E - v) + gi*(e_rev_I - v) + g_s*(e_rev_sfa - v)
                + g_r*(e_rev_rr - v) + i_offset)/c_m : volt (unless refractory)
        dge/dt = -ge/tau_syn_E : siemens
        dgi/dt = -gi/tau_syn_I : siemens
        dg_s/dt = -g_s/tau_sfa : siemens
        dg_r/dt = -g_r/tau_rr : siemens
    """,
    "EIF_cond_alpha_isfa_ista": """
        dv/dt = (gL*delta_T*exp((v - v_thresh)/delta_T) + gL*(v_rest - v) + ge*(e_rev_E - v)
                 + gi*(e_rev_I - v) - w + i_offset)/c_m : volt (unless refractory)
        dw/dt = (a*(v - v_rest) - w)/tau_w : amp
        dge/dt = (2.7182818284590451*ye - ge)/tau_syn_E : siemens
        dye/dt = -ye/tau_syn_E : siemens
        dgi/dt = (2.7182818284590451*yi - gi)/tau_syn_I : siemens
        dyi/dt = -yi/tau_syn_I : siemens
    """,
}

UNITS = dict(v_rest=mV, v_reset=mV, v_thresh=mV, v_spike=mV, cm=nF, tau_m=ms, tau_refrac=ms,
             i_offset=nA, tau_syn_E=ms, tau_syn_I=ms, e_rev_E=mV, e_rev_I=mV, tau_sfa=ms,
             e_rev_sfa=mV, q_sfa=nS, tau_rr=ms, e_rev_rr=mV, q_rr=nS, a=nS, b=nA, delta_T=mV,
             tau_w=ms, v=mV)


def run(case):
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = case["dt"] * ms
    kind = case["type"]
    p = dict(DEFAULTS[kind])
    p.update(case["params"])
    ns = {k: v * UNITS[k] for k, v in p.items() if k != "v"}
    ns["c_m"] = ns.pop("cm")
    if kind == "EIF_cond_alpha_isfa_ista":
        ns["gL"] = ns["c_m"] / ns["tau_m"]
        threshold, reset = "v > v_spike", "v = v_reset; w += b"
    elif kind == "IF_cond_exp_gsfa_grr":
        threshold, reset = "v >= v_thresh", "v = v_reset; g_s += q_sfa; g_r += q_rr"
    else:
        threshold, reset = "v >= v_thresh", "v = v_reset"
    method = "exact" if kind == "IF_curr_delta" else "rk4"
    grid = bool(case.get("grid"))
    dt = case["dt"]
    shift = dt if grid else 0.0  # [ms]
    refractory = ns["tau_refrac"] + shift * ms
    cell = b2.NeuronGroup(1, EQS[kind], threshold=threshold, reset=reset,
                          refractory=refractory, method=method, namespace=ns)
    cell.v = p["v"] * mV
    objects = [cell]
    delay_shift = shift if kind == "IF_curr_delta" else 0.0
    for k, inp in enumerate(case["inputs"]):
        times = [t - shift for t in inp["times"]]
        gen = b2.SpikeGeneratorGroup(1, [0] * len(times), times * ms)
        exc = inp["receptor"] == "excitatory"
        if kind == "IF_curr_delta":
            # v jumps by the weight [mV], not while refractory (see the docstring).
            on_pre, unit = "v_post += w_syn * int(not_refractory_post)", mV
        elif kind == "IF_cond_exp_gsfa_grr":
            on_pre, unit = ("ge_post += w_syn" if exc else "gi_post += w_syn"), uS
        else:
            on_pre, unit = ("ye_post += w_syn" if exc else "yi_post += w_syn"), uS
        syn = b2.Synapses(gen, cell, "w_syn : " + ("volt" if unit is mV else "siemens"),
                          on_pre=on_pre, delay=(inp["delay"] - delay_shift) * ms)
        syn.connect(i=0, j=0)
        syn.w_syn = inp["weight"] * unit
        objects += [gen, syn]
    mon = b2.SpikeMonitor(cell)
    net = b2.Network(*objects, mon)
    if grid and kind == "IF_curr_delta":
        net.schedule = ["start", "groups", "synapses", "thresholds", "resets", "end"]
    net.run(case["tstop"] * ms)
    return [float(t / ms) + shift for t in mon.t]


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        case = json.load(f)
    with open(sys.argv[2], "w") as f:
        json.dump({"spikes": run(case)}, f)

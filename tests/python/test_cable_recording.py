"""Recording inside multi-compartment cells (src/cells/cable_group.cpp): section voltages
"v_<section>", internal calcium "cai_<section>" and synaptic currents "i_<synapse>",
filled only while recorded, checked against NEURON's Exp2Syn in closed form."""
import math
import sys

import numpy as np

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin  # noqa: E402  (built by make build: missing fails, never skips)


def one_cell(receptor, weight, variables, delay=1.0, spike=5.0):
    model = {"name": "one", "dt": 0.025, "tstop": 40.0,
             "populations": [{"label": "c", "size": 1, "cell_type": "L5_pyramidal"},
                             {"label": "s", "size": 1, "cell_type": "SpikeSourceArray",
                              "spike_times": [spike]}],
             "projections": [{"label": "p", "pre": "s", "post": "c",
                              "connector": {"type": "AllToAll"}, "receptor": receptor,
                              "weight": weight, "delay": delay}],
             "recorders": [{"label": "r", "target": "c", "variables": variables}]}
    sim = myelin.Simulation(model)
    sim.run(40.0)
    return {t["variable"]: t["values"][:, 0] for t in sim.traces()}


def test_synaptic_current_is_the_exp2syn_conductance_times_the_driving_force():
    # soma_gabaa: Exp2Syn tau1 = 0.5 ms, tau2 = 5 ms, e = -80 mV (HNN's L5 pyramidal).
    # NEURON normalises the conductance to peak at the weight, at tp after the event.
    w, tau1, tau2, e = 0.01, 0.5, 5.0, -80.0
    tr = one_cell("soma_gabaa", w, ["v", "v_soma", "i_soma_gabaa"])
    assert np.array_equal(tr["v"], tr["v_soma"])  # soma(0.5) either way
    g = tr["i_soma_gabaa"] / (tr["v_soma"] - e)
    tp = tau1 * tau2 / (tau2 - tau1) * math.log(tau2 / tau1)
    factor = 1.0 / (math.exp(-tp / tau2) - math.exp(-tp / tau1))
    t = np.arange(g.size) * 0.025 - 6.0  # the event acts from 5 + 1 ms on
    expect = np.where(t > 0, w * factor * (np.exp(-t / tau2) - np.exp(-t / tau1)), 0.0)
    assert np.max(np.abs(g - expect)) < 1e-3 * w
    assert abs(g.max() - w) < 1e-4 * w
    assert np.all(tr["i_soma_gabaa"] >= 0.0)  # outward: v above the GABAa reversal


def test_section_voltages_and_calcium_follow_a_distal_input():
    names = ["v_soma", "v_apical_tuft", "cai_soma"]
    tr = one_cell("distal_ampa", 0.001, names)
    base = one_cell("distal_ampa", 0.0, names)  # the same cell without the input
    # The tuft, where the input lands, depolarises more and earlier than the soma.
    tuft = tr["v_apical_tuft"] - base["v_apical_tuft"]
    soma = tr["v_soma"] - base["v_soma"]
    assert tuft.max() > 2.0 * soma.max() > 0.0
    assert np.argmax(tuft) < np.argmax(soma)
    # cad's calcium starts at its resting 1e-4 mM and stays physical.
    assert tr["cai_soma"][0] == 1e-4
    assert np.all(tr["cai_soma"] > 0.0)

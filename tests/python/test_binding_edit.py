"""Changes between run segments through myelin._core: spike times of a
SpikeSourceArray, a StepCurrentSource's steps, a state variable, connection delays."""
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin  # noqa: E402  (built by make build; a missing module fails, never skips)


def relay_model():
    # Each source spike drives its target over threshold: v jumps 20 mV (delta synapse
    # would do too; a large current-based weight on IF_curr_exp with a short tau_syn).
    return {"dt": 0.1, "tstop": 100.0, "populations": [
        {"label": "src", "size": 2, "cell_type": "SpikeSourceArray", "spike_times": [[5.0], [7.0]]},
        {"label": "dst", "size": 2, "cell_type": "IF_curr_exp"}],
        "projections": [{"label": "p", "pre": "src", "post": "dst", "connector": {"type": "OneToOne"},
                         "weight": 0.0, "delay": 1.0}],
        "stimuli": [{"label": "steps", "type": "StepCurrentSource", "target": "dst",
                     "times": [0.0], "amplitudes": [0.0]}],
        "recorders": [{"label": "r", "target": ["src", "dst"], "variables": ["spikes"]}]}


def test_spike_times_replaced_between_segments_ignore_the_past():
    sim = myelin.Simulation(relay_model(), threads=1)
    sim.run(10.0)
    assert list(sim.spikes("src")[1]) == [5.0, 7.0]
    sim.set_spike_times("src", [np.array([3.0, 12.0, 20.0]), np.array([15.5])])
    sim.run(20.0)
    ids, times = sim.spikes("src")
    assert list(times) == [5.0, 7.0, 12.0, 15.5, 20.0]  # 3.0 is in the past
    assert list(ids) == [0, 1, 0, 1, 0]
    assert list(sim.spike_counts("src")) == [3, 2]
    with pytest.raises(myelin.ModelError, match=r"populations\[1\]\.spike_times: only SpikeSourceArray"):
        sim.set_spike_times("dst", [[1.0]])


def test_step_current_set_between_segments_makes_the_cell_fire():
    sim = myelin.Simulation(relay_model(), threads=1)
    sim.run(10.0)
    assert len(sim.spikes("dst")[1]) == 0
    sim.set_stimulus_steps("steps", [10.0, 40.0], [2.0, 0.0])  # 2 nA from 10 ms to 40 ms
    sim.run(60.0)
    ids, times = sim.spikes("dst")
    assert len(times) > 2 and times.min() > 10.0 and times.max() <= 40.1
    with pytest.raises(myelin.ModelError, match=r"stimuli\[0\]\.times\[1\]: times must increase"):
        sim.set_stimulus_steps("steps", [50.0, 45.0], [1.0, 0.0])


def test_state_set_now_and_delays_changed():
    sim = myelin.Simulation(relay_model(), threads=1)
    sim.set_state("dst", "v", np.array([-49.0, -65.0]))  # above threshold: fires at once
    sim.run(1.0)
    ids, times = sim.spikes("dst")
    assert list(ids) == [0] and times[0] == pytest.approx(0.1)
    sim.set_connection_param("p", "delay", [2.0, 3.0])
    c = sim.connections("p")
    assert list(c["delay"]) == [2.0, 3.0] and sim.max_delay == pytest.approx(3.0)
    with pytest.raises(myelin.ModelError, match="minimum delay 1 ms"):
        sim.set_connection_param("p", "delay", [0.5, 1.0])


def test_help_documents_the_api():
    doc = myelin._core.Simulation.__doc__
    assert "FromArrays" in doc and "max_record_memory" in doc
    for name in ("run", "spikes", "traces", "connections", "set_population_param", "set_state",
                 "set_spike_times", "set_stimulus_steps", "set_connection_param", "spike_counts"):
        assert len(getattr(myelin._core.Simulation, name).__doc__) > 60, name
    types = myelin.cell_types()
    assert types["IF_curr_exp"]["params"]["tau_m"] == (20.0, "ms")
    assert types["IF_cond_exp"]["synapses"] == "conductance"


def test_stdp_delay_change_keeps_the_dendritic_delay_rule():
    # f = 0.25: (1 - 2 f) delay must stay below one step. 1 step is fine; 3 steps would
    # pair a spike with postsynaptic spikes computed after its delivery: refused, as at
    # build time, and nothing changed.
    m = relay_model()
    m["projections"][0]["delay"] = 0.1
    m["projections"][0]["synapse"] = {
        "type": "STDPMechanism", "dendritic_delay_fraction": 0.25,
        "timing_dependence": {"type": "SpikePairRule"},
        "weight_dependence": {"type": "AdditiveWeightDependence"}}
    sim = myelin.Simulation(m, threads=1)
    sim.run(1.0)
    sim.set_connection_param("p", "delay", np.array([0.1, 0.1]))
    with pytest.raises(myelin.ModelError, match=r"dendritic_delay_fraction 0.25"):
        sim.set_connection_param("p", "delay", np.array([0.1, 0.3]))
    assert np.allclose(sim.connections("p")["delay"], [0.1, 0.1])

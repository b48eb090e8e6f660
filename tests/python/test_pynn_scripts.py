"""Behaviours that PyNN's own example scripts (NeuralEnsemble/PyNN 0.10.1, examples/) rely
on and that myelin.pynn got wrong; each test is a short PyNN script checked against a
closed form or against what pyNN.neuron and pyNN.brian2 give (docs/pynn.md, "PyNN's
examples")."""

import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin.pynn as sim  # noqa: E402  (built by make build: missing fails, never skips)
from pyNN.parameters import Sequence  # noqa: E402


pytestmark = pytest.mark.usefixtures("pynn_sim")  # conftest: setup(0.1 ms), end


def test_spike_times_given_at_the_current_time_are_emitted():
    # examples/update_spike_source_array.py sets new times from a callback at t; a time
    # within half a step after t rounds to t itself and was dropped (counts 199 for 200).
    # pyNN.brian2 emits all of these (6 spikes); pyNN.neuron reports them at the times
    # given (but delivers none given less than ~1 ms ahead: its VecStim polls every 1 ms).
    p = sim.Population(3, sim.SpikeSourceArray(spike_times=[]))
    p.record("spikes")
    sim.run(200.0)
    p.set(spike_times=[Sequence([200.0, 250.0]), Sequence([200.01, 250.0]),
                       Sequence([200.05, 250.0])])
    sim.run(100.0)
    # a second change: a time before now (0.0) is not emitted, 300.04 is
    p.set(spike_times=[Sequence([0.0, 300.0]), Sequence([300.04]), Sequence([299.0, 310.0])])
    sim.run(100.0)
    trains = p.get_data().segments[0].spiketrains
    got = [list(np.round(st.magnitude, 6)) for st in trains]
    assert got == [[200.0, 250.0, 300.0], [200.01, 250.0, 300.04], [200.05, 250.0, 310.0]]


def test_spike_times_given_at_the_current_time_reach_the_target():
    # The spike given for t = 200 ms drives its target as one given for t + dt does.
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[]))
    cell = sim.Population(2, sim.IF_curr_exp(tau_syn_E=2.0))
    sim.Projection(src, cell, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=10.0, delay=1.0))
    cell.record("spikes")
    sim.run(200.0)
    src.set(spike_times=[Sequence([200.0]), Sequence([200.1])])
    sim.run(50.0)
    first, second = [st.magnitude for st in cell.get_data().segments[0].spiketrains]
    assert first.size == 1 and second.size == 1
    assert 201.1 < first[0] < 210.0 and first[0] == second[0]


SCRIPT_BY_NAME = """
import sys
from pyNN.utility import get_simulator
sim, options = get_simulator(("--tstop", "run time", {"type": float, "default": 10.0}))
exec("from pyNN.%s import IF_curr_exp" % options.simulator)
sim.setup(timestep=0.1)
p = sim.Population(2, sim.SpikeSourceArray(spike_times=[1.0, 2.0, 3.0, 30.0]))
p.record("spikes")
sim.run(options.tstop)
print(sim.__name__, IF_curr_exp is sim.IF_curr_exp, p.mean_spike_count(), sys.argv[1:])
sim.end()
"""


def test_runner_makes_pyNN_myelin_importable_for_scripts_that_name_the_simulator(tmp_path):
    # PyNN's examples take the simulator's name and import pyNN.<name>:
    # `python3 -m myelin.pynn SCRIPT myelin ...` runs them on myelin.pynn.
    import subprocess
    script = tmp_path / "by_name.py"
    script.write_text(SCRIPT_BY_NAME)
    env = dict(__import__("os").environ, PYTHONPATH=str(BUILD / "python"))
    out = subprocess.run(["/usr/bin/python3", "-m", "myelin.pynn", str(script), "myelin",
                          "--tstop", "20"], env=env, capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[-2] == "myelin.pynn True 3.0 ['myelin', '--tstop', '20']"


def expected_releases(n_spikes, interval, U, tau_rec, tau_facil, u0=0.0):
    """Mean releases per site of a stochastic Tsodyks-Markram synapse over a regular
    train at interval, 2 interval, ... (all sites ready at the first spike, u = u0 before
    it, as after a spike at t = 0): the chance q_k that a site is ready at spike k follows
    q_{k+1} = q_k (1 - u_k) + (1 - q_k (1 - u_k)) (1 - e^(-T/tau_rec)), u_k as in the
    deterministic model; the mean is the deterministic model's sum of u x."""
    recover = 1.0 - np.exp(-interval / tau_rec)
    facil = np.exp(-interval / tau_facil) if tau_facil > 0 else 0.0
    q, u, total = 1.0, u0, 0.0
    for k in range(n_spikes):
        u = U + u * (1.0 - U) * facil
        total += u * q
        q = q * (1.0 - u) + (1.0 - q * (1.0 - u)) * recover
    return total


@pytest.mark.parametrize("kind, n, U, tau_rec, tau_facil, u0", [
    ("StochasticTsodyksMarkramSynapse", 1, 0.5, 100.0, 0.0, None),
    ("StochasticTsodyksMarkramSynapse", 1, 0.1, 50.0, 200.0, None),
    ("MultiQuantalSynapse", 5, 0.6, 80.0, 0.0, None),
    # multiquantal_synapses.py's initialize(a=n, u=U), facilitating
    ("MultiQuantalSynapse", 2, 0.04, 50.0, 200.0, 0.04),
])
def test_stochastic_release_mean_matches_closed_form(kind, n, U, tau_rec, tau_facil, u0):
    # PyNN's examples stochastic_tsodyksmarkram.py, stochastic_deterministic_comparison.py
    # and multiquantal_synapses.py use these types (pyNN.neuron and NEST have them). With
    # a target conductance that does not decay, its final value / weight counts a
    # synapse's releases / n; the mean over 3000 synapses is checked against the closed
    # form within 4 standard errors.
    n_syn, w, interval, n_spikes = 3000, 0.001, 10.0, 12
    times = interval * (1 + np.arange(n_spikes))
    src = sim.Population(n_syn, sim.SpikeSourceArray(spike_times=times))
    cells = sim.Population(n_syn, sim.IF_cond_exp(tau_syn_E=1e9))
    params = dict(U=U, tau_rec=tau_rec, tau_facil=tau_facil, weight=w, delay=1.0)
    if kind == "MultiQuantalSynapse":
        params["n"] = n
    prj = sim.Projection(src, cells, sim.OneToOneConnector(), getattr(sim, kind)(**params),
                         receptor_type="excitatory")
    if u0 is not None:
        prj.initialize(a=n, u=u0)
    cells.record("gsyn_exc")
    sim.run(times[-1] + 5.0)
    g = cells.get_data().segments[0].filter(name="gsyn_exc")[0].magnitude[-1]
    per_site = g / w  # releases / n, per synapse
    expected = expected_releases(n_spikes, interval, U, tau_rec, tau_facil, u0 or 0.0)
    assert per_site.std() > 0.1  # stochastic: synapses differ
    assert abs(per_site.mean() - expected) < 4 * per_site.std() / np.sqrt(n_syn)
    # whole releases only
    assert np.allclose(per_site * n, np.round(per_site * n), atol=1e-6)


def test_stochastic_release_is_the_same_on_one_and_two_threads():
    def run(threads):
        sim.setup(timestep=0.1, threads=threads)
        src = sim.Population(40, sim.SpikeSourceArray(spike_times=[5.0, 10.0, 15.0, 20.0]))
        cells = sim.Population(30, sim.IF_cond_exp(tau_syn_E=1e9))
        sim.Projection(src, cells, sim.FixedProbabilityConnector(0.5),
                       sim.MultiQuantalSynapse(n=3, U=0.4, tau_rec=30.0, weight=0.001,
                                               delay=1.0), receptor_type="excitatory")
        cells.record("gsyn_exc")
        sim.run(25.0)
        return cells.get_data().segments[0].filter(name="gsyn_exc")[0].magnitude[-1]
    one, two = run(1), run(2)
    assert one.std() > 0 and np.array_equal(one, two)


def test_connector_callback_onto_an_assembly():
    # examples/VAbenchmarks.py --use-assembly: a connector with a progress callback
    # onto an Assembly (PyNN's own code reads post.local_size).
    a = sim.Population(6, sim.IF_cond_exp())
    b = sim.Population(4, sim.IF_cond_exp())
    progress = []
    prj = sim.Projection(a, a + b, sim.FixedProbabilityConnector(1.0, callback=progress.append),
                         sim.StaticSynapse(weight=0.001))
    assert (a + b).local_size == 10
    assert prj.size() == 60 and np.allclose(progress, np.arange(10) / 10.0)

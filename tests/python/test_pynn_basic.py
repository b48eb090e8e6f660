"""myelin.pynn against closed forms and PyNN's contracts (Neo shapes and units, errors)."""

import math
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin.pynn as sim  # noqa: E402  (built by make build: missing fails, never skips)
from pyNN import errors  # noqa: E402
from pyNN.parameters import Sequence  # noqa: E402


pytestmark = pytest.mark.usefixtures("pynn_sim")  # conftest: setup(0.1 ms), end


def first_spike_closed_form(i_nA, cm=1.0, tau_m=20.0, v_rest=-65.0, v_thresh=-50.0):
    """First threshold crossing of a leaky integrator from rest under a constant current."""
    r = tau_m / cm  # MOhm
    return -tau_m * math.log(1.0 - (v_thresh - v_rest) / (r * i_nA))


def test_dc_first_spike_matches_closed_form():
    cell = sim.Population(1, sim.IF_curr_exp(tau_refrac=2.0))
    sim.DCSource(amplitude=1.0, start=0.0).inject_into(cell)
    cell.record("spikes")
    sim.run(100.0)
    times = cell.get_data().segments[0].spiketrains[0].magnitude
    expected = first_spike_closed_form(1.0)  # 27.73 ms
    assert times.size >= 3
    assert abs(times[0] - expected) <= 0.1 + 1e-9
    # after a reset to v_reset = v_rest and the refractory period the cycle repeats
    isi = np.diff(times)
    assert np.allclose(isi, expected + 2.0, atol=0.1 + 1e-9)


def test_i_offset_set_between_runs_changes_the_rate():
    cell = sim.Population(1, sim.IF_curr_exp(i_offset=0.0))
    cell.record("spikes")
    sim.run(50.0)
    cell.set(i_offset=2.0)
    sim.run(50.0)
    times = cell.get_data().segments[0].spiketrains[0].magnitude
    assert times.size > 0 and times.min() > 50.0
    assert abs(times[0] - (50.0 + first_spike_closed_form(2.0))) <= 0.1 + 1e-9


def test_neo_block_shapes_and_units():
    p = sim.Population(3, sim.IF_cond_exp())
    p.record(["v", "gsyn_exc", "spikes"])
    sim.run(25.0)
    block = p.get_data()
    seg = block.segments[0]
    v = seg.filter(name="v")[0]
    g = seg.filter(name="gsyn_exc")[0]
    assert v.shape == (int(25.0 / 0.1) + 1, 3)
    assert str(v.units.dimensionality) == "mV"
    assert str(g.units.dimensionality) == "uS"
    assert float(v.sampling_period.rescale("ms")) == pytest.approx(0.1)
    assert np.allclose(v.magnitude[0], -65.0)
    assert len(seg.spiketrains) == 3
    assert str(seg.spiketrains[0].units.dimensionality) == "ms"


def test_weights_set_get_round_trip():
    pre = sim.Population(4, sim.SpikeSourceArray(spike_times=[1.0]))
    post = sim.Population(3, sim.IF_cond_exp())
    prj = sim.Projection(pre, post, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=0.01, delay=1.0))
    w = np.arange(12, dtype=float).reshape(4, 3) * 1e-3
    prj.set(weight=w)
    assert np.allclose(prj.get("weight", format="array"), w)
    sim.run(5.0)  # the engine holds the weights now
    assert np.allclose(prj.get("weight", format="array"), w)
    prj.set(weight=0.002)
    listed = prj.get(["weight", "delay"], format="list")
    assert len(listed) == 12
    assert all(abs(c[2] - 0.002) < 1e-12 and abs(c[3] - 1.0) < 1e-12 for c in listed)


def test_spike_arrives_after_delay():
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[5.0]))
    cell = sim.Population(1, sim.IF_curr_exp(tau_syn_E=5.0))
    sim.Projection(src, cell, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0, delay=2.0))
    cell.record("v")
    sim.run(20.0)
    v = cell.get_data().segments[0].filter(name="v")[0].magnitude[:, 0]
    moved = np.nonzero(np.abs(v - (-65.0)) > 1e-9)[0]
    assert moved.size > 0
    t_first = moved[0] * 0.1
    assert 7.0 - 1e-9 <= t_first <= 7.0 + 0.2 + 1e-9


def test_reset_gives_identical_segments():
    p = sim.Population(2, sim.IF_curr_exp(i_offset=[1.0, 1.5]))
    p.record(["v", "spikes"])
    sim.run(40.0)
    sim.reset()
    assert sim.get_current_time() == 0.0
    sim.run(40.0)
    block = p.get_data()
    assert len(block.segments) == 2
    v0 = block.segments[0].filter(name="v")[0].magnitude
    v1 = block.segments[1].filter(name="v")[0].magnitude
    assert v0.shape == v1.shape == (401, 2)
    assert np.array_equal(v0, v1)
    assert block.segments[0].spiketrains[1].size > block.segments[0].spiketrains[0].size


def test_errors_have_pynn_types():
    p = sim.Population(2, sim.IF_cond_exp())
    with pytest.raises(errors.NonExistentParameterError):
        p.set(not_a_parameter=1.0)
    with pytest.raises(errors.InvalidParameterValueError):
        p.set(tau_m="fast")
    with pytest.raises(errors.InvalidParameterValueError):
        sim.Population(1, sim.SpikeSourceArray(spike_times=[Sequence([3.0, 1.0])]))
    src = sim.Population(1, sim.SpikeSourcePoisson())
    with pytest.raises(TypeError):
        sim.DCSource(amplitude=1.0).inject_into(src)
    with pytest.raises(errors.ConnectionError):
        sim.Projection(src, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=-0.1))
    with pytest.raises(errors.RecordingError):
        src.record("v")
    sim.run(1.0)  # the refused projection is not part of the network
    assert len(sim.state.projections) == 0


def test_ids_are_global_and_consecutive():
    a = sim.Population(3, sim.IF_curr_exp())
    b = sim.Population(4, sim.IF_curr_exp())
    assert list(a.all_cells) == [0, 1, 2]
    assert list(b.all_cells) == [3, 4, 5, 6]
    assert b[2].tau_m == 20.0
    b[2].tau_m = 11.0
    assert list(b.get("tau_m")) == [20.0, 20.0, 11.0, 20.0]


def test_recorded_noise_is_the_injected_current():
    cell = sim.Population(1, sim.IF_curr_exp(v_thresh=100.0, tau_m=10.0))
    noise = sim.NoisyCurrentSource(mean=0.5, stdev=0.5, start=5.0, stop=25.0, dt=1.0)
    noise.inject_into(cell)
    noise.record()
    cell.record("v")
    sim.run(30.0)
    i = noise.get_data().magnitude.ravel()
    v = cell.get_data().segments[0].filter(name="v")[0].magnitude[:, 0]
    assert i.size == v.size == 301
    assert np.all(i[:50] == 0.0) and np.all(i[250:] == 0.0) and np.all(i[50:250] != 0.0)
    assert np.unique(i[50:250]).size == 20  # a new value every ms
    # the membrane integrates exactly this current (exact exponential step, R = 10 MOhm)
    decay = math.exp(-0.1 / 10.0)
    predicted = -65.0 + (v[:-1] + 65.0 - 10.0 * i[:-1]) * decay + 10.0 * i[:-1]
    assert np.allclose(v[1:], predicted, atol=1e-6)


def test_assembly_to_view_connections_reach_the_right_cells():
    a = sim.Population(2, sim.SpikeSourceArray(spike_times=[Sequence([]), Sequence([5.0])]))
    b = sim.Population(3, sim.SpikeSourceArray(spike_times=[]))
    post = sim.Population(6, sim.IF_curr_exp())
    view = post[3:6]  # view index 1 -> cell 4
    # assembly index 1 is a[1] (the only source that fires); FromList (pre, post) in
    # assembly and view indices
    prj = sim.Projection(a + b, view, sim.FromListConnector([(1, 1, 2.0, 1.0), (3, 0, 2.0, 1.0)]),
                         sim.StaticSynapse())
    assert sorted(prj.get("weight", format="list")) == [(1, 1, 2.0), (3, 0, 2.0)]
    post.record("v")
    sim.run(20.0)
    v = post.get_data().segments[0].filter(name="v")[0].magnitude
    moved = np.abs(v[-1] + 65.0) > 1e-6
    assert list(np.nonzero(moved)[0]) == [4]

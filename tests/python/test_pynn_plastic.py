"""myelin.pynn plastic synapses: Tsodyks-Markram against its closed form, STDP direction."""

import math
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin.pynn as sim  # noqa: E402  (built by make build: missing fails, never skips)
from pyNN.standardmodels import ModelNotAvailable  # noqa: E402

DT = 0.1


pytestmark = pytest.mark.usefixtures("pynn_sim")  # conftest: setup(0.1 ms), end


def needs(name):
    if issubclass(getattr(sim, name), ModelNotAvailable):
        pytest.skip("%s not in this engine build" % name)


def test_tsodyks_markram_jumps_match_closed_form():
    needs("TsodyksMarkramSynapse")
    U, tau_rec, w, isi, tau_syn = 0.5, 100.0, 0.01, 20.0, 5.0
    spikes = [10.0 + isi * k for k in range(6)]
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=spikes))
    cell = sim.Population(1, sim.IF_cond_exp(tau_syn_E=tau_syn, v_thresh=0.0))
    sim.Projection(src, cell, sim.OneToOneConnector(),
                   sim.TsodyksMarkramSynapse(weight=w, delay=1.0, U=U, tau_rec=tau_rec,
                                             tau_facil=0.0))
    cell.record("gsyn_exc")
    sim.run(spikes[-1] + 5.0)
    g = cell.get_data().segments[0].filter(name="gsyn_exc")[0].magnitude[:, 0]
    decay = math.exp(-DT / tau_syn)
    jumps = g[1:] - g[:-1] * decay
    found = jumps[jumps > 1e-9]
    x, expected = 1.0, []
    for _ in spikes:
        expected.append(w * U * x)
        x = 1.0 - (1.0 - x * (1.0 - U)) * math.exp(-isi / tau_rec)
    assert found.size == len(spikes)
    assert np.allclose(found, expected, rtol=1e-6)
    assert found[-1] < 0.6 * found[0]  # depressing


def test_stdp_pre_before_post_potentiates_and_post_before_pre_depresses():
    needs("STDPMechanism")
    # post fires at ~15 ms and ~65 ms (strong drive); pre A fires 5 ms before each,
    # pre B 5 ms after; a late pre spike of each delivers the pending updates
    drive = sim.Population(1, sim.SpikeSourceArray(spike_times=[14.0, 64.0]))
    pre = sim.Population(2, sim.SpikeSourceArray(spike_times=[[9.0, 59.0, 120.0],
                                                              [20.0, 70.0, 120.0]]))
    post = sim.Population(1, sim.IF_curr_exp(tau_refrac=2.0))
    sim.Projection(drive, post, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=8.0, delay=1.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0,
                                            A_plus=0.05, A_minus=0.05),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=0.2),
        weight=0.1, delay=1.0, dendritic_delay_fraction=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), stdp)
    post.record("spikes")
    sim.run(150.0)
    assert post.get_data().segments[0].spiketrains[0].size == 2
    w = prj.get("weight", format="array")[:, 0]
    assert w[0] > 0.1 + 0.002
    assert w[1] < 0.1 - 0.002
    assert np.all((w >= 0.0) & (w <= 0.2))


def test_reset_restores_the_initial_stdp_weights():
    needs("STDPMechanism")
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0, 30.0, 50.0, 70.0]))
    post = sim.Population(1, sim.IF_curr_exp(i_offset=1.0))  # fires regularly
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(A_plus=0.05, A_minus=0.05),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=1.0),
        weight=0.3, delay=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), stdp)
    sim.run(100.0)
    learned = prj.get("weight", format="list", with_address=False)[0]
    assert abs(learned - 0.3) > 1e-4
    sim.reset()
    assert prj.get("weight", format="list", with_address=False)[0] == 0.3
    sim.run(100.0)  # the same run again learns the same weight
    assert prj.get("weight", format="list", with_address=False)[0] == learned

"""myelin.pynn.NativeRNG: PyNN's marker class made a real generator (a Philox
counter-based stream keyed by its seed), usable wherever PyNN takes an rng."""
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin.pynn as sim  # noqa: E402
import pyNN.random  # noqa: E402
from pyNN.random import RandomDistribution  # noqa: E402


pytestmark = pytest.mark.usefixtures("pynn_sim")  # conftest: setup(0.1 ms), end


def test_native_rng_is_pynns_marker_and_reproducible():
    a, b, c = sim.NativeRNG(seed=7), sim.NativeRNG(seed=7), sim.NativeRNG(seed=8)
    assert isinstance(a, pyNN.random.NativeRNG)
    x = a.next(1000, "uniform", {"low": 0.0, "high": 1.0})
    assert np.array_equal(x, b.next(1000, "uniform", {"low": 0.0, "high": 1.0}))
    assert not np.array_equal(x, c.next(1000, "uniform", {"low": 0.0, "high": 1.0}))
    # Philox4x64 keyed by the seed, not NumPy's Mersenne Twister (NumpyRNG)
    ref = np.random.RandomState(np.random.Philox(key=7)).uniform(0.0, 1.0, 1000)
    assert np.array_equal(x, ref)


def test_distributions_and_the_parallel_safe_mask():
    n = 40000
    v = sim.NativeRNG(seed=3).next(n, "normal", {"mu": 2.0, "sigma": 0.5})
    assert abs(v.mean() - 2.0) < 5 * 0.5 / np.sqrt(n)
    assert abs(v.std() - 0.5) < 5 * 0.5 / np.sqrt(2 * n)
    k = sim.NativeRNG(seed=3).next(n, "uniform_int", {"low": 2, "high": 9})
    assert k.min() == 2 and k.max() == 8
    mask = np.arange(10) % 3 == 0
    full = sim.NativeRNG(seed=11).next(10, "uniform", {"low": 0.0, "high": 1.0})
    part = sim.NativeRNG(seed=11).next(10, "uniform", {"low": 0.0, "high": 1.0}, mask=mask)
    assert np.array_equal(part, full[mask])


def test_cell_parameters_drawn_from_it_reach_the_engine():
    dist = RandomDistribution("uniform", low=10.0, high=30.0, rng=sim.NativeRNG(seed=5))
    cells = sim.Population(50, sim.IF_curr_exp(tau_m=dist, i_offset=1.0))
    expected = sim.NativeRNG(seed=5).next(50, "uniform", {"low": 10.0, "high": 30.0})
    assert np.allclose(cells.get("tau_m"), expected)
    cells.record("spikes")
    sim.run(100.0)
    # DC 1 nA from rest (R = tau_m / cm, cm = 1 nF): the first spike follows the
    # closed form t = tau_m ln(R I / (R I - 15 mV)), so it orders the cells by tau_m.
    first = [float(st[0]) if len(st) else np.inf
             for st in cells.get_data().segments[0].spiketrains]
    # (cells with tau_m <= 15 ms never reach threshold: R I = tau_m mV)
    reach = expected > 15.0
    t = np.full(50, np.inf)
    t[reach] = expected[reach] * np.log(expected[reach] / (expected[reach] - 15.0))
    first = np.asarray(first)
    assert 10 < reach.sum() < 40
    assert np.all(np.isinf(first[~reach]))
    late = first[reach] - t[reach]  # the step that crosses: within one dt after
    assert np.all((late >= 0) & (late <= 0.1 + 1e-9)), late


def test_a_connector_given_it_is_generated_by_the_engine():
    a = sim.Population(200, sim.IF_cond_exp())
    b = sim.Population(200, sim.IF_cond_exp())
    prj = sim.Projection(a, b, sim.FixedProbabilityConnector(0.1, rng=sim.NativeRNG(seed=2)),
                         sim.StaticSynapse(weight=0.001, delay=1.0))
    assert prj._native is not None  # engine-generated
    sim.run(1.0)
    n = prj.size()
    assert abs(n - 4000) < 5 * (40000 * 0.1 * 0.9) ** 0.5

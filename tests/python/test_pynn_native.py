"""myelin.pynn's native connectors (python/myelin/pynn/native.py): which connectors the
engine generates, statistical equivalence with PyNN's generic path, stable connections
across reset(), and weights read and written on a native projection."""

import math
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin.pynn as sim  # noqa: E402  (built by make build: missing fails, never skips)
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: E402
from pyNN.space import Grid2D, Space  # noqa: E402

from myelin.pynn import native  # noqa: E402

P_EXPR = "exp(-d**2/400.0)"


pytestmark = pytest.mark.usefixtures("pynn_sim")  # conftest: setup(0.1 ms), end


def grid(side):
    return sim.Population(side * side, sim.IF_cond_exp(),
                          structure=Grid2D(aspect_ratio=1.0, dx=1.0, dy=1.0))


def test_expression_translation_keeps_python_precedence():
    # Python's -d**2 is -(d**2)
    assert native.translate_expression(P_EXPR) == "exp(((-pow(d, 2.0)) / 400.0))"
    assert native.translate_expression("0.5 + 0.01*d") == "(0.5 + (0.01 * d))"
    assert native.translate_expression("d < 3 and d > 1") == "((d < 3.0) && (d > 1.0))"
    with pytest.raises(native.NotNative):
        native.translate_expression("numpy.exp(-d)")
    with pytest.raises(native.NotNative):
        native.translate_expression("x + d")


def test_which_connectors_are_native():
    a, b = grid(4), grid(4)
    rng = NumpyRNG(seed=1)
    uniform = RandomDistribution("uniform", low=0.001, high=0.002, rng=rng)
    native_ones = [
        (sim.AllToAllConnector(allow_self_connections=False), sim.StaticSynapse(weight=0.01)),
        (sim.FixedProbabilityConnector(0.3, rng=rng), sim.StaticSynapse(weight=uniform)),
        (sim.FixedNumberPreConnector(3, rng=rng), sim.StaticSynapse(weight=0.01, delay=0.5)),
        (sim.DistanceDependentProbabilityConnector(P_EXPR, rng=rng),
         sim.StaticSynapse(weight=0.01, delay="0.5 + 0.01*d")),
    ]
    for connector, synapse in native_ones:
        prj = sim.Projection(a, b, connector, synapse)
        assert prj._native is not None, type(connector).__name__
    prj = sim.Projection(a, a, sim.FixedProbabilityConnector(
        0.3, allow_self_connections="NoMutual", rng=rng), sim.StaticSynapse(weight=0.01))
    assert prj._native is None
    generic_ones = [
        (sim.FixedProbabilityConnector(0.3, rng=rng),  # a normal weight may change sign
         sim.StaticSynapse(weight=RandomDistribution("normal", mu=0.01, sigma=0.001, rng=rng))),
        (sim.FixedProbabilityConnector(0.3, rng=rng),
         sim.StaticSynapse(weight=lambda d: 0.01 * d)),
        (sim.FromListConnector([(0, 1)]), sim.StaticSynapse(weight=0.01)),
    ]
    for connector, synapse in generic_ones:
        prj = sim.Projection(a, b, connector, synapse)
        assert prj._native is None, type(connector).__name__
    class ScriptedRNG(NumpyRNG):  # a generator of the script's own: its numbers count
        pass
    scripted = sim.Projection(a, b, sim.FixedProbabilityConnector(0.3, rng=ScriptedRNG(seed=1)),
                              sim.StaticSynapse(weight=0.01))
    assert scripted._native is None
    scripted_weight = sim.Projection(a, b, sim.FixedProbabilityConnector(0.3, rng=rng),
                                     sim.StaticSynapse(weight=RandomDistribution(
                                         "uniform", low=0.0, high=0.1, rng=ScriptedRNG(seed=1))))
    assert scripted_weight._native is None
    periodic = sim.Projection(a, b, sim.DistanceDependentProbabilityConnector(P_EXPR, rng=rng),
                              sim.StaticSynapse(weight=0.01),
                              space=Space(periodic_boundaries=((0, 4), (0, 4), None)))
    assert periodic._native is None
    sim.setup(timestep=0.1, native_connectors=False)
    a = grid(3)
    prj = sim.Projection(a, a, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01))
    assert prj._native is None


def test_given_delays_and_expression_weights_are_kept_as_given_before_the_run():
    sim.setup(timestep=0.1, min_delay=0.123)
    a = sim.Population(4, sim.IF_cond_exp())  # on a line, 1 um apart
    prj = sim.Projection(a, a, sim.AllToAllConnector(safe=False),
                         sim.StaticSynapse(weight="d+100", delay="0.2+2*d"))
    assert prj._native is not None
    rows = prj.get(["weight", "delay"], format="list")
    assert (3, 0, 103.0, 6.2) in rows and (1, 1, 100.0, 0.2) in rows and len(rows) == 16
    plain = sim.Projection(a, a, sim.FixedProbabilityConnector(1.0), sim.StaticSynapse())
    assert plain._native is not None
    assert set(d for _, _, d in plain.get(["delay"], format="list")) == {0.123}


def band_counts(prj, pre, post, edges):
    pre_i, post_i = np.asarray(prj.get(["weight"], format="list", with_address=True))[:, :2].T
    d = np.linalg.norm(pre.positions.T[pre_i.astype(int)] - post.positions.T[post_i.astype(int)],
                       axis=1)
    return np.histogram(d, edges)[0]


def test_distance_dependent_native_and_generic_are_statistically_equivalent():
    side = 24
    edges = np.array([0.0, 5.0, 10.0, 15.0, 20.0, 30.0])
    counts = {}
    for flag in (True, False):
        sim.setup(timestep=0.1, native_connectors=flag)
        a = grid(side)
        prj = sim.Projection(a, a, sim.DistanceDependentProbabilityConnector(
            P_EXPR, allow_self_connections=False, rng=NumpyRNG(seed=7)),
            sim.StaticSynapse(weight=0.01))
        assert (prj._native is not None) == flag
        counts[flag] = band_counts(prj, a, a, edges)
        pairs_i, pairs_j = np.meshgrid(np.arange(a.size), np.arange(a.size), indexing="ij")
        d = np.linalg.norm(a.positions.T[pairs_i.ravel()] - a.positions.T[pairs_j.ravel()],
                           axis=1)
        p = np.exp(-d ** 2 / 400.0)
        p[pairs_i.ravel() == pairs_j.ravel()] = 0.0
        band = np.digitize(d, edges) - 1
        expected = np.array([p[band == k].sum() for k in range(edges.size - 1)])
        sd = np.sqrt(np.array([(p * (1 - p))[band == k].sum() for k in range(edges.size - 1)]))
        # each band within 5 binomial standard deviations of its expectation
        assert np.all(np.abs(counts[flag] - expected) <= 5 * sd + 1), (flag, counts, expected)
    assert counts[True].sum() > 1000


def test_fixed_probability_total_within_binomial_tolerance():
    a = sim.Population(300, sim.IF_cond_exp())
    b = sim.Population(200, sim.IF_cond_exp())
    prj = sim.Projection(a, b, sim.FixedProbabilityConnector(0.05, rng=NumpyRNG(seed=3)),
                         sim.StaticSynapse(weight=0.01, delay=1.0))
    assert prj._native is not None
    n = 300 * 200
    assert abs(len(prj) - 0.05 * n) <= 5 * math.sqrt(n * 0.05 * 0.95)
    pairs = set(zip(*np.asarray(prj.get("weight", format="list", with_address=True))[:, :2].T
                    .astype(int)))
    assert len(pairs) == len(prj)  # no duplicate pairs


def test_fixed_number_pre_gives_each_post_cell_n_inputs():
    a, b = sim.Population(50, sim.IF_cond_exp()), sim.Population(20, sim.IF_cond_exp())
    prj = sim.Projection(a, b, sim.FixedNumberPreConnector(7, rng=NumpyRNG(seed=3)),
                         sim.StaticSynapse(weight=0.01))
    assert prj._native is not None
    post = np.asarray(prj.get("weight", format="list", with_address=True))[:, 1].astype(int)
    assert np.array_equal(np.bincount(post, minlength=20), np.full(20, 7))


def test_get_and_set_weights_of_a_native_projection():
    a = sim.Population(40, sim.SpikeSourcePoisson(rate=50.0))
    b = sim.Population(30, sim.IF_cond_exp())
    w = RandomDistribution("uniform", low=0.001, high=0.002, rng=NumpyRNG(seed=1))
    prj = sim.Projection(a, b, sim.FixedProbabilityConnector(0.5, rng=NumpyRNG(seed=2)),
                         sim.StaticSynapse(weight=w, delay="0.5 + 0.1*d"),
                         receptor_type="excitatory")
    assert prj._native is not None
    sim.run(5.0)
    weights = np.asarray(prj.get("weight", format="list", with_address=False))
    assert weights.size == len(prj) and weights.size > 400
    assert weights.min() >= 0.001 and weights.max() <= 0.002
    assert np.unique(weights).size > weights.size // 2  # drawn per connection
    i, j, delays = np.asarray(prj.get("delay", format="list", with_address=True)).T
    d = np.linalg.norm(a.positions.T[i.astype(int)] - b.positions.T[j.astype(int)], axis=1)
    assert np.allclose(delays, np.round((0.5 + 0.1 * d) / 0.1) * 0.1)  # on the step grid
    assert delays.max() > 3.0
    prj.set(weight=0.0035)
    assert np.allclose(prj.get("weight", format="list", with_address=False), 0.0035)
    matrix = prj.get("weight", format="array")
    assert np.count_nonzero(~np.isnan(matrix)) == len(prj)
    sim.run(5.0)
    assert np.allclose(prj.get("weight", format="list", with_address=False), 0.0035)
    sim.reset()
    sim.run(1.0)
    assert np.allclose(prj.get("weight", format="list", with_address=False), 0.0035)


def test_connections_stay_the_same_across_reset_when_another_is_read():
    a, b = grid(10), grid(8)
    both = a + b
    rng = NumpyRNG(seed=5)
    first = sim.Projection(a, both, sim.DistanceDependentProbabilityConnector(P_EXPR, rng=rng),
                           sim.StaticSynapse(weight=0.01))
    second = sim.Projection(b, both, sim.FixedProbabilityConnector(0.2, rng=rng),
                            sim.StaticSynapse(weight=0.02))
    sim.run(1.0)
    n_first = len(first)  # read: `first` is from now on described by its connections
    sim.reset()
    sim.run(1.0)
    assert second._native is not None
    pairs = np.asarray(second.get("weight", format="list", with_address=True))[:, :2]
    sim.reset()
    sim.run(1.0)
    again = np.asarray(second.get("weight", format="list", with_address=True))[:, :2]
    assert len(first) == n_first
    assert np.array_equal(pairs, again)
    # the connections of `second` are those of a build where `first` was never read
    sim.setup(timestep=0.1)
    a, b = grid(10), grid(8)
    both = a + b
    sim.Projection(a, both, sim.DistanceDependentProbabilityConnector(P_EXPR, rng=rng),
                   sim.StaticSynapse(weight=0.01))
    second = sim.Projection(b, both, sim.FixedProbabilityConnector(0.2, rng=rng),
                            sim.StaticSynapse(weight=0.02))
    fresh = np.asarray(second.get("weight", format="list", with_address=True))[:, :2]
    assert np.array_equal(pairs, fresh)


def test_size_of_a_native_projection_counts_without_reading_it():
    """len() of an engine-generated projection after the build comes from the engine's
    count (no 17M-connection read); it equals the number of connections then read."""
    a = sim.Population(300, sim.IF_cond_exp())
    b = sim.Population(200, sim.IF_cond_exp())
    prj = sim.Projection(a, b, sim.FixedProbabilityConnector(0.1),
                         sim.StaticSynapse(weight=0.001, delay=1.0))
    sim.run(1.0)
    assert prj._native is not None
    n = prj.size()
    assert prj._native is not None  # counted, not read
    assert abs(n - 6000) < 5 * (60000 * 0.1 * 0.9) ** 0.5
    assert len(prj.get("weight", format="list")) == n  # now read: the same number


def test_connection_objects_of_a_native_projection_read_and_write_the_engines_values():
    # Projection.connections used to fail on a native projection (its connections not yet
    # read), and each Connection read the whole projection (18k reads took 127 s).
    a = sim.Population(60, sim.IF_curr_exp())
    b = sim.Population(60, sim.IF_curr_exp())
    prj = sim.Projection(a, b, sim.FixedProbabilityConnector(0.3, rng=sim.NativeRNG(3)),
                         sim.StaticSynapse(weight=0.1, delay=1.0))
    sim.run(5.0)
    conns = prj.connections
    assert len(conns) == len(prj) > 0
    listed = prj.get(["weight"], format="list", with_address=True)
    assert sorted((c.presynaptic_index, c.postsynaptic_index) for c in conns) == \
        sorted((int(i), int(j)) for i, j, _ in listed)
    assert all(c.weight == pytest.approx(0.1) for c in conns)
    # A write through one Connection is seen by the next read (the read cache is keyed
    # by the edits), and reaches the engine: the weights as the engine holds them.
    conns[7].weight = 0.35
    assert conns[7].weight == pytest.approx(0.35)
    assert sum(c.weight for c in prj.connections) == pytest.approx(0.1 * len(conns) + 0.25)
    sim.run(5.0)
    assert prj.connections[7].weight == pytest.approx(0.35)

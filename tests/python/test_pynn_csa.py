"""PyNN's CSAConnector on myelin.pynn (Debian's python3-csa): the connection-set algebra's
masks become exactly the projection's connections."""
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin.pynn as sim  # noqa: E402
csa = pytest.importorskip("csa", reason="python3-csa (scripts/deps.sh installs it)")


pytestmark = pytest.mark.usefixtures("pynn_sim")  # conftest: setup(0.1 ms), end


def test_one_to_one_mask_gives_exactly_the_diagonal():
    a = sim.Population(20, sim.IF_cond_exp())
    b = sim.Population(20, sim.IF_cond_exp())
    p = sim.Projection(a, b, sim.CSAConnector(csa.oneToOne),
                       sim.StaticSynapse(weight=0.01, delay=1.0))
    sim.run(5.0)
    rows = sorted(p.get(["weight", "delay"], format="list"))
    assert [(int(i), int(j)) for i, j, _, _ in rows] == [(k, k) for k in range(20)]
    assert all(w == pytest.approx(0.01) and d == pytest.approx(1.0) for _, _, w, d in rows)


def test_random_mask_count_is_binomial_and_drives_the_targets():
    a = sim.Population(40, sim.SpikeSourceArray(spike_times=[2.0]))
    b = sim.Population(40, sim.IF_curr_exp())
    p = sim.Projection(a, b, sim.CSAConnector(csa.random(0.25)),
                       sim.StaticSynapse(weight=0.05, delay=1.0))
    n = len(p)
    assert abs(n - 400) < 5 * np.sqrt(1600 * 0.25 * 0.75), n  # 5 sd of Binomial(1600, 1/4)
    b.record("v")
    sim.run(10.0)
    v = b.get_data().segments[0].analogsignals[0]
    inputs = np.bincount([int(j) for _, j, _ in p.get("weight", format="list")], minlength=40)
    # Below threshold the membrane is linear: each cell's depolarisation at 10 ms is its
    # number of inputs times that of one input (all spike at 2 ms, 1 ms delay).
    dv = np.asarray(v[-1]).ravel() - (-65.0)
    per_input = dv[inputs > 0] / inputs[inputs > 0]
    assert per_input[0] > 0.01
    assert np.allclose(per_input, per_input[0], rtol=1e-9)
    assert np.all(dv[inputs == 0] == 0.0)

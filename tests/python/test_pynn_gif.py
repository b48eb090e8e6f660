"""GIF_cond_exp through myelin.pynn: the ArrayParameters, recording i_eta and v_t against
closed forms, and the deterministic regime against pyNN.neuron.

The comparison runs tests/validation/pynn_scripts/gif_cells.py on both backends (dt
0.01 ms, 300 ms, three cells with delta_v = 1e-6 mV, so that spiking is deterministic).
pyNN.neuron 0.10.1 records no spikes of this type (net_event is commented out in its
gif.mod), so the spikes are read off the traces as the upward jumps of i_eta and v_t.
Measured (2026-12-07): the same number of jumps in every cell (4, 3, 28); pyNN.neuron's
come later by up to 0.12 ms (DC cells) and 0.27 ms (synaptic drive): its mechanism
resets one step after the step whose draw fired, and its WATCH sees the draw one step
late; i_eta after each jump within 3.9e-4 nA and v_t within 0.019 mV. Tolerances are
about twice these. pyNN.neuron's NMODL is compiled by scripts/pynn_neuron.sh; the
comparison is skipped, with the reason, where that fails.
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin.pynn as sim  # noqa: E402
from pyNN import errors  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "tests", "validation", "pynn_scripts", "gif_cells.py")
PYTHON = "/usr/bin/python3"

TAU_ETA, A_ETA = (1.0, 10.0, 100.0), (0.05, 0.02, 0.01)
TAU_GAMMA, A_GAMMA = (2.0, 20.0, 200.0), (4.0, 2.0, 1.0)


@pytest.fixture
def gif_sim():
    sim.setup(timestep=0.1)
    yield sim
    sim.end()


def test_array_parameters_get_set_and_length_checked(gif_sim):
    p = sim.Population(3, sim.GIF_cond_exp(a_eta=[(0.1, 0.2, 0.3), (0.0, 0.0, 0.0),
                                                  (1.0, 2.0, 3.0)], delta_v=[0.5, 1.0, 2.0]))
    a_eta = p.get("a_eta")
    assert [list(x.value) for x in a_eta] == [[0.1, 0.2, 0.3], [0.0, 0.0, 0.0],
                                              [1.0, 2.0, 3.0]]
    assert list(p.get("tau_eta").value) == [1.0, 10.0, 100.0]  # PyNN's default, simplified
    assert list(p.get("delta_v")) == [0.5, 1.0, 2.0]
    p[1:2].set(tau_gamma=(5.0, 6.0, 7.0))
    assert [list(x.value) for x in p.get("tau_gamma")] == [[1.0, 10.0, 100.0], [5.0, 6.0, 7.0],
                                                           [1.0, 10.0, 100.0]]
    with pytest.raises(errors.InvalidParameterValueError, match="a_gamma: 3 values"):
        p.set(a_gamma=(1.0, 2.0))


def _driven_cell(**extra):
    """One deterministic GIF cell (delta_v 1e-4 mV, lambda0 1e6 Hz) under 4 nA of DC."""
    cell = sim.Population(1, sim.GIF_cond_exp(
        tau_eta=TAU_ETA, a_eta=A_ETA, tau_gamma=TAU_GAMMA, a_gamma=A_GAMMA, delta_v=1e-4,
        lambda0=1e6, tau_refrac=2.0, v_t_star=-55.0, **extra))
    sim.DCSource(amplitude=4.0, start=0.0).inject_into(cell)
    cell.record(["spikes", "i_eta", "v_t"])
    return cell


def _kernel_sums(t, spikes, taus, amps, base=0.0):
    out = np.full(t.size, base)
    for tj in spikes:
        after = t >= tj - 1e-9
        for tau, a in zip(taus, amps):
            out[after] += a * np.exp(-(t[after] - tj) / tau)
    return out


def test_recorded_i_eta_and_v_t_are_sums_over_spikes(gif_sim):
    cell = _driven_cell()
    sim.run(300.0)
    seg = cell.get_data().segments[0]
    spikes = np.asarray(seg.spiketrains[0].magnitude)
    assert spikes.size > 10
    i_eta, v_t = seg.filter(name="i_eta")[0], seg.filter(name="v_t")[0]
    assert str(i_eta.units.dimensionality) == "nA" and str(v_t.units.dimensionality) == "mV"
    t = np.asarray(i_eta.times.rescale("ms").magnitude)
    np.testing.assert_allclose(i_eta.magnitude[:, 0], _kernel_sums(t, spikes, TAU_ETA, A_ETA),
                               atol=1e-10)
    np.testing.assert_allclose(v_t.magnitude[:, 0],
                               _kernel_sums(t, spikes, TAU_GAMMA, A_GAMMA, -55.0), atol=1e-10)


def test_set_between_runs_reaches_the_engine(gif_sim):
    # a_gamma set to zero after 100 ms: no further threshold jumps, so from the last spike
    # before 100 ms on v_t only decays; the intervals, which grew while the threshold
    # adapted (5.5 to 9.0 ms), now shrink (8.6 to 6.7 ms) as it relaxes.
    cell = _driven_cell()
    sim.run(100.0)
    cell.set(a_gamma=(0.0, 0.0, 0.0))
    sim.run(100.0)
    seg = cell.get_data().segments[0]
    spikes = np.asarray(seg.spiketrains[0].magnitude)
    early, late = spikes[spikes <= 100.0], spikes[spikes > 100.0]
    v_t = seg.filter(name="v_t")[0]
    t = np.asarray(v_t.times.rescale("ms").magnitude)
    np.testing.assert_allclose(v_t.magnitude[:, 0],
                               _kernel_sums(t, early, TAU_GAMMA, A_GAMMA, -55.0), atol=1e-10)
    assert np.diff(early)[-1] > np.diff(early)[0] + 2.0
    assert np.diff(late)[-1] < np.diff(late)[0] - 1.0


def test_initialize_v_and_accept_v_t(gif_sim):
    cell = sim.Population(2, sim.GIF_cond_exp(v_t_star=0.0))
    cell.initialize(v=[-70.0, -60.0], v_t=-50.0, i_eta=0.0)
    cell.record("v")
    sim.run(1.0)
    v = cell.get_data().segments[0].filter(name="v")[0].magnitude
    np.testing.assert_allclose(v[0], [-70.0, -60.0])
    # relaxing towards v_rest = -65 with tau_m = 20 ms
    np.testing.assert_allclose(v[-1], -65.0 + np.array([-5.0, 5.0]) * np.exp(-1.0 / 20.0),
                               atol=1e-9)


def _backend_env(backend):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    if backend == "myelin.pynn":
        env["PYTHONPATH"] = str(BUILD / "python")
        return env, None
    r = subprocess.run([os.path.join(REPO, "scripts", "pynn_neuron.sh")], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return None, "scripts/pynn_neuron.sh failed: " + r.stderr.strip()[-300:]
    env["PYTHONPATH"] = r.stdout.strip().splitlines()[-1]
    return env, None


def _jumps(d, cell):
    ie, vt = d[cell + "/i_eta"], d[cell + "/v_t"]
    return np.nonzero((np.diff(ie) > 0.01) | (np.diff(vt) > 0.5))[0] + 1


def test_deterministic_regime_against_pynn_neuron():
    work = tempfile.mkdtemp(prefix="pynn_gif_")
    data = {}
    for backend in ("pyNN.neuron", "myelin.pynn"):
        env, why = _backend_env(backend)
        if env is None:
            pytest.skip(why)
        out = os.path.join(work, backend + ".npz")
        r = subprocess.run([PYTHON, SCRIPT, backend, out], env=env, cwd=work,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        data[backend] = np.load(out)
    ref, got = data["pyNN.neuron"], data["myelin.pynn"]
    t = got["t"]
    np.testing.assert_allclose(ref["t"], t)
    for cell, counts, t_tol in (("eta", 4, 0.25), ("gamma", 3, 0.25), ("syn", 28, 0.5)):
        jr, jg = _jumps(ref, cell), _jumps(got, cell)
        assert jr.size == counts and jg.size == counts, (cell, jr.size, jg.size)
        assert np.max(np.abs(t[jr] - t[jg])) <= t_tol, (cell, t[jr], t[jg])
        np.testing.assert_allclose(got[cell + "/i_eta"][jg], ref[cell + "/i_eta"][jr], atol=1e-3)
        np.testing.assert_allclose(got[cell + "/v_t"][jg], ref[cell + "/v_t"][jr], atol=0.05)

"""myelin.hnn.optimization (HNN-core 0.6's Optimizer and optimize_evoked; docs/hnn-python.md,
"Optimisation"): the Gaussian-process minimiser on known functions, COBYLA inside the
constraints, the objectives against hand computations, and small fits of an evoked
drive's timing on a 3x3 column that recover the parameters a target was made with."""
import sys
import warnings

import matplotlib
import numpy as np
import pytest
from scipy.optimize import rosen

from conftest import BUILD

matplotlib.use("Agg")
sys.path.insert(0, str(BUILD / "python"))
import myelin.hnn.optimization.objective_functions as objf  # noqa: E402
from myelin.hnn import jones_2009_model, simulate_dipole  # noqa: E402
from myelin.hnn.dipole import Dipole, _rmse  # noqa: E402
from myelin.hnn.optimization import (Optimizer, generate_opt_history_table,  # noqa: E402
                                     optimize_evoked)
from myelin.hnn.optimization.bayesian import (GaussianProcess, bayes_opt,  # noqa: E402
                                              expected_improvement)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TSTOP = 60.0
W_AMPA = {"L2_basket": 0.08831, "L2_pyramidal": 0.01525, "L5_basket": 0.19934,
          "L5_pyramidal": 0.00865}
DELAYS = {"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0}


# ---- the Gaussian-process minimiser ---------------------------------------------------------

def test_gp_posterior_equals_closed_form():
    X, y = np.array([[0.0], [1.0]]), np.array([2.0, -1.0])
    gp = GaussianProcess(alpha=0.0).fit(X, y)
    x = np.array([[0.5]])
    K = np.array([[1.0, np.exp(-0.5)], [np.exp(-0.5), 1.0]])
    k = np.exp(-0.5 * (x[0, 0] - X[:, 0]) ** 2)
    mean, std = gp.predict(x, return_std=True)
    assert mean[0] == pytest.approx(k @ np.linalg.solve(K, y), rel=1e-12)
    assert std[0] == pytest.approx(np.sqrt(1 - k @ np.linalg.solve(K, k)), rel=1e-12)
    m_train, s_train = gp.predict(X, return_std=True)
    np.testing.assert_allclose(m_train, y, atol=1e-12)
    np.testing.assert_allclose(s_train, 0.0, atol=1e-6)


def test_acquisition_is_expected_excess_over_best():
    gp = GaussianProcess().fit([[0.0], [2.0]], [1.0, 3.0])
    x = np.array([[0.5], [1.0], [5.0]])
    m, s = gp.predict(x, return_std=True)
    rng = np.random.default_rng(0)
    for mi, si, ai in zip(m, s, expected_improvement(gp, 1.0, x)):
        samples = rng.normal(mi, si, 400000)
        assert ai == pytest.approx(np.maximum(samples - 1.0, 0).mean(), abs=3e-3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gp_minimiser_finds_known_minima(seed):
    calls = []

    def f1(x):
        calls.append(x)
        return (x[0] - 0.7) ** 2

    x, fx = bayes_opt(f1, [-1.5], [(-2.0, 2.0)], maxfun=10, random_state=seed)
    assert len(calls) == 11 and calls[0] == [-1.5]
    assert abs(x[0] - 0.7) < 0.15 and fx == min((c[0] - 0.7) ** 2 for c in calls)

    def f2(x):
        return (x[0] - 0.5) ** 2 + 2 * (x[1] + 0.3) ** 2

    x, fx = bayes_opt(f2, [1.5, 1.5], [(-2.0, 2.0), (-2.0, 2.0)], maxfun=25,
                      random_state=seed)
    assert abs(x[0] - 0.5) < 0.05 and abs(x[1] + 0.3) < 0.05 and fx < 1e-3
    x, fx = bayes_opt(rosen, [0.5, 0.6], [(-1.0, 1.0), (-1.0, 1.0)], maxfun=50,
                      random_state=seed)
    assert np.hypot(x[0] - 1, x[1] - 1) < 0.05 and fx < 1e-3


# ---- solvers through Optimizer with an objective that simulates nothing --------------------

def quadratic_objective(centre):
    """A user objective in HNN-core's signature: sum (p - centre)^2 of the parameters,
    recording what it was called with."""
    seen = []

    def obj_fun(initial_net, initial_params, set_params, predicted_params, update_params,
                obj_values, tstop, obj_fun_kwargs, best=None):
        params = update_params(initial_params, predicted_params)
        seen.append(params)
        obj = float(sum((params[k] - centre[k]) ** 2 for k in centre))
        obj_values.append(obj)
        if best is not None and obj < best["obj"]:
            best.update(obj=obj, params=list(predicted_params))
        return obj
    return obj_fun, seen


def add_drive(net, params):
    net.add_evoked_drive("evprox", mu=params["mu"], sigma=params.get("sigma", 2.0),
                         numspikes=1, location="proximal", weights_ampa=W_AMPA,
                         synaptic_delays=DELAYS)


def test_cobyla_stays_inside_the_constraints():
    net = jones_2009_model(mesh_shape=(3, 3))
    constraints = {"mu": (20.0, 20.6), "sigma": (1.0, 3.0)}
    obj_fun, seen = quadratic_objective({"mu": 10.0, "sigma": 2.5})
    opt = Optimizer(net, tstop=TSTOP, constraints=constraints, set_params=add_drive,
                    initial_params={"mu": 20.5, "sigma": 1.5}, solver="cobyla",
                    obj_fun=obj_fun, max_iter=60)
    opt.fit()
    for p in seen:
        for k, (lo, hi) in constraints.items():
            assert lo <= p[k] <= hi
    assert opt.opt_params_[0] == pytest.approx(20.0, abs=1e-3)
    assert opt.opt_params_[1] == pytest.approx(2.5, abs=1e-3)
    assert len(opt.obj_) == 60 and opt.obj_ == sorted(opt.obj_, reverse=True)
    assert opt.obj_[-1] == pytest.approx(100.0, abs=0.05)
    drive = opt.net_.external_drives["evprox"]["dynamics"]
    assert (drive["mu"], drive["sigma"]) == tuple(opt.opt_params_)
    assert "evprox" not in net.external_drives


def test_bayesian_optimizer_calls_and_convergence():
    net = jones_2009_model(mesh_shape=(3, 3))
    obj_fun, seen = quadratic_objective({"mu": 21.0})
    np.random.seed(3)
    opt = Optimizer(net, tstop=TSTOP, constraints={"mu": (15.0, 25.0)}, set_params=add_drive,
                    obj_fun=obj_fun, max_iter=12)
    assert opt.initial_params == {"mu": 20.0}
    opt.fit()
    assert len(seen) == 13 and seen[0] == {"mu": 20.0}
    assert all(15.0 <= p["mu"] <= 25.0 for p in seen)
    values = [(p["mu"] - 21.0) ** 2 for p in seen]
    assert opt.obj_ == [min(values[:i]) for i in range(1, 13)]
    assert opt.opt_params_[0] == seen[int(np.argmin(values))]["mu"]
    assert abs(opt.opt_params_[0] - 21.0) < 0.2
    fig = opt.plot_convergence(show=False)
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), opt.obj_)
    assert "fit=True" in repr(opt)


def test_optimizer_errors_are_hnn_cores():
    net = jones_2009_model(mesh_shape=(3, 3))
    cons = {"mu": (15.0, 25.0)}
    with pytest.raises(ValueError, match="solver must be 'bayesian' or 'cobyla'"):
        Optimizer(net, TSTOP, cons, add_drive, solver="nelder")
    with pytest.raises(ValueError, match="'mu' with value 30.0 is out of bounds"):
        Optimizer(net, TSTOP, cons, add_drive, initial_params={"mu": 30.0})
    with pytest.raises(ValueError, match="keys of initial_params must match"):
        Optimizer(net, TSTOP, cons, add_drive, initial_params={"sigma": 2.0})
    with pytest.raises(ValueError, match="target must be specified"):
        Optimizer(net, TSTOP, cons, add_drive).fit()
    with pytest.raises(ValueError, match="f_bands and relative_bandpower"):
        Optimizer(net, TSTOP, cons, add_drive, obj_fun="maximize_psd").fit(f_bands=[(8, 12)])


# ---- the objectives against hand computations -----------------------------------------------

def fake_simulation(monkeypatch, dipoles):
    """simulate_dipole replaced by one returning copies of the given dipoles."""
    def fake(net, tstop, dt=0.025, n_trials=1):
        assert n_trials == len(dipoles)
        return [d.copy() for d in dipoles]
    monkeypatch.setattr(objf, "simulate_dipole", fake)


def test_dipole_rmse_objective_equals_hand_computation(monkeypatch):
    t = np.arange(0, 50.0 + 1e-9, 0.025)
    trial1 = np.stack([np.sin(t / 5), 0.3 * t / 50, np.cos(t / 7)], axis=1)
    trial2 = np.stack([np.cos(t / 3), -0.1 * t / 50, np.sin(t / 11)], axis=1)
    target_agg = 100 * np.exp(-((t - 25) / 5) ** 2)
    fake_simulation(monkeypatch, [Dipole(t, trial1), Dipole(t, trial2)])
    obj_values = []
    obj = objf._rmse_evoked(jones_2009_model(mesh_shape=(3, 3)), {"mu": 20.0}, add_drive,
                            [20.0], lambda i, p: {"mu": p[0]}, obj_values, 50.0,
                            {"target": Dipole(t, target_agg), "n_trials": 2,
                             "scale_factor": 30.0, "verbose": False})
    # mean of the scaled trials against the target, over every sample but the one at tstop
    hand = np.sqrt(np.mean((30 * (trial1[:-1, 0] + trial2[:-1, 0]) / 2
                            - target_agg[:-1]) ** 2))
    assert obj == pytest.approx(hand, rel=1e-13) and obj_values == [obj]
    assert obj == pytest.approx(_rmse(Dipole(t, 15 * (trial1[:, 0] + trial2[:, 0])),
                                      Dipole(t, target_agg), tstop=50.0), rel=1e-13)


def hand_periodogram(x, fs):
    """One-sided PSD with a Hamming window after removing the mean (scipy's defaults)."""
    n = len(x)
    w = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(n) / n)   # periodic Hamming (DFT-even)
    spec = np.abs(np.fft.rfft((x - x.mean()) * w)) ** 2 / (fs * (w ** 2).sum())
    spec[1:-1 if n % 2 == 0 else None] *= 2
    return np.fft.rfftfreq(n, 1 / fs), spec


def test_maximize_psd_objective_equals_hand_computation(monkeypatch):
    t = np.arange(0, 1000.0, 0.5)   # 1 s at 2 kHz: 1-Hz bins
    agg = 3 * np.sin(2 * np.pi * 10 * t / 1e3) + np.sin(2 * np.pi * 20 * t / 1e3) + \
        0.5 * np.sin(2 * np.pi * 47 * t / 1e3) + 0.01 * t / 1e3
    fake_simulation(monkeypatch, [Dipole(t, agg)])
    freqs, psd = hand_periodogram(agg, 2000.0)
    band = [psd[(freqs >= 9) & (freqs <= 11)].sum(), psd[(freqs >= 19) & (freqs <= 21)].sum()]
    kwargs = {"f_bands": [(9, 11), (19, 21)], "relative_bandpower": [1, 2], "verbose": False}
    obj = objf._maximize_psd(jones_2009_model(mesh_shape=(3, 3)), {"mu": 20.0}, add_drive,
                             [20.0], lambda i, p: {"mu": p[0]}, [], 1000.0, kwargs)
    assert obj == pytest.approx(-(band[0] + 2 * band[1]) / psd.sum(), rel=1e-12)
    assert -1.08 < obj < -1.06   # (9 + 2 * 1) / (9 + 1 + 0.25): the power's weighted share
    kwargs["relative_bandpower"] = 0.5
    obj = objf._maximize_psd(jones_2009_model(mesh_shape=(3, 3)), {"mu": 20.0}, add_drive,
                             [20.0], lambda i, p: {"mu": p[0]}, [], 1000.0, kwargs)
    assert obj == pytest.approx(-0.5 * sum(band) / psd.sum(), rel=1e-12)


# ---- fits on the 3x3 column -----------------------------------------------------------------

@pytest.fixture(scope="module")
def column():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        net = jones_2009_model(mesh_shape=(3, 3))
    target_net = net.copy()
    add_drive(target_net, {"mu": 20.0})
    target = simulate_dipole(target_net, tstop=TSTOP)[0].scale(3000).smooth(5)
    return net, target


def rmse_of(net, target):
    return _rmse(simulate_dipole(net, tstop=TSTOP)[0].scale(3000).smooth(5), target,
                 tstop=TSTOP)


def test_bayesian_fit_recovers_the_drive_time(column):
    net, target = column
    np.random.seed(0)
    opt = Optimizer(net, tstop=TSTOP, constraints={"mu": (15.0, 25.0)}, set_params=add_drive,
                    initial_params={"mu": 23.0}, max_iter=8)
    opt.fit(target=target, scale_factor=3000, smooth_window_len=5, verbose=False)
    assert opt.obj_[0] > 6.0   # the target's drive 3 ms earlier
    assert opt.obj_[-1] < 0.3 * opt.obj_[0]
    assert abs(opt.opt_params_[0] - 20.0) < 0.7
    assert rmse_of(opt.net_, target) == opt.obj_[-1]


def test_cobyla_fit_moves_towards_target_and_stops_at_bound(column):
    net, target = column
    opt = Optimizer(net, tstop=TSTOP, constraints={"mu": (20.4, 25.0)}, set_params=add_drive,
                    initial_params={"mu": 21.0}, solver="cobyla", max_iter=12)
    opt.fit(target=target, scale_factor=3000, smooth_window_len=5, verbose=False)
    assert opt.opt_params_[0] == pytest.approx(20.4, abs=1e-6)
    assert opt.obj_[-1] < 0.6 * opt.obj_[0]
    assert rmse_of(opt.net_, target) == opt.obj_[-1]


def test_legacy_optimize_evoked_reduces_rmse(column):
    net, target = column
    start = net.copy()
    add_drive(start, {"mu": 21.5, "sigma": 2.0})
    initial = simulate_dipole(start, tstop=TSTOP)[0].scale(3000).smooth(5)
    before = _rmse(initial, target, tstop=TSTOP)
    fitted, rmses = optimize_evoked(start, TSTOP, 1, target, initial, maxiter=12,
                                    scale_factor=3000, smooth_window_len=5, return_rmse=True)
    after = rmse_of(fitted, target)
    assert len(rmses) == 12 and after < 0.85 * before
    assert fitted.external_drives["evprox"]["dynamics"] != \
        start.external_drives["evprox"]["dynamics"]
    assert start.external_drives["evprox"]["dynamics"] == {"mu": 21.5, "sigma": 2.0,
                                                           "numspikes": 1}
    with pytest.raises(ValueError, match="lacks any evoked drives"):
        optimize_evoked(net, TSTOP, 1, target, initial)


def test_history_table_lists_parameters_and_objective():
    text = generate_opt_history_table(
        [{"initial_params": {"mu": 23.0}, "opt_params": [20.25], "obj_values": [7.5, 1.25],
          "solver": "bayesian", "obj_fun": "dipole_rmse", "max_iter": 2, "n_trials": 1,
          "target_data": "S1"}], "2026-12-07")
    assert "mu" in text and "-2.750000" in text and "-6.250000" in text
    assert "Target Dataset: S1" in text
    assert generate_opt_history_table([], "x").startswith("No optimization runs")


def test_tstop_between_steps_runs_to_the_nearest_step(column):
    """optimize_evoked.py takes tstop from data (169.826 ms); it runs to the nearest step."""
    net, _ = column
    net = net.copy()
    add_drive(net, {"mu": 5.0})
    odd = simulate_dipole(net, tstop=20.012)[0]
    whole = simulate_dipole(net, tstop=20.0)[0]
    assert odd.times[-1] == pytest.approx(20.0, abs=1e-9) and len(odd.times) == 801
    np.testing.assert_array_equal(odd.data["agg"], whole.data["agg"])

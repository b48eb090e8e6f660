"""HNN-core's Optimizer: fits parameters of a network's drives (or anything
``set_params`` changes) to a target dipole or a spectral goal, simulating on myelin.

    optim = Optimizer(net, tstop=170., constraints={'evprox_mu': (10., 40.)},
                      set_params=set_params, max_iter=50)
    optim.fit(target=dpl_experimental, n_trials=3, scale_factor=3000,
              smooth_window_len=30)
    optim.net_, optim.opt_params_, optim.obj_
"""
import numbers

import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import fmin_cobyla

from myelin.hnn.optimization.bayesian import bayes_opt, expected_improvement
from myelin.hnn.optimization.objective_functions import (_anticorr_evoked, _maximize_psd,
                                                         _rmse_evoked)
from myelin.hnn.viz import plt_show

_OBJECTIVES = {"dipole_rmse": _rmse_evoked, "maximize_psd": _maximize_psd,
               "dipole_corr": _anticorr_evoked}


class Optimizer:
    """Parameter optimisation (HNN-core 0.6's Optimizer).

    Parameters
    ----------
    initial_net : Network
        The network; every evaluation simulates a copy of it after ``set_params``.
    tstop : float
        Duration of each simulation (ms).
    constraints : dict
        ``{name: (lower, upper)}`` for every parameter to optimise.
    set_params : callable
        ``set_params(net, params)`` with ``params`` a dict by the constraints' names;
        changes ``net`` in place (typically adds the drives).
    initial_params : dict | None
        Starting values, by the constraints' names and within them; None: the midpoints.
    solver : 'bayesian' | 'cobyla'
        The Gaussian-process minimiser of optimization/bayesian.py, or SciPy's COBYLA.
    obj_fun : 'dipole_rmse' | 'maximize_psd' | 'dipole_corr' | callable
        The objective to minimise (optimization/objective_functions.py states the
        signature a callable must have).
    max_iter : int
        Calls of the objective: the Bayesian solver makes one at ``initial_params`` and
        ``max_iter`` more; COBYLA makes at most ``max_iter``.

    Attributes after ``fit``: ``net_`` (a copy of the network with the best parameters
    set), ``opt_params_`` (the best parameters, in the constraints' order), ``obj_`` (the
    lowest objective value after each of the first ``max_iter`` calls).
    """

    def __init__(self, initial_net, tstop, constraints, set_params, initial_params=None,
                 solver="bayesian", obj_fun="dipole_rmse", max_iter=200):
        self._initial_net = initial_net
        self.constraints = constraints
        self._set_params = set_params
        self.max_iter = max_iter
        if solver == "bayesian":
            self._assemble_constraints = _assemble_constraints_bayesian
            self._run_opt = _run_opt_bayesian
        elif solver == "cobyla":
            self._assemble_constraints = _assemble_constraints_cobyla
            self._run_opt = _run_opt_cobyla
        elif solver == "cma":
            raise ValueError("solver='cma' (HNN-core's CMA-ES through the cma package) is "
                             "not provided by myelin.hnn; use 'bayesian' or 'cobyla'")
        else:
            raise ValueError("solver must be 'bayesian' or 'cobyla'")
        self.solver = solver
        if isinstance(obj_fun, str):
            if obj_fun not in _OBJECTIVES:
                raise ValueError(f"obj_fun must be one of {sorted(_OBJECTIVES)} or a "
                                 f"callable; got {obj_fun!r}")
            self.obj_fun, self.obj_fun_name = _OBJECTIVES[obj_fun], obj_fun
        elif callable(obj_fun):
            self.obj_fun, self.obj_fun_name = obj_fun, None
        else:
            raise TypeError(f"obj_fun must be a str or a callable; got {type(obj_fun)}")
        for key, bounds in constraints.items():
            if len(bounds) != 2 or not bounds[0] <= bounds[1]:
                raise ValueError(f"constraints['{key}'] must be (lower, upper) with lower "
                                 f"<= upper; got {bounds}")
        if initial_params is None:
            self.initial_params = _get_initial_params(constraints)
        else:
            _check_initial_params(initial_params, constraints)
            self.initial_params = initial_params
        self.tstop = tstop
        self.net_ = None
        self.obj_ = list()
        self.opt_params_ = None

    def __repr__(self):
        return (f"<{type(self).__name__}\nsolver={self.solver}\n"
                f"fit={self.net_ is not None}>")

    def fit(self, **obj_fun_kwargs):
        """Runs the optimisation. Keyword arguments go to the objective: ``target``
        (a Dipole; 'dipole_rmse', 'dipole_corr'), ``n_trials`` (trials averaged per
        evaluation, default 1; 'maximize_psd' uses 1), ``f_bands`` (list of (low, high)
        Hz) and ``relative_bandpower`` (weights; 'maximize_psd'), ``scale_factor`` and
        ``smooth_window_len`` (applied to every trial's dipole, in that order, before
        the comparison; none by default), ``dt`` (ms, default 0.025), ``verbose``
        (a line per evaluation, default True)."""
        obj_fun_kwargs.setdefault("n_trials", 1)
        if self.obj_fun_name in ("dipole_rmse", "dipole_corr"):
            if "target" not in obj_fun_kwargs:
                raise ValueError("target must be specified")
        elif self.obj_fun_name == "maximize_psd":
            if "f_bands" not in obj_fun_kwargs or "relative_bandpower" not in obj_fun_kwargs:
                raise ValueError("f_bands and relative_bandpower must be specified")
            if obj_fun_kwargs["n_trials"] > 1:
                print("Optimizer: obj_fun='maximize_psd' uses one trial; n_trials ignored")
                obj_fun_kwargs["n_trials"] = 1
        opt_params, obj, net_ = self._run_opt(
            self._initial_net, self.tstop, self._assemble_constraints(self.constraints),
            self._set_params, self.initial_params, self.obj_fun, self.max_iter,
            obj_fun_kwargs)
        self.net_ = net_
        self.obj_ = obj
        self.opt_params_ = opt_params

    def plot_convergence(self, ax=None, show=True):
        """The lowest objective value against the number of calls; returns the
        figure."""
        if ax is None:
            fig, ax = plt.subplots(constrained_layout=True)
        ax.plot(np.arange(1, len(self.obj_) + 1), self.obj_, color="black")
        ax.set_ylim(min(self.obj_) - 0.01, max(self.obj_) + 0.01)
        ax.set_title("Convergence")
        ax.set_xlabel("Number of calls")
        ax.set_ylabel("Objective value")
        ax.grid(visible=True)
        plt_show(show)
        return ax.get_figure()


def _check_initial_params(initial_params, constraints):
    if not isinstance(initial_params, dict):
        raise TypeError(f"initial_params must be an instance of dict, got "
                        f"{type(initial_params)} instead.")
    if set(initial_params) != set(constraints):
        raise ValueError("The keys of initial_params must match the keys of constraints.")
    for key, val in initial_params.items():
        if not isinstance(val, numbers.Real) or isinstance(val, bool):
            raise TypeError(f"initial_params['{key}'] must be an int or float, got "
                            f"{type(val)} instead.")
        lo, hi = constraints[key]
        if not lo <= val <= hi:
            raise ValueError(f"Initial parameter '{key}' with value {val} is out of bounds "
                             f"{constraints[key]}.")


def _get_initial_params(constraints):
    """The midpoint of every parameter's range."""
    return {key: (lo + hi) / 2 for key, (lo, hi) in constraints.items()}


def _update_params(initial_params, predicted_params):
    """The solver's parameter vector as a dict by the names of initial_params."""
    return {name: predicted_params[idx] for idx, name in enumerate(initial_params)}


def _assemble_constraints_bayesian(constraints):
    """The box as a list of (lower, upper)."""
    return [tuple(map(float, bounds)) for bounds in constraints.values()]


class _CobylaConstraints(list):
    """COBYLA's constraint functions, with the box they describe (``lows``, ``highs``)."""


def _assemble_constraints_cobyla(constraints):
    """COBYLA's inequality constraints c(x) >= 0: upper - x_i and x_i - lower for every
    parameter i."""
    cons = _CobylaConstraints()
    cons.lows = np.array([float(lo) for lo, _ in constraints.values()])
    cons.highs = np.array([float(hi) for _, hi in constraints.values()])
    for idx, (lo, hi) in enumerate(constraints.values()):
        cons.append(lambda x, idx=idx, hi=float(hi): hi - x[idx])
        cons.append(lambda x, idx=idx, lo=float(lo): x[idx] - lo)
    return cons


def _running_min(obj_values, max_iter):
    """The lowest value after each of the first max_iter calls (the last one repeated
    when the solver stopped earlier)."""
    return [float(np.min(obj_values[:idx])) for idx in range(1, max_iter + 1)]


def _optimized_net(initial_net, set_params, initial_params, opt_params):
    net_ = initial_net.copy()
    set_params(net_, _update_params(initial_params, opt_params))
    return net_


def _run_opt_bayesian(initial_net, tstop, constraints, set_params, initial_params, obj_fun,
                      max_iter, obj_fun_kwargs):
    """Gaussian-process minimisation (bayesian.bayes_opt) inside the box."""
    obj_values = []

    def _obj_func(predicted_params):
        return obj_fun(initial_net=initial_net, initial_params=initial_params,
                       set_params=set_params, predicted_params=predicted_params,
                       update_params=_update_params, obj_values=obj_values, tstop=tstop,
                       obj_fun_kwargs=obj_fun_kwargs)

    opt_params, _ = bayes_opt(func=_obj_func, x0=list(initial_params.values()),
                              cons=constraints, acquisition=expected_improvement,
                              maxfun=max_iter)
    return (opt_params, _running_min(obj_values, max_iter),
            _optimized_net(initial_net, set_params, initial_params, opt_params))


def _run_opt_cobyla(initial_net, tstop, constraints, set_params, initial_params, obj_fun,
                    max_iter, obj_fun_kwargs):
    """SciPy's COBYLA (rhobeg 0.1, rhoend 1e-4 in the parameters' units, as HNN-core).
    COBYLA may try points slightly outside the constraints; each is clipped to the box
    before it is simulated, so every simulation and the result respect them."""
    obj_values = []
    best = {"obj": np.inf, "params": None}

    def _obj_func(predicted_params):
        clipped = np.clip(np.asarray(predicted_params, dtype=float), constraints.lows,
                          constraints.highs)
        return obj_fun(initial_net=initial_net, initial_params=initial_params,
                       set_params=set_params, predicted_params=clipped.tolist(),
                       update_params=_update_params, obj_values=obj_values, tstop=tstop,
                       obj_fun_kwargs=obj_fun_kwargs, best=best)

    fmin_cobyla(_obj_func, x0=list(initial_params.values()), cons=constraints, rhobeg=0.1,
                rhoend=1e-4, maxfun=max_iter, catol=0.0)
    opt_params = best["params"]
    return (opt_params, _running_min(obj_values, max_iter),
            _optimized_net(initial_net, set_params, initial_params, opt_params))


def generate_opt_history_table(opt_results, report_timestamp):
    """A plain-text report of optimisation runs (HNN-core's GUI keeps one per session).

    ``opt_results`` is a list of dicts with ``initial_params`` (dict), ``opt_params``
    (list, in the same order), ``obj_values`` (list), ``solver``, ``obj_fun``,
    ``max_iter`` and optionally ``target_data`` and ``n_trials`` (dipole_rmse) or
    ``psd_f_bands`` and ``psd_relative_bandpower`` (maximize_psd); ``report_timestamp``
    is printed in the heading. Per run: the settings, each parameter's initial and final
    value and change, and the objective's values with their total change."""
    if not opt_results:
        return "No optimization runs have been completed yet."
    rule = "=" * 100
    lines = [rule, "OPTIMIZATION HISTORY", f"Generated: {report_timestamp}", rule, ""]
    for run, res in enumerate(opt_results, start=1):
        obj_fun = res.get("obj_fun", "unknown")
        lines += [f"Run #{run}", "-" * 100, f"Solver: {res.get('solver', 'N/A')}",
                  f"Objective Function: {obj_fun}",
                  f"Max Iterations: {res.get('max_iter', 'N/A')}"]
        if obj_fun == "dipole_rmse" and "target_data" in res:
            lines.append(f"Target Dataset: {res['target_data']}")
            if "n_trials" in res:
                lines.append(f"Number of Trials: {res['n_trials']}")
        if obj_fun == "maximize_psd" and "psd_f_bands" in res:
            for i, ((lo, hi), w) in enumerate(zip(res["psd_f_bands"],
                                                  res["psd_relative_bandpower"]), start=1):
                lines.append(f"  Frequency Band {i}: {lo:.1f}-{hi:.1f} Hz (weight: {w:.3f})")
        lines += ["", f"{'Parameter':<40} {'Initial Value':>15} {'Final Value':>15} "
                  f"{'Change':>15}", "-" * 100]
        for name, final in zip(res["initial_params"], res["opt_params"]):
            initial = res["initial_params"][name]
            lines.append(f"{name:<40} {initial:>15.6f} {final:>15.6f} "
                         f"{final - initial:>+15.6f}")
        lines += ["", f"Objective Function ({obj_fun}) Values:"]
        lines += [f"  Iteration {i}: {v:>15.6f}" for i, v in enumerate(res["obj_values"])]
        lines += [f"Total Change:  {res['obj_values'][-1] - res['obj_values'][0]:>+15.6f}",
                  "", rule, ""]
    return "\n".join(lines)

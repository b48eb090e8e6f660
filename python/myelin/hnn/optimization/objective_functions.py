"""HNN-core's objective functions for Optimizer: each simulates the network with the
parameters the solver proposes and returns one number to minimise.

Every objective has HNN-core's signature (a user's own ``obj_fun`` has it too)::

    obj_fun(initial_net, initial_params, set_params, predicted_params, update_params,
            obj_values, tstop, obj_fun_kwargs, best=None) -> float

It copies ``initial_net``, applies ``set_params(net, update_params(initial_params,
predicted_params))``, simulates with ``simulate_dipole`` (under the backend of the
caller's ``with`` block), scales then smooths each trial's dipole as ``obj_fun_kwargs``
asks (``scale_factor``, ``smooth_window_len``), appends its value to ``obj_values`` and,
when ``best`` is given (COBYLA), keeps the lowest value and its parameters there.
"""
import numbers

import numpy as np
from scipy.signal import periodogram

from myelin.hnn.dipole import _anticorr, _rmse, average_dipoles
from myelin.hnn.simulate import simulate_dipole


def _preprocess_dipole(dpls, obj_fun_kwargs):
    """Scales, then smooths, every dipole in place as obj_fun_kwargs asks."""
    for dpl in dpls:
        if obj_fun_kwargs.get("scale_factor") is not None:
            dpl.scale(obj_fun_kwargs["scale_factor"])
        if obj_fun_kwargs.get("smooth_window_len") is not None:
            dpl.smooth(obj_fun_kwargs["smooth_window_len"])
    return dpls


def _simulate(initial_net, initial_params, set_params, predicted_params, update_params,
              tstop, obj_fun_kwargs, n_trials):
    """The preprocessed dipoles of the network with the proposed parameters."""
    if np.ndim(predicted_params) != 1:
        raise ValueError(f"predicted_params must be one parameter vector; got shape "
                         f"{np.shape(predicted_params)}")
    net = initial_net.copy()
    set_params(net, update_params(initial_params, predicted_params))
    dpls = simulate_dipole(net, tstop=tstop, dt=obj_fun_kwargs.get("dt", 0.025),
                           n_trials=n_trials)
    return _preprocess_dipole(dpls, obj_fun_kwargs)


def _record(obj, predicted_params, obj_values, best, obj_fun_kwargs):
    obj = float(obj)
    obj_values.append(obj)
    if best is not None and obj < best["obj"]:
        best["obj"] = obj
        best["params"] = list(predicted_params)
    if obj_fun_kwargs.get("verbose", True):
        print(f"objective call {len(obj_values)}: {obj:.6g} (lowest {min(obj_values):.6g})")
    return obj


def _get_relative_power(dpl, obj_fun_kwargs):
    """-sum_i c_i P(band_i) / P(all): the weighted share of the aggregate dipole's power
    in the bands ``f_bands`` (Hz, inclusive limits), from scipy's periodogram with a
    Hamming window; ``relative_bandpower`` gives the weights c_i (one number: the same
    for every band)."""
    f_bands = obj_fun_kwargs["f_bands"]
    weights = obj_fun_kwargs["relative_bandpower"]
    if isinstance(weights, numbers.Real):
        weights = [weights] * len(f_bands)
    elif len(weights) != len(f_bands):
        raise ValueError("Length of relative_bandpower must match length of f_bands.")
    freqs, psd = periodogram(dpl.data["agg"], dpl.sfreq, window="hamming")
    band_power = [c * psd[(freqs >= lo) & (freqs <= hi)].sum()
                  for c, (lo, hi) in zip(weights, f_bands)]
    return -sum(band_power) / psd.sum()


def _rmse_evoked(initial_net, initial_params, set_params, predicted_params, update_params,
                 obj_values, tstop, obj_fun_kwargs, best=None):
    """RMSE of the trial-averaged aggregate dipole against ``obj_fun_kwargs['target']``
    from 0 to tstop (dipole.rmse: the longer trace resampled to the shorter's length),
    over ``n_trials`` trials (default 1)."""
    dpls = _simulate(initial_net, initial_params, set_params, predicted_params, update_params,
                     tstop, obj_fun_kwargs, obj_fun_kwargs.get("n_trials", 1))
    obj = _rmse(average_dipoles(dpls), obj_fun_kwargs["target"], tstop=tstop)
    return _record(obj, predicted_params, obj_values, best, obj_fun_kwargs)


def _anticorr_evoked(initial_net, initial_params, set_params, predicted_params,
                     update_params, obj_values, tstop, obj_fun_kwargs, best=None):
    """1 - Pearson correlation of the trial-averaged aggregate dipole with the target."""
    dpls = _simulate(initial_net, initial_params, set_params, predicted_params, update_params,
                     tstop, obj_fun_kwargs, obj_fun_kwargs.get("n_trials", 1))
    obj = _anticorr(average_dipoles(dpls), obj_fun_kwargs["target"], tstop=tstop)
    return _record(obj, predicted_params, obj_values, best, obj_fun_kwargs)


def _maximize_psd(initial_net, initial_params, set_params, predicted_params, update_params,
                  obj_values, tstop, obj_fun_kwargs, best=None):
    """-sum_i c_i P(band_i) / P(all) of one trial's dipole (_get_relative_power): lowest
    when the power lies in the chosen bands in the chosen proportions."""
    dpls = _simulate(initial_net, initial_params, set_params, predicted_params, update_params,
                     tstop, obj_fun_kwargs, 1)
    obj = _get_relative_power(dpls[0], obj_fun_kwargs)
    return _record(obj, predicted_params, obj_values, best, obj_fun_kwargs)

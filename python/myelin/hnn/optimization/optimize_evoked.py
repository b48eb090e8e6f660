"""HNN-core's legacy ``optimize_evoked``: fits the timing (mu, sigma) and synaptic weights
of a network's evoked drives to a target dipole, in steps ("chunks") of drives close in
time, each with COBYLA on a weighted RMSE, then all together on the plain RMSE (the
procedure of HNN's GUI, Jones et al.).

For each optimised drive with mean mu and deviation sigma (0 taken as 0.01):

- ranges: sigma +- sigma_range_multiplier %, mu within sigma * timing_range_multiplier
  (inside [0, tstop]), every weight +- synweight_range_multiplier % (a weight of 0 may
  grow to 1); lower limits are at least 0. Parameters are named ``<drive>_mu``,
  ``<drive>_sigma`` and ``<drive>_gbar_<receptor>_<cell type>``;
- weights over time: the normal CDF at the range's start with the drive's sigma, minus
  decay_multiplier * (mu_j - mu) / tstop times the CDF of every later drive j, clipped at
  0; the drive's window runs from the earlier of its range's start and where this weight
  first exceeds 0.01 to the later of its range's end and where it last does;
- chunks: drives sorted by their ranges' start; one whose start is not after the
  previous chunk's end joins that chunk (windows merged, weights averaged); with more
  than one chunk a last one holds every parameter, weighs all times 1 and ends at the
  latest window end.

Each chunk is minimised by COBYLA (rhobeg 0.1, rhoend 1e-4, ``maxiter`` calls, at least
12) on the weighted RMSE over the chunk's window of the trial-averaged dipole (each trial
scaled by ``scale_factor``, then smoothed). A chunk's best evaluation is kept when its
RMSE from 0 to tstop is no higher than the best so far. Parameters are changed in place
on a copy of ``net`` (drive dynamics and the weights of its connections), so drive gids,
seeds and every other setting stay as they were.
"""
from math import ceil, floor

import numpy as np
import scipy.stats as stats
from scipy.optimize import fmin_cobyla

from myelin.hnn.dipole import _rmse, average_dipoles
from myelin.hnn.network import pick_connection
from myelin.hnn.simulate import simulate_dipole


def _range(val, multiplier):
    return {"initial": val, "minval": max(0.0, val - val * multiplier / 100.0),
            "maxval": val + val * multiplier / 100.0}


def _drive_params(net, name, tstop, sigma_mult, timing_mult, synweight_mult):
    """The ranges of one drive's parameters and the drive's time window."""
    dyn = net.external_drives[name]["dynamics"]
    mu, sigma = float(dyn["mu"]), float(dyn["sigma"]) or 0.01
    start = max(0.0, mu - sigma * timing_mult)
    end = min(tstop, mu + sigma * timing_mult)
    ranges = {f"{name}_sigma": _range(sigma, sigma_mult),
              f"{name}_mu": {"initial": mu, "minval": start, "maxval": end}}
    for idx in pick_connection(net, src_gids=name):
        conn = net.connectivity[idx]
        weight = float(conn["nc_dict"]["A_weight"])
        r = _range(weight, synweight_mult)
        if weight == 0.0:
            r["minval"], r["maxval"] = 0.0, 1.0
        ranges[f"{name}_gbar_{conn['receptor']}_{conn['target_type']}"] = r
    return {"mu": mu, "sigma": sigma, "start": start, "end": end, "ranges": ranges}


def _add_weights(drives, tstop, dt, decay_multiplier):
    """Each drive's weight over time and its optimisation window (see the module)."""
    times = np.linspace(0, tstop, ceil(tstop / dt) + 1)
    cdf = {n: stats.norm.cdf(times, d["start"], d["sigma"]) for n, d in drives.items()}
    for name, d in drives.items():
        w = cdf[name].copy()
        for other, o in drives.items():
            if other != name and o["mu"] >= d["mu"]:
                w -= cdf[other] * decay_multiplier * (o["mu"] - d["mu"]) / tstop
        np.clip(w, 0.0, None, out=w)
        above = times[w > 0.01]
        d["weights"] = w
        d["opt_start"] = floor(min(d["start"], above[0]) / dt) * dt
        d["opt_end"] = ceil(max(d["end"], above[-1]) / dt) * dt


def _chunks(drives):
    """Drives grouped into chunks, plus the final chunk of everything (see the
    module)."""
    chunks = []
    for name, d in sorted(drives.items(), key=lambda item: item[1]["start"]):
        if chunks and d["start"] <= chunks[-1]["end"]:
            c = chunks[-1]
            c["inputs"].append(name)
            c["end"] = d["end"]
            c["ranges"].update(d["ranges"])
            c["opt_end"] = max(c["opt_end"], d["opt_end"])
            c["weights"] = (c["weights"] + d["weights"]) / 2
        else:
            chunks.append({"inputs": [name], "end": d["end"], "ranges": dict(d["ranges"]),
                           "opt_start": d["opt_start"], "opt_end": d["opt_end"],
                           "weights": d["weights"].copy()})
    if len(chunks) > 1:
        chunks.append({"inputs": [n for c in chunks for n in c["inputs"]],
                       "ranges": {k: v for c in chunks for k, v in c["ranges"].items()},
                       "opt_start": 0.0, "opt_end": max(c["opt_end"] for c in chunks),
                       "weights": np.ones_like(chunks[-1]["weights"])})
    return chunks


def _apply(net, values):
    """Sets ``<drive>_mu``, ``_sigma`` and ``_gbar_<receptor>_<type>`` on net in place
    (negative values from COBYLA's steps clipped to 0)."""
    for key, val in values.items():
        val = max(0.0, float(val))
        for name, drive in net.external_drives.items():
            if key in (f"{name}_mu", f"{name}_sigma"):
                drive["dynamics"][key[len(name) + 1:]] = val
            elif key.startswith(f"{name}_gbar_"):
                receptor, target = key[len(name) + 6:].split("_", 1)
                for idx in pick_connection(net, src_gids=name, receptor=receptor):
                    if net.connectivity[idx]["target_type"] == target:
                        net.connectivity[idx]["nc_dict"]["A_weight"] = val


def optimize_evoked(net, tstop, n_trials, target_dpl, initial_dpl, maxiter=50,
                    timing_range_multiplier=3.0, sigma_range_multiplier=50.0,
                    synweight_range_multiplier=500.0, decay_multiplier=1.6,
                    scale_factor=1.0, smooth_window_len=None, dt=0.025, which_drives="all",
                    return_rmse=False):
    """Optimises the evoked drives of ``net`` (all, or those named in ``which_drives``)
    so that its trial-averaged dipole matches ``target_dpl`` (see the module for the
    procedure). ``initial_dpl`` is the network's dipole before optimisation (scaled and
    smoothed like the target). Returns the optimised copy of the network and, with
    ``return_rmse``, the unweighted RMSE (from the chunk's start to tstop) of every
    simulation."""
    net = net.copy()
    evoked = [n for n, d in net.external_drives.items() if d["type"] == "evoked"]
    if not evoked:
        raise ValueError("The current Network instance lacks any evoked drives. Consider "
                         "adding drives using net.add_evoked_drive")
    names = evoked if which_drives == "all" else \
        [n for n in np.unique(which_drives) if n in evoked]
    if not names:
        raise ValueError("The drives selected to be optimized are not evoked drives. "
                         "Optimization works only evoked drives.")
    drives = {n: _drive_params(net, n, tstop, sigma_range_multiplier,
                               timing_range_multiplier, synweight_range_multiplier)
              for n in names}
    _add_weights(drives, tstop, dt, decay_multiplier)
    chunks = _chunks(drives)
    best_rmse = _rmse(initial_dpl, target_dpl, tstop=tstop)
    print(f"optimize_evoked: initial RMSE {best_rmse:.4g}")
    iter_rmse = []
    if maxiter == 0:
        print("optimize_evoked: maxiter=0, nothing to optimise")
    elif maxiter < 12:
        print("optimize_evoked: maxiter must be at least 12 for COBYLA; using 12")
        maxiter = 12
    for step, chunk in enumerate(chunks if maxiter else []):
        keys = list(chunk["ranges"])
        current = {k: chunk["ranges"][k]["initial"] for k in keys}
        trial_net = net.copy()
        found = {"rmse": np.inf}

        def run(x):
            values = dict(zip(keys, x))
            _apply(trial_net, values)
            dpls = simulate_dipole(trial_net, tstop=tstop, dt=dt, n_trials=n_trials)
            for dpl in dpls:
                dpl.scale(scale_factor)
                if smooth_window_len is not None:
                    dpl.smooth(smooth_window_len)
            avg = average_dipoles(dpls)
            err = _rmse(avg, target_dpl, tstart=chunk["opt_start"], tstop=chunk["opt_end"],
                        weights=chunk["weights"])
            if return_rmse:
                iter_rmse.append(_rmse(avg, target_dpl, tstart=chunk["opt_start"],
                                       tstop=tstop))
            if err < found["rmse"]:
                found.update(rmse=err, values=values, total=_rmse(avg, target_dpl,
                                                                  tstop=tstop))
            print(f"optimize_evoked: step {step + 1}/{len(chunks)}, weighted RMSE "
                  f"{err:.4g} over [{chunk['opt_start']:.3f}, {chunk['opt_end']:.3f}] ms")
            return err

        cons = []
        for idx, key in enumerate(keys):
            r = chunk["ranges"][key]
            cons.append(lambda x, idx=idx, hi=r["maxval"]: hi - x[idx])
            cons.append(lambda x, idx=idx, lo=r["minval"]: x[idx] - lo)
        fmin_cobyla(run, x0=[current[k] for k in keys], cons=cons, rhobeg=0.1, rhoend=1e-4,
                    maxfun=maxiter, catol=0.0)
        if found["total"] <= best_rmse:
            best_rmse = found["total"]
            _apply(net, found["values"])
            for c in chunks:
                for k, v in found["values"].items():
                    if k in c["ranges"]:
                        c["ranges"][k]["initial"] = max(0.0, float(v))
    print(f"optimize_evoked: final RMSE {best_rmse:.4g}")
    return (net, iter_rmse) if return_rmse else net

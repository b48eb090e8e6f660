"""HNN-core's own realisation of a network's drives, for comparing with its outputs.

By default myelin's engine draws every drive's spike times from its own streams (the
same statistics, other draws; docs/hnn-python.md). With the environment variable
MYELIN_HNN_DRIVE_TIMES=hnn_core, simulate_dipole and BatchSimulate give each drive cell
the times hnn-core 0.6 draws instead: NumPy's RandomState(seed + k) for the drive's k-th
cell and RandomState(seed) for a bursty drive's start, seed = event_seed + trial_idx x
(the network's number of gids), the evoked/gaussian, Poisson and bursty recipes of
hnn-core's drives, times kept in (0, tstop] and sorted. A script then reproduces
hnn-core's figures, not only their statistics.
"""
import os

import numpy as np

ENV = "MYELIN_HNN_DRIVE_TIMES"


def wanted():
    """Whether drives take hnn-core's realisation (MYELIN_HNN_DRIVE_TIMES=hnn_core)."""
    value = os.environ.get(ENV, "")
    if value not in ("", "myelin", "hnn_core"):
        raise ValueError(f"{ENV} must be 'hnn_core' or 'myelin', got '{value}'")
    return value == "hnn_core"


def _poisson(t0, stop, rate, prng):
    # (add_poisson_drive has checked t0, stop and rate)
    times, t = [], t0
    while t < stop:
        t += prng.exponential(1.0 / rate) * 1000.0
        if t < stop:
            times.append(t)
    return np.array(times)


def _bursty(dyn, stop, prng, prng2):
    t0 = dyn["tstart"]
    if dyn["tstart_std"] > 0.0:
        t0 = prng2.normal(t0, dyn["tstart_std"])
    period = 1000.0 / dyn["burst_rate"]
    centres = prng.normal(np.arange(t0, stop, period), dyn["burst_std"])
    n = dyn["numspikes"]
    if n > 1:  # the burst's spikes centred on its time
        offsets = (np.arange(n) - (n - 1) / 2) * dyn["spike_isi"]
        centres = np.ravel([centres + off for off in offsets])
    return centres


def _cell_times(kind, dyn, target_type, seed, k, tstop):
    prng = np.random.RandomState(seed + k)
    stop = tstop if dyn.get("tstop") is None else dyn["tstop"]
    times = np.array([])
    if kind == "poisson":
        rate = dyn["rate_constant"]
        if target_type != "any" and isinstance(rate, dict):
            rate = rate.get(target_type)
        if rate is not None:
            times = _poisson(dyn["tstart"], stop, rate, prng)
    elif kind in ("evoked", "gaussian"):
        times = prng.normal(dyn["mu"], dyn["sigma"], dyn["numspikes"])
    elif kind == "bursty":
        times = _bursty(dyn, stop, prng, np.random.RandomState(seed))  # the burst start's
    times = times[(times > 0) & (times <= tstop)]
    times.sort()
    return times.tolist()


def event_times(net, name, trial_idx, tstop):
    """hnn-core's spike times of drive `name`'s cells in trial `trial_idx`: one list
    per drive cell, in gid order."""
    drive = net.external_drives[name]
    gids = net.gid_ranges[name]
    n_gids = max(r.stop for r in net.gid_ranges.values())
    seed = int(drive["event_seed"]) + trial_idx * n_gids
    targets = {}
    if drive["cell_specific"]:
        for conn in net.connectivity:
            if conn["src_type"] == name:
                for src in conn["gid_pairs"]:
                    targets[src] = conn["target_type"]
    return [_cell_times(drive["type"], drive["dynamics"], targets.get(gid, "any"), seed,
                        gid - gids.start, tstop) for gid in gids]

"""simulate_dipole and HNN-core's parallel backends on myelin's engine.

Every trial is one myelin simulation of the Network's model (compile.to_model) with the
drives' event seeds + the trial index. Trials run side by side on threads of this
process (the engine releases the GIL), each simulation on one or more engine threads:
no subprocess, no pickling. MPIBackend and JoblibBackend only say how many workers to
use; under `mpirun -np N python script.py` every simulation is distributed over the N
ranks instead and rank 0's results are handed to every rank.
"""
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from myelin import _core
from myelin.hnn.compile import to_model

_BACKEND = None


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class JoblibBackend:
    """HNN-core's JoblibBackend(n_jobs=1): trials run n_jobs at a time (threads of
    this process)."""

    def __init__(self, n_jobs=1):
        self.n_jobs = n_jobs

    @property
    def _workers(self):
        return _cores() if self.n_jobs in (None, -1) else max(1, int(self.n_jobs))

    def __enter__(self):
        global _BACKEND
        self._old_backend = _BACKEND
        _BACKEND = self
        return self

    def __exit__(self, type, value, traceback):
        global _BACKEND
        _BACKEND = self._old_backend


class MPIBackend(JoblibBackend):
    """HNN-core's MPIBackend(n_procs=None, mpi_cmd='mpiexec', ...): one trial is
    simulated by n_procs engine threads (trials n_procs at a time when there are more);
    no MPI program is started. Started by mpirun, the script itself runs on MPI."""

    def __init__(self, n_procs=None, mpi_cmd="mpiexec", use_hwthreading_if_found=True,
                 sensible_default_cores=True, override_hwthreading_option=None,
                 override_oversubscribe_option=None):
        super().__init__(n_jobs=_cores() if n_procs is None else n_procs)
        self.n_procs = self.n_jobs
        self.mpi_cmd = mpi_cmd


def _layout(n_runs, workers):
    """(runs at a time, engine threads per run) for `workers` cores."""
    at_once = max(1, min(n_runs, workers))
    return at_once, max(1, workers // at_once)


def _run_one(model, threads, record_vsec):
    sim = _core.Simulation(model, threads=threads)
    sim.run(model["tstop"])
    dip = sim.hnn_dipoles()
    out = {"dipole": dip, "spikes": {}, "vsoma": None}
    for pop in [p["label"] for p in model["populations"]] + \
            [d["label"] for d in model["drives"] if d["type"] != "tonic"]:
        out["spikes"][pop] = sim.spikes(pop)
    traces = sim.traces() if any(r["variables"] != ["spikes"] for r in model["recorders"]) \
        else []
    out["vsoma"] = {t["population"]: t for t in traces if t["variable"] == "v"} or None
    out["sections"] = [t for t in traces if t["variable"] != "v"]
    out["rec_arrays"] = {a["label"]: sim.electrode_array(a["label"])
                         for a in model.get("electrode_arrays", [])}
    return out


def _broadcast(results):
    """Rank 0's results on every rank (under mpirun)."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError("myelin.hnn under mpirun hands rank 0's results to every rank "
                          "with mpi4py, which is not installed (apt install python3-mpi4py)"
                          ) from e
    return MPI.COMM_WORLD.bcast(results if _core.mpi_rank() == 0 else None, root=0)


def run_models(models, workers=1, record_vsec=False):
    """Simulates each model dict, `workers` cores in all; per model a dict with the
    engine's 'dipole' (Simulation.hnn_dipoles), 'spikes' {population: (ids, times)} and
    'vsoma' traces when asked."""
    if _core.mpi_size() > 1:  # every rank makes the same calls; runs one at a time
        results = [_run_one(m, 1, record_vsec) for m in models]
        return _broadcast(results)
    at_once, threads = _layout(len(models), workers)
    if at_once == 1:
        return [_run_one(m, threads, record_vsec) for m in models]
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(lambda m: _run_one(m, threads, record_vsec), models))


def _dipole(result, dt):
    from myelin.hnn.dipole import Dipole
    d = result["dipole"]
    n = len(d["agg"])
    layers = dict(zip(d["layers"], d["layer"]))
    zero = np.zeros(n)
    data = np.column_stack([d["agg"], layers.get("L2", zero), layers.get("L5", zero)])
    return Dipole(np.arange(n) * dt, data)


def _cell_response(net, results, dt, tstop, record_vsec, record_isec=False, record_ca=False):
    from myelin.hnn.cell_response import CellResponse
    times, gids, types = [], [], []
    for r in results:
        t_all, g_all, ty_all = [], [], []
        for pop, (ids, t) in r["spikes"].items():
            first = net.gid_ranges[pop][0]
            t_all.append(t)
            g_all.append(ids + first)
            ty_all.extend([pop] * len(t))
        t_all = np.concatenate(t_all) if t_all else np.array([])
        g_all = np.concatenate(g_all) if g_all else np.array([], dtype=np.int64)
        order = np.argsort(t_all, kind="stable")
        times.append(t_all[order].tolist())
        gids.append(g_all[order].tolist())
        types.append([ty_all[i] for i in order])
    n = int(round(tstop / dt)) + 1
    resp = CellResponse(spike_times=times, spike_gids=gids, spike_types=types,
                        times=np.arange(n) * dt, cell_type_names=list(net.cell_types))
    section_of = {name: {syn["name"]: syn["section"]
                         for syn in cell["cell_object"]._template["synapses"]}
                  for name, cell in net.cell_types.items()}
    for r in results:
        # HNN-core's layout: vsec and ca gid -> {section: trace}, isec gid -> {section:
        # {synapse: trace}} (synapse names like 'soma_gabaa').
        vsec, isec, ca = {}, {}, {}
        for pop, tr in (r.get("vsoma") or {}).items():
            first = net.gid_ranges[pop][0]
            for col, idx in enumerate(tr["ids"]):
                vsec[int(first + idx)] = {"soma": tr["values"][:, col].copy()}
        for tr in r.get("sections", []):
            pop, var = tr["population"], tr["variable"]
            first = net.gid_ranges[pop][0]
            for col, idx in enumerate(tr["ids"]):
                gid, x = int(first + idx), tr["values"][:, col].copy()
                if var.startswith("v_"):
                    vsec.setdefault(gid, {})[var[2:]] = x
                elif var.startswith("cai_"):
                    ca.setdefault(gid, {})[var[4:]] = x
                elif var.startswith("i_"):
                    syn = var[2:]
                    isec.setdefault(gid, {}).setdefault(section_of[pop][syn], {})[syn] = x
        if record_vsec:
            resp.vsec.append(vsec)
        if record_isec:
            resp.isec.append(isec)
        if record_ca:
            resp.ca.append(ca)
    return resp


def _prepare(net, tstop, dt, n_trials, record_vsec, record_isec):
    if tstop is None:
        tstop = net._params.get("tstop")
        if tstop is None:
            raise TypeError("simulate_dipole() missing required argument: 'tstop'")
    if n_trials is None:
        n_trials = net._params.get("N_trials", 1)
        net._params["N_trials"] = n_trials
    if n_trials < 1:
        raise ValueError("Invalid number of simulations: %d" % n_trials)
    if not net.connectivity:
        warnings.warn("No connections instantiated in network. Consider using net = "
                      "jones_2009_model() or net = law_2021_model() to create a predefined "
                      "network from published models.", UserWarning, stacklevel=3)
    if not net.external_drives and not net.external_biases:
        warnings.warn("No external drives or biases loaded", UserWarning, stacklevel=3)
    for opt, value in (("record_vsec", record_vsec), ("record_isec", record_isec)):
        if value not in ("all", "soma", False):
            raise ValueError(f"Invalid value for the '{opt}' parameter. Allowed values are "
                             f"'all', 'soma' and False, but got {value!r} instead.")
    return float(tstop), int(n_trials)


def simulate_dipole(net, tstop=None, dt=0.025, n_trials=None, record_vsec=False,
                    record_isec=False, record_ca=False, postproc=False, verbose=True):
    """Simulates `net` n_trials times and returns one Dipole per trial [nAm]; fills
    net.cell_response. tstop [ms] defaults to the params' 'tstop'; one that is not a
    whole number of steps of dt is taken to the nearest step. postproc (deprecated in
    HNN-core): smooth by params' dipole_smooth_win [ms] and scale by dipole_scalefctr."""
    tstop, n_trials = _prepare(net, tstop, dt, n_trials, record_vsec, record_isec)
    steps = round(tstop / dt)
    if abs(tstop / dt - steps) > 1e-6 * max(1.0, steps):
        # HNN-core's examples take tstop from data (e.g. 169.826 ms), which NEURON's
        # fixed step accepts; the engine runs whole steps.
        tstop = steps * dt
    if record_ca not in ("all", "soma", False):
        raise ValueError(f"Invalid value for the 'record_ca' parameter. Allowed values are "
                         f"'all', 'soma' and False, but got {record_ca!r} instead.")
    if postproc:
        warnings.warn("The postproc-argument is deprecated and will be removed in a future "
                      "release of hnn-core. Please define smoothing and scaling explicitly "
                      "using Dipole methods.", DeprecationWarning, stacklevel=2)
    for drive in net.external_drives.values():
        if "tstop" in drive["dynamics"] and drive["dynamics"]["tstop"] is None:
            drive["dynamics"]["tstop"] = tstop
    models = [to_model(net, tstop, dt, k, record_vsec, record_isec, record_ca)
              for k in range(n_trials)]
    backend = _BACKEND or JoblibBackend(n_jobs=1)
    if verbose and _core.mpi_rank() == 0:
        print(f"myelin: simulating {n_trials} trial{'s' if n_trials > 1 else ''} of "
              f"{tstop:g} ms on {backend._workers} core(s)")
    results = run_models(models, backend._workers, record_vsec)
    net._tstop, net._dt = tstop, dt
    dpls = [_dipole(r, dt) for r in results]
    if postproc:
        window, factor = net._params["dipole_smooth_win"], net._params["dipole_scalefctr"]
        for d in dpls:
            if window > 0:
                d.smooth(window_len=window)
            d.scale(factor)
    net.cell_response = _cell_response(net, results, dt, tstop, record_vsec, record_isec,
                                       record_ca)
    for name, arr in net.rec_arrays.items():  # (n_trials, n_electrodes, n_times) [uV]
        arr._data = np.array([r["rec_arrays"][name] for r in results])
        arr._times = np.arange(arr._data.shape[-1]) * dt
    return dpls

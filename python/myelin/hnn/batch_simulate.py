"""BatchSimulate: HNN-core's parameter sweeps. set_params changes a copy of the network
in Python for each parameter set; the resulting models run side by side on threads of
this process (n_jobs at a time; no subprocess, no pickling), and results come back as
HNN-core returns them. With save_outputs=True every finished simulation is also kept
in save_folder at once, so an interrupted run() called again finishes only the rest."""
import itertools
import inspect
import os
import sys
import time

import numpy as np

from myelin.hnn.compile import to_model
from myelin.hnn.network import Network, _check_option, _validate_type
from myelin.hnn.simulate import _cell_response, _cores, _dipole, _prepare, run_models


def _takes_net_first(set_params):
    """Whether set_params is written as set_params(net, param_values): hnn-core 0.6
    calls set_params(param_values, net), later versions the other way round; the name
    of the first argument tells which a script was written for."""
    try:
        names = list(inspect.signature(set_params).parameters)
    except (TypeError, ValueError):
        return False
    return bool(names) and names[0] == "net"


class BatchSimulate:
    """BatchSimulate(set_params, net=None (neymotin_2020_model()), tstop=170, dt=0.025,
    n_trials=1, save_folder='./sim_results', batch_size=100, overwrite=True,
    save_outputs=False, save_dpl=True, save_spiking=False, save_lfp=False,
    save_voltages=False, save_currents=False, save_calcium=False, record_vsec=False,
    record_isec=False, postproc=False, clear_cache=False, summary_func=None)

    set_params(param_values, net) (hnn-core 0.5, 0.6) or set_params(net, param_values)
    (hnn-core after 0.6: a function whose first argument is named `net`) changes `net`
    (a copy of the given network) for one parameter set; summary_func(results) maps a
    batch's results to summaries."""

    def __init__(self, set_params, net=None, tstop=170, dt=0.025, n_trials=1,
                 save_folder="./sim_results", batch_size=100, overwrite=True,
                 save_outputs=False, save_dpl=True, save_spiking=False, save_lfp=False,
                 save_voltages=False, save_currents=False, save_calcium=False,
                 record_vsec=False, record_isec=False, postproc=False, clear_cache=False,
                 summary_func=None):
        if net is None:
            from myelin.hnn.network_models import neymotin_2020_model
            net = neymotin_2020_model()
        _validate_type(net, Network, "net", "Network")
        _validate_type(tstop, (int, float), "tstop", "numeric")
        _validate_type(dt, (int, float), "dt", "numeric")
        _validate_type(n_trials, int, "n_trials", "int")
        _validate_type(save_folder, (str, os.PathLike), "save_folder", "path-like")
        _validate_type(batch_size, int, "batch_size", "int")
        for name, value in (("save_outputs", save_outputs), ("save_dpl", save_dpl),
                            ("save_spiking", save_spiking), ("save_lfp", save_lfp),
                            ("save_voltages", save_voltages), ("save_currents", save_currents),
                            ("save_calcium", save_calcium), ("clear_cache", clear_cache)):
            _validate_type(value, bool, name, "bool")
        _check_option("record_vsec", record_vsec, ["all", "soma", False])
        _check_option("record_isec", record_isec, ["all", "soma", False])
        if set_params is not None and not callable(set_params):
            raise TypeError("set_params must be a callable function")
        if summary_func is not None and not callable(summary_func):
            raise TypeError("summary_func must be a callable function")
        if save_lfp or save_currents or save_calcium:
            raise ValueError("save_lfp, save_currents, save_calcium: myelin.hnn records "
                             "dipoles, spikes and soma voltages (allowed: False)")
        self.set_params, self.net, self.tstop, self.dt = set_params, net, tstop, dt
        self._net_first = _takes_net_first(set_params)
        self.n_trials, self.save_folder, self.batch_size = n_trials, save_folder, batch_size
        self.overwrite, self.save_outputs, self.save_dpl = overwrite, save_outputs, save_dpl
        self.save_spiking, self.save_lfp = save_spiking, save_lfp
        self.save_voltages, self.save_currents = save_voltages, save_currents
        self.save_calcium = save_calcium
        self.record_vsec, self.record_isec = record_vsec, record_isec
        self.postproc, self.clear_cache, self.summary_func = postproc, clear_cache, summary_func
        self._verbose = True

    def run(self, param_grid, return_output=True, combinations=True, n_jobs=1,
            backend="loky", verbose=True, clear_cache=None, summary_func=None):
        """Simulates every parameter set of param_grid ({name: values}; every
        combination, or with combinations=False the k-th value of each) and returns
        {'summary_statistics': [per batch], 'simulated_data': [per batch: [dict(net,
        param_values, dpl, ...)]]} as HNN-core does. n_jobs simulations at a time
        (-1: one per core); backend is accepted for compatibility (threads either way)."""
        _validate_type(param_grid, dict, "param_grid", "dict")
        _validate_type(n_jobs, int, "n_jobs", "int")
        _check_option("backend", backend, ["loky", "threading", "multiprocessing", "dask"])
        clear_cache = self.clear_cache if clear_cache is None else clear_cache
        summary_func = summary_func or self.summary_func
        self._verbose = bool(verbose)
        combos = self._generate_param_combinations(param_grid, combinations)
        total = len(combos)
        size = min(self.batch_size, total)
        workers = _cores() if n_jobs == -1 else max(1, min(n_jobs, _cores()))
        results, simulated = [], []
        start_time = time.monotonic()
        for start in range(0, total, size):
            end = min(start + size, total)
            batch = self.simulate_batch(combos[start:end], n_jobs=workers, backend=backend,
                                        _index=(start, end))
            if self._verbose:
                sys.stderr.write(f"[myelin.hnn] {end}/{total} simulations, "
                                 f"{time.monotonic() - start_time:.1f} s\n")
            if self.save_outputs:
                self._save(batch, start, end)
            if summary_func is not None:
                results.append(summary_func(batch))
                if not clear_cache:
                    simulated.append(batch)
            elif return_output and not clear_cache:
                simulated.append(batch)
        if return_output:
            if clear_cache:
                return {"summary_statistics": results}
            return {"summary_statistics": results, "simulated_data": simulated}

    def simulate_batch(self, param_combinations, n_jobs=1, backend="loky", _index=None):
        """Simulates a list of parameter sets, n_jobs at a time; one result dict each."""
        _validate_type(param_combinations, list, "param_combinations", "list")
        tstop, n_trials = float(self.tstop), int(self.n_trials)
        nets, done, todo = [], {}, []
        for k, values in enumerate(param_combinations):
            net = self.net.copy()
            if self._net_first:
                self.set_params(net, values)
            else:
                self.set_params(values, net)
            nets.append(net)
            saved = self._load_run(_index, k, values) if _index else None
            if saved is not None:
                done[k] = saved
            else:
                todo.append(k)
        models = []
        for k in todo:
            _prepare(nets[k], tstop, self.dt, n_trials, self.record_vsec, self.record_isec)
            for drive in nets[k].external_drives.values():
                if "tstop" in drive["dynamics"] and drive["dynamics"]["tstop"] is None:
                    drive["dynamics"]["tstop"] = tstop
            models.extend(to_model(nets[k], tstop, self.dt, t, self.record_vsec, self.record_isec)
                          for t in range(n_trials))
        # In chunks of a few runs per worker, so that each chunk's runs are kept on disk
        # before the next start (an interrupted batch loses at most one chunk).
        chunk = max(1, n_jobs) * 4 * n_trials
        raw = {}
        for c in range(0, len(models), chunk):
            out = run_models(models[c:c + chunk], workers=n_jobs, record_vsec=self.record_vsec)
            for j in range(0, len(out), n_trials):
                k = todo[(c + j) // n_trials]
                raw[k] = out[j:j + n_trials]
                if _index and self.save_outputs:
                    self._save_run(_index, k, param_combinations[k], raw[k])
        return [self._result(nets[k], param_combinations[k], raw.get(k), done.get(k))
                for k in range(len(param_combinations))]

    def _result(self, net, values, raw, saved):
        res = {"net": net, "param_values": values}
        if raw is None:  # kept by an earlier, interrupted run()
            raw = saved
        dpls = [_dipole(r, self.dt) for r in raw]
        if self.postproc:
            window, factor = net._params["dipole_smooth_win"], net._params["dipole_scalefctr"]
            for d in dpls:
                if window > 0:
                    d.smooth(window_len=window)
                d.scale(factor)
        if self.save_dpl:
            res["dpl"] = dpls
        if all("spikes" in r for r in raw):
            net.cell_response = _cell_response(net, raw, self.dt, float(self.tstop),
                                               self.record_vsec, self.record_isec)
            if self.save_spiking:
                res["spiking"] = {"spike_times": net.cell_response.spike_times,
                                  "spike_types": net.cell_response.spike_types,
                                  "spike_gids": net.cell_response.spike_gids}
            if self.save_voltages:
                res["voltages"] = net.cell_response.vsec
        return res

    def _generate_param_combinations(self, param_grid, combinations=True):
        keys, values = zip(*param_grid.items())
        pick = itertools.product(*values) if combinations else zip(*values)
        return [dict(zip(keys, combo)) for combo in pick]

    # Files: sim_run_<start>-<end>.npz per batch (HNN-core's name) and, while a batch
    # runs, one file per finished simulation in sim_run_<start>-<end>.parts/.
    def _parts(self, index):
        return os.path.join(self.save_folder, f"sim_run_{index[0]}-{index[1]}.parts")

    def _save_run(self, index, k, values, raw):
        os.makedirs(self._parts(index), exist_ok=True)
        path = os.path.join(self._parts(index), f"{k}.npz")
        arrays = {"params": np.array(repr(sorted(values.items())))}
        for t, r in enumerate(raw):
            d = r["dipole"]
            arrays[f"{t}_layers"] = np.array(d["layers"])
            arrays[f"{t}_agg"] = d["agg"]
            for name, v in zip(d["layers"], d["layer"]):
                arrays[f"{t}_layer_{name}"] = v
        tmp = path + ".tmp.npz"
        np.savez(tmp, **arrays)
        os.replace(tmp, path)

    def _load_run(self, index, k, values):
        if not self.save_outputs:
            return None
        path = os.path.join(self._parts(index), f"{k}.npz")
        if not os.path.exists(path):
            return None
        with np.load(path) as f:
            if str(f["params"]) != repr(sorted(values.items())):
                return None
            out = []
            for t in range(self.n_trials):
                layers = [str(x) for x in f[f"{t}_layers"]]
                out.append({"dipole": {"layers": layers, "agg": f[f"{t}_agg"],
                                       "layer": [f[f"{t}_layer_{n}"] for n in layers]}})
        return out

    def _save(self, results, start_idx, end_idx):
        os.makedirs(self.save_folder, exist_ok=True)
        name = os.path.join(self.save_folder, f"sim_run_{start_idx}-{end_idx}.npz")
        if os.path.exists(name) and not self.overwrite:
            raise FileExistsError(f"File {name} already exists and overwrite is set to False.")
        data = {"param_values": np.array([r["param_values"] for r in results], dtype=object)}
        if self.save_dpl:
            data["dpl_times"] = results[0]["dpl"][0].times
            data["dpl"] = np.array([[np.column_stack([d.data["agg"], d.data["L2"], d.data["L5"]])
                                     for d in r["dpl"]] for r in results])
        data["metadata"] = np.array({"batch_size": self.batch_size, "n_trials": self.n_trials,
                                     "tstop": self.tstop, "dt": self.dt}, dtype=object)
        np.savez(name, **data)
        parts = self._parts((start_idx, end_idx))
        if os.path.isdir(parts):
            for f in os.listdir(parts):
                os.remove(os.path.join(parts, f))
            os.rmdir(parts)

    def load_results(self, file_path, return_data=None):
        """A saved batch file as {'param_values': [...], 'dpl': [[Dipole per trial]]}."""
        from myelin.hnn.dipole import Dipole
        with np.load(file_path, allow_pickle=True) as f:
            out = {"param_values": f["param_values"].tolist()}
            if "dpl" in f and (return_data is None or "dpl" in return_data):
                out["dpl"] = [[Dipole(f["dpl_times"], d) for d in sim] for sim in f["dpl"]]
        return out

    def load_all_results(self):
        """Every saved batch file of save_folder, in order."""
        files = sorted((f for f in os.listdir(self.save_folder)
                        if f.startswith("sim_run_") and f.endswith(".npz")),
                       key=lambda f: int(f[8:].split("-")[0]))
        return [self.load_results(os.path.join(self.save_folder, f)) for f in files]

"""Batch jobs reuse their previous run's network (simulation::reset, docs/batch.md
"Reusing the network"): for sweeps of weights, seeds, stimulus parameters, HNN drive
weights and population sizes, the results table and every run's outputs are the same
with reuse on (the default) and off (--no-reuse), and the rows say which runs reused."""
import csv
import hashlib
import json

import pytest
from clitools import MPIRUN, run
from digests import _h5_digest

# A small network with random weights, a DC step and noise.
STIM = {
    "name": "stim", "dt": 0.1, "tstop": 60, "seed": 3,
    "populations": [{"label": "exc", "size": 60, "cell_type": "IF_cond_exp",
                     "params": {"i_offset": {"distribution": "uniform", "low": 0.0,
                                             "high": 0.2}}}],
    "projections": [{"label": "ee", "pre": "exc", "post": "exc",
                     "connector": {"type": "FixedProbability", "p": 0.2},
                     "weight": {"distribution": "uniform", "low": 0.001, "high": 0.02},
                     "delay": 1.0}],
    "stimuli": [{"label": "dc", "type": "DCSource", "target": "exc", "amplitude": 0.5,
                 "start": 5, "stop": 40},
                {"label": "noise", "type": "NoisyCurrentSource", "target": "exc",
                 "mean": 0.6, "stdev": 0.2, "dt": 1.0}],
    "recorders": [{"label": "s", "target": "exc", "variables": ["spikes"]},
                  {"label": "v", "target": "exc", "variables": ["v"], "interval": 1.0}],
}


def digest(path):
    """A run's output file, as what it computes: HDF5 datasets and attributes, CSV bytes,
    summary.json without its wall times."""
    h = hashlib.sha256()
    if path.suffix == ".h5":
        _h5_digest(path, h)
    elif path.name == "summary.json":
        s = json.loads(path.read_text())
        s.pop("wall_s")
        h.update(json.dumps(s, sort_keys=True).encode())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


def batch(exe, sweep, out, *extra, ranks=1):
    jobs = ["--jobs", "1"] if ranks == 1 else []
    run(exe, "batch", sweep, "-o", out, *jobs, "-q", *extra, ranks=ranks, timeout=600)
    rows = sorted((json.loads(p.read_text()) for p in (out / "rows").iterdir()),
                  key=lambda r: r["id"])
    with open(out / "results.csv") as f:
        table = [{k: v for k, v in r.items() if k != "wall_s"} for r in csv.DictReader(f)]
    runs = {}
    if (out / "runs").exists():
        for d in sorted((out / "runs").iterdir()):
            runs[d.name] = {f.name: digest(f) for f in sorted(d.iterdir())}
    return [r["reused"] for r in rows], table, runs


def sweep_file(tmp_path, **fields):
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(fields))
    return path


@pytest.fixture
def stim_model(tmp_path):
    path = tmp_path / "stim.json"
    path.write_text(json.dumps(STIM))
    return path


def sweeps(root, tmp_path, stim_model):
    izh = json.loads((root / "models/sweeps/izhikevich8.json").read_text())
    hnn = json.loads((root / "models/sweeps/hnn_weights.json").read_text())
    return {
        # Scalar weights of random connections: the tables are kept.
        "coba_weights": (dict(model=str(root / "models/coba.json"), keep="all",
                              set={"tstop": 20},
                              vary=[{"path": "projections.exc->all.weight",
                                     "values": [0.004, 0.008]},
                                    {"path": "projections.inh->all.weight",
                                     "values": [0.05, 0.09]}]), True),
        # The seed: all-to-all connections kept, weights and cells drawn anew.
        "izhikevich_seeds": (dict(izh, model=str(root / "models/izhikevich.json"), keep="all",
                                  set=dict(izh["set"], tstop=100),
                                  vary=[{"path": "seed", "values": [1, 2, 3]}]), True),
        # Current sources, a weight distribution (redrawn), a cell parameter.
        "stimuli": (dict(model=str(stim_model), keep="all", combine="zip",
                         vary=[{"path": "stimuli.dc.amplitude", "values": [0.3, 0.6, 0.9]},
                               {"path": "stimuli.noise.stdev", "values": [0.1, 0.2, 0.3]},
                               {"path": "projections.ee.weight",
                                "values": [{"distribution": "uniform", "low": 0.001,
                                            "high": 0.02},
                                           {"distribution": "uniform", "low": 0.002,
                                            "high": 0.03}, 0.01]},
                               {"path": "populations.exc.params.tau_m",
                                "values": [15, 20, 25]}]), True),
        # HNN's drive weights (precomputed drive events, built anew), dipoles kept.
        "hnn_weights": (dict(hnn, model=str(root / "models/sweeps/hnn_3x3.json"),
                             set=dict(hnn["set"], tstop=40),
                             vary=[dict(hnn["vary"][0], logspace=[-3, -1, 3])]), True),
        # Another population size: every run built anew.
        "sizes": (dict(model=str(stim_model), keep="all",
                       vary=[{"path": "populations.exc.size", "values": [50, 60]}]), False),
    }


@pytest.mark.parametrize("name", ["coba_weights", "izhikevich_seeds", "stimuli",
                                  "hnn_weights", "sizes"])
def test_reuse_on_and_off_give_the_same_results(myelin_bin, root, tmp_path, stim_model, name):
    fields, reusable = sweeps(root, tmp_path, stim_model)[name]
    s = sweep_file(tmp_path, **fields)
    reused_on, table_on, runs_on = batch(myelin_bin, s, tmp_path / "on")
    reused_off, table_off, runs_off = batch(myelin_bin, s, tmp_path / "off", "--no-reuse")
    n = len(table_on)
    assert n >= 2
    # With one job, every run but the first resets the previous run's simulation.
    assert reused_on == [False] + [reusable] * (n - 1)
    assert reused_off == [False] * n
    assert table_on == table_off
    assert all(r["status"] == "ok" for r in table_on)
    assert all(sum(float(v) for k, v in r.items() if k.startswith("spikes_")) > 0
               for r in table_on)
    assert len(runs_on) == n and runs_on == runs_off
    # The runs differ from each other: the comparison has something to compare.
    assert len({json.dumps(r, sort_keys=True) for r in runs_on.values()}) == n


@pytest.mark.parametrize("name", ["izhikevich_seeds", "stimuli"])
def test_reuse_on_mpi_ranks_gives_the_same_results(myelin_bin, root, tmp_path, stim_model, name):
    """Each rank's job resets its previous run: 3 runs on 2 ranks, so one rank reuses."""
    if MPIRUN is None:
        pytest.skip("mpirun is not installed")
    fields, _ = sweeps(root, tmp_path, stim_model)[name]
    s = sweep_file(tmp_path, **fields)
    reused_mpi, table_mpi, runs_mpi = batch(myelin_bin, s, tmp_path / "mpi", ranks=2)
    _, table_ref, runs_ref = batch(myelin_bin, s, tmp_path / "ref", "--no-reuse")
    assert sum(reused_mpi) >= 1
    assert table_mpi == table_ref and runs_mpi == runs_ref


def test_the_final_line_counts_reused_runs(myelin_bin, tmp_path, stim_model):
    s = sweep_file(tmp_path, model=str(stim_model),
                   vary=[{"path": "stimuli.dc.amplitude", "values": [0.3, 0.6, 0.9]}])
    p = run(myelin_bin, "batch", s, "-o", tmp_path / "b", "--jobs", "1")
    assert "3 runs, 0 failed (2 reused their job's network)" in p.stdout
    p = run(myelin_bin, "run", stim_model, "-o", tmp_path / "r", "--no-reuse", check=False)
    assert p.returncode == 2 and "--no-reuse belongs to" in p.stderr

"""`myelin batch SWEEP.json` (docs/batch.md): the runs of a sweep file and their rows,
trial seeds, the same table for any --jobs and under mpirun, resuming after SIGKILL,
failed runs recorded while the batch goes on, sweep-file errors naming their JSON path,
and batch directories never mixed."""
import csv
import json
import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest
from clitools import ENV, MPIRUN, run

# A tiny network: 40 LIF cells with recurrent synapses and 3 HH cells, every spike
# recorded. i_offset 1e308 makes v NaN (the engine's finite check fails the run).
TINY = {
    "name": "tiny", "dt": 0.1, "tstop": 50, "seed": 3,
    "populations": [
        {"label": "exc", "size": 40, "cell_type": "IF_cond_exp",
         "params": {"i_offset": {"distribution": "uniform", "low": 0.9, "high": 1.3},
                    "tau_refrac": 2.0}},
        {"label": "hh", "size": 3, "cell_type": "HH_cond_exp", "params": {"i_offset": 0.5}}],
    "projections": [{"label": "ee", "pre": "exc", "post": "exc",
                     "connector": {"type": "FixedProbability", "p": 0.2},
                     "weight": 0.01, "delay": 1.0}],
    "recorders": [{"label": "s", "target": ["exc", "hh"], "variables": ["spikes"]}],
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.json"
    path.write_text(json.dumps(TINY))
    return path


def sweep_file(tmp_path, name="sweep.json", **fields):
    path = tmp_path / name
    path.write_text(json.dumps(fields))
    return path


def table(path, drop=("wall_s",)):
    with open(path) as f:
        return [{k: v for k, v in r.items() if k not in drop} for r in csv.DictReader(f)]


def test_rows_values_trials_and_single_runs(myelin_bin, tiny, tmp_path):
    s = sweep_file(tmp_path, model=str(tiny), keep="all",
                   vary=[{"path": "seed", "values": [5, 9]},
                         {"path": "projections.ee.weight", "linspace": [0.01, 0.03, 2]}],
                   combine="grid", trials=2)
    run(myelin_bin, "batch", s, "-o", tmp_path / "b", "-q")
    r = table(tmp_path / "b/results.csv", drop=())
    assert [x["id"] for x in r] == [str(i) for i in range(8)]
    assert [(x["seed"], x["projections.ee.weight"], x["trial"]) for x in r] == [
        (s_, w, t) for s_ in ("5", "9") for w in ("0.01", "0.03") for t in ("0", "1")]
    # Without random drives a trial adds its index to the model's seed.
    assert [int(x["run_seed"]) for x in r] == [int(x["seed"]) + int(x["trial"]) for x in r]
    assert all(x["status"] == "ok" and x["error"] == "" and float(x["wall_s"]) > 0 for x in r)
    assert list(r[0])[:7] == ["id", "seed", "projections.ee.weight", "trial", "run_seed",
                              "status", "error"]
    for k in (0, 7):  # run 7: seed 9 + trial 1, weight 0.03
        single = tmp_path / f"single{k}"
        run(myelin_bin, "run", tiny, "--set", f"seed={r[k]['run_seed']}", "--set",
            f"projections.ee.weight={r[k]['projections.ee.weight']}", "-o", single, "-q")
        summ = json.loads((single / "summary.json").read_text())["populations"]
        assert int(r[k]["spikes_exc"]) == summ["exc"]["spike_count"] > 0
        assert float(r[k]["rate_exc_Hz"]) == pytest.approx(summ["exc"]["mean_rate_hz"], rel=1e-12)
        assert (single / "spikes.h5").read_bytes() == \
            (tmp_path / f"b/runs/{k:03d}/spikes.h5").read_bytes()
    assert r[0]["spikes_exc"] != r[1]["spikes_exc"]  # trial 1 has another seed
    with h5py.File(tmp_path / "b/results.h5") as f:
        g = f["results"]
        assert list(g) == list(r[0])
        np.testing.assert_array_equal(g["spikes_exc"][:], [float(x["spikes_exc"]) for x in r])
        assert [v.decode() for v in g["status"][:]] == ["ok"] * 8


def test_summaries_match_their_definitions(myelin_bin, tiny, tmp_path):
    s = sweep_file(tmp_path, model=str(tiny), keep="all", summaries={"bin_ms": 5})
    run(myelin_bin, "batch", s, "-o", tmp_path / "b", "-q")
    row = table(tmp_path / "b/results.csv")[0]
    with h5py.File(tmp_path / "b/runs/000/spikes.h5") as f:
        t, i = f["spikes/exc/timestamps"][:], f["spikes/exc/node_ids"][:]
    cvs = []
    for c in np.unique(i):
        isi = np.diff(np.sort(t[i == c]))
        if len(isi) >= 2:
            cvs.append(isi.std() / isi.mean())
    assert float(row["isi_cv_exc"]) == pytest.approx(np.mean(cvs), rel=1e-9)
    bins = np.arange(0, 50 + 1e-9, 5)
    counts = np.histogram(t, bins)[0]
    assert float(row["fano_exc"]) == pytest.approx(counts.var() / counts.mean(), rel=1e-9)
    per_cell = np.array([np.histogram(t[i == c], bins)[0] for c in np.unique(i)])
    chi = np.sqrt(per_cell.mean(axis=0).var() / per_cell.var(axis=1).mean())
    assert float(row["sync_chi_exc"]) == pytest.approx(chi, rel=1e-9)


def test_trial_seeds_are_distinct_and_reproducible(myelin_bin, net3x3, tmp_path):
    s = sweep_file(tmp_path, model=str(net3x3), trials=3)
    for d in ("a", "b"):
        run(myelin_bin, "batch", s, "-o", tmp_path / d, "-q", "--jobs", 2)
    a = table(tmp_path / "a/results.csv")
    assert a == table(tmp_path / "b/results.csv")
    seed = json.loads(net3x3.read_text())["drives"][0]["seed"]
    assert [int(x["drive_seed"]) for x in a] == [seed, seed + 1, seed + 2]
    assert len({x["agg_smooth_max_nAm"] for x in a}) == 3  # other drive spike times
    assert all(float(x["agg_smooth_tmax_ms"]) > 0 for x in a)


@pytest.fixture(scope="module")
def six_runs(myelin_bin, tiny, tmp_path_factory):
    d = tmp_path_factory.mktemp("six")
    s = sweep_file(d, model=str(tiny), vary=[{"path": "seed", "values": [1, 2, 3]},
                                             {"path": "tstop", "values": [30, 60]}])
    run(myelin_bin, "batch", s, "-o", d / "j1", "--jobs", 1, "-q")
    return d, s


@pytest.mark.parametrize("how", ["jobs2", "mpi2"])
def test_same_table_for_jobs_and_ranks(myelin_bin, six_runs, how):
    d, s = six_runs
    if how == "mpi2" and MPIRUN is None:
        pytest.skip("mpirun is not installed")
    out = d / how
    if how == "jobs2":
        run(myelin_bin, "batch", s, "-o", out, "--jobs", 2, "-q")
    else:
        run(myelin_bin, "batch", s, "-o", out, "-q", ranks=2)
    ref = table(d / "j1/results.csv")
    assert len(ref) == 6 and table(out / "results.csv") == ref


def test_sigkill_midway_then_rerun_completes_the_same_table(myelin_bin, tiny, tmp_path):
    s = sweep_file(tmp_path, model=str(tiny), set={"tstop": 1500},
                   vary=[{"path": "seed", "linspace": [1, 40, 40]}], keep="all")
    out = tmp_path / "k"
    cmd = [myelin_bin, "batch", str(s), "-o", str(out), "--jobs", "1", "-q"]
    p = subprocess.Popen(cmd, env=ENV, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(list((out / "rows").glob("*.json"))) < 3 if (out / "rows").exists() else True:
        assert p.poll() is None and time.monotonic() < deadline, "batch ended before the kill"
        time.sleep(0.002)
    p.send_signal(signal.SIGKILL)
    p.wait()
    done = len(list((out / "rows").glob("*.json")))
    assert 3 <= done < 40 and not (out / "results.csv").exists()
    kept = {f.name: f.read_bytes() for f in (out / "rows").glob("*.json")}
    p = run(*cmd)  # resumes: the runs with a row are not run again
    assert {f: (out / "rows" / f).read_bytes() for f in kept} == kept
    run(myelin_bin, "batch", s, "-o", tmp_path / "whole", "--jobs", 2, "-q")
    assert table(out / "results.csv") == table(tmp_path / "whole/results.csv")
    assert len(table(out / "results.csv")) == 40
    for k in (0, 39):
        assert (out / f"runs/{k:03d}/spikes.h5").read_bytes() == \
            (tmp_path / f"whole/runs/{k:03d}/spikes.h5").read_bytes()
    assert not [x for x in out.rglob(".*") if "tmp" in x.name or "probe" in x.name]


def test_sigterm_stops_cleanly_and_says_how_to_resume(myelin_bin, tiny, tmp_path):
    s = sweep_file(tmp_path, model=str(tiny), set={"tstop": 1500},
                   vary=[{"path": "seed", "linspace": [1, 40, 40]}])
    out = tmp_path / "t"
    p = subprocess.Popen([myelin_bin, "batch", str(s), "-o", str(out), "--jobs", "1"], env=ENV,
                         stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    while not (out / "rows").exists() or not list((out / "rows").glob("*.json")):
        assert p.poll() is None
        time.sleep(0.002)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM, err
    assert "interrupted" in err and f"myelin batch {s} -o {out} --jobs 1" in err
    assert not (out / "results.csv").exists()
    assert not [x for x in out.rglob(".*") if "tmp" in x.name]


def test_failed_run_is_a_row_and_the_batch_goes_on(myelin_bin, tiny, tmp_path):
    s = sweep_file(tmp_path, model=str(tiny),
                   vary=[{"path": "populations.exc.params.i_offset", "values": [1.0, 1e308, 1.1]}])
    p = run(myelin_bin, "batch", s, "-o", tmp_path / "f", "-q", check=False)
    assert p.returncode == 1
    assert "1 of 3 runs failed" in p.stderr and "run 001: population 'exc'" in p.stderr
    r = table(tmp_path / "f/results.csv")
    assert [x["status"] for x in r] == ["ok", "failed", "ok"]
    assert "v became NaN" in r[1]["error"] and r[1]["spikes_exc"] == ""
    assert int(r[0]["spikes_exc"]) > 0 and int(r[2]["spikes_exc"]) > 0


@pytest.mark.parametrize("fields,message", [
    ({"vary": [{"path": "populations.nope.size", "values": [1]}]},
     "vary[0].values[0] (populations.nope.size=1)"),
    ({"vary": [{"path": "seed", "values": []}]}, "vary[0].values: empty list"),
    ({"vary": [{"path": "seed", "values": [1]}, {"path": "populations.exc.size",
                                                 "values": [10, -1]}]},
     "vary[1].values[1] (populations.exc.size=-1): populations[0].size"),
    ({"trials": 0}, "trials: expected an integer in [1, 100000], got 0"),
    ({"vary": [{"path": "seed", "valeus": [1]}]}, "vary[0].valeus: unknown field"),
    ({"set": {"seed": 4}, "vary": [{"path": "seed", "values": [1, 2]}]},
     "vary[0] sets 'seed', which set.seed sets too"),
    ({"vary": [{"path": "seed", "values": [1, 2]}, {"path": "tstop", "values": [5]}],
      "combine": "zip"}, "vary[0] and vary[1] have different lengths (2 and 1)"),
    ({"combine": "cross"}, "combine: expected \"grid\""),
    ({"keep": "some"}, "keep: expected \"nothing\", \"summaries\" or \"all\""),
    ({"vary": [{"path": "tstop", "linspace": [1, 2]}]}, "vary[0].linspace: expected [START"),
    ({"set": {"tstop": -5}}, "set.tstop (tstop=-5): tstop"),
])
def test_bad_sweep_files_name_the_path_and_write_nothing(myelin_bin, tiny, tmp_path, fields,
                                                         message):
    s = sweep_file(tmp_path, **{"model": str(tiny), **fields})
    p = run(myelin_bin, "batch", s, "-o", tmp_path / "never", check=False)
    assert p.returncode == 1, p.stderr
    assert message in p.stderr and str(s) in p.stderr, p.stderr
    assert not (tmp_path / "never").exists()


def test_missing_model_and_bad_json(myelin_bin, tmp_path):
    p = run(myelin_bin, "batch", sweep_file(tmp_path, vary=[]), check=False)
    assert p.returncode == 1 and "model: missing" in p.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{\"model\": ")
    p = run(myelin_bin, "batch", bad, check=False)
    assert p.returncode == 1 and "not valid JSON" in p.stderr


def test_directory_of_another_sweep_or_other_files_is_refused(myelin_bin, tiny, tmp_path):
    a = sweep_file(tmp_path, "a.json", model=str(tiny), vary=[{"path": "seed", "values": [1]}])
    b = sweep_file(tmp_path, "b.json", model=str(tiny), vary=[{"path": "seed", "values": [2]}])
    out = tmp_path / "d"
    run(myelin_bin, "batch", a, "-o", out, "-q")
    before = (out / "results.csv").read_bytes()
    p = run(myelin_bin, "batch", b, "-o", out, check=False)
    assert p.returncode == 1 and f"'{out}' holds another batch" in p.stderr
    assert (out / "results.csv").read_bytes() == before
    run(myelin_bin, "batch", b, "-o", out, "--overwrite", "-q")
    assert table(out / "results.csv")[0]["seed"] == "2"
    run(myelin_bin, "batch", b, "-o", out, "-q")  # the same sweep again: nothing to do
    assert table(out / "results.csv")[0]["seed"] == "2"
    single = tmp_path / "single"
    run(myelin_bin, "run", tiny, "-o", single, "-q")
    p = run(myelin_bin, "batch", a, "-o", single, "--overwrite", check=False)
    assert p.returncode == 1 and "holds no batch" in p.stderr
    assert sorted(x.name for x in single.iterdir()) == ["spikes.h5", "summary.json"]


@pytest.mark.parametrize("name,runs", [("izhikevich8", 8), ("coba_weights", 100),
                                       ("hnn_weights", 20)])
def test_shipped_sweeps_are_valid(myelin_bin, root, tmp_path, name, runs):
    """Their plans build (every run's model is checked before anything runs); running
    them is bench/batch.py's job. A sweep into a directory holding a file of the same
    name as batch.json's... is refused, so an unwritable -o shows the plan is valid."""
    out = tmp_path / "blocked"
    out.mkdir()
    (out / "x").write_text("")
    p = run(myelin_bin, "batch", root / "models" / "sweeps" / f"{name}.json", "-o", out,
            check=False)
    assert p.returncode == 1 and "holds no batch" in p.stderr, p.stderr
    doc = json.loads((root / "models" / "sweeps" / f"{name}.json").read_text())
    n = 1
    for v in doc["vary"]:
        n_v = len(v["values"]) if "values" in v else v.get("linspace", v.get("logspace"))[2]
        n = n * n_v if doc.get("combine", "grid") == "grid" else n_v
    assert n * doc.get("trials", 1) == runs


def test_plot_of_a_batch_directory(myelin_bin, net3x3, tmp_path):
    s = sweep_file(tmp_path, model=str(net3x3), keep="all", vary=[
        {"path": "drives.evprox1.weights_ampa.L5_pyramidal", "logspace": [-3, -1, 3]}])
    out = tmp_path / "b"
    run(myelin_bin, "batch", s, "-o", out, "-q")
    p = run(myelin_bin, "plot", out)
    assert "summaries.png, dipoles.png" in p.stdout
    import matplotlib.image as mpimg
    for name in ("summaries.png", "dipoles.png"):
        img = mpimg.imread(out / name)
        assert img.shape[0] > 300 and img[..., :3].std() > 0.01

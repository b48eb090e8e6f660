"""`myelin run --trials N` (docs/hnn.md, docs/user-guide.md): trial t is the same run with
every drive's seed + t, side-by-side jobs change nothing, the mean dipole files are the
trials' average, and one-line errors with nothing written."""
import csv
import json

import numpy as np
import pytest
from clitools import run

POPS = ("L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal")


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def dipole(path):
    return np.loadtxt(path, delimiter=",", skiprows=1)


@pytest.fixture(scope="module")
def trials(myelin_bin, net3x3, tmp_path_factory):
    out = tmp_path_factory.mktemp("trials")
    for jobs in (1, 2):
        run(myelin_bin, "run", net3x3, "--trials", 3, "--jobs", jobs, "--threads", 1, "-o",
            out / f"j{jobs}", "-q")
    return out


def test_trial_t_is_the_run_with_drive_seeds_plus_t(myelin_bin, net3x3, trials, tmp_path):
    seed = json.loads(open(net3x3).read())["drives"][0]["seed"]
    for t in (0, 2):
        single = tmp_path / f"single{t}"
        run(myelin_bin, "run", net3x3, "--set", f"drives.evprox1.seed={seed + t}", "-o", single,
            "-q")
        for name in ("dipole.csv", "dipole_smooth.csv"):
            assert (single / name).read_bytes() == (trials / f"j1/runs/{t:03d}" / name).read_bytes()
    # The trials draw different drive times, so their dipoles differ.
    assert (trials / "j1/runs/000/dipole.csv").read_bytes() != \
        (trials / "j1/runs/001/dipole.csv").read_bytes()


def test_jobs_change_nothing_and_results_csv_counts_the_spikes(trials):
    r1, r2 = rows(trials / "j1/results.csv"), rows(trials / "j2/results.csv")
    assert [x["trial"] for x in r1] == ["0", "1", "2"]
    for t, (a, b) in enumerate(zip(r1, r2)):
        a.pop("wall_s"), b.pop("wall_s")
        assert a == b
        s = json.loads((trials / f"j2/runs/{t:03d}/summary.json").read_text())
        for pop in POPS:
            assert int(a[f"spikes_{pop}"]) == s["populations"][pop]["spike_count"]
        smooth = dipole(trials / f"j2/runs/{t:03d}/dipole_smooth.csv")
        assert float(a["agg_smooth_min_nAm"]) == pytest.approx(smooth[:, 1].min(), rel=1e-9)
        assert float(a["agg_smooth_max_nAm"]) == pytest.approx(smooth[:, 1].max(), rel=1e-9)
    for name in ("dipole_mean.csv", "dipole_smooth_mean.csv"):
        assert (trials / "j1" / name).read_bytes() == (trials / "j2" / name).read_bytes()


@pytest.mark.parametrize("mean,each", [("dipole_mean.csv", "dipole.csv"),
                                       ("dipole_smooth_mean.csv", "dipole_smooth.csv")])
def test_mean_files_are_the_average_of_the_trials(trials, mean, each):
    m = dipole(trials / "j1" / mean)
    per = np.stack([dipole(trials / f"j1/runs/{t:03d}" / each) for t in range(3)])
    assert m.shape == per[0].shape and m.shape[1] == 4  # t_ms, agg, L2, L5
    np.testing.assert_array_equal(m[:, 0], per[0][:, 0])
    # Each file holds 10 significant digits: the mean of the rounded trials is within
    # 1e-9 of the peak of the rounded mean.
    scale = np.abs(per[:, :, 1:]).max()
    np.testing.assert_allclose(m[:, 1:], per[:, :, 1:].mean(axis=0), rtol=0, atol=1e-9 * scale)
    with open(trials / "j1" / mean) as f:
        assert f.readline().strip() == "t_ms,agg,L2,L5"


@pytest.mark.parametrize("args,message", [
    (["--trials", "0"], "--trials: expected an integer in [1, 100000]"),
    (["--trials", "2.5"], "--trials: expected an integer in [1, 100000]"),
    (["--trials", "2", "--replay-drives", "x.csv"], "every trial would get the same drive"),
])
def test_errors_name_the_problem_and_write_nothing(myelin_bin, net3x3, tmp_path, args, message):
    out = tmp_path / "never"
    p = run(myelin_bin, "run", net3x3, *args, "-o", out, check=False)
    assert p.returncode == 2, p.stderr
    assert message in p.stderr
    assert not out.exists()


@pytest.mark.parametrize("drives", [
    None,  # a model without drives (cuba.json)
    [{"label": "t", "type": "tonic", "amplitudes": {"L5_pyramidal": 0.1}}],
    [{"label": "e", "type": "evoked", "spike_times": [[10.0]],
      "weights_ampa": {"L5_pyramidal": 0.01}}],
])
def test_model_without_random_drives_is_refused(myelin_bin, root, net3x3, tmp_path, drives):
    model = root / "models" / "cuba.json"
    if drives is not None:
        doc = json.loads(open(net3x3).read())
        doc["drives"] = drives
        model = tmp_path / "model.json"
        model.write_text(json.dumps(doc))
    out = tmp_path / "never"
    p = run(myelin_bin, "run", model, "--trials", "2", "-o", out, check=False)
    assert p.returncode == 2 and "no drive with random spike times" in p.stderr, p.stderr
    assert not out.exists()


def test_trials_is_refused_by_sweep(myelin_bin, net3x3, tmp_path):
    p = run(myelin_bin, "sweep", net3x3, "--vary", "tstop=5", "--trials", "2", "-o",
            tmp_path / "s", check=False)
    assert p.returncode == 2 and "--trials belongs to 'myelin run'" in p.stderr
    assert not (tmp_path / "s").exists()

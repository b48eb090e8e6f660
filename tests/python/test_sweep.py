"""`myelin sweep` (docs/user-guide.md, docs/hnn.md): each run of a sweep gives exactly the
files of the same `myelin run`, side-by-side jobs change nothing, zipped and crossed
lists, HNN-core's own batch-example number, and one-line errors with nothing written."""
import csv
import json

import pytest
from clitools import run

P = "drives.evprox1.weights_ampa"


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_runs_equal_single_runs_and_jobs_change_nothing(myelin_bin, net3x3, tmp_path):
    values = ["0.001", "0.02"]
    for jobs in (1, 2):
        run(myelin_bin, "sweep", net3x3, "--vary",
            f"{P}.L5_pyramidal,{P}.L2_pyramidal={','.join(values)}", "--jobs", jobs,
            "--threads", 1, "-o", tmp_path / f"j{jobs}", "-q")
    r1, r2 = rows(tmp_path / "j1/results.csv"), rows(tmp_path / "j2/results.csv")
    assert len(r1) == 2
    for a, b in zip(r1, r2):
        a.pop("wall_s"), b.pop("wall_s")
        assert a == b
    for k, v in enumerate(values):
        single = tmp_path / f"single{k}"
        run(myelin_bin, "run", net3x3, "--set", f"{P}.L5_pyramidal={v}", "--set",
            f"{P}.L2_pyramidal={v}", "-o", single, "-q")
        for name in ("dipole.csv", "dipole_smooth.csv"):
            assert (single / name).read_bytes() == (tmp_path / f"j2/runs/{k:03d}" / name).read_bytes()
        s = json.loads((single / "summary.json").read_text())
        for pop in ("L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"):
            assert int(r1[k][f"spikes_{pop}"]) == s["populations"][pop]["spike_count"]
    # The stronger drive makes the L5 cells fire, the weaker one does not.
    assert int(r1[0]["spikes_L5_pyramidal"]) < int(r1[1]["spikes_L5_pyramidal"])


def test_grid_crosses_lists_first_outermost(myelin_bin, net3x3, tmp_path):
    run(myelin_bin, "sweep", net3x3, "--vary", "tstop=linspace(10,20,3)", "--vary",
        f"{P}.L5_basket=logspace(-3,-2,2)", "--grid", "-o", tmp_path / "g", "-q")
    r = rows(tmp_path / "g/results.csv")
    assert [(float(x["tstop"]), float(x[f"{P}.L5_basket"])) for x in r] == [
        (10, 0.001), (10, 0.01), (15, 0.001), (15, 0.01), (20, 0.001), (20, 0.01)]
    for k, x in enumerate(r):
        s = json.loads((tmp_path / f"g/runs/{k:03d}/summary.json").read_text())
        assert s["tstop_ms"] == pytest.approx(float(x["tstop"]))


def test_hnn_core_batch_example_minimum(myelin_bin, net3x3, tmp_path):
    # ../shared/seeds/002 (HNN-core's batch simulation example, 3x3 network, one proximal
    # drive): with weak drives the smoothed aggregate dipole's minimum is the resting
    # one, -1.9487233699162363e-05 nAm (HNN-core smooths without the x3000 scaling).
    run(myelin_bin, "sweep", net3x3, "--set", "drives.evprox1.mu=40", "--set",
        "drives.evprox1.sigma=5", "--vary",
        f"{P}.L2_basket,{P}.L5_basket,{P}.L2_pyramidal,{P}.L5_pyramidal=logspace(-4,-1,20)",
        "-o", tmp_path / "s", "-q")
    r = rows(tmp_path / "s/results.csv")
    assert len(r) == 20
    assert float(r[0][f"{P}.L2_basket"]) == 1e-4 and float(r[-1][f"{P}.L5_pyramidal"]) == 0.1
    for x in r[:5]:
        assert float(x["agg_smooth_min_nAm"]) / 3000 == pytest.approx(-1.9487233699162363e-05,
                                                                   rel=1e-9)
    assert float(r[-1]["agg_smooth_max_nAm"]) > 10 * float(r[0]["agg_smooth_max_nAm"])


@pytest.mark.parametrize("args,code,message", [
    (["--vary", "tstop=10,20", "--vary", "seed=1,2,3"], 1, "different lengths (2 and 3)"),
    (["--vary", "tstop=logspace(1,2)"], 2, "takes three numbers"),
    (["--vary", "tstop=linspace(1,2,0)"], 2, "NUM must be an integer"),
    (["--vary", "=1,2"], 2, "expected PATH[,PATH...]=VALUES"),
    (["--vary", "tstop=1,,2"], 2, "empty value"),
    ([], 2, "needs at least one --vary"),
    (["--vary", f"{P}.L5_basket=0.01,-1"], 1,
     f"--vary '{P}.L5_basket=0.01,-1' value 1 ({P}.L5_basket=-1)"),
    (["--vary", "drives.nope.mu=1,2"], 1, "--vary 'drives.nope.mu=1,2' value 0"),
    (["--vary", "tstop=10,20", "--tstop", "30"], 1,
     "--vary 'tstop=10,20' sets 'tstop', which --tstop sets too"),
    (["--vary", "seed=1,2", "--set", "seed=3"], 1,
     "--vary 'seed=1,2' sets 'seed', which --set seed=3 sets too"),
])
def test_errors_name_the_problem_and_write_nothing(myelin_bin, net3x3, tmp_path, args, code,
                                                   message):
    out = tmp_path / "never"
    p = run(myelin_bin, "sweep", net3x3, *args, "-o", out, check=False)
    assert p.returncode == code, p.stderr
    assert message in p.stderr
    assert not out.exists()


def test_run_above_the_recording_limit_streams_and_the_sweep_goes_on(myelin_bin, net3x3,
                                                                     tmp_path):
    """Run 1's recording needs more than --max-record-memory: a sweep keeps every run's
    outputs, so it streams them into runs/001/ as `myelin run` would (docs/batch.md,
    "Recordings larger than memory"), with the summaries and file contents of a sweep
    without the limit."""
    from digests import digest_dir
    for name, limit in (("limited", ["--max-record-memory", "3000"]), ("free", [])):
        run(myelin_bin, "sweep", net3x3, "--vary", "tstop=5,60,6", *limit, "-o",
            tmp_path / name, "-q", "--jobs", 1)
    r, ref = rows(tmp_path / "limited/results.csv"), rows(tmp_path / "free/results.csv")
    assert [x["status"] for x in r] == ["ok", "ok", "ok"]
    assert int(r[1]["spikes_L5_pyramidal"]) > 0
    for a, b in zip(r, ref):
        a.pop("wall_s"), b.pop("wall_s")
        assert a == b
    for k in ("000", "001", "002"):
        assert digest_dir(tmp_path / "limited/runs" / k) == digest_dir(tmp_path / "free/runs" / k)


def test_directory_with_other_files_is_refused(myelin_bin, net3x3, tmp_path):
    out = tmp_path / "s"
    (out / "run_001").mkdir(parents=True)
    (out / "run_001" / "mine.txt").write_text("from an earlier sweep")
    for extra in ([], ["--overwrite"]):
        p = run(myelin_bin, "sweep", net3x3, "--vary", "tstop=5", "-o", out, *extra, check=False)
        assert p.returncode == 1 and f"'{out}' is not empty and holds no batch" in p.stderr
    assert sorted(x.name for x in out.iterdir()) == ["run_001"]


def test_empty_output_name_is_refused(myelin_bin, net3x3):
    p = run(myelin_bin, "sweep", net3x3, "--vary", "tstop=5", "-o", "", check=False)
    assert p.returncode == 2 and "-o: empty directory name" in p.stderr


@pytest.mark.parametrize("flag,message", [
    (["--vary", "tstop=1,2"], "--vary and --grid belong to 'myelin sweep'"),
    (["--grid"], "--vary and --grid belong to 'myelin sweep'"),
    (["--jobs", "2"], "--jobs belongs to 'myelin batch', 'myelin sweep' and 'myelin run --trials'"),
])
def test_sweep_flags_are_refused_by_run(myelin_bin, net3x3, tmp_path, flag, message):
    p = run(myelin_bin, "run", net3x3, *flag, "-o", tmp_path / "r", check=False)
    assert p.returncode == 2 and message in p.stderr
    assert not (tmp_path / "r").exists()


def test_replayed_drives_apply_to_every_run(myelin_bin, net3x3, tmp_path):
    """The --replay-drives file is read once and applied to each run: each run equals the
    same `myelin run` with the file."""
    csv_path = tmp_path / "drives.csv"
    # The 3x3 column has 24 cells (gids 0-23); evprox1's drive cells follow.
    csv_path.write_text("gid,time_ms,type\n24,12.5,evprox1\n25,20.0,evprox1\n24,31.0,evprox1\n")
    run(myelin_bin, "sweep", net3x3, "--vary", f"{P}.L5_pyramidal=0.01,0.05",
        "--replay-drives", csv_path, "-o", tmp_path / "s", "-q")
    for k, v in enumerate(["0.01", "0.05"]):
        single = tmp_path / f"single{k}"
        run(myelin_bin, "run", net3x3, "--set", f"{P}.L5_pyramidal={v}", "--replay-drives",
            csv_path, "-o", single, "-q")
        assert (single / "dipole.csv").read_bytes() == \
            (tmp_path / f"s/runs/{k:03d}/dipole.csv").read_bytes()
        s = json.loads((single / "summary.json").read_text())
        assert s["populations"]["evprox1"]["spike_count"] == 3

"""Batches at scale (docs/batch.md, "Parallel runs and MPI" and "Recordings larger than
memory"): groups of MPI ranks simulating one run each (--ranks-per-run) give the table
and run outputs of --jobs 1; keep-all runs whose recording exceeds --max-record-memory
stream it into runs/<id>/ with the summaries and outputs of an unlimited batch."""
import json

import h5py
import pytest
from clitools import MPIRUN, run
from digests import digest_dir
from test_batch import TINY, sweep_file, table

# TINY with the membrane potential of its 40 LIF cells recorded too: ~640 KiB of
# recording for 200 ms, far above the 20,000-byte limit the streamed batches get.
TRACED = dict(TINY, tstop=200,
              recorders=TINY["recorders"] + [{"label": "v", "target": ["exc"],
                                               "variables": ["v"]}])
LIMIT = 20000


@pytest.fixture(scope="module")
def reference(myelin_bin, tmp_path_factory):
    """Four seeds, outputs kept, --jobs 1 with no recording limit to speak of."""
    d = tmp_path_factory.mktemp("groups")
    model = d / "traced.json"
    model.write_text(json.dumps(TRACED))
    s = sweep_file(d, model=str(model), vary=[{"path": "seed", "values": [1, 2, 3, 4]}],
                   keep="all")
    run(myelin_bin, "batch", s, "-o", d / "ref", "--jobs", 1, "-q")
    return d, s


def same_as_reference(d, out):
    ref = table(d / "ref/results.csv")
    assert len(ref) == 4 and all(r["status"] == "ok" for r in ref)
    assert float(ref[0]["spikes_exc"]) > 100 and ref[0]["isi_cv_exc"] != ""
    assert table(out / "results.csv") == ref
    for r in ("000", "001", "002", "003"):
        assert digest_dir(out / "runs" / r) == digest_dir(d / "ref/runs" / r), r


def streamed(run_dir):
    """Whether the run's traces went to disk as it ran (streamed datasets are chunked)."""
    with h5py.File(run_dir / "traces.h5") as f:
        return f["exc/v/data"].chunks is not None


def needs_mpirun():
    if MPIRUN is None:
        pytest.skip("mpirun is not installed")


def test_groups_of_two_ranks_give_the_jobs1_table_and_outputs(myelin_bin, reference):
    needs_mpirun()
    d, s = reference
    out = d / "np4k2"
    run(myelin_bin, "batch", s, "-o", out, "--ranks-per-run", 2, "-q", ranks=4)
    same_as_reference(d, out)
    for r in ("000", "003"):  # each run simulated over its group's two ranks
        assert json.loads((out / "runs" / r / "summary.json").read_text())["ranks"] == 2
    # The networks were reset within each group, not built anew for every run.
    rows = [json.loads((out / "rows" / f"{i:03d}.json").read_text()) for i in range(4)]
    assert sum(r["reused"] for r in rows) >= 2


def test_ranks_not_a_multiple_of_ranks_per_run_are_refused(myelin_bin, reference):
    needs_mpirun()
    d, s = reference
    p = run(myelin_bin, "batch", s, "-o", d / "np3k2", "--ranks-per-run", 2, "-q", ranks=3,
            check=False)
    assert p.returncode != 0
    assert "--ranks-per-run 2: the 3 MPI ranks (mpirun -np) must be a multiple of it" in p.stderr
    assert not (d / "np3k2").exists()


@pytest.mark.parametrize("args,message", [
    (["--ranks-per-run", 2], "--ranks-per-run 2: the 1 MPI rank (mpirun -np) must be a multiple"),
    (["--ranks-per-run", 0], "--ranks-per-run: expected an integer in [1, "),
    (["--ranks-per-run", 1, "--jobs", 2, "--ranks-per-run", 2], "--ranks-per-run 2 with --jobs 2"),
])
def test_bad_ranks_per_run_is_a_usage_error(myelin_bin, reference, args, message):
    d, s = reference
    p = run(myelin_bin, "batch", s, "-o", d / "bad", *args, check=False)
    assert p.returncode == 2 and message in p.stderr, p.stderr
    assert not (d / "bad").exists()
    p = run(myelin_bin, "run", d / "traced.json", "--ranks-per-run", 2, check=False)
    assert p.returncode == 2 and "--ranks-per-run belongs to 'myelin batch'" in p.stderr


@pytest.mark.parametrize("how", ["jobs2", "np4k2"])
def test_keep_all_streams_runs_above_the_recording_limit(myelin_bin, reference, how):
    d, s = reference
    out = d / f"stream_{how}"
    if how == "jobs2":
        run(myelin_bin, "batch", s, "-o", out, "--jobs", 2, "--max-record-memory", LIMIT, "-q")
    else:
        needs_mpirun()
        run(myelin_bin, "batch", s, "-o", out, "--ranks-per-run", 2, "--max-record-memory", LIMIT,
            "-q", ranks=4)
    same_as_reference(d, out)  # summaries read back from the streamed spikes.h5
    assert all(streamed(out / "runs" / r) for r in ("000", "001", "002", "003"))
    assert not streamed(d / "ref/runs/000")


def test_without_outputs_kept_the_limit_fails_the_runs(myelin_bin, reference):
    d, _ = reference
    s = sweep_file(d, "summaries.json", model=str(d / "traced.json"),
                   vary=[{"path": "seed", "values": [1, 2]}])
    p = run(myelin_bin, "batch", s, "-o", d / "summaries", "--max-record-memory", LIMIT, "-q",
            check=False)
    assert p.returncode == 1
    rows = table(d / "summaries/results.csv")
    assert [r["status"] for r in rows] == ["failed", "failed"]
    assert all("above the limit of 19.5 KiB" in r["error"] for r in rows)


def test_a_run_failing_in_a_group_is_a_row_and_the_batch_goes_on(myelin_bin, tiny_model):
    """i_offset 1e308 makes v NaN: every rank of the group stops after the same epoch, the
    leader's row says why, and the group takes the next run."""
    needs_mpirun()
    d = tiny_model.parent
    s = sweep_file(d, "nan.json", model=str(tiny_model), keep="all",
                   vary=[{"path": "populations.exc.params.i_offset",
                          "values": [1.0, 1e308, 1.1, 1e308]}])
    p = run(myelin_bin, "batch", s, "-o", d / "nan", "--ranks-per-run", 2, "-q", ranks=4,
            check=False)
    assert p.returncode != 0 and "2 of 4 runs failed" in p.stderr
    rows = table(d / "nan/results.csv")
    assert [r["status"] for r in rows] == ["ok", "failed", "ok", "failed"]
    assert all("v became NaN by t = 26 ms" in rows[i]["error"] for i in (1, 3))
    assert int(rows[2]["spikes_exc"]) > int(rows[0]["spikes_exc"]) > 0
    assert sorted(x.name for x in (d / "nan/runs").iterdir()) == ["000", "002"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny_groups") / "tiny.json"
    path.write_text(json.dumps(TINY))
    return path

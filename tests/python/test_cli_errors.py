"""The `myelin` command's integer options, usage errors and help, the progress line, and
`myelin plot` on damaged files (issue 12, items 6-8)."""
import json
import os
import re
import shutil
import subprocess

import h5py
import pytest
from clitools import run

U64_MAX = 2**64 - 1


@pytest.mark.parametrize("seed", [2**53 + 1, U64_MAX])
def test_seed_is_exact_and_summary_model_reruns(myelin_bin, root, tmp_path, seed):
    """Seeds above 2^53 reach the model exactly (a double would give 2^53 and 0), and the
    model in summary.json runs again to the same spikes."""
    first, again = tmp_path / "first", tmp_path / "again"
    run(myelin_bin, "run", root / "models/coba.json", "-o", first, "--tstop", 100, "-q",
        "--seed", seed)
    s = json.loads((first / "summary.json").read_text())
    assert s["seed"] == seed and s["model"]["seed"] == seed
    model = tmp_path / "model.json"
    model.write_text(json.dumps(s["model"]))
    run(myelin_bin, "run", model, "-o", again, "-q")
    assert json.loads((again / "summary.json").read_text())["seed"] == seed
    assert (first / "spikes.h5").read_bytes() == (again / "spikes.h5").read_bytes()
    # A different seed gives other spikes: the seed reached the model.
    other = tmp_path / "other"
    run(myelin_bin, "run", root / "models/coba.json", "-o", other, "--tstop", 100, "-q",
        "--seed", seed - 1)
    assert (first / "spikes.h5").read_bytes() != (other / "spikes.h5").read_bytes()


@pytest.mark.parametrize("args,message", [
    (["--seed", str(U64_MAX + 1)], f"--seed: expected an integer in [0, {U64_MAX}], got '{U64_MAX + 1}'"),
    (["--seed", "-1"], f"--seed: expected an integer in [0, {U64_MAX}], got '-1'"),
    (["--seed", "1e3"], f"--seed: expected an integer in [0, {U64_MAX}], got '1e3'"),
    (["--seed", ""], f"--seed: expected an integer in [0, {U64_MAX}], got ''"),
    (["--threads", "2.0"], "--threads: expected an integer in [0, 4096] (0 = all cores), got '2.0'"),
    (["--threads", "4097"], "--threads: expected an integer in [0, 4096] (0 = all cores), got '4097'"),
    (["--trials", "2.5"], "--trials: expected an integer in [1, 100000], got '2.5'"),
    (["--trials", "0"], "--trials: expected an integer in [1, 100000], got '0'"),
    (["--trials", "99999999999999999999"],
     "--trials: expected an integer in [1, 100000], got '99999999999999999999'"),
    (["--trials", "3", "--jobs", "-1"], "--jobs: expected an integer in [0, 1024] (0 = all cores), got '-1'"),
    (["--bogus"], "unknown option --bogus"),
])
def test_usage_error_is_one_line_and_a_pointer(myelin_bin, root, args, message):
    p = run(myelin_bin, "run", root / "models/coba.json", *args, check=False)
    assert p.returncode == 2
    assert p.stderr == f"myelin: {message}\n(see 'myelin run --help')\n"
    assert p.stdout == ""


def test_unknown_command_points_to_the_general_help(myelin_bin):
    p = run(myelin_bin, "frobnicate", check=False)
    assert p.returncode == 2
    assert p.stderr == "myelin: unknown command 'frobnicate'\n(see 'myelin --help')\n"


@pytest.mark.parametrize("command,own,others", [
    ("run", ["myelin run MODEL.json [-o DIR]", "myelin run MODEL.json --trials N"],
     ["myelin batch", "myelin sweep", "myelin plot"]),
    ("sweep", ["myelin sweep MODEL.json --vary"], ["myelin run MODEL.json [-o", "myelin batch"]),
    ("plot", ["myelin plot DIR"], ["myelin run", "myelin info"]),
])
def test_command_help_prints_that_command_only(myelin_bin, command, own, others):
    for args in ([command, "--help"], ["help", command], [command, "x.json", "-h"]):
        p = run(myelin_bin, *args)
        assert p.stdout.startswith("usage:\n"), args
        for text in own:
            assert text in p.stdout, (args, text)
        for text in others:
            assert text not in p.stdout, (args, text)
    every = run(myelin_bin, "--help").stdout
    for name in ("run", "batch", "sweep", "validate", "plot", "info"):
        assert f"\n  myelin {name} " in every or f"\n  myelin {name}\n" in every


def test_progress_line_shows_slow_runs_speed(myelin_bin, root, tmp_path):
    """An HNN column runs at tens of model ms per wall second: the line says so with 3
    significant digits (it used to say 0.00 s/s)."""
    p = run(myelin_bin, "run", root / "models/jones2009_erp.json", "-o", tmp_path / "erp",
            "--tstop", 300, "--threads", 1)
    lines = [l for l in p.stderr.splitlines() if "ETA" in l]
    assert lines, "the run took under 2 s: no progress line (make it longer)"
    m = re.search(r"t = 300 / 300 ms  (\d+(?:\.\d+)?) (ms/s|s/s)  ETA", lines[-1])
    assert m, lines[-1]
    digits = m.group(1).replace(".", "").lstrip("0")
    assert len(digits) == 3, m.group(1)
    speed = float(m.group(1)) * (1000.0 if m.group(2) == "s/s" else 1.0)  # model ms / s
    run_s = float(re.search(r"simulated in ([\d.]+) s", p.stdout).group(1))
    assert 0.5 < speed * run_s / 300.0 < 1.2, (speed, run_s)


@pytest.fixture(scope="module")
def plotted_run(myelin_bin, root, tmp_path_factory):
    out = tmp_path_factory.mktemp("plot") / "run"
    run(myelin_bin, "run", root / "models/cuba.json", "-o", out, "--tstop", 100, "-q")
    return out


@pytest.mark.parametrize("name,size", [("spikes.h5", 1000), ("traces.h5", 3000),
                                        ("spikes.h5", 0), ("summary.json", 20)])
def test_plot_of_a_damaged_file_is_one_line(myelin_bin, plotted_run, tmp_path, name, size):
    d = tmp_path / "damaged"
    shutil.copytree(plotted_run, d)
    with open(d / name, "r+b") as f:
        f.truncate(size)
    p = run(myelin_bin, "plot", d, check=False)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert p.stderr.startswith(f"myelin plot: error: {d}/{name}: cannot read (")
    assert p.stderr.count("\n") == 1, p.stderr
    assert not list(d.glob("*.tmp*"))


def test_plot_of_a_file_missing_a_dataset(myelin_bin, plotted_run, tmp_path):
    d = tmp_path / "foreign"
    shutil.copytree(plotted_run, d)
    with h5py.File(d / "spikes.h5", "a") as f:
        del f["/spikes/exc/node_ids"]
    p = run(myelin_bin, "plot", d, check=False)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith(f"myelin plot: error: {d}/spikes.h5: cannot read (")
    assert p.stderr.count("\n") == 1, p.stderr
    # The undamaged run plots.
    assert run(myelin_bin, "plot", plotted_run).returncode == 0


@pytest.mark.parametrize("compress,filter", [("none", None), ("best", "gzip")])
def test_sweep_runs_use_compress(myelin_bin, root, tmp_path, compress, filter):
    """--compress reaches every run of a batch (run_options::compression, no process-wide
    default): COBA's 1 s traces are above the 65,536 values that get compressed."""
    out = tmp_path / compress
    run(myelin_bin, "sweep", root / "models/coba.json", "--vary", "seed=1,2", "-o", out, "-q",
        "--compress", compress)
    for r in ("000", "001"):
        with h5py.File(out / "runs" / r / "traces.h5") as f:
            assert f["/exc/v/data"].compression == filter


@pytest.mark.parametrize("script", ["generate.py", "generate_hnn.py"])
def test_model_generators_run_as_the_docs_write_them(root, tmp_path, script):
    """docs/hnn.md runs `models/generate_hnn.py ...` directly: executable, Debian's Python."""
    path = root / "models" / script
    assert os.access(path, os.X_OK), f"{path} is not executable"
    assert path.read_text().splitlines()[0] == "#!/usr/bin/python3"
    if script == "generate_hnn.py":
        out = tmp_path / "net.json"
        subprocess.run([str(path), "--grid", "2", "2", "--drives", "evprox1", "-o", str(out)],
                       check=True, cwd=tmp_path, timeout=120)
        assert json.loads(out.read_text())["drives"][0]["label"] == "evprox1"


def test_validate_applies_runs_memory_rules(myelin_bin, tmp_path):
    """validate refuses what run would refuse (a model that cannot fit in memory) and
    accepts, with a note, a recording above the in-memory limit, which run streams."""
    rec = {"name": "rec", "dt": 0.1, "tstop": 1000,
           "populations": [{"label": "a", "size": 1000, "cell_type": "IF_curr_exp"}],
           "recorders": [{"target": "a", "variables": ["v"]}]}
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(rec))
    p = run(myelin_bin, "validate", f, "--max-record-memory", "1M")
    # 1000 cells x 10001 samples x 8 B = 80 MB, above 1 MiB: streamed, not refused.
    assert "note: recorders need about 80 MB over tstop, above the 1.05 MB" in p.stdout
    assert "valid (1 populations, 1000 cells" in p.stdout
    run(myelin_bin, "run", f, "-o", tmp_path / "out", "-q", "--max-record-memory", "1M")
    with h5py.File(tmp_path / "out" / "traces.h5") as h:  # streamed: a growing dataset
        assert h["/a/v/data"].chunks is not None and h["/a/v/data"].shape == (10001, 1000)
    huge = dict(rec, populations=[{"label": "a", "size": 4000000000, "cell_type": "IF_curr_exp"}],
                recorders=[])
    f.write_text(json.dumps(huge))
    for cmd in ("validate", "run"):
        p = run(myelin_bin, cmd, f, *(["-o", tmp_path / "h"] if cmd == "run" else []), check=False)
        assert p.returncode == 1, p.stderr
        assert p.stderr.count("\n") == 1, p.stderr
        assert p.stderr.startswith("myelin: error: the model needs at least"), p.stderr
    assert not (tmp_path / "h").exists()

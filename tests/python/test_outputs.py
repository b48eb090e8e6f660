"""Output directories over time: reruns never mix runs, foreign files are refused,
interrupts and killed runs leave no temporary files, a full disk is one line naming the
file, --compress changes storage, never values (docs/output-files.md)."""
import json
import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest
from clitools import ENV, run

SPIKES_ONLY = 'recorders=[{"label":"spikes","target":["exc","inh"],"variables":["spikes"]}]'


def temporaries(d):
    return [n for n in os.listdir(d) if ".tmp-" in n or n.startswith(".myelin-probe")]


def test_rerun_leaves_only_the_second_runs_outputs(myelin_bin, root, tmp_path):
    d = tmp_path / "D"
    model = root / "models/coba.json"
    run(myelin_bin, "run", model, "-o", d, "--tstop", 100, "-q")
    run(myelin_bin, "plot", d)
    assert {"traces.h5", "traces.png", "raster.png"} <= set(os.listdir(d))
    run(myelin_bin, "run", model, "-o", d, "--tstop", 200, "-q", "--set", SPIKES_ONLY)
    assert sorted(os.listdir(d)) == ["spikes.h5", "summary.json"]
    assert json.load(open(d / "summary.json"))["tstop_ms"] == pytest.approx(200.0)
    with h5py.File(d / "spikes.h5") as f:
        assert f["/spikes/exc/timestamps"][:].max() > 100.0
    run(myelin_bin, "plot", d)
    assert sorted(os.listdir(d)) == ["raster.png", "rates.png", "spikes.h5", "summary.json"]


def test_directory_with_other_files_is_refused(myelin_bin, root, tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "notes.txt").write_text("keep me")
    (d / "summary.json").write_text("not myelin's")
    p = run(myelin_bin, "run", root / "models/coba.json", "-o", d, "--tstop", 10, check=False)
    assert p.returncode == 1
    assert p.stderr.count("\n") == 1, p.stderr
    assert f"output directory '{d}' holds 'notes.txt'" in p.stderr
    assert "another directory (-o)" in p.stderr
    assert sorted(os.listdir(d)) == ["notes.txt", "summary.json"]
    assert (d / "summary.json").read_text() == "not myelin's"


def test_temporaries_of_a_killed_run_are_removed_by_the_next(myelin_bin, root, tmp_path):
    d = tmp_path / "killed"
    d.mkdir()
    child = subprocess.Popen(["true"])
    child.wait()  # its pid now belongs to no process
    for name in (f".traces.h5.tmp-{child.pid}", f".spikes.h5.tmp-{child.pid}"):
        (d / name).write_bytes(b"\0" * 1000)
    run(myelin_bin, "run", root / "models/coba.json", "-o", d, "--tstop", 10, "-q")
    assert sorted(os.listdir(d)) == ["spikes.h5", "summary.json", "traces.h5"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_output_phase_leaves_nothing(myelin_bin, root, tmp_path, sig):
    d = tmp_path / "new" / "out"
    # Every excitatory cell's v for 200 ms (51 MB) at --compress best: seconds of writing.
    rec = 'recorders=[{"label":"v","target":"exc","variables":["v"],"interval":0.1}]'
    p = subprocess.Popen([myelin_bin, "run", str(root / "models/coba.json"), "-o", str(d),
                          "--tstop", "200", "-q", "--compress", "best", "--set", rec],
                         env=ENV, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    seen = []
    while not seen and p.poll() is None and time.monotonic() < deadline:
        try:  # the run may create, probe and remove the directory between two looks
            seen = [n for n in temporaries(d) if "traces" in n]
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    assert seen, "the run ended before its output phase was seen"
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == -sig, err
    # The directory and its parent were this run's: gone with the temporaries.
    assert not (tmp_path / "new").exists(), os.listdir(tmp_path / "new")


def test_full_disk_is_one_line_naming_the_file(myelin_bin, root, tmp_path):
    d = tmp_path / "small"
    d.mkdir()
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(d)],
                       capture_output=True, text=True)
    if m.returncode != 0:
        pytest.skip(f"cannot mount a 64 KiB tmpfs (needs root): {m.stderr.strip()}")
    try:
        p = run(myelin_bin, "run", root / "models/coba.json", "-o", d, "--tstop", 100,
                check=False)
        assert p.returncode == 1
        assert p.stderr.count("\n") == 1, p.stderr
        assert p.stderr.startswith(f"myelin: error: HDF5 file '{d}/"), p.stderr
        assert "No space left on device" in p.stderr
        assert os.listdir(d) == []
    finally:
        subprocess.run(["umount", str(d)], check=True)


def test_compress_changes_storage_not_values(myelin_bin, root, tmp_path):
    data, sizes = {}, {}  # 1 s: 10001 x 10 values, above the 65,536 for chunking
    for c in ("none", "fast", "best"):
        out = tmp_path / c
        run(myelin_bin, "run", root / "models/coba.json", "-o", out, "-q",
            "--compress", c)
        with h5py.File(out / "traces.h5") as f:
            data[c] = f["/exc/v/data"][:]
            assert f["/exc/v/data"].compression == (None if c == "none" else "gzip")
        sizes[c] = os.path.getsize(out / "traces.h5")
    assert np.array_equal(data["none"], data["fast"]) and np.array_equal(data["none"], data["best"])
    assert sizes["best"] <= sizes["fast"] < sizes["none"]
    p = run(myelin_bin, "run", root / "models/coba.json", "--compress", "zip", check=False)
    assert p.returncode == 2
    assert p.stderr.startswith("myelin: --compress: expected none, fast or best, got 'zip'\n")


def _start_and_wait(myelin_bin, model, d, extra, until):
    """Starts a run into d; returns the process once until(d) holds (polled on the
    filesystem, no clock involved beyond a generous deadline)."""
    p = subprocess.Popen([myelin_bin, "run", str(model), "-o", str(d), "-q", *extra],
                         env=ENV, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline and not until(d):
        time.sleep(0.001)
    assert p.poll() is None, "the run ended before the phase to interrupt: " + p.stderr.read()
    return p


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupt_during_simulation_then_rerun(myelin_bin, root, tmp_path, sig):
    """Interrupted while simulating, then the same command again: it completes and the
    directory holds exactly its outputs."""
    d = tmp_path / "sim"
    model = root / "models/coba.json"
    # 60 s of model time; the first progress line (printed once the run loop has gone on
    # for 2 s) says the process is inside the simulation.
    p = subprocess.Popen([myelin_bin, "run", str(model), "-o", str(d), "--tstop", "60000",
                          "--threads", "1"], env=ENV, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    assert "t = " in line, line
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == -sig, err
    assert not d.exists() or os.listdir(d) == [], os.listdir(d)
    run(myelin_bin, "run", model, "-o", d, "--tstop", 100, "-q")
    assert sorted(os.listdir(d)) == ["spikes.h5", "summary.json", "traces.h5"]


def test_sigkill_during_output_phase_then_rerun(myelin_bin, root, tmp_path):
    """SIGKILL while the files are written leaves temporaries no handler could remove;
    the next run into the directory removes them and commits its own outputs."""
    d = tmp_path / "out"
    model = root / "models/coba.json"
    rec = 'recorders=[{"label":"v","target":"exc","variables":["v"],"interval":0.1}]'
    p = _start_and_wait(myelin_bin, model, d, ["--tstop", "200", "--compress", "best",
                                               "--set", rec],
                        lambda d: d.exists() and any("traces" in n for n in temporaries(d)))
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=60)
    assert temporaries(d), "SIGKILL left no temporary to clean: the test saw nothing"
    run(myelin_bin, "run", model, "-o", d, "--tstop", 100, "-q")
    assert sorted(os.listdir(d)) == ["spikes.h5", "summary.json", "traces.h5"]
    with h5py.File(d / "spikes.h5") as f:
        assert f["/spikes/exc/timestamps"][:].max() <= 100.0

"""`myelin run` streams a recording too large for memory to disk (src/record/streaming.cpp):
the files equal those of a run held in memory, the memory stays bounded, and the run is
refused, on one line, only when the disk cannot hold the recording."""
import json
import signal
import subprocess
import time

import h5py
import pytest
from clitools import ENV, MPIRUN, run

from digests import MODELS, ROOT, digest_dir

REFERENCE = json.loads((ROOT / "tests" / "data" / "digests.json").read_text())


def big_model(path, tstop=100.0, rate=50.0):
    """1000 conductance-based cells recording v (8 B x 1000 cells per 0.1 ms step: 8 MB
    per 100 ms) and spikes, driven by 200 Poisson sources."""
    path.write_text(json.dumps({
        "name": "big", "dt": 0.1, "tstop": tstop, "seed": 3,
        "populations": [
            {"label": "c", "size": 1000, "cell_type": "IF_cond_exp", "params": {"i_offset": 0.5}},
            {"label": "p", "size": 200, "cell_type": "SpikeSourcePoisson",
             "params": {"rate": rate}}],
        "projections": [{"label": "pc", "pre": "p", "post": "c",
                         "connector": {"type": "FixedProbability", "p": 0.1},
                         "weight": 0.002, "delay": 1.0, "receptor": "excitatory"}],
        "recorders": [{"label": "v", "target": "c", "variables": ["v", "spikes"]},
                      {"label": "s", "target": ["p"], "variables": ["spikes"]}]}))
    return path


def streamed(out):
    """Whether traces.h5 was written by the stream (chunked, growable) rather than from
    memory (contiguous without --compress)."""
    with h5py.File(out / "traces.h5", "r") as f:
        return f["c/v/data"].chunks is not None


@pytest.mark.parametrize("layout", [(1, 1), (1, 2), (2, 1)], ids=["1r1t", "1r2t", "2r1t"])
def test_streamed_files_equal_in_memory_ones(myelin_bin, tmp_path, layout):
    ranks, threads = layout
    if ranks > 1 and MPIRUN is None:
        pytest.skip("mpirun not installed")
    model = big_model(tmp_path / "big.json")
    run(myelin_bin, "run", model, "-o", tmp_path / "mem", "-q")
    run(myelin_bin, "run", model, "-o", tmp_path / "disk", "-q", "--max-record-memory", "200K",
        "--threads", threads, ranks=ranks)
    assert not streamed(tmp_path / "mem") and streamed(tmp_path / "disk")
    mem, disk = digest_dir(tmp_path / "mem"), digest_dir(tmp_path / "disk")
    assert set(mem) == {"spikes.h5", "traces.h5", "summary.json"}
    assert disk == mem
    with h5py.File(tmp_path / "disk" / "spikes.h5", "r") as f:
        assert len(f["spikes/c/timestamps"]) > 1000  # the cells fire: spikes were streamed


@pytest.mark.parametrize("model,layout", [("coba", (1, 1)), ("jones2009_erp", (1, 2)),
                                          ("cuba", (2, 1))])
def test_built_in_models_streamed_keep_their_digests(myelin_bin, tmp_path, model, layout):
    """With a 1 KiB limit every recording streams, spikes recorded beyond the limit too;
    the outputs are still those of tests/data/digests.json."""
    ranks, threads = layout
    if ranks > 1 and MPIRUN is None:
        pytest.skip("mpirun not installed")
    out = tmp_path / model
    run(myelin_bin, "run", ROOT / "models" / f"{model}.json", "-o", out, "--threads", threads,
        "-q", "--max-record-memory", "1K", *MODELS[model], ranks=ranks, timeout=900)
    assert digest_dir(out) == REFERENCE[model]


def test_spikes_beyond_the_limit_go_to_the_stream(myelin_bin, tmp_path):
    """The estimate (100 Hz) fits in 200 KiB; the sources fire at 1 kHz, so the recorded
    spikes pass the limit during the run, which then streams instead of stopping."""
    model = tmp_path / "fast.json"
    model.write_text(json.dumps({
        "name": "fast", "dt": 0.1, "tstop": 1000.0, "seed": 1,
        "populations": [{"label": "src", "size": 50, "cell_type": "SpikeSourcePoisson",
                         "params": {"rate": 1000.0}}],
        "recorders": [{"label": "s", "target": "src", "variables": ["spikes"]}]}))
    run(myelin_bin, "run", model, "-o", tmp_path / "mem", "-q")
    run(myelin_bin, "run", model, "-o", tmp_path / "disk", "-q", "--max-record-memory", "200K")
    with h5py.File(tmp_path / "disk" / "spikes.h5", "r") as f:
        assert len(f["spikes/src/timestamps"]) > 45000  # ~800 kB of spikes
        assert f["spikes/src/timestamps"].chunks is not None
    assert digest_dir(tmp_path / "disk") == digest_dir(tmp_path / "mem")


def max_rss_kib(*args):
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *map(str, args)], capture_output=True,
                       text=True, env=ENV, timeout=300)
    assert p.returncode == 0, p.stderr
    return int(p.stderr.strip().splitlines()[-1])


def test_streaming_bounds_memory(myelin_bin, tmp_path):
    """1000 ms of v from 1000 cells is 80 MB of traces: held in memory (and copied for
    writing) they raise the peak RSS by well over 80 MB; streamed with a 4 MiB limit, the
    run stays near its size without recording."""
    model = big_model(tmp_path / "big.json", tstop=1000.0, rate=5.0)
    mem = max_rss_kib(myelin_bin, "run", model, "-o", tmp_path / "mem", "-q", "--threads", 1)
    disk = max_rss_kib(myelin_bin, "run", model, "-o", tmp_path / "disk", "-q", "--threads", 1,
                       "--max-record-memory", "4M")
    assert streamed(tmp_path / "disk")
    assert mem > disk + 80 * 1024, (mem, disk)
    assert disk < 64 * 1024, disk  # KiB
    assert digest_dir(tmp_path / "disk") == digest_dir(tmp_path / "mem")


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs (needs root)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {p.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_disk_too_small_is_refused_on_one_line(myelin_bin, tmp_path, tiny_disk):
    model = big_model(tmp_path / "big.json")  # ~7.8 MiB to record
    out = tiny_disk / "out"
    p = run(myelin_bin, "run", model, "-o", out, "--max-record-memory", "200K", check=False)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    for part in ("7.8 MiB", "200.0 KiB recording memory limit", "1.0 MiB is free", str(out),
                 "(-o)", "start/stop window"):
        assert part in lines[0], lines[0]
    assert not out.exists() and list(tiny_disk.iterdir()) == []
    # Within the limit nothing streams and the disk is not consulted before the run.
    small = big_model(tmp_path / "small.json", tstop=1.0)
    run(myelin_bin, "run", small, "-o", out, "-q", "--max-record-memory", "200K")
    assert (out / "traces.h5").exists()


@pytest.mark.parametrize("ranks", [1, 2])
def test_disk_full_while_streaming_is_one_line_and_leaves_nothing(myelin_bin, tmp_path, tiny_disk,
                                                                  ranks):
    """The estimate (100 Hz per recorded cell) fits the free space; 1 kHz sources record
    more and fill the disk during the run. Rank 0 writes; every rank stops with its error
    (none is left waiting in a collective)."""
    if ranks > 1 and MPIRUN is None:
        pytest.skip("mpirun not installed")
    model = tmp_path / "fast.json"
    model.write_text(json.dumps({
        "name": "fast", "dt": 0.1, "tstop": 1000.0, "seed": 1,
        "populations": [{"label": "src", "size": 100, "cell_type": "SpikeSourcePoisson",
                         "params": {"rate": 1000.0}}],
        "recorders": [{"label": "s", "target": "src", "variables": ["spikes"]}]}))
    out = tiny_disk / "out"
    p = run(myelin_bin, "run", model, "-o", out, "--max-record-memory", "20K", check=False,
            ranks=ranks)
    assert p.returncode != 0
    lines = [x for x in p.stderr.splitlines() if x.startswith("myelin:")]
    assert 1 <= len(lines) <= ranks, p.stderr  # the first rank's error aborts the job
    for line in lines:
        assert f"HDF5 file '{out}/spikes.h5'" in line and "No space left on device" in line, line
    assert list(tiny_disk.iterdir()) == []


def test_interrupted_stream_leaves_nothing(myelin_bin, tmp_path):
    """SIGTERM while the files are being streamed removes them and the directory the run
    created (the transaction registered them for the interrupt cleanup)."""
    model = big_model(tmp_path / "long.json", tstop=100000.0, rate=5.0)
    spec = json.loads(model.read_text())
    spec["recorders"][0]["interval"] = 1.0  # 8 kB per ms: slow to simulate, small on disk
    model.write_text(json.dumps(spec))
    out = tmp_path / "out"
    p = subprocess.Popen([myelin_bin, "run", str(model), "-o", str(out), "-q", "--threads", "1",
                          "--max-record-memory", "200K"], env=ENV, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while not (out.exists() and any(f.name.startswith(".traces.h5.tmp-") for f in out.iterdir())):
            assert p.poll() is None and time.time() < deadline
            time.sleep(0.02)
        time.sleep(0.2)  # some blocks written
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=60) == -signal.SIGTERM  # ended by the signal, after cleaning up
    finally:
        if p.poll() is None:
            p.kill()
    assert not out.exists()

"""HNN's cortical column from the command line (docs/hnn.md): a 3x3 network with one
proximal drive written by models/generate_hnn.py, dipole outputs, determinism across
threads and ranks, every drive type, and one-line errors for bad drives and replay files
(with nothing written)."""
import hashlib
import json
import os

import numpy as np
import pytest
from clitools import MPIRUN, run

def read_csv(path):
    return np.genfromtxt(path, delimiter=",", names=True)


def test_3x3_layout_and_outputs(myelin_bin, net3x3, tmp_path):
    m = json.loads(net3x3.read_text())
    sizes = {p["label"]: p["size"] for p in m["populations"]}
    assert sizes == {"L2_basket": 3, "L2_pyramidal": 9, "L5_basket": 3, "L5_pyramidal": 9}
    assert m["drives"][0]["origin"] == [1.0, 1.0]
    out = tmp_path / "o"
    run(myelin_bin, "run", net3x3, "-o", out, "-q")
    assert sorted(os.listdir(out)) == ["dipole.csv", "dipole_smooth.csv", "spikes.h5",
                                       "summary.json"]
    s = json.loads((out / "summary.json").read_text())
    # One drive cell per target cell (3 + 9 + 3 + 9), one spike each (mu 26.61 ms).
    assert s["populations"]["evprox1"]["size"] == 24
    assert s["populations"]["evprox1"]["spike_count"] == 24
    assert "evprox1" not in [p["label"] for p in s["model"]["populations"]]  # model as given
    raw, smooth = read_csv(out / "dipole.csv"), read_csv(out / "dipole_smooth.csv")
    assert list(raw.dtype.names) == ["t_ms", "agg", "L2", "L5"]
    assert len(raw) == len(smooth) == 2401
    np.testing.assert_allclose(raw["agg"], raw["L2"] + raw["L5"], rtol=1e-8, atol=1e-11)
    # Before the drive arrives nothing but the resting dipole; the drive moves it.
    assert np.ptp(raw["L5"][raw["t_ms"] > 30]) > 10 * np.ptp(raw["L5"][(raw["t_ms"] > 5) &
                                                                        (raw["t_ms"] < 20)])
    # Smoothing, recomputed from the raw file: HNN's default postprocessing is a
    # normalised Hamming window of round(30 ms / dt) samples ("same" convolution), x3000.
    # (The files hold 10 significant digits, hence the tolerance.)
    dt = raw["t_ms"][1] - raw["t_ms"][0]
    w = np.hamming(int(round(30.0 / dt)))
    for col in ("agg", "L2", "L5"):
        expect = np.convolve(raw[col], w / w.sum(), "same") * 3000.0
        np.testing.assert_allclose(smooth[col], expect, rtol=1e-7,
                                   atol=1e-7 * np.max(np.abs(expect)))


@pytest.mark.parametrize("ranks_layout", [False, True], ids=["threads", "ranks"])
def test_bit_identical_across_layouts(myelin_bin, net3x3, tmp_path, ranks_layout):
    if ranks_layout and MPIRUN is None:
        pytest.skip("mpirun not installed: the 2-rank layout is untested")
    digests = set()
    layouts = [(1, 1), (1, 3)] + ([(2, 2)] if ranks_layout else [])
    for ranks, threads in layouts:
        out = tmp_path / f"r{ranks}t{threads}"
        run(myelin_bin, "run", net3x3, "-o", out, "-q", "--threads", threads, ranks=ranks)
        digests.add(tuple(hashlib.sha256((out / f).read_bytes()).hexdigest()
                          for f in ("spikes.h5", "dipole.csv", "dipole_smooth.csv")))
    assert len(digests) == 1


def test_bit_identical_across_simd_builds(myelin_bin, net3x3, tmp_path):
    """The cable gate kernels exist for AVX-512, AVX2 and baseline x86-64
    (src/cable/gate_kernels.hpp); each the CPU runs gives the same spikes and dipoles."""
    digests = {}
    for simd in ("avx512", "avx2", "baseline"):
        out = tmp_path / simd
        p = run(myelin_bin, "run", net3x3, "-o", out, "-q", check=False,
                env={"MYELIN_SIMD": simd})
        if p.returncode != 0:
            assert "no such kernels" in p.stderr  # this CPU lacks the instruction set
            assert not out.exists() or not any(out.iterdir())
            continue
        digests[simd] = tuple(hashlib.sha256((out / f).read_bytes()).hexdigest()
                              for f in ("spikes.h5", "dipole.csv", "dipole_smooth.csv"))
    # Every build this CPU can run did run.
    with open("/proc/cpuinfo") as f:
        flags = set(next((ln for ln in f if ln.startswith("flags")), "").split())
    expect = {"baseline"} | ({"avx2"} if {"avx2", "fma"} <= flags else set()) | \
        ({"avx512"} if {"avx512f", "fma"} <= flags else set())
    assert set(digests) == expect
    assert len(set(digests.values())) == 1, digests


def test_drive_weights_are_model_fields(myelin_bin, net3x3, tmp_path):
    counts = []
    for w in (0.0, 0.05):
        out = tmp_path / f"w{w}"
        run(myelin_bin, "run", net3x3, "-o", out, "-q",
            "--set", f"drives.evprox1.weights_ampa.L5_pyramidal={w}",
            "--set", f"drives.evprox1.weights_ampa.L2_pyramidal={w}")
        counts.append(json.loads((out / "summary.json").read_text())["populations"])
    assert counts[0]["L5_pyramidal"]["spike_count"] < counts[1]["L5_pyramidal"]["spike_count"]


def test_every_drive_type(myelin_bin, net3x3, tmp_path):
    m = json.loads(net3x3.read_text())
    targets = {"L5_pyramidal": 0.01, "L2_basket": 0.01}
    m["drives"] = [
        {"label": "poiss", "type": "poisson", "rate": 40, "tstart": 10, "tstop": 50,
         "seed": 3, "origin": [1, 1], "weights_ampa": targets, "location": "proximal"},
        {"label": "burst", "type": "bursty", "tstart": 5, "burst_rate": 50, "numspikes": 2,
         "spike_isi": 3, "cell_specific": False, "n_drive_cells": 2, "seed": 4,
         "origin": [1, 1], "weights_nmda": {"L5_pyramidal": 0.002}, "location": "distal"},
        {"label": "times", "type": "evoked", "spike_times": [12.5, 30.0], "cell_specific": False,
         "origin": [1, 1], "weights_ampa": {"L2_pyramidal": 0.01}},
        {"label": "bias", "type": "tonic", "amplitudes": {"L5_basket": 0.3}, "tstart": 20},
    ]
    path = tmp_path / "drives.json"
    path.write_text(json.dumps(m))
    out = tmp_path / "o"
    run(myelin_bin, "run", path, "-o", out, "-q")
    pops = json.loads((out / "summary.json").read_text())["populations"]
    # Poisson: 12 cells x 40 Hz x 40 ms ~ 19 spikes; bursts every 20 ms from 5 ms (5, 25,
    # 45) of 2 spikes for 2 cells; explicit times: 2 spikes of one cell.
    assert 5 <= pops["poiss"]["spike_count"] <= 40 and pops["poiss"]["size"] == 12
    assert pops["burst"]["size"] == 2 and pops["burst"]["spike_count"] == 12
    assert pops["times"]["size"] == 1 and pops["times"]["spike_count"] == 2
    assert pops["L5_basket"]["spike_count"] > 0  # 0.3 nA from 20 ms on makes baskets fire


REPLAY_ERRORS = [
    ("gid,time\n1,2\n", "missing column 'time_ms'"),
    ("gid,time_ms,type\n5000,10,evprox1\n", "row 2: unknown gid 5000"),
    ("gid,time_ms,type\n30,10,evprox1\n30,-1,evprox1\n", "row 3: time_ms -1 is negative"),
    ("gid,time_ms,type\n30,abc,evprox1\n", "row 2: time_ms 'abc' is not a number"),
    ("gid,time_ms,type\n30,10,evdist1\n", "row 2: gid 30 belongs to drive 'evprox1'"),
]


@pytest.mark.parametrize("text,message", REPLAY_ERRORS)
def test_replay_errors_name_the_row(myelin_bin, net3x3, tmp_path, text, message):
    csv = tmp_path / "replay.csv"
    csv.write_text(text)
    out = tmp_path / "o"
    p = run(myelin_bin, "run", net3x3, "-o", out, "--replay-drives", csv, check=False)
    assert p.returncode != 0
    assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not out.exists()


def test_replay_replaces_drive_times(myelin_bin, net3x3, tmp_path):
    # gids: 24 cells, then evprox1's 24 drive cells (24..47); row of a real cell skipped.
    csv = tmp_path / "replay.csv"
    csv.write_text("gid,time_ms,type\n3,5.0,L2_pyramidal\n24,10.0,evprox1\n40,11.0,evprox1\n"
                   "40,20.5,evprox1\n")
    out = tmp_path / "o"
    run(myelin_bin, "run", net3x3, "-o", out, "-q", "--replay-drives", csv)
    pops = json.loads((out / "summary.json").read_text())["populations"]
    assert pops["evprox1"]["spike_count"] == 3


@pytest.mark.parametrize("path,value,field", [
    ("drives.evprox1.location", '"distal"', "drives[0].location"),  # L5_basket has no distal input
    ("drives.evprox1.type", '"sometimes"', "drives[0].type"),
    ("drives.evprox1.sigma", "-1", "drives[0].sigma"),
    ("drives.evprox1.weights_ampa.nowhere", "0.1", "drives[0].weights_ampa.nowhere"),
    ("drives.evprox1.space_constant", "0", "drives[0].space_constant"),
])
def test_bad_drives_name_their_field(myelin_bin, net3x3, tmp_path, path, value, field):
    out = tmp_path / "o"
    p = run(myelin_bin, "run", net3x3, "-o", out, "--set", f"{path}={value}", check=False)
    assert p.returncode != 0 and field in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_long_delays_take_the_event_queue(myelin_bin, tmp_path):
    """Delays beyond the ring's 4096-step horizon arrive on their exact step (event
    queue); delays that can never arrive (>= 2^31 steps, or +inf) make no connection."""
    cell = {"tau_m": 10.0, "tau_syn_E": 0.5, "v_thresh": 100.0}
    model = {
        "name": "delays", "dt": 0.1, "tstop": 700.0,
        "populations": [
            {"label": "src", "size": 1, "cell_type": "SpikeSourceArray", "spike_times": [1.0]},
            {"label": "a", "size": 3, "cell_type": "IF_curr_exp", "params": cell},
            # Enough cells that the ring (32 MiB) cannot span 6000 steps: the 600 ms delay
            # must go through the queue.
            {"label": "filler", "size": 1500, "cell_type": "IF_curr_exp"},
        ],
        "projections": [
            {"pre": "src", "post": {"population": "a", "indices": [0]},
             "connector": {"type": "AllToAll"}, "weight": 1.0, "delay": 600.0},
            {"pre": "src", "post": {"population": "a", "indices": [1]},
             "connector": {"type": "AllToAll"}, "weight": 1.0, "delay": 5.0},
            {"pre": "src", "post": {"population": "a", "indices": [2]},
             "connector": {"type": "AllToAll"}, "weight": 1.0, "delay": 1e12},
        ],
        "recorders": [{"target": "a", "variables": ["v"]}],
    }
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model))
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"o{threads}"
        run(myelin_bin, "run", path, "-o", out, "-q", "--threads", threads)
        outs.append(hashlib.sha256((out / "traces.h5").read_bytes()).hexdigest())
        s = json.loads((out / "summary.json").read_text())
        assert s["synapses"]["count"] == 2
    assert outs[0] == outs[1]
    import h5py
    with h5py.File(tmp_path / "o1" / "traces.h5") as f:
        v, t = f["/a/v/data"][:], f["/a/v/time"][:]
    rest = v[0, 0]
    moved = lambda c: t[np.argmax(np.abs(v[:, c] - rest) > 1e-9)]
    # The spike (stamped 1.0 ms) acts at 1.0 + delay; the membrane moves one step later.
    assert moved(1) == pytest.approx(6.1)
    assert moved(0) == pytest.approx(601.1)
    assert np.all(v[:, 2] == rest)


def test_drive_arrival_is_rounded_once_like_neuron(myelin_bin, tmp_path):
    """A drive event of time t and delay D is delivered at the grid time t_n nearest to
    t + D (ties to the earlier), as NEURON delivers VecStim events; the Exp2Syn opens
    during the step after t_n, so v first differs at t_n + 2 dt (MODEL_NOTES 12)."""
    pos = {"kind": "list", "list": [[0.0, 0.0, 0.0]]}
    pops = [{"label": f"b{k}", "size": 1, "cell_type": "L2_basket", "positions": pos}
            for k in range(3)]
    model = {
        "name": "arrival", "dt": 0.025, "tstop": 12.0, "populations": pops,
        "drives": [
            {"label": "d1", "spike_times": [10.0124], "cell_specific": False,
             "weights_ampa": {"b0": 0.01}, "delays": {"b0": 0.1}},
            {"label": "d2", "spike_times": [10.0126], "cell_specific": False,
             "weights_ampa": {"b1": 0.01}, "delays": {"b1": 0.1}},
        ],
        "recorders": [{"target": ["b0", "b1", "b2"], "variables": ["v"]}],
    }
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model))
    out = tmp_path / "o"
    run(myelin_bin, "run", path, "-o", out, "-q")
    import h5py
    with h5py.File(out / "traces.h5") as f:
        v = {p: f[f"/{p}/v/data"][:, 0] for p in ("b0", "b1", "b2")}
        t = f["/b0/v/time"][:]
    first = lambda p: t[np.argmax(np.abs(v[p] - v["b2"]) > 0)]
    assert first("b0") == pytest.approx(10.15)   # 10.1124 -> t_n = 10.1
    assert first("b1") == pytest.approx(10.175)  # 10.1126 -> t_n = 10.125


def test_drive_probability_thins_connections(myelin_bin, net3x3, tmp_path):
    def dipole(*sets, threads=1, tag):
        out = tmp_path / tag
        args = [a for s in sets for a in ("--set", s)]
        run(myelin_bin, "run", net3x3, "-o", out, "-q", "--threads", threads, *args)
        return (out / "dipole.csv").read_bytes()
    none = dipole("drives.evprox1.probability=0", tag="p0")
    zero = dipole(*(f"drives.evprox1.weights_ampa.{t}=0" for t in
                    ("L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal")), tag="w0")
    full = dipole(tag="p1")
    half = dipole("drives.evprox1.probability=0.5", tag="p05")
    assert none == zero            # no connection at all = zero weights
    assert half not in (none, full)
    assert dipole("drives.evprox1.probability=0.5", threads=3, tag="p05t3") == half

"""The `myelin` command line: outputs, determinism of files, and one-line errors for
every class of bad input (with no output files left behind)."""
import hashlib
import json
import os
import subprocess

import h5py
import numpy as np
import pytest
from clitools import run


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_run_writes_documented_outputs(myelin_bin, root, tmp_path):
    out = tmp_path / "coba"
    run(myelin_bin, "run", root / "models/coba.json", "-o", out, "--tstop", 200, "-q")
    s = json.load(open(out / "summary.json"))
    assert s["populations"]["exc"]["size"] == 3200
    assert s["tstop_ms"] == pytest.approx(200.0)
    assert s["seed"] == 42 and s["version"]
    assert set(s["wall_s"]) == {"build", "run"}
    assert s["model"]["populations"][0]["label"] == "exc"
    with h5py.File(out / "spikes.h5", "r") as f:
        t = f["/spikes/exc/timestamps"][:]
        ids = f["/spikes/exc/node_ids"][:]
        assert f["/spikes/exc"].attrs["sorting"] in (b"by_time", "by_time")
        assert len(t) == s["populations"]["exc"]["spike_count"]
        assert np.all(np.diff(t) >= 0) and ids.max() < 3200 and t.max() <= 200.0
    # Mean rate in summary agrees with the spike file.
    assert s["populations"]["exc"]["mean_rate_hz"] == pytest.approx(len(t) / 3200 / 0.2)
    with h5py.File(out / "traces.h5", "r") as f:
        d = f["/exc/v/data"]
        assert d.shape == (2001, 10) and d.attrs["units"] in (b"mV", "mV")
        assert np.all(f["/exc/v/node_ids"][:] == np.arange(10))
    assert sorted(os.listdir(out)) == ["spikes.h5", "summary.json", "traces.h5"]


def test_same_seed_identical_files_any_threads(myelin_bin, root, tmp_path):
    hashes = {}
    for threads in (1, 2, 3):
        out = tmp_path / f"t{threads}"
        run(myelin_bin, "run", root / "models/izhikevich.json", "-o", out, "--tstop", 300,
            "--threads", threads, "-q")
        hashes[threads] = (digest(out / "spikes.h5"), digest(out / "traces.h5"))
    assert hashes[1] == hashes[2] == hashes[3]
    out = tmp_path / "other"
    run(myelin_bin, "run", root / "models/izhikevich.json", "-o", out, "--tstop", 300,
        "--seed", 43, "-q")
    assert digest(out / "spikes.h5") != hashes[1][0]


def test_set_changes_the_model(myelin_bin, root, tmp_path):
    out = tmp_path / "set"
    run(myelin_bin, "run", root / "models/coba.json", "-o", out, "--tstop", 50, "-q",
        "--set", "populations.exc.size=100", "--set", "populations.exc.params.i_offset=0")
    s = json.load(open(out / "summary.json"))
    assert s["populations"]["exc"]["size"] == 100
    assert s["model"]["populations"][0]["params"]["i_offset"] == 0


BAD = [
    # (what to change in coba.json, field that must be named)
    ("populations.exc.cell_type", '"IF_nope"', "populations[0].cell_type"),
    ("populations.exc.params.tau_mm", "3", "populations[0].params.tau_mm"),
    ("populations.exc.params.tau_m", "0", "populations[0].params.tau_m"),
    ("populations.exc.params.tau_m", '"fast"', "populations[0].params.tau_m"),
    ("populations.exc.size", "-5", "populations[0].size"),
    ("projections.exc->all.connector.p", "1.5", "projections[0].connector.p"),
    ("projections.exc->all.connector.type", '"Sometimes"', "projections[0].connector.type"),
    ("projections.exc->all.delay", "0.01", "projections[0].delay"),
    ("tstop", "0", "tstop"),
    ("tstop", "-10", "tstop"),
]


@pytest.mark.parametrize("path,value,field", BAD)
def test_bad_values_name_their_field(myelin_bin, root, tmp_path, path, value, field):
    out = tmp_path / "out"
    p = run(myelin_bin, "run", root / "models/coba.json", "-o", out, "--set", f"{path}={value}",
            check=False)
    assert p.returncode == 1, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert field in lines[0], lines[0]
    assert not out.exists() or not any(out.iterdir())


def test_malformed_and_missing_files(myelin_bin, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"populations": [ {"label": "a", }')
    p = run(myelin_bin, "run", bad, "-o", tmp_path / "o", check=False)
    assert p.returncode == 1 and "malformed JSON" in p.stderr and len(p.stderr.splitlines()) == 1
    p = run(myelin_bin, "run", tmp_path / "nope.json", check=False)
    assert p.returncode == 1 and "nope.json" in p.stderr
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"populations": [{"label": "a", "size": "ten", "cell_type": "IF_cond_exp"}]}))
    p = run(myelin_bin, "validate", wrong, check=False)
    assert p.returncode == 1 and "populations[0].size" in p.stderr


def test_unwritable_output_directory(myelin_bin, root, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    p = run(myelin_bin, "run", root / "models/coba.json", "-o", blocker / "sub", check=False)
    assert p.returncode == 1 and "cannot write to output directory" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_usage_errors(myelin_bin):
    assert run(myelin_bin, "frobnicate", check=False).returncode == 2
    assert run(myelin_bin, "run", "m.json", "--threads", "x", check=False).returncode == 2


def test_validate_and_info(myelin_bin, root):
    p = run(myelin_bin, "validate", root / "models/izhikevich.json")
    assert "valid" in p.stdout and "1000 cells" in p.stdout
    p = run(myelin_bin, "info")
    for name in ("IF_curr_exp", "IF_cond_alpha", "Izhikevich", "EIF_cond_exp_isfa_ista",
                 "HH_cond_exp", "SpikeSourcePoisson", "SpikeSourceArray", "tau_syn_E",
                 "IF_curr_delta", "IF_cond_exp_gsfa_grr", "EIF_cond_alpha_isfa_ista",
                 "SpikeSourceGamma", "SpikeSourcePoissonRefractory"):
        assert name in p.stdout
    # The new types' PyNN parameters and recordables, with units.
    for line in ("q_sfa                  15 nS", "q_rr                 3000 nS",
                 "recordable: spikes, v, g_r, g_s, gsyn_exc, gsyn_inh",
                 "beta                    1 Hz     rate of the ISI gamma distribution; mean rate is beta/alpha",
                 "tau_refrac              0 ms     dead time"):
        assert line in p.stdout, line
    assert "defined by" not in p.stdout
    # With a model: the types it defines by equations, with the method in use (the
    # model's, or the one --set chooses) and their parameters in internal units.
    model = root / "models/kenyon_hh.json"
    p = run(myelin_bin, "info", model)
    tail = p.stdout.split("cell types defined by")[1]
    for line in ("KenyonHH  (synapses: conductance)", "gka                0.0581 uS",
                 "Cm                  0.004 nF", "integration: rk4",
                 "recordable: spikes, v, hka, mka"):
        assert line in tail, line
    p = run(myelin_bin, "info", model, "--set", "cell_types.KenyonHH.method=exponential_euler")
    assert "integration: exponential_euler" in p.stdout


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"], ["run", "--help"],
                                  ["run", "models/coba.json", "-h"]])
def test_help_prints_usage_and_succeeds(myelin_bin, root, args):
    p = subprocess.run([myelin_bin, *args], capture_output=True, text=True, timeout=30, cwd=root)
    assert p.returncode == 0, p.stderr
    assert "myelin run MODEL.json" in p.stdout
    # `myelin run --help` prints run's usage only; the others every command's.
    assert ("myelin plot DIR" in p.stdout) == (args[0] != "run"), p.stdout

"""HNN-core 0.6's calcium_model and law_2021_model cells in myelin against NEURON 8.2.

NEURON (Debian's python3-neuron) simulates each cell built from the same template file
myelin embeds (models/cells/hnn_*.json), with HNN's mechanisms written for this project
from their equations (tests/validation/neuron_mod, compiled once per build directory);
hnn_neuron_cell.py does it. myelin runs the same cells, one population each, from one
model file. Protocols, dt = 0.025 ms, 200 ms:

  step -- a somatic current step, 50-150 ms (1.0 nA; 0.3 nA for the L2 cell);
  syn  -- one AMPA event (0.01 uS) on the proximal port at 20 ms, one GABAb event
          (0.01 uS) on the soma at 40 ms (law_2021_model lengthens it), one NMDA event
          (0.01 uS) on the distal port at 100 ms.

Targets (issue 14): somatic voltage RMS difference <= 0.5 mV, every spike (upward 0 mV
crossing) within 0.1 ms. Before these count, the harness must reproduce hnn-core's own
run of the Jones 2009 L5 pyramidal cell (tests/data/hnn/single_cell_ref.csv) to the
digits it prints, so that NEURON is known to run HNN's cell as hnn-core does; and a cell
type defined in the model file itself (cell_templates) must give the same bits as the
built-in type it copies. The measured numbers are printed (pytest -s) and quoted in
docs/hnn.md. Skips, saying so, when NEURON or nrnivmodl is not installed.
"""
import hashlib
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MYELIN_BUILD_DIR", os.path.join(REPO, "build"))
MYELIN = os.path.join(BUILD, "bin", "myelin")
HERE = os.path.dirname(os.path.abspath(__file__))
MOD_DIR = os.path.join(HERE, "neuron_mod")
CELLS = os.path.join(REPO, "models", "cells")
PYTHON = "/usr/bin/python3"
DT, TSTOP = 0.025, 200.0

STEP = {"iclamp": [1.0, 50.0, 150.0], "events": []}
SYN = {"iclamp": None, "events": [["proximal_ampa", 0.01, 20.0], ["soma_gabab", 0.01, 40.0],
                                  ["distal_nmda", 0.01, 100.0]]}
# (label, cell type, protocol); the first two are hnn-core's reference protocols.
CASES = [
    ("jones_step", "L5_pyramidal", STEP),
    ("jones_syn", "L5_pyramidal",
     {"iclamp": None, "events": [["proximal_ampa", 0.01, 20.0], ["distal_nmda", 0.01, 100.0]]}),
    ("calcium_step", "L5_pyramidal_calcium", STEP),
    ("calcium_syn", "L5_pyramidal_calcium", SYN),
    ("law2021_step", "L5_pyramidal_law2021", STEP),
    ("law2021_syn", "L5_pyramidal_law2021", SYN),
    ("law2021_L2_syn", "L2_pyramidal_law2021", dict(SYN, events=SYN["events"])),
    ("law2021_L2_step", "L2_pyramidal_law2021", {"iclamp": [0.3, 50.0, 150.0], "events": []}),
]
INLINE = "L5_pyramidal_calcium_inline"  # a model-file copy of the built-in calcium cell


def have_neuron():
    if shutil.which("nrnivmodl") is None:
        return False
    return subprocess.run([PYTHON, "-c", "import neuron"], capture_output=True).returncode == 0


pytestmark = [
    pytest.mark.skipif(not os.access(MYELIN, os.X_OK), reason="myelin is not built"),
    pytest.mark.skipif(not have_neuron(), reason="NEURON (python3-neuron, nrnivmodl) not installed"),
]


def compile_mechanisms():
    """libnrnmech.so of neuron_mod/, built once per content in the build directory.

    Debian's nrnivmodl looks for its makefile in /usr/bin; a copy pointing at
    /usr/lib/nrn builds the library (its final link of `special` fails on a missing
    header, which does not matter for loading the library from Python)."""
    mods = sorted(f for f in os.listdir(MOD_DIR) if f.endswith(".mod"))
    digest = hashlib.sha256(b"".join(open(os.path.join(MOD_DIR, f), "rb").read()
                                     for f in mods)).hexdigest()[:16]
    out = os.path.join(BUILD, "neuron_mod", digest)
    lib = os.path.join(out, "x86_64", ".libs", "libnrnmech.so")
    if os.path.exists(lib):
        return out
    os.makedirs(out, exist_ok=True)
    for f in mods:
        shutil.copy(os.path.join(MOD_DIR, f), out)
    script = open(shutil.which("nrnivmodl")).read()
    script = script.replace("${bindir}/nrnmech_makefile", "/usr/lib/nrn/nrnmech_makefile")
    with open(os.path.join(out, "nrnivmodl"), "w") as f:
        f.write(script)
    r = subprocess.run(["bash", "nrnivmodl", "-loadflags", "-L/usr/lib/nrn -Wl,-rpath,/usr/lib/nrn"],
                       cwd=out, capture_output=True, text=True)
    assert os.path.exists(lib), f"nrnivmodl failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return out


def template_file(cell):
    return os.path.join(CELLS, f"hnn_{cell}.json")


@pytest.fixture(scope="module")
def neuron_traces(tmp_path_factory):
    d = tmp_path_factory.mktemp("neuron")
    job = {"mech_dir": compile_mechanisms(), "tstop": TSTOP,
           "cells": [dict(p, template=template_file(cell), name=cell) for _, cell, p in CASES]}
    (d / "job.json").write_text(json.dumps(job))
    subprocess.run([PYTHON, os.path.join(HERE, "hnn_neuron_cell.py"), str(d / "job.json"),
                    str(d / "out.npy")], check=True, capture_output=True)
    out = np.load(d / "out.npy")
    return {label: out[:, 1 + i] for i, (label, _, _) in enumerate(CASES)}


@pytest.fixture(scope="module")
def myelin_traces(tmp_path_factory):
    """Every case as a population of one cell, plus the calcium cell defined inline."""
    d = tmp_path_factory.mktemp("myelin")
    calcium = json.load(open(template_file("L5_pyramidal_calcium")))["L5_pyramidal_calcium"]
    model = {"name": "cells", "dt": DT, "tstop": TSTOP, "cell_templates": {INLINE: calcium},
             "populations": [], "projections": [], "stimuli": [], "recorders": []}
    cases = CASES + [("inline_syn", INLINE, SYN), ("inline_step", INLINE, STEP)]
    for label, cell, p in cases:
        model["populations"].append({"label": label, "size": 1, "cell_type": cell})
        model["recorders"].append({"label": label, "target": label, "variables": ["v"]})
        if p["iclamp"]:
            amp, start, stop = p["iclamp"]
            model["stimuli"].append({"label": label, "type": "DCSource", "target": label,
                                     "amplitude": amp, "start": start, "stop": stop})
        for k, (port, w, t) in enumerate(p["events"]):
            # A source spike at t - 0.1 ms with a delay of 0.1 ms arrives at t: delivered
            # at the start of the step that begins at t, as NetCon.event(t) in NEURON.
            src = f"{label}_in{k}"
            model["populations"].append({"label": src, "size": 1, "cell_type": "SpikeSourceArray",
                                         "spike_times": [round(t - 0.1, 6)]})
            model["projections"].append({"pre": src, "post": label, "receptor": port,
                                         "connector": {"type": "AllToAll"}, "weight": w,
                                         "delay": 0.1})
    (d / "cells.json").write_text(json.dumps(model))
    subprocess.run([MYELIN, "run", str(d / "cells.json"), "-o", str(d / "out"), "--quiet"],
                   check=True)
    import h5py
    with h5py.File(d / "out" / "traces.h5") as f:
        return {label: f[f"{label}/v/data"][:, 0] for label, _, _ in cases}


def crossings(v):
    up = np.nonzero((v[1:] >= 0.0) & (v[:-1] < 0.0))[0] + 1
    return up * DT


def compare(label, v, v_ref):
    assert v.shape == v_ref.shape
    rms = float(np.sqrt(np.mean((v - v_ref) ** 2)))
    worst = float(np.max(np.abs(v - v_ref)))
    s, s_ref = crossings(v), crossings(v_ref)
    print(f"{label:16s} v RMS {rms:.3g} mV, max {worst:.3g} mV; spikes {len(s)} "
          f"(NEURON {len(s_ref)}) at {' '.join(f'{t:g}' for t in s)}")
    assert rms <= 0.5, label
    assert len(s) == len(s_ref), label
    assert np.all(np.abs(s - s_ref) <= 0.1), label
    return rms, worst


def test_neuron_harness_reproduces_hnn_core(neuron_traces):
    """NEURON with neuron_mod/ and the template file gives hnn-core's traces (7 decimals)."""
    ref = np.genfromtxt(os.path.join(REPO, "tests", "data", "hnn", "single_cell_ref.csv"),
                        delimiter=",", names=True)
    for label, col in [("jones_step", "L5_pyramidal_step_vsoma_mV"),
                       ("jones_syn", "L5_pyramidal_syn_vsoma_mV")]:
        _, worst = compare(label + " (ref)", neuron_traces[label], ref[col])
        assert worst < 1e-6, label


@pytest.mark.parametrize("label", [c[0] for c in CASES])
def test_cells_match_neuron(neuron_traces, myelin_traces, label):
    _, worst = compare(label, myelin_traces[label], neuron_traces[label])
    # Regression bound: myelin follows NEURON's step and tables, so the traces agree far
    # inside the targets (measured: docs/hnn.md).
    assert worst < 1e-6, label


def test_protocols_exercise_the_changes(neuron_traces, myelin_traces):
    """The variants differ from the Jones cell where the models change it."""
    for label in ("calcium_step", "law2021_step"):
        assert np.max(np.abs(myelin_traces[label] - myelin_traces["jones_step"])) > 1.0, label
    # law_2021's GABAb (tau2 200 ms) still hyperpolarises the soma 60 ms after its event
    # (at 100 ms, before the NMDA event), Jones's (tau2 20 ms) far less.
    k = int(round(99.0 / DT))
    rest = myelin_traces["law2021_step"][int(round(49.0 / DT))]
    assert rest - myelin_traces["law2021_syn"][k] > 0.5


def test_inline_template_equals_builtin(myelin_traces):
    assert np.array_equal(myelin_traces["inline_syn"], myelin_traces["calcium_syn"])
    assert np.array_equal(myelin_traces["inline_step"], myelin_traces["calcium_step"])

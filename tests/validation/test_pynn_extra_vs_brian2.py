"""myelin's IF_curr_delta, IF_cond_exp_gsfa_grr and EIF_cond_alpha_isfa_ista against
Brian2 with the same equations (brian2_pynn_extra.py), spike by spike.

Each case is one cell driven either by a constant current (DC) or by two
SpikeSourceArrays (excitatory and inhibitory events at fixed irregular times) on top of
a weaker current; 400 ms, myelin at dt = 0.1 ms through `myelin run`.

- IF_curr_delta and IF_cond_exp_gsfa_grr reset on the step grid (as NEST's on-grid
  models), so a spike is late by up to one step and the delay carries into the next
  interval: against a continuous-time reference the difference grows by up to dt per
  spike. They are compared with Brian2 on the same 0.1 ms grid with myelin's step
  conventions (brian2_pynn_extra.py, "grid"): exact integration in both for
  IF_curr_delta, so every spike must fall in the same step (tolerance 1e-6 ms);
  Brian2's RK4 against myelin's second-order mid-step scheme for gsfa_grr, whose v
  differs by ~1e-3 mV (docs/numerics.md), so a spike may move by one step when v grazes
  threshold (tolerance 0.1 ms + 1e-6).
- EIF_cond_alpha_isfa_ista resets at the interpolated crossing time inside the step, so
  it is compared with Brian2 at dt = 0.01 ms (RK4) in continuous time: the stamp is at
  the end of the 0.1 ms step, Brian2's time at the start of its 0.01 ms step, so the two
  differ by up to 0.11 ms from that alone; tolerance 0.15 ms (docs/numerics.md measures
  the kernel's own drift at a few us over 30 spikes).

Both simulators must give the same number of spikes, at least 5.

Seeded bugs (one line in src/cells/, rebuilt, run, reverted):
- IF_curr_delta keeps refractory input (v += w while held, PyNN-Brian2's semantics):
  delta_array fails;
- EIF_cond_alpha inhibitory alpha jump with tau_syn_E: eif_alpha_array fails;
- gsfa_grr g_s jump 2 q_sfa: gsfa_grr_dc and gsfa_grr_array fail.
"""
import json
import os
import subprocess

import h5py
import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MYELIN = os.path.join(os.environ.get("MYELIN_BUILD_DIR", os.path.join(REPO, "build")),
                      "bin", "myelin")
PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))

pytestmark = pytest.mark.skipif(not os.access(MYELIN, os.X_OK),
                                reason=f"myelin binary not built ({MYELIN}); run `make build`")

# Irregular event times [ms] on the 0.1 ms grid, fixed once (seed 1).
_rng = np.random.default_rng(1)
EXC_TIMES = np.unique(np.round(np.cumsum(_rng.exponential(4.0, 80)) + 5.0, 1)).tolist()
INH_TIMES = np.unique(np.round(np.cumsum(_rng.exponential(9.0, 35)) + 5.0, 1)).tolist()

# (type, params, excitatory weight, inhibitory weight) per input kind; weights in PyNN's
# units: mV for IF_curr_delta (inhibitory negative), uS for the conductance-based types.
CASES = {
    "delta_dc": ("IF_curr_delta", {"i_offset": 1.0, "tau_refrac": 2.0}, None, None),
    "delta_array": ("IF_curr_delta", {"i_offset": 0.6, "tau_refrac": 5.0, "tau_m": 15.0},
                    4.0, -3.0),
    "gsfa_grr_dc": ("IF_cond_exp_gsfa_grr", {"i_offset": 1.5, "tau_refrac": 1.0}, None, None),
    "gsfa_grr_array": ("IF_cond_exp_gsfa_grr",
                       {"i_offset": 0.7, "tau_refrac": 1.0, "tau_syn_E": 3.0,
                        "tau_syn_I": 6.0, "q_sfa": 30.0}, 0.05, 0.05),
    "eif_alpha_dc": ("EIF_cond_alpha_isfa_ista", {"i_offset": 0.8, "tau_refrac": 0.5}, None,
                     None),
    "eif_alpha_array": ("EIF_cond_alpha_isfa_ista",
                        {"i_offset": 0.25, "tau_refrac": 0.5, "tau_syn_E": 2.0,
                         "tau_syn_I": 5.0}, 0.015, 0.03),
}
# Per type: Brian2 on myelin's grid (or at 0.01 ms), tolerance per spike [ms].
GRID = {"IF_curr_delta": True, "IF_cond_exp_gsfa_grr": True, "EIF_cond_alpha_isfa_ista": False}
TOL = {"IF_curr_delta": 1e-6, "IF_cond_exp_gsfa_grr": 0.1 + 1e-6,
       "EIF_cond_alpha_isfa_ista": 0.15}
TSTOP = 400.0
DELAY = 1.0


def case_spec(name):
    kind, params, we, wi = CASES[name]
    inputs = []
    if we is not None:
        inputs.append({"times": EXC_TIMES, "weight": we, "receptor": "excitatory", "delay": DELAY})
        inputs.append({"times": INH_TIMES, "weight": wi, "receptor": "inhibitory", "delay": DELAY})
    grid = GRID[kind]
    return {"type": kind, "params": params, "tstop": TSTOP, "dt": 0.1 if grid else 0.01,
            "grid": grid, "inputs": inputs}


def myelin_model(spec):
    pops = [{"label": "cell", "size": 1, "cell_type": spec["type"], "params": spec["params"]}]
    projections = []
    for k, inp in enumerate(spec["inputs"]):
        label = f"src{k}"
        pops.append({"label": label, "size": 1, "cell_type": "SpikeSourceArray",
                     "spike_times": [inp["times"]]})
        projections.append({"pre": label, "post": "cell", "connector": {"type": "OneToOne"},
                            "receptor": inp["receptor"], "weight": inp["weight"],
                            "delay": inp["delay"]})
    return {"name": "one_cell", "dt": 0.1, "tstop": spec["tstop"], "seed": 1,
            "populations": pops, "projections": projections,
            "recorders": [{"target": "cell", "variables": ["spikes"]}]}


@pytest.mark.parametrize("name", list(CASES))
def test_spike_times_match_brian2(name, tmp_path):
    spec = case_spec(name)
    case_file, b2_out = tmp_path / "case.json", tmp_path / "brian2.json"
    case_file.write_text(json.dumps(spec))
    brian = subprocess.Popen([PYTHON, os.path.join(HERE, "brian2_pynn_extra.py"), str(case_file),
                              str(b2_out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    model_file = tmp_path / "model.json"
    model_file.write_text(json.dumps(myelin_model(spec)))
    my = subprocess.run([MYELIN, "run", str(model_file), "-o", str(tmp_path / "out"), "--quiet"],
                        capture_output=True, text=True, timeout=300)
    b_log = brian.communicate(timeout=600)[0].decode(errors="replace")
    assert my.returncode == 0, f"myelin failed:\n{my.stdout}\n{my.stderr}"
    assert brian.returncode == 0, f"Brian2 failed:\n{b_log[-3000:]}"
    with h5py.File(tmp_path / "out" / "spikes.h5", "r") as h5:
        mine = np.sort(np.asarray(h5["spikes/cell/timestamps"][:], dtype=np.float64))
    theirs = np.asarray(json.loads(b2_out.read_text())["spikes"], dtype=np.float64)
    tol = TOL[spec["type"]]
    print(f"{name}: myelin {mine.size} spikes, Brian2 {theirs.size}")
    assert mine.size >= 5, "the case must make the cell fire"
    assert mine.size == theirs.size, (f"{name}: {mine.size} spikes vs Brian2's {theirs.size}\n"
                                      f"myelin {mine[:20]}\nBrian2 {theirs[:20]}")
    diff = np.abs(mine - theirs)
    print(f"{name}: max |t_myelin - t_Brian2| = {diff.max():.4f} ms (tolerance {tol} ms)")
    assert diff.max() <= tol, f"{name}: spike {int(diff.argmax())} differs by {diff.max():.4f} ms"

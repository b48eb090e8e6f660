"""myelin against Brian2 on the built-in network models: population rates and ISI CVs.

Each case runs one model file through `myelin run` and through Brian2 2.5 (runtime
device, numpy code generation: with a fresh extension cache Cython spends ~50 s compiling
for a 1 s gain, so numpy is the faster of the two here) as translated by
bench/peers/brian2_models.py, which reads the same JSON. The two simulators draw
different connectivities, initial values and noise from their own random streams, so the
comparison is statistical: the tolerances come from the seed-to-seed spread of Brian2
itself, measured with

    /usr/bin/python3 bench/peers/brian2_seed_spread.py --seeds 16 \
        --models coba:400,cuba:1000,izhikevich:1000,cobahh:400,coba:400:0:0.025,cobahh:400:0:0.025

(16 seeds, each a new network; sd = standard deviation over seeds). The difference of two
independent realisations has sd*sqrt(2); a tolerance of 4*sqrt(2)*sd (5.7 sd) is met by
two correct simulators with probability > 0.9999 per quantity, and a slice of the
integrators' known systematic difference is added where Brian2's first-order exponential
Euler differs from myelin's second-order schemes (measured as Brian2 at dt 0.1 vs 0.025 ms).

Nothing is cached: every run builds and simulates both networks anew (~1 minute in all).
"""
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench", "peers"))
import brian2_models  # noqa: E402

MYELIN = os.path.join(os.environ.get("MYELIN_BUILD_DIR", os.path.join(REPO, "build")),
                      "bin", "myelin")
PYTHON = "/usr/bin/python3"

pytestmark = pytest.mark.skipif(not os.access(MYELIN, os.X_OK),
                                reason=f"myelin binary not built ({MYELIN}); run `make build`")

# Measured Brian2 seed-to-seed spread (16 seeds, numpy runtime), per population:
# (mean rate [Hz], sd of the rate [Hz], mean ISI CV, sd of the CV).
#   coba, 400 ms:        exc 21.79 Hz sd 1.70 (7.8 %)  CV 1.217 sd 0.028
#                        inh 21.66 Hz sd 0.76 (3.5 %)  CV 1.212 sd 0.031
#   SPREAD-TABLE-REST
# Tolerances: rate_rel = 4*sqrt(2)*max(sd/rate over populations) + integrator allowance,
# cv_abs = 4*sqrt(2)*max(sd of CV) + integrator allowance; rounded up.
CASES = {
    "coba": dict(tstop=400.0, rate_rel=0.45, cv_abs=0.20),
    "cuba": dict(tstop=1000.0, rate_rel=0.30, cv_abs=0.10),
    "izhikevich": dict(tstop=1000.0, rate_rel=0.20, cv_abs=0.10),
    "cobahh": dict(tstop=400.0, rate_rel=0.60, cv_abs=0.50),
}


def myelin_stats(outdir, model):
    """Per population: size, spike count, rate and ISI CV from myelin's spikes.h5."""
    with open(os.path.join(outdir, "summary.json")) as f:
        summary = json.load(f)
    stats = {}
    with h5py.File(os.path.join(outdir, "spikes.h5"), "r") as h5:
        for p in model["populations"]:
            lab, size = p["label"], int(p["size"])
            ids = np.asarray(h5[f"spikes/{lab}/node_ids"][:], dtype=np.int64)
            ts = np.asarray(h5[f"spikes/{lab}/timestamps"][:], dtype=np.float64)
            assert ids.size == 0 or (ids.min() >= 0 and ids.max() < size), lab
            assert ts.size == 0 or (ts.min() >= 0.0 and ts.max() <= model["tstop"]), lab
            # The summary and the spike file must tell the same story.
            assert summary["populations"][lab]["spike_count"] == ids.size, lab
            stats[lab] = brian2_models.population_stats(size, ids, ts, float(model["tstop"]))
    return stats


def run_both(name, tmp_path):
    case = CASES[name]
    model = brian2_models.scale_model(brian2_models.load_model(name), case.get("n"),
                                      case["tstop"])
    model_file = tmp_path / f"{name}.json"
    model_file.write_text(json.dumps(model))
    b2_out = tmp_path / "brian2.json"
    # Brian2 in a child process (its global state stays out of pytest), running while
    # myelin runs: the two cores are used and the case takes the longer of the two.
    brian = subprocess.Popen(
        [PYTHON, os.path.join(REPO, "bench", "peers", "brian2_models.py"), str(model_file),
         "--device", "runtime", "--codegen", "numpy", "--out", str(b2_out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    my_dir = tmp_path / "myelin"
    my = subprocess.run([MYELIN, "run", str(model_file), "-o", str(my_dir), "--quiet"],
                        capture_output=True, text=True, timeout=600)
    b_log = brian.communicate(timeout=600)[0].decode(errors="replace")
    assert my.returncode == 0, f"myelin failed:\n{my.stdout}\n{my.stderr}"
    assert brian.returncode == 0, f"Brian2 failed:\n{b_log[-3000:]}"
    with open(b2_out) as f:
        b2 = json.load(f)["populations"]
    return model, myelin_stats(my_dir, model), b2


@pytest.mark.parametrize("name", list(CASES))
def test_rates_and_cv_match_brian2(name, tmp_path):
    case = CASES[name]
    model, my, b2 = run_both(name, tmp_path)
    lines, failures = [], []
    for p in model["populations"]:
        lab = p["label"]
        rm, rb = my[lab]["mean_rate_hz"], b2[lab]["mean_rate_hz"]
        cm, cb = my[lab]["cv_isi_mean"], b2[lab]["cv_isi_mean"]
        lines.append(f"{lab}: rate myelin {rm:.3f} Hz, Brian2 {rb:.3f} Hz; "
                     f"CV myelin {cm:.3f}, Brian2 {cb:.3f}")
        assert rb > 0.5, f"Brian2 network silent ({lab}: {rb} Hz): translation broken"
        if not abs(rm - rb) <= case["rate_rel"] * rb:
            failures.append(f"{lab}: rate differs by {100 * abs(rm - rb) / rb:.1f} % "
                            f"(allowed {100 * case['rate_rel']:.0f} %)")
        if not (math.isfinite(cm) and abs(cm - cb) <= case["cv_abs"]):
            failures.append(f"{lab}: ISI CV differs by {abs(cm - cb):.3f} "
                            f"(allowed {case['cv_abs']})")
    print("\n".join(lines))
    assert not failures, "; ".join(failures) + "\n" + "\n".join(lines)

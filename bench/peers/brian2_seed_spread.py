#!/usr/bin/python3
"""Seed-to-seed spread of Brian2's population statistics, the basis of the tolerances in
tests/validation/test_vs_brian2.py.

Runs each model with Brian2 (runtime device, numpy) for several seeds, each seed drawing
a new connectivity, new initial values and new noise, and prints per population the mean
and standard deviation over seeds of the mean rate and of the mean ISI CV:

    /usr/bin/python3 bench/peers/brian2_seed_spread.py --models coba:400,cuba:1000 --seeds 8
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def one(model, tstop, seed, n, dt, outdir):
    out = os.path.join(outdir, f"{model}_{tstop}_{n}_{dt}_{seed}.json")
    cmd = ["/usr/bin/python3", os.path.join(HERE, "brian2_models.py"), model, "--tstop",
           str(tstop), "--seed", str(seed), "--out", out]
    if n:
        cmd += ["--n", str(n)]
    if dt:
        cmd += ["--dt", str(dt)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="coba:400,cuba:1000,izhikevich:1000,cobahh:400",
                    help="comma-separated model:tstop_ms[:n_cells[:dt_ms]] (n_cells 0: the model's)")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", help="write the spreads here")
    a = ap.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as d, ThreadPoolExecutor(a.jobs) as pool:
        for spec in a.models.split(","):
            parts = spec.split(":")
            model, tstop = parts[0], float(parts[1])
            n = int(parts[2]) if len(parts) > 2 else None
            dt = float(parts[3]) if len(parts) > 3 else None
            runs = list(pool.map(lambda s: one(model, tstop, s, n, dt, d),
                                 range(1, a.seeds + 1)))
            report[spec] = {}
            for lab in runs[0]["populations"]:
                r = np.array([x["populations"][lab]["mean_rate_hz"] for x in runs])
                cv = np.array([x["populations"][lab]["cv_isi_mean"] for x in runs])
                report[spec][lab] = {
                    "rate_mean": r.mean(), "rate_sd": r.std(ddof=1),
                    "rate_rel_sd": r.std(ddof=1) / r.mean(),
                    "cv_mean": cv.mean(), "cv_sd": cv.std(ddof=1),
                    "run_s": float(np.mean([x["wall_s"]["run"] for x in runs])),
                    "rates": r.tolist(), "cvs": cv.tolist()}
                q = report[spec][lab]
                print(f"{spec:22s} {lab:5s} rate {q['rate_mean']:8.3f} Hz  sd {q['rate_sd']:.3f}"
                      f" ({100 * q['rate_rel_sd']:.1f}%)  CV {q['cv_mean']:.3f} sd {q['cv_sd']:.3f}"
                      f"  run {q['run_s']:.1f} s", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

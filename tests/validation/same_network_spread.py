#!/usr/bin/python3
"""How far one fixed network's spikes and statistics move under small perturbations.

Measures, with myelin alone (it is fast), what tests/validation/test_vs_brian2_same_network.py
must tolerate: for each model and connectivity seed (tests/validation/same_network.py),
one run as drawn and runs with

- 'ulp': one cell's initial v moved by 1e-9 mV (a rounding-level difference);
- 'step k': drive spike k (the first spike of drive source k after 100 ms) one step
  later, the smallest change of a spike train and what a rounding difference that
  flips one threshold crossing would cause.

Per population it prints the time of the first differing spike, the fraction of spikes
(cell, step) not shared at the end, the change of the mean rate [%] and of the mean ISI
CV, and the correlation of the per-cell spike counts.

    /usr/bin/python3 tests/validation/same_network_spread.py --seeds 1,2 --models coba,cuba,cobahh
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "bench", "peers"))
import brian2_models  # noqa: E402
import same_network  # noqa: E402

MYELIN = os.path.join(os.environ.get("MYELIN_BUILD_DIR", os.path.join(REPO, "build")),
                      "bin", "myelin")


def run(model, workdir, tag):
    path = os.path.join(workdir, tag + ".json")
    with open(path, "w") as f:
        json.dump(model, f)
    out = os.path.join(workdir, tag)
    subprocess.run([MYELIN, "run", path, "-o", out, "--quiet"], check=True)
    trains = {}
    with h5py.File(os.path.join(out, "spikes.h5"), "r") as h5:
        for p in model["populations"]:
            if p["cell_type"] == "SpikeSourceArray":
                continue
            lab = p["label"]
            trains[lab] = (np.asarray(h5[f"spikes/{lab}/node_ids"][:], dtype=np.int64),
                           np.asarray(h5[f"spikes/{lab}/timestamps"][:], dtype=np.float64))
    return trains


def compare(model, a, b):
    dt, tstop = float(model["dt"]), float(model["tstop"])
    out = {}
    for p in model["populations"]:
        lab = p["label"]
        if lab not in a:
            continue
        size = int(p["size"])
        sa = set(zip(np.rint(a[lab][1] / dt).astype(int).tolist(), a[lab][0].tolist()))
        sb = set(zip(np.rint(b[lab][1] / dt).astype(int).tolist(), b[lab][0].tolist()))
        diff = sa ^ sb
        st_a = brian2_models.population_stats(size, *a[lab], tstop)
        st_b = brian2_models.population_stats(size, *b[lab], tstop)
        ca = np.bincount(a[lab][0], minlength=size)
        cb = np.bincount(b[lab][0], minlength=size)
        out[lab] = dict(
            first_ms=None if not diff else round(min(s for s, _ in diff) * dt, 1),
            unshared=len(diff) / max(len(sa | sb), 1),
            rate_pct=100.0 * (st_b["mean_rate_hz"] / st_a["mean_rate_hz"] - 1.0),
            cv=st_b["cv_isi_mean"] - st_a["cv_isi_mean"],
            count_corr=float(np.corrcoef(ca, cb)[0, 1]))
    return out


def perturbations(model):
    out = []
    m = copy.deepcopy(model)
    m["populations"][0]["initial"]["v"][0] += 1e-9
    out.append(("ulp", m))
    dt = float(model["dt"])
    for k in range(3):
        m = copy.deepcopy(model)
        times = next(p for p in m["populations"] if p["label"] == "drive")["spike_times"][k]
        j = next(i for i, t in enumerate(times) if t > 100.0)
        if j + 1 < len(times) and times[j + 1] - times[j] < 1.5 * dt:
            continue
        times[j] = round(times[j] + dt, 10)
        out.append((f"step {k} at {times[j]:.1f}", m))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="coba,cuba,cobahh")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--tstop", type=float, default=1000.0)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="same_network_spread_") as work:
        for name in a.models.split(","):
            for seed in [int(s) for s in a.seeds.split(",")]:
                model = same_network.same_network(name, seed, a.tstop)
                base = run(model, work, "base")
                for tag, m in perturbations(model):
                    res = compare(model, base, run(m, work, "perturbed"))
                    for lab, r in res.items():
                        print(f"{name} seed {seed} {tag:16s} {lab}: first {r['first_ms']} ms, "
                              f"unshared {r['unshared']:.3f}, rate {r['rate_pct']:+.2f} %, "
                              f"CV {r['cv']:+.4f}, count corr {r['count_corr']:.3f}",
                              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

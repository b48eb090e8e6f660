#!/usr/bin/python3
"""The 8 Izhikevich runs of models/sweeps/izhikevich8.json (ANNarchy's parallel_run
example: the Izhikevich 2003 network, 1000 cells, 1 s each, each run with its own seed)
with `myelin batch --jobs 2`: the whole command's wall time (start-up, 8 plans checked,
8 builds and runs, rows and results table), medians of a few repeats. Target: < 0.2 s.

    /usr/bin/python3 bench/batch.py --build-dir build --repeats 5

Results: bench/out/batch.json.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    exe = os.path.join(a.build_dir, "bin", "myelin")
    sweep = os.path.join(REPO, "models", "sweeps", "izhikevich8.json")
    walls, per_run = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.repeats):
            out = os.path.join(tmp, f"b{k}")
            t0 = time.perf_counter()
            subprocess.run([exe, "batch", sweep, "-o", out, "--jobs", str(a.jobs), "-q"],
                           check=True)
            walls.append(time.perf_counter() - t0)
            with open(os.path.join(out, "results.csv")) as f:
                per_run += [float(r["wall_s"]) for r in csv.DictReader(f)]
    med = statistics.median(walls)
    print(f"izhikevich8, 8 runs x 1 s, --jobs {a.jobs}: whole command median {med:.3f} s "
          f"(runs: {', '.join(f'{w:.3f}' for w in walls)}); one run (median of the rows' "
          f"wall_s) {statistics.median(per_run):.3f} s; target < 0.2 s")
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "batch.json"), "w") as f:
        json.dump({"wall_s": walls, "median_s": med, "jobs": a.jobs,
                   "one_run_median_s": statistics.median(per_run)}, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Batch speed with and without network reuse (docs/batch.md, "Reusing the network").

1. The 8 Izhikevich runs of models/sweeps/izhikevich8.json (ANNarchy's parallel_run
   example: the Izhikevich 2003 network, 1000 cells, 1M all-to-all synapses, 1 s each,
   each run with its own seed) with `myelin batch --jobs 2`: the whole command's wall
   time (start-up, 8 plans checked, 8 builds or resets and runs, rows and results
   table). Target: < 0.2 s.
2. The 100-point COBA grid of models/sweeps/coba_weights.json (4000 cells, 200 ms per
   run) with `--jobs 2`: runs per second.

Each with reuse (the default) and with --no-reuse, the two alternating, medians of the
repeats:

    /usr/bin/python3 bench/batch.py --build-dir build --repeats 5 --coba-repeats 3

Results: bench/out/batch.json.
"""
import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODES = {"reuse": [], "no_reuse": ["--no-reuse"]}


def timed_batches(exe, sweep, jobs, repeats, tmp):
    """{mode: (wall times, rows' wall_s, CPU times)} over `repeats` alternating
    invocations. The CPU time (user + system of the command) tells more than the wall
    time on a machine shared with other jobs."""
    out = {m: ([], [], []) for m in MODES}
    for k in range(repeats):
        for mode, extra in MODES.items():
            d = os.path.join(tmp, f"{os.path.basename(sweep)}-{mode}-{k}")
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([exe, "batch", sweep, "-o", d, "--jobs", str(jobs), "-q", *extra],
                           check=True)
            out[mode][0].append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            out[mode][2].append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
            with open(os.path.join(d, "results.csv")) as f:
                out[mode][1].extend(float(r["wall_s"]) for r in csv.DictReader(f))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--repeats", type=int, default=5, help="izhikevich8 invocations per mode")
    ap.add_argument("--coba-repeats", type=int, default=3,
                    help="coba_weights invocations per mode (0: skip)")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    exe = os.path.join(a.build_dir, "bin", "myelin")
    sweeps = os.path.join(REPO, "models", "sweeps")
    result = {"jobs": a.jobs}
    with tempfile.TemporaryDirectory() as tmp:
        izh = timed_batches(exe, os.path.join(sweeps, "izhikevich8.json"), a.jobs, a.repeats, tmp)
        line = []
        for mode, (walls, rows, cpu) in izh.items():
            med = statistics.median(walls)
            result[f"izhikevich8_{mode}"] = {"wall_s": walls, "median_s": med, "cpu_s": cpu,
                                             "one_run_median_s": statistics.median(rows)}
            line.append(f"{mode} {med:.3f} s (CPU {statistics.median(cpu):.3f} s, one run "
                        f"{statistics.median(rows):.3f} s)")
        print(f"izhikevich8, 8 runs x 1 s, --jobs {a.jobs}, whole command, median of "
              f"{a.repeats}: " + "; ".join(line) + "; target < 0.2 s")
        if a.coba_repeats > 0:
            coba = timed_batches(exe, os.path.join(sweeps, "coba_weights.json"), a.jobs,
                                 a.coba_repeats, tmp)
            line = []
            for mode, (walls, _, cpu) in coba.items():
                rate = 100 / statistics.median(walls)
                result[f"coba_weights_{mode}"] = {"wall_s": walls, "runs_per_s": rate,
                                                  "cpu_s": cpu}
                line.append(f"{mode} {rate:.1f} runs/s (CPU {statistics.median(cpu):.2f} s)")
            print(f"coba_weights, 100 runs x 200 ms, --jobs {a.jobs}, median of "
                  f"{a.coba_repeats}: " + "; ".join(line))
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "batch.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()

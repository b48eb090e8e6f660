#!/usr/bin/python3
"""The seed-002 script itself (examples/hnn/batch_simulate.py: HNN-core's BatchSimulate
example with the import changed; 20 runs of the 3x3 column, 170 ms each, n_jobs=4) timed
as its users see it: wall and CPU time of `BatchSimulate.run` and of the whole script
(interpreter start, imports, the two plots, written to files by matplotlib's Agg).

    /usr/bin/python3 bench/hnn_batch_simulate.py --build-dir build --repeats 5
    /usr/bin/python3 bench/hnn_batch_simulate.py --compare /path/to/other/build

With --compare OTHER_BUILD_DIR the script runs on OTHER_BUILD_DIR/python right after each
run on this build's (alternating, so both see the same machine state) and both medians
(and ranges) are printed: the way to measure a change on a shared machine.
HNN-core with 4 joblib workers: 11.1 s for the run, 11.7 s for the script (the seed's log).
Results: bench/out/hnn_batch_simulate.json.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EXAMPLE = os.path.join(REPO, "examples", "hnn", "batch_simulate.py")

# Runs the example with BatchSimulate.run wrapped in wall and CPU clocks; prints one line
# "RUN <wall> <cpu>" on stderr.
WRAPPER = """
import runpy, sys, time
import matplotlib
matplotlib.use("Agg")
from myelin.hnn import batch_simulate as bs
run = bs.BatchSimulate.run
def timed(self, *a, **k):
    t0, c0 = time.time(), time.process_time()
    out = run(self, *a, **k)
    sys.stderr.write(f"RUN {time.time() - t0:.4f} {time.process_time() - c0:.4f}\\n")
    return out
bs.BatchSimulate.run = timed
runpy.run_path(sys.argv[1], run_name="__main__")
"""


def once(build_dir, workdir):
    """(run wall, run CPU, script wall, script CPU) of one run of the example [s]."""
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.abspath(build_dir), "python"),
               MPLBACKEND="Agg")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = subprocess.run([sys.executable, "-c", WRAPPER, EXAMPLE], cwd=workdir, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{EXAMPLE} failed on {build_dir}:\n{p.stderr}")
    line = [x for x in p.stderr.splitlines() if x.startswith("RUN ")][-1].split()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(line[1]), float(line[2]), wall, cpu


def summary(samples):
    names = ("run_wall_s", "run_cpu_s", "script_wall_s", "script_cpu_s")
    return {n: {"median": statistics.median(c), "min": min(c), "max": max(c)}
            for n, c in zip(names, zip(*samples))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--compare", help="another build directory, run alternately")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    builds = [args.build_dir] + ([args.compare] if args.compare else [])
    samples = {b: [] for b in builds}
    with tempfile.TemporaryDirectory() as work:  # the example writes its figures here
        for _ in range(args.repeats):
            for b in builds:
                samples[b].append(once(b, work))
    out = {"example": os.path.relpath(EXAMPLE, REPO), "repeats": args.repeats,
           "load_average": os.getloadavg(),
           "builds": {b: summary(s) for b, s in samples.items()}}
    for b, s in out["builds"].items():
        print(f"{b}:")
        for n, v in s.items():
            print(f"  {n:14s} median {v['median']:.2f} s ({v['min']:.2f}-{v['max']:.2f})")
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "hnn_batch_simulate.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The seed-003 model (models/kenyon_hh.json) in myelin and in Brian2 2.5 cpp_standalone,
one thread each: CPU time per neuron-step for rk4 and exponential Euler, and the whole
process time of a second myelin run with other parameters (the compiled kernel from the
cache). Results and how to read them: bench/README.md ("Cell types from equations").

    /usr/bin/python3 bench/equations/bench_equations.py [--cells 10000] [--ms 20]

myelin: the slope of child CPU time (user + sys, getrusage) between runs of ms and 3 ms,
so start-up, model building and the one-off compilation drop out. Brian2: its own
profiling of the state updater and thresholder code objects (they are the per-step work;
the monitors record 10 cells in both).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "validation"))
MYELIN = os.path.join(os.environ.get("MYELIN_BUILD_DIR", os.path.join(ROOT, "build")), "bin", "myelin")
MODEL = os.path.join(ROOT, "models", "kenyon_hh.json")


def child_cpu(cmd, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def myelin_ns(method, cells, ms, out):
    def go(t):
        return child_cpu([MYELIN, "run", MODEL, "-o", out, "--quiet", "--threads", "1",
                          "--set", f"populations.kc.size={cells}", "--tstop", str(t),
                          "--set", f"stimuli.Iapp.times=[{t / 2}]",
                          "--set", f"cell_types.KenyonHH.method={method}"])[0]
    go(ms)  # compiles (or finds) the kernel
    c1, c3 = go(ms), go(3 * ms)
    return 1e9 * (c3 - c1) / (cells * 2 * ms / 0.01)


def brian2_ns(method, cells, ms, tmp):
    import brian2_equations as be
    model = json.load(open(MODEL))
    model["populations"][0]["size"] = cells
    model["tstop"] = ms
    model["stimuli"][0]["times"] = [ms / 2]
    v0 = np.random.default_rng(3).uniform(-80, 0, cells)
    *_, secs = be.run(model, "kc", {"v": v0}, method=method, record=list(range(10)),
                      standalone=os.path.join(tmp, "b2_" + method))
    work = sum(s for name, s in secs.items() if "stateupdater" in name or "thresholder" in name)
    return 1e9 * work / (cells * ms / 0.01), secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=10000)
    ap.add_argument("--ms", type=float, default=20.0)
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--methods", default="rk4,exponential_euler")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "out")
    rows = []
    for method in a.methods.split(","):
        mine = myelin_ns(method, a.cells, a.ms, out)
        theirs = float("nan") if a.no_brian2 else brian2_ns(method, a.cells, a.ms, tmp)[0]
        rows.append((method, mine, theirs))
        print(f"{method:18s} myelin {mine:7.1f} ns   Brian2 cpp_standalone {theirs:7.1f} ns"
              f"   ratio {theirs / mine:5.1f}x", flush=True)
    # A run with other parameters: the kernel comes from the cache, nothing recompiles.
    cpu, wall = child_cpu([MYELIN, "run", MODEL, "-o", out, "--quiet", "--set",
                           "populations.kc.size=100", "--tstop", "1", "--set",
                           "populations.kc.params.gka=0.07", "--set", "stimuli.Iapp.times=[0.5]"])
    print(f"second run, other parameters (100 cells, 1 ms): {wall:.3f} s wall, {cpu:.3f} s CPU")


if __name__ == "__main__":
    main()

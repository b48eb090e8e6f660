#!/usr/bin/python3
"""COBA written in PyNN on myelin.pynn, pyNN.neuron and pyNN.brian2, and `myelin run
models/coba.json`, side by side.

    /usr/bin/python3 bench/pynn_coba.py --build-dir build               # full size, 1 repeat
    /usr/bin/python3 bench/pynn_coba.py --scale 0.25 --tstop 200        # quick look
    /usr/bin/python3 bench/pynn_coba.py --only neuron,native --repeats 3

The PyNN script is examples/pynn/coba.py (the network of models/coba.json: 4000
IF_cond_exp cells, p = 0.02, 1 s), run unchanged on each backend in a fresh process.
Reported per backend (medians over --repeats): import of the backend, build (setup to
the last Projection), run (sim.run), data (fetching the spikes as Neo), and the whole
process's wall and CPU time and peak memory; the native `myelin run` reports its own
build and run phases from summary.json (it also records v and conductances of 10 cells,
which the PyNN script does not). myelin.pynn is taken from <build-dir>/python and
skipped, with the reason printed, while it does not import; pyNN.neuron needs its NMODL
compiled, which scripts/pynn_neuron.sh does (idempotent). Brian2 runs with its default
code generation target unless --brian2-target says otherwise; 'auto'/'cython' compiles
on first use (cached in ~/.cython), which then lands in its build and run phases.
Results: bench/out/pynn_coba.json.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SCRIPT = os.path.join(REPO, "examples", "pynn", "coba.py")
PYTHON = "/usr/bin/python3"
BACKENDS = {"myelin": "myelin.pynn", "neuron": "pyNN.neuron", "brian2": "pyNN.brian2"}


def run_child(cmd, env=None, cwd=None):
    """(returncode, output, wall s, cpu s, peak RSS MB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return (os.waitstatus_to_exitcode(status), out.decode(errors="replace"), wall,
            ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0)


def backend_env(key, build_dir):
    """Environment in which `import BACKENDS[key]` works, or (None, reason)."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    if key == "myelin":
        env["PYTHONPATH"] = os.path.join(build_dir, "python")
    elif key == "neuron":
        r = subprocess.run([os.path.join(REPO, "scripts", "pynn_neuron.sh")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return None, "scripts/pynn_neuron.sh failed: " + r.stderr.strip().splitlines()[-1]
        env["PYTHONPATH"] = r.stdout.strip().splitlines()[-1]
    r = subprocess.run([PYTHON, "-c", f"import {BACKENDS[key]}"], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        return None, f"import {BACKENDS[key]} fails ({last})"
    return env, None


def run_pynn(key, env, args, workdir):
    cmd = [PYTHON, SCRIPT, BACKENDS[key], "--scale", str(args.scale), "--tstop",
           str(args.tstop)]
    rc, text, wall, cpu, rss = run_child(cmd, env=env, cwd=workdir)
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    if rc != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed ({rc}):\n{text[-2000:]}")
    r = json.loads(lines[-1])
    r.update(process_wall_s=wall, process_cpu_s=cpu, peak_rss_mb=rss)
    return r


def run_native(exe, args, workdir):
    out = os.path.join(workdir, "native")
    cmd = [exe, "run", os.path.join(REPO, "models", "coba.json"), "-o", out,
           "--tstop", str(args.tstop), "--quiet"]
    if args.scale != 1.0:
        raise RuntimeError("native: models/coba.json has 4000 cells; use --scale 1")
    rc, text, wall, cpu, rss = run_child(cmd)
    if rc != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({rc}):\n{text[-2000:]}")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    pops = s["populations"]
    return {"backend": "myelin run", "cells": sum(p["size"] for p in pops.values()),
            "synapses": (s.get("synapses") or {}).get("count"),
            "import_s": 0.0, "build_s": float(s["wall_s"]["build"]),
            "run_s": float(s["wall_s"]["run"]), "data_s": float("nan"),  # written during run
            "exc": {"rate_hz": pops["exc"]["mean_rate_hz"]},
            "inh": {"rate_hz": pops["inh"]["mean_rate_hz"]},
            "process_wall_s": wall, "process_cpu_s": cpu, "peak_rss_mb": rss}


def fmt(x):
    return "-" if x != x else f"{x:.3f}"  # NaN: the phase does not exist


def median_record(runs):
    keys = ("import_s", "build_s", "run_s", "data_s", "process_wall_s", "process_cpu_s",
            "peak_rss_mb")
    r = dict(runs[0])
    for k in keys:
        r[k] = statistics.median(x[k] for x in runs)
    r["repeats"] = len(runs)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--only", default="myelin,neuron,brian2,native",
                    help="comma-separated subset of myelin,neuron,brian2,native")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--tstop", type=float, default=1000.0)
    ap.add_argument("--brian2-target", default=None,
                    help="Brian2 codegen.target (default: Brian2's own, 'auto')")
    args = ap.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    wanted = args.only.split(",")
    for w in wanted:
        if w not in (*BACKENDS, "native"):
            ap.error(f"--only: unknown '{w}' (allowed: myelin, neuron, brian2, native)")

    results, skipped = {}, {}
    with tempfile.TemporaryDirectory(prefix="pynn_coba_") as work:
        if args.brian2_target:
            with open(os.path.join(work, "brian_preferences"), "w") as f:
                f.write(f"codegen.target = '{args.brian2_target}'\n")
        for key in wanted:
            if key == "native":
                exe = os.path.join(build_dir, "bin", "myelin")
                if not os.access(exe, os.X_OK):
                    skipped[key] = f"{exe} not built (make build)"
                    continue
                if args.scale != 1.0:
                    skipped[key] = "models/coba.json is the full network; only at --scale 1"
                    continue
                runs = [run_native(exe, args, work) for _ in range(args.repeats)]
            else:
                env, why = backend_env(key, build_dir)
                if env is None:
                    skipped[key] = why
                    print(f"pynn_coba: skipping {BACKENDS[key]}: {why}", file=sys.stderr)
                    continue
                runs = [run_pynn(key, env, args, work) for _ in range(args.repeats)]
            results[key] = median_record(runs)

    print(f"COBA in PyNN, {args.scale:g} x 4000 cells, {args.tstop:g} ms "
          f"(median of {args.repeats}; seconds)")
    hdr = ("backend", "import", "build", "run", "data", "process", "CPU", "RSS MB",
           "exc/inh Hz")
    print("| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr))
    for key, r in results.items():
        print(f"| {r['backend']} | {r['import_s']:.2f} | {r['build_s']:.3f} | {r['run_s']:.3f}"
              f" | {fmt(r['data_s'])} | {r['process_wall_s']:.2f} | {r['process_cpu_s']:.2f}"
              f" | {r['peak_rss_mb']:.0f} | {r['exc']['rate_hz']:.1f} / "
              f"{r['inh']['rate_hz']:.1f} |")
    for key, why in skipped.items():
        print(f"| {BACKENDS.get(key, 'myelin run')} | skipped: {why} |")
    base = results.get("native")
    if base and "myelin" in results:
        m = results["myelin"]
        print(f"myelin.pynn / myelin run: build+run {((m['build_s'] + m['run_s']) / (base['build_s'] + base['run_s'])):.2f}x")
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "pynn_coba.json"), "w") as f:
        json.dump({"scale": args.scale, "tstop": args.tstop, "repeats": args.repeats,
                   "brian2_target": args.brian2_target or "auto", "results": results,
                   "skipped": skipped}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Parallel scaling of one simulation: threads and MPI ranks, idle and loaded machine.

    /usr/bin/python3 bench/parallel.py --build-dir build               # COBA-40k, 1 s
    /usr/bin/python3 bench/parallel.py --model coba --tstop 500 --repeats 5
    /usr/bin/python3 bench/parallel.py --skip-brian2

Runs, side by side in one command and each in a fresh process:
  myelin 1 thread, 2 threads, 2 MPI ranks x 1 thread (when built with MPI);
  Brian2 cpp_standalone with 1 and 2 OpenMP threads (compilation reported apart);
each on an idle machine and again with a competing load (one CPU-bound process that
spins for the whole run, as another user's job would). Reports medians of the run
phase, parallel efficiency t1 / (2 t2), and myelin's spike-exchange time per epoch
(rank 0's wait in MPI_Allgatherv included). Results: bench/out/parallel.json.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  (bench/run.py: child runner, Brian2 driver)

MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


class competing_load:
    """One busy process for the duration of a `with` block (None: no load)."""

    def __init__(self, on):
        self.on, self.proc = on, None

    def __enter__(self):
        if self.on:
            self.proc = subprocess.Popen(["/usr/bin/python3", "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        if self.proc:
            self.proc.kill()
            self.proc.wait()


def myelin_cmd(exe, model, tstop, threads, ranks, out):
    cmd = [exe, "run", model, "-o", out, "--threads", str(threads), "--tstop", str(tstop), "-q"]
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-np", str(ranks)] + cmd
    return cmd


def run_myelin(exe, model, tstop, threads, ranks, work):
    out = os.path.join(work, f"my_{threads}_{ranks}")
    cmd = myelin_cmd(exe, model, tstop, threads, ranks, out)
    env = dict(os.environ, **MPI_ENV)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    ep = s.get("epochs", {})
    return {"run_s": s["wall_s"]["run"], "build_s": s["wall_s"]["build"],
            "exchange_us_per_epoch": ep.get("exchange_us_per_epoch"),
            "epochs": ep.get("count"),
            "spikes": sum(p["spike_count"] for p in s["populations"].values())}


def run_brian2(model, tstop, threads, work):
    out = os.path.join(work, f"b2_{threads}.json")
    cmd = ["/usr/bin/python3", os.path.join(HERE, "peers", "brian2_models.py"), model,
           "--device", "cpp_standalone", "--threads", str(threads), "--tstop", str(tstop),
           "--out", out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-2000:]}")
    with open(out) as f:
        s = json.load(f)
    return {"run_s": s["wall_s"]["run"], "build_s": s["wall_s"]["build"],
            "compile_s": s["wall_s"]["compile"],
            "spikes": sum(p["spike_count"] for p in s["populations"].values())}


def have_mpi(exe):
    p = subprocess.run([exe, "info"], capture_output=True, text=True)
    return "mpi: yes" in p.stdout.lower() or "mpi: on" in p.stdout.lower()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--model", default="coba_40k", help="built-in model name")
    ap.add_argument("--tstop", type=float, default=1000.0, help="[ms]")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-brian2", action="store_true")
    ap.add_argument("--skip-loaded", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "out", "parallel.json"))
    a = ap.parse_args(argv)
    exe = os.path.join(os.path.abspath(a.build_dir), "bin", "myelin")
    model = os.path.join(REPO, "models", a.model + ".json")
    configs = [("myelin", 1, 1), ("myelin", 2, 1)]
    if have_mpi(exe):
        configs.append(("myelin", 1, 2))
    else:
        print("note: myelin built without MPI: no rank runs")
    if not a.skip_brian2:
        configs += [("brian2", 1, 1), ("brian2", 2, 1)]
    loads = [False] if a.skip_loaded else [False, True]

    rows = []
    with tempfile.TemporaryDirectory(prefix="myelin_par_") as work:
        for loaded in loads:
            for sim, threads, ranks in configs:
                runs = []
                for k in range(a.repeats):
                    print(f"{sim} threads={threads} ranks={ranks} loaded={loaded} "
                          f"run {k + 1}/{a.repeats}", flush=True)
                    with competing_load(loaded):
                        runs.append(run_myelin(exe, model, a.tstop, threads, ranks, work)
                                    if sim == "myelin" else
                                    run_brian2(model, a.tstop, threads, work))
                med = {key: statistics.median(r[key] for r in runs)
                       for key in runs[0] if isinstance(runs[0][key], (int, float))}
                rows.append({"simulator": sim, "threads": threads, "ranks": ranks,
                             "loaded": loaded, "runs": runs, "median": med})

    def t(sim, threads, ranks, loaded):
        for r in rows:
            if (r["simulator"], r["threads"], r["ranks"], r["loaded"]) == \
                    (sim, threads, ranks, loaded):
                return r["median"]["run_s"]
        return None

    print(f"\n{a.model}, {a.tstop:.0f} ms, medians of {a.repeats}")
    print(f"{'simulator':9s} {'thr':>3s} {'ranks':>5s} {'load':>6s} {'run s':>8s} "
          f"{'eff.':>6s} {'exch us/ep':>10s} {'spikes':>9s}")
    for r in rows:
        m = r["median"]
        t1 = t(r["simulator"], 1, 1, r["loaded"])
        p = r["threads"] * r["ranks"]
        eff = f"{t1 / (p * m['run_s']):6.2f}" if p > 1 and t1 else "     -"
        ex = m.get("exchange_us_per_epoch")
        print(f"{r['simulator']:9s} {r['threads']:3d} {r['ranks']:5d} "
              f"{'loaded' if r['loaded'] else 'idle':>6s} {m['run_s']:8.3f} {eff} "
              f"{'-' if ex is None else format(ex, '10.2f'):>10s} {m['spikes']:9.0f}")
    print("\neff. = t(1 thread) / (workers x t); exch = rank 0's MPI spike exchange per epoch.")
    for loaded in loads:
        my1, my2, b1, b2 = (t("myelin", 1, 1, loaded), t("myelin", 2, 1, loaded),
                            t("brian2", 1, 1, loaded), t("brian2", 2, 1, loaded))
        tag = "loaded" if loaded else "idle"
        if my1 and my2:
            print(f"{tag}: myelin 2 threads / 1 thread run time = {my2 / my1:.2f}")
        if b1 and b2:
            print(f"{tag}: Brian2 2 threads / 1 thread run time = {b2 / b1:.2f}")
        if my1 and b1:
            print(f"{tag}: Brian2 / myelin, 1 thread = {b1 / my1:.2f}x")
        if my2 and b2:
            print(f"{tag}: Brian2 / myelin, 2 threads = {b2 / my2:.2f}x")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".tmp", "w") as f:
        json.dump({"model": a.model, "tstop_ms": a.tstop, "repeats": a.repeats,
                   "machine": {"cpu": bench._cpu_name(), "cores": os.cpu_count()},
                   "rows": rows}, f, indent=1)
    os.replace(a.out + ".tmp", a.out)
    print(f"results: {a.out}")


if __name__ == "__main__":
    sys.exit(main())

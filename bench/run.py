#!/usr/bin/python3
"""myelin and Brian2 (cpp_standalone) side by side on the built-in benchmark models.

    /usr/bin/python3 bench/run.py --build-dir build            # everything, 3 repeats
    /usr/bin/python3 bench/run.py --quick                      # small models, 1 repeat
    /usr/bin/python3 bench/run.py --only coba,cuba --repeats 5
    /usr/bin/python3 bench/run.py --threads 2                  # 1 vs 2 threads of each

Each (benchmark, simulator, threads) runs --repeats times in a fresh process; the table
shows medians. Wall times come from the simulators' own reports (myelin's summary.json,
Brian2's timers: the network loop only, compilation and setup apart); peak memory is the
child's maximum resident set (getrusage for myelin; /usr/bin/time around Brian2's binary,
so the compiler is not counted). Results: bench/out/results.json (see bench/README.md).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "peers"))
import brian2_models  # noqa: E402

# name -> (model file, why it is here)
BENCHMARKS = {
    "coba": ("coba.json", "4000 conductance-based LIF, 1 s: the standard small benchmark"),
    "cuba": ("cuba.json", "4000 current-based LIF, 1 s: exact propagators, low rate"),
    "cobahh": ("cobahh.json", "4000 Hodgkin-Huxley cells, 1 s: cost of the cell update"),
    "izhikevich": ("izhikevich.json", "1000 Izhikevich cells all-to-all, 1 s: dense delivery"),
    "coba_40k": ("coba_40k.json", "40k cells, 3.2M synapses: beyond the caches"),
    "coba_400k": ("coba_400k.json", "400k cells, 32M synapses: memory per synapse matters"),
    "hnn_erp": ("jones2009_erp.json", "HNN's Jones 2009 ERP: 270 cable cells, 170 ms at dt 0.025 "
                "(HNN-core on NEURON: 45-55 s CPU; myelin only)"),
}
# Models Brian2 cannot run (multi-compartment cells with HNN's channels): myelin only.
MYELIN_ONLY = {"hnn_erp"}
QUICK = ["coba", "cuba", "cobahh", "izhikevich"]


def model_path(name):
    return os.path.join(REPO, "models", BENCHMARKS[name][0])


def mean_out_degree(model):
    """Expected number of targets per presynaptic cell, per population label."""
    sizes = {p["label"]: int(p["size"]) for p in model["populations"]}
    deg = {}
    for pr in model["projections"]:
        post = brian2_models._labels(pr["post"])
        n_post = sum(sizes[x] for x in post)
        c = pr["connector"]
        for pre in brian2_models._labels(pr["pre"]):
            if c["type"] == "FixedProbability":
                d = c["p"] * n_post
            elif c["type"] == "AllToAll":
                d = n_post - (0 if c.get("allow_self_connections", True) or pre not in post else 1)
            else:
                d = float("nan")
            deg[pre] = deg.get(pre, 0.0) + d
    return deg


def run_child(cmd, cwd=None):
    """Runs cmd; returns (returncode, output, peak RSS of the child [MB], wall [s])."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out.decode(errors="replace"), ru.ru_maxrss / 1024.0, \
        time.perf_counter() - t0


def memory_per_synapse(summary):
    """Bytes per synapse as myelin's summary reports it ("synapses": {"bytes", "count",
    "bytes_per_synapse"}), or None when it does not."""
    syn = summary.get("synapses")
    if not isinstance(syn, dict):
        return None
    if isinstance(syn.get("bytes_per_synapse"), (int, float)):
        return float(syn["bytes_per_synapse"])
    if isinstance(syn.get("bytes"), (int, float)) and syn.get("count"):
        return float(syn["bytes"]) / syn["count"]
    return None


def run_myelin(exe, name, model, threads, workdir):
    out = os.path.join(workdir, f"myelin_{name}_{threads}")
    cmd = [exe, "run", model_path(name), "-o", out, "--threads", str(threads)]
    t0 = os.times()
    rc, text, rss, wall = run_child(cmd)
    t1 = os.times()
    cpu = (t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)
    if rc != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({rc}):\n{text[-2000:]}")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    pops = {k: {"size": v["size"], "spike_count": v["spike_count"],
                "mean_rate_hz": v["mean_rate_hz"]} for k, v in s["populations"].items()}
    return {"build_s": float(s["wall_s"]["build"]), "run_s": float(s["wall_s"]["run"]),
            "peak_rss_mb": rss, "populations": pops, "wall_total_s": wall, "cpu_total_s": cpu,
            "bytes_per_synapse": memory_per_synapse(s),
            "n_synapses": (s.get("synapses") or {}).get("count")}


def run_brian2(name, threads, workdir):
    out = os.path.join(workdir, f"brian2_{name}_{threads}.json")
    cmd = ["/usr/bin/python3", os.path.join(HERE, "peers", "brian2_models.py"),
           model_path(name), "--device", "cpp_standalone", "--threads", str(threads),
           "--out", out]
    rc, text, _, wall = run_child(cmd)
    if rc != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({rc}):\n{text[-3000:]}")
    with open(out) as f:
        s = json.load(f)
    pops = {k: {"size": v["size"], "spike_count": v["spike_count"],
                "mean_rate_hz": v["mean_rate_hz"]} for k, v in s["populations"].items()}
    w = s["wall_s"]
    return {"build_s": w["build"], "compile_s": w["compile"], "setup_s": w["setup"],
            "run_s": w["run"], "peak_rss_mb": s["peak_rss_mb"]["binary_mb"],
            "populations": pops, "wall_total_s": wall, "bytes_per_synapse": None,
            "n_synapses": s["n_synapses"]}


def derived(r, model):
    """Throughputs of one run: neuron updates/s and synaptic events/s."""
    steps = round(float(model["tstop"]) / float(model["dt"]))
    n = brian2_models.model_size(model)
    deg = mean_out_degree(model)
    events = sum(p["spike_count"] * deg.get(lab, 0.0) for lab, p in r["populations"].items())
    r["neuron_updates_per_s"] = n * steps / r["run_s"]
    r["synaptic_events"] = events
    r["synaptic_events_per_s"] = events / r["run_s"]
    if r.get("n_synapses"):
        r["rss_bytes_per_synapse"] = r["peak_rss_mb"] * 1048576.0 / r["n_synapses"]
    return r


def median_of(runs):
    keys = ["build_s", "run_s", "wall_total_s", "cpu_total_s", "peak_rss_mb", "neuron_updates_per_s", "synaptic_events_per_s",
            "compile_s", "setup_s", "bytes_per_synapse", "rss_bytes_per_synapse"]
    m = {}
    for k in keys:
        vals = [r[k] for r in runs if isinstance(r.get(k), (int, float))]
        m[k] = statistics.median(vals) if vals else None
    m["rates_hz"] = {lab: statistics.median(r["populations"][lab]["mean_rate_hz"] for r in runs)
                     for lab in runs[0]["populations"]}
    return m


def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)


def print_table(rows):
    head = (f"{'benchmark':11s} {'simulator':9s} {'thr':>3s} {'build s':>8s} {'run s':>8s} "
            f"{'upd/s':>9s} {'syn ev/s':>9s} {'peak MB':>8s} {'B/syn':>6s} {'rates Hz':>14s} "
            f"{'B2/my':>6s}")
    print(head)
    print("-" * len(head))
    for row in rows:
        m = row["median"]
        rates = "/".join(f"{v:.1f}" for v in m["rates_hz"].values())
        bsyn = m["bytes_per_synapse"]  # as the simulator reports it (Brian2 does not)
        print(f"{row['benchmark']:11s} {row['simulator']:9s} {row['threads']:3d} "
              f"{fmt(m['build_s'], '8.2f')} {fmt(m['run_s'], '8.3f')} "
              f"{fmt(m['neuron_updates_per_s'], '9.2e')} {fmt(m['synaptic_events_per_s'], '9.2e')} "
              f"{fmt(m['peak_rss_mb'], '8.1f')} {fmt(bsyn, '6.1f')} {rates:>14s} "
              f"{fmt(row.get('ratio_brian2_over_myelin'), '6.2f')}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--only", help="comma-separated benchmarks: " + ",".join(BENCHMARKS))
    ap.add_argument("--quick", action="store_true",
                    help=f"only {','.join(QUICK)}, 1 repeat (unless --repeats)")
    ap.add_argument("--repeats", type=int)
    ap.add_argument("--threads", type=int, default=1,
                    help="N > 1: run every benchmark with 1 and with N threads")
    ap.add_argument("--skip-brian2", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "out", "results.json"))
    a = ap.parse_args(argv)

    names = a.only.split(",") if a.only else (QUICK if a.quick else list(BENCHMARKS))
    for n in names:
        if n not in BENCHMARKS:
            ap.error(f"unknown benchmark '{n}' (known: {', '.join(BENCHMARKS)})")
    repeats = a.repeats or (1 if a.quick else 3)
    thread_counts = [1] if a.threads <= 1 else [1, a.threads]
    exe = os.path.join(os.path.abspath(a.build_dir), "bin", "myelin")
    have_myelin = os.access(exe, os.X_OK)
    if not have_myelin:
        print(f"note: {exe} not found: myelin columns are n/a (run `make build` first)")

    rows, skipped = [], {}
    with tempfile.TemporaryDirectory(prefix="myelin_bench_") as work:
        for name in names:
            if not os.path.exists(model_path(name)):
                skipped[name] = f"model file models/{BENCHMARKS[name][0]} missing"
                print(f"skip {name}: {skipped[name]}")
                continue
            model = brian2_models.load_model(model_path(name))
            for threads in thread_counts:
                sims = (["myelin"] if have_myelin else []) + \
                    ([] if a.skip_brian2 or name in MYELIN_ONLY else ["brian2"])
                by_sim = {}
                for sim in sims:
                    runs = []
                    for k in range(repeats):
                        print(f"{name}: {sim}, {threads} thread(s), run {k + 1}/{repeats}",
                              flush=True)
                        try:
                            r = (run_myelin(exe, name, model, threads, work) if sim == "myelin"
                                 else run_brian2(name, threads, work))
                        except RuntimeError as e:
                            print(f"  failed: {e}", flush=True)
                            skipped[f"{name}/{sim}/{threads}"] = str(e)[:2000]
                            break
                        runs.append(derived(r, model))
                    if runs:
                        by_sim[sim] = {"benchmark": name, "simulator": sim, "threads": threads,
                                       "runs": runs, "median": median_of(runs)}
                if "myelin" in by_sim and "brian2" in by_sim:
                    ratio = by_sim["brian2"]["median"]["run_s"] / by_sim["myelin"]["median"]["run_s"]
                    for row in by_sim.values():
                        row["ratio_brian2_over_myelin"] = ratio
                rows += by_sim.values()

    print()
    print_table(rows)
    if len(thread_counts) > 1:
        print("\nspeed-up of the run phase, 1 -> %d threads:" % thread_counts[1])
        for name in names:
            for sim in ("myelin", "brian2"):
                r = {row["threads"]: row["median"]["run_s"] for row in rows
                     if row["benchmark"] == name and row["simulator"] == sim}
                if len(r) == 2:
                    print(f"  {name:11s} {sim:7s} {r[1] / r[thread_counts[1]]:.2f}x")
    print("\nB2/my: Brian2 run time / myelin run time (medians). build s: myelin network "
          "construction; Brian2 code generation + compilation + setup (compile alone in the JSON).")
    result = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "machine": {"cpu": _cpu_name(), "cores": os.cpu_count(),
                          "platform": platform.platform()},
              "repeats": repeats, "myelin": exe if have_myelin else None,
              "rows": rows, "skipped": skipped,
              "benchmarks": {n: BENCHMARKS[n][1] for n in names}}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
    os.replace(a.out + ".tmp", a.out)
    print(f"results: {a.out}")
    return 1 if any("/" in k for k in skipped) else 0


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Whole-process CPU cost of a small run: what `myelin run` costs beyond its run phase.

    /usr/bin/python3 bench/process_cost.py --build-dir build               # coba, 7 runs
    /usr/bin/python3 bench/process_cost.py --model models/cuba.json --repeats 11
    /usr/bin/python3 bench/process_cost.py --compress none,fast,best       # each in turn
    /usr/bin/python3 bench/process_cost.py --compress none --brian2        # and Brian2's binary

Each repeat is a fresh `myelin run MODEL --threads 1 -q` into a scratch directory. The
process's CPU time (user + system, from getrusage of the child: loader, model reading,
network build, run, output files, exit) is compared with the run phase the process
reports itself (summary.json wall_s.run; one thread, so wall time ~ CPU time). Prints
the medians and their ratio; the goal for COBA is a ratio <= 1.5. Results also go to
bench/out/process_cost.json.

--brian2: the same model as a Brian2 cpp_standalone project (bench/peers/brian2_models.py;
generated and compiled once, not timed), whose compiled binary `./main` is then run in
turn with myelin's command, one each per repeat: the same CPU measurement of the whole
process (loader, synapse creation, run, writing its results), beside the run phase Brian2
reports (results/last_run_info.txt).

--perf: three more runs (--perf-runs) under `perf record` (task-clock samples with DWARF call chains) and
the share of the process's CPU time in each phase: the run loop (engine::run), the
network build, write_outputs, the dynamic loader, the rest. CPU shares do not grow with
the machine's load as the run phase's wall time does, so this is the measure to trust on
a shared machine; 1 / (run share) is the ratio the goal is about.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def one_run(exe, model, out, compress):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([exe, "run", model, "--threads", "1", "-q", "-o", out, "--compress", compress],
                   check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    files = {n: os.path.getsize(os.path.join(out, n)) for n in sorted(os.listdir(out))}
    return cpu, s["wall_s"]["run"], s["wall_s"]["build"], files


def brian2_project(model, directory):
    """Generates and compiles the model's cpp_standalone project into `directory`."""
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "peers", "brian2_models.py"), model,
                    "--device", "cpp_standalone", "--threads", "1", "--build-dir", directory,
                    "--out", os.path.join(directory, "brian2_summary.json")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return directory


def brian2_run(directory):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["./main"], cwd=directory, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(os.path.join(directory, "results", "last_run_info.txt")) as f:
        run = float(f.read().split()[0])
    return cpu, run


PHASES = [("run", "engine::run("), ("build", "engine::build("), ("write", "write_outputs"),
          ("loader", "_dl_start")]


def perf_phases(exe, model, out, compress, tmp, runs):
    """CPU share of each phase, from perf's task-clock samples of `runs` runs together."""
    counts = {name: 0 for name, _ in PHASES}
    counts["other"] = 0
    for _ in range(runs):
        for phase, n in perf_samples(exe, model, out, compress, tmp).items():
            counts[phase] += n
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}, total


def perf_samples(exe, model, out, compress, tmp):
    data = os.path.join(tmp, "perf.data")
    subprocess.run(["perf", "record", "-q", "-e", "task-clock", "-F", "10000", "--call-graph",
                    "dwarf,16384", "-o", data, exe, "run", model, "--threads", "1", "-q", "-o",
                    out, "--compress", compress], check=True, stderr=subprocess.DEVNULL)
    text = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym"], check=True,
                          capture_output=True, text=True).stdout
    counts = dict.fromkeys([name for name, _ in PHASES] + ["other"], 0)
    for sample in text.split("\n\n"):
        if not sample.strip():
            continue
        phase = next((name for name, key in PHASES if key in sample), "other")
        counts[phase] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--model", default=os.path.join(REPO, "models", "coba.json"))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--compress", default="none,fast",
                    help="comma-separated --compress values to measure (default none,fast)")
    ap.add_argument("--brian2", action="store_true",
                    help="also run Brian2's compiled cpp_standalone binary of the model, "
                         "alternating with myelin's command")
    ap.add_argument("--perf", action="store_true",
                    help="also split the CPU time of --perf-runs runs into phases (perf record)")
    ap.add_argument("--perf-runs", type=int, default=3)
    args = ap.parse_args()
    exe = os.path.join(args.build_dir, "bin", "myelin")
    results = []
    b2dir = None
    with tempfile.TemporaryDirectory(prefix="myelin-process-cost-") as tmp:
        for compress in args.compress.split(","):
            out = os.path.join(tmp, compress)
            one_run(exe, args.model, out, compress)  # warm the page cache
            rows, b2rows = [], []
            if args.brian2 and b2dir is None:
                b2dir = brian2_project(args.model, os.path.join(tmp, "brian2"))
                brian2_run(b2dir)  # warm
            for _ in range(args.repeats):
                rows.append(one_run(exe, args.model, out, compress))
                if args.brian2:
                    b2rows.append(brian2_run(b2dir))
            cpu = statistics.median(r[0] for r in rows)
            run = statistics.median(r[1] for r in rows)
            build = statistics.median(r[2] for r in rows)
            files = rows[-1][3]
            results.append({"model": os.path.basename(args.model), "compress": compress,
                            "repeats": args.repeats, "process_cpu_s": cpu, "run_s": run,
                            "build_s": build, "ratio": cpu / run, "bytes": files})
            h5 = ", ".join(f"{n} {b / 1e6:.2f} MB" for n, b in files.items() if n.endswith(".h5"))
            print(f"{os.path.basename(args.model)} --compress {compress:4s}: process CPU "
                  f"{cpu:.3f} s, run phase {run:.3f} s, build {build:.3f} s, "
                  f"ratio {cpu / run:.2f} (medians of {args.repeats}); {h5}")
            if args.perf:
                shares, n = perf_phases(exe, args.model, out, compress, tmp, args.perf_runs)
                results[-1]["perf_cpu_share"] = shares
                print(f"  CPU shares (perf, {args.perf_runs} runs, {n} samples): " +
                      ", ".join(f"{k} {100 * v:.1f}%" for k, v in shares.items()) +
                      f"; process / run phase {1 / shares['run']:.2f}")
            if b2rows:
                b2cpu = statistics.median(r[0] for r in b2rows)
                b2run = statistics.median(r[1] for r in b2rows)
                results[-1]["brian2"] = {"process_cpu_s": b2cpu, "run_s": b2run,
                                         "ratio": b2cpu / b2run}
                print(f"  Brian2 cpp_standalone ./main (same repeats, alternating): process "
                      f"CPU {b2cpu:.3f} s, run phase {b2run:.3f} s, ratio {b2cpu / b2run:.2f}; "
                      f"whole process Brian2 / myelin {b2cpu / cpu:.2f}x")
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "process_cost.json"), "w") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

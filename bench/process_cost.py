#!/usr/bin/python3
"""Whole-process CPU cost of a small run: what `myelin run` costs beyond its run phase.

    /usr/bin/python3 bench/process_cost.py --build-dir build               # coba, 7 runs
    /usr/bin/python3 bench/process_cost.py --model models/cuba.json --repeats 11
    /usr/bin/python3 bench/process_cost.py --compress none,fast,best       # each in turn

Each repeat is a fresh `myelin run MODEL --threads 1 -q` into a scratch directory. The
process's CPU time (user + system, from getrusage of the child: loader, model reading,
network build, run, output files, exit) is compared with the run phase the process
reports itself (summary.json wall_s.run; one thread, so wall time ~ CPU time). Prints
the medians and their ratio; the goal for COBA is a ratio <= 1.5. Results also go to
bench/out/process_cost.json.
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--model", default=os.path.join(REPO, "models", "coba.json"))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--compress", default="none,fast",
                    help="comma-separated --compress values to measure (default none,fast)")
    args = ap.parse_args()
    exe = os.path.join(args.build_dir, "bin", "myelin")
    results = []
    with tempfile.TemporaryDirectory(prefix="myelin-process-cost-") as tmp:
        for compress in args.compress.split(","):
            out = os.path.join(tmp, compress)
            one_run(exe, args.model, out, compress)  # warm the page cache
            rows = [one_run(exe, args.model, out, compress) for _ in range(args.repeats)]
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
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "process_cost.json"), "w") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

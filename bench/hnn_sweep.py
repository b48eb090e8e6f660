#!/usr/bin/python3
"""The drive-weight sweep of HNN-core's batch example (../shared/seeds/002_*): the 3x3
Jones 2009 network, one proximal evoked drive (mu 40, sigma 5 ms), 20 runs with the AMPA
weights of basket and pyramidal cells both logspace(-4, -1, 20); 170 ms each.

    /usr/bin/python3 bench/hnn_sweep.py --build-dir build --repeats 3

Times the whole `myelin sweep` process (start-up, 20 builds, runs and output files) one
run after another on one thread and on two threads per run, and with --jobs 2 (two runs
at a time, one thread each); prints the median time of one run (build, simulation and
its output files: results.csv's wall_s) on one thread; then the cable kernel's cost per
cell and step (build/bin/myelin_bench_cable 6800 5: medians of 5).
HNN-core with 4 joblib workers: 11.1 s for the 20 runs (the example's own log).
With --compare OTHER_BUILD_DIR, each sweep of OTHER_BUILD_DIR/bin/myelin runs right after
the same sweep of this build's (alternating, so both see the same machine state) and
both medians are printed: the way to measure a change on a noisy machine.
Results: bench/out/hnn_sweep.json.
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
P = "drives.evprox1.weights_ampa"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--compare", metavar="OTHER_BUILD_DIR",
                    help="time another build's sweeps alternately with this one's")
    a = ap.parse_args()
    exe = os.path.join(a.build_dir, "bin", "myelin")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        net = os.path.join(tmp, "net3x3.json")
        subprocess.run(["/usr/bin/python3", os.path.join(REPO, "models", "generate_hnn.py"),
                        "--grid", "3", "3", "--drives", "evprox1", "-o", net], check=True,
                       stdout=subprocess.DEVNULL)
        args = ["sweep", net, "--set", "drives.evprox1.mu=40", "--set",
                "drives.evprox1.sigma=5", "--vary",
                f"{P}.L2_basket,{P}.L5_basket,{P}.L2_pyramidal,{P}.L5_pyramidal=logspace(-4,-1,20)",
                "-q"]
        exes = [("", exe)]
        if a.compare:
            exes.append((" (compared)", os.path.join(a.compare, "bin", "myelin")))
        for label, extra in [("1 job x 1 thread", ["--threads", "1"]),
                             ("1 job x 2 threads", ["--threads", "2"]),
                             ("2 jobs x 1 thread", ["--jobs", "2"])]:
            walls = {tag: [] for tag, _ in exes}
            for k in range(a.repeats):
                for tag, x in reversed(exes):  # the compared build first: ours ends last
                    # A fresh directory each time: the same sweep into the same directory
                    # would resume it (nothing left to run).
                    out = os.path.join(tmp, "out")
                    shutil.rmtree(out, ignore_errors=True)
                    t0 = time.perf_counter()
                    subprocess.run([x] + args + extra + ["-o", out], check=True)
                    walls[tag].append(time.perf_counter() - t0)
            for tag, w in walls.items():
                results[label + tag] = {"wall_s": w, "median_s": statistics.median(w)}
                print(f"{label + tag:32s} 20 runs: median {statistics.median(w):.2f} s "
                      f"(runs: {', '.join(f'{v:.2f}' for v in w)})", flush=True)
            if label == "1 job x 1 thread":
                with open(os.path.join(tmp, "out", "results.csv")) as f:
                    per_run = statistics.median(float(r["wall_s"]) for r in csv.DictReader(f))
                results["one_run_1_thread_s"] = per_run
                print(f"{'':20s} one run (median of the last sweep's 20): {per_run:.3f} s")
    kernel = subprocess.run([os.path.join(a.build_dir, "bin", "myelin_bench_cable"), "6800", "5"],
                            check=True, capture_output=True, text=True).stdout
    print(kernel)
    results["cable_kernel"] = kernel
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "hnn_sweep.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

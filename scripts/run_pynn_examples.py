#!/usr/bin/python3
"""Runs PyNN's own example scripts on one simulator, each unchanged, in its own process.

    /usr/bin/python3 scripts/run_pynn_examples.py EXAMPLES_DIR [--simulator myelin]
        [--pythonpath build/python] [--only NAME ...] [--timeout S] [--out DIR]

EXAMPLES_DIR holds the scripts of PyNN 0.10.1's examples/ (e.g. `git archive 0.10.1
examples` of github.com/NeuralEnsemble/PyNN; fetched by you, never committed here).
Each script runs with /usr/bin/python3 under matplotlib's Agg backend in a fresh copy of
EXAMPLES_DIR under --out (the scripts write Results/ next to themselves), with the
simulator's name as its argument and --plot-figure where it takes one. With
--simulator myelin the script runs through `python3 -m myelin.pynn`, which makes
`pyNN.myelin` importable (docs/pynn.md); other names (neuron, brian2) are imported by
the script as `pyNN.<name>`. The output is kept as DIR/NAME/log.txt. Prints one line per
example: ok and the wall time, or the exit status and the last line of its output;
exits 0 (a survey, not a test). docs/pynn.md, "PyNN's examples", has the results.
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import time

# Arguments after the simulator's name; examples not listed get --plot-figure if their
# argument parser has it. The four whose figures use PyNN's raster plot
# (plot_spiketrainlist) run without it: with Debian's matplotlib and quantities it fails
# for every backend ("Unable to convert between units of dimensionless and ms").
ARGS = {
    "VAbenchmarks": ["COBA", "--plot-figure"],
    "connections": ["--plot-figure", "connections"],
    "small_network": [], "simple_STDP": [], "update_spike_source_array": [],
    "varying_poisson": [],
}
# Not run: they need software other than a PyNN backend (NineML, NEURON's artificial
# cells, mpi4py under mpirun, pyNN.neuron's NativeRNG).
SKIP = {"nineml_brunel", "nineml_neuron", "nrn_artificial_cell", "distrib_example",
        "random_distributions"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples")
    ap.add_argument("--simulator", default="myelin")
    ap.add_argument("--pythonpath", default=None,
                    help="prepended to PYTHONPATH (build/python for myelin from the build "
                         "tree; a pyNN copy with compiled NMODL for neuron)")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--out", default="results/pynn_examples")
    a = ap.parse_args()
    src = pathlib.Path(a.examples).resolve()
    names = sorted(p.stem for p in src.glob("*.py"))
    names = [n for n in names if (a.only is None and n not in SKIP) or
             (a.only is not None and n in a.only)]
    env = dict(os.environ, MPLBACKEND="Agg")
    if a.pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(pathlib.Path(a.pythonpath).resolve())] +
            ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    out = pathlib.Path(a.out).resolve() / a.simulator
    for name in names:
        work = out / name
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(src, work)
        script = work / (name + ".py")
        args = ARGS.get(name)
        if args is None:
            args = ["--plot-figure"] if "--plot-figure" in script.read_text() else []
        runner = ["-m", "myelin.pynn"] if a.simulator == "myelin" else []
        cmd = ["/usr/bin/python3", *runner, str(script), a.simulator, *args]
        start = time.time()
        with open(work / "log.txt", "w") as log:
            try:
                rc = subprocess.run(cmd, cwd=work, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, timeout=a.timeout).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
        wall = time.time() - start
        lines = [s for s in (work / "log.txt").read_text(errors="replace").splitlines()
                 if s.strip()]
        if rc == 0:
            print("%-40s ok    %6.1f s" % (name, wall))
        else:
            print("%-40s rc=%s %6.1f s  %s" % (name, rc, wall, lines[-1][:120] if lines else ""))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

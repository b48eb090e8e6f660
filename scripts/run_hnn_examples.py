#!/usr/bin/python3
"""Runs HNN-core's published examples on myelin.hnn with only their imports changed.

    /usr/bin/python3 scripts/run_hnn_examples.py EXAMPLES_DIR [--pythonpath build/python]
        [--only NAME ...] [--timeout S] [--out DIR]

EXAMPLES_DIR holds HNN-core's example scripts (examples/**/*.py of a checkout of
github.com/jonescompneurolab/hnn-core; fetched by you, never committed here). Each script
is copied to --out with `hnn_core` replaced by `myelin.hnn` in its import lines (and
`hnn_core.__file__`, which examples use to find HNN-core's parameter files, pointed at
myelin.hnn's), then run with /usr/bin/python3 under a non-interactive matplotlib backend,
in its own process, with a time limit. Prints one line per example: ok with the wall
time, or the last line of its error; exits 0 (a survey, not a test).
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import time

IMPORT = re.compile(r"^(\s*)(from|import)\s+hnn_core\b")


def rewrite(text):
    """The example with its hnn_core imports pointed at myelin.hnn."""
    out = []
    for line in text.splitlines():
        m = IMPORT.match(line)
        if m and m.group(2) == "import":
            # `import hnn_core` keeps the name the script uses afterwards.
            line = re.sub(r"import\s+hnn_core\b(?!\.)", "import myelin.hnn as hnn_core", line)
        elif m:
            line = re.sub(r"from\s+hnn_core\b", "from myelin.hnn", line)
        out.append(line)
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples")
    ap.add_argument("--pythonpath", default=str(pathlib.Path(__file__).parents[1] / "build" /
                                                "python"))
    ap.add_argument("--only", nargs="*", default=None, help="example file names (no .py)")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--out", default="/tmp/myelin_hnn_examples")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=a.pythonpath)
    scripts = sorted(pathlib.Path(a.examples).rglob("*.py"))
    for src in scripts:
        if a.only and src.stem not in a.only:
            continue
        dst = pathlib.Path(a.out) / src.name
        dst.write_text(rewrite(src.read_text()))
        t0 = time.perf_counter()
        try:
            r = subprocess.run(["/usr/bin/python3", dst.name], cwd=a.out, env=env,
                               capture_output=True, text=True, timeout=a.timeout)
            dt = time.perf_counter() - t0
            if r.returncode == 0:
                print(f"{src.stem:45s} ok    {dt:7.1f} s")
            else:
                last = (r.stderr.strip().splitlines() or ["(no output)"])[-1]
                print(f"{src.stem:45s} FAIL  {dt:7.1f} s  {last[:150]}")
        except subprocess.TimeoutExpired:
            print(f"{src.stem:45s} TIME  > {a.timeout:.0f} s")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

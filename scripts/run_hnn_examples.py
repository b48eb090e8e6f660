#!/usr/bin/python3
"""Runs HNN-core's published examples on myelin.hnn with only their imports changed.

    /usr/bin/python3 scripts/run_hnn_examples.py EXAMPLES_DIR [--pythonpath build/python]
        [--only NAME ...] [--timeout S] [--out DIR] [--data DIR] [--figures]
        [--keep-imports]

EXAMPLES_DIR holds HNN-core's example scripts (examples/**/*.py of a checkout of
github.com/jonescompneurolab/hnn-core; fetched by you, never committed here). Each script
is copied to --out with `hnn_core` replaced by `myelin.hnn` in its import lines (and
`hnn_core.__file__`, which examples use to find HNN-core's parameter files, pointed at
myelin.hnn's), then run with /usr/bin/python3 under a non-interactive matplotlib backend,
in its own process, with a time limit; its output is kept in --out as NAME.log. With
--data, a file an example downloads with urllib.request.urlretrieve is copied from that
folder instead when it holds a file of the URL's last name (for offline machines; the
example itself is unchanged). With --figures, every figure still open when an example
ends is written to --out as NAME_figN.png (to compare with HNN-core's own figures).
With --keep-imports the examples run unmodified (with --pythonpath pointing at an
hnn-core installation, this makes HNN-core's figures for that comparison). Prints one
line per example: ok with the wall time, or the last line of its error; exits 0 (a
survey, not a test).
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


# Loaded by Python's site module (usercustomize) in each example's process under --data.
OFFLINE_HOOK = """import os, shutil, urllib.parse, urllib.request
_fetch = urllib.request.urlretrieve
def _local_first(url, filename=None, *args, **kwargs):
    local = os.path.join(os.environ["HNN_EXAMPLES_DATA"],
                         os.path.basename(urllib.parse.urlparse(url).path))
    if os.path.isfile(local):
        filename = filename or os.path.basename(local)
        shutil.copyfile(local, filename)
        return filename, None
    return _fetch(url, filename, *args, **kwargs)
urllib.request.urlretrieve = _local_first
"""

# Loaded the same way under --figures. pyplot is imported first so that its own exit
# handler (which closes every figure) runs after this one.
FIGURES_HOOK = """import atexit, os, sys
import matplotlib.pyplot as _plt
def _save_figures():
    stem = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    for n in _plt.get_fignums():
        _plt.figure(n).savefig(os.path.join(os.environ["HNN_EXAMPLES_FIGURES"],
                                            f"{stem}_fig{n}.png"), dpi=70)
atexit.register(_save_figures)
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples")
    ap.add_argument("--pythonpath", default=str(pathlib.Path(__file__).parents[1] / "build" /
                                                "python"))
    ap.add_argument("--only", nargs="*", default=None, help="example file names (no .py)")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--out", default="/tmp/myelin_hnn_examples")
    ap.add_argument("--data", default=None, help="folder of files the examples download")
    ap.add_argument("--figures", action="store_true", help="write the open figures as PNG")
    ap.add_argument("--keep-imports", action="store_true", help="run the examples unchanged")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=a.pythonpath)
    hooks = []
    if a.data:
        hooks.append(OFFLINE_HOOK)
        env.update(HNN_EXAMPLES_DATA=os.path.abspath(a.data))
    if a.figures:
        hooks.append(FIGURES_HOOK)
        env.update(HNN_EXAMPLES_FIGURES=os.path.abspath(a.out))
    if hooks:
        hook = pathlib.Path(a.out) / "_hooks"
        hook.mkdir(exist_ok=True)
        (hook / "usercustomize.py").write_text("\n".join(hooks))
        env.update(PYTHONPATH=f"{a.pythonpath}{os.pathsep}{hook}")
    scripts = sorted(pathlib.Path(a.examples).rglob("*.py"))
    for src in scripts:
        if a.only and src.stem not in a.only:
            continue
        dst = pathlib.Path(a.out) / src.name
        text = src.read_text()
        dst.write_text(text if a.keep_imports else rewrite(text))
        t0 = time.perf_counter()
        try:
            r = subprocess.run(["/usr/bin/python3", dst.name], cwd=a.out, env=env,
                               capture_output=True, text=True, timeout=a.timeout)
            dt = time.perf_counter() - t0
            (pathlib.Path(a.out) / f"{src.stem}.log").write_text(r.stdout + r.stderr)
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

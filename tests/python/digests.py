"""Content digests of a run's outputs, for the byte-identity test of the built-in models
(tests/python/test_digests.py).

A digest covers what a run computes, not how it is stored: every HDF5 dataset's name,
dtype, shape and raw bytes and its attributes (so a change of compression level or
chunking keeps the digest), the dipole CSVs byte for byte, and summary.json without the
fields that legitimately vary (wall times, the layout, exchange timings, the
connection tables' bytes, which depend on the layout).

    /usr/bin/python3 tests/python/digests.py --build-dir build --write tests/data/digests.json

records the digests of the present build (run it on the commit whose outputs are the
reference, never to make a failing test pass).
"""
import argparse
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from clitools import run  # noqa: E402

# Every built-in model; the large ones over a shorter time (their build dominates).
MODELS = {
    "coba": [],
    "cuba": [],
    "cobahh": [],
    "izhikevich": [],
    "jones2009_erp": [],
    "coba_40k": ["--tstop", "100"],
    "coba_400k": ["--tstop", "10"],
}
# (ranks, threads) layouts every digest must agree across.
LAYOUTS = [(1, 1), (1, 2), (2, 1)]

_VOLATILE = {"wall_s", "threads", "ranks", "epochs"}


def _h5_digest(path, h):
    with h5py.File(path, "r") as f:
        items = []
        f.visititems(lambda name, obj: items.append((name, obj)))
        for name, obj in sorted(items, key=lambda x: x[0]):
            h.update(name.encode())
            for k in sorted(obj.attrs):
                h.update(k.encode())
                h.update(np.asarray(obj.attrs[k]).tobytes())
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                arr = np.asarray(data)
                h.update(str(arr.dtype).encode() + str(arr.shape).encode())
                h.update(arr.tobytes())


def digest_dir(out):
    """The digest of one output directory, as a dict of file -> sha256 hex."""
    out = pathlib.Path(out)
    result = {}
    for f in sorted(out.iterdir()):
        h = hashlib.sha256()
        if f.suffix == ".h5":
            _h5_digest(f, h)
        elif f.name == "summary.json":
            s = json.loads(f.read_text())
            for k in _VOLATILE:
                s.pop(k, None)
            # Memory held depends on the layout (offsets per VP), the count does not.
            s.get("synapses", {}).pop("bytes", None)
            s.get("synapses", {}).pop("bytes_per_synapse", None)
            s.get("synapses", {}).pop("projections", None)  # bytes per projection
            h.update(json.dumps(s, sort_keys=True).encode())
        elif f.suffix == ".csv":
            h.update(f.read_bytes())
        else:
            continue
        result[f.name] = h.hexdigest()
    return result


def run_model(exe, model, out, ranks, threads):
    run(exe, "run", ROOT / "models" / f"{model}.json", "-o", out, "--threads", threads, "-q",
        *MODELS[model], ranks=ranks, timeout=900)
    return digest_dir(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=str(ROOT / "build"))
    ap.add_argument("--write", help="write the digests (JSON) to this file")
    ap.add_argument("models", nargs="*", default=list(MODELS))
    args = ap.parse_args()
    exe = str(pathlib.Path(args.build_dir) / "bin" / "myelin")
    digests = {}
    with tempfile.TemporaryDirectory() as tmp:
        for m in args.models:
            d = run_model(exe, m, pathlib.Path(tmp) / m, 1, 1)
            digests[m] = d
            print(m, json.dumps(d, indent=1))
    if args.write:
        pathlib.Path(args.write).write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()

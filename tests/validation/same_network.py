#!/usr/bin/python3
"""One network, drawn once, for myelin and Brian2 alike.

A built-in network model (models/<name>.json) has its random parts drawn here, in
NumPy with a fixed seed, and written back as explicit data that both simulators read
without drawing anything:

- every FixedProbability / AllToAll projection becomes a FromList of (pre, post) pairs
  (each pair with probability p, self-connections as the model allows them);
- every initial value given as a distribution becomes one value per cell;
- a SpikeSourceArray population 'drive' is added (Poisson spike trains drawn here, on the
  time grid) with FromList connections that carry their own weight and delay per row, so
  that the spike source, per-connection weights and per-connection delays are compared
  too. It is weak (each cell gets ~1 such input at 10 Hz against 80 recurrent ones).

myelin runs the file as it is; bench/peers/brian2_models.py turns it into
Synapses.connect(i=..., j=...), a SpikeGeneratorGroup and per-cell initial values.

    /usr/bin/python3 tests/validation/same_network.py coba --seed 1 --tstop 1000 -o coba_same.json
"""
import argparse
import copy
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench", "peers"))
import brian2_models  # noqa: E402

# The drive: sources, rate [Hz], targets per source, delays [steps].
DRIVE = dict(n=100, rate_hz=10.0, fanout=40, delay_steps=(1, 20))


def _draw(rng, spec, n):
    d = spec["distribution"]
    if d == "normal":
        return rng.normal(spec["mu"], spec["sigma"], n)
    if d == "uniform":
        return rng.uniform(spec["low"], spec["high"], n)
    raise NotImplementedError(f"distribution {d}")


def _pairs(rng, connector, n_pre, n_post, self_pairs):
    """(pre, post) index pairs of a FixedProbability / AllToAll connector, drawn here.
    self_pairs: (pre index, post index) of the cells that are the same cell."""
    t = connector["type"]
    if t == "AllToAll":
        keep = np.ones((n_pre, n_post), dtype=bool)
    elif t == "FixedProbability":
        keep = rng.random((n_pre, n_post)) < float(connector["p"])
    else:
        raise NotImplementedError(f"connector {t}")
    if not connector.get("allow_self_connections", True) and len(self_pairs[0]):
        keep[self_pairs] = False
    pre, post = np.nonzero(keep)
    return pre, post


def same_network(name, seed, tstop=None, drive=True):
    """The model `name` (built-in name or path) with its random parts drawn by NumPy
    (seed), as explicit data."""
    rng = np.random.default_rng(seed)
    model = brian2_models.load_model(name)
    m = copy.deepcopy(model)
    m["name"] = f"{model.get('name', 'model')}_same_{seed}"
    if tstop is not None:
        m["tstop"] = float(tstop)
    dt, tstop = float(m["dt"]), float(m["tstop"])
    sizes = {p["label"]: int(p["size"]) for p in m["populations"]}
    for p in m["populations"]:
        for key in ("params", "initial"):
            for k, v in list(p.get(key, {}).items()):
                if isinstance(v, dict):
                    p[key][k] = _draw(rng, v, sizes[p["label"]]).round(12).tolist()
    for pr in m["projections"]:
        pre = brian2_models._labels(pr["pre"])
        post = brian2_models._labels(pr["post"])
        pre_pos, post_pos, off = {}, {}, 0
        for lab in pre:
            pre_pos[lab] = off
            off += sizes[lab]
        n_pre, off = off, 0
        for lab in post:
            post_pos[lab] = off
            off += sizes[lab]
        n_post = off
        same = [(pre_pos[lab] + k, post_pos[lab] + k) for lab in pre if lab in post_pos
                for k in range(sizes[lab])]
        self_pairs = tuple(np.asarray(same, dtype=np.int64).reshape(-1, 2).T)
        i, j = _pairs(rng, pr["connector"], n_pre, n_post, self_pairs)
        w = pr.get("weight", 0.0)
        if isinstance(w, dict):
            wv = _draw(rng, w, len(i)).round(12)
            d = float(pr.get("delay", dt))
            rows = [[int(a), int(b), float(c), d] for a, b, c in zip(i, j, wv)]
            pr.pop("weight")
            pr.pop("delay", None)
        else:
            rows = np.stack([i, j], axis=1).tolist()
        pr["connector"] = {"type": "FromList", "list": rows}
    if drive:
        _add_drive(m, rng, sizes, dt, tstop)
    m["recorders"] = [{"label": "spikes", "target": [p["label"] for p in m["populations"]],
                       "variables": ["spikes"]}]
    for s in m.get("stimuli", []):
        if s["type"] == "NoisyCurrentSource":
            raise NotImplementedError(f"stimulus {s['label']}: noise is drawn by each simulator")
    return m


def _add_drive(m, rng, sizes, dt, tstop):
    """A weak SpikeSourceArray input with per-row weights and delays (see the docstring)."""
    cells = [p["label"] for p in m["populations"]]
    w_exc = next(pr["weight"] for pr in m["projections"]
                 if pr.get("receptor", "excitatory") == "excitatory"
                 and isinstance(pr.get("weight"), (int, float)))
    n_steps = int(round(tstop / dt))
    trains = []
    for _ in range(DRIVE["n"]):
        k = rng.poisson(DRIVE["rate_hz"] * tstop * 1e-3)
        steps = np.unique(rng.integers(1, n_steps + 1, k))
        trains.append([round(float(s) * dt, 10) for s in steps])
    m["populations"].append({"label": "drive", "size": DRIVE["n"],
                             "cell_type": "SpikeSourceArray", "spike_times": trains})
    n_post = sum(sizes[lab] for lab in cells)
    rows = []
    lo, hi = DRIVE["delay_steps"]
    for src in range(DRIVE["n"]):
        targets = np.sort(rng.choice(n_post, DRIVE["fanout"], replace=False))
        ws = rng.uniform(0.5, 1.5, DRIVE["fanout"]) * w_exc
        ds = rng.integers(lo, hi + 1, DRIVE["fanout"])
        rows += [[src, int(t), round(float(w), 12), round(float(d) * dt, 10)]
                 for t, w, d in zip(targets, ws, ds)]
    m["projections"].append({"label": "drive->all", "pre": "drive", "post": cells,
                             "connector": {"type": "FromList", "list": rows},
                             "receptor": "excitatory"})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="built-in name (coba, cuba, cobahh, izhikevich) or path")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tstop", type=float)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args(argv)
    with open(a.out, "w") as f:
        json.dump(same_network(a.model, a.seed, a.tstop), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

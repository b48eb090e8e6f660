"""The engine's DistanceDependentProbability connections, weights and delays, bit for bit.

The build of such projections takes shortcuts that must not change a single connection,
weight or delay (src/construct/distance.hpp: enclosures over bins of d decide most
comparisons and delays, box bounds are looked up, sources are ordered by a bitmap). The
digests below are those of main at 6f03dce, before the shortcuts, which evaluated the
expressions for every candidate; each projection exercises another path: a grid with
seed004's rule (pow, exp) onto two grids, steps of d with a delay that often falls on a
half step, random 3-D positions without self-connections, a probability reaching 1 (every
member evaluated), and a rule of dx (no bins).
"""
import hashlib
import json
import sys

import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin  # noqa: E402,F401  (built by make build; a missing module fails, never skips)
from myelin import _core  # noqa: E402


def _population(label, n, positions):
    return {"label": label, "size": n, "cell_type": "IF_cond_exp", "positions": positions}


def _projection(label, pre, post, p, weight, delay, self_connections=True):
    return {"label": label, "pre": pre, "post": post,
            "connector": {"type": "DistanceDependentProbability", "d_expression": p,
                          "allow_self_connections": self_connections},
            "receptor": "excitatory", "weight": weight, "delay": delay}


MODEL = {
    "name": "distance_build", "dt": 0.1, "tstop": 0.1, "seed": 7,
    "populations": [
        _population("g", 900, {"kind": "grid", "shape": [30, 30], "spacing": [1, 1]}),
        _population("h", 225, {"kind": "grid", "shape": [15, 15], "spacing": [1, 1],
                               "origin": [0.5, 0.25, 0]}),
        _population("r", 800, {"kind": "random_box", "extent": [60, 60, 20]}),
    ],
    "projections": [
        _projection("seed004", "g", ["g", "h"], "exp(((-pow(d, 2.0)) / 400.0))",
                    {"distribution": "uniform", "low": 0.0, "high": 0.1}, "(0.5 + (0.01 * d))"),
        _projection("steps", "h", "g", "d < 5 ? 0.6 : (d < 9 ? 0.1 : 0)", 0.01, "0.1 * d + 0.1",
                    False),
        _projection("random3d", "r", "r", "0.5*exp(-d/12)",
                    {"distribution": "normal_clipped", "mu": 0.02, "sigma": 0.01, "low": 0,
                     "high": 1}, "0.2 + d/37", False),
        _projection("reaches1", "r", "g", "min(1, 3*exp(-d/6))", "0.001 + 0.0001*d", 0.5),
        _projection("direction", "g", "r", "dx > 0 ? 0.3*exp(-d/10) : 0.05", 0.02,
                    "0.3 + 0.02*d"),
    ],
}

# (connections, sha256 of pre, post, weight, delay arrays, first 16 hex digits)
EXPECTED = {
    "seed004": (562504, "4ab4a146f4482953"),
    "steps": (12456, "faeb976b65d230bc"),
    "random3d": (40073, "d58f9050b39dbb57"),
    "reaches1": (54451, "37cb975cba06a50d"),
    "direction": (33645, "17b3757b8a18e9a8"),
}


@pytest.mark.parametrize("threads", [1, 2])
def test_distance_dependent_connections_are_unchanged(threads):
    sim = _core.Simulation(json.dumps(MODEL), threads=threads, arrays={})
    got = {}
    for label in EXPECTED:
        c = sim.connections(label)
        h = hashlib.sha256()
        for column in ("pre", "post", "weight", "delay"):
            h.update(c[column].tobytes())
        got[label] = (len(c["pre"]), h.hexdigest()[:16])
    assert got == EXPECTED

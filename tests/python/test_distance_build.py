"""The engine's DistanceDependentProbability connections, weights and delays, bit for bit.

The build of such projections takes shortcuts that must not change a single connection,
weight or delay (src/construct/distance.hpp: enclosures over bins of d decide most
comparisons and delays, box bounds are looked up, the decisions are taken lane by lane,
sources are ordered by a bitmap). The digests below pin the connections of the build
that draws the members of a box bounded by 1/4 or more one by one (commit "distance
connector: dense boxes member by member"); before it, every box bounded below 1 was
drawn by skips, and the digests were those of main at 6f03dce, which evaluated the
expressions for every candidate. That the connections follow p(d) is tested
statistically, independently of these digests: tests/unit/test_distance_connector.cpp
(check_profile, both drawing paths) and test_pynn_native.py (against PyNN's own
connector). Each projection here exercises another path: a grid with seed004's rule
(pow, exp) onto two grids, steps of d with a delay that often falls on a half step,
random 3-D positions without self-connections, a probability reaching 1 (every member
evaluated), and a rule of dx (no bins).
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
    "seed004": (561747, "8b7297b1a1566597"),
    "steps": (12559, "ef1c8c4f21f0bc8b"),
    "random3d": (39528, "ab171d5ca7547b5e"),
    "reaches1": (54553, "90b22a2f85ba008b"),
    "direction": (33648, "c0ae6afffd5cf8c3"),
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

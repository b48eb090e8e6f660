"""PyNN scripts on myelin.pynn against pyNN.neuron and pyNN.brian2 (Debian's PyNN 0.10.1).

The same scripts (tests/validation/pynn_scripts/single_cell.py, examples/pynn/coba.py,
examples/pynn/seed004.py reduced) run unchanged on each backend in its own process, all
started at once (the module takes 2.5-3.5 minutes on the shared 2-core machine under
load; Brian2's single-cell run, mostly SymPy choosing integrators, is the longest). myelin.pynn comes
from $MYELIN_BUILD_DIR/python and its tests are skipped, with the import error as the
reason, while it does not import. pyNN.neuron gets its NMODL compiled by
scripts/pynn_neuron.sh; Brian2 runs with numpy code generation (Cython would compile
for minutes on a cold cache to save seconds here).

Single cells (dt 0.025 ms, 300 ms; per cell type one cell driven by a DC step from 50 to
250 ms and one by spike-array bursts through excitatory and inhibitory synapses):
compared spike for spike: equal counts, the first spike and every interspike interval
within the tolerances in TOL. Measured pyNN.neuron - pyNN.brian2 differences (first
spike / largest ISI difference, ms), dc case then array case; the tolerances are about
twice these with a floor of 0.1 ms (4 steps):

    IF_curr_exp          0.03 / 0.03    0.00 / 0.03
    IF_curr_alpha        0.03 / 0.03    0.02 / 0.02
    IF_cond_exp          0.05 / 0.05    0.00 / 0.15
    IF_cond_alpha        0.05 / 0.05    0.02 / 0.03
    EIF_cond_exp_isfa    0.00 / 0.03    0.00 / 0.13
    EIF_cond_alpha_isfa  0.00 / 0.03    (disagree, below)
    Izhikevich           0.05 / 0.10    0.07 / 0.53

(at dt 0.1 ms they differ several times more: the LIF spike grid alone gives 0.1-0.2 ms
per interval, and pyNN.neuron's fixed-step EIF drifts 9 ms in one interval against its
own dt 0.025 ms run, which agrees with Brian2 at either step.) Where a reference is not
usable, myelin is compared with the other one only:
- IF_curr_delta: pyNN.neuron 0.10.1 has no such cell; Brian2 only.
- HH_cond_exp: pyNN.brian2 integrates it with forward Euler and goes to NaN within
  5 ms of the first spike (spikes every step after); pyNN.neuron only.
- EIF_cond_alpha_isfa_ista, array input: Brian2 fires 25 spikes, NEURON 67 (bursts at
  ~1 ms intervals), while both agree on the DC case, on EIF_cond_exp_isfa_ista and on
  IF_cond_alpha with the same synapse; not compared. (myelin.pynn of 2026-12-06 fires
  68, its first ten spikes within 0.05 ms of NEURON's: Brian2 is the odd one out.)
- IF_cond_exp_gsfa_grr: Brian2 fires every step (as the issue notes, the backends
  disagree); no cross-backend comparison, only that each backend's cell adapts.

Network (examples/pynn/coba.py --scale 0.1 --tstop 1000 --seed 1: 320 + 80 IF_cond_exp
cells, p = 0.2 so that each keeps COBA's 80 inputs, 1 s): mean rate and mean ISI CV per
population. Connectivity and initial values come from NumpyRNG streams, so pyNN.neuron
and pyNN.brian2 build the very same 32,080 synapses (checked); the dynamics are chaotic,
so only statistics can agree. Measured, seed 1: neuron exc 12.53 Hz / CV 1.40, inh
16.15 Hz / 1.46; brian2 exc 12.44 / 1.31, inh 16.38 / 1.48. Over seeds 1-6 (six
different networks) pyNN.neuron gave exc 13.5 +- 1.2 Hz, inh 16.0 +- 0.34 Hz, CV exc
1.33 +- 0.075, inh 1.42 +- 0.091 (mean +- sd). NET_TOL is 4 sqrt(2) sd of those: two
correct simulators on different networks pass with probability > 0.9999 per quantity,
so on one network (myelin.pynn may draw its own connectivity) with room to spare.
myelin's synapse count must lie within 5 sd of the binomial count.

First run against myelin.pynn (branch pynn, 2026-12-06 22:55 UTC): all 49 pass; largest
differences from pyNN.neuron 0.40 ms (HH_cond_exp array, first spike), from Brian2
0.23 ms (IF_cond_exp array, an ISI).
"""
import functools
import json
import os
import subprocess
import tempfile

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MYELIN_BUILD_DIR", os.path.join(REPO, "build"))
SCRIPTS = os.path.join(REPO, "tests", "validation", "pynn_scripts")
PYTHON = "/usr/bin/python3"
NEURON, BRIAN2, MYELIN = "pyNN.neuron", "pyNN.brian2", "myelin.pynn"
DT, TSTOP = 0.025, 300.0
NET_ARGS = ["--scale", "0.1", "--tstop", "1000", "--seed", "1"]

SEED004_ARGS = ["--scale", "0.01", "--tstop", "200"]
SEED004_TOL = {"excitatory neurons": 57.0, "inhibitory neurons": 9.6}  # Hz, see the test
# cell type -> (first-spike tolerance ms, ISI tolerance ms)
TOL = {
    "IF_curr_exp": (0.1, 0.1),
    "IF_curr_alpha": (0.1, 0.1),
    "IF_curr_delta": (0.1, 0.1),  # Brian2 only: the floor
    "IF_cond_exp": (0.1, 0.3),
    "IF_cond_alpha": (0.1, 0.1),
    # NEURON only: twice its own dt 0.1 vs 0.025 ms difference (dc 0.07 / 0.08, array
    # 0.70 / 0.60: an input burst reaches threshold on a slope that the step moves)
    "HH_cond_exp": {"dc": (0.15, 0.2), "array": (1.4, 1.2)},
    "EIF_cond_exp_isfa_ista": (0.1, 0.3),
    "EIF_cond_alpha_isfa_ista": (0.1, 0.1),
    "Izhikevich": (0.15, 1.0),
}
# (cell, case) -> the references myelin is compared with (see the docstring)
REFERENCES = {(c, k): (NEURON, BRIAN2) for c in TOL for k in ("dc", "array")}
REFERENCES.update({("IF_curr_delta", "dc"): (BRIAN2,), ("IF_curr_delta", "array"): (BRIAN2,),
                   ("HH_cond_exp", "dc"): (NEURON,), ("HH_cond_exp", "array"): (NEURON,),
                   ("EIF_cond_alpha_isfa_ista", "array"): ()})
# population -> (rate Hz, CV) tolerances
NET_TOL = {"exc": (6.8, 0.43), "inh": (1.9, 0.52)}


@functools.lru_cache(maxsize=None)
def backend_env(backend):
    """(environment, None) in which `import backend` works, or (None, why not)."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    if backend == MYELIN:
        env["PYTHONPATH"] = os.path.join(BUILD, "python")
    elif backend == NEURON:
        r = subprocess.run([os.path.join(REPO, "scripts", "pynn_neuron.sh")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return None, "scripts/pynn_neuron.sh failed: " + r.stderr.strip()[-300:]
        env["PYTHONPATH"] = r.stdout.strip().splitlines()[-1]
    r = subprocess.run([PYTHON, "-c", f"import {backend}"], env=env, capture_output=True,
                       text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        return None, f"{backend} does not import ({last})"
    return env, None


@pytest.fixture(scope="module")
def results():
    """Runs every (backend, script) pair concurrently; {(backend, kind): npz | reason}."""
    work = tempfile.mkdtemp(prefix="pynn_backends_")
    with open(os.path.join(work, "brian_preferences"), "w") as f:
        f.write("codegen.target = 'numpy'\n")
    jobs, out = {}, {}
    for backend in (NEURON, BRIAN2, MYELIN):
        env, why = backend_env(backend)
        # pyNN.brian2 cannot run seed004 (Tsodyks-Markram onto an Assembly: NotImplementedError)
        for kind in ("single", "coba") if backend == BRIAN2 else ("single", "coba", "seed004"):
            if env is None:
                out[(backend, kind)] = why
                continue
            npz = os.path.join(work, f"{backend}.{kind}.npz")
            if kind == "single":
                cmd = [PYTHON, os.path.join(SCRIPTS, "single_cell.py"), backend, npz,
                       "--dt", str(DT), "--tstop", str(TSTOP)]
            elif kind == "coba":
                cmd = [PYTHON, os.path.join(REPO, "examples", "pynn", "coba.py"), backend,
                       *NET_ARGS, "--out", npz]
            else:
                cmd = [PYTHON, os.path.join(REPO, "examples", "pynn", "seed004.py"), backend,
                       *SEED004_ARGS]
            log = open(os.path.join(work, f"{backend}.{kind}.log"), "w")
            jobs[(backend, kind)] = (subprocess.Popen(cmd, env=env, cwd=work, stdout=log,
                                                      stderr=subprocess.STDOUT), npz, log)
    for key, (proc, npz, log) in jobs.items():
        rc = proc.wait(timeout=600)
        log.close()
        if rc != 0:
            with open(log.name) as f:
                out[key] = RuntimeError(f"{key[0]} {key[1]} failed ({rc}):\n{f.read()[-3000:]}")
        elif key[1] == "seed004":
            with open(log.name) as f:
                out[key] = json.loads([ln for ln in f if ln.startswith("{")][-1])
        else:
            out[key] = dict(np.load(npz))
    return out


def get(results, backend, kind):
    r = results[(backend, kind)]
    if isinstance(r, str):
        pytest.skip(r)
    if isinstance(r, Exception):
        raise r
    return r


def tolerance(cell, case):
    t = TOL[cell]
    return t[case] if isinstance(t, dict) else t


def compare_trains(test, ref, tol_first, tol_isi, what):
    assert len(ref) >= 2, f"{what}: the reference fires {len(ref)} spikes; the case is void"
    assert len(test) == len(ref), \
        f"{what}: {len(test)} spikes vs {len(ref)}\n test {np.round(test, 3)}\n ref  {np.round(ref, 3)}"
    d_first = abs(test[0] - ref[0])
    d_isi = np.abs(np.diff(test) - np.diff(ref)).max()
    assert d_first <= tol_first, f"{what}: first spike {test[0]:.3f} vs {ref[0]:.3f} ms"
    assert d_isi <= tol_isi, \
        f"{what}: an ISI differs by {d_isi:.3f} ms\n test {np.round(test, 3)}\n ref  {np.round(ref, 3)}"


CASES = sorted(c for c in REFERENCES if REFERENCES[c])


@pytest.mark.parametrize("cell,case", [c for c in CASES if REFERENCES[c] == (NEURON, BRIAN2)],
                         ids=str)
def test_references_agree(results, cell, case):
    """The basis of the tolerances: pyNN.neuron and pyNN.brian2 agree within them."""
    n = get(results, NEURON, "single")
    b = get(results, BRIAN2, "single")
    compare_trains(n[f"{cell}/{case}"], b[f"{cell}/{case}"], *tolerance(cell, case),
                   f"{cell}/{case} neuron vs brian2")


@pytest.mark.parametrize("cell,case,ref", [(c, k, r) for (c, k) in CASES
                                           for r in REFERENCES[(c, k)]],
                         ids=lambda x: x.replace("pyNN.", ""))
def test_myelin_single_cell(results, cell, case, ref):
    m = get(results, MYELIN, "single")
    r = get(results, ref, "single")
    assert cell not in m["missing"], f"myelin.pynn has no {cell} (every standard cell is required)"
    compare_trains(m[f"{cell}/{case}"], r[f"{cell}/{case}"], *tolerance(cell, case),
                   f"{cell}/{case} myelin vs {ref}")


@pytest.mark.parametrize("backend", [NEURON, MYELIN])
def test_gsfa_grr_adapts(results, backend):
    """IF_cond_exp_gsfa_grr under a DC step: spike-frequency adaptation, so intervals grow
    (pyNN.neuron: 69.7, 99.8 ms); not compared across backends (see the docstring)."""
    t = get(results, backend, "single")["IF_cond_exp_gsfa_grr/dc"]
    assert 3 <= len(t) <= 10, f"{backend}: {len(t)} spikes: {t}"
    isi = np.diff(t)
    assert np.all(np.diff(isi) > 5.0), f"{backend}: intervals do not grow: {isi}"


def coba_stats(r, pop):
    ids, times = r[f"{pop}_ids"], r[f"{pop}_times"]
    n, tstop = int(r[f"n_{pop}"]), float(r["tstop"])
    rate = len(times) / n / (tstop / 1000.0)
    cvs = []
    for i in np.unique(ids):
        t = np.sort(times[ids == i])
        if len(t) >= 3:
            isi = np.diff(t)
            cvs.append(isi.std() / isi.mean())
    return rate, float(np.mean(cvs))


@pytest.mark.parametrize("test,ref", [(BRIAN2, NEURON), (MYELIN, NEURON), (MYELIN, BRIAN2)],
                         ids=lambda x: x.replace("pyNN.", ""))
def test_coba_statistics(results, test, ref):
    a = get(results, test, "coba")
    b = get(results, ref, "coba")
    if test == BRIAN2:  # both draw from the same NumpyRNG streams through PyNN's connector
        assert int(a["synapses"]) == int(b["synapses"]) == 32080
    else:
        n = int(a["n_exc"]) + int(a["n_inh"])
        p = float(a["p_conn"])
        mean, sd = n * (n - 1) * p, np.sqrt(n * (n - 1) * p * (1 - p))
        assert abs(int(a["synapses"]) - mean) <= 5 * sd, \
            f"{int(a['synapses'])} synapses, expected {mean:.0f} +- {5 * sd:.0f}"
    for pop, (tol_rate, tol_cv) in NET_TOL.items():
        ra, ca = coba_stats(a, pop)
        rb, cb = coba_stats(b, pop)
        assert rb > 5.0, f"{ref} {pop}: rate {rb:.2f} Hz; the network is not active"
        assert abs(ra - rb) <= tol_rate, f"{pop}: rate {ra:.2f} vs {rb:.2f} Hz"
        assert abs(ca - cb) <= tol_cv, f"{pop}: CV {ca:.3f} vs {cb:.3f}"


def test_seed004_example(results):
    """examples/pynn/seed004.py at --scale 0.01 (10x10 + 5x5 cells, 200 ms) on myelin.pynn
    and pyNN.neuron. The distance-dependent connectors make ~15,700 synapses on
    pyNN.neuron (15,723 with the script's seed; binomial sd ~ 100): 5 % apart means
    another distance convention (periodic boundaries, other grid spacing), not chance.
    Rates: the Poisson drive and the noise differ per backend, so statistically;
    pyNN.neuron over seeds 1-6 gave exc 82.4 +- 10.1 Hz, inh 69.8 +- 1.7 Hz (mean +- sd),
    and SEED004_TOL is 4 sqrt(2) sd. (myelin.pynn, 2026-12-06: 84.5 / 71.4 Hz, the same
    15,723 synapses; pyNN.brian2 cannot run the script, see its docstring.)"""
    n = get(results, NEURON, "seed004")
    m = get(results, MYELIN, "seed004")
    assert m["cells"] == n["cells"] == 125
    assert abs(m["synapses"] - n["synapses"]) <= 0.05 * n["synapses"], (m, n)
    for pop, tol in SEED004_TOL.items():
        assert n["rate_hz"][pop] > 20.0, n
        assert abs(m["rate_hz"][pop] - n["rate_hz"][pop]) <= tol, (pop, m, n)

"""Cell types from equations through the CLI (docs/equations.md): the seed-003 model of
models/kenyon_hh.json gives bit-identical spikes and traces on every layout (threads,
MPI ranks), its parameters change per run with --set like a built-in type's, the method
in use is stated in the run line and summary.json, and bad equations stop the run with
one line that names the field before anything is written."""
import json

import h5py
import numpy as np
import pytest
from clitools import MPIRUN, run

# 40 cells, 20 ms, the current switched on at 10 ms: most cells spike.
SMALL = ["--set", "populations.kc.size=40", "--tstop", "20", "--set", "recorders.v.target=kc",
         "--set", "stimuli.Iapp.times=[10]"]


def outputs(d):
    with h5py.File(d / "spikes.h5") as s, h5py.File(d / "traces.h5") as t:
        return (s["spikes/kc/timestamps"][:], s["spikes/kc/node_ids"][:], t["kc/v/data"][:])


@pytest.mark.parametrize("method", ["rk4", "exponential_euler"])
def test_layouts_give_the_same_bits(myelin_bin, root, tmp_path, method):
    layouts = [(1, 1), (1, 3)] + ([(2, 1)] if MPIRUN else [])
    got = []
    for ranks, threads in layouts:
        out = tmp_path / f"{ranks}r{threads}t"
        p = run(myelin_bin, "run", root / "models" / "kenyon_hh.json", "-o", out, "--threads",
                threads, *SMALL, "--set", f"cell_types.KenyonHH.method={method}", ranks=ranks)
        got.append(outputs(out))
        if ranks == 1:
            assert f"(KenyonHH: {method})" in p.stdout
            summary = json.loads((out / "summary.json").read_text())
            assert summary["populations"]["kc"]["integration"] == method
    times, ids, v = got[0]
    assert len(np.unique(ids)) > 15 and np.isfinite(v).all()
    for t2, i2, v2 in got[1:]:
        order, order2 = np.lexsort((ids, times)), np.lexsort((i2, t2))
        assert np.array_equal(times[order], t2[order2]) and np.array_equal(ids[order], i2[order2])
        assert np.array_equal(v, v2)  # bit for bit


def test_parameters_change_per_run_without_a_new_definition(myelin_bin, root, tmp_path):
    base = tmp_path / "base"
    run(myelin_bin, "run", root / "models" / "kenyon_hh.json", "-o", base, *SMALL)
    more = tmp_path / "more"
    # The leak in uS (myelin's unit for conductances): 0.39 nS -> 3.9 nS.
    run(myelin_bin, "run", root / "models" / "kenyon_hh.json", "-o", more, *SMALL,
        "--set", "populations.kc.params.gl=0.0039")
    _, _, v0 = outputs(base)
    _, _, v1 = outputs(more)
    assert v0[0, 0] == v1[0, 0] and not np.array_equal(v0[-1], v1[-1])


@pytest.mark.parametrize("field,value,message", [
    ("cell_types.KenyonHH.equations.0", '"dv/dt = (Iapp - inaf)/gl : volt"',
     "'(Iapp - inaf)/gl' has unit volt but dv/dt needs unit volt/second"),
    ("cell_types.KenyonHH.equations.0", '"dv/dt = (Iapp - inaf - bogus)/Cm : volt"',
     "unknown symbol 'bogus'"),
    ("cell_types.KenyonHH.threshold", '"v > -20"', "'v' has unit volt but '-20' has unit 1"),
    ("cell_types.KenyonHH.parameters.gl", '"0.39*nS/0"', "is not finite"),
])
def test_bad_equations_stop_before_anything_is_written(myelin_bin, root, tmp_path, field, value,
                                                        message):
    out = tmp_path / "out"
    p = run(myelin_bin, "run", root / "models" / "kenyon_hh.json", "-o", out,
            "--set", f"{field}={value}", check=False)
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and field.removesuffix(".0") in lines[0], p.stderr
    assert message in lines[0], p.stderr
    assert not out.exists()


def test_hh_cond_exp_as_equations_spikes_as_the_built_in(myelin_bin, root, tmp_path):
    """models/hh_cond_exp_equations.json: PyNN's HH_cond_exp written as equations (rk4)
    next to the hand-written kernel (Strang splitting, second order), same currents and
    input spikes. At dt 0.01 ms every cell fires the same number of spikes and each
    spike lies within 0.1 ms of its twin: the first spikes within one step, later ones
    drift apart by the built-in's splitting error (measured: 0.09 ms at most at dt 0.01,
    0.025 ms at dt 0.005, so it is the integrators' difference, shrinking with dt)."""
    out = tmp_path / "hh"
    run(myelin_bin, "run", root / "models" / "hh_cond_exp_equations.json", "-o", out, "--quiet")
    with h5py.File(out / "spikes.h5") as s:
        spikes = {p: (s[f"spikes/{p}/timestamps"][:], s[f"spikes/{p}/node_ids"][:].astype(int) % 8)
                  for p in ("builtin", "equations")}
    (tb, ib), (te, ie) = spikes["builtin"], spikes["equations"]
    assert np.array_equal(np.bincount(ib, minlength=8), np.bincount(ie, minlength=8))
    assert len(tb) > 150
    ob, oe = np.lexsort((tb, ib)), np.lexsort((te, ie))
    assert np.abs(tb[ob] - te[oe]).max() < 0.1
    for k in range(8):
        assert abs(tb[ib == k].min() - te[ie == k].min()) <= 0.01 + 1e-9


def test_compiled_kernel_gives_the_interpreters_bits_and_is_cached(myelin_bin, root, tmp_path):
    """The generated C++ (compiled once per structure, cached) and the interpreter compute
    the same bits; a run with other parameters reuses the cached object; without a
    compiler the interpreter runs after one warning."""
    cache = tmp_path / "cache"
    args = ["run", root / "models" / "kenyon_hh.json", *SMALL,
            "--set", "cell_types.KenyonHH.method=exponential_euler"]
    env = {"MYELIN_CACHE_DIR": str(cache)}
    run(myelin_bin, *args, "-o", tmp_path / "c", env=env)
    objects = sorted(cache.glob("eq_*.so"))
    assert len(objects) == 1
    stamp = objects[0].stat().st_mtime_ns
    p = run(myelin_bin, *args, "-o", tmp_path / "i", env=dict(env, MYELIN_EQUATIONS="interpreter"))
    assert "warning" not in p.stderr
    assert np.array_equal(outputs(tmp_path / "c")[2], outputs(tmp_path / "i")[2])
    # The unfused builds (what a CPU without FMA runs) agree with each other too, and
    # differ from the fused ones only in the last bits.
    base = dict(env, MYELIN_SIMD="baseline")
    run(myelin_bin, *args, "-o", tmp_path / "cb", env=base)
    run(myelin_bin, *args, "-o", tmp_path / "ib", env=dict(base, MYELIN_EQUATIONS="interpreter"))
    vb = outputs(tmp_path / "cb")[2]
    assert np.array_equal(vb, outputs(tmp_path / "ib")[2])
    assert not np.array_equal(vb, outputs(tmp_path / "c")[2])
    np.testing.assert_allclose(vb, outputs(tmp_path / "c")[2], rtol=0, atol=1e-6)
    run(myelin_bin, *args, "-o", tmp_path / "c2", "--set", "populations.kc.params.gka=0.06",
        "--set", "populations.kc.size=7", env=env)
    assert sorted(cache.glob("eq_*.so")) == objects and objects[0].stat().st_mtime_ns == stamp
    p = run(myelin_bin, *args, "-o", tmp_path / "n", env={"MYELIN_CACHE_DIR": str(tmp_path / "c3"),
                                                           "MYELIN_CXX": ""})
    assert "runs on the interpreter" in p.stderr and "no C++ compiler" in p.stderr
    assert np.array_equal(outputs(tmp_path / "n")[2], outputs(tmp_path / "c")[2])

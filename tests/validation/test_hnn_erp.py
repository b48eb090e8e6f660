"""HNN's Jones 2009 ERP in myelin against HNN-core on NEURON (issue 4).

models/jones2009_erp.json runs with the reference's own drive spike times
(--replay-drives tests/data/hnn/erp_seed0/spikes.csv, a copy of
../shared/reference/hnn/erp_seed0); its smoothed (30 ms
Hamming, x3000) aggregate, L2 and L5 dipoles must match the reference with Pearson
r >= 0.998 and RMS error <= 2 % of the reference's peak-to-peak, and the spike counts of
every cell type must lie within 3 % (MODEL_NOTES.md 15.4: NEURON itself moves by 0.6 %
with its rate tables switched off, by 9 % at half the time step). The measured numbers
are printed (pytest -s) and quoted in docs/hnn.md.
"""
import json
import os
import subprocess

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MYELIN = os.path.join(os.environ.get("MYELIN_BUILD_DIR", os.path.join(REPO, "build")),
                      "bin", "myelin")
# HNN-core's reference outputs, kept with the tests (tests/data/README.md).
REF = os.path.join(REPO, "tests", "data", "hnn", "erp_seed0")

pytestmark = [
    pytest.mark.skipif(not os.access(MYELIN, os.X_OK), reason="myelin is not built"),
]


def read_csv(path):
    return np.genfromtxt(path, delimiter=",", names=True)


@pytest.fixture(scope="module")
def erp(tmp_path_factory):
    out = tmp_path_factory.mktemp("erp")
    subprocess.run([MYELIN, "run", os.path.join(REPO, "models", "jones2009_erp.json"), "-o",
                    str(out), "--quiet", "--threads", "2", "--replay-drives",
                    os.path.join(REF, "spikes.csv")], check=True)
    return out


@pytest.mark.parametrize("layer", ["agg", "L2", "L5"])
def test_smoothed_dipole_matches_hnn_core(erp, layer):
    ref = read_csv(os.path.join(REF, "dipole.csv"))
    mine = read_csv(os.path.join(erp, "dipole_smooth.csv"))
    assert len(mine) == len(ref) == 6801
    np.testing.assert_allclose(mine["t_ms"], ref["time_ms"], atol=1e-9)
    r_ref, m = ref[layer + "_smooth30_x3000"], mine[layer]
    r = np.corrcoef(r_ref, m)[0, 1]
    rms = np.sqrt(np.mean((r_ref - m) ** 2)) / (r_ref.max() - r_ref.min())
    print(f"\n{layer}: r = {r:.10f}, RMS = {100 * rms:.3e} % of peak-to-peak")
    assert r >= 0.998 and rms <= 0.02  # the acceptance bound
    # Regression bound: with replayed drives myelin follows NEURON step for step, so the
    # only difference left is the reference's printing (9 significant digits; measured
    # max 5e-8 nAm). A change in numerics shows up here long before the bound above.
    assert np.max(np.abs(r_ref - m)) <= 2e-7


def test_raw_dipole_matches_hnn_core(erp):
    ref = read_csv(os.path.join(REF, "dipole.csv"))
    mine = read_csv(os.path.join(erp, "dipole.csv"))
    assert list(mine.dtype.names) == ["t_ms", "agg", "L2", "L5"]
    for layer in ("agg", "L2", "L5"):
        r_ref = ref[layer + "_raw_nAm"]
        rms = np.sqrt(np.mean((r_ref - mine[layer]) ** 2)) / (r_ref.max() - r_ref.min())
        print(f"\nraw {layer}: RMS = {100 * rms:.3e} % of peak-to-peak")
        assert rms <= 0.02  # the bound
        assert np.max(np.abs(r_ref - mine[layer])) <= 1e-9  # regression: measured 5e-11 nAm
    # t = 0: HNN-core writes a zero dipole, then subtracts its baseline (N = 100 cells).
    assert mine["L2"][0] == pytest.approx(-100 * 0.0443e-6, rel=1e-9)
    assert mine["L5"][0] == pytest.approx(100 * 49.0502e-6, rel=1e-9)


def test_spike_counts_match_hnn_core(erp):
    with open(os.path.join(REF, "summary.json")) as f:
        ref = json.load(f)["spike_counts"]
    with open(os.path.join(erp, "summary.json")) as f:
        pops = json.load(f)["populations"]
    for t in ("L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"):
        print(f"\n{t}: {pops[t]['spike_count']} spikes (HNN-core {ref[t]})")
        # The issue allows 3 %; with the reference's own drive times every spike is the
        # same (docs/hnn.md), so any difference is a regression.
        assert pops[t]["spike_count"] == ref[t]
    for d in ("evdist1", "evprox1", "evprox2"):
        assert pops[d]["spike_count"] == ref[d]

"""examples/hnn/*.py (docs/hnn-python.md) run end to end, each in its own process under
matplotlib's Agg backend, on a 3x3 column (--small) where they take one: the figures
they write, and the numbers they print checked."""
import os
import re
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT

sys.path.insert(0, str(BUILD / "python"))
from myelin import _core  # noqa: E402

EXAMPLES = ROOT / "examples" / "hnn"


def run_example(name, tmp_path, *args):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(BUILD / "python"))
    r = subprocess.run(["/usr/bin/python3", str(EXAMPLES / name), *args], cwd=tmp_path,
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_alpha(tmp_path):
    out = run_example("alpha.py", tmp_path, "--small")
    # 10 drive cells, bursts of 2 spikes every 100 ms from 50 ms to 310 ms: 3 bursts each
    assert "drive spikes: {'alpha_prox': 60, 'alpha_dist': 60}" in out
    assert (tmp_path / "alpha_proximal.png").stat().st_size > 10000
    assert (tmp_path / "alpha_both.png").stat().st_size > 10000


def test_gamma(tmp_path):
    out = run_example("gamma.py", tmp_path, "--small")
    # The PING connections of the parameter file, then a regular gamma rhythm under the
    # L5 tonic bias (the HNN GUI tutorial's strong gamma).
    # (params['gbar_L*'] printed as hnn-core prints a Params: indented JSON)
    assert '"gbar_L2Pyr_L2Pyr_ampa": 0.0' in out and '"gbar_L5Basket_L5Pyr_gabaa": 0.08' in out
    peak = float(re.search(r"spectral peak at (\d+) Hz", out).group(1))
    assert 55 <= peak <= 85
    assert (tmp_path / "gamma_weak.png").exists() and (tmp_path / "gamma_strong.png").exists()


def test_spike_replay(tmp_path):
    out = run_example("spike_replay.py", tmp_path, "--small")
    cells, spikes = map(int, re.search(r"(\d+) pyramidal cells of A spiked, (\d+) spikes",
                                       out).groups())
    assert cells > 0
    # every spike of A's pyramidal cells is replayed by network B's drive
    assert f"drive spikes: {spikes}" in out
    assert (tmp_path / "spike_replay.png").exists()


def test_evoked(tmp_path):
    out = run_example("evoked.py", tmp_path)
    assert "trial 0 spikes per cell type:" in out
    assert (tmp_path / "evoked.png").exists()


@pytest.mark.skipif("L5_pyramidal_law2021" not in _core.cell_types(),
                    reason="law_2021_model needs the engine's Law 2021 cell types")
def test_beta(tmp_path):
    out = run_example("beta.py", tmp_path, "--small")
    assert "L5 pyramidal GABAb rise, decay (ms):" in out
    assert (tmp_path / "beta_event.png").exists() and (tmp_path / "beta_erp.png").exists()


def test_extracellular(tmp_path):
    out = run_example("extracellular.py", tmp_path, "--small")
    assert "contacts: 26 samples: 3201" in out  # 80 ms at 0.025 ms, t = 0 included
    # 10 mm from the column the field is a tiny fraction of the laminar contacts' (1/r
    # of a nearly closed current distribution: faster than 1/r).
    ratio = float(re.search(r"far / near: (\S+)", out).group(1))
    assert 0.0 < ratio < 1e-3
    assert (tmp_path / "extracellular.png").stat().st_size > 10000

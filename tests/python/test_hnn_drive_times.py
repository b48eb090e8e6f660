"""MYELIN_HNN_DRIVE_TIMES=hnn_core: the drives take hnn-core 0.6's realisation
(myelin/hnn/drive_times.py). The expected times are hnn-core's: its ERP reference run
(tests/data/hnn/erp_seed0), its beta and alpha examples' drive cells as hnn-core 0.6.1
recorded them, and its drive-time function for a Poisson and a bursty cell."""
import sys

import numpy as np
import pytest

from conftest import BUILD, ROOT

sys.path.insert(0, str(BUILD / "python"))
import myelin.hnn as hnn  # noqa: E402
from myelin.hnn import drive_times  # noqa: E402
from myelin.hnn.drive_times import _cell_times, event_times  # noqa: E402

REF = ROOT / "tests" / "data" / "hnn" / "erp_seed0" / "drive_events.csv"


def test_evoked_drives_are_hnn_cores_erp_run():
    net = hnn.neymotin_2020_model()
    hnn.add_erp_drives_to_jones_model(net)
    ref = np.genfromtxt(REF, delimiter=",", names=True, dtype=None, encoding="utf-8")
    mine = {}
    for name in ("evdist1", "evprox1", "evprox2"):
        for k, times in enumerate(event_times(net, name, 0, 170.0)):
            assert len(times) == 1
            mine[net.gid_ranges[name].start + k] = times[0]
    assert sorted(mine) == sorted(int(g) for g in ref["drive_gid"])
    got = np.array([mine[int(g)] for g in ref["drive_gid"]])
    np.testing.assert_allclose(got, ref["time_ms"], atol=1e-8)  # the file's 9 decimals


def test_bursty_drives_are_hnn_cores_beta_and_alpha_examples():
    net = hnn.neymotin_2020_model()
    common = dict(tstart_std=0.0, numspikes=2, spike_isi=10, n_drive_cells=10)
    net.add_bursty_drive("beta_dist", tstart=50.0, tstop=100.0, burst_rate=1.0, burst_std=10.0,
                         location="distal", weights_ampa={"L2_basket": 0.00032},
                         event_seed=290, **common)
    net.add_bursty_drive("beta_prox", tstart=50.0, tstop=100.0, burst_rate=1.0, burst_std=20.0,
                         location="proximal", weights_ampa={"L2_basket": 0.00004},
                         event_seed=300, **common)
    net.add_bursty_drive("alpha_prox", tstart=50.0, burst_rate=10, burst_std=20,
                         location="proximal", weights_ampa={"L2_pyramidal": 5.4e-5},
                         event_seed=284, **common)
    dist = event_times(net, "beta_dist", 0, 400.0)
    assert dist[0] == pytest.approx([35.61286704629008, 45.61286704629008], abs=1e-12)
    assert dist[1] == pytest.approx([47.90033230882638, 57.90033230882638], abs=1e-12)
    assert dist[2] == pytest.approx([38.12028630886119, 48.12028630886119], abs=1e-12)
    prox = event_times(net, "beta_prox", 0, 400.0)
    assert prox[0] == pytest.approx([15.29659274526789, 25.29659274526789], abs=1e-12)
    assert prox[1] == pytest.approx([64.73773619273382, 74.73773619273382], abs=1e-12)
    # tstop None: bursts every 100 ms until the simulation's end
    alpha = event_times(net, "alpha_prox", 0, 310.0)
    assert alpha[0] == pytest.approx([49.77853617399472, 59.77853617399472, 124.41561201114726,
                                      134.41561201114726, 246.76144571579843,
                                      256.76144571579846], abs=1e-12)


def test_poisson_and_jittered_bursty_cells_as_hnn_cores_drive_function():
    # hnn-core 0.6.1's _drive_cell_event_times for trial 1 with 300 gids, drive cell 5
    # (seed 1000 + 300) of a Poisson drive onto an L5 pyramidal cell, run to 90 ms
    dyn = dict(tstart=10.0, tstop=100.0, rate_constant={"L2_basket": 40.0, "L5_pyramidal": 80.0})
    assert _cell_times("poisson", dyn, "L5_pyramidal", 1300, 5, 90.0) == pytest.approx(
        [15.772256986649865, 19.94786931760081, 37.538789575333155, 39.9234491288086,
         47.64750921931334, 54.43010516620174, 57.46627005619061, 58.05107193978241,
         80.54118053995151, 82.43031500379853, 87.44051795505419], abs=1e-12)
    # ... and drive cell 2 (seed 7) of a bursty drive with a jittered start
    dyn = dict(tstart=20.0, tstart_std=5.0, tstop=None, burst_rate=20.0, burst_std=3.0,
               numspikes=3, spike_isi=4.0)
    assert _cell_times("bursty", dyn, "any", 7, 2, 120.0) == pytest.approx(
        [24.455954183138413, 28.455954183138413, 32.45595418313842, 73.58399631125118,
         77.58399631125118, 81.58399631125118], abs=1e-12)


def test_simulations_take_them_per_trial(monkeypatch):
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_evoked_drive("ev", mu=20.0, sigma=4.0, numspikes=2, location="proximal",
                         weights_ampa={"L2_basket": 0.001, "L5_pyramidal": 0.001},
                         event_seed=11)
    n_gids = 24 + 12  # 24 cells, one drive cell per targeted cell
    trial1 = [np.sort(np.random.RandomState(11 + n_gids + k).normal(20.0, 4.0, 2)).tolist()
              for k in range(12)]
    assert event_times(net, "ev", 1, 40.0) == trial1
    monkeypatch.setenv("MYELIN_HNN_DRIVE_TIMES", "hnn_core")
    hnn.simulate_dipole(net, tstop=40.0, n_trials=2)
    cr = net.cell_response
    for trial in (0, 1):
        got = [sorted(t for t, g in zip(cr.spike_times[trial], cr.spike_gids[trial])
                      if g == gid) for gid in net.gid_ranges["ev"]]
        # recorded at the nearest step
        want = [[round(t / 0.025) * 0.025 for t in times]
                for times in event_times(net, "ev", trial, 40.0)]
        assert np.allclose(np.concatenate(got), np.concatenate(want), atol=1e-9)
    monkeypatch.setenv("MYELIN_HNN_DRIVE_TIMES", "numpy")
    with pytest.raises(ValueError, match="MYELIN_HNN_DRIVE_TIMES must be 'hnn_core' or "
                                         "'myelin', got 'numpy'"):
        drive_times.wanted()

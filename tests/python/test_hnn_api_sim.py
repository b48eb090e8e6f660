"""myelin.hnn's simulations (docs/hnn-python.md): the ERP column from Python is the
command line's bit for bit and, with HNN-core's drive times, HNN-core's; trials are
new drive realisations, each equal to a single run with its seeds; backends and threads
do not change results."""
import json
import os
import subprocess

import numpy as np
import pytest
from hnn_api_support import REPO, hnn
from clitools import MPIRUN, ENV

import myelin
from myelin.hnn.compile import to_model
from myelin.hnn.simulate import run_models

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
REF = REPO / "tests" / "data" / "hnn" / "erp_seed0"


def erp_net():
    net = hnn.jones_2009_model()
    hnn.add_erp_drives_to_jones_model(net)
    return net


def data(dpl):
    return np.column_stack([dpl.data["agg"], dpl.data["L2"], dpl.data["L5"]])


@pytest.fixture(scope="module")
def erp_python():
    net = erp_net()
    with hnn.MPIBackend(n_procs=2):
        dpls = hnn.simulate_dipole(net, tstop=170.0, verbose=False)
    return net, dpls


def test_erp_dipole_is_the_command_lines(erp_python, myelin_bin, tmp_path):
    net, dpls = erp_python
    assert len(dpls) == 1 and len(dpls[0].times) == 6801
    assert dpls[0].times[-1] == pytest.approx(170.0)
    # The engine's signals of models/jones2009_erp.json, bit for bit.
    sim = myelin.Simulation(myelin.load_model(str(REPO / "models" / "jones2009_erp.json")),
                            threads=1)
    sim.run(170.0)
    d = sim.hnn_dipoles()
    assert d["layers"] == ["L2", "L5"]
    np.testing.assert_array_equal(data(dpls[0]), np.column_stack([d["agg"], *d["layer"]]))
    # And the command line's dipole.csv, byte for byte, from the compiled model.
    model = tmp_path / "net.json"
    model.write_text(json.dumps(to_model(net, 170.0)))
    for src, out in ((model, "py"), (REPO / "models" / "jones2009_erp.json", "cli")):
        subprocess.run([myelin_bin, "run", str(src), "-o", str(tmp_path / out), "-q"],
                       check=True)
    for f in ("dipole.csv", "dipole_smooth.csv"):
        assert (tmp_path / "py" / f).read_bytes() == (tmp_path / "cli" / f).read_bytes()
    csv = np.genfromtxt(tmp_path / "cli" / "dipole.csv", delimiter=",", names=True)
    np.testing.assert_allclose(dpls[0].data["agg"], csv["agg"], rtol=1e-9, atol=1e-15)


def test_erp_cell_response(erp_python):
    net, _ = erp_python
    cr = net.cell_response
    types = np.array(cr.spike_types[0])
    gids = np.array(cr.spike_gids[0])
    times = np.array(cr.spike_times[0])
    assert np.all(np.diff(times) >= 0)
    for name, r in net.gid_ranges.items():
        sel = types == name
        assert np.all((gids[sel] >= r.start) & (gids[sel] < r.stop)), name
    # One spike per drive cell of the three evoked drives (235 + 270 + 270), and the
    # command line's counts of myelin's own drive realisation (docs/hnn.md).
    assert [int(np.sum(types == d)) for d in ("evdist1", "evprox1", "evprox2")] == [235, 270, 270]
    assert [int(np.sum(types == t)) for t in net.cell_types] == [57, 82, 88, 389]


def test_erp_with_hnn_cores_drive_times_matches_hnn_core():
    """The drives' spike times replayed from HNN-core's spikes.csv (as `myelin run
    --replay-drives` does), through the compiled model's per-drive-cell spike_times."""
    net = erp_net()
    model = to_model(net, 170.0)
    rows = np.genfromtxt(REF / "spikes.csv", delimiter=",", names=True, dtype=None,
                         encoding="utf-8")
    for drive in model["drives"]:
        r = net.gid_ranges[drive["label"]]
        trains = [[] for _ in r]
        for gid, t in zip(rows["gid"], rows["time_ms"]):
            if gid in r:
                trains[gid - r.start].append(float(t))
        drive["spike_times"] = trains
    dip = run_models([model], workers=2)[0]["dipole"]
    ref = np.genfromtxt(REF / "dipole.csv", delimiter=",", names=True)
    for name, mine in (("agg", dip["agg"]), ("L2", dip["layer"][0]), ("L5", dip["layer"][1])):
        r = ref[name + "_raw_nAm"]
        assert np.max(np.abs(r - mine)) <= 1e-9, name  # test_hnn_erp.py's regression bound
        sm = ref[name + "_smooth30_x3000"]
        mine_sm = dip["agg_smooth"] if name == "agg" else dip["layer_smooth"][name == "L5"]
        assert np.max(np.abs(sm - mine_sm)) <= 2e-7, name


def small_net(event_seed=2):
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_evoked_drive("evprox", mu=20.0, sigma=5.0, numspikes=1, location="proximal",
                         weights_ampa={"L2_basket": 0.05, "L2_pyramidal": 0.02,
                                       "L5_basket": 0.05, "L5_pyramidal": 0.02},
                         synaptic_delays=0.1, event_seed=event_seed)
    net.add_bursty_drive("bursty", tstart=10.0, burst_rate=20, burst_std=5.0,
                         location="distal", weights_ampa={"L2_pyramidal": 5e-3,
                                                          "L5_pyramidal": 5e-3},
                         n_drive_cells=3, event_seed=event_seed + 10)
    return net


def test_trials_are_new_drive_realisations_equal_to_single_runs_with_their_seeds():
    net = small_net()
    with hnn.JoblibBackend(n_jobs=2):
        dpls = hnn.simulate_dipole(net, tstop=60.0, n_trials=2, verbose=False)
    assert len(dpls) == 2 and len(net.cell_response.spike_times) == 2
    assert not np.allclose(dpls[0].data["agg"], dpls[1].data["agg"])
    assert net.cell_response.spike_times[0] != net.cell_response.spike_times[1]
    # Trial k: every drive's event_seed + k, as a single run.
    for k in (0, 1):
        single = small_net(event_seed=2 + k)
        one = hnn.simulate_dipole(single, tstop=60.0, n_trials=1, verbose=False)
        np.testing.assert_array_equal(data(one[0]), data(dpls[k]))
        assert single.cell_response.spike_gids[0] == net.cell_response.spike_gids[k]


def test_backends_and_threads_give_the_same_bits():
    base = hnn.simulate_dipole(small_net(), tstop=60.0, verbose=False)
    with hnn.MPIBackend(n_procs=2, mpi_cmd="mpiexec"):
        mpi = hnn.simulate_dipole(small_net(), tstop=60.0, n_trials=1, verbose=False)
    with hnn.JoblibBackend(n_jobs=3):
        job = hnn.simulate_dipole(small_net(), tstop=60.0, n_trials=3, verbose=False)
    np.testing.assert_array_equal(data(base[0]), data(mpi[0]))
    np.testing.assert_array_equal(data(base[0]), data(job[0]))


def test_tonic_bias_and_soma_voltages():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_tonic_bias(amplitude={"L5_pyramidal": 0.2}, t0=20.0, tstop=40.0)
    hnn.simulate_dipole(net, tstop=60.0, record_vsec="soma", verbose=False)
    v = net.cell_response.vsec[0]
    assert sorted(v) == list(range(24))
    l5 = v[net.gid_ranges["L5_pyramidal"][0]]["soma"]
    l2 = v[net.gid_ranges["L2_pyramidal"][0]]["soma"]
    at = {t: int(round(t / 0.025)) for t in (10.0, 19.0, 39.0)}
    assert abs(l5[at[19.0]] - l5[at[10.0]]) < 0.1  # at rest before t0
    assert l5[at[39.0]] > l5[at[19.0]] + 2.0  # the bias depolarises L5 somata only
    assert abs(l2[at[39.0]] - l2[at[19.0]]) < 0.01


def test_postproc_and_poisson_drive():
    net = small_net()
    net.add_poisson_drive("pois", rate_constant=40.0, location="proximal",
                          weights_ampa={"L5_pyramidal": 1e-3}, event_seed=5)
    raw = hnn.simulate_dipole(net, tstop=60.0, verbose=False)
    types = np.array(net.cell_response.spike_types[0])
    assert 9 * 40 * 0.06 * 0.4 < np.sum(types == "pois") < 9 * 40 * 0.06 * 2
    pp = hnn.simulate_dipole(net, tstop=60.0, postproc=True, verbose=False)
    w = int(round(net._params["dipole_smooth_win"] / 0.025))
    win = np.hamming(w)
    expect = np.convolve(raw[0].data["agg"], win / win.sum(), "same") * 3000
    np.testing.assert_allclose(pp[0].data["agg"], expect, rtol=1e-9,
                               atol=1e-9 * np.abs(expect).max())


def test_errors_of_simulate_dipole():
    net = small_net()
    with pytest.raises(ValueError, match="Invalid number of simulations: 0"):
        hnn.simulate_dipole(net, tstop=10.0, n_trials=0)
    with pytest.raises(ValueError, match="Invalid value for the 'record_vsec' parameter"):
        hnn.simulate_dipole(net, tstop=10.0, record_vsec="dend")
    with pytest.raises(ValueError, match="Invalid value for the 'record_isec' parameter"):
        hnn.simulate_dipole(net, tstop=10.0, record_isec="dend")
    with pytest.raises(ValueError, match="Invalid value for the 'record_ca' parameter"):
        hnn.simulate_dipole(net, tstop=10.0, record_ca=True)


@pytest.mark.skipif(MPIRUN is None or not myelin.built_with_mpi(), reason="no MPI")
def test_script_under_mpirun_gives_the_same_dipole(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(f"""
import sys, warnings, numpy as np
sys.path.insert(0, {str(REPO / 'tests' / 'python')!r})
warnings.simplefilter('ignore')
from hnn_api_support import hnn
from test_hnn_api_sim import small_net, data
from myelin import _core
d = hnn.simulate_dipole(small_net(), tstop=60.0, verbose=False)
np.save({str(tmp_path)!r} + f'/r{{_core.mpi_rank()}}.npy', data(d[0]))
""")
    env = dict(ENV, MYELIN_BUILD_DIR=str(os.environ.get("MYELIN_BUILD_DIR", REPO / "build")))
    subprocess.run([MPIRUN, "--oversubscribe", "-np", "2", "/usr/bin/python3", str(script)],
                   check=True, env=env, timeout=300, cwd=str(REPO / "tests" / "python"))
    base = data(hnn.simulate_dipole(small_net(), tstop=60.0, verbose=False)[0])
    for rank in (0, 1):  # rank 0's results are handed to every rank
        np.testing.assert_array_equal(np.load(tmp_path / f"r{rank}.npy"), base)


def test_spike_train_drive_delivers_the_given_times():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_spike_train_drive("replay", spike_data={"a": [12.0, 30.5], "b": [20.25]},
                              location="soma", weights_ampa={"L2_basket": 0.05},
                              synaptic_delays=1.0)
    assert net.gid_ranges["replay"] == range(24, 26)
    hnn.simulate_dipole(net, tstop=40.0, verbose=False)
    cr = net.cell_response
    sel = [k for k, t in enumerate(cr.spike_types[0]) if t == "replay"]
    assert sorted((cr.spike_gids[0][k], cr.spike_times[0][k]) for k in sel) == \
        [(24, 12.0), (24, 30.5), (25, 20.25)]
    # The same times as a list of (time, gid) tuples make the same drive.
    other = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    other.add_spike_train_drive("replay", spike_data=[(30.5, 7), (20.25, 9), (12.0, 7)],
                                location="soma", weights_ampa={"L2_basket": 0.05},
                                synaptic_delays=1.0)
    assert to_model(other, 40.0)["drives"] == to_model(net, 40.0)["drives"]


def test_drive_kinds_and_cell_layouts_run():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_evoked_drive("sync", mu=15.0, sigma=0.0, numspikes=2, location="distal",
                         n_drive_cells=1, cell_specific=False,
                         weights_nmda={"L2_pyramidal": 1e-3, "L5_pyramidal": 1e-3})
    net.add_poisson_drive("pois", tstart=5.0, tstop=35.0, rate_constant=100.0,
                          location="proximal", n_drive_cells=2, cell_specific=False,
                          weights_ampa={"L2_basket": 1e-3})
    net.add_bursty_drive("burst", tstart=10.0, burst_rate=25, numspikes=3, spike_isi=5,
                         location="proximal", n_drive_cells="n_cells", cell_specific=True,
                         weights_ampa={"L5_basket": 1e-3, "L5_pyramidal": 1e-4})
    assert [len(net.gid_ranges[d]) for d in ("sync", "pois", "burst")] == [1, 2, 12]
    hnn.simulate_dipole(net, tstop=40.0, verbose=False)
    t = np.array(net.cell_response.spike_times[0])
    ty = np.array(net.cell_response.spike_types[0])
    assert sorted(t[ty == "sync"]) == [15.0, 15.0]  # numspikes 2 at mu, sigma 0
    pois = t[ty == "pois"]
    assert 2 * 100 * 0.030 * 0.4 < len(pois) < 2 * 100 * 0.030 * 2
    assert pois.min() >= 5.0 and pois.max() < 35.0
    # Bursts centred at 10 and 50 ms (HNN-core centres the burst's spikes on its time):
    # the first, 3 spikes 5 ms apart, per drive cell within 40 ms.
    burst = np.sort(t[ty == "burst"])
    assert len(burst) == 12 * 3 and set(np.round(burst, 3)) == {5.0, 10.0, 15.0}


def test_electrode_arrays_record_per_trial_what_the_engine_computes():
    net = small_net()
    # A laminar shank through the column's centre, and one contact far away.
    x, y = np.mean([p[:2] for p in net.pos_dict["L5_pyramidal"]], axis=0)
    shank = [(float(x), float(y), float(z)) for z in (-100.0, 400.0, 900.0, 1400.0)]
    net.add_electrode_array("shank", shank)
    net.add_electrode_array("far", (float(x) + 5000.0, float(y), 700.0), method="lsa")
    with pytest.raises(ValueError, match="shank already exists"):
        net.add_electrode_array("shank", shank)
    with pytest.raises(ValueError, match="method"):
        net.add_electrode_array("bad", shank, method="csd")
    hnn.simulate_dipole(net, tstop=40.0, n_trials=2)
    shank_arr, far = net.rec_arrays["shank"], net.rec_arrays["far"]
    n_times = int(round(40.0 / 0.025)) + 1
    assert shank_arr.voltages.shape == (2, 4, n_times)
    assert far.voltages.shape == (2, 1, n_times)
    assert np.allclose(shank_arr.times, np.arange(n_times) * 0.025)
    # Trial 1 equals a run of the compiled model of trial 1, read from the engine.
    ref = run_models([to_model(net, 40.0, 0.025, 1)])[0]["rec_arrays"]["shank"]
    assert np.array_equal(shank_arr.voltages[1], ref)
    assert not np.array_equal(shank_arr.voltages[0], shank_arr.voltages[1])
    # 5 mm away the potential is orders of magnitude below the shank's (1/r decay).
    assert np.abs(far.voltages).max() < 0.05 * np.abs(shank_arr.voltages).max()
    # copy() keeps the array's settings and drops its data.
    clone = net.copy()
    assert clone.rec_arrays["shank"].positions == shank_arr.positions
    assert len(clone.rec_arrays["shank"]) == 0


def test_section_voltages_currents_and_calcium_in_hnn_cores_layout():
    net = small_net()
    hnn.simulate_dipole(net, tstop=30.0, record_vsec="soma")
    soma_only = net.cell_response.vsec[0]
    net = small_net()
    hnn.simulate_dipole(net, tstop=30.0, record_vsec="all", record_isec="soma",
                        record_ca="all")
    resp = net.cell_response
    n_times = int(round(30.0 / 0.025)) + 1
    gid = net.gid_ranges["L5_pyramidal"][0]
    cell = net.cell_types["L5_pyramidal"]["cell_object"]
    vsec, isec, ca = resp.vsec[0][gid], resp.isec[0][gid], resp.ca[0][gid]
    assert set(vsec) == set(cell.sections)
    assert all(x.shape == (n_times,) for x in vsec.values())
    # The soma trace is the same in both modes, bit for bit.
    assert np.array_equal(vsec["soma"], soma_only[gid]["soma"])
    # isec='soma': the soma's synapses only, keyed as HNN-core keys them.
    assert list(isec) == ["soma"] and set(isec["soma"]) == {"soma_gabaa", "soma_gabab"}
    # Calcium where the template inserts cad: the keys are exactly those sections.
    with_cad = {s["name"] for s in cell._template["sections"] if "cad" in s["mechanisms"]}
    assert set(ca) == with_cad and with_cad
    assert all(np.all(x > 0) for x in ca.values())
    # Every cell of every type has its sections.
    for name, rng in net.gid_ranges.items():
        if name in net.cell_types:
            secs = set(net.cell_types[name]["cell_object"].sections)
            assert all(set(resp.vsec[0][g]) == secs for g in rng)

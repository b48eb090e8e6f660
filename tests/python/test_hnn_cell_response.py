"""myelin.hnn's CellResponse and ExtracellularArray (HNN-core 0.6's): constructed spikes
with known rates, counts and files; HNN-core's errors; the laminar CSD of a known profile."""
import sys
import warnings

import matplotlib
import numpy as np
import pytest

from conftest import BUILD

matplotlib.use("Agg")
sys.path.insert(0, str(BUILD / "python"))
from myelin.hnn.cell_response import CellResponse, read_spikes  # noqa: E402
from myelin.hnn.dipole import Dipole  # noqa: E402
from myelin.hnn.extracellular import ExtracellularArray, calculate_csd2d  # noqa: E402
from myelin.hnn.viz import plot_spikes_hist, plot_spikes_raster  # noqa: E402

GID_RANGES = {"L2_basket": range(0, 2), "L2_pyramidal": range(2, 5),
              "L5_basket": range(5, 6), "L5_pyramidal": range(6, 9), "evprox1": range(9, 12)}


def two_trials():
    """Trial 0: L2_basket gid 0 x2, gid 1 x1; L2_pyr gid 2 x1; evprox1 gids 9, 10.
    Trial 1: L2_basket gid 0 x1; L5_pyr gid 6 x3, gid 8 x1; evprox1 gid 11 x2."""
    times = [[10.0, 20.0, 30.0, 40.0, 5.0, 6.0], [12.0, 50.0, 60.0, 70.0, 80.0, 8.0, 9.0]]
    gids = [[0, 0, 1, 2, 9, 10], [0, 6, 6, 6, 8, 11, 11]]
    types = [["L2_basket", "L2_basket", "L2_basket", "L2_pyramidal", "evprox1", "evprox1"],
             ["L2_basket", "L5_pyramidal", "L5_pyramidal", "L5_pyramidal", "L5_pyramidal",
              "evprox1", "evprox1"]]
    return CellResponse(spike_times=times, spike_gids=gids, spike_types=types,
                        times=np.arange(0.0, 200.025, 0.025))


def test_constructor_orders_and_errors():
    a = two_trials()
    b = CellResponse(["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"],
                     a.spike_times, a.spike_gids, a.spike_types, a.times)  # 0.6's order
    c = CellResponse(a.spike_times, a.spike_gids, a.spike_types, a.times)  # 0.4's order
    assert a == b == c and repr(c) == "<CellResponse | 2 simulation trials>"
    assert a.cell_types == ["L2_basket", "L2_pyramidal", "L5_pyramidal", "evprox1"]
    assert a.vsec == [] and a.isec == [] and a.times[-1] == 200.0
    with pytest.raises(TypeError, match="spike_gids should be a list of lists"):
        CellResponse(spike_times=[[1.0]], spike_gids=[1], spike_types=[["a"]])
    with pytest.raises(ValueError, match="spike times, gids, and types should be lists of the "
                                         "same length"):
        CellResponse(spike_times=[[1.0]], spike_gids=[[1], [2]], spike_types=[["a"]])
    with pytest.raises(TypeError, match="'times' is an np.ndarray of simulation times"):
        CellResponse(spike_times=[], times=5)


def test_eq_rounds_times_to_3_decimals_and_compares_recordings():
    a, b = two_trials(), two_trials()
    b.spike_times[0][0] = 10.0004
    assert a == b
    b.spike_times[0][0] = 10.002
    assert a != b
    c = two_trials()
    c.vsec.append({0: {"soma": np.array([1.0, 2.0])}})
    d = two_trials()
    d.vsec.append({0: {"soma": np.array([1.0, 2.5])}})
    assert c != d and c != a
    d.vsec[0][0]["soma"][1] = 2.0
    assert c == d


def test_mean_rates_all_trial_cell():
    r = two_trials()
    # per trial and cell over 200 ms: a spike is 5 Hz
    cell = r.mean_rates(0, 200, GID_RANGES, mean_type="cell")
    assert cell["L2_basket"] == [[10.0, 5.0], [5.0, 0.0]]
    assert cell["L5_pyramidal"] == [[0.0, 0.0, 0.0], [15.0, 0.0, 5.0]]
    trial = r.mean_rates(0, 200, GID_RANGES, mean_type="trial")
    assert trial["L2_basket"] == [7.5, 2.5]
    assert trial["L2_pyramidal"] == pytest.approx([5.0 / 3, 0.0])
    everything = r.mean_rates(0, 200, GID_RANGES)
    assert everything == pytest.approx({"L2_basket": 5.0, "L2_pyramidal": 5.0 / 6,
                                        "L5_basket": 0.0, "L5_pyramidal": 10.0 / 3})
    assert "evprox1" not in everything  # drives are not simulated cell types
    assert r.mean_rates(100, 300, GID_RANGES)["L2_basket"] == 5.0  # counts / (tstop - tstart)
    with pytest.raises(ValueError, match="Invalid mean_type. Valid arguments include 'all', "
                                         "'trial', or 'cell'. Got rate"):
        r.mean_rates(0, 200, GID_RANGES, mean_type="rate")
    with pytest.raises(ValueError, match="tstop must be greater than tstart"):
        r.mean_rates(200, 200, GID_RANGES)
    with pytest.raises(ValueError, match="tstart and tstop must be of type int or float"):
        r.mean_rates("0", 200, GID_RANGES)


def test_update_types_and_spike_times_by_type():
    r = two_trials()
    r.update_types({"L2_basket": [0, 1], "other": range(2, 12)})
    assert r.spike_types[1] == ["L2_basket"] + ["other"] * 6
    by_type = r.spike_times_by_type
    assert by_type["L2_basket"] == [[10.0, 20.0, 30.0], [12.0]]
    assert by_type["other"] == [[40.0, 5.0, 6.0], [50.0, 60.0, 70.0, 80.0, 8.0, 9.0]]
    with pytest.raises(ValueError, match="gid_ranges should contain only disjoint sets of gid "
                                         "values"):
        r.update_types({"a": range(0, 3), "b": range(2, 4)})


def test_write_read_round_trip_and_legacy_files(tmp_path):
    r = two_trials()
    r.spike_times[0][0] = 10.00049
    r.write(tmp_path / "spk_%d.txt")
    assert (tmp_path / "spk_0.txt").read_text().splitlines()[0] == "10.000\t0\tL2_basket"
    assert len((tmp_path / "spk_1.txt").read_text().splitlines()) == 7
    with pytest.warns(DeprecationWarning, match="Reading cell response from txt files"):
        back = read_spikes(tmp_path / "spk_*.txt")
    assert back == r and back.spike_gids == r.spike_gids
    r.write(tmp_path / "b_{0}.txt")
    r.write(tmp_path / "plain.txt")  # the trial index goes before the extension
    assert (tmp_path / "b_1.txt").exists() and (tmp_path / "plain_1.txt").exists()

    (tmp_path / "legacy_0.txt").write_text("1.5\t0\n2.5\t9\n")  # HNN's spk.txt: no types
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match="gid_ranges must be provided if spike types are "
                                             "unspecified in the file"):
            read_spikes(tmp_path / "legacy_*.txt")
        legacy = read_spikes(tmp_path / "legacy_*.txt", gid_ranges=GID_RANGES)
    assert legacy.spike_types == [["L2_basket", "evprox1"]]
    assert legacy.mean_rates(0, 100, GID_RANGES)["L2_basket"] == 5.0


def test_raster_one_event_row_per_spiking_cell():
    r = two_trials()
    fig = plot_spikes_raster(r, show=False)
    ax = fig.axes[0]
    # every spiking cell one EventCollection at -gid; a silent type (L5_basket) one dummy
    # entry at -1 for the legend; drives are not drawn by default
    assert sorted(c.get_lineoffset() for c in ax.collections) == [-8, -6, -2, -1, -1, 0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "L2_basket Spikes", "L2_pyramidal Spikes", "L5_basket Spikes", "L5_pyramidal Spikes"]
    one = r.plot_spikes_raster(trial_idx=1, cell_types=["L5_pyramidal"], show=False)
    events = one.axes[0].collections
    assert len(events) == 2  # gids 6 and 8
    assert sorted(tuple(e.get_positions()) for e in events) == [(50.0, 60.0, 70.0), (80.0,)]
    assert sorted(e.get_lineoffset() for e in events) == [-8.0, -6.0]
    with pytest.raises(ValueError, match="Invalid cell types provided"):
        r.plot_spikes_raster(cell_types=["L6_pyramidal"], show=False)
    with pytest.raises(ValueError, match="Number of colors must be equal to number of cell "
                                         "types. 1 colors provided for 4 cell types."):
        r.plot_spikes_raster(colors=["r"], show=False)


def test_raster_overlays_dipoles():
    r = two_trials()
    t = np.arange(0.0, 200.0, 1.0)
    dpl = Dipole(t, np.column_stack([np.sin(t / 20)] * 3))
    fig = r.plot_spikes_raster(dpl=dpl, overlay_dipoles=True, show=False)
    assert [ln.get_label() for ln in fig.axes[0].lines] == ["L2 Dipole", "L5 Dipole"]
    with pytest.raises(ValueError, match="Dipole object must be provided to overlay dipoles"):
        r.plot_spikes_raster(overlay_dipoles=True, show=False)


def test_hist_counts_groups_prefixes_and_errors():
    r = two_trials()
    fig = plot_spikes_hist(r, show=False)  # default: the drives only
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["evprox1"]
    assert sum(p.get_height() for p in ax.patches) == 4
    fig = r.plot_spikes_hist(spike_types={"basket": ["L2_b"], "pyr": ["L2_p", "L5_p"]},
                             color={"basket": "g", "pyr": "b"}, show=False)
    basket, pyr = fig.axes[0].containers  # groups in sorted order of their labels
    assert sum(p.get_height() for p in basket) == 4 and sum(p.get_height() for p in pyr) == 5
    assert basket[0].get_facecolor() == matplotlib.colors.to_rgba("g")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["basket", "pyr"]
    fig = r.plot_spikes_hist(trial_idx=0, spike_types="L", invert_spike_types="L",
                             show=False)
    assert len(fig.axes) == 2 and sum(p.get_height() for p in fig.axes[1].patches) == 4
    assert fig.axes[1].yaxis_inverted()
    with pytest.raises(ValueError, match="No input types found for evdist"):
        r.plot_spikes_hist(spike_types="evdist", show=False)
    with pytest.raises(ValueError, match="Elements of spike_types must map to mutually "
                                         "exclusive input types. L2_basket is found more"):
        r.plot_spikes_hist(spike_types={"a": ["L2"], "b": ["L2_b"]}, show=False)
    with pytest.raises(TypeError, match="spike_types\\[a\\] must be a list. Got str."):
        r.plot_spikes_hist(spike_types={"a": "L2"}, show=False)
    with pytest.raises(ValueError, match="'pyr' must be defined in color dictionary"):
        r.plot_spikes_hist(spike_types={"pyr": ["L5"]}, color={"b": "r"}, show=False)


# ---- ExtracellularArray --------------------------------------------------------------

def laminar(n=5, spacing=100.0):
    return [(0.0, 0.0, k * spacing) for k in range(n)]


def test_extracellular_arguments_errors():
    with pytest.raises(TypeError, match="conductivity must be an instance of float, got "
                                        "<class 'int'> instead"):
        ExtracellularArray(laminar(), conductivity=1)
    with pytest.raises(ValueError, match="conductivity must be a positive number"):
        ExtracellularArray(laminar(), conductivity=-0.3)
    with pytest.raises(ValueError, match="min_distance must be a positive number"):
        ExtracellularArray(laminar(), min_distance=0.0)
    with pytest.raises(ValueError, match="Invalid value for the 'method' parameter. Allowed "
                                         "values are 'psa', and 'lsa', but got 'csd' instead."):
        ExtracellularArray(laminar(), method="csd")
    with pytest.raises(ValueError, match="positions should be provided as xyz coordinate "
                                         "triplets"):
        ExtracellularArray([(0, 0)])
    with pytest.raises(ValueError, match="number of voltage traces must match number of "
                                         "channels, got 2 and 5"):
        ExtracellularArray(laminar(), times=[0, 1], voltages=np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="length of times and voltages must match, got 3 and 2"):
        ExtracellularArray(laminar(2), times=[0, 1, 2], voltages=np.zeros((1, 2, 2)))
    single = ExtracellularArray((1.0, 2.0, 3.0))
    assert single.n_contacts == 1 and single.sfreq is None
    assert repr(single) == ("<ExtracellularArray | 1 electrodes, conductivity=0.3, "
                            "method=psa (no data recorded yet)>")


def test_extracellular_data_access_smoothing_and_trials():
    times = np.arange(0.0, 100.0, 0.025)
    rng = np.random.default_rng(7)
    volts = rng.normal(size=(3, 5, len(times)))
    arr = ExtracellularArray(laminar(), times=times, voltages=volts)
    assert len(arr) == 3 and arr.sfreq == pytest.approx(40000.0)
    v, t = arr.get_data(return_times=True)
    np.testing.assert_array_equal(v, volts)
    np.testing.assert_array_equal(t, times)
    np.testing.assert_array_equal(arr[1].voltages, volts[1:2])
    np.testing.assert_array_equal(arr[[2, 0]].voltages, volts[[2, 0]])
    assert len(arr[0:2]) == 2 and arr.copy() == arr
    with pytest.raises(IndexError, match="the data contain 3 trials, the indices provided are "
                                         "out of range: 5"):
        arr[5]
    smoothed = arr.copy().smooth(2.0)
    ref = Dipole(times, volts[2, 4]).smooth(2.0).data["agg"]
    np.testing.assert_array_equal(smoothed.voltages[2, 4], ref)
    assert smoothed != arr
    with pytest.raises(RuntimeError, match="Extracellular sampling times vary by more than 1 "
                                           "us"):
        ExtracellularArray(laminar(1), times=[0.0, 1.0, 3.0], voltages=np.zeros((1, 1, 3))).sfreq


def test_csd_of_a_cubic_profile_and_plots():
    z = np.arange(5) * 100.0
    times = np.arange(0.0, 10.0, 0.5)
    # V = a z^3 (a varying in time): d2V/dz2 = 6 a z, exact in the second difference of a
    # cubic and in the linear extrapolation to the border contacts
    a = np.linspace(1.0, 2.0, len(times)) * 1e-4
    lfp = np.outer(z ** 3, a)
    np.testing.assert_allclose(calculate_csd2d(lfp, delta=100.0), -6 * np.outer(z, a),
                               rtol=1e-12, atol=1e-12)
    arr = ExtracellularArray(laminar(), times=times, voltages=lfp[None])
    fig = arr.plot_lfp(show=False)
    assert len(fig.axes[0].lines) == 5
    np.testing.assert_array_equal(fig.axes[0].lines[3].get_ydata(), lfp[3] + 3 * 50)
    fig = arr.plot_csd(show=False, interpolation=None)
    mesh = fig.axes[0].collections[0]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(5, -1), -6 * np.outer(z, a),
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="Electrode contacts are incompatible with laminar "
                                         "profiling"):
        ExtracellularArray([(0.0, 0.0, 0.0), (0.0, 0.0, 100.0), (0.0, 50.0, 200.0)],
                           times=times, voltages=np.zeros((1, 3, len(times)))).plot_csd(
            show=False)

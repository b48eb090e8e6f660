"""myelin.hnn's Dipole (HNN-core 0.6's) against hand-checked cases, closed forms and
myelin's own HNN postprocessing (dipole_smooth.csv)."""
import math
import subprocess
import sys

import h5py
import matplotlib
import numpy as np
import pytest
from scipy.signal import savgol_filter

from conftest import BUILD, ROOT

matplotlib.use("Agg")
sys.path.insert(0, str(BUILD / "python"))
from myelin.hnn.dipole import (Dipole, _read_dipole_txt, _rmse, average_dipoles,  # noqa: E402
                               read_dipole, smooth_waveform)
from myelin.hnn.viz import _psd, _tfr, plot_dipole  # noqa: E402


def ms_grid(n, dt=1.0):
    return np.arange(n) * dt


def impulse_dipole(n, at, dt=1.0):
    x = np.zeros(n)
    x[at] = 1.0
    return Dipole(ms_grid(n, dt), x)


# ---- smoothing ------------------------------------------------------------------------------

def test_smooth_odd_window_impulse_by_hand():
    # 1 kHz, 5 ms -> 5 samples: hamming(5) = 0.08, 0.54, 1, 0.54, 0.08 (sum 2.24), centred
    d = impulse_dipole(21, 10)
    assert d.smooth(5) is d
    expected = np.zeros(21)
    expected[8:13] = np.array([0.08, 0.54, 1.0, 0.54, 0.08]) / 2.24
    np.testing.assert_allclose(d.data["agg"], expected, atol=1e-15)
    # round(1e-3 * 4.6 ms * 1000 Hz) = 5 samples too
    np.testing.assert_array_equal(impulse_dipole(21, 10).smooth(4.6).data["agg"], d.data["agg"])


def test_smooth_even_window_impulse_by_hand():
    # 4 samples: hamming(4) = 0.08, 0.77, 0.77, 0.08 (sum 1.7); numpy's 'same' keeps the
    # full convolution from index (4 - 1) // 2 = 1: the impulse at 10 spreads over 9..12
    d = impulse_dipole(21, 10).smooth(4)
    expected = np.zeros(21)
    expected[9:13] = np.array([0.08, 0.77, 0.77, 0.08]) / 1.7
    np.testing.assert_allclose(d.data["agg"], expected, atol=1e-15)


def test_smooth_equals_direct_sum_with_zero_padding():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 3))
    d = Dipole(ms_grid(300, 0.025), x)  # 40 kHz: 1 ms -> 40 samples
    d.smooth(1.0)
    m = 40
    w = np.array([0.54 - 0.46 * math.cos(2 * math.pi * k / (m - 1)) for k in range(m)])
    w /= w.sum()
    off = (m - 1) // 2
    for col, layer in enumerate(("agg", "L2", "L5")):
        direct = [sum(x[j, col] * w[i + off - j] for j in range(300) if 0 <= i + off - j < m)
                  for i in range(300)]
        np.testing.assert_allclose(d.data[layer], direct, rtol=0, atol=1e-13)


def test_smooth_is_computed_on_read_with_eager_bits():
    """smooth() defers each layer's convolution to its first read; what is read is
    bit for bit the eager smooth_waveform of the values at the time of the call, in
    order with later operations, in copies and in writes."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 3))
    sm = {k: smooth_waveform(x[:, i], 12, 1000.0) for i, k in enumerate(("agg", "L2", "L5"))}
    d = Dipole(ms_grid(400), x)
    agg_before = d.data["agg"]
    d.smooth(12)
    agg_before[:] = 0.0  # the smoothing uses the values at the call
    assert isinstance(d.data.raw("L2"), type(d.data.raw("agg")))
    np.testing.assert_array_equal(d.data["agg"], sm["agg"])
    assert not isinstance(d.data.raw("agg"), type(d.data.raw("L2")))  # only agg computed
    c = d.copy().scale(2.0)
    np.testing.assert_array_equal(c.data["L2"], sm["L2"] * 2.0)
    twice = Dipole(ms_grid(400), x.copy()).smooth(12).smooth(5)
    np.testing.assert_array_equal(twice.data["L5"], smooth_waveform(sm["L5"], 5, 1000.0))
    np.testing.assert_array_equal(np.column_stack(list(d.data.values())),
                                  np.column_stack([sm[k] for k in ("agg", "L2", "L5")]))
    assert dict(d.data).keys() == {"agg", "L2", "L5"}


def test_smooth_errors():
    d = Dipole(ms_grid(10), np.ones(10))
    with pytest.raises(ValueError, match="Window size is too long: 20 samples; data length is "
                                         "10 samples"):
        d.copy().smooth(20)
    with pytest.raises(ValueError, match="Window length less than 1 ms is not supported"):
        d.copy().smooth(0.5)
    with pytest.raises(ValueError, match="Window length must be a non-negative number"):
        d.copy().smooth(-1)
    with pytest.raises(RuntimeError, match="only supported for 1D-arrays"):
        smooth_waveform(np.ones((3, 3)), 1, 1000.0)


# ---- scale, savgol, construction -------------------------------------------------------------

def test_scale_multiplies_and_accumulates_scale_applied():
    d = Dipole([0.0, 0.5, 1.0], [[1.0, 2.0, -1.0], [0.5, 0.25, 0.25], [0, 0, 0]])
    assert d.scale(3000) is d
    np.testing.assert_array_equal(d.data["agg"], [3000.0, 1500.0, 0.0])
    np.testing.assert_array_equal(d.data["L5"], [-3000.0, 750.0, 0.0])
    d.scale(0.5)
    assert d.scale_applied == 1500.0
    np.testing.assert_array_equal(d.data["L2"], [3000.0, 375.0, 0.0])
    assert d.sfreq == 2000.0 and d.nave == 1


def test_savgol_window_from_sfreq_and_exact_on_quintics():
    t = ms_grid(2000, 0.025)  # 40 kHz
    rng = np.random.default_rng(2)
    x = rng.normal(size=2000)
    d = Dipole(t, x).savgol_filter(300.0)
    # 40000 / 300 = 133.3 -> 133 -> 66 * 2 + 1 = 133 samples, order 5
    np.testing.assert_allclose(d.data["agg"], savgol_filter(x, 133, 5), rtol=0, atol=1e-12)
    quintic = 1e-3 * (t - 20) ** 5 - (t - 20) ** 2
    np.testing.assert_allclose(Dipole(t, quintic).savgol_filter(300.0).data["agg"], quintic,
                               rtol=1e-8, atol=1e-4)
    with pytest.raises(ValueError, match="h_freq cannot be negative"):
        d.savgol_filter(-1)
    with pytest.raises(ValueError, match="h_freq must be less than half the sample rate"):
        d.savgol_filter(20001)


def test_construction_layouts_and_errors():
    d = Dipole(np.arange(4) * 0.1, np.arange(4.0))
    assert list(d.data) == ["agg"] and d.sfreq == pytest.approx(10000.0)
    d3 = Dipole([0, 1, 2], np.arange(9.0).reshape(3, 3))
    np.testing.assert_array_equal(d3.data["L2"], [1, 4, 7])
    with pytest.raises(ValueError, match="1 column .agg. or 3 columns"):
        Dipole([0, 1, 2], np.ones((3, 2)))
    with pytest.raises(ValueError, match="data has 2 samples but times has 3"):
        Dipole([0, 1, 2], np.ones((2, 3)))


def test_baseline_renormalize_piecewise_hnn_offsets():
    t = np.array([0.0, 37.0, 100.0, 749.0, 750.0, 800.0])
    d = Dipole(t, np.zeros((6, 3)))
    d._baseline_renormalize(10, 10)
    np.testing.assert_allclose(d.data["L2"], -4.43)
    l5 = -100 * np.array([-49.0502, -49.0502, 3.4770508e-3 * 100 - 51.231085,
                          3.4770508e-3 * 749 - 51.231085, 1.01e-4 * 750 - 48.412078,
                          1.01e-4 * 800 - 48.412078])
    np.testing.assert_allclose(d.data["L5"], l5, rtol=1e-15)
    np.testing.assert_allclose(d.data["agg"], l5 - 4.43, rtol=1e-15)


# ---- averages and errors ---------------------------------------------------------------------

def test_average_dipoles_of_two_known_dipoles():
    t = [0.0, 1.0, 2.0]
    a = Dipole(t, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    b = Dipole(t, [[3.0, 0.0, 1.0], [0.0, 1.0, 2.0], [-7.0, 8.0, 1.0]])
    avg = average_dipoles([a, b])
    assert avg.nave == 2
    np.testing.assert_array_equal(avg.data["agg"], [2.0, 2.0, 0.0])
    np.testing.assert_array_equal(avg.data["L2"], [1.0, 3.0, 8.0])
    np.testing.assert_array_equal(avg.data["L5"], [2.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="Dipole at index 0 was already an average of 2 "
                                         "trials. Cannot reaverage"):
        average_dipoles([avg, a])
    with pytest.raises(RuntimeError, match="All dipoles must be scaled equally!"):
        average_dipoles([a, b.copy().scale(2)])
    with pytest.raises(ValueError, match="All elements in the list should be instances of "
                                         "Dipole"):
        average_dipoles([a, "b"])


def test_rmse_constant_offset_and_sine_over_whole_periods():
    t = ms_grid(1001, 0.5)
    zero = Dipole(t, np.zeros(1001))
    assert _rmse(Dipole(t, np.full(1001, 0.25)), zero, tstart=0, tstop=500) == \
        pytest.approx(0.25, rel=1e-15)
    sine = Dipole(t, np.sin(2 * np.pi * t / 100.0))  # period 100 ms = 200 samples
    # samples [20, 820): 800 samples, 4 whole periods -> sqrt(mean sin^2) = 1/sqrt(2)
    assert _rmse(sine, zero, tstart=10.0, tstop=410.0) == pytest.approx(2 ** -0.5, rel=1e-12)
    w = np.where(t < 210.0, 1.0, 0.0)  # only [10, 210): 2 periods
    assert _rmse(sine, zero, tstart=10.0, tstop=410.0, weights=w) == \
        pytest.approx(2 ** -0.5, rel=1e-12)
    w2 = np.where((t >= 10) & (t < 35), 1.0, 0.0)  # a quarter period: mean sin^2 = 1/2 - 1/pi
    val = _rmse(sine, zero, tstart=10.0, tstop=410.0, weights=w2)
    s = np.sin(2 * np.pi * t[20:70] / 100.0)
    assert val == pytest.approx(np.sqrt(np.mean(s ** 2)), rel=1e-12)


# ---- spectra -----------------------------------------------------------------------------------

def test_psd_peak_of_10hz_sine_and_average_of_powers():
    t = ms_grid(2001, 0.5)  # 1 s at 2 kHz (the last sample is left out, as by hnn-core)
    one = Dipole(t, np.sin(2 * np.pi * 10 * t / 1000))
    three = Dipole(t, 3 * np.sin(2 * np.pi * 10 * t / 1000))
    freqs, p1 = _psd([one], None, None, "agg")
    assert freqs[np.argmax(p1)] == pytest.approx(10.0)
    _, p13 = _psd([one, three], None, None, "agg")
    np.testing.assert_allclose(p13, (p1 + 9 * p1) / 2, rtol=1e-12, atol=1e-12 * p1.max())
    fig = three.plot_psd(fmin=0, fmax=50, show=False)
    fx, fy = fig.axes[0].lines[0].get_data()
    assert fx[np.argmax(fy)] == pytest.approx(10.0) and fig.axes[0].get_xlim() == (0, 50)


def test_morlet_power_peak_and_closed_form_amplitude():
    t = ms_grid(1000, 1.0)  # 1 s at 1 kHz
    d = Dipole(t, np.sin(2 * np.pi * 10 * t / 1000))
    freqs = np.arange(4.0, 30.0, 1.0)
    times, power = _tfr([d], freqs, 7.0, None, None, "agg", None, "zeros")
    assert power.shape == (len(freqs), 999) and times[-1] == 998.0
    mid = power[:, 400:600].mean(axis=1)
    assert freqs[np.argmax(mid)] == 10.0
    # |x * w|^2 = A^2 sqrt(pi) sigma_t sfreq for a sine of amplitude A inside the trace
    sigma_t = 7.0 / (2 * np.pi * 10.0)
    assert mid[freqs == 10.0][0] == pytest.approx(np.sqrt(np.pi) * sigma_t * 1000.0, rel=0.01)
    fig = d.plot_tfr_morlet(freqs, show=False)
    assert len(fig.axes) == 2  # the map and its colorbar
    with pytest.raises(ValueError, match="Cannot compute freq above Nyquist freq of the data "
                                         r"\(500.0 Hz\), got 600.0 Hz"):
        d.plot_tfr_morlet(np.array([600.0]), show=False)
    with pytest.raises(ValueError, match="At least one of the wavelets is longer than the "
                                         "signal"):
        d.plot_tfr_morlet(np.array([0.5]), padding=None, show=False)


def test_morlet_power_equals_direct_centred_convolution():
    rng = np.random.default_rng(5)
    x = rng.normal(size=200)
    d = Dipole(ms_grid(201, 1.0), np.append(x, 0.0))  # 1 kHz; the last sample is left out
    _, power = _tfr([d], np.array([40.0]), 3.0, None, None, "agg", None, "zeros")
    sd = 3.0 / (2 * np.pi * 40.0)
    half = int(np.ceil(5 * sd * 1000.0 - 1e-9))  # samples at 0, 1, ... ms below 5 sd
    tau = np.arange(-half + 1, half) / 1000.0
    w = np.exp(2j * np.pi * 40.0 * tau - tau ** 2 / (2 * sd ** 2))
    w *= np.sqrt(2) / np.sqrt(np.sum(np.abs(w) ** 2))
    c = [sum(x[j] * w[i - j + half - 1] for j in range(200) if 0 <= i - j + half - 1 < len(w))
         for i in range(200)]
    np.testing.assert_allclose(power[0], np.abs(c) ** 2, rtol=1e-9, atol=1e-12)


def test_plot_dipole_layers_average_and_errors():
    t = ms_grid(100)
    a = Dipole(t, np.random.default_rng(3).normal(size=(100, 3)))
    b = a.copy().scale(1.0)
    fig = plot_dipole([a, b], layer=["agg", "L5"], average=True, show=False)
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [3, 3]  # two trials and the average
    np.testing.assert_array_equal(fig.axes[1].lines[2].get_ydata(), a.data["L5"])
    assert fig.axes[0].get_title() == "Aggregate (L2/3 + L5)"
    assert a.plot(show=True).axes[0].lines[0].get_ydata()[5] == a.data["agg"][5]
    with pytest.raises(RuntimeError, match="All dipoles must be scaled equally!"):
        plot_dipole([a, b.scale(3000)], show=False)


# ---- files ---------------------------------------------------------------------------------------

def test_txt_format_and_round_trip(tmp_path):
    d = Dipole([0.0, 0.025, 0.05], [[1.23456, -2.0, 3.23456], [0, 0, 0], [1e-5, 2e-5, -1e-5]])
    d.write(tmp_path / "d.txt")
    lines = (tmp_path / "d.txt").read_text().splitlines()
    assert lines[0] == "0.000\t1.2346\t-2.0000\t3.2346"
    assert lines[2] == "0.050\t0.0000\t0.0000\t-0.0000"
    back = read_dipole(tmp_path / "d.txt")
    np.testing.assert_array_equal(back.data["L5"], [3.2346, 0.0, -0.0])
    assert back.sfreq == pytest.approx(40000.0)
    (tmp_path / "agg.txt").write_text("0\t1.5\n1\t2.5\n")
    assert list(read_dipole(tmp_path / "agg.txt").data) == ["agg"]
    (tmp_path / "bad.txt").write_text("0\t1\t2\n1\t2\t3\n")
    with pytest.raises(ValueError, match="Data are supposed to have 2 or 4 columns while we "
                                         "have 3."):
        read_dipole(tmp_path / "bad.txt")


def test_hdf5_round_trip_in_h5io_layout(tmp_path):
    rng = np.random.default_rng(4)
    d = Dipole(ms_grid(50, 0.025), rng.normal(size=(50, 3))).scale(3000)
    d.nave = 3
    d.write(tmp_path / "d.hdf5")
    back = read_dipole(str(tmp_path / "d.hdf5"))
    for k in ("agg", "L2", "L5"):
        np.testing.assert_array_equal(back.data[k], d.data[k])
    np.testing.assert_array_equal(back.times, d.times)
    assert (back.nave, back.scale_applied, back.sfreq) == (3, 3000, d.sfreq)
    with h5py.File(tmp_path / "d.hdf5") as f:  # what hnn-core's h5io reads
        root = f["h5io"]
        assert root.attrs["TITLE"] == "dict"
        assert root["key_data"].attrs["TITLE"] == "dict"
        assert root["key_data/key_L2"].attrs["TITLE"] == "ndarray"
        assert root["key_object_type"].attrs["TITLE"] == "unicode"
        assert bytes(root["key_object_type"][()]) == b"Dipole"
        assert root["key_nave"].attrs["TITLE"] == "int" and root["key_nave"][0] == 3
        assert root["key_sfreq"].attrs["TITLE"] == "np_float64"


def test_file_errors(tmp_path):
    d = Dipole([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(NameError, match="File extension should be either txt or hdf5, but the "
                                        "given extension is .h5"):
        d.write(tmp_path / "d.h5")
    d.write(tmp_path / "d.txt")
    with pytest.raises(FileExistsError, match="File already exists at path"):
        d.write(tmp_path / "d.txt", overwrite=False)
    with pytest.raises(FileNotFoundError, match="File not found at path"):
        read_dipole(tmp_path / "none.txt")
    with h5py.File(tmp_path / "other.hdf5", "w") as f:
        g = f.create_group("h5io")
        g.attrs["TITLE"] = "dict"
        g.create_dataset("key_object_type", data=np.frombuffer(b"Network", np.uint8)) \
            .attrs["TITLE"] = "unicode"
    with pytest.raises(ValueError, match="The object should be of type Dipole. The file "
                                         "contains object of type Network"):
        read_dipole(tmp_path / "other.hdf5")


# ---- against myelin's own HNN postprocessing --------------------------------------------------

def test_smooth_scale_match_myelin_dipole_smooth_csv(myelin_bin, net3x3, tmp_path):
    """dipole_smooth.csv is the engine's smooth(30 ms) then x3000 of the raw dipoles; from
    dipole.csv's 10 printed digits the result can differ by the smoothed rounding of the
    input only; from the engine's full-precision per-cell dipoles (traces), summed here and
    renormalised by Dipole._baseline_renormalize, it agrees to the printed digits."""
    import myelin
    model = myelin.load_model(str(net3x3))
    model["recorders"].append({"label": "dpl", "target": ["L2_pyramidal", "L5_pyramidal"],
                               "variables": ["dipole"]})
    sim = myelin.Simulation(model)
    sim.run(model["tstop"])
    sim.write_outputs(str(tmp_path / "run"))
    raw = np.loadtxt(tmp_path / "run" / "dipole.csv", delimiter=",", skiprows=1)
    rows = (tmp_path / "run" / "dipole_smooth.csv").read_text().splitlines()[1:]
    printed = np.array([r.split(",")[1:] for r in rows])
    engine = printed.astype(float)

    from_csv = Dipole(raw[:, 0], raw[:, 1:]).smooth(30).scale(3000)
    w = np.hamming(1200)
    w /= w.sum()
    def half_unit(v):  # half a unit of the 10th significant digit
        return 0.5 * 10.0 ** (np.floor(np.log10(np.maximum(np.abs(v), 1e-300))) - 9)

    for col, layer in enumerate(("agg", "L2", "L5")):
        # input rounding, smoothed and scaled, plus the output's own rounding
        bound = 3000 * np.convolve(half_unit(raw[:, col + 1]), w, "same") + \
            half_unit(engine[:, col]) + 1e-14 * np.abs(engine[:, col]).max()
        assert np.all(np.abs(from_csv.data[layer] - engine[:, col]) <= bound), layer

    traces = {t["population"]: t for t in sim.traces()}
    l2 = np.array([math.fsum(r) for r in traces["L2_pyramidal"]["values"]])
    l5 = np.array([math.fsum(r) for r in traces["L5_pyramidal"]["values"]])
    l2[0] = l5[0] = 0.0  # HNN-core's dipole at t = 0 is 0 before the baseline
    exact = Dipole(traces["L2_pyramidal"]["times"], np.column_stack([l2 + l5, l2, l5]))
    exact._baseline_renormalize(3, 3)
    exact._convert_fAm_to_nAm()
    np.testing.assert_allclose(exact.data["L5"], raw[:, 3], rtol=5e-10, atol=1e-15)
    exact.smooth(30).scale(3000)
    for col, layer in enumerate(("agg", "L2", "L5")):
        mine = np.array(["%.10g" % v for v in exact.data[layer]])
        differ = mine != printed[:, col]
        peak = np.abs(engine[:, col]).max()
        # a differing last digit only where both values lie within rounding of each other
        assert np.all(np.abs(exact.data[layer] - engine[:, col])[differ] <= 1e-14 * peak)
        assert differ.mean() < 0.01, layer


def test_smooth_scale_match_hnn_core_reference():
    """HNN-core's own smooth(30) then scale(3000) of its ERP run (tests/data/hnn/erp_seed0,
    9 significant digits): equal up to the printed digits' rounding, carried through."""
    ref = np.loadtxt(ROOT / "tests/data/hnn/erp_seed0/dipole.csv", delimiter=",",
                     skiprows=1)
    d = Dipole(ref[:, 0], ref[:, 1:4]).smooth(30).scale(3000)
    w = np.hamming(1200)
    w /= w.sum()

    def half_unit(v):  # half a unit of the 9th significant digit
        return 0.5 * 10.0 ** (np.floor(np.log10(np.maximum(np.abs(v), 1e-300))) - 8)

    for col, layer in enumerate(("agg", "L2", "L5")):
        bound = 3000 * np.convolve(half_unit(ref[:, col + 1]), w, "same") + \
            half_unit(ref[:, col + 4]) + 1e-14 * np.abs(ref[:, col + 4]).max()
        assert np.all(np.abs(d.data[layer] - ref[:, col + 4]) <= bound), layer
        assert np.abs(d.data[layer] - ref[:, col + 4]).max() < 6e-8


def test_cli_dipole_csv_reads_as_dipole(myelin_bin, net3x3, tmp_path):
    subprocess.run([myelin_bin, "run", str(net3x3), "-o", str(tmp_path / "r"), "-q"],
                   check=True)
    rows = np.loadtxt(tmp_path / "r" / "dipole.csv", delimiter=",", skiprows=1)
    d = Dipole(rows[:, 0], rows[:, 1:])
    assert d.sfreq == pytest.approx(40000.0) and len(d.times) == 2401
    np.testing.assert_array_equal(d.data["agg"], rows[:, 1])
    from_csv = _read_dipole_txt(str(tmp_path / "r" / "dipole.csv"), extension=".csv")
    for col, layer in enumerate(("agg", "L2", "L5")):
        np.testing.assert_array_equal(from_csv.data[layer], rows[:, col + 1])

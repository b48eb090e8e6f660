"""HNN-core 0.6's Dipole: the current-dipole time courses of a simulated column (L2, L5
and their sum 'agg', nAm), smoothing, scaling, Savitzky-Golay filtering, plots, files
(tab-separated .txt and h5io-layout .hdf5, both readable by hnn-core), averages over
trials and the RMSE against another dipole. docs/hnn-analysis.md describes them."""
import os
import warnings
from collections.abc import Mapping, MutableMapping
from copy import deepcopy
from functools import partial
from io import StringIO

import numpy as np
from scipy import signal

from .viz import _validate_type, plot_dipole, plot_psd, plot_tfr_morlet

_LAYERS = ("agg", "L2", "L5")


# ---- filters (hnn_core.utils) -----------------------------------------------------------

def _hammfilt(x, winsz):
    """x convolved with a Hamming window of winsz samples normalised to sum 1, output of
    len(x) centred on the full convolution (numpy.convolve mode 'same')."""
    win = np.hamming(winsz)
    return np.convolve(x, win / win.sum(), "same")


def _smooth_window(data, window_len, sfreq):
    """The window size [samples] of smooth_waveform for data of this shape, or its error."""
    if (isinstance(data, np.ndarray) and data.ndim > 1) or (
            isinstance(data, list) and data and isinstance(data[0], list)):
        raise RuntimeError("Smoothing currently only supported for 1D-arrays")
    if not isinstance(window_len, (float, int)) or window_len < 0:
        raise ValueError("Window length must be a non-negative number")
    if 0 < window_len < 1:
        raise ValueError("Window length less than 1 ms is not supported")
    _validate_type(sfreq, (float, int), "sfreq")
    if sfreq <= 0.0:
        raise ValueError("Sampling frequency must be positive")
    winsz = int(np.round(1e-3 * window_len * sfreq))
    if winsz < 1:
        raise ValueError(f"Window size is too small: {winsz} samples. Window size is given "
                         "by (1e-3 * window_len * sfreq) and must be >= 1.")
    if winsz > len(data):
        raise ValueError(f"Window size is too long: {winsz} samples; data length is "
                         f"{len(data)} samples")
    return winsz


def smooth_waveform(data, window_len, sfreq):
    """A 1-D waveform convolved with a normalised Hamming window of
    round(1e-3 * window_len * sfreq) samples (window_len in ms, sfreq in Hz)."""
    return _hammfilt(data, _smooth_window(data, window_len, sfreq))


class _Pending:
    """A layer not computed yet: `source` (an array) through `steps` (functions of one
    array), in order. Only its length is known before."""

    def __init__(self, source, steps):
        self.source, self.steps = source, steps

    def __len__(self):
        return len(self.source)

    def value(self):
        x = self.source
        for f in self.steps:
            x = f(x)
        return x


class _Layers(MutableMapping):
    """Dipole.data after smooth(): a dict of layers whose smoothing runs when a layer is
    first read (a convolution of ~1200 by ~7000 samples per layer costs milliseconds, and
    a summary often reads 'agg' only). Reading gives the same array an eager smooth
    would have; writing stores as a dict does."""

    def __init__(self, layers):
        self._d = dict(layers)

    def __getitem__(self, key):
        x = self._d[key]
        if isinstance(x, _Pending):
            x = self._d[key] = x.value()
        return x

    def __setitem__(self, key, value):
        self._d[key] = value

    def __delitem__(self, key):
        del self._d[key]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)

    def __repr__(self):
        return repr(dict(self))

    def defer(self, key, step):
        """Layer `key` becomes step(layer), computed when read."""
        x = self._d[key]
        self._d[key] = (_Pending(x.source, x.steps + [step]) if isinstance(x, _Pending)
                        else _Pending(np.array(x), [step]))  # a copy: x may change

    def raw(self, key):
        """The stored value, pending or not (for checks on its length)."""
        return self._d[key]


def _savgol_filter(data, h_freq, sfreq):
    """scipy.signal.savgol_filter of order 5 over an odd window of
    2 * (round(sfreq / h_freq) // 2) + 1 samples."""
    _validate_type(sfreq, (float, int), "sfreq")
    if sfreq <= 0.0:
        raise ValueError("Sampling frequency must be positive")
    _validate_type(h_freq, (float, int), "h_freq")
    if h_freq <= 0.0:
        raise ValueError("High cutoff frequency must be positive")
    if h_freq >= sfreq / 2.0:
        raise ValueError("h_freq must be less than half the sample rate")
    window_length = (int(np.round(sfreq / float(h_freq))) // 2) * 2 + 1
    return signal.savgol_filter(data, axis=-1, polyorder=5, window_length=window_length)


# ---- Morlet wavelets (MNE's tfr_array_morlet, output='power') ---------------------------

def _morlet_wavelets(sfreq, freqs, n_cycles=7.0):
    """One complex Morlet wavelet per frequency: a Gaussian of sd n_cycles / (2 pi f)
    sampled at 1/sfreq out to +-5 sd, times exp(2 pi i f t), scaled to an L2 norm of
    sqrt(2) (MNE's normalisation)."""
    freqs = np.asarray(freqs, dtype=float)
    if np.any(freqs <= 0):
        raise ValueError("all frequencies in 'freqs' must be greater than 0.")
    cycles = np.atleast_1d(np.asarray(n_cycles, dtype=float))
    if cycles.size not in (1, freqs.size):
        raise ValueError("n_cycles should be fixed or defined for each frequency.")
    cycles = np.broadcast_to(cycles, freqs.shape)
    wavelets = []
    for f, nc in zip(freqs, cycles):
        sd = nc / (2.0 * np.pi * f)
        half = np.arange(0.0, 5.0 * sd, 1.0 / sfreq)
        t = np.concatenate([-half[:0:-1], half])
        w = np.exp(2j * np.pi * f * t) * np.exp(-t * t / (2.0 * sd * sd))
        wavelets.append(w * (np.sqrt(2.0) / np.linalg.norm(w)))
    return wavelets


def _tfr_morlet_power(data, sfreq, freqs, n_cycles=7.0):
    """|x * w_f|^2 for each frequency: array (n_freqs, n_times), the convolution centred
    ('same') as MNE computes it."""
    data = np.asarray(data, dtype=float)
    if not isinstance(freqs, (list, np.ndarray)):
        raise ValueError(f"freqs must be an array-like, got {type(freqs)} instead.")
    freqs = np.asarray(freqs, dtype=float)
    if freqs.ndim != 1:
        raise ValueError(f"freqs must be of shape (n_freqs,), got {np.array(freqs.shape)} "
                         "instead.")
    if isinstance(n_cycles, (list, np.ndarray)) and len(n_cycles) != len(freqs):
        raise ValueError(f"n_cycles must be a float or an array of length {len(freqs)} "
                         f"frequencies, got {len(n_cycles)} cycles instead.")
    if (freqs > sfreq / 2.0).any():
        raise ValueError("Cannot compute freq above Nyquist freq of the data "
                         f"({sfreq / 2.0:0.1f} Hz), got {freqs.max():0.1f} Hz")
    wavelets = _morlet_wavelets(sfreq, freqs, n_cycles)
    if max(len(w) for w in wavelets) > len(data):
        raise ValueError("At least one of the wavelets is longer than the signal. Use a "
                         "longer signal or shorter wavelets.")
    out = np.empty((len(freqs), len(data)))
    for k, w in enumerate(wavelets):
        c = signal.fftconvolve(data, w, mode="same")
        out[k] = c.real ** 2 + c.imag ** 2
    return out


# ---- h5io's file layout (what hnn-core's write_hdf5 / read_hdf5 use) ----------------------

def __getattr__(name):
    # hnn_core.dipole is where HNN-core defines simulate_dipole (`from hnn_core.dipole
    # import simulate_dipole`); myelin's is in myelin.hnn.simulate, imported when asked.
    if name == "simulate_dipole":
        from myelin.hnn.simulate import simulate_dipole
        return simulate_dipole
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _h5io_write(group, key, value):
    """One value under `key` with h5io's TITLE attributes (dict keys get 'key_', list
    items 'idx_<i>')."""
    def dataset(title, data):
        group.create_dataset(key, data=data).attrs["TITLE"] = title

    if isinstance(value, dict):
        sub = group.create_group(key)
        sub.attrs["TITLE"] = "dict"
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError("All dict keys must be strings")
            _h5io_write(sub, "key_" + k, v)
    elif isinstance(value, (list, tuple)):
        sub = group.create_group(key)
        sub.attrs["TITLE"] = "list" if isinstance(value, list) else "tuple"
        for i, v in enumerate(value):
            _h5io_write(sub, f"idx_{i}", v)
    elif value is None:
        dataset("None", [False])
    elif isinstance(value, (np.bool_, np.integer, np.floating)):
        dataset("np_" + type(value).__name__, np.atleast_1d(value))
    elif isinstance(value, (int, float)):  # bool too, as h5io
        dataset("int" if isinstance(value, int) else "float", np.atleast_1d(value))
    elif isinstance(value, str):
        group.create_dataset(key, data=np.frombuffer(value.encode("utf-8"), np.uint8),
                             compression="gzip", compression_opts=4).attrs["TITLE"] = "unicode"
    elif isinstance(value, np.ndarray):
        dataset("ndarray", value)
    else:
        raise TypeError(f"cannot write a {type(value).__name__} in h5io's layout")


def _h5io_read(node):
    import h5py
    title = node.attrs["TITLE"]
    title = title.decode() if isinstance(title, bytes) else title
    if isinstance(node, h5py.Group):
        if title == "dict":
            return {k[4:]: _h5io_read(v) for k, v in node.items()}
        if title in ("list", "tuple"):
            items = []
            while f"idx_{len(items)}" in node:
                items.append(_h5io_read(node[f"idx_{len(items)}"]))
            return items if title == "list" else tuple(items)
        raise ValueError(f"{node.name}: unsupported h5io group type {title}")
    raw = node[()]
    if title == "ndarray":
        return np.array(raw)
    if title in ("int", "float"):
        return (int if title == "int" else float)(raw[0])
    if title.startswith("np_"):
        return raw[0].astype(bool if title == "np_bool" else getattr(np, title[3:]))
    if title in ("unicode", "ascii", "str"):
        return np.asarray(raw).tobytes().decode("utf-8" if title == "unicode" else "ascii")
    if title == "None":
        return None
    raise ValueError(f"{node.name}: unsupported h5io dataset type {title}")


def _write_h5io_file(fname, data, title="h5io"):
    import h5py
    with h5py.File(fname, "w") as f:
        _h5io_write(f, title, data)


def _read_h5io_file(fname, title="h5io"):
    import h5py
    with h5py.File(fname, "r") as f:
        if title not in f:
            raise ValueError(f'no "{title}" data found')
        return _h5io_read(f[title])


# ---- reading, averaging, comparing ----------------------------------------------------------

def _read_dipole_txt(fname, extension=".txt"):
    """A Dipole from a whitespace-separated .txt (or a .csv with one header row): columns
    time and agg, or time, agg, L2 and L5."""
    if extension == ".csv":
        values = np.genfromtxt(fname, delimiter=",", skip_header=1, dtype=float)
    else:
        values = np.loadtxt(fname, dtype=float)
    values = np.atleast_2d(values)
    if values.shape[1] not in (2, 4):
        raise ValueError(f"Data are supposed to have 2 or 4 columns while we have "
                         f"{values.shape[1]}.")
    return Dipole(values[:, 0], values[:, 1:])


def _read_dipole_hdf5(fname):
    content = _read_h5io_file(fname)
    if "object_type" not in content:
        raise NameError("The given file is not compatible. The file should contain "
                        "information about object type to be read.")
    if content["object_type"] != "Dipole":
        raise ValueError("The object should be of type Dipole. The file contains object of "
                         f"type {content['object_type']}")
    dpl = Dipole(times=content["times"], data=content["data"], nave=content["nave"])
    dpl.sfreq = content["sfreq"]
    dpl.scale_applied = content["scale_applied"]
    return dpl


def read_dipole(fname):
    """A Dipole from a file written by Dipole.write (here or by hnn-core): .txt or .hdf5."""
    fname = str(fname)
    if not os.path.exists(fname):
        raise FileNotFoundError(f"File not found at path {fname}.")
    ext = os.path.splitext(fname)[-1]
    if ext == ".txt":
        return _read_dipole_txt(fname)
    if ext == ".hdf5":
        return _read_dipole_hdf5(fname)
    raise NameError("File extension should be either txt or hdf5, but the given extension "
                    f"is {ext}")


def average_dipoles(dpls):
    """A new Dipole holding the per-layer mean of dipoles of single trials (nave becomes
    their number; all must have the same scale_applied and times)."""
    for idx, dpl in enumerate(dpls):
        if not isinstance(dpl, Dipole):
            raise ValueError(f"All elements in the list should be instances of Dipole. Got "
                             f"{type(dpl)}")
        if dpl.scale_applied != dpls[0].scale_applied:
            raise RuntimeError("All dipoles must be scaled equally!")
        if dpl.nave > 1:
            raise ValueError(f"Dipole at index {idx} was already an average of {dpl.nave} "
                             "trials. Cannot reaverage")
        if len(dpl.times) != len(dpls[0].times) or dpl.data.keys() != dpls[0].data.keys():
            raise ValueError(f"Dipole at index {idx} has other times or layers than the "
                             "first dipole: cannot average")
    avg = Dipole(dpls[0].times, {k: np.mean([d.data[k] for d in dpls], axis=0)
                                 for k in dpls[0].data})
    avg.scale_applied = dpls[0].scale_applied
    avg.nave = len(dpls)
    return avg


def _resample_and_weight_dipole(dpl, exp_dpl, tstart=0.0, tstop=0.0, weights=None):
    """The 'agg' traces of both dipoles over [tstart, tstop) (clipped to both time ranges;
    the longer one resampled to the shorter one's length with scipy.signal.resample) and
    the weights over the simulated samples."""
    t_exp, t_sim = exp_dpl.times, dpl.times
    for t in (t_exp, t_sim):
        tstart = max(tstart, t[0])
        tstop = min(tstop, t[-1])
    e0, e1 = np.abs(t_exp - tstart).argmin(), np.abs(t_exp - tstop).argmin()
    s0, s1 = np.abs(t_sim - tstart).argmin(), np.abs(t_sim - tstop).argmin()
    if weights is None:
        weights = np.ones(s1)
    weights = weights[s0:s1]
    sim = dpl.data["agg"][s0:s1]
    exp = exp_dpl.data["agg"][e0:e1]
    if s1 - s0 > e1 - e0:
        sim = signal.resample(sim, e1 - e0)
        weights = signal.resample(weights, e1 - e0)
        weights[weights < 1e-4] = 0
    elif s1 - s0 < e1 - e0:
        exp = signal.resample(exp, s1 - s0)
    return sim, exp, weights


def _rmse(dpl, exp_dpl, tstart=0.0, tstop=0.0, weights=None):
    """Weighted root-mean-square difference of the aggregate dipoles over [tstart, tstop):
    sqrt(sum w (sim - exp)^2 / sum w)."""
    sim, exp, w = _resample_and_weight_dipole(dpl, exp_dpl, tstart, tstop, weights)
    return np.sqrt((w * (sim - exp) ** 2).sum() / w.sum())


rmse = _rmse


def _anticorr(dpl, exp_dpl, tstart=0.0, tstop=0.0, weights=None):
    """1 - Pearson correlation of the weighted aggregate dipoles over [tstart, tstop)."""
    sim, exp, w = _resample_and_weight_dipole(dpl, exp_dpl, tstart, tstop, weights)
    return 1 - np.corrcoef(sim * w, exp * w)[0, 1]


# ---- the Dipole -------------------------------------------------------------------------------

class Dipole:
    """Current-dipole moment time courses [nAm] of the L2 and L5 pyramidal cells and their
    sum, as hnn-core's Dipole.

    Parameters: ``times`` (n_times,) in ms; ``data`` (n_times, 3) with columns agg, L2,
    L5, or (n_times,) / (n_times, 1) with agg only (experimental data), or a dict of
    arrays by layer; ``nave`` the number of trials averaged into it. Attributes:
    ``times``, ``data`` (dict), ``nave``, ``sfreq`` (Hz, from the first time step) and
    ``scale_applied`` (the product of the factors given to ``scale``).
    """

    def __init__(self, times, data, nave=1):
        self.times = np.array(times, dtype=float)
        if isinstance(data, Mapping):
            self.data = data
        else:
            values = np.array(data, dtype=float)
            if values.ndim == 1:
                values = values[:, None]
            if values.ndim != 2 or values.shape[1] not in (1, 3):
                raise ValueError("data must have 1 column (agg) or 3 columns (agg, L2, L5), "
                                 f"got shape {values.shape}")
            if len(values) != len(self.times):
                raise ValueError(f"data has {len(values)} samples but times has "
                                 f"{len(self.times)}")
            self.data = {k: values[:, i].copy() for i, k in enumerate(_LAYERS[:values.shape[1]])}
        self.nave = nave
        self.sfreq = 1000.0 / (self.times[1] - self.times[0])
        self.scale_applied = 1

    def __repr__(self):
        return (f"<Dipole | {len(self.times)} samples, {self.times[0]:g}-{self.times[-1]:g} "
                f"ms, layers {list(self.data)}, nave={self.nave}>")

    def copy(self):
        """A deep copy."""
        return deepcopy(self)

    def _post_proc(self, window_len, fctr):
        """The deprecated postproc=True of simulate_dipole: scale by fctr, then smooth over
        window_len ms (if > 0)."""
        self.scale(fctr)
        if window_len > 0:
            self.smooth(window_len)

    def _baseline_renormalize(self, N_pyr_x, N_pyr_y):
        """HNN's fixed baseline correction of raw dipoles in fAm (MODEL_NOTES section 10):
        L2 -= N * 0.0443; L5 -= N * (-49.0502) for t <= 37 ms, N * (3.4770508e-3 t -
        51.231085) for 37 < t < 750, N * (1.01e-4 t - 48.412078) from 750 ms; agg = L2 + L5;
        N = N_pyr_x * N_pyr_y cells per layer."""
        n = N_pyr_x * N_pyr_y
        t = self.times
        self.data["L2"] -= n * 0.0443
        l5 = self.data["L5"]
        early, late = t <= 37.0, t >= 750.0
        mid = ~early & ~late
        l5[early] -= n * -49.0502
        l5[mid] -= n * (3.4770508e-3 * t[mid] - 51.231085)
        l5[late] -= n * (1.01e-4 * t[late] - 48.412078)
        self.data["agg"] = self.data["L2"] + self.data["L5"]

    def _convert_fAm_to_nAm(self):
        for k in self.data:
            self.data[k] *= 1e-6

    def scale(self, factor):
        """Multiply every layer by ``factor`` in place (scale_applied *= factor); self."""
        for k in self.data:
            self.data[k] *= factor
        self.scale_applied *= factor
        return self

    def smooth(self, window_len):
        """Convolve every layer in place with a normalised Hamming window of
        round(window_len [ms] * sfreq / 1000) samples (numpy 'same': zero padded, centred);
        self."""
        if not isinstance(self.data, _Layers):
            self.data = _Layers(self.data)
        for k in self.data:
            raw = self.data.raw(k)
            winsz = _smooth_window(raw if not isinstance(raw, _Pending) else raw.source,
                                   window_len, self.sfreq)
            self.data.defer(k, partial(_hammfilt, winsz=winsz))
        return self

    def savgol_filter(self, h_freq):
        """Savitzky-Golay filter (order 5, window ~ sfreq / h_freq samples) of every layer
        in place; self."""
        if h_freq < 0:
            raise ValueError("h_freq cannot be negative")
        if h_freq > 0.5 * self.sfreq:
            raise ValueError("h_freq must be less than half the sample rate")
        for k in self.data:
            self.data[k] = _savgol_filter(self.data[k], h_freq, self.sfreq)
        return self

    def plot(self, tmin=None, tmax=None, layer="agg", decim=None, ax=None, color="k",
             show=True):
        """The time course of one layer (viz.plot_dipole); the figure."""
        return plot_dipole(self, tmin=tmin, tmax=tmax, ax=ax, layer=layer, decim=decim,
                           color=color, show=show)

    def plot_psd(self, fmin=0, fmax=None, tmin=None, tmax=None, layer="agg", color=None,
                 label=None, ax=None, show=True):
        """Hamming-windowed periodogram of one layer (viz.plot_psd); the figure."""
        return plot_psd(self, fmin=fmin, fmax=fmax, tmin=tmin, tmax=tmax, layer=layer,
                        color=color, label=label, ax=ax, show=show)

    def plot_tfr_morlet(self, freqs, n_cycles=7.0, tmin=None, tmax=None, layer="agg",
                        decim=None, padding="zeros", ax=None, colormap="inferno",
                        colorbar=True, colorbar_inside=False, show=True):
        """Morlet time-frequency power of one layer (viz.plot_tfr_morlet); the figure."""
        return plot_tfr_morlet(self, freqs, n_cycles=n_cycles, tmin=tmin, tmax=tmax,
                               layer=layer, decim=decim, padding=padding, ax=ax,
                               colormap=colormap, colorbar=colorbar,
                               colorbar_inside=colorbar_inside, show=show)

    def _write_txt(self, fname):
        if self.nave > 1:
            warnings.warn(f"Saving Dipole to file that is an average of {self.nave} trials")
        columns = np.column_stack([self.times] + list(self.data.values()))
        np.savetxt(fname, columns, fmt=["%3.3f"] + ["%5.4f"] * len(self.data), delimiter="\t")

    def _write_hdf5(self, fname):
        print(f"Writing file {fname}")  # as hnn-core's Dipole.write to .hdf5
        _write_h5io_file(fname, {"object_type": "Dipole", "times": self.times,
                                 "sfreq": self.sfreq, "nave": self.nave,
                                 "data": dict(self.data), "scale_applied": self.scale_applied})

    def write(self, fname, overwrite=True):
        """Write to ``fname``: '.txt' (tab-separated time [%3.3f] and layers [%5.4f], as
        hnn-core; a StringIO is written as .txt) or '.hdf5' (every attribute, exact)."""
        if isinstance(fname, StringIO):
            return self._write_txt(fname)
        fname = str(fname)
        if overwrite is False and os.path.exists(fname):
            raise FileExistsError(f"File already exists at path {fname}. Rename the file or "
                                  "set overwrite=True.")
        ext = os.path.splitext(fname)[-1]
        if ext == ".txt":
            self._write_txt(fname)
        elif ext == ".hdf5":
            self._write_hdf5(fname)
        else:
            raise NameError("File extension should be either txt or hdf5, but the given "
                            f"extension is {ext}.")

"""HNN-core's ExtracellularArray: the positions and settings of an electrode array and the
potentials recorded there (µV, per trial), with smoothing, laminar LFP and CSD plots. The
engine computes the potentials; this class holds them. docs/hnn-analysis.md describes it."""
from copy import deepcopy

import numpy as np

from .dipole import smooth_waveform
from .viz import _check_option, _validate_type, plot_laminar_csd, plot_laminar_lfp


def calculate_csd2d(lfp_data, delta=1):
    """Current source density of a laminar profile (n_channels, n_times): minus the
    second difference along the channels / delta^2 (delta: spacing in µm), the two border
    channels extrapolated linearly (2 * next - next-but-one)."""
    csd = -np.diff(lfp_data, n=2, axis=0) / delta ** 2
    top = 2 * csd[0] - csd[1]
    bottom = 2 * csd[-1] - csd[-2]
    return np.concatenate([top[None], csd, bottom[None]], axis=0)


def _get_laminar_z_coords(electrode_positions):
    """(z of each contact, spacing along z) of an equispaced line of contacts that moves
    along z; ValueError otherwise."""
    pos = np.asarray(electrode_positions, dtype=float)
    if pos.shape[0] < 2:
        raise ValueError("Electrode array positions must contain more than 1 contact to be "
                         "compatible with laminar profiling in a neocortical column. Got "
                         f"{pos.shape[0]} electrode contact positions.")
    steps = np.diff(pos, axis=0)
    z_delta = abs(steps[0, 2])
    lengths = np.linalg.norm(steps, axis=1)
    if not (np.allclose(lengths, lengths[0]) and z_delta > 0 and
            np.allclose(np.cross(steps[:-1], steps[1:]), 0)):
        raise ValueError("Electrode contacts are incompatible with laminar profiling in a "
                         "neocortical column. Make sure the electrode positions are "
                         "equispaced, colinear, and projecting along the z-axis.")
    # the z's as given (integer positions label the contacts '2075', as hnn-core does)
    return np.asarray(electrode_positions)[:, 2], z_delta


class ExtracellularArray:
    """An array of point electrodes and the potentials recorded there.

    ``positions``: an (x, y, z) triplet or a list of them [µm]; ``conductivity`` [S/m]
    of the homogeneous medium (a float > 0); ``method`` 'psa' (point source) or 'lsa'
    (line source); ``min_distance`` [µm] (a float > 0) below which distances to a source
    are clipped; ``times`` (n_times,) [ms] and ``voltages`` (n_trials, n_electrodes,
    n_times) [µV] when the data exist already. ``len(array)`` is the number of trials;
    ``array[k]``, ``array[a:b]``, ``array[[i, j]]`` are new arrays of those trials.
    """

    def __init__(self, positions, *, conductivity=0.3, method="psa", min_distance=0.5,
                 times=None, voltages=None):
        _validate_type(positions, (tuple, list), "positions")
        if np.array(positions).shape == (3,):
            positions = [positions]
        for pos in positions:
            _validate_type(pos, (tuple, list), "positions")
            if len(pos) != 3:
                raise ValueError(f"positions should be provided as xyz coordinate triplets, "
                                 f"got: {positions}")
        _validate_type(conductivity, float, "conductivity")
        if not conductivity > 0.0:
            raise ValueError("conductivity must be a positive number")
        _validate_type(min_distance, float, "min_distance")
        if not min_distance > 0.0:
            raise ValueError("min_distance must be a positive number")
        if method is not None:
            _validate_type(method, str, "method")
            _check_option("method", method, ["psa", "lsa"])
        times = np.array([] if times is None else times, dtype=float)
        voltages = np.array([] if voltages is None else voltages, dtype=float)
        if voltages.size != 0:
            if voltages.ndim != 3:
                raise ValueError("voltages must have shape (n_trials, n_electrodes, n_times), "
                                 f"got {voltages.shape}")
            _, n_electrodes, n_times = voltages.shape
            if len(positions) != n_electrodes:
                raise ValueError(f"number of voltage traces must match number of channels, "
                                 f"got {n_electrodes} and {len(positions)}")
            if len(times) != n_times:
                raise ValueError(f"length of times and voltages must match, got {len(times)} "
                                 f"and {n_times} ")
        self.positions = positions
        self.n_contacts = len(positions)
        self.conductivity = conductivity
        self.method = method
        self.min_distance = min_distance
        self._times = times
        self._data = voltages

    def __getitem__(self, trial_no):
        try:
            if isinstance(trial_no, int):
                data = [self._data[trial_no]]
            elif isinstance(trial_no, slice):
                data = self._data[trial_no]
            elif isinstance(trial_no, (list, tuple)):
                data = [self._data[k] for k in trial_no]
            else:
                raise TypeError(f"trial index must be int, slice or list-like, got: "
                                f"{trial_no} which is {type(trial_no)}")
        except IndexError:
            raise IndexError(f"the data contain {len(self)} trials, the indices provided are "
                             f"out of range: {trial_no}") from None
        return ExtracellularArray(self.positions, conductivity=self.conductivity,
                                  method=self.method, min_distance=self.min_distance,
                                  times=self.times, voltages=data)

    def __repr__(self):
        msg = (f"{self.n_contacts} electrodes, conductivity={self.conductivity}, "
               f"method={self.method}")
        if len(self._data) > 0:
            msg += f" | {len(self._data)} trials, {len(self.times)} times"
        else:
            msg += " (no data recorded yet)"
        return f"<{type(self).__name__} | {msg}>"

    def __len__(self):
        return len(self._data)

    def __eq__(self, other):
        """Same positions, method, min_distance, times and voltages (conductivity is not
        compared, as in hnn-core)."""
        if not isinstance(other, ExtracellularArray):
            return NotImplemented
        return (np.array_equal(np.asarray(self.positions, dtype=float),
                               np.asarray(other.positions, dtype=float))
                and self.method == other.method and self.min_distance == other.min_distance
                and np.array_equal(self.times, other.times)
                and np.array_equal(self.voltages, other.voltages))

    def copy(self):
        """A deep copy."""
        return deepcopy(self)

    @property
    def times(self):
        return np.array(self._times)

    @property
    def voltages(self):
        return np.array(self._data)

    def get_data(self, return_times=False):
        """The voltages (n_trials, n_electrodes, n_times) [µV], and the times [ms] with
        ``return_times``."""
        if return_times:
            return self.voltages, self.times
        return self.voltages

    @property
    def sfreq(self):
        """Sampling rate [Hz] (None without data); RuntimeError for one sample or for
        steps that differ by more than 1 µs."""
        if len(self._times) == 0:
            return None
        if len(self._times) == 1:
            raise RuntimeError("Sampling rate is not defined for one sample")
        steps = np.diff(self._times)
        step = np.median(steps)
        if abs(steps.max() - step) > 1e-3 or abs(steps.min() - step) > 1e-3:
            raise RuntimeError("Extracellular sampling times vary by more than 1 us. Check "
                               "times-attribute for errors.")
        return 1000.0 / step

    def _reset(self):
        self._data = []
        self._times = []

    def smooth(self, window_len):
        """Every trace convolved in place with a normalised Hamming window of window_len
        ms (as Dipole.smooth); self."""
        data = np.array(self._data, dtype=float)
        sfreq = self.sfreq
        for trial in range(data.shape[0] if data.size else 0):
            for contact in range(self.n_contacts):
                data[trial, contact] = smooth_waveform(data[trial, contact], window_len, sfreq)
        self._data = data
        return self

    def plot_lfp(self, *, trial_no=None, contact_no=None, tmin=None, tmax=None, ax=None,
                 decim=None, color="cividis", voltage_offset=50, voltage_scalebar=200,
                 show=True):
        """Laminar traces of the chosen trials and contacts (viz.plot_laminar_lfp, one
        call per trial into ``ax``); the figure of the last trial."""
        data = self.voltages
        if trial_no is not None:
            if not isinstance(trial_no, (list, tuple, int, slice)):
                raise ValueError(f"unknown trial number type, got {trial_no}")
            data = data[trial_no, ]
            if isinstance(trial_no, int):
                data = data[None]
        if contact_no is not None:
            if not isinstance(contact_no, (list, tuple, int, slice)):
                raise ValueError(f"unknown contact number type, got {contact_no}")
            data = data[:, contact_no, ]
            if isinstance(contact_no, int):
                data = data[:, None]
        labels, _ = _get_laminar_z_coords(self.positions)
        if contact_no is not None:
            labels = np.atleast_1d(labels[contact_no])
        fig = None
        for trial in data:
            fig = plot_laminar_lfp(self.times, trial, tmin=tmin, tmax=tmax, ax=ax, decim=decim,
                                   color=color, voltage_offset=voltage_offset,
                                   voltage_scalebar=voltage_scalebar, contact_labels=labels,
                                   show=show)
        return fig

    def plot_csd(self, vmin=None, vmax=None, interpolation="spline", sink="b", colorbar=True,
                 ax=None, show=True):
        """Current source density of the first trial (calculate_csd2d with the contacts'
        z spacing) over time and depth (viz.plot_laminar_csd); the figure."""
        labels, delta = _get_laminar_z_coords(self.positions)
        csd = calculate_csd2d(self.voltages[0], delta=delta)
        return plot_laminar_csd(self.times, csd, contact_labels=labels, ax=ax,
                                colorbar=colorbar, vmin=vmin, vmax=vmax,
                                interpolation=interpolation, sink=sink, show=show)

    def to_dict(self):
        """positions, conductivity, method, min_distance, times and voltages as a dict."""
        return {"positions": self.positions, "conductivity": self.conductivity,
                "method": self.method, "min_distance": self.min_distance,
                "times": self.times, "voltages": self.voltages}

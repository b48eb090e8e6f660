"""HNN-core's CellResponse: spike times, gids and types per trial (net.cell_response after
simulate_dipole), section voltages and currents when recorded, mean rates, raster and
histogram plots, and HNN's spike text files. docs/hnn-analysis.md describes it."""
import os
import re
import warnings
from glob import glob

import numpy as np

from .viz import _CELL_TYPES, plot_spikes_hist, plot_spikes_raster

_ORDER_06 = ("cell_type_names", "spike_times", "spike_gids", "spike_types", "times")
_ORDER_04 = ("spike_times", "spike_gids", "spike_types", "times", "cell_type_names")


def _looks_like_names(arg):
    return isinstance(arg, (list, tuple)) and all(isinstance(x, str) for x in arg) and \
        len(arg) > 0


class CellResponse:
    """Spiking activity of a network over trials.

    ``CellResponse(cell_type_names, spike_times=None, spike_gids=None, spike_types=None,
    times=None)`` as hnn-core 0.5/0.6, or ``CellResponse(spike_times=None, spike_gids=None,
    spike_types=None, times=None, cell_type_names=None)`` as hnn-core 0.4 (a first
    positional argument that is a non-empty list of str is taken as cell_type_names).
    ``spike_times``, ``spike_gids``, ``spike_types``: lists (one per trial) of lists (one
    item per spike) of times [ms], gids and type names (a cell type or a drive). ``times``:
    the sample times of the continuous recordings. ``cell_type_names`` (default: HNN's four
    cell types): the simulated cell types, those mean_rates reports.

    ``vsec``, ``isec`` and ``ca`` are lists (per trial) of dicts gid -> {section: array}
    (isec: gid -> {section: {receptor: array}}) filled by the simulator when it records
    them (``cell_response.vsec.append(...)``).
    """

    def __init__(self, *args, **kwargs):
        order = _ORDER_06
        if args and args[0] is not None and not _looks_like_names(args[0]):
            order = _ORDER_04  # a list of trials first: hnn-core 0.4's order
        if len(args) > len(order):
            raise TypeError(f"CellResponse takes at most {len(order)} arguments")
        params = dict(zip(order, args))
        for key, value in kwargs.items():
            if key not in order:
                raise TypeError(f"CellResponse got an unexpected keyword argument '{key}'")
            if key in params:
                raise TypeError(f"CellResponse got multiple values for argument '{key}'")
            params[key] = value
        cell_type_names = params.get("cell_type_names")
        if cell_type_names is None:
            cell_type_names = list(_CELL_TYPES)
        spike_times, spike_gids, spike_types, times = (
            params.get(k) for k in ("spike_times", "spike_gids", "spike_types", "times"))
        spike_times = [] if spike_times is None else spike_times
        spike_gids = [] if spike_gids is None else spike_gids
        spike_types = [] if spike_types is None else spike_types
        for name, arg in (("spike_times", spike_times), ("spike_gids", spike_gids),
                          ("spike_types", spike_types)):
            if not isinstance(arg, list) or not all(isinstance(t, list) for t in arg):
                raise TypeError(f"{name} should be a list of lists")
            if len(arg) != len(spike_times):
                raise ValueError("spike times, gids, and types should be lists of the same "
                                 "length")
        if times is None:
            times = []
        if not isinstance(times, (list, np.ndarray)):
            raise TypeError("'times' is an np.ndarray of simulation times")
        self._spike_times = spike_times
        self._spike_gids = spike_gids
        self._spike_types = spike_types
        self._times = np.array(times)
        self._cell_type_names = list(cell_type_names)
        self._vsec = []
        self._isec = []
        self._ca = []

    def __repr__(self):
        return f"<{type(self).__name__} | {len(self._spike_times)} simulation trials>"

    def __eq__(self, other):
        """Equal spike gids, types and recordings, and spike times equal to 3 decimals."""
        if not isinstance(other, CellResponse):
            return NotImplemented

        def rounded(resp):
            return [[round(t, 3) for t in trial] for trial in resp._spike_times]

        return (rounded(self) == rounded(other) and self._spike_gids == other._spike_gids
                and self._spike_types == other._spike_types
                and _equal_nested(self._vsec, other._vsec)
                and _equal_nested(self._isec, other._isec)
                and _equal_nested(self._ca, other._ca))

    @property
    def spike_times(self):
        return self._spike_times

    @property
    def spike_gids(self):
        return self._spike_gids

    @property
    def spike_types(self):
        return self._spike_types

    @property
    def vsec(self):
        return self._vsec

    @property
    def isec(self):
        return self._isec

    @property
    def ca(self):
        return self._ca

    @property
    def times(self):
        return self._times

    @property
    def cell_types(self):
        """The sorted distinct spike types of all trials."""
        return sorted({str(t) for trial in self._spike_types for t in trial})

    @property
    def spike_times_by_type(self):
        """{type: [spike times of that type, per trial]}."""
        out = {}
        for cell_type in self.cell_types:
            out[cell_type] = [np.asarray(times, dtype=float)[np.asarray(types) == cell_type]
                              .tolist() for times, types in zip(self._spike_times,
                                                                self._spike_types)]
        return out

    def update_types(self, gid_ranges):
        """Set every spike's type from its gid: gid_ranges is {type: range or list of
        gids}, the ranges disjoint. Spikes of gids in no range get type ''."""
        sets = [set(g) for g in gid_ranges.values()]
        for i in range(len(sets)):
            for j in range(i + 1, len(sets)):
                if not sets[i].isdisjoint(sets[j]):
                    raise ValueError("gid_ranges should contain only disjoint sets of gid "
                                     "values")
        new_types = []
        for gids in self._spike_gids:
            trial = np.full(len(gids), "", dtype="<U36")
            for name, members in gid_ranges.items():
                trial[np.isin(gids, list(members))] = name
            new_types.append(trial.tolist())
        self._spike_types = new_types

    def mean_rates(self, tstart, tstop, gid_ranges, mean_type="all"):
        """Spike rates [Hz] over [tstart, tstop] of the simulated cell types: spikes of
        each cell / (tstop - tstart), cells without spikes counting 0. mean_type 'all': one
        number per type (over trials and cells); 'trial': per trial (mean over cells);
        'cell': per trial, per cell (in gid_ranges order)."""
        if mean_type not in ("all", "trial", "cell"):
            raise ValueError("Invalid mean_type. Valid arguments include 'all', 'trial', or "
                             f"'cell'. Got {mean_type}")
        if not isinstance(tstart, (int, float)) or not isinstance(tstop, (int, float)):
            raise ValueError("tstart and tstop must be of type int or float")
        if tstop <= tstart:
            raise ValueError("tstop must be greater than tstart")
        rates = {}
        for cell_type in self._cell_type_names:
            type_gids = np.array(list(gid_ranges[cell_type]))
            per_cell = np.zeros((len(self._spike_times), len(type_gids)))
            for k, (types, gids) in enumerate(zip(self._spike_types, self._spike_gids)):
                mine = np.asarray(gids)[np.asarray(types) == cell_type]
                counts = np.array([np.count_nonzero(mine == g) for g in type_gids])
                per_cell[k] = counts / (tstop - tstart) * 1000.0
            if mean_type == "all":
                rates[cell_type] = np.mean(per_cell.mean(axis=1))
            elif mean_type == "trial":
                rates[cell_type] = per_cell.mean(axis=1).tolist()
            else:
                rates[cell_type] = [row.tolist() for row in per_cell]
        return rates

    def plot_spikes_raster(self, trial_idx=None, ax=None, show=True, cell_types=None,
                           colors=None, show_legend=True, marker_size=5.0, dpl=None,
                           overlay_dipoles=False):
        """Raster by cell type (viz.plot_spikes_raster); the figure."""
        return plot_spikes_raster(self, trial_idx=trial_idx, ax=ax, show=show,
                                  cell_types=cell_types, colors=colors,
                                  show_legend=show_legend, marker_size=marker_size, dpl=dpl,
                                  overlay_dipoles=overlay_dipoles)

    def plot_spikes_hist(self, trial_idx=None, ax=None, spike_types=None, color=None,
                         invert_spike_types=None, show=True, **kwargs_hist):
        """Spike-time histogram by type (viz.plot_spikes_hist); the figure."""
        return plot_spikes_hist(self, trial_idx=trial_idx, ax=ax, spike_types=spike_types,
                                color=color, invert_spike_types=invert_spike_types,
                                show=show, **kwargs_hist)

    def to_dict(self):
        """The content as a dict (gid keys of vsec/isec/ca as str), as hnn-core's."""
        def str_keys(trials):
            return [{str(k): v for k, v in trial.items()} for trial in trials]
        return {"spike_times": self.spike_times, "spike_gids": self.spike_gids,
                "spike_types": self.spike_types, "vsec": str_keys(self.vsec),
                "isec": str_keys(self.isec), "ca": str_keys(self.ca), "times": self.times}

    def write(self, fname):
        """One tab-separated file per trial: rows 'time [%.3f] gid type'. ``fname`` holds
        the trial index as '%d' or '{0}' (e.g. 'spk_%d.txt'); without either, '_<trial>'
        is put before the extension."""
        fname = str(fname)
        if re.search(r"%[-+ #0]*\d*d", fname):
            names = [fname % k for k in range(len(self._spike_times))]
        elif "{" in fname:
            names = [fname.format(k) for k in range(len(self._spike_times))]
        else:
            stem, ext = os.path.splitext(fname)
            names = [f"{stem}_{k}{ext}" for k in range(len(self._spike_times))]
        for name, times, gids, types in zip(names, self._spike_times, self._spike_gids,
                                            self._spike_types):
            print(f"Writing file {name}")  # as hnn-core does
            with open(name, "w") as f:
                for t, g, ty in zip(times, gids, types):
                    f.write(f"{t:.3f}\t{int(g)}\t{ty}\n")


def _equal_nested(a, b):
    """== for lists/dicts whose leaves may be NumPy arrays."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal_nested(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal_nested(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def read_spikes(fname, gid_ranges=None):
    """A CellResponse from spike files (a glob pattern such as 'spk_*.txt', one file per
    trial in sorted order) with columns time, gid and type; HNN's legacy files without the
    type column need ``gid_ranges`` ({type: gids}), which also re-types every spike."""
    warnings.warn("Reading cell response from txt files is deprecated and will be removed "
                  "in future versions. Please load cell response along with simulated network",
                  DeprecationWarning, stacklevel=2)
    spike_times, spike_gids, spike_types = [], [], []
    for path in sorted(glob(str(fname))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # numpy: "empty input file"
            rows = np.loadtxt(path, dtype=str, ndmin=2)
        if rows.shape[0] == 0:
            spike_times.append([])
            spike_gids.append([])
            spike_types.append([])
            continue
        spike_times.append(rows[:, 0].astype(float).tolist())
        spike_gids.append(rows[:, 1].astype(int).tolist())
        if rows.shape[1] == 3:
            spike_types.append(rows[:, 2].tolist())
        elif gid_ranges is None:
            raise ValueError("gid_ranges must be provided if spike types are unspecified in "
                             f"the file {path}")
        else:
            spike_types.append([""] * rows.shape[0])
    response = CellResponse(cell_type_names=list(_CELL_TYPES), spike_times=spike_times,
                            spike_gids=spike_gids, spike_types=spike_types)
    if gid_ranges is not None:
        response.update_types(gid_ranges)
        names = [n for n in _CELL_TYPES if n in gid_ranges]
    else:
        present = set(response.cell_types)
        names = [n for n in _CELL_TYPES if n in present]
    response._cell_type_names = names
    return response

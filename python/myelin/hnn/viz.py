"""Plots of HNN-core's results (hnn_core.viz of hnn-core 0.6): dipoles, their spectra and
Morlet time-frequency maps, spike rasters and histograms, laminar LFP and CSD; and, from
viz_network.py, the network's own plots (plot_cells, plot_cell_morphology,
plot_connectivity_matrix, plot_cell_connectivity, plot_drive_strength, NetworkPlotter).

Every function draws into ``ax`` (a new figure when None), returns the figure and calls
``plt.show()`` only when ``show`` is true and the backend is interactive: under Agg (no
display, tests, batch jobs) nothing blocks. docs/hnn-analysis.md describes them.
"""
import colorsys
import warnings
from itertools import cycle

import matplotlib
import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.ticker import ScalarFormatter
from scipy.signal import decimate, periodogram

_CELL_TYPES = ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"]


# ---- argument checks with HNN-core's (MNE's) messages ---------------------------------

def _validate_type(item, types, item_name, type_name=None):
    """TypeError "<name> must be an instance of <types>, got <type> instead"."""
    types = types if isinstance(types, (list, tuple)) else (types,)
    classes = tuple(type(None) if t is None else t for t in types)
    if isinstance(item, classes):
        return
    if type_name is None:
        names = ["None" if t is None else t.__name__ for t in types]
        if len(names) == 1:
            type_name = names[0]
        elif len(names) == 2:
            type_name = " or ".join(names)
        else:
            type_name = ", ".join(names[:-1]) + ", or " + names[-1]
    raise TypeError(f"{item_name} must be an instance of {type_name}, got {type(item)} instead")


def _check_option(parameter, value, allowed_values):
    """ValueError "Invalid value for the '<parameter>' parameter. Allowed values are ..."."""
    if value in allowed_values:
        return value
    allowed = list(allowed_values)
    if len(allowed) == 1:
        options = f"The only allowed value is {allowed[0]!r}"
    else:
        options = ("Allowed values are " + ", ".join(repr(v) for v in allowed[:-1]) +
                   f", and {allowed[-1]!r}")
    raise ValueError(f"Invalid value for the '{parameter}' parameter. {options}, but got "
                     f"{value!r} instead.")


def plt_show(show=True, fig=None, **kwargs):
    """Show the figure(s) unless the backend is non-interactive (Agg)."""
    if show and matplotlib.get_backend().lower() != "agg":
        (fig or plt).show(**kwargs)


def _lighten_color(color, amount=0.5):
    """The color moved towards white: lightness 1 - amount * (1 - lightness)."""
    h, lum, s = colorsys.rgb_to_hls(*matplotlib.colors.to_rgb(color))
    return colorsys.hls_to_rgb(h, 1 - amount * (1 - lum), s)


def _get_plot_data_trange(times, data, tmin=None, tmax=None):
    """(data, times) restricted to tmin <= t < tmax (the whole trace by default)."""
    times, data = np.asarray(times), np.asarray(data)
    lo = times[0] if tmin is None else max(tmin, times[0])
    hi = times[-1] if tmax is None else min(tmax, times[-1])
    keep = (times >= lo) & (times < hi)
    return data[keep], times[keep]


def _decimate_plot_data(decim, data, times, sfreq=None):
    """scipy.signal.decimate by each factor of `decim` in turn; times taken every factor."""
    factors = decim if isinstance(decim, list) else [decim]
    for dec in factors:
        if not isinstance(dec, int) or dec < 1:
            raise ValueError("each decimation factor must be a positive int, "
                             f"but {dec} is a {type(dec)}")
        data = decimate(data, dec)
        times = times[::dec]
    if sfreq is None:
        return data, times
    return data, times, sfreq / np.prod(factors)


# ---- dipoles ------------------------------------------------------------------------------

def _as_dipole_list(dpl):
    from .dipole import Dipole
    dpls = [dpl] if isinstance(dpl, Dipole) else list(dpl)
    for d in dpls:
        _validate_type(d, Dipole, "dpl", "Dipole, list of Dipole")
    return dpls


def _dipole_ylabel(prefix, scale_applied, power=""):
    if scale_applied == 1:
        return f"{prefix}\n(nAm{power})"
    return f"{prefix}\n([nAm $\\times$ {scale_applied:.0f}]{power})" if power else \
        f"{prefix}\n(nAm $\\times$ {scale_applied:.0f})"


def plot_dipole(dpl, tmin=None, tmax=None, ax=None, layer="agg", decim=None, color="k",
                label="average", average=False, show=True):
    """Dipole time course(s) of one layer ('agg', 'L2', 'L5') or of a list of layers (one
    axis each). A list of dipoles is drawn in a lighter shade; with ``average`` their mean
    (average_dipoles) is drawn on top in ``color`` with ``label``."""
    from .dipole import average_dipoles
    layers = layer if isinstance(layer, list) else [layer]
    if ax is None:
        _, ax = plt.subplots(len(layers), 1, constrained_layout=True, sharex=True,
                             sharey=True)
    axes = list(ax) if isinstance(ax, (list, np.ndarray)) else [ax]
    dpls = _as_dipole_list(dpl)
    if average:
        dpls.append(average_dipoles(dpls))
    if len(layers) != len(axes):  # an AssertionError, as hnn-core's
        raise AssertionError("ax and layer should have the same size")
    scale_applied = dpls[0].scale_applied
    for this_layer, this_ax in zip(layers, axes):
        times = dpls[0].times
        for idx, d in enumerate(dpls):
            if d.scale_applied != scale_applied:
                raise RuntimeError("All dipoles must be scaled equally!")
            if this_layer not in d.data:
                continue
            data, times = d.data[this_layer], d.times
            if decim is not None:
                data, times = _decimate_plot_data(decim, data, times)
            if average and idx == len(dpls) - 1:
                this_ax.plot(times, data, color=color, label=label, lw=1.5)
            else:
                this_ax.plot(times, data, color=_lighten_color(color, 0.5),
                             alpha=0.5 if average else 1.0, lw=1.0)
        if tmin is not None or tmax is not None:
            warnings.warn("tmin and tmax are deprecated and will be removed in future "
                          "releases of hnn-core. Please use matplotlib plt.xlim to set tmin "
                          "and tmax.", DeprecationWarning)
            this_ax.set_xlim(left=tmin, right=tmax)
        else:
            this_ax.set_xlim(left=0, right=times[-1])
        if average:
            this_ax.legend()
        this_ax.ticklabel_format(axis="both", scilimits=(-2, 3))
        this_ax.set_xlabel("Time (ms)")
        this_ax.set_ylabel(_dipole_ylabel("Dipole moment", scale_applied),
                           multialignment="center")
        this_ax.set_title({"agg": "Aggregate (L2/3 + L5)", "L2": "L2/3"}.get(this_layer,
                                                                           this_layer))
    plt_show(show)
    return axes[0].get_figure()


def _check_same_sampling(dpls):
    scale_applied, sfreq = dpls[0].scale_applied, dpls[0].sfreq
    for d in dpls:
        if d.scale_applied != scale_applied:
            raise RuntimeError("All dipoles must be scaled equally!")
        if d.sfreq != sfreq:
            raise RuntimeError("All dipoles must be sampled equally!")
    return scale_applied, sfreq


def _psd(dpls, tmin, tmax, layer):
    """(freqs, mean power) of Hamming-windowed periodograms, one per dipole."""
    _, sfreq = _check_same_sampling(dpls)
    powers = []
    for d in dpls:
        data, _ = _get_plot_data_trange(d.times, d.data[layer], tmin, tmax)
        freqs, pxx = periodogram(data, sfreq, window="hamming", nfft=len(data))
        powers.append(pxx)
    return freqs, np.mean(powers, axis=0)


def plot_psd(dpl, *, fmin=0, fmax=None, tmin=None, tmax=None, layer="agg", color=None,
             label=None, ax=None, show=True):
    """Power spectral density of the dipole: scipy.signal.periodogram with a Hamming
    window over [tmin, tmax); a list of dipoles plots the mean of their periodograms."""
    if ax is None:
        _, ax = plt.subplots(1, 1, constrained_layout=True)
    dpls = _as_dipole_list(dpl)
    freqs, power = _psd(dpls, tmin, tmax, layer)
    ax.plot(freqs, power, color=color, label=label)
    if label:
        ax.legend()
    if fmax is not None:
        ax.set_xlim((fmin, fmax))
    ax.ticklabel_format(axis="both", scilimits=(-2, 3))
    ax.set_xlabel("Frequency (Hz)")
    ax.set_ylabel(_dipole_ylabel("Power spectral density", dpls[0].scale_applied,
                                 r"$^2 \ Hz^{-1}$"), multialignment="center")
    plt_show(show)
    return ax.get_figure()


def _tfr(dpls, freqs, n_cycles, tmin, tmax, layer, decim, padding):
    """(times, mean Morlet power (n_freqs, n_times)) over the dipoles, as plotted."""
    from .dipole import _tfr_morlet_power
    _check_same_sampling(dpls)
    powers = []
    for d in dpls:
        data, times = _get_plot_data_trange(d.times, d.data[layer], tmin, tmax)
        sfreq = d.sfreq
        if decim is not None:
            data, times, sfreq = _decimate_plot_data(decim, data, times, sfreq=sfreq)
        n = len(data)
        if padding is not None:
            if not isinstance(padding, str):
                raise ValueError("padding must be a string (or None)")
            _check_option("padding", padding, ["zeros", "mirror"])
            if padding == "zeros":
                data = np.concatenate([np.zeros(n - 1), data, np.zeros(n - 1)])
            else:
                data = np.concatenate([data[:0:-1], data, data[-2::-1]])
        power = _tfr_morlet_power(data, sfreq, freqs, n_cycles)
        if padding is not None:
            power = power[:, n - 1:2 * n - 1]
        powers.append(power)
    return times, np.mean(powers, axis=0)


def plot_tfr_morlet(dpl, freqs, *, n_cycles=7.0, tmin=None, tmax=None, layer="agg",
                    decim=None, padding="zeros", ax=None, colormap="inferno", colorbar=True,
                    colorbar_inside=False, show=True):
    """Morlet time-frequency power of the dipole (MNE's tfr_array_morlet, output 'power',
    computed here), averaged over a list of dipoles. ``padding`` 'zeros' or 'mirror'
    extends the trace by its length minus one on both sides before the transform."""
    if ax is None:
        _, ax = plt.subplots(1, 1, constrained_layout=True)
    dpls = _as_dipole_list(dpl)
    times, power = _tfr(dpls, freqs, n_cycles, tmin, tmax, layer, decim, padding)
    im = ax.pcolormesh(times, freqs, power, cmap=colormap, shading="auto")
    if freqs[0] > freqs[-1]:
        ax.invert_yaxis()
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Frequency (Hz)")
    if colorbar:
        fig = ax.get_figure()
        fmt = ScalarFormatter()
        fmt.set_powerlimits((-2, 2))
        label = r"Power ([nAm $\times$ {:.0f}]$^2$)".format(dpls[0].scale_applied)
        if colorbar_inside:
            pos = ax.get_position()
            cax = fig.add_axes([pos.x0 + 0.9 * pos.width, pos.y0 + 0.8 * pos.height,
                                0.04 * pos.width, 0.15 * pos.height])
            cbar = fig.colorbar(im, cax=cax, format=fmt)
            cbar.ax.set_ylabel(label, rotation=-90, va="bottom", fontsize=6, color="white")
            cbar.ax.tick_params(direction="in", labelsize=6, labelcolor="white",
                                colors="white")
        else:
            cbar = fig.colorbar(im, ax=ax, format=fmt, shrink=0.8, pad=0)
            cbar.ax.set_ylabel(label, rotation=-90, va="bottom")
        cbar.ax.yaxis.set_ticks_position("left")
    plt_show(show)
    return ax.get_figure()


# ---- spikes -------------------------------------------------------------------------------

def _trial_list(cell_response, trial_idx):
    if trial_idx is None:
        trial_idx = list(range(len(cell_response.spike_times)))
    if isinstance(trial_idx, int):
        trial_idx = [trial_idx]
    _validate_type(trial_idx, list, "trial_idx", "int, list of int")
    return trial_idx


def _concat_trials(lists, trial_idx, dtype=None):
    parts = [np.asarray(lists[k], dtype=dtype) for k in trial_idx]
    return np.concatenate(parts) if parts else np.array([], dtype=dtype)


def _hist_labels(unique_types, spike_types):
    """{spike type: label} from HNN-core's spike_types argument (str, list, dict or None;
    names match as prefixes)."""
    if isinstance(spike_types, str):
        spike_types = {spike_types: [spike_types]}
    if spike_types is None:
        inputs = [t for t in unique_types if t not in _CELL_TYPES]
        spike_types = inputs if inputs else list(unique_types)
    if isinstance(spike_types, list):
        spike_types = {t: [t] for t in spike_types}
    if not isinstance(spike_types, dict):
        raise TypeError("spike_types should be str, list, dict, or None")
    for label, group in spike_types.items():
        if not isinstance(group, list):
            raise TypeError(f"spike_types[{label}] must be a list. Got {type(group).__name__}.")
    labels = {}
    for label, group in spike_types.items():
        for prefix in group:
            found = [t for t in unique_types if t.startswith(prefix)]
            if not found:
                raise ValueError(f"No input types found for {prefix}")
            for t in found:
                if t in labels:
                    raise ValueError("Elements of spike_types must map to mutually exclusive "
                                     f"input types. {t} is found more than once.")
                labels[t] = label
    return labels


def plot_spikes_hist(cell_response, trial_idx=None, ax=None, spike_types=None, color=None,
                     invert_spike_types=None, show=True, **kwargs_hist):
    """Histogram (50 bins over the run) of the spike times of the chosen trials, one per
    spike type or group of types (``spike_types``: a name or prefix, a list of them, or
    {label: [names]}; by default every drive, or every type when there are no drives).
    ``invert_spike_types`` are drawn downwards on a twin axis."""
    trial_idx = _trial_list(cell_response, trial_idx)
    times = _concat_trials(cell_response.spike_times, trial_idx, float)
    types = _concat_trials(cell_response.spike_types, trial_idx, str)
    unique_types = np.unique(types).tolist()
    labels = _hist_labels(unique_types, spike_types)
    if ax is None:
        _, ax = plt.subplots(1, 1, constrained_layout=True)
    _validate_type(color, (str, list, dict, None), "color", "str, list of str, or dict")
    colors = cycle(["r", "g", "b", "y", "m", "c"] if color is None else
                   [color] if isinstance(color, str) else color if isinstance(color, list)
                   else [None])
    t_end = cell_response.times[-1] if len(cell_response.times) else times[-1]
    bins = np.linspace(0, t_end, 50)

    grouped = {label: [] for label in sorted(set(labels.values()))}
    label_color = {}
    for stype, label in labels.items():
        if label not in label_color:
            if isinstance(color, dict):
                if label not in color:
                    raise ValueError(f"'{label}' must be defined in color dictionary")
                _validate_type(color[label], str, "Dictionary values of color", "str")
                label_color[label] = color[label]
            else:
                label_color[label] = next(colors)
        grouped[label].extend(times[types == stype])

    if invert_spike_types is None:
        invert_spike_types = []
    elif not isinstance(invert_spike_types, (str, list)):
        raise TypeError("'invert_spike_types' must be a string or a list of strings")
    elif isinstance(invert_spike_types, str):
        invert_spike_types = [invert_spike_types]
    if not set(invert_spike_types) <= set(labels.values()):
        raise ValueError("Elements of 'invert_spike_types' must map to valid input types")

    ax_inv = None
    for label, data in grouped.items():
        if label in invert_spike_types:
            ax_inv = ax.twinx() if ax_inv is None else ax_inv
            ax_inv.hist(data, bins, label=label, color=label_color[label], **kwargs_hist)
        else:
            ax.hist(data, bins, label=label, color=label_color[label], **kwargs_hist)
    if ax_inv is not None:
        top = max(ax.get_ylim()[1], ax_inv.get_ylim()[1])
        ax.set_ylim(0, top)
        ax_inv.set_ylim(0, top)
        ax_inv.invert_yaxis()
        ax_inv.set_label("Inverted spike histogram")
    ax.set_xlim(left=0, right=cell_response.times[-1] if len(cell_response.times) else None)
    ax.set_ylabel("Counts")
    ax.set_label("Spike histogram")
    if ax_inv is not None:
        h, lab = ax.get_legend_handles_labels()
        h1, lab1 = ax_inv.get_legend_handles_labels()
        ax_inv.legend(h + h1, lab + lab1, loc="upper left")
    else:
        ax.legend()
    plt_show(show)
    return ax.get_figure()


def plot_spikes_raster(cell_response, trial_idx=None, ax=None, show=True, cell_types=None,
                       colors=None, show_legend=True, marker_size=1.0, dpl=None,
                       overlay_dipoles=False):
    """Raster of the chosen trials: one row per cell (gid downwards), one color per cell
    type (eventplot, one line collection per cell that spiked); with ``overlay_dipoles``
    the trial-averaged L2 and L5 dipoles of ``dpl`` drawn over their layers."""
    from .dipole import Dipole, average_dipoles
    trial_idx = _trial_list(cell_response, trial_idx)
    present = cell_response.cell_types
    if cell_types:
        _validate_type(cell_types, list, "cell_types", "list of str")
        if not set(cell_types) <= set(present):
            raise ValueError(f"Invalid cell types provided. Must be of set {present}. "
                             f"Got {cell_types}")
    else:
        cell_types = list(_CELL_TYPES)
    cycle_colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    cell_colors = dict(zip(cell_types, cycle_colors))
    _validate_type(colors, (list, dict, None), "color", "list of str, or dict")
    if isinstance(colors, list) and colors:
        if len(colors) != len(cell_types):
            raise ValueError(f"Number of colors must be equal to number of cell types. "
                             f"{len(colors)} colors provided for {len(cell_types)} cell "
                             "types.")
        cell_colors = dict(zip(cell_types, colors))
    elif isinstance(colors, dict) and colors:
        if not set(colors) <= set(present):
            raise ValueError(f"Invalid cell types provided. Must be of set {present}. "
                             f"Got {colors.keys()}")
        cell_colors.update(colors)
    _validate_type(show_legend, bool, "show_legend", "bool")
    _validate_type(marker_size, (float, int), "marker_size", "float or int")
    if marker_size <= 0:
        marker_size = 1.0

    times = _concat_trials(cell_response.spike_times, trial_idx, float)
    types = _concat_trials(cell_response.spike_types, trial_idx, str)
    gids = _concat_trials(cell_response.spike_gids, trial_idx, int)
    if ax is None:
        _, ax = plt.subplots(1, 1, constrained_layout=True)
    handles = []
    for cell_type, col in cell_colors.items():
        type_gids = np.unique(gids[types == cell_type])
        if len(type_gids):
            ev = ax.eventplot([times[gids == g] for g in type_gids], lineoffsets=-type_gids,
                              color=col, label=cell_type, linelengths=marker_size)
        else:  # a legend entry for a type that did not fire
            ev = ax.eventplot([-1], lineoffsets=[-1], color=col, label=cell_type,
                              linelengths=1)
        ev[0].set_label(cell_type + " Spikes")
        handles.append(ev[0])

    if overlay_dipoles:
        if dpl is None:
            raise ValueError("Dipole object must be provided to overlay dipoles")
        dpls = [dpl] if isinstance(dpl, Dipole) else dpl
        for d in dpls:
            _validate_type(d, Dipole, "dpl", "Dipole, list of Dipole")
        avg = average_dipoles(dpls)
        l2, l5 = avg.data["L2"], avg.data["L5"]
        bottom = min(ax.get_yticks())
        mid, quarter = abs(round(bottom / 2, 0)), abs(round(bottom / 4, 0))
        while max(l5.max(), l2.max()) - min(l5.min(), l2.min()) > mid:
            l2, l5 = l2 * 0.95, l5 * 0.95
        handles.append(ax.plot(dpls[0].times, l2 - mid + quarter, color="grey", linewidth=1,
                               linestyle="--", label="L2 Dipole")[0])
        handles.append(ax.plot(dpls[0].times, l5 - mid - quarter, color="grey", linewidth=1,
                               linestyle="-", label="L5 Dipole")[0])

    legend = ax.legend(handles=handles, loc="lower left", framealpha=0.25)
    if show_legend:
        ax.add_artist(legend)
    else:
        legend.remove()
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Cell ID")
    ax.set_yticklabels([])
    ax.tick_params(axis="y", length=0)
    ax.set_title("Raster Plot with Layer-Specific Dipole Overlays" if overlay_dipoles
                 else "Raster Plot")
    ax.set_xlim(left=0, right=cell_response.times[-1] if len(cell_response.times) else None)
    plt_show(show)
    return ax.get_figure()


# ---- laminar arrays -----------------------------------------------------------------------

def plot_laminar_lfp(times, data, contact_labels, tmin=None, tmax=None, ax=None, decim=None,
                     color="cividis", voltage_offset=50, voltage_scalebar=200, show=True):
    """Voltage traces (n_contacts, n_times) of an electrode array [µV], contact k offset by
    k * voltage_offset, with a scale bar of voltage_scalebar µV."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
    _validate_type(times, (list, np.ndarray), "times")
    _validate_type(data, (list, np.ndarray), "data")
    times, data = np.asarray(times), np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"data must be 2D, got shape {data.shape}")
    if len(times) != data.shape[1]:
        raise ValueError(f"length of times ({len(times)}) and data ({len(data)}) do not match")
    n = data.shape[0]
    if color is not None:
        _validate_type(color, (str, tuple, list, np.ndarray, ListedColormap), "color")
        if isinstance(color, (tuple, list)):
            if not all(isinstance(c, float) for c in color) or not 3 <= len(color) <= 4:
                raise ValueError(f"color must be length 3 or 4, got {color}")
        elif isinstance(color, np.ndarray):
            if color.shape[0] != n or not 3 <= color.shape[1] <= 4:
                raise ValueError(f"color must be n_contacts x (3 or 4), got {color}")
        elif isinstance(color, ListedColormap):
            if color.N != n:
                raise ValueError(f"ListedColormap has N={color.N}, but there are {n} contacts")
        elif isinstance(color, str):
            color = plt.get_cmap(color, len(contact_labels))
    if ax is None:
        _, ax = plt.subplots(1, 1)
    offsets = np.arange(n) * (voltage_offset if voltage_offset is not None else 0)
    for k, trace in enumerate(data):
        t = times
        if decim is not None:
            trace, t = _decimate_plot_data(decim, trace, t)
        col = color[k] if isinstance(color, np.ndarray) else \
            color(k) if isinstance(color, matplotlib.colors.Colormap) else color
        ax.plot(t, trace + offsets[k], label=f"C{k}", color=col)
    if tmin is not None or tmax is not None:
        warnings.warn("tmin and tmax are deprecated and will be removed in future releases "
                      "of hnn-core. Please use matplotlib plt.xlim to set tmin and tmax.",
                      DeprecationWarning)
        ax.set_xlim(left=tmin, right=tmax)
    else:
        ax.set_xlim(left=times[0], right=times[-1])
    ylabel = r"Electric potential ($\mu V$)"
    if voltage_offset is not None:
        if len(contact_labels) != n:
            raise ValueError(f"contact_labels is length {len(contact_labels)}, but {n} "
                             "contacts to be plotted")
        ax.set_ylim(-voltage_offset, n * voltage_offset)
        ax.set_yticks(np.arange(n) * voltage_offset)
        ax.set_yticklabels(contact_labels)
        ylabel = "Individual contact traces"
        if voltage_scalebar is None:
            voltage_scalebar = voltage_offset
    if voltage_scalebar is not None:
        ax.add_artist(AnchoredSizeBar(ax.transData, 1, f"{voltage_scalebar:.0f} " + r"$\mu V$",
                                      "upper left", size_vertical=voltage_scalebar, pad=0.1,
                                      color="black", label_top=False, frameon=False))
    else:
        ax.ticklabel_format(axis="both", scilimits=(-2, 3))
    ax.set_ylabel(ylabel, multialignment="center")
    ax.set_xlabel("Time (ms)")
    plt_show(show)
    return ax.get_figure()


def plot_laminar_csd(times, data, contact_labels, ax=None, colorbar=True, vmin=None, vmax=None,
                     sink="b", interpolation="spline", show=True):
    """Current source density (n_contacts, n_times) as a color map over time and depth
    ('jet': sinks blue with sink='b', red with sink='r'); 'spline' interpolates to one row
    per µm of depth (scipy's RectBivariateSpline)."""
    from scipy.interpolate import RectBivariateSpline
    if ax is None:
        _, ax = plt.subplots(1, 1, constrained_layout=True)
    if sink[0].lower() not in ("b", "r"):
        raise RuntimeError('Please use sink = "b" or sink = "r". Only colormap "jet" is '
                           "supported for CSD.")
    cmap = "jet" if sink[0].lower() == "b" else "jet_r"
    depths = contact_labels
    if interpolation == "spline":
        spline = RectBivariateSpline(times, contact_labels, np.asarray(data).T)
        depths = np.linspace(contact_labels[0], contact_labels[-1],
                             int(contact_labels[-1] - contact_labels[0]))
        data = spline(times, depths).T
    if vmin is None and vmax is None:
        vmax = np.max(np.abs(data))
        vmin = -vmax
    im = ax.pcolormesh(times, depths, data, cmap=cmap, shading="auto", vmin=vmin, vmax=vmax)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("electrode depth")
    if colorbar:
        cax = ax.inset_axes([1.05, 0, 0.02, 1], transform=ax.transAxes)
        plt.colorbar(im, ax=ax, cax=cax).set_label(r"$CSD (uV/um^{2})$")
    plt_show(show)
    return ax.get_figure()


# Plots of the network itself (positions, morphology, connectivity, drives, animation).
from myelin.hnn.viz_network import (NetworkPlotter, plot_cell_connectivity,  # noqa: E402
                                    plot_cell_morphology, plot_cells,
                                    plot_connectivity_matrix, plot_drive_strength)

"""Plots of a Network itself (hnn_core.viz of hnn-core 0.6): cell positions, a cell type's
morphology, a connection rule's weights as a matrix or around one source cell, the
strength of each drive onto each cell type, and NetworkPlotter (every cell's sections in
3D, coloured by their membrane potential). myelin.hnn.viz re-exports them.

Weights are the ones the engine gives a connection (compile.py): A_weight x gain x
exp(-d^2 / (lamtha x inplane_distance)^2), d the in-plane (x, y) distance of the two
cells' somata; a drive's cells sit at the column's origin (pos_dict).
"""
import matplotlib
import matplotlib.animation
import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import ScalarFormatter
from mpl_toolkits.mplot3d import Axes3D

from myelin.hnn.network import _validate_type

_COLORS = {"L5_pyramidal": "b", "L2_pyramidal": "c", "L5_basket": "r", "L2_basket": "m"}
_MARKERS = {"L5_pyramidal": "^", "L2_pyramidal": "^", "L5_basket": "x", "L2_basket": "x"}


def _show(show, fig=None):
    if show and matplotlib.get_backend().lower() != "agg":
        (fig or plt).show()


def _check_net(net):
    from myelin.hnn.network import Network
    _validate_type(net, Network, "net", "Network")


def _pair_weights(net, conn, src_gid, target_gids):
    """Weights [uS] the engine gives conn's synapses from src_gid onto target_gids."""
    nc = conn["nc_dict"]
    src_idx = src_gid - net.gid_ranges[conn["src_type"]][0]
    t0 = net.gid_ranges[conn["target_type"]][0]
    src = np.asarray(net.pos_dict[conn["src_type"]][src_idx], dtype=float)
    tpos = np.asarray(net.pos_dict[conn["target_type"]], dtype=float)
    idx = np.asarray(target_gids, dtype=np.int64) - t0
    d2 = ((tpos[idx, :2] - src[:2]) ** 2).sum(axis=1)
    lam = nc["lamtha"] * net._inplane_distance
    return nc["A_weight"] * nc["gain"] * np.exp(-d2 / lam ** 2)


def connectivity_matrix(net, conn_idx, show_weight=True):
    """(n_src, n_target) array of net.connectivity[conn_idx]: the synapse's weight (or
    1 with show_weight=False) where a source connects to a target, else 0; rows and
    columns in gid order of the two cell types (or drive)."""
    conn = net.connectivity[conn_idx]
    src0 = net.gid_ranges[conn["src_type"]][0]
    t0 = net.gid_ranges[conn["target_type"]][0]
    out = np.zeros((len(net.gid_ranges[conn["src_type"]]),
                    len(net.gid_ranges[conn["target_type"]])))
    for src, targets in conn["gid_pairs"].items():
        if not targets:
            continue
        cols = np.asarray(targets, dtype=np.int64) - t0
        out[src - src0, cols] = _pair_weights(net, conn, src, targets) if show_weight else 1.0
    return out


def drive_strength_matrix(net, show_weight=True):
    """(drive names, cell type names, (n_drives, n_cell_types) array): the summed weight
    [uS] of every synapse of each drive onto each cell type, all receptors together
    (with show_weight=False: the number of synapses)."""
    drives, cells = list(net.external_drives), list(net.cell_types)
    out = np.zeros((len(drives), len(cells)))
    for idx, conn in enumerate(net.connectivity):
        if conn["src_type"] in drives and conn["target_type"] in cells:
            out[drives.index(conn["src_type"]), cells.index(conn["target_type"])] += \
                connectivity_matrix(net, idx, show_weight).sum()
    return drives, cells, out


def plot_cells(net, ax=None, show=True):
    """Every cell's soma at its pos_dict position (3D scatter per cell type) and the
    electrodes of net.rec_arrays; returns the figure."""
    if ax is None:
        fig = plt.figure()
        ax = fig.add_subplot(111, projection="3d")
    elif not isinstance(ax, Axes3D):
        raise TypeError(f"Expected 'ax' to be an instance of Axes3D, but got "
                        f"{type(ax).__name__}")
    for cell_type in net.cell_types:
        pos = np.asarray(net.pos_dict[cell_type], dtype=float).reshape(-1, 3)
        ax.scatter(pos[:, 0], pos[:, 1], pos[:, 2], c=_COLORS.get(cell_type, "k"), s=50,
                   marker=_MARKERS.get(cell_type, "o"), label=cell_type)
    if net.rec_arrays:
        cols = plt.get_cmap("inferno", len(net.rec_arrays) + 2)
        for k, (name, arr) in enumerate(net.rec_arrays.items()):
            pos = np.asarray(arr.positions, dtype=float).reshape(-1, 3)
            ax.scatter(pos[:, 0], pos[:, 1], pos[:, 2], color=cols(k + 1), s=25,
                       marker="o", label=name)
    ax.legend(bbox_to_anchor=(-0.15, 1.025), loc="upper left")
    _show(show)
    return ax.get_figure()


def _linewidth_points(ax, width):
    """A width in data units of the x axis as a line width in points."""
    fig = ax.get_figure()
    inches = fig.bbox_inches.width * ax.get_position().width
    return width * inches * 72.0 / np.diff(ax.get_xlim())[0]


def _draw_sections(ax, cell, pos, colors):
    """One line per section, soma's 0-end at pos (HNN-core's axes: x, pos[2], pos[1])."""
    root = np.asarray(cell.sections["soma"].end_pts[0], dtype=float)
    shift = np.asarray(pos, dtype=float) - root
    lines = []
    for name, sec in cell.sections.items():
        pts = np.asarray(sec.end_pts, dtype=float)
        lines += ax.plot(pts[:, 0] + shift[0], pts[:, 1] + shift[2], pts[:, 2] + shift[1],
                         "-", linewidth=_linewidth_points(ax, sec.diam), color=colors[name])
    return lines


def plot_cell_morphology(cell, ax, color=None, pos=(0, 0, 0), xlim=(-250, 150),
                         ylim=(-100, 100), zlim=(-100, 1200), show=True):
    """The sections of `cell` as 3D lines between their end points, as wide as their
    diameter, with the soma's 0-end at `pos`. HNN-core's convention: the cell stands in
    the x-z plane of the axes, pos[1] moves it along the vertical (z) axis and pos[2]
    along y. color: one colour, or {section: colour} for every section. Returns ax."""
    if ax is None:
        plt.figure()
        ax = plt.axes(projection="3d")
    _validate_type(color, (str, dict, type(None)), "color", "str, dict, or None")
    if isinstance(color, dict):
        missing = [s for s in cell.sections if s not in color]
        if missing:
            raise ValueError(f"color: no colour for section {missing[0]!r} (the dict "
                             f"needs every section of cell.sections)")
        colors = color
    else:
        colors = {s: color or "b" for s in cell.sections}
    _validate_type(pos, tuple, "pos")
    if len(pos) != 3:
        raise ValueError("pos must be a tuple of 3 elements")
    for p in pos:
        _validate_type(p, (float, int), "pos[idx]", "float or int")
    ax.set_xlim((pos[0] + xlim[0], pos[0] + xlim[1]))
    ax.set_zlim((pos[1] + zlim[0], pos[1] + zlim[1]))
    ax.set_ylim((pos[2] + ylim[0], pos[2] + ylim[1]))
    _draw_sections(ax, cell, pos, colors)
    ax.view_init(0, -90)
    ax.axis("off")
    plt.tight_layout()
    _show(show)
    return ax


def plot_connectivity_matrix(net, conn_idx, ax=None, show_weight=True, colorbar=True,
                             colormap="Greys", show=True):
    """net.connectivity[conn_idx] as a source x target image (connectivity_matrix);
    returns the figure."""
    _check_net(net)
    _validate_type(conn_idx, int, "conn_idx")
    _validate_type(show_weight, bool, "show_weight")
    if ax is None:
        _, ax = plt.subplots(1, 1)
    conn = net.connectivity[conn_idx]
    im = ax.imshow(connectivity_matrix(net, conn_idx, show_weight), cmap=colormap,
                   interpolation="none")
    if colorbar:
        fmt = ScalarFormatter()
        fmt.set_powerlimits((-2, 2))
        cbar = ax.get_figure().colorbar(im, ax=ax, format=fmt)
        cbar.ax.set_ylabel("Weight", rotation=-90, va="bottom")
    src, tgt = net.gid_ranges[conn["src_type"]], net.gid_ranges[conn["target_type"]]
    ax.set_xlabel(f"{conn['target_type']} target gids ({tgt[0]}-{tgt[-1]})")
    ax.set_ylabel(f"{conn['src_type']} source gids ({src[0]}-{src[-1]})")
    ax.set_xticklabels([])
    ax.set_yticklabels([])
    ax.set_title(f"{conn['src_type']} -> {conn['target_type']} ({conn['loc']}, "
                 f"{conn['receptor']})")
    plt.tight_layout()
    _show(show)
    return ax.get_figure()


def plot_drive_strength(net, show_weight=True, ax=None, colorbar=True,
                        color_scale="linear", normalize=True, show=True):
    """Drives x cell types image of drive_strength_matrix, each value written in its
    cell; normalize=True maps the values to 0-1 (min to max), color_scale='log' plots
    log(1 + value). Returns the figure."""
    _check_net(net)
    _validate_type(show_weight, bool, "show_weight")
    if color_scale not in ("linear", "log"):
        raise ValueError(f"Invalid value for the 'color_scale' parameter. Allowed values "
                         f"are 'linear' and 'log', but got {color_scale!r} instead.")
    drives, cells, values = drive_strength_matrix(net, show_weight)
    if normalize and values.size and values.max() > values.min():
        values = (values - values.min()) / (values.max() - values.min())
    if color_scale == "log":
        values = np.log1p(values)
    if ax is None:
        fig, ax = plt.subplots(figsize=(12, 6))
    fig = ax.get_figure()
    im = ax.imshow(values, cmap="viridis", aspect="auto", interpolation="nearest")
    if colorbar:
        fig.colorbar(im, ax=ax)
    ax.set_xticks(np.arange(len(cells)), cells, rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(np.arange(len(drives)), drives)
    ax.set_xlabel("Cell Types")
    ax.set_ylabel("Drive Names")
    ax.set_title("External Drive Strengths")
    units = "Units: Relative Strength (0-1)" if normalize else (
        "Units: µS (microsiemens)" if show_weight else "Units: synapses")
    ax.text(0.98, 0.02, units, transform=ax.transAxes, ha="right", va="bottom",
            bbox=dict(facecolor="white", alpha=0.6, edgecolor="black"))
    top = values.max() if values.size else 0.0
    for i in range(len(drives)):
        for j in range(len(cells)):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center",
                    color="black" if values[i, j] > 0.7 * top else "white", weight="bold")
    plt.tight_layout()
    _show(show, fig)
    return fig


def _draw_targets(ax, net, conn, src_gid, colormap):
    tpos = np.asarray(net.pos_dict[conn["target_type"]], dtype=float)
    targets = conn["gid_pairs"][src_gid]
    idx = np.asarray(targets, dtype=np.int64) - net.gid_ranges[conn["target_type"]][0]
    src_pos = net.pos_dict[conn["src_type"]][src_gid - net.gid_ranges[conn["src_type"]][0]]
    ax.clear()
    im = ax.scatter(tpos[idx, 0], tpos[idx, 1], c=_pair_weights(net, conn, src_gid, targets),
                    s=50, cmap=colormap)
    ax.scatter(tpos[:, 0], tpos[:, 1], color="k", marker="x", zorder=-1, s=20)
    ax.scatter(src_pos[0], src_pos[1], marker="s", color="red", s=150)
    ax.set_xlabel("X Position")
    ax.set_ylabel("Y Position")
    return im


def plot_cell_connectivity(net, conn_idx, src_gid=None, axes=None, colorbar=True,
                           colormap="viridis", show=True):
    """The targets of one source cell of net.connectivity[conn_idx], coloured by weight
    (right; unconnected targets as small crosses, the source as a red square) beside the
    rule's source cells (left, for cell sources; a click there picks another source).
    src_gid: a key of the rule's gid_pairs (default the first). Returns the figure."""
    _check_net(net)
    _validate_type(conn_idx, int, "conn_idx")
    conn = net.connectivity[conn_idx]
    valid = list(conn["gid_pairs"])
    if src_gid is None:
        src_gid = valid[0]
    _validate_type(src_gid, int, "src_gid")
    if src_gid not in valid:
        raise ValueError(f"src_gid {src_gid} not a valid cell ID for this connection. "
                         f"Please select one of {valid}")
    cell_source = conn["src_type"] in net.cell_types
    if axes is None:
        fig, axes = plt.subplots(1, 2 if cell_source else 1, sharex=True, sharey=True)
        axes = list(np.atleast_1d(axes))
    ax = axes[-1]
    fig = ax.get_figure()
    im = _draw_targets(ax, net, conn, src_gid, colormap)
    spos = np.asarray(net.pos_dict[conn["src_type"]], dtype=float)
    src_gids = np.asarray(net.gid_ranges[conn["src_type"]])
    if cell_source and len(axes) == 2:
        on = np.isin(src_gids, valid)
        axes[0].scatter(spos[:, 0], spos[:, 1], marker="s", color="red", s=50, alpha=0.2)
        axes[0].scatter(spos[on, 0], spos[on, 1], marker="s", color="red", s=50)

        def _onclick(event):
            if event.inaxes is not axes[0]:
                return
            k = int(np.argmin(np.linalg.norm(spos[:, :2] - [event.xdata, event.ydata],
                                             axis=1)))
            if int(src_gids[k]) in conn["gid_pairs"]:
                _draw_targets(ax, net, conn, int(src_gids[k]), colormap)
                fig.canvas.draw()
        fig.canvas.mpl_connect("button_press_event", _onclick)
    plt.suptitle(f"{conn['src_type']}-> {conn['target_type']} ({conn['loc']}, "
                 f"{conn['receptor']})")
    if colorbar:
        fmt = ScalarFormatter()
        fmt.set_powerlimits((-2, 2))
        cbar = fig.colorbar(im, ax=ax, format=fmt)
        cbar.ax.set_ylabel("Weight", rotation=-90, va="bottom")
    plt.tight_layout()
    _show(show)
    return fig



class NetworkPlotter:
    """Every cell of `net` drawn with its sections in 3D at its position, each section
    coloured by its membrane potential at time index `time_idx` of trial `trial_idx`
    (black-background axes, `voltage_colormap` over vmin..vmax mV). Before a simulation,
    or when the sections' potentials were not recorded (simulate_dipole(record_vsec=
    'all')), the colours are those of 0 on the scale and export_movie refuses. The view
    (xlim, ylim, zlim, elev, azim), scale (vmin, vmax, voltage_colormap), bg_color,
    trial_idx and time_idx are properties that redraw when set; `fig` and `ax` are the
    figure and its axes."""

    def __init__(self, net, ax=None, vmin=-100, vmax=50, bg_color="black", colorbar=True,
                 voltage_colormap="viridis", elev=10, azim=-500, xlim=(-200, 3100),
                 ylim=(-200, 3100), zlim=(-300, 2200), trial_idx=0, time_idx=0):
        for name, value, types in (("vmin", vmin, (int, float)), ("vmax", vmax, (int, float)),
                                   ("bg_color", bg_color, str),
                                   ("voltage_colormap", voltage_colormap, str),
                                   ("colorbar", colorbar, bool), ("xlim", xlim, tuple),
                                   ("ylim", ylim, tuple), ("zlim", zlim, tuple),
                                   ("elev", elev, (int, float)), ("azim", azim, (int, float)),
                                   ("trial_idx", trial_idx, int), ("time_idx", time_idx, int)):
            _validate_type(value, types, name)
        self.net, self.ax = net, ax
        self._vmin, self._vmax, self._bg_color = vmin, vmax, bg_color
        self._voltage_colormap = voltage_colormap
        self._xlim, self._ylim, self._zlim = xlim, ylim, zlim
        self._elev, self._azim = elev, azim
        self._trial_idx, self._time_idx = trial_idx, time_idx
        resp = net.cell_response
        self.times = None if resp is None else np.asarray(resp.times)
        self._vsec_recorded = self._all_sections_recorded()
        self.fig = None
        if self.ax is None:
            self.fig = plt.figure()
            self.ax = self.fig.add_subplot(projection="3d")
            self.ax.set_facecolor(bg_color)
        self.fig = self.ax.get_figure()
        self._update_axes()
        self._lines = []
        for cell_type, cell in net.cell_types.items():
            obj = cell["cell_object"]
            colors = {s: "b" for s in obj.sections}
            for p in net.pos_dict[cell_type]:
                self._lines += _draw_sections(self.ax, obj, (float(p[0]), float(p[2]),
                                                             float(p[1])), colors)
        self._recolor()
        self._cbar = None
        if colorbar:
            self._add_colorbar()

    def _all_sections_recorded(self):
        resp = self.net.cell_response
        if resp is None or not getattr(resp, "vsec", None):
            return False
        if self._trial_idx >= len(resp.vsec):
            return False
        trial = resp.vsec[self._trial_idx]
        return all(gid in trial and all(s in trial[gid] for s in
                                        self.net.cell_types[t]["cell_object"].sections)
                   for t in self.net.cell_types for gid in self.net.gid_ranges[t])

    @property
    def vsec_array(self):
        """(sections of every cell, times) potentials scaled to 0..1 over vmin..vmax."""
        rows = []
        for cell_type, cell in self.net.cell_types.items():
            for gid in self.net.gid_ranges[cell_type]:
                for sec in cell["cell_object"].sections:
                    rows.append(np.asarray(self.net.cell_response.vsec[self._trial_idx][gid]
                                           [sec], dtype=float) if self._vsec_recorded
                                else np.zeros(1))
        return (np.vstack(rows) - self._vmin) / (self._vmax - self._vmin)

    @property
    def color_array(self):
        return matplotlib.colormaps[self._voltage_colormap](self.vsec_array)

    def _recolor(self):
        colors = self.color_array
        t = self._time_idx if self._vsec_recorded else 0
        for line, color in zip(self._lines, colors[:, t]):
            line.set_color(color)

    def _update_axes(self):
        self.ax.set_xlim(self._xlim)
        self.ax.set_ylim(self._ylim)
        self.ax.set_zlim(self._zlim)
        self.ax.view_init(self._elev, self._azim)

    def _add_colorbar(self):
        mappable = plt.cm.ScalarMappable(cmap=self._voltage_colormap,
                                         norm=matplotlib.colors.Normalize(self._vmin,
                                                                          self._vmax))
        self._cbar = self.fig.colorbar(mappable, ax=self.ax)

    def _need_vsec(self):
        if not self._vsec_recorded:
            raise RuntimeError("Network must be simulated with `simulate_dipole(record_vsec="
                               "'all')` before plotting voltages.")

    def _set_time_idx(self, time_idx):
        self.time_idx = int(time_idx)

    def export_movie(self, fname, fps=30, dpi=300, decim=10, interval=30, frame_start=0,
                     frame_stop=None, writer="pillow"):
        """Writes the potentials over time as a movie (every `decim`-th sample from
        frame_start to frame_stop) with matplotlib's `writer`; returns the animation."""
        self._need_vsec()
        if frame_stop is None:
            frame_stop = len(self.times) - 1
        anim = matplotlib.animation.FuncAnimation(
            self.fig, self._set_time_idx, np.arange(frame_start, frame_stop, decim),
            interval=interval)
        anim.save(fname, writer=matplotlib.animation.writers[writer](fps=fps), dpi=dpi)
        return anim

    def _setter(name, types, redraw):  # noqa: N805 (a helper of the class body)
        def get(self):
            return getattr(self, "_" + name)

        def set_(self, value):
            _validate_type(value, types, name)
            setattr(self, "_" + name, value)
            redraw(self)
        return property(get, set_)

    def _set_limits(self):
        self._update_axes()

    def _set_time(self):
        self._need_vsec()
        if not 0 <= self._time_idx < len(self.times):
            raise ValueError(f"time_idx: {self._time_idx} is not an index of the "
                             f"{len(self.times)} recorded times")
        self._recolor()

    def _set_trial(self):
        self._vsec_recorded = self._all_sections_recorded()
        self._recolor()

    def _set_scale(self):
        self._recolor()
        if self._cbar is not None:
            self._cbar.remove()
            self._add_colorbar()

    def _set_bg(self):
        self.ax.set_facecolor(self._bg_color)

    def _set_colorbar(self):
        if self._cbar is not None:
            self._cbar.remove()
            self._cbar = None
        if self._colorbar:
            self._add_colorbar()

    xlim = _setter("xlim", tuple, _set_limits)
    ylim = _setter("ylim", tuple, _set_limits)
    zlim = _setter("zlim", tuple, _set_limits)
    elev = _setter("elev", (int, float), _set_limits)
    azim = _setter("azim", (int, float), _set_limits)
    vmin = _setter("vmin", (int, float), _set_scale)
    vmax = _setter("vmax", (int, float), _set_scale)
    voltage_colormap = _setter("voltage_colormap", str, _set_scale)
    trial_idx = _setter("trial_idx", int, _set_trial)
    time_idx = _setter("time_idx", int, _set_time)
    bg_color = _setter("bg_color", str, _set_bg)
    del _setter

    @property
    def colorbar(self):
        return self._cbar is not None

    @colorbar.setter
    def colorbar(self, value):
        _validate_type(value, bool, "colorbar")
        self._colorbar = value
        self._set_colorbar()

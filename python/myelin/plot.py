#!/usr/bin/python3
"""Plots of a myelin run directory: raster.png, rates.png, traces.png (and dipole.png
when the run wrote dipole.csv, extracellular.png when it wrote electrode arrays); of a
batch directory (docs/batch.md): summaries.png (the summary columns against the first
varied parameter) and, with the runs' dipoles kept,
dipoles.png (every run's smoothed aggregate dipole, overlaid).

    /usr/bin/python3 -m myelin.plot DIR      (or: myelin plot DIR)
"""
import contextlib
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

MAX_RASTER_POINTS = 200_000


class PlotError(Exception):
    """A file that cannot be read or written: its message is the one line to print."""


def _reason(e):
    text = str(e).strip().strip("'\"").splitlines()
    return text[0] if text and text[0] else type(e).__name__


@contextlib.contextmanager
def reading(path):
    """Errors of reading `path` (truncated or corrupt HDF5, a missing dataset, a bad CSV or
    JSON file) become one PlotError naming the file."""
    try:
        yield
    except PlotError:
        raise
    except (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError) as e:
        raise PlotError(f"{path}: cannot read ({_reason(e)})") from e


def _save(fig, path):
    """Atomic: a reader never sees a half-written PNG."""
    tmp = path + ".tmp.png"
    try:
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise PlotError(f"{path}: cannot write ({_reason(e)})") from e
    finally:
        plt.close(fig)


def load_spikes(path):
    """{population: (times [ms], node_ids)} in file order."""
    out = {}
    with reading(path), h5py.File(path, "r") as f:
        for name, g in f["spikes"].items():
            out[name] = (g["timestamps"][:], g["node_ids"][:])
            if len(out[name][0]) != len(out[name][1]):
                raise ValueError(f"/spikes/{name}: timestamps and node_ids differ in length")
    return out


def raster(ax, spikes, sizes, tstop):
    offset = 0
    total = sum(len(t) for t, _ in spikes.values())
    keep = min(1.0, MAX_RASTER_POINTS / max(total, 1))
    rng = np.random.default_rng(0)
    ticks, labels = [], []
    for k, (name, (t, ids)) in enumerate(spikes.items()):
        if keep < 1.0:
            sel = rng.random(len(t)) < keep
            t, ids = t[sel], ids[sel]
        size = 0.5 if total * keep > 20000 else 4.0  # small runs (HNN's column): visible dots
        ax.scatter(t, ids + offset, s=size, color=f"C{k}", marker=".", linewidths=0,
                   rasterized=True)
        n = sizes.get(name, int(ids.max()) + 1 if len(ids) else 1)
        ticks.append(offset + n / 2)
        labels.append(name)
        offset += n
    ax.set_yticks(ticks, labels)
    ax.set_xlim(0, tstop)
    ax.set_ylim(0, max(offset, 1))
    ax.set_xlabel("time [ms]")
    title = "spike raster"
    if keep < 1.0:
        title += f" ({keep:.1%} of {total} spikes shown)"
    ax.set_title(title)


def _number(text):
    try:
        return float(text)
    except ValueError:
        return np.nan


def plot_batch(d):
    """summaries.png and (with kept dipoles) dipoles.png of a batch directory."""
    import csv
    batch_file = os.path.join(d, "batch.json")
    with reading(batch_file), open(batch_file) as f:
        varied = json.load(f)["columns"]
    results = os.path.join(d, "results.csv")
    if not os.path.exists(results):
        print(f"myelin plot: error: the batch in '{d}' is not complete (no results.csv): "
              "run it again to finish it", file=sys.stderr)
        return 1
    with reading(results), open(results) as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == "ok"]
        missing = [c for c in ["id", *varied] if rows and c not in rows[0]]
        if missing:
            raise KeyError(f"no column {missing[0]}")
    if not rows:
        print(f"myelin plot: error: no run of the batch in '{d}' succeeded", file=sys.stderr)
        return 1
    # x: the first varied parameter with numeric values (else the run id); a second one
    # with several values gives one line per value.
    numeric = [c for c in varied if all(np.isfinite(_number(r[c])) for r in rows)]
    xname = numeric[0] if numeric else "id"
    x = np.array([_number(r[xname]) for r in rows])
    group = next((c for c in numeric[1:] if len({r[c] for r in rows}) > 1
                  and any(r[c] != r[xname] for r in rows)), None)
    kinds = [("rate_", "_Hz", "rate [Hz]"), ("isi_cv_", "", "ISI CV"),
             ("fano_", "", f"Fano factor"), ("sync_chi_", "", "synchrony chi")]
    cols = list(rows[0])
    panels = []
    for prefix, suffix, label in kinds:
        names = [c for c in cols if c.startswith(prefix) and c.endswith(suffix)
                 and any(r[c] != "" for r in rows)]
        if names:
            panels.append((label, [(c[len(prefix):len(c) - len(suffix)], c) for c in names]))
    dip = [c for c in ("agg_smooth_min_nAm", "agg_smooth_max_nAm") if c in cols]
    if dip:
        panels.append(("smoothed dipole extrema [nAm]", [(c[11:14], c) for c in dip]))
    if not panels:
        print(f"myelin plot: error: the batch in '{d}' kept no summaries (\"keep\": "
              "\"nothing\")", file=sys.stderr)
        return 1
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.6 * len(panels)), sharex=True,
                             squeeze=False)
    positive = np.all(x > 0) and x.max() / x.min() > 50
    groups = sorted({r[group] for r in rows}, key=_number) if group else [None]
    for ax, (label, series) in zip(axes[:, 0], panels):
        for k, (name, c) in enumerate(series):
            for gi, g in enumerate(groups):
                sel = [i for i, r in enumerate(rows) if g is None or r[group] == g]
                y = np.array([_number(rows[i][c]) for i in sel])
                order = np.argsort(x[sel], kind="stable")
                tag = name if g is None else f"{name}, {group}={g}"
                ax.plot(x[sel][order], y[order], "o-", ms=3, lw=1, color=f"C{k}",
                        alpha=1.0 if len(groups) == 1 else 0.3 + 0.7 * gi / (len(groups) - 1),
                        label=tag if len(groups) <= 4 or gi in (0, len(groups) - 1) else None)
        ax.set_ylabel(label)
        if positive:
            ax.set_xscale("log")
        ax.legend(fontsize=7, loc="best")
    axes[-1, 0].set_xlabel(xname)
    axes[0, 0].set_title(f"{len(rows)} runs" + (f" (one line per {group})" if group else ""))
    fig.tight_layout()
    _save(fig, os.path.join(d, "summaries.png"))
    written = ["summaries.png"]
    runs = os.path.join(d, "runs")
    files = [(r, os.path.join(runs, f"{int(r['id']):03d}", "dipole_smooth.csv")) for r in rows]
    files = [(r, p) for r, p in files if os.path.exists(p)]
    if not files and os.path.isdir(runs):  # ids of more than 3 digits
        width = len(sorted(os.listdir(runs))[0]) if os.listdir(runs) else 3
        files = [(r, os.path.join(runs, f"{int(r['id']):0{width}d}", "dipole_smooth.csv"))
                 for r in rows]
        files = [(r, p) for r, p in files if os.path.exists(p)]
    if files:
        fig, ax = plt.subplots(figsize=(10, 5))
        xs = np.array([_number(r[xname]) for r, _ in files])
        lo, hi = np.nanmin(xs), np.nanmax(xs)
        if lo > 0 and hi / lo > 50:  # a logspace: colours by decade
            xs, lo, hi = np.log10(xs), np.log10(lo), np.log10(hi)
        for (r, p), xv in zip(files, xs):
            with reading(p):
                sm = np.genfromtxt(p, delimiter=",", names=True)
                t, agg = sm[sm.dtype.names[0]], sm["agg"]
            shade = 0.5 if hi == lo else (xv - lo) / (hi - lo)
            ax.plot(t, agg, color=plt.cm.viridis(shade), lw=0.8)
        ax.set_xlabel("time [ms]")
        ax.set_ylabel("aggregate dipole [nAm], smoothed 30 ms, x3000")
        ax.set_title(f"{len(files)} runs, colour: {xname} (dark: lowest, light: highest)")
        fig.tight_layout()
        _save(fig, os.path.join(d, "dipoles.png"))
        written.append("dipoles.png")
    print(f"wrote {', '.join(written)} in {d}")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: myelin plot DIR", file=sys.stderr)
        return 2
    try:
        return plot(argv[0])
    except PlotError as e:
        print(f"myelin plot: error: {e}", file=sys.stderr)
        return 1


def plot(d):
    """The plots of run or batch directory `d`; PlotError for a file it cannot use."""
    if os.path.exists(os.path.join(d, "batch.json")):
        return plot_batch(d)
    spikes_file = os.path.join(d, "spikes.h5")
    if not os.path.isdir(d) or not os.path.exists(spikes_file):
        print(f"myelin plot: error: no run outputs in '{d}' (spikes.h5 missing)", file=sys.stderr)
        return 1
    summary = {}
    summary_file = os.path.join(d, "summary.json")
    if os.path.exists(summary_file):
        with reading(summary_file), open(summary_file) as f:
            summary = json.load(f)
            sizes = {k: v["size"] for k, v in summary.get("populations", {}).items()}
    else:
        sizes = {}
    spikes = load_spikes(spikes_file)
    tstop = summary.get("tstop_ms") or max([t.max() for t, _ in spikes.values() if len(t)] + [1.0])
    written = []

    fig, ax = plt.subplots(figsize=(10, 5))
    raster(ax, spikes, sizes, tstop)
    fig.tight_layout()
    _save(fig, os.path.join(d, "raster.png"))
    written.append("raster.png")

    fig, ax = plt.subplots(figsize=(10, 3.5))
    bins = np.arange(0.0, tstop + 5.0, 5.0)
    for k, (name, (t, _)) in enumerate(spikes.items()):
        counts, edges = np.histogram(t, bins=bins)
        n = sizes.get(name, 1)
        ax.plot(edges[:-1], counts / n / 0.005, color=f"C{k}", label=name, lw=1)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("rate [Hz per cell]")
    ax.set_xlim(0, tstop)
    ax.legend(loc="upper right")
    ax.set_title("population rates (5 ms bins)")
    fig.tight_layout()
    _save(fig, os.path.join(d, "rates.png"))
    written.append("rates.png")

    traces_file = os.path.join(d, "traces.h5")
    if os.path.exists(traces_file):
        with reading(traces_file), h5py.File(traces_file, "r") as f:
            panels = [(pop, var, g) for pop in f for var, g in f[pop].items()]
            if panels:
                fig, axes = plt.subplots(len(panels), 1, figsize=(10, 2.4 * len(panels)),
                                         sharex=True, squeeze=False)
                for ax, (pop, var, g) in zip(axes[:, 0], panels):
                    data, time, ids = g["data"][:], g["time"][:], g["node_ids"][:]
                    unit = g["data"].attrs.get("units", b"")
                    unit = unit.decode() if isinstance(unit, bytes) else str(unit)
                    for c in range(min(10, data.shape[1])):
                        ax.plot(time, data[:, c], lw=0.8, label=f"{pop}[{ids[c]}]")
                    ax.set_ylabel(f"{pop} {var} [{unit}]")
                axes[-1, 0].set_xlabel("time [ms]")
                fig.tight_layout()
                _save(fig, os.path.join(d, "traces.png"))
                written.append("traces.png")

    dipole_file = os.path.join(d, "dipole.csv")
    if os.path.exists(dipole_file):
        # HNN's view when present: smoothed (30 ms Hamming) and scaled (x3000); the raw
        # aggregate underneath, scaled alike, in grey.
        smooth_file = os.path.join(d, "dipole_smooth.csv")
        with reading(dipole_file):
            dip = np.genfromtxt(dipole_file, delimiter=",", names=True)
            if not dip.dtype.names or dip.ndim != 1:
                raise ValueError("expected a header line and rows of numbers")
        fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True,
                                     gridspec_kw={"height_ratios": [1, 1.4]})
        t_name = dip.dtype.names[0]
        if os.path.exists(smooth_file):
            with reading(smooth_file):
                sm = np.genfromtxt(smooth_file, delimiter=",", names=True)
                if not sm.dtype.names or sm.ndim != 1:
                    raise ValueError("expected a header line and rows of numbers")
            if "agg" in dip.dtype.names:
                a1.plot(dip[t_name], 3000 * dip["agg"], color="0.75", lw=0.6, label="agg (raw x3000)")
            for k, col in enumerate(sm.dtype.names[1:]):
                a1.plot(sm[t_name], sm[col], color="k" if col == "agg" else f"C{k}", label=col)
            a1.set_ylabel("dipole [nAm], smoothed 30 ms, x3000")
        else:
            for col in dip.dtype.names[1:]:
                a1.plot(dip[t_name], dip[col], label=col)
            a1.set_ylabel("dipole [nAm]")
        a1.axhline(0, color="0.5", lw=0.5)
        a1.legend(loc="upper left")
        raster(a2, spikes, sizes, tstop)
        fig.tight_layout()
        _save(fig, os.path.join(d, "dipole.png"))
        written.append("dipole.png")

    arrays = sorted(f for f in os.listdir(d)
                    if f.startswith("extracellular_") and f.endswith(".csv"))
    if arrays:
        # One panel per electrode array, its contacts stacked (HNN-core's laminar view):
        # each trace offset by the array's largest peak-to-peak, contact 0 on top.
        fig, axes = plt.subplots(len(arrays), 1, figsize=(10, 1 + 4 * len(arrays)),
                                 sharex=True, squeeze=False)
        for ax, name in zip(axes[:, 0], arrays):
            path = os.path.join(d, name)
            with reading(path):
                v = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
                if v.shape[1] < 2:
                    raise ValueError("expected t_ms and at least one electrode column")
            t, data = v[:, 0], v[:, 1:]
            step = max(np.ptp(data, axis=0).max(), 1e-12)
            for e in range(data.shape[1]):
                ax.plot(t, data[:, e] - e * step, lw=0.8, color=f"C{e % 10}")
            ax.set_yticks([-e * step for e in range(data.shape[1])])
            ax.set_yticklabels([f"e{e}" for e in range(data.shape[1])])
            ax.set_title(f"{name[len('extracellular_'):-4]}: potential per contact "
                         f"(offset {step:.3g} uV)")
        axes[-1, 0].set_xlabel("time [ms]")
        fig.tight_layout()
        _save(fig, os.path.join(d, "extracellular.png"))
        written.append("extracellular.png")

    print(f"wrote {', '.join(written)} in {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

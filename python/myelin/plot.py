#!/usr/bin/python3
"""Plots of a myelin run directory: raster.png, rates.png, traces.png (and dipole.png
when the run wrote dipole.csv).

    /usr/bin/python3 -m myelin.plot DIR      (or: myelin plot DIR)
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

MAX_RASTER_POINTS = 200_000


def _save(fig, path):
    """Atomic: a reader never sees a half-written PNG."""
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def load_spikes(path):
    """{population: (times [ms], node_ids)} in file order."""
    out = {}
    with h5py.File(path, "r") as f:
        for name, g in f["spikes"].items():
            out[name] = (g["timestamps"][:], g["node_ids"][:])
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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: myelin plot DIR", file=sys.stderr)
        return 2
    d = argv[0]
    spikes_file = os.path.join(d, "spikes.h5")
    if not os.path.isdir(d) or not os.path.exists(spikes_file):
        print(f"myelin plot: error: no run outputs in '{d}' (spikes.h5 missing)", file=sys.stderr)
        return 1
    summary = {}
    if os.path.exists(os.path.join(d, "summary.json")):
        with open(os.path.join(d, "summary.json")) as f:
            summary = json.load(f)
    sizes = {k: v["size"] for k, v in summary.get("populations", {}).items()}
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
        with h5py.File(traces_file, "r") as f:
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
        dip = np.genfromtxt(dipole_file, delimiter=",", names=True)
        fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True,
                                     gridspec_kw={"height_ratios": [1, 1.4]})
        t_name = dip.dtype.names[0]
        if os.path.exists(smooth_file):
            sm = np.genfromtxt(smooth_file, delimiter=",", names=True)
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

    print(f"wrote {', '.join(written)} in {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

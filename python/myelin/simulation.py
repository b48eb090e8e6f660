"""myelin.Simulation: the engine's simulation (myelin._core.Simulation) with a
Pythonic surface: a model from a dict, a str or a file path, runs with an optional
progress bar, and results as NumPy arrays."""

import json
import os
import sys
import time as _time

from myelin import _core


def load_model(path):
    """Reads a JSON model file (docs/model-file.md) and returns it as a dict, to change
    in Python before passing it to Simulation."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _model_argument(model):
    if isinstance(model, dict):
        return model
    if isinstance(model, (str, os.PathLike)):
        text = os.fspath(model)
        if text.lstrip().startswith("{"):
            return text
        return load_model(text)
    raise TypeError("model must be a dict, a JSON str or the path of a model file, got "
                    + type(model).__name__)


class Simulation:
    """A built network, run in segments.

    Simulation(model, threads=0, arrays=None, max_record_memory=0.0)

    model: a dict (as load_model returns), a JSON str, or the path of a model file.
    threads: worker threads (0: every core). Results do not depend on it.
    arrays: connections of FromArrays projections, {label: {"pre": ints, "post": ints,
        "weight": floats or float, "delay": floats or float}} (indices within the
        projection's pre and post selections; weights in nA, uS or mV; delays in ms).
    max_record_memory: bytes the recorders may use (0: half the physical memory).

    Every method of myelin._core.Simulation is available (help(myelin._core.Simulation)):
    spikes, traces, connections, spike_counts, summary, write_outputs, set_population_param,
    set_state, set_spike_times, set_stimulus_param, set_stimulus_steps,
    set_connection_param, set_recording; and the properties time, dt, threads, ranks,
    rank, min_delay, max_delay.
    """

    def __init__(self, model, threads=0, arrays=None, max_record_memory=0.0):
        self._sim = _core.Simulation(_model_argument(model), threads=threads, arrays=arrays,
                                     max_record_memory=max_record_memory)

    def run(self, duration_ms, progress=False):
        """Advances by duration_ms [ms]. With progress=True (or a file), a progress bar
        is drawn on stderr (or that file): the run is split into about 100 segments,
        which gives the same results as one (docs/user-guide.md, "Run segments")."""
        if not progress:
            self._sim.run(duration_ms)
            return
        out = sys.stderr if progress is True else progress
        dt = self._sim.dt
        steps = int(round(duration_ms / dt))
        chunk = max(1, steps // 100)
        done = 0
        start = _time.monotonic()
        while done < steps:
            n = min(chunk, steps - done)
            self._sim.run(n * dt)
            done += n
            frac = done / steps
            bar = "#" * int(40 * frac)
            out.write(f"\r[{bar:<40}] {100 * frac:5.1f}%  t = {self._sim.time:.1f} ms  "
                      f"{_time.monotonic() - start:.1f} s")
            out.flush()
        out.write("\n")

    def run_until(self, t_ms, progress=False):
        """Advances to time t_ms [ms]."""
        self.run(t_ms - self._sim.time, progress=progress)

    def __getattr__(self, name):
        return getattr(self._sim, name)

    def __dir__(self):
        return sorted(set(dir(type(self))) | set(dir(self._sim)))

    def spike_trains(self, population):
        """The spikes of a population as a list with one float64 array of times [ms] per
        cell (cells without spikes get an empty array)."""
        import numpy as np
        ids, times = self._sim.spikes(population)
        size = next(p["size"] for p in self._sim.summary() if p["label"] == population)
        order = np.argsort(ids, kind="stable")
        bounds = np.searchsorted(ids[order], np.arange(size + 1))
        return [times[order[bounds[k]:bounds[k + 1]]] for k in range(size)]

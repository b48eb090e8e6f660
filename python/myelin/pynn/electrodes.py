"""Current sources of the myelin PyNN backend.

A source keeps its native parameters and the cells it was injected into; at
build time it becomes one engine stimulus per target population (same names and
units as PyNN). Changes between runs go through ``set_stimulus_param`` /
``set_stimulus_steps``. The recorded current of the deterministic sources is
their waveform sampled at every time step, as the engine applies it (on during
the steps that start in [start, stop)).
"""

import math

import numpy as np
from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import StandardCurrentSource, build_translations, electrodes

from . import simulator
from .projections import base_cells


class MyelinCurrentSource(StandardCurrentSource):
    """Base class: a PyNN current source held as a description for the engine."""

    def __init__(self, **parameters):
        object.__setattr__(self, "_native", {})
        object.__setattr__(self, "_targets", {})  # base population -> set of indices
        object.__setattr__(self, "_recording", False)
        object.__setattr__(self, "_label", "s%d" % len(simulator.state.current_sources))
        parameter_space = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        parameter_space.update(**parameters)
        parameter_space = self.translate(parameter_space)
        self.set_native_parameters(parameter_space)
        simulator.state.current_sources.append(self)

    # --- parameters -----------------------------------------------------------
    def _check_step_times(self, times, amplitudes, resolution):
        times = np.asarray(times, dtype=float)
        amplitudes = np.asarray(amplitudes, dtype=float)
        if times.size != amplitudes.size:
            raise ValueError("StepCurrentSource: times and amplitudes must have the same length")
        if not (times >= 0.0).all():
            raise ValueError("Step current cannot accept negative timestamps.")
        if not (np.diff(times) > 0.0).all():
            raise ValueError("Step current timestamps should be monotonically increasing.")
        times = self._round_timestamp(times, resolution)
        keep = np.append(np.diff(times) != 0, True)  # the last of equal rounded times wins
        return times[keep], amplitudes[keep]

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        values = {}
        for name, value in parameters.items():
            if isinstance(value, Sequence):
                value = value.value
            values[name] = value
        if "amplitudes" in values or "times" in values:
            times = values.get("times", self._native.get("times", np.zeros(0)))
            amplitudes = values.get("amplitudes", self._native.get("amplitudes", np.zeros(0)))
            times, amplitudes = self._check_step_times(times, amplitudes, simulator.state.dt)
            values["times"], values["amplitudes"] = times, amplitudes
        self._native.update(values)
        for name, value in values.items():  # source.times etc. read native values directly
            object.__setattr__(self, name, value)
        sim = simulator.state.sim
        if sim is None or not self._targets:
            return
        for label in self._engine_labels():
            if "times" in values:
                sim.set_stimulus_steps(label, self._native["times"], self._native["amplitudes"])
            for name, value in values.items():
                if name not in ("times", "amplitudes"):
                    sim.set_stimulus_param(label, name, float(value))

    def get_native_parameters(self):
        return ParameterSpace({name: (Sequence(v) if name in ("times", "amplitudes") else v)
                               for name, v in self._native.items()},
                              shape=(1,))

    def _reset(self):
        pass

    # --- targets ----------------------------------------------------------------
    def inject_into(self, cells):
        """Inject this current into a Population, PopulationView, Assembly or list of IDs
        (local, injectable cells only)."""
        if isinstance(cells, (list, tuple)) or (isinstance(cells, np.ndarray)):
            groups = {}
            for cell in cells:
                groups.setdefault(id(cell.parent), (cell.parent, []))[1].append(
                    int(cell.parent.id_to_index(cell)))
            items = [(pop, np.array(idx)) for pop, idx in groups.values()]
        else:
            pops, which, index = base_cells(cells)
            items = [(pop, index[which == k]) for k, pop in enumerate(pops)]
        for pop, index in items:
            if not pop.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
            local = index[pop._mask_local[index]]
            self._targets.setdefault(pop, set()).update(int(i) for i in local)
        simulator.state.network_changed()

    def _engine_labels(self):
        return ["%s_%s" % (self._label, pop._engine_label) for pop in self._targets]

    def engine_stimuli(self):
        """Engine stimulus descriptions, one per target population."""
        result = []
        for pop, label in zip(self._targets, self._engine_labels()):
            entry = {"label": label, "type": self.__class__.__name__,
                     "target": {"population": pop._engine_label,
                                "indices": sorted(self._targets[pop])}}
            for name, value in self._native.items():
                entry[name] = (np.asarray(value, dtype=float).tolist()
                               if name in ("times", "amplitudes") else float(value))
            result.append(entry)
        return result

    # --- recording ----------------------------------------------------------------
    def record(self):
        object.__setattr__(self, "_recording", True)

    def _get_data(self):
        dt = simulator.state.dt
        t = np.arange(int(round(simulator.state.t / dt)) + 1) * dt
        return t, self._waveform(t)


class DCSource(MyelinCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"),
                                      ("stop", "stop"))

    def _waveform(self, t):
        p = self._native
        on = (t >= p["start"] - 1e-9) & (t < p["stop"] - 1e-9)
        return np.where(on, p["amplitude"], 0.0)


class ACSource(MyelinCurrentSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = build_translations(
        ("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"),
        ("frequency", "frequency"), ("offset", "offset"), ("phase", "phase"))

    def _waveform(self, t):
        p = self._native
        on = (t >= p["start"] - 1e-9) & (t < p["stop"] - 1e-9)
        value = p["offset"] + p["amplitude"] * np.sin(
            2 * np.pi * p["frequency"] * (t - p["start"]) / 1000.0 + np.deg2rad(p["phase"]))
        return np.where(on, value, 0.0)


class StepCurrentSource(MyelinCurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def _waveform(self, t):
        times = np.asarray(self._native["times"], dtype=float)
        amplitudes = np.asarray(self._native["amplitudes"], dtype=float)
        k = np.searchsorted(times, t + 1e-9, side="right") - 1
        return np.where(k >= 0, amplitudes[np.maximum(k, 0)] if amplitudes.size else 0.0, 0.0)


class NoisyCurrentSource(MyelinCurrentSource, electrodes.NoisyCurrentSource):
    """Gaussian noise current: ``mean + stdev * N(0, 1)``, a new value every ``dt``.

    Not recorded, the engine draws the noise (independently for every target cell,
    from its counter-based streams). Recorded (``record()`` before the first run),
    the noise is drawn here once, as pyNN.neuron does, and injected into every target
    as a step current, so that ``get_data()`` returns exactly the injected current.
    """
    translations = build_translations(
        ("mean", "mean"), ("start", "start"), ("stop", "stop"), ("stdev", "stdev"),
        ("dt", "dt"))
    MAX_STEPS = 10_000_000

    def record(self):
        simulator.state.network_changed()  # becomes a step current: rebuild
        MyelinCurrentSource.record(self)

    def _steps(self):
        """(times, amplitudes) of the noise drawn here, from the source's own stream."""
        p = self._native
        interval = max(float(p["dt"]), simulator.state.dt)
        n = int(math.ceil((p["stop"] - p["start"]) / interval - 1e-9))
        if n > self.MAX_STEPS:
            raise ValueError("NoisyCurrentSource: recording it needs a finite stop (at most %d "
                             "values of dt = %g ms), got start %g, stop %g"
                             % (self.MAX_STEPS, interval, p["start"], p["stop"]))
        rng = np.random.default_rng([simulator.state.seed, int(self._label[1:])])
        times = p["start"] + interval * np.arange(n + 1)
        times[-1] = p["stop"]
        amplitudes = np.append(p["mean"] + p["stdev"] * rng.standard_normal(n), 0.0)
        return self._check_step_times(times, amplitudes, simulator.state.dt)

    def engine_stimuli(self):
        result = MyelinCurrentSource.engine_stimuli(self)
        if not self._recording:
            return result
        times, amplitudes = self._steps()
        for entry in result:
            for name in ("mean", "stdev", "dt", "start", "stop"):
                entry.pop(name)
            entry.update(type="StepCurrentSource", times=times.tolist(),
                         amplitudes=amplitudes.tolist())
        return result

    def set_native_parameters(self, parameters):
        if not self._recording or simulator.state.sim is None:
            return MyelinCurrentSource.set_native_parameters(self, parameters)
        parameters.evaluate(simplify=True)
        self._native.update(dict(parameters.items()))
        times, amplitudes = self._steps()
        for label in self._engine_labels():
            simulator.state.sim.set_stimulus_steps(label, times, amplitudes)

    def _waveform(self, t):
        times, amplitudes = self._steps()
        k = np.searchsorted(times, t + 1e-9, side="right") - 1
        return np.where(k >= 0, amplitudes[np.maximum(k, 0)], 0.0)


__all__ = ["DCSource", "ACSource", "StepCurrentSource", "NoisyCurrentSource"]

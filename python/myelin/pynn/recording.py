"""Recorder of the myelin PyNN backend: engine recorders per (population, variable).

PyNN's common Recorder keeps the sets of recorded cells; at build time each
recorded variable of a population becomes one engine recorder over the recorded
cells. Data come back from the engine as NumPy arrays and are cut to the part
recorded since the last ``clear``.
"""

import numpy as np
from pyNN import recording

from . import simulator


def engine_recorder_label(population, variable):
    return "%s_%s" % (population._engine_label, variable)


def engine_recorders(population):
    """Engine recorder descriptions for what `population`'s recorder records."""
    recorder = population.recorder
    result = []
    for variable in sorted(recorder.recorded):
        ids = recorder.recorded[variable]
        if not ids:
            continue
        indices = sorted(int(population.id_to_index(i)) for i in ids)
        entry = {"label": engine_recorder_label(population, variable),
                 "target": {"population": population._engine_label, "indices": indices},
                 "variables": [variable]}
        if variable != "spikes":
            entry["interval"] = float(recorder.sampling_interval)
        result.append(entry)
    return result


def _traces(sim):
    """sim.traces() (every recorder's arrays, gathered) once per simulation and time:
    get_data asks for each population and variable in turn."""
    state = simulator.state
    if getattr(state, "_traces_of", None) is not sim or state._traces_time != sim.time:
        state._traces_of, state._traces_time, state._traces = sim, sim.time, sim.traces()
    return state._traces


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        recording.Recorder.__init__(self, population, file)
        self._cleared_at = (None, 0.0)

    def _start_time(self, sim):
        """Data before this time [ms] were cleared by get_data(clear=True)."""
        cleared_sim, t = self._cleared_at
        return t if cleared_sim is sim else 0.0

    def _record(self, variable, new_ids, sampling_interval=None):
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval
        if new_ids:
            simulator.state.recording_changed()

    def _index_of(self, ids):
        return np.asarray(self.population.id_to_index(np.asarray(ids, dtype=int)),
                          dtype=np.int64)

    def _spikes(self, ids):
        """(cell indices, times) of the recorded spikes of cells `ids` since the last
        clear, sorted by time then index."""
        sim = simulator.state.sim
        ids = np.fromiter((int(i) for i in ids), dtype=np.int64)
        if sim is None or ids.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        index, times = sim.spikes(self.population._engine_label)
        keep = np.isin(index, self._index_of(ids))
        index, times = index[keep], np.array(times[keep], dtype=float)
        if "spike_times" in self.population._parameters:
            times = self._given_spike_times(index, times)
        start = self._start_time(sim)
        keep = times > start if start > 0 else times >= 0
        return index[keep], times[keep]

    def _get_spiketimes(self, ids, clear=False):
        """{cell ID: spike times}: PyNN then makes one SpikeTrain per cell annotated with
        its source_index (as pyNN.neuron does); the trains are cut from the engine's
        arrays with one stable sort by cell."""
        index, times = self._spikes(ids)
        order = np.argsort(index, kind="stable")
        index, times = index[order], times[order]
        cells, starts = np.unique(index, return_index=True)
        all_cells = self.population.all_cells
        return {int(all_cells[c]): part
                for c, part in zip(cells.tolist(), np.split(times, starts[1:]))}

    def _given_spike_times(self, index, times):
        """SpikeSourceArray: the engine emits a spike at time T in the step ending at T
        rounded to the grid (Population._note_spike_times); report the T the user gave, as
        PyNN does."""
        dt = simulator.state.dt
        out = times.copy()
        history = self.population._spike_time_history
        for cell in np.unique(index):
            parts = history.get(int(cell), [])
            if not parts:
                continue
            given = np.concatenate([g for g, _ in parts])
            steps = np.concatenate([k for _, k in parts])
            pairs = np.unique(np.column_stack([steps, given])[steps > 0], axis=0)
            if pairs.size == 0:
                continue
            grid, given = pairs[:, 0] * dt, pairs[:, 1]  # sorted by step, then time
            where = np.nonzero(index == cell)[0]
            k = np.searchsorted(grid, times[where] - 0.5 * dt)
            k = np.minimum(k, grid.size - 1)
            # repeated grid times: the n-th spike at one grid time is the n-th given time
            for j in range(1, k.size):
                if times[where[j]] == times[where[j - 1]] and k[j - 1] + 1 < grid.size and \
                        abs(grid[k[j - 1] + 1] - times[where[j]]) < 0.5 * dt:
                    k[j] = k[j - 1] + 1
            match = np.abs(grid[k] - times[where]) < 0.5 * dt
            out[where[match]] = given[k[match]]
        return out

    def _get_all_signals(self, variable, ids, clear=False):
        sim = simulator.state.sim
        ids = list(ids)
        if sim is None or not ids:
            return np.zeros((0, len(ids))), None
        for trace in _traces(sim):
            if (trace["population"] == self.population._engine_label
                    and trace["variable"] == variable):
                break
        else:
            return np.zeros((0, len(ids))), None
        columns = {int(c): k for k, c in enumerate(trace["ids"])}
        wanted = np.fromiter((columns[int(i)] for i in self._index_of(ids)), dtype=np.intp,
                             count=len(ids))
        values = trace["values"]
        first = int(np.searchsorted(trace["times"], self._start_time(sim) - 1e-9))
        if wanted.size == values.shape[1] and np.array_equal(wanted, np.arange(wanted.size)):
            return values[first:].copy(), None  # every column, in order: one copy
        return np.take(values[first:], wanted, axis=1), None

    def _local_count(self, variable, filter_ids=None):
        ids = self.filter_recorded(variable, filter_ids)
        counts = {int(i): 0 for i in ids}
        index, _ = self._spikes(ids)
        found, n = np.unique(index, return_counts=True)
        all_cells = self.population.all_cells
        for i, c in zip(found.tolist(), n.tolist()):
            counts[int(all_cells[i])] = c
        return counts

    def _clear_simulator(self):
        self._cleared_at = (simulator.state.sim, simulator.state.t)

    def _reset(self):
        simulator.state.recording_changed()

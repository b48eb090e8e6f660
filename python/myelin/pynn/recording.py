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

    def _get_spiketimes(self, ids, clear=False):
        sim = simulator.state.sim
        ids = np.asarray(sorted(int(i) for i in ids), dtype=np.int64)
        if sim is None or ids.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        index, times = sim.spikes(self.population._engine_label)
        keep = np.isin(index, self._index_of(ids)) & (times >= self._start_time(sim))
        return self.population.all_cells[index[keep]].astype(np.int64), times[keep].copy()

    def _get_all_signals(self, variable, ids, clear=False):
        sim = simulator.state.sim
        ids = list(ids)
        if sim is None or not ids:
            return np.zeros((0, len(ids))), None
        label = engine_recorder_label(self.population, variable)
        for trace in sim.traces():
            if trace.get("recorder", trace.get("label")) == label or (
                    trace["population"] == self.population._engine_label
                    and trace["variable"] == variable):
                break
        else:
            return np.zeros((0, len(ids))), None
        columns = {int(c): k for k, c in enumerate(trace["ids"])}
        wanted = [columns[int(i)] for i in self._index_of(ids)]
        rows = trace["times"] >= self._start_time(sim) - 1e-9
        return trace["values"][rows][:, wanted], None

    def _local_count(self, variable, filter_ids=None):
        ids = self.filter_recorded(variable, filter_ids)
        counts = {int(i): 0 for i in ids}
        spike_ids, _ = self._get_spiketimes(ids)
        found, n = np.unique(spike_ids, return_counts=True)
        for i, c in zip(found, n):
            counts[int(i)] = int(c)
        return counts

    def _clear_simulator(self):
        self._cleared_at = (simulator.state.sim, simulator.state.t)

    def _reset(self):
        simulator.state.recording_changed()

"""Population, PopulationView and Assembly of the myelin PyNN backend.

A population keeps one array per native parameter (one value per cell) and
PyNN's initial values; the engine gets them when the simulation is built, and
changes made after that are forwarded to it at once.
"""

import numpy as np
from pyNN import common, errors
from pyNN.parameters import ParameterSpace, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator
from .cells import engine_values
from .recording import Recorder


def _evaluate(parameter_space, mask=None):
    """Evaluate lazily given values, turning bad types into PyNN's error."""
    try:
        parameter_space.evaluate(simplify=False, mask=mask)
    except (TypeError, ValueError) as err:
        raise errors.InvalidParameterValueError(str(err)) from err


def _as_engine_value(values):
    """A parameter array as the engine takes it: a float or one float per cell."""
    values = np.asarray(values, dtype=float)
    if values.size and np.all(values == values.flat[0]):
        return float(values.flat[0])
    return values


def _check_spike_times(values):
    """SpikeSourceArray: every cell's spike times must be in increasing order."""
    for seq in np.atleast_1d(values):
        times = np.asarray(getattr(seq, "value", seq), dtype=float)
        if times.size > 1 and np.any(np.diff(times) < 0):
            raise errors.InvalidParameterValueError(
                "spike_times must be in increasing order, got %s" % times)


class Assembly(common.Assembly):
    _simulator = simulator

    @property
    def local_size(self):
        """Cells of the assembly on this process, as Population and PopulationView have:
        PyNN 0.10.1's connectors divide by post.local_size to report progress to a
        callback, and pyNN.common.Assembly lacks it (PyNN's VAbenchmarks.py
        --use-assembly fails on every backend without it)."""
        return sum(p.local_size for p in self.populations)


class PopulationView(common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        """A ParameterSpace of native parameters of the cells of this view."""
        parent = self.grandparent
        index = self.index_in_grandparent(np.arange(self.size))
        values = {name: simplify(parent._parameters[name][index]) for name in names}
        return ParameterSpace(values, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parent = self.grandparent
        index = self.index_in_grandparent(np.arange(self.size))
        _evaluate(parameter_space)
        for name, value in parameter_space.items():
            parent._store_parameter(name, index, value)

    def _set_initial_value_array(self, variable, initial_values):
        parent = self.grandparent
        index = self.index_in_grandparent(np.arange(self.size))
        values = initial_values.evaluate(simplify=False)
        parent._store_initial(variable, index, values)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        state = simulator.state
        state.network_changed()
        first = state.id_counter
        self.all_cells = np.array([simulator.ID(i) for i in range(first, first + self.size)],
                                  dtype=simulator.ID)
        # PyNN's local cells: all of them (the engine distributes cells over MPI ranks
        # itself), except under PyNN's fake MPI (setup(rank=..., num_processes=...))
        self._mask_local = (np.arange(first, first + self.size) % state.num_processes
                            == state.mpi_rank % state.num_processes)
        if isinstance(self.celltype, StandardCellType):
            parameter_space = self.celltype.native_parameters
        else:
            parameter_space = self.celltype.parameter_space
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(mask=self._mask_local, simplify=False)
        self._parameters = {}
        for name, value in parameter_space.items():
            dtype = object if np.asarray(value).dtype == object else float
            full = np.empty(self.size, dtype=dtype)
            if dtype is float:
                full[:] = np.nan
            full[self._mask_local] = value
            if name == "spike_times":
                _check_spike_times(value)
            self._parameters[name] = full
        self._initial = {}
        self._spike_time_history = {}
        if "spike_times" in self._parameters:
            self._note_spike_times(np.arange(self.size))
        for cell in self.all_cells:
            cell.parent = self
        state.id_counter += self.size
        self._engine_label = "p%d" % len(state.populations)
        state.populations.append(self)

    # --- storage shared with views --------------------------------------------
    def _store_parameter(self, name, index, value):
        """Set native parameter `name` of the cells at `index`; forward to the engine."""
        if name not in self._parameters:
            raise errors.NonExistentParameterError(name, self.celltype.__class__.__name__,
                                                   self.celltype.get_parameter_names())
        if self._parameters[name].dtype == object:
            if name == "spike_times":
                _check_spike_times(value)
            else:
                engine_values(self.celltype, name, value)  # checks the number of elements
            values = np.empty(len(np.atleast_1d(index)), dtype=object)
            values[:] = list(value) if np.ndim(value) else [value] * values.size
            self._parameters[name][index] = values
            if name == "spike_times":
                self._note_spike_times(np.atleast_1d(np.arange(self.size)[index]))
        else:
            try:
                self._parameters[name][index] = value
            except (TypeError, ValueError) as err:
                raise errors.InvalidParameterValueError(
                    "%s: %s (got %r)" % (name, err, value)) from err
        sim = simulator.state.sim
        if sim is None:
            return
        if name == "spike_times":
            sim.set_spike_times(self._engine_label,
                                [np.asarray(s.value, dtype=float) for s in
                                 self._parameters["spike_times"]])
        else:
            columns = engine_values(self.celltype, name, self._parameters[name])
            try:
                for engine_name, column in columns.items():
                    sim.set_population_param(self._engine_label, engine_name,
                                             _as_engine_value(column))
            except ValueError as exc:
                raise errors.InvalidParameterValueError(str(exc)) from exc

    def _note_spike_times(self, cells):
        """Remember every spike time given to these cells with the step the engine emits it
        in (recording reports the given times): a time T given at time t is emitted in the
        step ending at max(t + dt, T rounded to the grid), or never if it rounds to before t
        (SpikeSourceArray in src/cells/sources.cpp)."""
        sim = simulator.state.sim
        dt = simulator.state.dt
        now = int(round(sim.time / dt)) if sim is not None else 0
        for c in cells:
            seq = self._parameters["spike_times"][c]
            if seq is not None:
                given = np.asarray(getattr(seq, "value", seq), dtype=float)
                k = np.floor(given / dt + 0.5).astype(np.int64)
                steps = np.where(k >= now, np.maximum(now + 1, k), -1)
                self._spike_time_history.setdefault(int(c), []).append((given, steps))

    def _engine_built(self):
        """A new engine simulation starts at t = 0 with the current spike times."""
        if "spike_times" in self._parameters:
            self._spike_time_history = {}
            self._note_spike_times(np.arange(self.size)[self._mask_local])

    def _store_initial(self, variable, index, values):
        """Initial value of `variable` for the cells at `index`; the engine's state at once."""
        if variable not in self._initial:
            self._initial[variable] = np.full(self.size, np.nan)
        self._initial[variable][index] = values
        sim = simulator.state.sim
        known = getattr(self.celltype, "engine_initial", None)
        if known is not None and variable not in known:
            return  # PyNN's but not the engine's (GIF_cond_exp's v_t, i_eta: docs/pynn.md)
        if sim is not None and simulator.state.t == 0:
            sim.set_state(self._engine_label, variable, self._initial_array(variable))

    def _initial_array(self, variable):
        """Initial values of `variable`, one per cell (defaults where not given)."""
        values = self._initial[variable].copy()
        missing = np.isnan(values)
        if missing.any():
            default = self.celltype.default_initial_values.get(variable, 0.0)
            values[missing] = default
        return values

    # --- PyNN hooks -----------------------------------------------------------
    def _get_parameters(self, *names):
        values = {}
        for name in names:
            if name not in self._parameters:
                raise errors.NonExistentParameterError(name, self.celltype.__class__.__name__,
                                                       self.celltype.get_parameter_names())
            values[name] = simplify(self._parameters[name][self._mask_local])
        return ParameterSpace(values, shape=(self.local_size,))

    def _set_parameters(self, parameter_space):
        _evaluate(parameter_space, self._mask_local)
        index = np.arange(self.size)[self._mask_local]
        for name, value in parameter_space.items():
            self._store_parameter(name, index, value)

    def _set_initial_value_array(self, variable, initial_values):
        if isinstance(self.celltype, StandardCellType) and \
                variable not in self.celltype.default_initial_values:
            raise errors.NonExistentParameterError(variable, self.celltype.__class__.__name__,
                                                   list(self.celltype.default_initial_values))
        index = np.arange(self.size)[self._mask_local]
        values = initial_values.evaluate(simplify=False)
        if np.ndim(values) == 0:
            values = np.full(self.size, float(values))
        self._store_initial(variable, index, np.asarray(values, dtype=float)[self._mask_local])

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

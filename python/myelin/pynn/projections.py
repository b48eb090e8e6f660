"""Projection of the myelin PyNN backend.

Connectors call ``_convergent_connect`` once per postsynaptic cell; the
projection collects index and parameter arrays. At build time they become one
engine projection (connector ``FromArrays``) per pair of (pre, post) base
populations; weights and delays changed later go through
``set_connection_param`` and are read back with ``connections()``.
"""

import numpy as np
from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .synapses import StaticSynapse


def base_cells(cells):
    """(base populations, population number per cell, index in that population) of
    a Population, PopulationView or Assembly, in the object's own cell order."""
    if isinstance(cells, common.Assembly):
        parts = [base_cells(p) for p in cells.populations]
        pops, which, index = [], [], []
        for part_pops, part_which, part_index in parts:
            offset = len(pops)
            pops.extend(part_pops)
            which.append(part_which + offset)
            index.append(part_index)
        # merge repeated base populations (two views of one population)
        unique = []
        remap = np.empty(len(pops), dtype=np.int64)
        for i, p in enumerate(pops):
            for j, q in enumerate(unique):
                if q is p:
                    remap[i] = j
                    break
            else:
                remap[i] = len(unique)
                unique.append(p)
        return unique, remap[np.concatenate(which)], np.concatenate(index)
    if hasattr(cells, "parent"):
        return ([cells.grandparent], np.zeros(cells.size, dtype=np.int64),
                np.asarray(cells.index_in_grandparent(np.arange(cells.size)), dtype=np.int64))
    return [cells], np.zeros(cells.size, dtype=np.int64), np.arange(cells.size, dtype=np.int64)


class Connection(common.Connection):
    """One connection of a projection, read from and written to its arrays."""

    def __init__(self, projection, i):
        self.projection = projection
        self.i = i
        self.presynaptic_index = int(projection._pre[i])
        self.postsynaptic_index = int(projection._post[i])

    def __getattr__(self, name):
        if name in ("projection", "i"):
            raise AttributeError(name)
        values = self.projection._attribute(name)
        return values[self.i]

    def as_tuple(self, *names):
        return tuple(getattr(self, name) for name in names)

    def _set_weight(self, w):
        self.projection._set_values("weight", np.array([self.i]), np.array([w]))

    def _get_weight(self):
        return self.projection._attribute("weight")[self.i]

    def _set_delay(self, d):
        self.projection._set_values("delay", np.array([self.i]), np.array([d]))

    def _get_delay(self):
        return self.projection._attribute("delay")[self.i]

    weight = property(_get_weight, _set_weight)
    delay = property(_get_delay, _set_delay)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population,
                 connector, synapse_type=None, source=None, receptor_type=None,
                 space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type,
                                   space, label)
        state = simulator.state
        state.network_changed()
        self._chunks = []
        self._pre = np.zeros(0, dtype=np.int64)
        self._post = np.zeros(0, dtype=np.int64)
        self._values = {name: np.zeros(0) for name in self.synapse_type.get_native_names()}
        self._synapse_initial = {}  # engine name -> value (initialize(), homogeneous)
        self._engine_parts = []
        # Engine weights/delays read at (simulation, time, edits): Connection objects
        # read one value each, which must not cost a read of the whole projection.
        self._engine_cache = {}
        self._edits = 0
        self._frozen = None  # native.py: the native description of connections read
        from . import native
        self._native = native.plan(self, connector)  # None: PyNN's generic path
        if self._native is None:
            connector.connect(self)
        self._engine_label = "j%d" % len(state.projections)
        state.projections.append(self)  # only a projection whose connector succeeded
        if self._native is None:
            self._consolidate()

    # --- collecting connections -------------------------------------------------
    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            **connection_parameters):
        pre = np.asarray(presynaptic_indices, dtype=np.int64).ravel()
        if pre.size == 0:
            return
        params = {}
        for name, value in connection_parameters.items():
            arr = np.asarray(value, dtype=float)
            if arr.ndim == 0:
                arr = np.full(pre.size, float(arr))
            params[name] = arr.ravel()
        self._chunks.append((pre, np.full(pre.size, int(postsynaptic_index), dtype=np.int64),
                             params))

    def _consolidate(self):
        if self._native is not None:  # engine-generated: read its connections once
            from . import native
            native.load(self)
        if not self._chunks:
            return
        pres = [self._pre] + [c[0] for c in self._chunks]
        posts = [self._post] + [c[1] for c in self._chunks]
        names = set(self._values)
        for c in self._chunks:
            names.update(c[2])
        n_old = self._pre.size
        values = {}
        for name in names:
            parts = [self._values.get(name, np.full(n_old, np.nan))]
            for pre, _, params in self._chunks:
                parts.append(params.get(name, np.full(pre.size, np.nan)))
            values[name] = np.concatenate(parts)
        self._pre = np.concatenate(pres)
        self._post = np.concatenate(posts)
        self._values = values
        self._chunks = []
        self._edits += 1
        delays = self._values.get("delay")
        if delays is not None:
            missing = np.isnan(delays)
            delays[missing] = simulator.state.min_delay_value

    def __len__(self):
        if self._native is not None and not self._chunks:
            # An engine-generated projection in the built network: count without reading
            # its connections (17M of them take seconds to read).
            from .. import _core
            sim = simulator.state.sim
            if sim is not None and _core.mpi_size() == 1:
                try:
                    return int(sim.connection_count("%s_n" % self._engine_label))
                except ValueError:  # created after the build: not in it yet
                    pass
        self._consolidate()
        return int(self._pre.size)

    @property
    def connections(self):
        """The local connections, as Connection objects."""
        self._consolidate()  # a native connector's connections are read from the engine
        return [Connection(self, i) for i in range(self._pre.size)]

    def __getitem__(self, i):
        self._consolidate()
        if isinstance(i, slice):
            return [Connection(self, j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("connection index %d out of range" % i)
        return Connection(self, i)

    # --- attribute access ---------------------------------------------------------
    def _attribute(self, name):
        """Current values of a native attribute, one per connection (weights as the
        engine holds them now, e.g. changed by STDP; the description keeps the values
        given by the user, which reset() restores)."""
        self._consolidate()
        if name == "presynaptic_index":
            return self._pre
        if name == "postsynaptic_index":
            return self._post
        if name not in self._values:
            raise errors.NonExistentParameterError(name, self.synapse_type.__class__.__name__,
                                                   self.synapse_type.get_parameter_names())
        sim = simulator.state.sim
        if sim is not None and name in ("weight", "delay") and self._engine_parts:
            key = (sim.time, self._edits)
            cached = self._engine_cache.get(name)
            if cached is not None and cached[0] is sim and cached[1] == key:
                return cached[2]
            values = self._values[name].copy()
            for part in self._engine_parts:
                engine = sim.connections(part["label"])[name]  # collective under MPI
                if engine.size == part["order"].size:  # complete on MPI rank 0 only
                    values[part["order"]] = engine
            values.setflags(write=False)
            self._engine_cache[name] = (sim, key, values)
            return values
        return self._values[name]

    def _set_values(self, name, which, values):
        """Set native attribute `name` of the connections `which`; forward to the engine."""
        self._consolidate()
        if self._native is not None:  # read under mpirun (native.load)
            raise NotImplementedError(
                "myelin.pynn: under mpirun, connections made by a native connector cannot be "
                "changed (rank 0 alone holds them); use setup(native_connectors=False)")
        current = self._attribute(name).copy()
        current[which] = values
        self._values[name][which] = values
        self._edits += 1
        sim = simulator.state.sim
        if sim is None:
            return
        if name not in ("weight", "delay"):
            if sim.time == 0:
                simulator.state.sim = None  # synapse parameters group connections: rebuild
                return
        for part in self._engine_parts:
            try:
                sim.set_connection_param(part["label"], name, current[part["order"]])
            except ValueError as exc:
                raise errors.InvalidParameterValueError(str(exc)) from exc

    def _set_attributes(self, parameter_space):
        self._consolidate()
        parameter_space.evaluate(simplify=False)
        for name, value in parameter_space.items():
            if name not in self._values:
                raise errors.NonExistentParameterError(name,
                                                       self.synapse_type.__class__.__name__,
                                                       self.synapse_type.get_parameter_names())
            value = np.asarray(value, dtype=float)
            if value.ndim == 0:
                new = np.full(self._pre.size, float(value))
            else:
                new = value[self._pre, self._post]
            keep = ~np.isnan(new)
            self._set_values(name, np.nonzero(keep)[0], new[keep])

    def _get_attributes_as_list(self, names):
        columns = [self._attribute(name) for name in names]
        return list(zip(*[c.tolist() for c in columns])) if columns else []

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        op = common.Projection.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        result = []
        for name in names:
            if name not in self._values and name.endswith("s") and name[:-1] in self._values:
                name = name[:-1]
            values = self._attribute(name)
            out = np.full((self.pre.size, self.post.size), np.nan)
            flat = self._pre * self.post.size + self._post
            if np.unique(flat).size == flat.size:
                out.flat[flat] = values
            else:
                for k in range(values.size):
                    addr = (self._pre[k], self._post[k])
                    out[addr] = values[k] if np.isnan(out[addr]) else op(out[addr], values[k])
            result.append(out)
        return result

    def _set_initial_value_array(self, variable, initial_value):
        """initialize(): the synapse types whose state the engine takes an initial value
        of (synapses.py, `engine_initial`), one value for the whole projection."""
        known = getattr(self.synapse_type, "engine_initial", {})
        if variable not in known:
            raise NotImplementedError(
                "myelin.pynn: initial value of %s: settable for %s: %s" % (
                    variable, type(self.synapse_type).__name__,
                    ", ".join(sorted(known)) if known else "none"))
        values = np.unique(np.atleast_1d(np.asarray(
            initial_value.evaluate(simplify=True), dtype=float)))
        if values.size != 1:
            raise NotImplementedError(
                "myelin.pynn: initial value of %s must be the same for every connection of "
                "the projection, got %d values" % (variable, values.size))
        name = known[variable]
        if name is None:  # only the state the engine starts in
            start = self.synapse_type.engine_start_state(variable)
            if values[0] != start:
                raise NotImplementedError(
                    "myelin.pynn: initial value of %s must be %g (the engine starts there), "
                    "got %g" % (variable, start, values[0]))
            return
        self._synapse_initial[name] = float(values[0])
        simulator.state.network_changed()

    def _engine_synapse(self, params):
        """The engine's synapse description for parameter values `params`, with the
        initial values given by initialize()."""
        description = self.synapse_type.engine_description(params)
        if description is not None and self._synapse_initial:
            description = dict(description, **self._synapse_initial)
        return description

"""Simulator state of the myelin PyNN backend.

The Python side holds the network description (populations with per-cell
parameter arrays, projections as index/weight/delay arrays, current sources,
recorders). At the first run it builds one ``myelin._core.Simulation`` from it;
between runs changes are forwarded through the simulation's setters; ``reset()``
drops the simulation so that the next run rebuilds it from the description at
t = 0 (PyNN semantics: state back to initial values, network kept).
"""

import logging
import warnings

from pyNN import common, errors

from .. import _core

name = "myelin"
logger = logging.getLogger("PyNN")


class ID(int, common.IDMixin):
    """A cell ID: a global integer, consecutive within a population."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


def engine_error(exc):
    """Map an engine exception to the PyNN error the user should see."""
    return errors.InvalidParameterValueError(str(exc))


class State(common.control.BaseState):
    """Holds the network description and the engine simulation built from it."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.sim = None
        self._traces_of = None  # recording._traces' cache
        self._min_delay = "auto"
        self._max_delay = "auto"
        self.threads = 0
        self.native_connectors = True  # setup(native_connectors=...): see native.py
        self.seed = 1
        self.clear()

    # --- time ---------------------------------------------------------------
    @property
    def t(self):
        if self.sim is not None:
            return self.sim.time
        return self._clock

    @t.setter
    def t(self, value):
        if value != 0 and self.sim is None:
            raise ValueError("time can only be changed by running the simulation")

    @property
    def min_delay(self):
        """The smallest delay [ms]; with 'auto', the engine's (dt before the first run)."""
        if self._min_delay == "auto":
            return self.sim.min_delay if self.sim is not None else self.dt
        return self._min_delay

    @min_delay.setter
    def min_delay(self, value):
        self._min_delay = value if value == "auto" else float(value)

    @property
    def max_delay(self):
        """The largest delay [ms]; with 'auto', the engine's (dt before the first run)."""
        if self._max_delay == "auto":
            return self.sim.max_delay if self.sim is not None else self.dt
        return self._max_delay

    @max_delay.setter
    def max_delay(self, value):
        self._max_delay = value if value == "auto" else float(value)

    @property
    def min_delay_value(self):
        """The delay given to connections whose delay is not set: min_delay, or one
        time step with 'auto'."""
        return self.dt if self._min_delay == "auto" else self._min_delay

    # --- network description --------------------------------------------------
    def clear(self):
        """Forget the whole network."""
        self.sim = None
        self._traces_of = None  # recording._traces' cache
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.recorders = set()
        self.id_counter = 0
        self.segment_counter = -1
        self._recording_changed = False
        self.reset()

    def reset(self):
        """Back to t = 0: the next run rebuilds the simulation from the description."""
        self.sim = None
        self._traces_of = None  # recording._traces' cache
        self._clock = 0.0  # time of a network without cells (the engine needs one)
        self.running = False
        self.t_start = 0
        self.segment_counter += 1
        for source in self.current_sources:
            source._reset()

    # --- running --------------------------------------------------------------
    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        if not self.populations:
            self._clock = max(self._clock, float(tstop))
            self.running = True
            return
        if self.sim is None:
            self.build()
        elif self._recording_changed:
            warnings.warn("recording changed after the simulation started: the change takes "
                          "effect after the next reset()")
        self._recording_changed = False
        if tstop > self.sim.time + 1e-9:
            self.sim.run_until(tstop)
        self.running = True

    def build(self):
        """Build the engine simulation from the description (at t = 0)."""
        from .build import build_model
        model, arrays = build_model(self)
        try:
            self.sim = _core.Simulation(model, threads=self.threads, arrays=arrays)
        except ValueError as exc:
            raise engine_error(exc) from exc
        self._recording_changed = False
        for population in self.populations:
            population._engine_built()

    def network_changed(self):
        """Cells, connections or current sources were added: rebuild at the next run."""
        if self.sim is not None and self.sim.time > 0:
            raise NotImplementedError(
                "myelin.pynn: the network cannot grow during a simulation; add populations, "
                "projections and current sources before the first run or after reset()")
        self.sim = None
        self._traces_of = None  # recording._traces' cache

    def recording_changed(self):
        if self.sim is not None:
            self._recording_changed = True


state = State()

"""PyNN 0.10 backend for the myelin engine: ``import myelin.pynn as sim``.

Built on ``pyNN.common`` like pyNN.nest: the Python side holds the network
description and builds one ``myelin._core.Simulation`` at the first run; see
docs/pynn.md.
"""

import logging

from neo.io import get_io
from pyNN import common, space
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.connectors import *  # noqa: F401,F403
from pyNN.random import GSLRNG, NativeRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType, StandardCurrentSource  # noqa: F401
from pyNN.standardmodels import build_translations  # noqa: F401

from .. import _core
from . import simulator
from .cells import *  # noqa: F401,F403
from .electrodes import *  # noqa: F401,F403
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .projections import Projection
from .synapses import *  # noqa: F401,F403

logger = logging.getLogger("PyNN")
state = simulator.state


def list_standard_models():
    """Names of the standard cell types this backend offers."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType)
            and obj is not StandardCellType]


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new simulation (any previous network is discarded).

    Extra options: ``max_delay``, ``threads`` (engine threads, 0 = all cores),
    ``rng_seed`` (seed of the engine's random streams), and ``rank`` /
    ``num_processes`` (PyNN's fake MPI used by its unit tests).
    """
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    state.clear()
    state.dt = float(timestep)
    state.min_delay = min_delay
    state.max_delay = max_delay
    state.threads = int(extra_params.get("threads", 1))
    state.seed = int(extra_params.get("rng_seed", extra_params.get("seed", 1)))
    state.mpi_rank = int(extra_params.get("rank", _core.mpi_rank()))
    state.num_processes = int(extra_params.get("num_processes", 1))
    return rank()


def end(compatible_output=True):
    """Write the data requested with record(..., filename) and drop the network."""
    for (population, variables, filename) in state.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)
create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)  # noqa: F405
set = common.set
record = common.build_record(simulator)


def record_v(source, filename):
    return record(["v"], source, filename)


def record_gsyn(source, filename):
    return record(["gsyn_exc", "gsyn_inh"], source, filename)

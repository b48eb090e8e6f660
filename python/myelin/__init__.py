"""myelin: a spiking and multi-compartment network engine, from Python.

Build a network from a JSON model description (docs/model-file.md) as a str or a dict,
run it in segments, read spikes and traces as NumPy arrays, change parameters between
segments::

    import myelin
    sim = myelin.Simulation(myelin.load_model("models/coba.json"), threads=2)
    sim.run(500.0)
    ids, times = sim.spikes("exc")
    sim.set_population_param("exc", "i_offset", 0.1)
    sim.run(500.0, progress=True)

Errors: myelin.ModelError (a ValueError) for an invalid model or argument, naming the
JSON path of the field (its ``field`` attribute); myelin.Error (a RuntimeError) for
other engine failures. The compiled engine is myelin._core; the PyNN backend is
myelin.pynn. Batches of runs (sweeps, trials): myelin.run_batch. docs/python.md
describes the package.
"""

from myelin._core import Error, ModelError, built_with_mpi, cell_types, version
from myelin.batch import run_batch
from myelin.simulation import Simulation, load_model

__version__ = version()

__all__ = ["Simulation", "load_model", "run_batch", "ModelError", "Error", "cell_types",
           "version", "built_with_mpi"]

"""hnn_core.parallel_backends' names: the backends live in myelin.hnn.simulate (they
set how many cores simulate_dipole and BatchSimulate use; no processes are started)."""
from myelin.hnn.simulate import JoblibBackend, MPIBackend

__all__ = ["MPIBackend", "JoblibBackend"]

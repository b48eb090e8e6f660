"""myelin.hnn.optimization: HNN-core 0.6's parameter optimisation (Optimizer, the legacy
optimize_evoked) with every simulation run by myelin's engine in this process.
docs/hnn-python.md, "Optimisation", says what it does and where it differs."""
from myelin.hnn.optimization.general_optimization import (Optimizer, _update_params,  # noqa: F401
                                                          generate_opt_history_table)
from myelin.hnn.optimization.optimize_evoked import optimize_evoked

__all__ = ["Optimizer", "optimize_evoked", "generate_opt_history_table"]

"""myelin.hnn: HNN-core's Python API (names, signatures and semantics of hnn-core 0.6)
on myelin's engine. A notebook moves by changing its imports::

    from myelin.hnn import jones_2009_model, simulate_dipole, MPIBackend
    net = jones_2009_model()
    net.add_evoked_drive('evprox1', mu=26.61, sigma=2.47, numspikes=1,
                         location='proximal', weights_ampa={'L5_pyramidal': 0.00865})
    with MPIBackend(n_procs=2):
        dpls = simulate_dipole(net, tstop=170., n_trials=2)

Networks compile to myelin models (myelin.hnn.compile.to_model); trials and batch runs
run side by side on threads of this process. docs/hnn-python.md says what maps onto what
and what differs from HNN-core.
"""
from myelin.hnn.batch_simulate import BatchSimulate
from myelin.hnn.cell_response import CellResponse, read_spikes
from myelin.hnn.cells import Cell
from myelin.hnn.cells_default import basket, pyramidal
from myelin.hnn.dipole import Dipole, average_dipoles, read_dipole
from myelin.hnn.hnn_io import (dict_to_network, network_to_dict, read_network_configuration,
                               write_network_configuration)
from myelin.hnn.network import Network, pick_connection
from myelin.hnn.network_models import (add_erp_drives_to_jones_model, calcium_model,
                                       jones_2009_model, law_2021_model,
                                       neymotin_2020_model)
from myelin.hnn.params import Params, convert_to_json, read_params
from myelin.hnn.simulate import JoblibBackend, MPIBackend, simulate_dipole

__all__ = ["jones_2009_model", "neymotin_2020_model", "calcium_model", "law_2021_model",
           "add_erp_drives_to_jones_model", "Network", "pick_connection", "read_params",
           "Params", "simulate_dipole", "MPIBackend", "JoblibBackend", "BatchSimulate",
           "Dipole", "read_dipole", "average_dipoles", "CellResponse", "read_spikes",
           "Cell", "pyramidal", "basket", "network_to_dict", "dict_to_network",
           "write_network_configuration", "read_network_configuration", "convert_to_json"]

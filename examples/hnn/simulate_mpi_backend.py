"""
==================================
04. Use MPI backend for parallelization
==================================

HNN-core's MPI backend example (../shared/seeds/000_*) with the import changed from
hnn_core to myelin.hnn: the default parameters, a ~10 Hz bursty distal drive from 50 ms,
310 ms simulated with MPIBackend(n_procs=2). On myelin the backend runs the simulation on
2 engine threads of this process (no mpiexec); started as `mpirun -np 2 python3 this.py`
the script itself runs on 2 MPI ranks. Without a display the figure is written to a file.
"""

# Authors: Mainak Jas <mainak.jas@telecom-paristech.fr>
#          Blake Caldwell <blake_caldwell@brown.edu>

###############################################################################
# Let us import hnn_core (here: myelin.hnn)

import os.path as op

import myelin.hnn
from myelin.hnn import simulate_dipole, read_params, Network

###############################################################################
# Then we setup the directories
hnn_core_root = op.dirname(myelin.hnn.__file__)

###############################################################################
# Then we read the default parameters file
params_fname = op.join(hnn_core_root, 'param', 'default.json')
params = read_params(params_fname)
print(params)

###############################################################################
# Update a few of the default parameters related to visualisation
params.update({
    'tstop': 310.0,
})

###############################################################################
# Following the alpha example, we add a ~10 Hz "bursty" drive starting at 50 ms
# and continuing to the end of the simulation. Each burst consists of a pair
# (2) of spikes, spaced 10 ms apart. The occurrence of each burst is jittered
# by a random, normally distributed amount (20 ms standard deviation). We
# repeat the burst train 10 times, each time with unique randomization.
net = Network(params)

weights_ampa = {'L2_pyramidal': 5.4e-5, 'L5_pyramidal': 5.4e-5}
net.add_bursty_drive(
    'bursty', tstart=50., burst_rate=10, burst_std=20., numspikes=2,
    spike_isi=10, repeats=10, location='distal', weights_ampa=weights_ampa,
    seedcore=4)

###############################################################################
# Finally, to simulate we use the MPIBackend class. This will start the
# simulation across the number of processors (cores) specified by n_procs.
from myelin.hnn import MPIBackend

with MPIBackend(n_procs=2, mpi_cmd='mpiexec'):
    dpls = simulate_dipole(net, n_trials=1, postproc=False)

trial_idx = 0
dpls[trial_idx].plot()

###############################################################################
# myelin: without a display (matplotlib's Agg backend) the figures go to files.
import matplotlib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

if matplotlib.get_backend().lower() == 'agg' and myelin._core.mpi_rank() == 0:
    for n in plt.get_fignums():
        plt.figure(n).savefig(f'simulate_mpi_backend_{n}.png', dpi=100)

"""
Extracellular potentials of HNN's column during an ERP, in the style of HNN-core's
extracellular-recording how-to, on myelin: a linear (laminar) electrode array through
the column's centre records the local field potential with the point-source and the
line-source approximations, next to a contact far outside the column.

    MPLBACKEND=Agg PYTHONPATH=build/python /usr/bin/python3 examples/hnn/extracellular.py [--small]

--small: a 3x3 column and a shorter run (a quick check).
Writes extracellular.png when matplotlib has no display; prints the peak potentials.
"""
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from myelin.hnn import jones_2009_model, simulate_dipole
from myelin.hnn.network_models import add_erp_drives_to_jones_model

small = "--small" in sys.argv[1:]
mesh, tstop = ((3, 3) if small else (10, 10)), (80. if small else 170.)

net = jones_2009_model(mesh_shape=mesh)
add_erp_drives_to_jones_model(net)

# Contacts every 100 um along the column's axis, from below layer 5 to above layer 2,
# at the centre of the pyramidal grid.
centre = np.mean([p[:2] for p in net.pos_dict['L5_pyramidal']], axis=0)
depths = np.arange(-325., 2200., 100.)
positions = [(float(centre[0]), float(centre[1]), float(z)) for z in depths]
net.add_electrode_array('shank_psa', positions, method='psa')
net.add_electrode_array('shank_lsa', positions, method='lsa')
net.add_electrode_array('far', (float(centre[0]) + 1e4, float(centre[1]), 1000.))

net.plot_cells(show=False)
dpls = simulate_dipole(net, tstop=tstop, n_trials=1)

psa, lsa = net.rec_arrays['shank_psa'], net.rec_arrays['shank_lsa']
far = net.rec_arrays['far']
peak = {name: float(np.abs(arr.voltages).max()) for name, arr in net.rec_arrays.items()}
print('contacts:', psa.voltages.shape[1], 'samples:', psa.voltages.shape[2])
print('peak |potential| uV:', {k: round(v, 3) for k, v in peak.items()})
print('far / near:', peak['far'] / peak['shank_psa'])

fig, axes = plt.subplots(1, 3, figsize=(12, 6), constrained_layout=True)
psa.plot_lfp(ax=axes[0], show=False)
axes[0].set_title('point sources')
lsa.plot_lfp(ax=axes[1], show=False)
axes[1].set_title('line sources')
psa.smooth(window_len=5.).plot_csd(ax=axes[2], show=False)
axes[2].set_title('current source density')

if matplotlib.get_backend().lower() == 'agg':  # no display: the figure goes to a file
    fig.savefig('extracellular.png', dpi=80)
else:
    plt.show()

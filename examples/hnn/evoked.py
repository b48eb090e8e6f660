"""
An evoked response (ERP) of HNN's column in the style of HNN-core's evoked example,
on myelin: the three ERP drives, two trials run side by side, the trials' dipoles
smoothed, scaled and averaged, above a histogram of the drives' spikes.

    MPLBACKEND=Agg PYTHONPATH=build/python /usr/bin/python3 examples/hnn/evoked.py
"""
import matplotlib
import matplotlib.pyplot as plt

from myelin.hnn import JoblibBackend, average_dipoles, jones_2009_model, simulate_dipole
from myelin.hnn.network_models import add_erp_drives_to_jones_model
from myelin.hnn.viz import plot_dipole

net = jones_2009_model()
add_erp_drives_to_jones_model(net)  # evdist1 at 63.53 ms, evprox1 at 26.61, evprox2 at 137.12

with JoblibBackend(n_jobs=2):
    dpls = simulate_dipole(net, tstop=170., n_trials=2)

window_len, scaling_factor = 30, 3000  # HNN's default postprocessing: 30 ms Hamming, x3000
for dpl in dpls:
    dpl.smooth(window_len).scale(scaling_factor)
average = average_dipoles(dpls)

fig, axes = plt.subplots(2, 1, sharex=True, figsize=(6, 6), constrained_layout=True)
net.cell_response.plot_spikes_hist(ax=axes[0], spike_types=['evprox', 'evdist'], show=False)
plot_dipole(dpls, ax=axes[1], layer='agg', show=False)
plot_dipole(average, ax=axes[1], layer='agg', color='tab:red', show=False)
axes[1].set_title('aggregate dipole: two trials (black) and their average (red)')

counts = {t: sum(s == t for s in net.cell_response.spike_types[0]) for t in net.cell_types}
print('trial 0 spikes per cell type:', counts)

if matplotlib.get_backend().lower() == 'agg':  # no display: the figure goes to a file
    fig.savefig('evoked.png', dpi=100)
else:
    plt.show()

"""
Alpha rhythm in HNN's column, in the style of HNN-core's alpha workflow, on myelin:
a 10 Hz train of bursts (two spikes 10 ms apart, jittered by 20 ms) reaching the
pyramidal cells' proximal dendrites gives a ~10 Hz dipole; a second 10 Hz burst train
at the distal dendrites, jittered by 15 ms, makes the alpha/beta complex.

    MPLBACKEND=Agg PYTHONPATH=build/python /usr/bin/python3 examples/hnn/alpha.py [--small]

--small: a 3x3 column (a quick check; the rhythm needs the full column).
Writes alpha_proximal.png and alpha_both.png when matplotlib has no display.
"""
import sys

import matplotlib
import matplotlib.pyplot as plt

from myelin.hnn import neymotin_2020_model, simulate_dipole
from myelin.hnn.viz import plot_psd

small = "--small" in sys.argv[1:]
mesh, tstop = ((3, 3) if small else (10, 10)), 310.

net = neymotin_2020_model(mesh_shape=mesh)
# Bursts of 2 spikes 10 ms apart, 10 per second, from 10 drive cells onto both
# pyramidal types' proximal dendrites (AMPA, 5.4e-5 uS).
net.add_bursty_drive(
    'alpha_prox', tstart=50., burst_rate=10, burst_std=20, numspikes=2, spike_isi=10,
    n_drive_cells=10, location='proximal',
    weights_ampa={'L2_pyramidal': 5.4e-5, 'L5_pyramidal': 5.4e-5},
    synaptic_delays={'L2_pyramidal': 0.1, 'L5_pyramidal': 1.}, event_seed=284)
dpls = simulate_dipole(net, tstop=tstop, n_trials=1)
dpl = dpls[0].scale(3000)

tmin, tmax, window_len = 10, tstop - 10, 20   # skip the first 10 ms; 20 ms Hamming
fig1, axes = plt.subplots(2, 1, constrained_layout=True)
dpl.plot(tmin=tmin, tmax=tmax, color='b', ax=axes[0], show=False)
dpl.copy().smooth(window_len).plot(tmin=tmin, tmax=tmax, color='r', ax=axes[0], show=False)
plot_psd(dpl, fmin=1., fmax=1e3, tmin=tmin, ax=axes[1], show=False)
axes[1].set_xscale('log')

# The same bursts at the distal dendrites (5 ms delays), less jittered.
net.add_bursty_drive(
    'alpha_dist', tstart=50., burst_rate=10, burst_std=15, numspikes=2, spike_isi=10,
    n_drive_cells=10, location='distal',
    weights_ampa={'L2_pyramidal': 5.4e-5, 'L5_pyramidal': 5.4e-5},
    synaptic_delays={'L2_pyramidal': 5., 'L5_pyramidal': 5.}, event_seed=296)
dpls = simulate_dipole(net, tstop=tstop, n_trials=1)

fig2, axes = plt.subplots(3, 1, constrained_layout=True)
net.cell_response.plot_spikes_hist(ax=axes[0], show=False)
dpls[0].plot(tmin=tmin, tmax=tmax, ax=axes[1], color='b', show=False)
dpls[0].copy().smooth(window_len).plot(tmin=tmin, tmax=tmax, ax=axes[1], color='r',
                                       show=False)
dpls[0].plot_psd(fmin=0., fmax=40., tmin=tmin, ax=axes[2], show=False)

types = net.cell_response.spike_types[0]
print('drive spikes:', {d: types.count(d) for d in ('alpha_prox', 'alpha_dist')})

if matplotlib.get_backend().lower() == 'agg':  # no display: the figures go to files
    fig1.savefig('alpha_proximal.png', dpi=80)
    fig2.savefig('alpha_both.png', dpi=80)
else:
    plt.show()

"""
Beta events in the Law et al. 2021 column, in the style of HNN-core's beta workflow, on
myelin: a brief burst of distal and proximal drive (one burst each, 50 ms after the
start) makes a beta event; an ERP's three evoked drives after it are compared with the
ERP alone. law_2021_model needs the engine's Law 2021 cell types (docs/hnn-python.md).

    MPLBACKEND=Agg PYTHONPATH=build/python /usr/bin/python3 examples/hnn/beta.py [--small]

--small: a 3x3 column. Writes beta_event.png and beta_erp.png when
matplotlib has no display.
"""
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from myelin.hnn import law_2021_model, simulate_dipole
from myelin.hnn.viz import plot_dipole

small = "--small" in sys.argv[1:]
mesh, tstop = ((3, 3) if small else (10, 10)), 400.
beta_start, stimulus_start = 50.0, 125.0

net = law_2021_model(mesh_shape=mesh)
l5 = net.cell_types['L5_pyramidal']['cell_object']
print('L5 pyramidal GABAb rise, decay (ms):', l5.synapses['gabab']['tau1'],
      l5.synapses['gabab']['tau2'])


def add_beta_drives(net, start):
    """One burst of two spikes (10 ms apart) from 10 drive cells at each location."""
    net.add_bursty_drive(
        'beta_dist', tstart=start, tstart_std=0., tstop=start + 50., burst_rate=1.,
        burst_std=10., numspikes=2, spike_isi=10, n_drive_cells=10, location='distal',
        weights_ampa={'L2_basket': 0.00032, 'L2_pyramidal': 0.00008,
                      'L5_pyramidal': 0.00004},
        synaptic_delays={'L2_basket': 0.5, 'L2_pyramidal': 0.5, 'L5_pyramidal': 0.5},
        event_seed=290)
    net.add_bursty_drive(
        'beta_prox', tstart=start, tstart_std=0., tstop=start + 50., burst_rate=1.,
        burst_std=20., numspikes=2, spike_isi=10, n_drive_cells=10, location='proximal',
        weights_ampa={'L2_basket': 0.00004, 'L2_pyramidal': 0.00002,
                      'L5_basket': 0.00002, 'L5_pyramidal': 0.00002},
        synaptic_delays={'L2_basket': 0.1, 'L2_pyramidal': 0.1, 'L5_basket': 1.0,
                         'L5_pyramidal': 1.0}, event_seed=300)
    return net


def add_erp_drives(net, start):
    """A distal evoked drive at start + 70 ms between proximal ones at +25 and +135."""
    prox_delays = {'L2_basket': 0.1, 'L2_pyramidal': 0.1, 'L5_basket': 1.,
                   'L5_pyramidal': 1.}
    dist = {'L2_basket': 0.0005, 'L2_pyramidal': 0.004, 'L5_pyramidal': 0.0005}
    net.add_evoked_drive(
        'evdist1', mu=70.0 + start, sigma=0.0, numspikes=1, location='distal',
        weights_ampa=dist, weights_nmda=dist,
        synaptic_delays={'L2_basket': 0.1, 'L2_pyramidal': 0.1, 'L5_pyramidal': 0.1},
        event_seed=274)
    net.add_evoked_drive(
        'evprox1', mu=25.0 + start, sigma=0.0, numspikes=1, location='proximal',
        weights_ampa={'L2_basket': 0.002, 'L2_pyramidal': 0.0011, 'L5_basket': 0.001,
                      'L5_pyramidal': 0.001},
        synaptic_delays=prox_delays, event_seed=544)
    net.add_evoked_drive(
        'evprox2', mu=135.0 + start, sigma=0.0, numspikes=1, location='proximal',
        weights_ampa={'L2_basket': 0.005, 'L2_pyramidal': 0.005, 'L5_basket': 0.01,
                      'L5_pyramidal': 0.01},
        synaptic_delays=prox_delays, event_seed=814)
    return net


net_beta = add_beta_drives(net.copy(), beta_start)
net_erp = add_erp_drives(net.copy(), stimulus_start)
net_beta_erp = add_erp_drives(net_beta.copy(), stimulus_start)
dpls_beta = simulate_dipole(net_beta, tstop=tstop)
dpls_erp = simulate_dipole(net_erp, tstop=tstop)
dpls_beta_erp = simulate_dipole(net_beta_erp, tstop=tstop)

fig1, axes = plt.subplots(4, 1, sharex=True, figsize=(7, 7), constrained_layout=True)
net_beta.cell_response.plot_spikes_hist(ax=axes[0], show=False)
plot_dipole(dpls_beta, ax=axes[1], layer='agg', tmin=1.0, color='b', show=False)
net_beta.cell_response.plot_spikes_raster(ax=axes[2], show=False)
dpls_beta[0].plot_tfr_morlet(np.arange(10., 60., 1.), n_cycles=7, ax=axes[3], show=False)

dpls_beta_erp[0].smooth(45)
dpls_erp[0].smooth(45)
fig2, axes = plt.subplots(3, 1, sharex=True, figsize=(7, 7), constrained_layout=True)
plot_dipole(dpls_beta_erp, ax=axes[0], layer='agg', tmin=1.0, color='r', show=False)
plot_dipole(dpls_erp, ax=axes[0], layer='agg', tmin=1.0, color='b', show=False)
axes[0].legend(['ERP + Beta', 'ERP'])
net_beta_erp.cell_response.plot_spikes_raster(ax=axes[1], show=False)
net_erp.cell_response.plot_spikes_raster(ax=axes[2], show=False)

if matplotlib.get_backend().lower() == 'agg':
    fig1.savefig('beta_event.png', dpi=80)
    fig2.savefig('beta_erp.png', dpi=80)
else:
    plt.show()

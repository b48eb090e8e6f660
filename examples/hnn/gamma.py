"""
Gamma rhythms in HNN's column, in the style of HNN-core's gamma workflow, on myelin:
the pyramidal-interneuron gamma (PING) set of connections of the HNN GUI's gamma
tutorial (param/gamma_L5weak_L2weak.json, scripts/make_hnn_gamma_params.py) under a
proximal Poisson drive onto the pyramidal cells gives weak gamma; a tonic current into
the L5 pyramidal cells makes it strong and regular.

    MPLBACKEND=Agg PYTHONPATH=build/python /usr/bin/python3 examples/hnn/gamma.py [--small]

--small: a 3x3 column. Writes gamma_weak.png and gamma_strong.png when
matplotlib has no display.
"""
import os.path as op
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from scipy.signal import periodogram

import myelin.hnn
from myelin.hnn import neymotin_2020_model, read_params, simulate_dipole
from myelin.hnn.viz import plot_psd

small = "--small" in sys.argv[1:]
mesh, tstop = ((3, 3) if small else (10, 10)), 250.

params = read_params(op.join(op.dirname(myelin.hnn.__file__), 'param',
                             'gamma_L5weak_L2weak.json'))
print(params['gbar_L*'])                    # the PING connections
net = neymotin_2020_model(params, mesh_shape=mesh)

# A Poisson drive at 140 Hz (L2) and 40 Hz (L5) per pyramidal cell, each cell its own.
net.add_poisson_drive(
    'poisson', rate_constant={'L2_pyramidal': 140.0, 'L5_pyramidal': 40.0},
    weights_ampa={'L2_pyramidal': 0.0008, 'L5_pyramidal': 0.0075},
    synaptic_delays={'L2_pyramidal': 0.1, 'L5_pyramidal': 1.0}, location='proximal',
    event_seed=1349)
dpls = [dpl.scale(30000) for dpl in simulate_dipole(net, tstop=tstop)]

tmin, freqs = 50, np.arange(20., 100., 1.)
fig1, axes = plt.subplots(3, 1, sharex=True, figsize=(6, 7), constrained_layout=True)
dpls[0].plot(tmin=tmin, ax=axes[0], show=False)
net.cell_response.plot_spikes_raster(ax=axes[1], show=False)
dpls[0].plot_tfr_morlet(freqs, n_cycles=7, tmin=tmin, ax=axes[2], show=False)

# Strong gamma: 6 nA into every L5 pyramidal soma for the whole run.
net.add_tonic_bias(amplitude={'L5_pyramidal': 6.})
dpls = [dpl.scale(30000) for dpl in simulate_dipole(net, tstop=tstop, n_trials=1)]

fig2, axes = plt.subplots(3, 1, figsize=(6, 7), constrained_layout=True)
dpls[0].plot(tmin=tmin, ax=axes[0], show=False)
net.cell_response.plot_spikes_raster(ax=axes[1], show=False)
plot_psd(dpls[0], fmin=20., fmax=100., tmin=tmin, ax=axes[2], show=False)

types = net.cell_response.spike_types[0]
print('spikes with the tonic bias:', {t: types.count(t) for t in net.cell_types})
agg = dpls[0].data['agg'][dpls[0].times >= tmin]
f, power = periodogram(agg, fs=dpls[0].sfreq)
band = (f >= 20) & (f <= 100)
print(f'strong gamma: spectral peak at {f[band][np.argmax(power[band])]:.0f} Hz')

if matplotlib.get_backend().lower() == 'agg':
    fig1.savefig('gamma_weak.png', dpi=80)
    fig2.savefig('gamma_strong.png', dpi=80)
else:
    plt.show()

"""
Spikes of one network replayed as the input of another, in the style of HNN-core's
spike-replay workflow, on myelin: network A's pyramidal spikes after an evoked distal
drive are written to files, read back (read_spikes) and given to network B as a spike
train drive, one drive cell per spiking cell of A.

    MPLBACKEND=Agg PYTHONPATH=build/python /usr/bin/python3 examples/hnn/spike_replay.py [--small]

--small: 3x3 columns. Writes spike_replay.png when matplotlib has no display.
"""
import os.path as op
import sys
import tempfile

import matplotlib
import matplotlib.pyplot as plt

from myelin.hnn import neymotin_2020_model, read_spikes, simulate_dipole

mesh = (3, 3) if "--small" in sys.argv[1:] else (10, 10)

net_a = neymotin_2020_model(mesh_shape=mesh)
dist = {'L2_basket': 0.006, 'L2_pyramidal': 0.0005, 'L5_pyramidal': 0.14}
net_a.add_evoked_drive(
    'evdist1', mu=63.5, sigma=3.8, numspikes=1, location='distal', weights_ampa=dist,
    weights_nmda={'L2_basket': 0.019, 'L2_pyramidal': 0.004, 'L5_pyramidal': 0.08},
    synaptic_delays={'L2_basket': 0.1, 'L2_pyramidal': 0.1, 'L5_pyramidal': 0.1},
    event_seed=274)
simulate_dipole(net_a, tstop=170., n_trials=1)

with tempfile.TemporaryDirectory() as tmp:          # spk_0.txt, one file per trial
    net_a.cell_response.write(op.join(tmp, 'spk_%d.txt'))
    spikes = read_spikes(op.join(tmp, 'spk_*.txt'))

# One drive cell per spiking pyramidal cell of A, with that cell's spike times.
spike_data = {}
for t, gid, kind in zip(spikes.spike_times[0], spikes.spike_gids[0], spikes.spike_types[0]):
    if kind in ('L2_pyramidal', 'L5_pyramidal'):
        spike_data.setdefault(f'A_{kind}_{gid}', []).append(t)
print(f'{len(spike_data)} pyramidal cells of A spiked, '
      f'{sum(map(len, spike_data.values()))} spikes')

net_b = neymotin_2020_model(mesh_shape=mesh)
net_b.add_spike_train_drive(
    'from_A', spike_data=spike_data, location='distal',
    weights_ampa={'L2_pyramidal': 0.003, 'L5_pyramidal': 0.005}, synaptic_delays=1.0,
    conn_seed=42)
simulate_dipole(net_b, tstop=225., n_trials=1)
types_b = net_b.cell_response.spike_types[0]
print('network B spikes:', {t: types_b.count(t) for t in net_b.cell_types},
      'drive spikes:', types_b.count('from_A'))

fig, axes = plt.subplots(2, 1, figsize=(8, 8), sharex=True, constrained_layout=True)
net_a.cell_response.plot_spikes_raster(ax=axes[0], show=False)
axes[0].set_title('network A')
net_b.cell_response.plot_spikes_raster(ax=axes[1], show=False)
axes[1].set_title('network B, driven by A\'s pyramidal spikes')

if matplotlib.get_backend().lower() == 'agg':
    fig.savefig('spike_replay.png', dpi=80)
else:
    plt.show()

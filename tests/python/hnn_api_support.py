"""Shared by tests/python/test_hnn_api*.py: imports myelin.hnn from the build. Until the
analysis half of myelin.hnn (dipole.py, cell_response.py: another branch) is in the
package, minimal stand-ins with its contract's constructors take their place here, in
the tests only; the tests assert numbers, not those classes."""
import os
import sys
import types

import numpy as np

from conftest import BUILD, ROOT

sys.path.insert(0, str(BUILD / "python"))
import myelin  # noqa: E402

HNN_DIR = os.path.join(os.path.dirname(myelin.__file__), "hnn")


def _stand_in_dipole():
    m = types.ModuleType("myelin.hnn.dipole")

    class Dipole:
        def __init__(self, times, data, nave=1):
            self.times = np.asarray(times)
            data = np.asarray(data)
            self.data = {"agg": data[:, 0], "L2": data[:, 1], "L5": data[:, 2]}
            self.nave = nave
            self.sfreq = 1000.0 / (self.times[1] - self.times[0])

        def copy(self):
            return Dipole(self.times, np.column_stack([self.data[k].copy()
                                                       for k in ("agg", "L2", "L5")]))

        def scale(self, factor):
            for k in self.data:
                self.data[k] = self.data[k] * factor
            return self

        def smooth(self, window_len):
            n = int(np.round(self.sfreq * window_len / 1000.0))
            w = np.hamming(n)
            for k in self.data:
                self.data[k] = np.convolve(self.data[k], w / w.sum(), "same")
            return self

    m.Dipole = Dipole
    m.read_dipole = m.average_dipoles = None
    return m


def _stand_in_cell_response():
    m = types.ModuleType("myelin.hnn.cell_response")

    class CellResponse:
        def __init__(self, spike_times, spike_gids, spike_types, times=None,
                     cell_type_names=None):
            self.spike_times, self.spike_gids = spike_times, spike_gids
            self.spike_types, self.times = spike_types, times
            self.cell_type_names = cell_type_names
            self.vsec, self.isec = [], []

    m.CellResponse = CellResponse
    m.read_spikes = None
    return m


if not os.path.exists(os.path.join(HNN_DIR, "dipole.py")):
    sys.modules["myelin.hnn.dipole"] = _stand_in_dipole()
if not os.path.exists(os.path.join(HNN_DIR, "cell_response.py")):
    sys.modules["myelin.hnn.cell_response"] = _stand_in_cell_response()

import myelin.hnn as hnn  # noqa: E402,F401

REPO = ROOT

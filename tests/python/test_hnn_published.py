"""What HNN-core 0.6.1's published examples (examples/howto, examples/workflows of
hnn-core; docs/hnn-python.md lists them) show that differed on myelin.hnn, each checked
on a small case: the laminar LFP's contact labels, a wildcard subset of Params, the
printed connection rule, the order of a section's mechanisms."""
import sys

import matplotlib
import numpy as np

from conftest import BUILD

matplotlib.use("Agg")
sys.path.insert(0, str(BUILD / "python"))
from myelin.hnn.extracellular import ExtracellularArray  # noqa: E402


def test_laminar_contact_labels_keep_the_positions_type():
    # plot_record_extracellular_potentials: integer depths label the contacts as given
    depths = list(range(-325, 2150, 100))
    times = np.arange(0.0, 1.0, 0.25)
    volts = np.outer(np.arange(len(depths)), np.ones(len(times)))[None]
    arr = ExtracellularArray([(135, 135, d) for d in depths], times=times, voltages=volts)
    fig = arr.plot_lfp(show=False)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "-325" and labels[-1] == "2075" and len(labels) == 25
    fig = arr.plot_csd(show=False)
    # one row per µm of depth between the end contacts
    assert np.allclose(fig.axes[0].get_ylim(), (-325.0, 2075.0), atol=0.6)
    floats = ExtracellularArray([(0.0, 0.0, 10.0 * k) for k in range(3)], times=times,
                                voltages=np.zeros((1, 3, 4)))
    labels = [t.get_text() for t in floats.plot_lfp(show=False).axes[0].get_yticklabels()]
    assert labels == ["0.0", "10.0", "20.0"]


def test_params_wildcard_is_a_params_printed_as_json():
    # plot_simulate_gamma prints params['gbar_L*'] of its parameter file
    from myelin.hnn import Params, read_params
    params = read_params(str(BUILD / "python" / "myelin" / "hnn" / "param" / "default.json"))
    sub = params["gbar_L2Basket_L2*"]
    assert isinstance(sub, Params)
    assert sub == {"gbar_L2Basket_L2Basket": 0.02, "gbar_L2Basket_L2Pyr_gabaa": 0.05,
                   "gbar_L2Basket_L2Pyr_gabab": 0.05}
    assert repr(sub) == ('{\n    "gbar_L2Basket_L2Basket": 0.02,\n'
                         '    "gbar_L2Basket_L2Pyr_gabaa": 0.05,\n'
                         '    "gbar_L2Basket_L2Pyr_gabab": 0.05\n}')
    sub["gbar_L2Basket_L2Basket"] = 1.0  # a copy: the parameters are unchanged
    assert params["gbar_L2Basket_L2Basket"] == 0.02


def test_connection_repr_as_hnn_core_prints_it():
    # plot_connectivity prints the L5 basket -> L5 pyramidal soma GABAa rule
    from myelin.hnn import neymotin_2020_model, pick_connection
    net = neymotin_2020_model(mesh_shape=(3, 3))
    idx = pick_connection(net, src_gids="L5_basket", target_gids="L5_pyramidal", loc="soma",
                          receptor="gabaa")
    assert len(idx) == 1
    assert repr(net.connectivity[idx[0]]) == (
        "L5_basket -> L5_pyramidal\ncell counts: 3 srcs, 9 targets\n"
        "connection probability: 1.0 \nloc: 'soma'; receptor: 'gabaa'\n"
        "weight: 0.025; delay: 1.0; lamtha: 70.0threshold: 0.0gain: 1.0\n ")


def test_section_mechanisms_in_hnn_cores_order():
    # plot_simulate_beta prints the L5 pyramidal apical and basal mechanisms
    from myelin import _core
    from myelin.hnn.cells import Cell
    l5 = Cell("L5_pyramidal")
    assert list(l5.sections["apical_1"].mechs) == ["hh2", "ca", "cad", "kca", "km", "cat",
                                                   "ar"]
    assert list(Cell("L2_pyramidal").sections["soma"].mechs) == ["km", "hh2"]
    assert list(Cell("L2_basket").sections["soma"].mechs) == ["hh2"]
    if "L5_pyramidal_law2021" in _core.cell_types():
        law = Cell("L5_pyramidal", "L5_pyramidal_law2021")
        assert list(law.sections["basal_1"].mechs) == ["hh2", "cad", "kca", "km", "cat", "ar"]

"""What HNN-core 0.6.1's published examples (examples/howto, examples/workflows of
hnn-core; docs/hnn-python.md lists them) show that differed on myelin.hnn, each checked
on a small case: the laminar LFP's contact labels, a wildcard subset of Params, the
printed connection rule, the order of a section's mechanisms, the somato example's
parameter file."""
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


def test_somato_parameter_file_and_its_evoked_inputs():
    # plot_simulate_somato: neymotin_2020_model(op.join(op.dirname(hnn_core.__file__),
    # 'param', 'N20.json')); with add_drives_from_params hnn-core 0.6.1 adds these drives
    import os.path as op

    import myelin.hnn as hnn_pkg
    from myelin.hnn import Params, neymotin_2020_model, pick_connection
    fname = op.join(op.dirname(hnn_pkg.__file__), "param", "N20.json")
    net = neymotin_2020_model(fname, add_drives_from_params=True)
    drives = {name: (d["type"], d["event_seed"], d["n_drive_cells"])
              for name, d in net.external_drives.items()}
    assert drives == {"bursty1": ("bursty", 274, 10), "bursty2": ("bursty", 284, 10),
                      "evdist1": ("evoked", 294, 1), "evdist2": ("evoked", 291, 1),
                      "evprox1": ("evoked", 296, 1)}
    assert [net.external_drives[n]["dynamics"]["mu"] for n in ("evprox1", "evdist1",
                                                               "evdist2")] == [20, 32, 82]
    idx = pick_connection(net, src_gids="L5_basket", target_gids="L5_pyramidal",
                          receptor="gabab")
    assert net.connectivity[idx[0]]["nc_dict"]["A_weight"] == 0.06
    # evoked inputs of a parameter set are its own, the missing keys templated
    p = Params({"t_evprox_1": 10.0, "sigma_t_evprox_1": 1.0})
    assert "t_evdist_1" not in p and "t_evprox_2" not in p
    assert (p["gbar_evprox_1_L5Basket_nmda"], p["numspikes_evprox_1"],
            p["prng_seedcore_evprox_1"], p["t_evprox_1"]) == (0.0, 1, 0, 10.0)
    assert Params()["t_evprox_2"] == 137.12  # no evoked inputs given: default.json's

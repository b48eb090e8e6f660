"""myelin.hnn (docs/hnn-python.md): HNN-core 0.6's Network, drives and parameter files
in Python, compiled to myelin models; HNN-core's errors where the user errs."""
import json

import numpy as np
import pytest
from hnn_api_support import REPO, hnn

from myelin.hnn.compile import to_model

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PROX_DELAYS = {"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0}


def test_jones_column_layout_and_gids():
    net = hnn.jones_2009_model()
    assert list(net.cell_types) == ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"]
    assert {k: (r.start, r.stop) for k, r in net.gid_ranges.items()} == {
        "L2_basket": (0, 35), "L2_pyramidal": (35, 135), "L5_basket": (135, 170),
        "L5_pyramidal": (170, 270)}
    assert net.pos_dict["L5_pyramidal"][11] == (1.0, 1.0, 0)
    assert net.pos_dict["L2_basket"][:3] == [(0.0, 0.0, 0.8 * 1307.4), (3.0, 0.0, 0.8 * 1307.4),
                                             (6.0, 0.0, 0.8 * 1307.4)]
    assert tuple(net.pos_dict["origin"]) == (4.0, 4.0, 653.0)
    assert len(net.connectivity) == 16
    c = net.connectivity[0]
    assert (c["src_type"], c["target_type"], c["loc"], c["receptor"]) == \
        ("L2_pyramidal", "L2_pyramidal", "proximal", "nmda")
    assert c["nc_dict"]["A_weight"] == 0.0005 and c["nc_dict"]["lamtha"] == 3.0
    assert 35 not in c["gid_pairs"][35] and len(c["gid_pairs"][35]) == 99  # no autapse
    hnn.add_erp_drives_to_jones_model(net)
    assert {k: (r.start, r.stop) for k, r in net.gid_ranges.items() if k.startswith("ev")} == \
        {"evdist1": (270, 505), "evprox1": (505, 775), "evprox2": (775, 1045)}
    assert net.external_drives["evprox1"]["n_drive_cells"] == 270
    assert net.cell_types["L5_pyramidal"]["cell_metadata"]["measure_dipole"] is True
    assert set(net.cell_types["L5_pyramidal"]["cell_object"].sect_loc["proximal"]) == \
        {"apical_oblique", "basal_2", "basal_3"}


def test_compiled_erp_model_is_models_jones2009_erp():
    """The Network compiles to the model file's populations and drives, and its
    projections to the same rules (order and labels aside; the expressions' numbers
    are the same doubles)."""
    net = hnn.jones_2009_model()
    hnn.add_erp_drives_to_jones_model(net)
    mine = to_model(net, 170.0, 0.025)
    with open(REPO / "models" / "jones2009_erp.json") as f:
        ref = json.load(f)
    assert mine["populations"] == ref["populations"]
    assert mine["drives"] == ref["drives"]

    def rule(p):
        return (p["pre"], p["post"], p["receptor"], p["connector"]["allow_self_connections"],
                *[float(x) for x in p["weight"].replace("(", " ").replace(")", " ").split()
                  if x[0].isdigit()], float(p["delay"].split()[0]))

    assert sorted(map(rule, mine["projections"])) == sorted(map(rule, ref["projections"]))


def test_drive_seeds_follow_trials_and_params():
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    net.add_evoked_drive("e", mu=20.0, sigma=2.0, numspikes=1, location="proximal",
                         weights_ampa={"L5_pyramidal": 0.01}, event_seed=7)
    assert [d["seed"] for d in to_model(net, 50.0, trial_idx=3)["drives"]] == [10]


def test_read_params_json_and_legacy_param(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps({"tstop": 210.0, "t_evprox_1": 22.0,
                                                 "sigma_t_evprox_1": 3.0,
                                                 "gbar_evprox_1_L5Pyr_ampa": 0.02,
                                                 "numspikes_evprox_1": 1,
                                                 "prng_seedcore_evprox_1": 4}))
    p = hnn.read_params(str(tmp_path / "p.json"))
    assert p["tstop"] == 210.0 and p["gbar_L2Pyr_L2Pyr_ampa"] == 0.0005  # default kept
    assert set(p["gbar_L2Basket_L2*"]) == {"gbar_L2Basket_L2Basket", "gbar_L2Basket_L2Pyr_gabaa",
                                           "gbar_L2Basket_L2Pyr_gabab"}
    (tmp_path / "p.param").write_text("tstop: 90.5\nN_trials: 2\nsim_prefix: myrun\n"
                                      "gbar_L2Pyr_L2Pyr_ampa: 1e-3\n")
    q = hnn.read_params(str(tmp_path / "p.param"))
    assert q["tstop"] == 90.5 and q["N_trials"] == 2 and isinstance(q["N_trials"], int)
    assert q["sim_prefix"] == "myrun" and q["gbar_L2Pyr_L2Pyr_ampa"] == 1e-3
    with pytest.raises(ValueError, match="Unrecognized extension"):
        hnn.read_params(str(tmp_path / "p.txt"))


def test_network_from_params_with_drives_from_params(tmp_path):
    params = hnn.read_params(str(REPO / "python" / "myelin" / "hnn" / "param" / "default.json"))
    net = hnn.Network(params, add_drives_from_params=True)
    assert net.connectivity and all(c["src_type"] in net.external_drives
                                    for c in net.connectivity)  # no local connections
    assert list(net.external_drives) == ["evdist1", "evprox1", "evprox2"]
    d = net.external_drives["evprox1"]
    assert d["dynamics"] == {"mu": 26.61, "sigma": 2.47, "numspikes": 1}
    # HNN-core adds the first gid of the drive to the file's seed core.
    assert d["event_seed"] == 2 + net.gid_ranges["evprox1"][0]
    w = {c["target_type"]: c["nc_dict"]["A_weight"] for c in net.connectivity
         if c["src_type"] == "evprox2" and c["receptor"] == "ampa"}
    assert w == {"L2_basket": 3e-06, "L2_pyramidal": 1.43884, "L5_basket": 0.008958,
                 "L5_pyramidal": 0.684013}
    model = to_model(net, 170.0)
    assert [x["label"] for x in model["drives"]] == ["evdist1", "evprox1", "evprox2"]
    assert model["projections"] == []


def test_pick_connection_and_clearing():
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    assert hnn.pick_connection(net, receptor="gabab") == [5, 7]
    assert net.pick_connection(src_gids="L2_basket", loc="distal") == [10]
    assert hnn.pick_connection(net, src_gids="L5_basket", target_gids="L5_basket") == [13]
    assert hnn.pick_connection(net, src_gids="L2_basket", receptor="nmda") == []
    net.add_bursty_drive("b", tstart=10.0, burst_rate=10, location="distal",
                         weights_ampa={"L2_pyramidal": 1e-4}, n_drive_cells=2)
    assert hnn.pick_connection(net, src_gids="b") == [16]
    net.clear_connectivity()
    assert [c["src_type"] for c in net.connectivity] == ["b"]
    net.clear_drives()
    assert net.connectivity == [] and "b" not in net.gid_ranges and net._n_gids == 24


def test_global_synaptic_gains_scale_the_compiled_weights():
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    net.add_evoked_drive("ev", mu=10.0, sigma=1.0, numspikes=1, location="proximal",
                         weights_ampa={"L2_basket": 0.01})
    assert net.get_global_synaptic_gains() == {"e_e": 1.0, "e_i": 1.0, "i_e": 1.0, "i_i": 1.0}
    other = net.set_global_synaptic_gains(e_i=0.5, i_i=2.0, copy=True)
    assert net.get_global_synaptic_gains()["e_i"] == 1.0
    assert other.get_global_synaptic_gains() == {"e_e": 1.0, "e_i": 0.5, "i_e": 1.0, "i_i": 2.0}
    proj = {p["label"]: p["weight"] for p in to_model(other, 50.0)["projections"]}
    assert proj["L2_pyramidal->L2_basket:soma_ampa"].startswith("0.00025 * exp(")
    assert proj["L2_basket->L2_basket:soma_gabaa"].startswith("0.04 * exp(")
    assert proj["L2_basket->L2_pyramidal:soma_gabaa"].startswith("0.05 * exp(")
    assert to_model(other, 50.0)["drives"][0]["weights_ampa"] == {"L2_basket": 0.01}
    with pytest.raises(ValueError, match="Synaptic gains must be non-negative"):
        net.set_global_synaptic_gains(e_e=-1.0)


def test_add_connection_subsets_compile_to_explicit_columns():
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    net.clear_connectivity()
    net.add_connection([0, 1], "L5_pyramidal", "distal", "gabaa", 0.01, 1.0, 2.0)
    net.add_connection("L2_pyramidal", "L2_pyramidal", "proximal", "ampa", 0.001, 1.0, 3.0,
                       probability=0.5, conn_seed=3)
    p = to_model(net, 50.0)["projections"]
    assert p[0]["connector"]["type"] == "FromArrays"
    assert p[0]["connector"]["pre"] == [0] * 9 + [1] * 9
    # L2 basket 1 sits at (1, 1): on L5 pyramidal cell 4, at (1, 1), the full weight; on
    # cell 0, at (0, 0), d^2 = 2 with lamtha 2.
    c = p[0]["connector"]
    assert c["weight"][9 + 4] == 0.01 and c["delay"][9 + 4] == 1.0
    assert c["weight"][9] == pytest.approx(0.01 * np.exp(-0.5), rel=1e-15)
    assert c["delay"][9] == pytest.approx(np.exp(0.5), rel=1e-15)
    # probability 0.5 keeps round(81 * 0.5) of the 81 pairs, chosen as HNN-core does.
    assert len(p[1]["connector"]["pre"]) == 40
    kept = np.random.default_rng(3).choice(range(81), 40, replace=False)
    first = sorted(kept)[0]
    assert net.connectivity[1]["gid_pairs"][3 + first // 9][0] == 3 + first % 9


ERRORS = [
    (dict(weights_ampa={"L2_pyr": 0.1}), ValueError, "Allowed drive target cell types"),
    (dict(location="dist"), ValueError, "Invalid value for the 'location' parameter"),
    (dict(location="distal", weights_ampa={"L5_basket": 0.1}), ValueError,
     "a distal drive cannot target L5_basket"),
    (dict(sigma=-1.0), ValueError, "Standard deviation cannot be negative"),
    (dict(numspikes=0), ValueError, "Number of spikes must be greater than zero"),
    (dict(synaptic_delays={"L2_basket": 0.1}), ValueError,
     "synaptic_delays is either a common float"),
    (dict(weights_ampa=None), ValueError, "No target cell types have been given"),
    (dict(n_drive_cells=5), ValueError, "If cell_specific is True, n_drive_cells must"),
    (dict(probability=2), TypeError, "probability must be an instance of float or dict"),
]


@pytest.mark.parametrize("change,kind,message", ERRORS)
def test_evoked_drive_errors_at_the_call(change, kind, message):
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    args = dict(mu=10.0, sigma=1.0, numspikes=1, location="proximal",
                weights_ampa={"L2_basket": 0.01, "L5_pyramidal": 0.01})
    args.update(change)
    with pytest.raises(kind, match=message):
        net.add_evoked_drive("ev", **args)
    assert net.external_drives == {} and "ev" not in net.gid_ranges


def test_other_drive_and_connection_errors():
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    w = {"L2_pyramidal": 1e-3}
    with pytest.raises(ValueError, match="Rate constants not provided for all target"):
        net.add_poisson_drive("p", rate_constant={"L5_pyramidal": 10.0}, location="proximal",
                              weights_ampa=w)
    with pytest.raises(ValueError, match="Rate constant must be positive"):
        net.add_poisson_drive("p", rate_constant=0.0, location="proximal", weights_ampa=w)
    with pytest.raises(ValueError, match="Burst duration"):
        net.add_bursty_drive("b", burst_rate=50, numspikes=5, spike_isi=10, location="distal",
                             weights_ampa=w)
    with pytest.raises(ValueError, match="Start time of bursty drive cannot be negative"):
        net.add_bursty_drive("b", tstart=-1, burst_rate=10, location="distal", weights_ampa=w)
    net.add_evoked_drive("ev", mu=1.0, sigma=0.0, numspikes=1, location="soma",
                         weights_ampa={"L2_basket": 0.01})
    with pytest.raises(ValueError, match="Drive ev already defined"):
        net.add_evoked_drive("ev", mu=1.0, sigma=0.0, numspikes=1, location="soma",
                             weights_ampa={"L2_basket": 0.01})
    with pytest.raises(ValueError, match="the 'gabab' receptor is not defined for the 'soma'"):
        net.add_connection("L2_pyramidal", "L2_basket", "soma", "gabab", 0.1, 1.0, 3.0)
    with pytest.raises(ValueError, match="the loc 'apical_tuft' is not defined for 'L5_basket'"):
        net.add_connection("L2_pyramidal", "L5_basket", "apical_tuft", "ampa", 0.1, 1.0, 3.0)
    with pytest.raises(ValueError, match="Invalid value for the 'target_gids' parameter"):
        net.add_connection("L2_pyramidal", "L5_pyr", "soma", "ampa", 0.1, 1.0, 3.0)
    with pytest.raises(ValueError, match="cell_type must be one of"):
        net.add_tonic_bias(amplitude={"L5_pyr": 1.0})
    with pytest.raises(ValueError, match="Invalid value for the 'receptor' parameter"):
        hnn.pick_connection(net, receptor="glu")
    with pytest.raises(ValueError, match="mesh_shape must be a tuple of positive"):
        hnn.jones_2009_model(mesh_shape=(0, 3))


def test_engine_cell_types_for_law_and_calcium():
    """law_2021_model: its network-level changes as data; the engine cell types must
    exist (a clear error names the missing one)."""
    import myelin
    known = myelin.cell_types()
    if "L5_pyramidal_law2021" not in known:
        with pytest.raises(ValueError, match="law_2021_model: this myelin engine has no cell "
                                             "type 'L2_pyramidal_law2021'"):
            hnn.law_2021_model(mesh_shape=(3, 3))
        return
    net = hnn.law_2021_model(mesh_shape=(3, 3))
    assert len(net.connectivity) == 17
    assert net.connectivity[2]["nc_dict"]["A_weight"] == 0.0004
    assert (net.connectivity[-2]["receptor"], net.connectivity[-1]["loc"]) == ("gabab", "distal")

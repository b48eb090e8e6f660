"""myelin.hnn's network configuration files (hnn_io, docs/hnn-python.md "Network
configuration files"): HNN-core 0.6.1's own neymotin2020_base.json read as the column
with its drives (same dipole, to the bit), write -> read round trips of every kind of
drive, connection and electrode array, the written structure key by key against
HNN-core's file, convert_to_json, and HNN-core's errors where the user errs."""
import gzip
import io
import json
import math

import numpy as np
import pytest
from hnn_api_support import REPO, hnn

from myelin.hnn.params import remove_nulled_drives

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HNN_GZ = REPO / "tests" / "data" / "hnn" / "neymotin2020_base.json.gz"  # kept compressed


@pytest.fixture(scope="module")
def hnn_file(tmp_path_factory):
    """hnn-core's file as it ships (uncompressed into a scratch directory)."""
    path = tmp_path_factory.mktemp("hnn_io") / "neymotin2020_base.json"
    path.write_bytes(gzip.decompress(HNN_GZ.read_bytes()))
    return path


PROX_DELAYS = {"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0}
NO_NMDA = {t: 0.0 for t in PROX_DELAYS}
# Lists whose order HNN-core takes from a set (src_gids, target_gids) or from its own
# synapse order (a basket's syns: ampa, gabaa, nmda; the engine's: ampa, nmda, gabaa).
UNORDERED = ("src_gids", "target_gids", "syns")


def add_file_drives(net):
    """The drives neymotin2020_base.json holds (its seeds and zero NMDA weights)."""
    net.add_evoked_drive(
        "evdist1", mu=63.53, sigma=3.85, numspikes=1, location="distal",
        weights_ampa={"L2_basket": 0.006562, "L2_pyramidal": 7e-6, "L5_pyramidal": 0.1423},
        weights_nmda={"L2_basket": 0.019482, "L2_pyramidal": 0.004317,
                      "L5_pyramidal": 0.080074},
        synaptic_delays={"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_pyramidal": 0.1},
        event_seed=272)
    net.add_evoked_drive(
        "evprox1", mu=26.61, sigma=2.47, numspikes=1, location="proximal",
        weights_ampa={"L2_basket": 0.08831, "L2_pyramidal": 0.01525, "L5_basket": 0.19934,
                      "L5_pyramidal": 0.00865},
        weights_nmda=NO_NMDA, synaptic_delays=PROX_DELAYS, event_seed=507)
    net.add_evoked_drive(
        "evprox2", mu=137.12, sigma=8.33, numspikes=1, location="proximal",
        weights_ampa={"L2_basket": 3e-6, "L2_pyramidal": 1.43884, "L5_basket": 0.008958,
                      "L5_pyramidal": 0.684013},
        weights_nmda=NO_NMDA, synaptic_delays=PROX_DELAYS, event_seed=777)
    return net


def differences(a, b, path="", keys_only=False):
    """Paths where a and b differ: other keys, other lengths, or (unless keys_only)
    other values (numbers to 1e-12 relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [(path, sorted(set(a) ^ set(b)))]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}", keys_only)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [(path, len(a), len(b))]
        if path.rsplit(".", 1)[-1] in UNORDERED:
            a, b = sorted(a), sorted(b)
        return [d for i, (x, y) in enumerate(zip(a, b))
                for d in differences(x, y, f"{path}[{i}]", keys_only)]
    if keys_only:
        return [] if isinstance(a, dict) == isinstance(b, dict) else [(path, a, b)]
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return [] if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) else [(path, a, b)]
    return [] if a == b else [(path, a, b)]


def simulate(net, tstop):
    dpl = hnn.simulate_dipole(net, tstop=tstop, verbose=False)[0]
    return dpl, net.cell_response


def test_hnn_core_file_is_the_column_with_its_drives(hnn_file):
    net = hnn.read_network_configuration(hnn_file)
    ref = add_file_drives(hnn.neymotin_2020_model())
    assert list(net.gid_ranges) == ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal",
                                    "evdist1", "evprox1", "evprox2"]
    assert net.gid_ranges["evprox2"] == range(775, 1045)
    assert len(net.connectivity) == 38
    assert [net.cell_types[t]["cell_object"].engine_type for t in net.cell_types] == \
        ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"]
    assert differences(hnn.network_to_dict(net), hnn.network_to_dict(ref)) == []
    # 80 ms: the first proximal (26.6 ms) and the distal drive (63.5 ms) both arrive.
    # Same cells, pairs, weights, delays and drive seeds: the same bits.
    dpl, resp = simulate(net, 80.0)
    dpl_ref, resp_ref = simulate(ref, 80.0)
    for layer in ("agg", "L2", "L5"):
        assert np.array_equal(dpl.data[layer], dpl_ref.data[layer])
    assert np.max(np.abs(dpl.data["agg"])) > 0.05
    assert len(resp.spike_times[0]) == len(resp_ref.spike_times[0]) > 300
    assert resp.spike_gids[0] == resp_ref.spike_gids[0]


def test_written_file_has_hnn_cores_structure_and_values(hnn_file):
    with open(hnn_file) as f:
        theirs = json.load(f)
    ours = hnn.network_to_dict(add_file_drives(hnn.neymotin_2020_model()))
    # The same keys at every level (cell objects, sections, mechanisms with hnn-core's
    # '<param>_<mech>' names, drives, connections) ...
    assert differences(ours, theirs, keys_only=True) == []
    # ... and the same values: per-segment densities (L5's ar), end points, nseg, v0.
    assert differences(ours, theirs) == []
    buf = io.StringIO()
    hnn.write_network_configuration(add_file_drives(hnn.neymotin_2020_model()), buf)
    assert differences(json.load(buf), theirs) == []


def rich_network():
    """A 3x3 column with a drive of every kind, a tonic bias, extra and thinned
    connections, an edited gain and synapse kinetics, and an electrode array."""
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_evoked_drive("evprox1", mu=12.0, sigma=2.0, numspikes=2, location="proximal",
                         weights_ampa={"L2_pyramidal": 0.02, "L5_pyramidal": 0.01},
                         synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 1.0},
                         event_seed=11)
    net.add_poisson_drive("pois", tstart=5.0, tstop=40.0, location="distal",
                          rate_constant={"L2_pyramidal": 60.0, "L5_pyramidal": 40.0},
                          weights_ampa={"L2_pyramidal": 0.003, "L5_pyramidal": 0.004},
                          weights_nmda={"L2_pyramidal": 0.001, "L5_pyramidal": 0.001},
                          event_seed=5)
    net.add_bursty_drive("burst", tstart=8.0, burst_rate=20.0, burst_std=2.0, numspikes=3,
                         spike_isi=5.0, location="proximal", n_drive_cells=2,
                         cell_specific=False, weights_ampa={"L2_basket": 0.01,
                                                            "L5_basket": 0.02},
                         synaptic_delays={"L2_basket": 0.1, "L5_basket": 1.0},
                         probability=0.5, event_seed=3)
    net.add_spike_train_drive("replay", spike_data={"a": [5.0, 15.0], "b": [], "c": [9.5]},
                              location="proximal", weights_ampa={"L5_pyramidal": 0.05},
                              synaptic_delays=0.5)
    net.add_tonic_bias(amplitude={"L5_pyramidal": 0.4, "L2_basket": 0.1}, t0=2.0,
                       tstop=50.0)
    net.add_connection("L5_basket", "L2_pyramidal", "soma", "gabaa", 0.02, 1.5, 20.0,
                       probability=0.2, conn_seed=7)  # 5 of 27 pairs: a source has none
    net.add_connection([4, 5], "L5_pyramidal", "distal", "ampa", 0.001, 2.0, 3.0)
    net.connectivity[0]["nc_dict"]["gain"] = 1.5
    net.delay = 1.25
    net.cell_types["L2_pyramidal"]["cell_object"].synapses["gabab"]["tau2"] = 30.0
    net.add_electrode_array("shank", [(1.0, 1.0, z) for z in (-200.0, 300.0, 1200.0)],
                            method="lsa", conductivity=0.4, min_distance=1.0)
    return net


def test_round_trip_keeps_every_part_and_the_simulation(tmp_path):
    net = rich_network()
    path = tmp_path / "net.json"
    net.write_configuration(path)
    back = hnn.read_network_configuration(path)
    before = net.to_dict()
    assert differences(hnn.network_to_dict(back), hnn.network_to_dict(net)) == []
    assert back.to_dict() == net.to_dict()  # JSON's floats come back as written
    assert sorted(back.external_drives) == ["burst", "evprox1", "pois", "replay"]
    written = json.loads(path.read_text())["external_drives"]["replay"]
    assert written["dynamics"] == {"times": [5.0, 15.0, 9.5], "gids": [0, 0, 2]}  # hnn-core's
    assert back.external_drives["replay"]["dynamics"]["spike_times"] == [[5.0, 15.0], [],
                                                                          [9.5]]
    assert back.external_drives["pois"]["dynamics"]["rate_constant"] == \
        {"L2_pyramidal": 60.0, "L5_pyramidal": 40.0}
    thinned = back.connectivity[-2]
    assert (thinned["src_type"], thinned["probability"]) == ("L5_basket", 0.2)
    assert thinned["gid_pairs"] == net.connectivity[-2]["gid_pairs"]  # not thinned again
    assert (len(thinned["gid_pairs"]), thinned["num_srcs"], len(thinned["src_gids"])) == \
        (2, 3, 3)
    assert back.cell_types["L2_pyramidal"]["cell_object"].synapses["gabab"]["tau2"] == 30.0
    assert back.external_biases == net.external_biases
    assert back.rec_arrays["shank"].method == "lsa"
    dpl_back, resp_back = simulate(back, 60.0)
    dpl, resp = simulate(net, 60.0)
    for layer in ("agg", "L2", "L5"):
        assert np.array_equal(dpl_back.data[layer], dpl.data[layer])
    assert np.array_equal(back.rec_arrays["shank"].voltages, net.rec_arrays["shank"].voltages)
    assert resp_back.spike_gids[0] == resp.spike_gids[0]
    assert len(set(resp.spike_types[0]) & {"burst", "pois", "evprox1", "replay"}) == 4
    # Written after the run: the simulation's outputs stay out, as in hnn-core.
    net.external_drives["evprox1"]["events"] = [[[12.5], [13.0]]]
    net.write_configuration(path)
    written = json.loads(path.read_text())
    assert written["external_drives"]["evprox1"]["events"] == []
    assert written["rec_arrays"]["shank"]["times"] == [] and written["cell_response"] == {}
    assert differences(hnn.read_network_configuration(path).to_dict(), before) == \
        [(".external_drives.burst.dynamics.tstop", 60.0, None)]  # set by the run
    with_output = net.to_dict(write_output=True)
    assert with_output["external_drives"]["evprox1"]["events"] == [[[12.5], [13.0]]]
    assert with_output["rec_arrays"]["shank"]["times"][-1] == pytest.approx(60.0)
    assert len(with_output["cell_response"]["spike_times"][0]) == len(resp.spike_times[0])
    assert np.shape(with_output["rec_arrays"]["shank"]["voltages"]) == (1, 3, 2401)


@pytest.mark.parametrize("model,engine_types", [
    ("calcium_model", ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal_calcium"]),
    ("law_2021_model", ["L2_basket", "L2_pyramidal_law2021", "L5_basket",
                        "L5_pyramidal_law2021"])])
def test_models_come_back_on_their_engine_cell_types(model, engine_types):
    """The calcium cell's distance-dependent densities (linear and exponential) and the
    Law 2021 cells (L2's differs from L2_pyramidal in GABAb kinetics only) are found."""
    net = getattr(hnn, model)(mesh_shape=(3, 3))
    add_file_drives(net)
    back = hnn.dict_to_network(net.to_dict())
    assert [back.cell_types[t]["cell_object"].engine_type for t in back.cell_types] == \
        engine_types
    assert back.to_dict() == net.to_dict()
    dpl, _ = simulate(back, 40.0)
    assert np.array_equal(dpl.data["agg"], simulate(net, 40.0)[0].data["agg"])
    if model == "calcium_model":
        # hnn-core's linear calcium density at apical_1's middle segment (7 of 13):
        # 10 + min(1501, d) * (40 - 10) / 1501 at d = 39 + 102 + 340 um from soma(0).
        sec = net.to_dict()["cell_types"]["L5_pyramidal"]["cell_object"]["sections"]
        xs, values = sec["apical_1"]["mechs"]["ca"]["gbar_ca"]
        assert (len(xs), xs[6]) == (13, 0.5)
        assert values[6] == pytest.approx(10 + 481 * 30 / 1501, rel=1e-14)


def test_reads_files_from_before_cell_metadata():
    """hnn-core files written before cell_metadata existed hold the cell objects
    directly; the column's metadata (electro_type for the global gains) is given."""
    data = hnn.network_to_dict(add_file_drives(hnn.neymotin_2020_model(mesh_shape=(3, 3))))
    old = dict(data, cell_types={name: t["cell_object"]
                                 for name, t in data["cell_types"].items()})
    net = hnn.dict_to_network(old)
    assert net.cell_types["L5_basket"]["cell_metadata"]["electro_type"] == "inhibitory"
    assert net.to_dict() == data


def test_networks_compare_by_content_as_hnn_cores():
    """Network == Network (hnn-core's __eq__, used by its tests): a copy and a read-back
    network are equal, connections in any order; a changed weight or drive is not."""
    net = rich_network()
    assert net == net.copy()
    back = hnn.dict_to_network(hnn.network_to_dict(net))
    assert back == net
    back.connectivity.reverse()
    assert back == net
    other = net.copy()
    other.connectivity[0]["nc_dict"]["A_weight"] *= 2
    assert other != net
    other = net.copy()
    other.add_evoked_drive("late", mu=90.0, sigma=1.0, numspikes=1, location="distal",
                           weights_ampa={"L5_pyramidal": 1e-3})
    assert other != net
    assert (net == "a network") is False


def test_read_leaves_out_drives_or_biases():
    data = hnn.network_to_dict(rich_network())
    net = hnn.dict_to_network(data, read_drives=False)
    assert net.external_drives == {} and list(net.gid_ranges)[-1] == "L5_pyramidal"
    assert len(net.connectivity) == 18  # 16 rules + the 2 added; the drives' are gone
    assert net.external_biases["tonic"]["L5_pyramidal"]["amplitude"] == 0.4
    net = hnn.dict_to_network(data, read_external_biases=False)
    assert net.external_biases == {} and len(net.external_drives) == 4


def test_convert_to_json(tmp_path):
    default = REPO / "python" / "myelin" / "hnn" / "param" / "default.json"
    hnn.convert_to_json(default, tmp_path / "default")  # .json is added
    net = hnn.read_network_configuration(tmp_path / "default.json")
    ref = hnn.neymotin_2020_model(hnn.read_params(str(default)), add_drives_from_params=True)
    assert net.to_dict() == remove_nulled_drives(ref).to_dict()
    assert sorted(net.external_drives) == ["evdist1", "evprox1", "evprox2"]
    hnn.convert_to_json(str(default), tmp_path / "nodrives.json", include_drives=False)
    net = hnn.read_network_configuration(tmp_path / "nodrives.json")
    assert net.external_drives == {} and len(net.connectivity) == 16


def test_convert_legacy_param_file(tmp_path):
    with open(REPO / "python" / "myelin" / "hnn" / "param" / "default.json") as f:
        params = json.load(f)
    legacy = tmp_path / "default.param"
    legacy.write_text("".join(f"{key}: {value}\n" for key, value in params.items()))
    hnn.convert_to_json(legacy, tmp_path / "legacy.json")
    net = hnn.read_network_configuration(tmp_path / "legacy.json")
    assert net._legacy_mode is True
    # The parameter file's 7 drives less the switched-off ones (extgauss, extpois and
    # the two bursty inputs), as HNN-core's test of default.param finds; 16 rules and
    # 22 drive connections (HNN-core: 23, with a zero-weight L5 basket distal one).
    assert sorted(net.external_drives) == ["evdist1", "evprox1", "evprox2"]
    assert len(net.gid_ranges) == 7 and len(net.connectivity) == 38


def test_remove_nulled_drives_drops_switched_off_drives():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_evoked_drive("off", mu=10.0, sigma=1.0, numspikes=1, location="proximal",
                         weights_ampa={"L2_pyramidal": 0.0})
    net.add_poisson_drive("late", tstart=50.0, tstop=60.0, location="proximal",
                          rate_constant=10.0, weights_ampa={"L2_pyramidal": 0.01})
    net.external_drives["late"]["dynamics"]["tstop"] = 40.0  # as legacy files switch off
    net.add_evoked_drive("on", mu=10.0, sigma=1.0, numspikes=1, location="proximal",
                         weights_ampa={"L2_pyramidal": 0.01}, space_constant=7.0)
    kept = remove_nulled_drives(net)
    assert list(kept.external_drives) == ["on"]
    assert kept.gid_ranges["on"] == range(24, 33)
    assert [c["nc_dict"]["lamtha"] for c in kept.connectivity[16:]] == [7.0]


def test_errors(tmp_path):
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    path = tmp_path / "net.json"
    net.write_configuration(path)
    with pytest.raises(FileExistsError, match="File already exists at path .*net.json. "
                                              "Rename the file or set overwrite=True."):
        hnn.write_network_configuration(net, path, overwrite=False)
    with pytest.raises(TypeError, match="net must be an instance of Network"):
        hnn.write_network_configuration({"object_type": "Network"}, tmp_path / "x.json")
    with pytest.raises(TypeError, match="output must be an instance of str, Path or a text"):
        hnn.write_network_configuration(net, 5)
    with pytest.raises(FileNotFoundError):
        hnn.read_network_configuration(tmp_path / "missing.json")
    data = json.loads(path.read_text())
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(dict(data, object_type="Dipole")))
    with pytest.raises(ValueError, match="The json should encode a Network object. The file "
                                         "contains object of type Dipole"):
        hnn.read_network_configuration(bad)
    with pytest.raises(TypeError, match="net_data must be an instance of dict"):
        hnn.dict_to_network([data])
    with pytest.raises(ValueError, match="celsius: myelin's HNN mechanisms run at 37.0 degC"):
        hnn.dict_to_network(dict(data, celsius=34.0))
    edited = json.loads(path.read_text())
    soma = edited["cell_types"]["L5_pyramidal"]["cell_object"]["sections"]["soma"]
    soma["mechs"]["hh2"]["gnabar_hh2"] = 0.2
    with pytest.raises(ValueError, match=r"cell_types.L5_pyramidal.cell_object.sections.soma"
                                         r".mechs.hh2.gnabar_hh2: 0.2 differs from myelin's "
                                         r"'L5_pyramidal' \(0.16\)"):
        hnn.dict_to_network(edited)
    edited = json.loads(path.read_text())
    edited["cell_types"]["L2_basket"]["cell_object"]["sections"]["soma"]["L"] = 40.0
    with pytest.raises(ValueError, match=r"L2_basket.cell_object.sections.soma.L: 40.0"):
        hnn.dict_to_network(edited)
    edited = json.loads(path.read_text())
    edited["cell_types"]["L2_basket"]["cell_object"]["synapses"]["gabab"] = \
        {"e": -80.0, "tau1": 1.0, "tau2": 20.0}
    with pytest.raises(ValueError, match="synapses.gabab: not a receptor of myelin's "
                                         "'L2_basket'"):
        hnn.dict_to_network(edited)
    edited = json.loads(path.read_text())
    edited["cell_types"]["L4_stellate"] = edited["cell_types"]["L2_basket"]
    with pytest.raises(ValueError, match="cell_types.L4_stellate: myelin has no cell type"):
        hnn.dict_to_network(edited)
    edited["cell_types"] = {"IF_cond_exp": edited["cell_types"]["L2_basket"]}
    with pytest.raises(ValueError, match="cell_types.IF_cond_exp: myelin has no cell type"):
        hnn.dict_to_network(edited)
    data = hnn.network_to_dict(rich_network())
    data["external_drives"]["pois"]["type"] = "gamma"
    with pytest.raises(ValueError, match="external_drives.pois.type: 'gamma' is not a drive "
                                         "type"):
        hnn.dict_to_network(data)
    data = hnn.network_to_dict(rich_network())
    data["external_drives"]["replay"]["dynamics"]["gids"].pop()
    with pytest.raises(ValueError, match="external_drives.replay.dynamics: a spike_train "
                                         "drive needs 'times' and 'gids' of equal length"):
        hnn.dict_to_network(data)
    data = hnn.network_to_dict(rich_network())
    data["gid_ranges"]["pois"]["stop"] += 1
    with pytest.raises(ValueError, match=r"gid_ranges.pois: \[42, 61\) does not match"):
        hnn.dict_to_network(data)
    data = hnn.network_to_dict(rich_network())
    data["external_biases"]["tonic"]["L5_pyramidal"]["section"] = "apical_tuft"
    with pytest.raises(ValueError, match="section: myelin's tonic biases reach the soma only"):
        hnn.dict_to_network(data)
    with pytest.raises(TypeError, match="params_fname must be an instance of str or Path"):
        hnn.convert_to_json(5, tmp_path / "out.json")
    with pytest.raises(TypeError, match="out_fname must be an instance of str or Path"):
        hnn.convert_to_json(str(path), 5)
    with pytest.raises(ValueError, match="Unrecognized extension, expected one of"):
        hnn.convert_to_json(tmp_path, tmp_path / "out.json")


def test_gain_warning_printed_on_read(tmp_path, capsys):
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.write_configuration(tmp_path / "uniform.json")
    hnn.read_network_configuration(tmp_path / "uniform.json")
    assert capsys.readouterr().out == ""
    net.connectivity[0]["nc_dict"]["gain"] = 2.0  # one e_e connection of several
    net.connectivity[4]["nc_dict"]["gain"] = 3.0  # one i_e connection of several
    net.write_configuration(tmp_path / "mixed.json")
    hnn.read_network_configuration(tmp_path / "mixed.json")
    out = capsys.readouterr().out
    assert "connections of kind 'e_e'" in out and out.count("WARNING") == 1

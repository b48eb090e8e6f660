"""myelin.hnn's network plots (viz_network.py; docs/hnn-python.md): cell positions, cell
morphology from the engine's templates, connectivity matrices against the connections
the engine makes, drive strengths against a hand computation, NetworkPlotter."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hnn_api_support import hnn  # noqa: E402

import myelin  # noqa: E402
from myelin.hnn import viz  # noqa: E402
from myelin.hnn.compile import to_model  # noqa: E402
from myelin.hnn.extracellular import ExtracellularArray  # noqa: E402
from myelin.hnn.viz_network import connectivity_matrix, drive_strength_matrix  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_plot_cells_draws_every_cell_at_its_pos_dict_position():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.set_cell_positions(inplane_distance=50.0)
    fig = net.plot_cells(show=False)
    ax = fig.axes[0]
    drawn = {c.get_label(): np.column_stack(c._offsets3d) for c in ax.collections}
    assert sorted(drawn) == sorted(net.cell_types)
    for name in net.cell_types:
        np.testing.assert_array_equal(drawn[name], np.asarray(net.pos_dict[name], float))
    assert drawn["L2_pyramidal"][4].tolist() == [50.0, 50.0, 1307.4]
    shank = [(50.0, 50.0, z) for z in (-100.0, 500.0, 1400.0)]
    net.rec_arrays["shank"] = ExtracellularArray(shank)    # as add_electrode_array keeps it
    ax = net.plot_cells(show=False).axes[0]
    drawn = {c.get_label(): np.column_stack(c._offsets3d) for c in ax.collections}
    np.testing.assert_array_equal(drawn["shank"], shank)
    with pytest.raises(TypeError, match="Axes3D"):
        viz.plot_cells(net, ax=plt.subplots()[1], show=False)


def test_cell_sections_come_from_the_engine_template_shaped_as_neuron_does():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    l5 = net.cell_types["L5_pyramidal"]["cell_object"]
    assert list(l5.sections) == ["soma", "apical_trunk", "apical_1", "apical_2",
                                 "apical_tuft", "apical_oblique", "basal_1", "basal_2",
                                 "basal_3"]
    soma, trunk = l5.sections["soma"], l5.sections["apical_trunk"]
    assert (soma.L, trunk.L, l5.sections["basal_2"].L) == (39.0, 102.0, 255.0)
    assert soma.diam == pytest.approx(28.9, rel=1e-7)  # NEURON's single-precision diam
    # The template points (0,0,0)-(0,0,23) and (0,0,23)-(0,0,83) stretched to L.
    assert soma.end_pts == [[0, 0, 0], [0, 0, 39.0]]
    assert trunk.end_pts == [[0, 0, 39.0], [0, 0, 141.0]]
    assert l5.sections["apical_tuft"].end_pts[1] == [0, 0, 39.0 + 102 + 680 + 680 + 425]
    assert l5.sections["apical_oblique"].end_pts == [[0, 0, 141.0], [-255.0, 0, 141.0]]
    assert l5.sections["basal_1"].end_pts == [[0, 0, 0], [0, 0, -85.0]]
    b3 = np.asarray(l5.sections["basal_3"].end_pts)   # direction (106, 0, -106)
    np.testing.assert_allclose(b3[1] - b3[0], 255.0 / np.sqrt(2) * np.array([1, 0, -1]))
    np.testing.assert_allclose(b3[0], [0, 0, -85.0])
    # L2: the template's soma starts at (-50, 0, 765): shifted to the origin.
    l2 = net.cell_types["L2_pyramidal"]["cell_object"]
    assert l2.sections["soma"].end_pts == [[0, 0, 0], [0, 0, 22.1]]
    assert l2.sections["apical_oblique"].end_pts[1] == pytest.approx([-340.0, 0, 22.1 + 59.5])
    basket = net.cell_types["L2_basket"]["cell_object"]
    assert list(basket.sections) == ["soma"]
    assert basket.sections["soma"].end_pts == [[0, 0, 0], [0, 0, 39.0]]
    assert sorted(basket.sections["soma"].syns) == ["ampa", "gabaa", "nmda"]
    assert set(l5.sections["apical_1"].mechs) == {"hh2", "km", "ca", "cad", "kca", "cat", "ar"}
    assert l5.synapses == {"ampa": {"e": 0.0, "tau1": 0.5, "tau2": 5.0},
                           "nmda": {"e": 0.0, "tau1": 1.0, "tau2": 20.0},
                           "gabaa": {"e": -80.0, "tau1": 0.5, "tau2": 5.0},
                           "gabab": {"e": -80.0, "tau1": 1.0, "tau2": 20.0}}


def test_plot_morphology_draws_each_section_between_its_end_points():
    l5 = hnn.neymotin_2020_model(mesh_shape=(3, 3)).cell_types["L5_pyramidal"]["cell_object"]
    ax = l5.plot_morphology(pos=(10, 20, 30), color={s: "r" for s in l5.sections}, show=False)
    assert len(ax.lines) == len(l5.sections)
    for line, (name, sec) in zip(ax.lines, l5.sections.items()):
        xs, ys, zs = line.get_data_3d()
        pts = np.asarray(sec.end_pts)
        # HNN-core's axes: x, then pos[2] + y, then pos[1] + z.
        np.testing.assert_allclose(xs, pts[:, 0] + 10)
        np.testing.assert_allclose(ys, pts[:, 1] + 30)
        np.testing.assert_allclose(zs, pts[:, 2] + 20)
        assert line.get_color() == "r"
    with pytest.raises(ValueError, match="section 'soma'"):
        viz.plot_cell_morphology(l5, None, color={"apical_1": "b"}, show=False)


def _engine_connections(net, conn_idx):
    """(pre index, post index) -> weight of the synapses the engine makes for a rule."""
    model = to_model(net, tstop=1.0)
    conn = net.connectivity[conn_idx]
    same = lambda c: (c["src_type"], c["target_type"], c["loc"], c["receptor"])  # noqa: E731
    k = sum(same(c) == same(conn) for c in net.connectivity[:conn_idx])
    label = [p["label"] for p in model["projections"]
             if p["pre"] == conn["src_type"] and p["post"] == conn["target_type"] and
             p["receptor"] == f"{conn['loc']}_{conn['receptor']}"][k]
    c = myelin.Simulation(model).connections(label)
    return {(int(i), int(k)): w for i, k, w in zip(c["pre"], c["post"], c["weight"])}


def test_connectivity_matrix_equals_the_connections_the_engine_makes():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_connection("L2_basket", "L5_pyramidal", "distal", "gabaa", weight=0.02,
                       delay=1.0, lamtha=2.0, probability=0.5, conn_seed=3)
    idx = len(net.connectivity) - 1
    conn = net.connectivity[idx]
    mat = connectivity_matrix(net, idx)
    assert mat.shape == (len(net.gid_ranges["L2_basket"]), 9)
    engine = _engine_connections(net, idx)
    assert len(engine) == int(np.round(len(net.gid_ranges["L2_basket"]) * 9 * 0.5))
    assert {k for k in zip(*np.nonzero(mat))} == set(engine)
    for (i, k), w in engine.items():
        assert mat[i, k] == pytest.approx(w, rel=1e-12)
    # per source: as many nonzero entries as its targets in gid_pairs
    src0 = net.gid_ranges["L2_basket"][0]
    for src, targets in conn["gid_pairs"].items():
        assert np.count_nonzero(mat[src - src0]) == len(targets)
    ones = connectivity_matrix(net, idx, show_weight=False)
    assert ones.sum() == len(engine) and set(np.unique(ones)) == {0.0, 1.0}
    # an all-to-all rule of the column, without autapses: 9 x 9 minus the diagonal
    pick = net.pick_connection(src_gids="L2_pyramidal", target_gids="L2_pyramidal",
                               receptor="ampa")[0]
    full = _engine_connections(net, pick)
    mat = connectivity_matrix(net, pick)
    assert np.count_nonzero(mat) == len(full) == 72 and np.all(np.diag(mat) == 0)
    for (i, k), w in full.items():
        assert mat[i, k] == pytest.approx(w, rel=1e-12)
    fig = viz.plot_connectivity_matrix(net, pick, show=False)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), mat)


def test_drive_strength_against_a_hand_computation():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_evoked_drive("ev", mu=10.0, sigma=1.0, numspikes=1, location="proximal",
                         weights_ampa={"L2_pyramidal": 0.002, "L5_basket": 0.01},
                         weights_nmda={"L2_pyramidal": 0.001},
                         synaptic_delays={"L2_pyramidal": 0.1, "L5_basket": 1.0},
                         space_constant=2.0)
    drives, cells, values = drive_strength_matrix(net)
    assert drives == ["ev"] and cells == list(net.cell_types)
    # one drive cell per target (cell_specific) at the origin (1, 1) of a unit grid:
    # weight x exp(-d^2 / 2^2) summed over the targets' in-plane distances d.
    pyr = np.asarray(net.pos_dict["L2_pyramidal"], float)[:, :2]
    bsk = np.asarray(net.pos_dict["L5_basket"], float)[:, :2]
    g = lambda p: np.exp(-((p - [1.0, 1.0]) ** 2).sum(axis=1) / 4.0).sum()  # noqa: E731
    expect = {"L2_pyramidal": (0.002 + 0.001) * g(pyr), "L5_basket": 0.01 * g(bsk)}
    assert values[0, cells.index("L2_pyramidal")] == pytest.approx(expect["L2_pyramidal"])
    assert values[0, cells.index("L5_basket")] == pytest.approx(expect["L5_basket"])
    assert values[0, cells.index("L5_pyramidal")] == 0.0
    assert drive_strength_matrix(net, show_weight=False)[2][0].tolist() == [0, 18, 3, 0]
    fig = viz.plot_drive_strength(net, normalize=False, show=False)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), values)
    fig = viz.plot_drive_strength(net, show=False)
    assert fig.axes[0].images[0].get_array().max() == 1.0


def test_plot_cell_connectivity_colours_targets_by_their_weight():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    idx = net.pick_connection(src_gids="L5_basket", target_gids="L5_pyramidal",
                              receptor="gabaa")[0]
    src = net.gid_ranges["L5_basket"][1]
    fig = viz.plot_cell_connectivity(net, idx, src_gid=src, show=False)
    targets = fig.axes[1].collections[0]
    row = connectivity_matrix(net, idx)[1]
    np.testing.assert_allclose(targets.get_array(), row[row > 0])
    with pytest.raises(ValueError, match="not a valid cell ID"):
        viz.plot_cell_connectivity(net, idx, src_gid=0, show=False)


def test_network_plotter_one_line_per_section_and_refuses_a_movie_without_vsec():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    plot = viz.NetworkPlotter(net)
    per_cell = {t: len(c["cell_object"].sections) for t, c in net.cell_types.items()}
    assert len(plot.ax.lines) == sum(per_cell[t] * len(net.gid_ranges[t]) for t in per_cell)
    plot.azim, plot.elev, plot.xlim = 45, 40, (0.0, 10.0)
    assert plot.ax.get_xlim() == (0.0, 10.0)
    with pytest.raises(RuntimeError, match="record_vsec='all'"):
        plot.export_movie("x.gif")


def test_edited_synapse_kinetics_become_a_cell_template_of_their_own():
    import json

    from myelin import _core
    from myelin.hnn.simulate import run_models
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    net.add_evoked_drive("evprox", mu=10.0, sigma=2.0, numspikes=1, location="proximal",
                         weights_ampa={"L2_basket": 0.08, "L5_basket": 0.08,
                                       "L2_pyramidal": 0.02, "L5_pyramidal": 0.02},
                         event_seed=3)
    copy = net.copy()
    net.cell_types["L5_pyramidal"]["cell_object"].synapses["gabaa"]["tau2"] = 2
    assert copy.cell_types["L5_pyramidal"]["cell_object"].synapses["gabaa"]["tau2"] == 5.0
    plain = to_model(copy, tstop=40.0)
    assert "cell_templates" not in plain
    edited = to_model(net, tstop=40.0)
    (name, spec), = edited["cell_templates"].items()
    assert name.startswith("L5_pyramidal_")  # keeps HNN's L5 dipole baseline
    assert {s["name"]: s["tau2"] for s in spec["synapses"]}["gabaa"] == 2.0
    assert [p["cell_type"] for p in edited["populations"]].count(name) == 1
    # The built-in template as JSON, given back under another name, is the same cell to
    # the last bit; the edited one is not.
    same = json.loads(json.dumps(plain))
    same["cell_templates"] = {"L5_pyramidal_same": json.loads(
        _core.builtin_cell_template_json("L5_pyramidal"))}
    for p in same["populations"]:
        if p["cell_type"] == "L5_pyramidal":
            p["cell_type"] = "L5_pyramidal_same"
    a, b, c = (r["dipole"]["agg"] for r in run_models([plain, same, edited]))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_network_plotter_colours_each_section_by_its_recorded_voltage():
    net = hnn.neymotin_2020_model(mesh_shape=(3, 3))
    times = np.arange(4) * 0.5
    resp = hnn.CellResponse(spike_times=[[]], spike_gids=[[]], spike_types=[[]],
                            times=times)
    trial, expect = {}, []
    for cell_type, cell in net.cell_types.items():
        for gid in net.gid_ranges[cell_type]:
            trial[gid] = {}
            for k, sec in enumerate(cell["cell_object"].sections):
                v = -80.0 + gid + 3.0 * k + 10.0 * times   # a distinct trace per section
                trial[gid][sec] = v
                expect.append(v)
    resp.vsec.append(trial)
    net.cell_response = resp
    plot = viz.NetworkPlotter(net, vmin=-100, vmax=50, voltage_colormap="viridis")
    cmap = matplotlib.colormaps["viridis"]
    expect = (np.asarray(expect) + 100.0) / 150.0
    for t in (0, 3):
        plot.time_idx = t
        colors = np.array([matplotlib.colors.to_rgba(line.get_color())
                           for line in plot.ax.lines])
        np.testing.assert_allclose(colors, cmap(expect[:, t]))
    with pytest.raises(ValueError, match="time_idx: 4"):
        plot.time_idx = 4

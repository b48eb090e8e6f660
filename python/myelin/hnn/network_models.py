"""HNN-core's published networks: the Jones 2009 / Neymotin 2020 column, Law 2021 and
the calcium model. Each is HNN's column with its connection rules (data below) and, for
Law 2021 and the calcium model, other cell templates of the engine."""
import os.path as op
import warnings

from myelin import _core
from myelin.hnn.cells import Cell, create_cell_coords, default_cell_types
from myelin.hnn.network import Network, _check_mesh_shape, _validate_type
from myelin.hnn.params import _PARAM_DIR, read_params

# (src, target, loc, receptor, params key, lamtha, allow_autapses): Neymotin 2020's
# rules in HNN-core's order (the weight is params[key]).
_JONES_RULES = [
    ("L2_pyramidal", "L2_pyramidal", "proximal", "nmda", "gbar_L2Pyr_L2Pyr_nmda", 3.0, False),
    ("L2_pyramidal", "L2_pyramidal", "proximal", "ampa", "gbar_L2Pyr_L2Pyr_ampa", 3.0, False),
    ("L5_pyramidal", "L5_pyramidal", "proximal", "nmda", "gbar_L5Pyr_L5Pyr_nmda", 3.0, False),
    ("L5_pyramidal", "L5_pyramidal", "proximal", "ampa", "gbar_L5Pyr_L5Pyr_ampa", 3.0, False),
    ("L2_basket", "L2_pyramidal", "soma", "gabaa", "gbar_L2Basket_L2Pyr_gabaa", 50.0, True),
    ("L2_basket", "L2_pyramidal", "soma", "gabab", "gbar_L2Basket_L2Pyr_gabab", 50.0, True),
    ("L5_basket", "L5_pyramidal", "soma", "gabaa", "gbar_L5Basket_L5Pyr_gabaa", 70.0, True),
    ("L5_basket", "L5_pyramidal", "soma", "gabab", "gbar_L5Basket_L5Pyr_gabab", 70.0, True),
    ("L2_pyramidal", "L5_pyramidal", "proximal", "ampa", "gbar_L2Pyr_L5Pyr", 3.0, True),
    ("L2_pyramidal", "L5_pyramidal", "distal", "ampa", "gbar_L2Pyr_L5Pyr", 3.0, True),
    ("L2_basket", "L5_pyramidal", "distal", "gabaa", "gbar_L2Basket_L5Pyr", 50.0, True),
    ("L2_pyramidal", "L2_basket", "soma", "ampa", "gbar_L2Pyr_L2Basket", 3.0, True),
    ("L2_basket", "L2_basket", "soma", "gabaa", "gbar_L2Basket_L2Basket", 20.0, True),
    ("L5_basket", "L5_basket", "soma", "gabaa", "gbar_L5Basket_L5Basket", 20.0, False),
    ("L5_pyramidal", "L5_basket", "soma", "ampa", "gbar_L5Pyr_L5Basket", 3.0, True),
    ("L2_pyramidal", "L5_basket", "soma", "ampa", "gbar_L2Pyr_L5Basket", 3.0, True),
]

# Law et al. 2021 on top of the column (Law's HNN-core model): weights changed by rule
# index, rules removed, rules added (weight a number or a params key), and the engine
# cell types with its longer GABAb kinetics and without somatic/basal calcium channels.
_LAW_WEIGHTS = {2: 0.0004, 6: 0.02, 7: 0.005}
_LAW_REMOVED = [10]
_LAW_ADDED = [
    ("L2_basket", "L5_pyramidal", "distal", "gabab", 0.0002, 50.0, True),
    ("L5_basket", "L5_pyramidal", "distal", "gabaa", "gbar_L5Basket_L5Pyr_gabaa", 70.0, True),
]
_LAW_CELLS = {"L2_pyramidal": "L2_pyramidal_law2021", "L5_pyramidal": "L5_pyramidal_law2021"}
_CALCIUM_CELLS = {"L5_pyramidal": "L5_pyramidal_calcium"}


def _params(params):
    if params is None:
        params = op.join(_PARAM_DIR, "default.json")
    if isinstance(params, str):
        params = read_params(params)
    return params


def _add_rules(net, rules):
    for src, target, loc, receptor, weight, lamtha, autapses in rules:
        w = net._params[weight] if isinstance(weight, str) else weight
        net.add_connection(src, target, loc, receptor, w, net.delay, lamtha,
                           allow_autapses=autapses)


def _use_engine_cells(net, mapping, model):
    """Replaces cell templates by the engine's cell types in `mapping`; a clear error
    when this engine does not have them."""
    known = _core.cell_types()
    missing = [t for t in mapping.values() if t not in known]
    if missing:
        raise ValueError(f"{model}: this myelin engine has no cell type {missing[0]!r} "
                         f"(its HNN cell types: {sorted(t for t in known if t[:2] in ('L2', 'L5'))})")
    for name, engine_type in mapping.items():
        net.cell_types[name]["cell_object"] = Cell(name, engine_type)


def neymotin_2020_model(params=None, add_drives_from_params=False, legacy_mode=False,
                        mesh_shape=(10, 10)):
    """HNN's neocortical column (Jones et al. 2009, as in Neymotin et al. 2020): the
    mesh_shape grid of L2 and L5 pyramidal cells, basket cells at a 1:3 ratio, and its
    16 connection rules, weights from params (default.json when None)."""
    params = _params(params)
    _check_mesh_shape(mesh_shape)
    layers = create_cell_coords(mesh_shape[0], mesh_shape[1], 1307.4, 1.0)
    pos_dict = {"L5_pyramidal": layers["L5_bottom"], "L2_pyramidal": layers["L2_bottom"],
                "L5_basket": layers["L5_mid"], "L2_basket": layers["L2_mid"],
                "origin": layers["origin"]}
    net = Network(params, add_drives_from_params=add_drives_from_params,
                  legacy_mode=legacy_mode, mesh_shape=mesh_shape, pos_dict=pos_dict,
                  cell_types=default_cell_types())
    _add_rules(net, _JONES_RULES)
    return net


def jones_2009_model(params=None, add_drives_from_params=False, legacy_mode=False,
                     mesh_shape=(10, 10)):
    """The same network as neymotin_2020_model (HNN-core 0.6 deprecates this name)."""
    warnings.warn("Calling the default model with `jones_2009_model` is now deprecated. "
                  "Please update your scripts to use `neymotin_2020_model`, which is a more "
                  "accurate name for the model. `jones_2009_model` will still be made "
                  "available for backwards-compatilibity purposes.", DeprecationWarning,
                  stacklevel=2)
    return neymotin_2020_model(params, add_drives_from_params, legacy_mode, mesh_shape)


def law_2021_model(params=None, add_drives_from_params=False, legacy_mode=False,
                   mesh_shape=(10, 10)):
    """Law et al. 2021's beta-modulated column: longer GABAb kinetics on pyramidal cells,
    no calcium channels in the L5 soma and basal dendrites (engine cell types), weaker
    L5 NMDA recurrence and L5 basket inhibition, an L2 basket -> L5 pyramidal GABAb and
    an L5 basket -> L5 pyramidal distal connection instead of L2 basket's GABAa."""
    net = neymotin_2020_model(params, add_drives_from_params, legacy_mode, mesh_shape)
    _use_engine_cells(net, _LAW_CELLS, "law_2021_model")
    for idx, weight in _LAW_WEIGHTS.items():
        net.connectivity[idx]["nc_dict"]["A_weight"] = weight
    for idx in sorted(_LAW_REMOVED, reverse=True):
        del net.connectivity[idx]
    _add_rules(net, _LAW_ADDED)
    return net


def calcium_model(params=None, add_drives_from_params=False, legacy_mode=False,
                  mesh_shape=(10, 10)):
    """The column with L5 pyramidal calcium channels whose density grows linearly with
    the distance from the soma (Kohl et al. 2022; an engine cell type)."""
    net = neymotin_2020_model(params, add_drives_from_params, legacy_mode, mesh_shape)
    _use_engine_cells(net, _CALCIUM_CELLS, "calcium_model")
    return net


def add_erp_drives_to_jones_model(net, tstart=0.0):
    """HNN's three ERP drives (evdist1, evprox1, evprox2), starting at tstart [ms]."""
    _validate_type(net, Network, "net", "Network")
    _validate_type(tstart, (float, int), "tstart", "float or int")
    prox_delays = {"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0,
                   "L5_pyramidal": 1.0}
    net.add_evoked_drive(
        "evdist1", mu=63.53 + tstart, sigma=3.85, numspikes=1, location="distal",
        weights_ampa={"L2_basket": 0.006562, "L2_pyramidal": 7e-6, "L5_pyramidal": 0.142300},
        weights_nmda={"L2_basket": 0.019482, "L2_pyramidal": 0.004317,
                      "L5_pyramidal": 0.080074},
        synaptic_delays={"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_pyramidal": 0.1},
        event_seed=274)
    net.add_evoked_drive(
        "evprox1", mu=26.61 + tstart, sigma=2.47, numspikes=1, location="proximal",
        weights_ampa={"L2_basket": 0.08831, "L2_pyramidal": 0.01525, "L5_basket": 0.19934,
                      "L5_pyramidal": 0.00865},
        weights_nmda=None, synaptic_delays=prox_delays, event_seed=544)
    net.add_evoked_drive(
        "evprox2", mu=137.12 + tstart, sigma=8.33, numspikes=1, location="proximal",
        weights_ampa={"L2_basket": 0.000003, "L2_pyramidal": 1.438840, "L5_basket": 0.008958,
                      "L5_pyramidal": 0.684013},
        synaptic_delays=prox_delays, event_seed=814)

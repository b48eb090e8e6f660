"""HNN-core's network configuration files (hnn-core 0.6.1's hnn_io: the JSON that
`Network.write_configuration` writes and the HNN GUI loads) for myelin.hnn Networks.

    write_network_configuration(net, "net.json")     # net.write_configuration("net.json")
    net = read_network_configuration("net.json")     # or a file hnn-core wrote

The format is hnn-core's, key for key: object_type, legacy_mode, N_pyr_x, N_pyr_y,
celsius, cell_types ({name: {cell_object, cell_metadata}}), gid_ranges, pos_dict,
cell_response, external_drives, external_biases, connectivity, rec_arrays, threshold,
delay. A cell_object is written from the engine's template of the cell type (sections
with HNN's nseg, mechanisms with hnn-core's `<param>_<mech>` names, densities that vary
along a section as [[x of each segment], [value of each segment]]); reading one finds
the engine template it describes and refuses one that differs (myelin's cells are the
engine's templates; only synapse kinetics may differ). docs/hnn-python.md, "Network
configuration files", says what maps onto what.
"""
import json
import math
import os
from collections import OrderedDict
from copy import deepcopy
from pathlib import Path

import numpy as np

from myelin import _core
from myelin.hnn.cells import Cell

_HNN_NAMES = {"L2_pyramidal": "L2Pyr", "L5_pyramidal": "L5Pyr"}  # cell_object names
_DRIVE_TYPES = ("evoked", "gaussian", "poisson", "bursty", "spike_train")
# Relative tolerance when a file's section is compared with an engine template: files
# hold densities that hnn-core evaluated per segment with NumPy (last-bit differences).
_RTOL = 1e-9


def _plain(obj):
    """obj with NumPy arrays and scalars, tuples and sets as JSON's lists and numbers."""
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, str) else k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, (set, frozenset)):
        return [_plain(v) for v in sorted(obj)]
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


# ----------------------------------------------------------------------------- cells

def _cell_tree(rows):
    """hnn-core's cell_tree: 'section,end' -> the nodes it leads to (its other end for
    the 0-end, then the sections attached there); None for a one-section cell."""
    if len(rows) == 1:
        return None
    tree = OrderedDict()
    for row in rows:
        tree[f"{row['name']},0"] = [f"{row['name']},1"]
    for row in rows[1:]:
        end = 1 if row.get("parent_x", 1.0) >= 0.5 else 0
        tree.setdefault(f"{row['parent']},{end}", []).append(f"{row['name']},0")
    return dict(tree)


def _cell_to_dict(cell):
    """hnn-core's Cell.to_dict() of a myelin Cell, from its engine template."""
    spec = json.loads(_core.builtin_cell_template_json(cell.engine_type))
    rows = spec["sections"]
    # nseg and the densities per segment as the engine evaluated the template.
    built = {b["name"]: b for b in _core.cable_template(cell.engine_type)["sections"]}
    sections = {}
    for row in rows:
        name = row["name"]
        nseg = built[name]["nseg"]
        xs = [(k + 0.5) / nseg for k in range(nseg)]
        sec = cell.sections[name]
        mechs = {}
        for mech in sec.mechs:
            values = {}
            for param, value in row["mechanisms"].get(mech, {}).items():
                if isinstance(value, (str, list)):  # an expression of d, or per segment
                    value = [xs, built[name]["densities"][mech][param]]
                values[f"{param}_{mech}"] = value
            mechs[mech] = values
        sections[name] = {"L": row["L"], "diam": row["diam"], "cm": row["cm"], "Ra": row["Ra"],
                          "end_pts": [list(p) for p in sec.end_pts], "nseg": nseg,
                          "v0": row.get("v0", -65.0), "mechs": mechs, "syns": list(sec.syns)}
    sect_loc = {g: list(s) for g, s in cell.sect_loc.items()}
    if len(rows) == 1:  # hnn-core's basket cells name both groups, empty or the soma
        sect_loc = {g: list(cell.sect_loc.get(g, [])) for g in ("proximal", "distal")}
    return {"name": _HNN_NAMES.get(cell.name, cell.name), "pos": list(cell.pos),
            "sections": sections,
            "synapses": {r: dict(k) for r, k in cell.synapses.items()},
            "cell_tree": _cell_tree(rows),
            "sect_loc": sect_loc,
            "gid": cell.gid, "dipole_pp": [], "vsec": {}, "isec": {}, "ca": {},
            "tonic_biases": []}


def _same_value(mine, theirs):
    if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
        return math.isclose(mine, theirs, rel_tol=_RTOL, abs_tol=1e-300)
    if isinstance(mine, list) and isinstance(theirs, list):
        return len(mine) == len(theirs) and all(_same_value(a, b)
                                                for a, b in zip(mine, theirs))
    return mine == theirs


def _section_difference(mine, theirs):
    """(field, file's value, template's value) of the first difference between a
    file's sections and a template's; None when they agree. Fields a file leaves out
    (older hnn-core) and end_pts (only their direction matters) are not compared."""
    if set(theirs) != set(mine):
        return "sections", sorted(theirs), sorted(mine)
    for name, sec in theirs.items():
        ref = mine[name]
        for key in ("L", "diam", "cm", "Ra", "nseg", "v0"):
            if key in sec and not _same_value(ref[key], sec[key]):
                return f"sections.{name}.{key}", sec[key], ref[key]
        if "syns" in sec and sorted(sec["syns"]) != sorted(ref["syns"]):
            return f"sections.{name}.syns", sec["syns"], ref["syns"]
        mechs = sec.get("mechs", ref["mechs"])
        if set(mechs) != set(ref["mechs"]):
            return f"sections.{name}.mechs", sorted(mechs), sorted(ref["mechs"])
        for mech, params in mechs.items():
            for param in set(params) | set(ref["mechs"][mech]):
                if not _same_value(ref["mechs"][mech].get(param), params.get(param)):
                    return (f"sections.{name}.mechs.{mech}.{param}", params.get(param),
                            ref["mechs"][mech].get(param))
    return None


def _cell_from_dict(name, data):
    """The engine cell type that a file's cell_object describes, as a Cell with the
    file's synapse kinetics and position."""
    where = f"cell_types.{name}"
    cells = []
    for engine_type in sorted(_core.cell_types()):
        if engine_type == name or engine_type.startswith(name + "_"):
            try:
                cells.append(Cell(name, engine_type))
            except ValueError:  # not one of HNN's multi-compartment types
                continue
    if not cells:
        raise ValueError(f"{where}: myelin has no cell type '{name}' (its HNN cell types: "
                         "L2_basket, L2_pyramidal, L5_basket, L5_pyramidal)")
    candidates = [c.engine_type for c in cells]
    first, matching = None, []
    for cell in cells:
        diff = _section_difference(_cell_to_dict(cell)["sections"], data["sections"])
        if diff is None:
            matching.append(cell)
        first = first or diff
    if not matching:
        field, theirs, mine = first
        raise ValueError(f"{where}.cell_object.{field}: {theirs!r} differs from myelin's "
                         f"'{candidates[0]}' ({mine!r}); myelin's cells are the engine's "
                         f"templates ({', '.join(candidates)}), only synapse kinetics may "
                         "differ")
    # Templates may differ in synapse kinetics only (L2_pyramidal_law2021's GABAb):
    # the one with the file's kinetics, else the first, given the file's kinetics.
    same = [c for c in matching if all(_same_value(c.synapses.get(r, {}).get(k), v.get(k))
                                       for r, v in data.get("synapses", {}).items()
                                       for k in ("e", "tau1", "tau2"))]
    cell = (same or matching)[0]
    for receptor, kinetics in data.get("synapses", {}).items():
        if receptor not in cell.synapses:
            raise ValueError(f"{where}.cell_object.synapses.{receptor}: not a receptor of "
                             f"myelin's '{cell.engine_type}' (allowed: "
                             f"{', '.join(cell.synapses)})")
        cell.synapses[receptor] = {k: float(kinetics[k]) for k in ("e", "tau1", "tau2")}
    cell.pos = tuple(data.get("pos", (0, 0, 0)))
    return cell


# ----------------------------------------------------------------------------- writing

def _drive_to_dict(drive, write_output):
    out = {key: (sorted(v) if isinstance(v, set) else deepcopy(v))
           for key, v in drive.items() if key != "space_constant"}
    if out["type"] == "spike_train":  # hnn-core's form: every spike's time and source
        trains = out["dynamics"]["spike_times"]
        out["dynamics"] = {"times": [t for train in trains for t in train],
                           "gids": [k for k, train in enumerate(trains) for _ in train]}
    if not write_output:
        out["events"] = []
    return out


def _conn_to_dict(conn):
    return {"target_type": conn["target_type"], "target_gids": sorted(conn["target_gids"]),
            "num_targets": conn["num_targets"], "src_type": conn["src_type"],
            "src_gids": sorted(conn["src_gids"]), "num_srcs": conn["num_srcs"],
            "gid_pairs": {str(s): list(t) for s, t in conn["gid_pairs"].items()},
            "loc": conn["loc"], "receptor": conn["receptor"], "nc_dict": dict(conn["nc_dict"]),
            "allow_autapses": int(conn["allow_autapses"]), "probability": conn["probability"]}


def _rec_array_to_dict(arr, write_output):
    return {"positions": [list(p) for p in arr.positions], "conductivity": arr.conductivity,
            "method": arr.method, "min_distance": arr.min_distance,
            "times": arr.times if write_output else [],
            "voltages": arr.voltages if write_output else []}


def network_to_dict(net, write_output=False):
    """The network as hnn-core 0.6.1's configuration dict (JSON types throughout);
    write_output=True adds the last simulation's cell_response, drive events and
    electrode recordings."""
    from myelin.hnn.network import Network, _validate_type
    _validate_type(net, Network, "net", "Network")
    response = {}
    if write_output and net.cell_response is not None:
        response = net.cell_response.to_dict()
    out = {
        "object_type": "Network",
        "legacy_mode": net._legacy_mode,
        "N_pyr_x": net._N_pyr_x,
        "N_pyr_y": net._N_pyr_y,
        "celsius": net._params.get("celsius", 37.0),
        "cell_types": {name: {"cell_object": _cell_to_dict(t["cell_object"]),
                              "cell_metadata": dict(t["cell_metadata"])}
                       for name, t in net.cell_types.items()},
        "gid_ranges": {name: {"start": r.start, "stop": r.stop}
                       for name, r in net.gid_ranges.items()},
        "pos_dict": dict(net.pos_dict),
        "cell_response": response,
        "external_drives": {name: _drive_to_dict(d, write_output)
                            for name, d in net.external_drives.items()},
        "external_biases": deepcopy(net.external_biases),
        "connectivity": [_conn_to_dict(c) for c in net.connectivity],
        "rec_arrays": {name: _rec_array_to_dict(a, write_output)
                       for name, a in net.rec_arrays.items()},
        "threshold": net.threshold,
        "delay": net.delay,
    }
    return _plain(out)


def write_network_configuration(net, output, overwrite=True):
    """Writes the network's configuration (no simulation output) as hnn-core's JSON to
    `output`: a path (str or Path; overwrite=False refuses an existing file) or a text
    buffer (left at its start)."""
    data = network_to_dict(net, write_output=False)
    if isinstance(output, (str, Path)):
        if overwrite is False and os.path.exists(output):
            raise FileExistsError(f"File already exists at path {output}. Rename the file "
                                  "or set overwrite=True.")
        with open(output, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=4)
    elif hasattr(output, "write") and hasattr(output, "seek"):
        json.dump(data, output, ensure_ascii=False, indent=4)
        output.seek(0)
    else:
        raise TypeError(f"output must be an instance of str, Path or a text buffer, got "
                        f"{type(output)} instead.")


# ----------------------------------------------------------------------------- reading

def _n_drive_cells(data):
    return "n_cells" if data["cell_specific"] else data["n_drive_cells"]


def _add_drive(net, data):
    """Adds a drive of the file with its own add_*_drive (its checks and messages)."""
    kind, name, dyn = data["type"], data["name"], data["dynamics"]
    if kind not in _DRIVE_TYPES:
        raise ValueError(f"external_drives.{name}.type: '{kind}' is not a drive type "
                         f"(allowed: {', '.join(_DRIVE_TYPES)})")
    common = dict(location=data["location"], weights_ampa=data["weights_ampa"],
                  weights_nmda=data["weights_nmda"], synaptic_delays=data["synaptic_delays"],
                  probability=data["probability"])
    if kind == "spike_train":
        if len(dyn.get("times", ())) != len(dyn.get("gids", [None])):
            raise ValueError(f"external_drives.{name}.dynamics: a spike_train drive needs "
                             "'times' and 'gids' of equal length (each spike's time and "
                             "source)")
        n_cells = max([data["n_drive_cells"]] + [g + 1 for g in dyn["gids"]])
        trains = [[] for _ in range(n_cells)]
        for t, g in zip(dyn["times"], dyn["gids"]):
            trains[g].append(t)
        net.add_spike_train_drive(name, spike_data={str(k): t for k, t in enumerate(trains)},
                                  conn_seed=data["conn_seed"], **common)
        return
    common.update(n_drive_cells=_n_drive_cells(data), cell_specific=data["cell_specific"],
                  event_seed=data["event_seed"], conn_seed=data["conn_seed"])
    if kind in ("evoked", "gaussian"):
        net.add_evoked_drive(name, mu=dyn["mu"], sigma=dyn["sigma"],
                             numspikes=dyn["numspikes"], **common)
    elif kind == "poisson":
        net.add_poisson_drive(name, tstart=dyn["tstart"], tstop=dyn["tstop"],
                              rate_constant=dyn["rate_constant"], **common)
    else:
        net.add_bursty_drive(name, tstart=dyn["tstart"], tstart_std=dyn["tstart_std"],
                             tstop=dyn["tstop"], burst_rate=dyn["burst_rate"],
                             burst_std=dyn["burst_std"], numspikes=dyn["numspikes"],
                             spike_isi=dyn["spike_isi"], **common)


def _add_connection(net, data, idx):
    """A connection rule with the file's own pairs: probability < 1 was applied when the
    file was written, so the pairs are taken as they are (not thinned again)."""
    pairs = {int(s): list(t) for s, t in data["gid_pairs"].items() if t}
    if not pairs:
        return
    nc = data["nc_dict"]
    net.add_connection(src_gids=list(pairs), target_gids=list(pairs.values()),
                       loc=data["loc"], receptor=data["receptor"], weight=nc["A_weight"],
                       delay=nc["A_delay"], lamtha=nc["lamtha"],
                       threshold=nc.get("threshold"), gain=nc.get("gain", 1.0),
                       allow_autapses=bool(data["allow_autapses"]))
    conn = net.connectivity[-1]
    if conn["src_type"] != data["src_type"] or conn["target_type"] != data["target_type"]:
        raise ValueError(f"connectivity[{idx}]: its gid_pairs connect {conn['src_type']} to "
                         f"{conn['target_type']}, not {data['src_type']} to "
                         f"{data['target_type']} as it says")
    conn["probability"] = data["probability"]
    conn["src_gids"] = set(data.get("src_gids", pairs))
    conn["num_srcs"] = data.get("num_srcs", len(conn["src_gids"]))
    conn["target_gids"] = set(data.get("target_gids", conn["target_gids"]))
    conn["num_targets"] = data.get("num_targets", len(conn["target_gids"]))


def _drives_by_first_gid(gid_ranges, drives):
    """The file's drives in the order of their gids (JSON objects may come reordered)."""
    first = {name: gid_ranges[name]["start"] if name in gid_ranges else math.inf
             for name in drives}
    return sorted(drives, key=lambda name: first[name])


def dict_to_network(net_data, read_drives=True, read_external_biases=True):
    """A Network from a configuration dict (network_to_dict's, or a file's content).
    read_drives=False leaves out the drives and their connections;
    read_external_biases=False the tonic biases."""
    from myelin.hnn.network import Network, _validate_type
    _validate_type(net_data, dict, "net_data")
    if net_data["celsius"] != 37.0:
        raise ValueError(f"celsius: myelin's HNN mechanisms run at 37.0 degC (their rate "
                         f"constants are fixed); got {net_data['celsius']}")
    cell_types = OrderedDict()
    for name, entry in net_data["cell_types"].items():
        if "cell_object" in entry and "cell_metadata" in entry:
            data, metadata = entry["cell_object"], dict(entry["cell_metadata"])
        else:  # files before hnn-core kept cell metadata: the column's defaults
            from myelin.hnn.cells import default_cell_types
            data = entry
            metadata = default_cell_types().get(name, {}).get("cell_metadata", {})
        cell_types[name] = {"cell_object": _cell_from_dict(name, data),
                            "cell_metadata": metadata}
    pos_dict = {name: (tuple(p) if name == "origin" else [tuple(x) for x in p])
                for name, p in net_data["pos_dict"].items()}
    params = {"celsius": net_data["celsius"], "threshold": net_data["threshold"]}
    net = Network(params, legacy_mode=net_data["legacy_mode"],
                  mesh_shape=(net_data["N_pyr_x"], net_data["N_pyr_y"]),
                  pos_dict=pos_dict, cell_types=cell_types)
    ranges = net_data["gid_ranges"]
    for name, r in net.gid_ranges.items():
        if name in ranges and (ranges[name]["start"], ranges[name]["stop"]) != (r.start,
                                                                               r.stop):
            raise ValueError(f"gid_ranges.{name}: [{ranges[name]['start']}, "
                             f"{ranges[name]['stop']}) does not follow from the cell types' "
                             f"order and pos_dict (expected [{r.start}, {r.stop}))")
    drives = net_data["external_drives"]
    for name in _drives_by_first_gid(ranges, drives):
        _add_drive(net, drives[name])
        r = net.gid_ranges[name]
        if name in ranges and (ranges[name]["start"], ranges[name]["stop"]) != (r.start,
                                                                               r.stop):
            raise ValueError(f"gid_ranges.{name}: [{ranges[name]['start']}, "
                             f"{ranges[name]['stop']}) does not match the drive's "
                             f"n_drive_cells after the cells (expected [{r.start}, {r.stop}))")
    if read_external_biases:
        for bias_name, biases in net_data["external_biases"].items():
            for cell_type, b in biases.items():
                net.add_tonic_bias(amplitude={cell_type: b["amplitude"]}, bias_name=bias_name,
                                   t0=b["t0"], tstop=b["tstop"],
                                   section=b.get("section", "soma"))
    net.connectivity = []
    for idx, conn in enumerate(net_data["connectivity"]):
        _add_connection(net, conn, idx)
    for name, arr in net_data["rec_arrays"].items():
        net.add_electrode_array(name, [tuple(p) for p in arr["positions"]],
                                conductivity=float(arr["conductivity"]), method=arr["method"],
                                min_distance=float(arr["min_distance"]))
    net.threshold = net_data["threshold"]
    net.delay = net_data["delay"]
    if not read_drives:
        net.clear_drives()
    return net


def _warn_if_gains_differ(net):
    """Prints (once, as hnn-core does) when connections of one kind (e_e, e_i, i_e,
    i_i) have different gains: global gains then do not describe the network."""
    from myelin.hnn.network import pick_connection
    for kind, (srcs, targets) in net._gids_by_electro_type().items():
        gains = [net.connectivity[i]["nc_dict"]["gain"]
                 for i in pick_connection(net, src_gids=srcs, target_gids=targets)]
        if gains and not all(np.isclose(g, gains[0]) for g in gains):
            print(f"WARNING: the connections of kind '{kind}' in this network have "
                  f"different synaptic gains ({sorted(set(gains))}): its global synaptic "
                  "gains (get_global_synaptic_gains, set_global_synaptic_gains) assume one "
                  "gain per kind; change weights instead of gains to avoid this.")
            return


def read_network_configuration(fname, read_drives=True, read_external_biases=True):
    """A Network from a configuration file (hnn-core's or myelin's JSON)."""
    with open(fname, "r", encoding="utf-8") as f:
        net_data = json.load(f)
    if not isinstance(net_data, dict) or net_data.get("object_type") != "Network":
        kind = net_data.get("object_type") if isinstance(net_data, dict) else type(net_data)
        raise ValueError(f"The json should encode a Network object. The file contains "
                         f"object of type {kind}")
    net = dict_to_network(net_data, read_drives, read_external_biases)
    _warn_if_gains_differ(net)
    return net

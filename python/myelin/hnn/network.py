"""myelin.hnn.Network: HNN-core's Network (cells, positions, connectivity, drives),
held in Python and compiled to a myelin model (compile.py) when simulated."""
import json
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy

import numpy as np

from myelin.hnn import drives as _drives
from myelin.hnn.cells import RECEPTORS, create_cell_coords, default_cell_types
from myelin.hnn.params import Params, _long_name


def _check_option(name, value, allowed, extra=""):
    if value not in allowed:
        if len(allowed) == 1:
            options = f"The only allowed value is {repr(allowed[0])}"
        else:
            options = ("Allowed values are " + ", ".join(repr(v) for v in allowed[:-1])
                       + f" and {repr(allowed[-1])}")
        raise ValueError(f"Invalid value for the '{name}' parameter{extra}. {options}, "
                         f"but got {repr(value)} instead.")
    return value


def _validate_type(item, types, name, type_name=None):
    if not isinstance(item, types) or (isinstance(item, bool) and bool not in
                                       (types if isinstance(types, tuple) else (types,))):
        type_name = type_name or (types.__name__ if isinstance(types, type)
                                  else ", ".join(t.__name__ for t in types))
        raise TypeError(f"{name} must be an instance of {type_name}, got "
                        f"{type(item)} instead.")


def _check_gids(gids, gid_ranges, valid_cells, arg_name, same_type=True):
    """gids (None, an int, a range, a list of int or a cell type name) as a list."""
    if gids is None:
        return []
    _validate_type(gids, (int, list, range, str), arg_name, "int list, range, or str")
    if isinstance(gids, str):
        _check_option(arg_name, gids, valid_cells)
        return list(gid_ranges[_long_name(gids)])
    if isinstance(gids, int):
        gids = [gids]
    gids = list(gids)
    types = set()
    for gid in gids:
        _validate_type(gid, int, arg_name)
        t = _gid_to_type(gid, gid_ranges)
        if t is None:
            raise AssertionError(f"{arg_name} {gid} not in net.gid_ranges")
        types.add(t)
    if same_type and len(types) > 1:
        raise AssertionError(f"All {arg_name} must be of the same type")
    return gids


def _gid_to_type(gid, gid_ranges):
    for name, r in gid_ranges.items():
        if gid in r:
            return name
    return None


def _string_input_to_list(value, valid, name):
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    for v in values:
        _check_option(name, v, valid)
    return values


def _check_mesh_shape(mesh_shape):
    _validate_type(mesh_shape, tuple, "mesh_shape")
    _validate_type(mesh_shape[0], int, "mesh_shape[0]")
    _validate_type(mesh_shape[1], int, "mesh_shape[1]")
    if mesh_shape[0] < 1 or mesh_shape[1] < 1:
        raise ValueError(f"mesh_shape must be a tuple of positive integers, got: {mesh_shape}")


def pick_connection(net, src_gids=None, target_gids=None, loc=None, receptor=None):
    """Indices into net.connectivity of the connections that match: each argument a
    value or a list of values (OR within an argument, AND across arguments)."""
    srcs = _check_gids(src_gids, net.gid_ranges, list(net.gid_ranges), "src_gids",
                       same_type=False)
    targets = _check_gids(target_gids, net.gid_ranges, list(net.cell_types), "target_gids",
                          same_type=False)
    _validate_type(loc, (str, list, type(None)), "loc", "str, list, or None")
    _validate_type(receptor, (str, list, type(None)), "receptor", "str, list, or None")
    locs = _string_input_to_list(loc, ["proximal", "distal", "soma"], "loc")
    receptors = _string_input_to_list(receptor, list(RECEPTORS), "receptor")
    by = [defaultdict(set) for _ in range(4)]
    for idx, conn in enumerate(net.connectivity):
        for g in conn["src_gids"]:
            by[0][g].add(idx)
        for g in conn["target_gids"]:
            by[1][g].add(idx)
        by[2][conn["loc"]].add(idx)
        by[3][conn["receptor"]].add(idx)
    found = None
    for terms, table in zip((srcs, targets, locs, receptors), by):
        if not terms:
            continue
        match = set().union(*(table.get(t, set()) for t in terms))
        found = match if found is None else found & match
        if not found:
            return []
    return sorted(found) if found else []


class _Connectivity(dict):
    """One connection rule: src_type, target_type, gid_pairs {src: [targets]}, num_srcs,
    num_targets, src_gids, target_gids, loc, receptor, nc_dict (A_weight, A_delay,
    lamtha, threshold, gain), probability, allow_autapses."""

    def __repr__(self):
        nc = self["nc_dict"]
        return (f"{self['src_type']} -> {self['target_type']}\ncell counts: "
                f"{self['num_srcs']} srcs, {self['num_targets']} targets\nconnection "
                f"probability: {self['probability']} \nloc: '{self['loc']}'; receptor: "
                f"'{self['receptor']}'\nweight: {nc['A_weight']}; delay: {nc['A_delay']}; "
                # threshold and gain follow with no separator, as hnn-core prints them
                f"lamtha: {nc['lamtha']}threshold: {nc['threshold']}gain: {nc['gain']}\n ")

    def __deepcopy__(self, memo):
        # Its values are ints, floats, str and flat containers of them: copied directly
        # (copy.deepcopy's generic walk took ~15 ms per 3x3 network copy).
        out = _Connectivity()
        for key, value in self.items():
            if key == "gid_pairs":
                value = {src: list(targets) for src, targets in value.items()}
            elif isinstance(value, (set, dict, list)):
                value = type(value)(value)
            out[key] = value
        return out


class Network:
    """HNN-core's Network on myelin's engine.

    Network(params, add_drives_from_params=False, legacy_mode=False, mesh_shape=(10, 10),
            pos_dict=None, cell_types=None)

    Without connections (use neymotin_2020_model / jones_2009_model for the column's).
    Attributes as HNN-core's: cell_types, gid_ranges, pos_dict, connectivity,
    external_drives, external_biases, cell_response (after simulate_dipole), threshold,
    delay, rec_arrays."""

    def __init__(self, params, add_drives_from_params=False, legacy_mode=False,
                 mesh_shape=(10, 10), pos_dict=None, cell_types=None):
        _validate_type(params, dict, "params")
        if not isinstance(params, Params):
            params = Params(params)
        self._params = params
        self.gid_ranges = OrderedDict()
        self._n_gids = 0
        self._n_cells = 0
        self._verbose = True
        self._legacy_mode = legacy_mode
        if legacy_mode:
            warnings.warn("Legacy mode is used solely to maintain compatibility with.param "
                          "files of the old HNN GUI. This feature will be deprecrated in "
                          "future releases.", DeprecationWarning, stacklevel=2)
        self.cell_response = None
        self.external_drives = dict()
        self.external_biases = dict()
        self.connectivity = list()
        self.threshold = self._params["threshold"]
        self.delay = 1.0
        self.rec_arrays = dict()
        self.pos_dict = dict()
        self.cell_types = dict()
        _check_mesh_shape(mesh_shape)
        self._N_pyr_x, self._N_pyr_y = mesh_shape
        self._inplane_distance = 1.0
        self._layer_separation = 1307.4
        if pos_dict is not None and cell_types is not None:
            self.pos_dict = deepcopy(pos_dict)
            for name, template in cell_types.items():
                if name in self.pos_dict:
                    self._add_cell_type(name, self.pos_dict[name], template)
        else:
            self.set_cell_positions()
            for name, template in default_cell_types().items():
                self._add_cell_type(name, self.pos_dict[name], template)
        if add_drives_from_params:
            _drives.add_drives_from_params(self)
        self._tstop = None
        self._dt = None

    def __repr__(self):
        text = "\n".join(f"{len(self.pos_dict.get(n, []))} {n} cells" for n in self.cell_types)
        return f"<{self.__class__.__name__} | {text}>"

    def set_cell_positions(self, *, inplane_distance=None, layer_separation=None):
        """Grid spacing [um] of the pyramidal cells and distance [um] of the L2 and L5
        soma layers; weights and delays scale with the spacing as in HNN-core."""
        inplane_distance = self._inplane_distance if inplane_distance is None else inplane_distance
        layer_separation = self._layer_separation if layer_separation is None else layer_separation
        _validate_type(inplane_distance, (float, int), "inplane_distance")
        _validate_type(layer_separation, (float, int), "layer_separation")
        if not inplane_distance > 0.0:
            raise ValueError(f"In-plane distance must be positive, got: {inplane_distance}")
        if not layer_separation > 0.0:
            raise ValueError(f"Layer separation must be positive, got: {layer_separation}")
        layers = create_cell_coords(self._N_pyr_x, self._N_pyr_y, layer_separation,
                                    inplane_distance)
        self.pos_dict.update({"L5_pyramidal": layers["L5_bottom"],
                              "L2_pyramidal": layers["L2_bottom"],
                              "L5_basket": layers["L5_mid"], "L2_basket": layers["L2_mid"],
                              "origin": layers["origin"]})
        for name, drive in self.external_drives.items():
            self.pos_dict[name] = [self.pos_dict["origin"]] * drive["n_drive_cells"]
        self._inplane_distance = inplane_distance
        self._layer_separation = layer_separation

    def copy(self):
        """A deep copy without simulation results (drive events, recordings)."""
        net = deepcopy(self)
        net.cell_response = None
        for arr in net.rec_arrays.values():
            arr._times, arr._data = np.array([]), np.array([])
        for drive in net.external_drives.values():
            drive["events"] = list()
        return net

    def __eq__(self, other):
        """HNN-core's Network equality: the same cell types, positions, drives, biases,
        electrode arrays, threshold, delay and simulation output, and the same
        connections in any order; compared as network_to_dict gives them (with output)."""
        if not isinstance(other, Network):
            return NotImplemented
        from myelin.hnn.hnn_io import network_to_dict
        a = network_to_dict(self, write_output=True)
        b = network_to_dict(other, write_output=True)
        conns = [sorted(json.dumps(c, sort_keys=True) for c in d.pop("connectivity"))
                 for d in (a, b)]
        return a == b and conns[0] == conns[1]

    __hash__ = None  # mutable, compared by content

    def _add_cell_type(self, name, pos, template=None):
        first = self._n_gids
        self._n_gids += len(pos)
        self.gid_ranges[name] = range(first, self._n_gids)
        self.pos_dict[name] = pos
        if template is not None:
            self.cell_types[name] = template
            self._n_cells += len(pos)

    def plot_cells(self, ax=None, show=True):
        """The cells' positions in 3D (myelin.hnn.viz.plot_cells); returns the figure."""
        from myelin.hnn.viz_network import plot_cells
        return plot_cells(self, ax=ax, show=show)

    def to_dict(self, write_output=False):
        """network_to_dict(self, write_output) (myelin.hnn.hnn_io)."""
        from myelin.hnn.hnn_io import network_to_dict
        return network_to_dict(self, write_output=write_output)

    def write_configuration(self, fname, overwrite=True):
        """write_network_configuration(self, fname, overwrite): hnn-core's JSON."""
        from myelin.hnn.hnn_io import write_network_configuration
        write_network_configuration(self, fname, overwrite)

    def gid_to_type(self, gid):
        """The cell type or drive name of a gid."""
        return _gid_to_type(gid, self.gid_ranges)

    # Drives (drives.py holds their checks and bookkeeping).
    add_evoked_drive = _drives.add_evoked_drive
    add_poisson_drive = _drives.add_poisson_drive
    add_bursty_drive = _drives.add_bursty_drive
    add_spike_train_drive = _drives.add_spike_train_drive
    add_tonic_bias = _drives.add_tonic_bias
    _attach_drive = _drives.attach_drive

    def pick_connection(self, src_gids=None, target_gids=None, loc=None, receptor=None):
        """pick_connection(net, ...) as a method."""
        return pick_connection(self, src_gids, target_gids, loc, receptor)

    def add_connection(self, src_gids, target_gids, loc, receptor, weight, delay, lamtha,
                       threshold=None, gain=1.0, allow_autapses=True, probability=1.0,
                       conn_seed=None):
        """Adds a connection rule from src_gids to target_gids (gids, ranges, or names:
        all-to-all) at `loc` ('proximal', 'distal', 'soma' or a section) with receptor
        'ampa'|'nmda'|'gabaa'|'gabab', weight [uS] and delay [ms] at distance 0, scaled
        by exp(-+ d^2 / lamtha^2) with the in-plane distance d (in grid spacings)."""
        conn = _Connectivity()
        threshold = self.threshold if threshold is None else threshold
        _validate_type(target_gids, (int, list, range, str), "target_gids",
                       "int list, range or str")
        _validate_type(allow_autapses, bool, "target_gids", "bool")
        srcs = _check_gids(src_gids, self.gid_ranges, list(self.gid_ranges), "src_gids")
        valid_targets = list(self.cell_types)
        if isinstance(target_gids, int):
            target_gids = [[target_gids] for _ in srcs]
        elif isinstance(target_gids, str):
            _check_option("target_gids", target_gids, valid_targets)
            target_gids = [list(self.gid_ranges[_long_name(target_gids)]) for _ in srcs]
        elif isinstance(target_gids, range):
            target_gids = [list(target_gids) for _ in srcs]
        elif all(isinstance(t, int) for t in target_gids):
            target_gids = [list(target_gids) for _ in srcs]
        target_set = set()
        for pair in target_gids:
            _validate_type(pair, list, "target_gids[idx]", "list or range")
            target_set.update(pair)
        target_type = self.gid_to_type(target_gids[0][0])
        for gid in target_set:
            _validate_type(gid, int, "target_gid", "int")
            t = self.gid_to_type(gid)
            if t is None:
                raise AssertionError(f"target_gid {gid}not in net.gid_ranges")
            if t != target_type:
                raise AssertionError("All target_gids must be of the same type")
        if target_type not in self.cell_types:
            raise ValueError(f"Invalid value for the 'target_gids' parameter. Allowed values "
                             f"are cell types {valid_targets}, but got {target_type!r}.")
        if len(target_gids) != len(srcs):
            raise AssertionError("target_gids must have a list for each src.")
        conn["target_type"], conn["target_gids"] = target_type, target_set
        conn["num_targets"] = len(target_set)
        pairs = {}
        for src, targets in zip(srcs, target_gids):
            pairs[src] = [t for t in targets if allow_autapses or t != src]
        conn["src_type"] = self.gid_to_type(srcs[0])
        conn["src_gids"], conn["num_srcs"], conn["gid_pairs"] = set(srcs), len(srcs), pairs
        _validate_type(loc, str, "loc")
        _validate_type(receptor, str, "receptor")
        cell = self.cell_types[target_type]["cell_object"]
        _check_option("loc", loc, list(cell.sect_loc) + list(cell.sections),
                      extra=f" (the loc '{loc}' is not defined for '{target_type}' cells)")
        conn["loc"] = loc
        _check_option("receptor", receptor, cell.receptors_at(loc),
                      extra=f" (the '{receptor}' receptor is not defined for the '{loc}' "
                            f"of '{target_type}' cells)")
        conn["receptor"] = receptor
        conn["nc_dict"] = {}
        for key, name, item in zip(("A_delay", "A_weight", "lamtha", "threshold", "gain"),
                                   ("delay", "weight", "lamtha", "threshold", "gain"),
                                   (delay, weight, lamtha, threshold, gain)):
            _validate_type(item, (int, float), name, "int or float")
            if name == "gain" and item < 0.0:
                raise ValueError(f"Synaptic gains must be non-negative.Got {gain} for "
                                 f"connection {conn['src_type']}->{conn['target_type']}.")
            conn["nc_dict"][key] = item
        if probability != 1.0:
            _connection_probability(conn, probability, conn_seed)
        conn["probability"] = probability
        conn["allow_autapses"] = allow_autapses
        self.connectivity.append(deepcopy(conn))

    def _gids_by_electro_type(self):
        e, i = [], []
        for name, cell in self.cell_types.items():
            kind = cell["cell_metadata"].get("electro_type")
            (e if kind == "excitatory" else i if kind == "inhibitory" else []).extend(
                self.gid_ranges[name])
        return {"e_e": (e, e), "e_i": (e, i), "i_e": (i, e), "i_i": (i, i)}

    def set_global_synaptic_gains(self, e_e=None, e_i=None, i_e=None, i_i=None, copy=False):
        """Sets the gain (weight factor) of every connection between excitatory (e) and
        inhibitory (i) cells of the given kinds; drives keep theirs. copy=True changes
        and returns a copy."""
        _validate_type(copy, bool, "copy")
        net = self.copy() if copy else self
        gains = {"e_e": e_e, "e_i": e_i, "i_e": i_e, "i_i": i_i}
        for kind, (srcs, targets) in self._gids_by_electro_type().items():
            gain = gains[kind]
            if gain is None:
                continue
            _validate_type(gain, (int, float), kind, "int or float")
            if gain < 0.0:
                raise ValueError(f"Synaptic gains must be non-negative. Got {gain} for '{kind}'.")
            for idx in pick_connection(net, src_gids=srcs, target_gids=targets):
                net.connectivity[idx]["nc_dict"]["gain"] = gain
        return net if copy else None

    def get_global_synaptic_gains(self):
        """{'e_e', 'e_i', 'i_e', 'i_i': gain} of the first connection of each kind."""
        out = {}
        for kind, (srcs, targets) in self._gids_by_electro_type().items():
            picks = pick_connection(self, src_gids=srcs, target_gids=targets)
            if picks:
                out[kind] = self.connectivity[picks[0]]["nc_dict"]["gain"]
        return out

    def clear_connectivity(self):
        """Removes every connection between cells (drives' connections stay)."""
        self.connectivity = [c for c in self.connectivity
                             if c["src_type"] in self.external_drives]

    def clear_drives(self):
        """Removes every drive and its connections."""
        self.connectivity = [c for c in self.connectivity
                             if c["src_type"] not in self.external_drives]
        for name in list(self.gid_ranges):
            if name in self.external_drives:
                self._n_gids -= len(self.gid_ranges[name])
                del self.gid_ranges[name]
                del self.pos_dict[name]
        self.external_drives = dict()

    def add_electrode_array(self, name, electrode_pos, *, conductivity=0.3, method="psa",
                            min_distance=0.5):
        """Records the extracellular potential at `electrode_pos` ((x, y, z) or a list of
        them, in um, the frame of pos_dict) during simulate_dipole, into
        net.rec_arrays[name] (an ExtracellularArray, one trace per trial). conductivity
        [S/m] of the infinite homogeneous medium; method 'psa' (point source at each
        segment centre) or 'lsa' (line source along each segment); distances below
        min_distance [um] are clipped. Computed by the engine every time step from every
        segment's transmembrane current (docs/hnn.md, "Extracellular potentials")."""
        from myelin.hnn.extracellular import ExtracellularArray
        _validate_type(name, str, "name")
        if name in self.rec_arrays:
            raise ValueError(f"{name} already exists, use another name!")
        self.rec_arrays[name] = ExtracellularArray(electrode_pos, conductivity=conductivity,
                                                   method=method, min_distance=min_distance)


def _connection_probability(conn, probability, conn_seed=None):
    """Keeps round(n * probability) of the n pairs, chosen as HNN-core chooses them
    (NumPy's default_rng(conn_seed).choice without replacement)."""
    _validate_type(probability, float, "probability")
    if probability <= 0.0 or probability >= 1.0:
        raise ValueError("probability must be in the range (0,1)")
    rng = np.random.default_rng(conn_seed)
    n = sum(len(t) for t in conn["gid_pairs"].values())
    keep = set(rng.choice(range(n), int(np.round(n * probability)), replace=False).tolist())
    idx = 0
    for src in list(conn["gid_pairs"]):
        kept = []
        for t in conn["gid_pairs"][src]:
            if idx in keep:
                kept.append(t)
            idx += 1
        if kept:
            conn["gid_pairs"][src] = kept
        else:
            conn["gid_pairs"].pop(src)

"""HNN's parameter files (.json and the legacy .param) and the drives they describe.

read_params returns a Params (a dict with HNN-core's wildcard access); the drive
specifications of a parameter file (the GUI's "evprox_1", "input_prox", "extpois", ...
keys) become Network drives through add_drives_from_params (drives.py).
"""
import fnmatch
import json
import os.path as op
import re
from copy import deepcopy

_PARAM_DIR = op.join(op.dirname(op.abspath(__file__)), "param")
_SHORT = dict(L2_basket="L2Basket", L5_basket="L5Basket", L2_pyramidal="L2Pyr",
              L5_pyramidal="L5Pyr")
_LONG = {v: k for k, v in _SHORT.items()}


def _short_name(name):
    return _SHORT.get(name, name)


def _long_name(name):
    return _LONG.get(name, name)


def _defaults():
    """The parameter set of HNN's default.json (the Jones 2009 ERP network)."""
    with open(op.join(_PARAM_DIR, "default.json")) as f:
        return json.load(f)


def _count_evoked_inputs(d):
    nprox = sum(1 for k in d if k.startswith("t_") and "evprox" in k)
    ndist = sum(1 for k in d if k.startswith("t_") and "evdist" in k)
    return nprox, ndist


_EVOKED_KEY = re.compile(r"(?:^|_)ev(prox|dist)_\d+(?:_|$)")


def _evoked_templated(defaults, params_input):
    """The defaults for `params_input`, whose evoked inputs (if it names any) are its
    own: as hnn-core templates them, the default keys of evoked inputs give way to
    inputs 1..nprox and 1..ndist of the counts `params_input` has (weights 0, time and
    spread 0, seed 0, one spike), so a file with one proximal and two distal inputs does
    not gain default.json's second proximal one."""
    nprox, ndist = _count_evoked_inputs(params_input)
    if nprox + ndist == 0:
        return defaults
    out = {k: v for k, v in defaults.items() if not _EVOKED_KEY.search(k)}
    for kind, n, types in (("evprox", nprox, ("L2Pyr", "L5Pyr", "L2Basket", "L5Basket")),
                           ("evdist", ndist, ("L2Pyr", "L5Pyr", "L2Basket"))):
        for i in range(1, n + 1):
            name = f"{kind}_{i}"
            out.update({f"gbar_{name}_{t}_{r}": 0.0 for t in types for r in ("ampa", "nmda")})
            out.update({f"t_{name}": 0.0, f"sigma_t_{name}": 0.0, f"prng_seedcore_{name}": 0,
                        f"numspikes_{name}": 1})
    return out


def _read_legacy_params(text):
    """`key: value` lines; numbers with '.' or 'e' are floats, other numbers ints,
    anything else a str."""
    out = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, value = [f.strip() for f in line.lstrip().split(":", 1)]
        try:
            out[key] = float(value) if ("." in value or "e" in value) else int(value)
        except ValueError:
            out[key] = str(value)
    return out


def _is_pattern(key):
    return isinstance(key, str) and any(c in key for c in "*?[")


class Params(dict):
    """HNN's parameters: a dict whose missing keys take default.json's values, and
    whose keys may be fnmatch patterns: ``params['gbar_L2*']`` is a Params of the
    matching keys only (printed as indented JSON), ``params['gbar_L2*'] = 0.`` sets them all."""

    def __init__(self, params_input=None):
        super().__init__()
        if params_input is None:
            params_input = {}
        if not isinstance(params_input, dict):
            raise ValueError(f"params_input must be dict or None. Got {type(params_input)}")
        for key, value in _evoked_templated(_defaults(), params_input).items():
            self[key] = params_input.get(key, value)
        for key, value in params_input.items():  # keys default.json does not name
            dict.__setitem__(self, key, value)

    def __repr__(self):
        return json.dumps(self, sort_keys=True, indent=4)

    def __getitem__(self, key):
        if key in self.keys() or not _is_pattern(key):
            return dict.__getitem__(self, key)
        matches = fnmatch.filter(self.keys(), key)
        if not matches:
            return dict.__getitem__(self, key)  # KeyError
        subset = self.copy()  # a Params of the matching keys only, as hnn-core returns
        for k in list(subset):
            if k not in matches:
                dict.pop(subset, k)
        return subset

    def __setitem__(self, key, value):
        if key in self.keys() or not _is_pattern(key):
            return dict.__setitem__(self, key, value)
        matches = fnmatch.filter(self.keys(), key)
        if not matches:
            return dict.__setitem__(self, key, value)
        for k in matches:
            dict.__setitem__(self, k, value)

    def copy(self):
        return deepcopy(self)

    def write(self, fname):
        """Writes the parameters as a .json file."""
        with open(fname, "w") as fp:
            json.dump(self, fp)


def read_params(params_fname, file_contents=None):
    """Reads an HNN parameter file (.json or legacy .param) into a Params.

    file_contents: the file's text, instead of reading params_fname (whose extension
    still chooses the format)."""
    ext = op.splitext(str(params_fname))[1]
    if ext not in (".json", ".param"):
        raise ValueError("Unrecognized extension, expected one of .json, .param. Got %s" % ext)
    if file_contents is None:
        with open(params_fname, "r") as fp:
            file_contents = fp.read()
    data = json.loads(file_contents) if ext == ".json" else _read_legacy_params(file_contents)
    if not isinstance(data, dict) or len(data) == 0:
        raise ValueError("Failed to read parameters from file: %s" % op.normpath(params_fname))
    return Params(data)


def _bias_specs(params, cell_types):
    """{'tonic': {cell_type: {amplitude, t0, tstop}}} from Itonic_{A,t0,T}_<type>_soma."""
    specs = {"tonic": {}}
    for name in cell_types:
        short = _short_name(name)
        keys = [f"Itonic_{p}_{short}_soma" for p in ("A", "t0", "T")]
        present = [k in params for k in keys]
        if any(present):
            if not all(present):
                raise ValueError("Tonic input must have the amplitude, start time and end "
                                 "time specified. One or more parameter may be missing for "
                                 f"cell type {name}")
            specs["tonic"][name] = {"amplitude": params[keys[0]], "t0": params[keys[1]],
                                    "tstop": params[keys[2]]}
    return specs


def _rhythmic_feed(p, side, tstop):
    """The GUI's ongoing proximal or distal rhythm (input_prox_*, input_dist_*)."""
    s = "prox" if side == "prox" else "dist"
    delay = {"L2": p[f"input_{s}_A_delay_L2"], "L5": p[f"input_{s}_A_delay_L5"]}
    feed = {"f_input": p[f"f_input_{s}"], "t0": p[f"t0_input_{s}"],
            "tstop": min(p[f"tstop_input_{s}"], tstop), "stdev": p[f"f_stdev_{s}"],
            "events_per_cycle": p[f"events_per_cycle_{s}"],
            "prng_seedcore": int(p[f"prng_seedcore_input_{s}"]),
            "n_drive_cells": p[f"repeats_{s}"], "t0_stdev": p[f"t0_input_stdev_{s}"],
            "loc": "proximal" if s == "prox" else "distal", "weights": {}}
    for short in ("L2Pyr", "L5Pyr", "L2Basket", "L5Basket"):
        for rec in ("ampa", "nmda"):
            key = f"input_{s}_A_weight_{short}_{rec}"
            if key in p:
                feed["weights"][(short, rec)] = [p[key], delay[short[:2]]]
    if not feed["stdev"]:  # a perfectly regular rhythm: the GUI raises its weights x5
        for w in feed["weights"].values():
            w[0] *= 5.0
    if feed["weights"].get(("L5Pyr", "ampa"), [0, 0])[1] == -1:
        l2 = feed["weights"].get(("L2Pyr", "ampa"), [0, 0.1])[1]
        for (short, _), w in feed["weights"].items():
            if short.startswith("L5"):
                w[1] = l2 if l2 != 0.1 else 1.0
    return feed


def _drive_specs(params, cell_types, legacy_mode=False):
    """The drives of a parameter file as {name: spec}, as HNN-core reads them."""
    p = dict(params)
    specs = {}
    for i, side in enumerate(("prox", "dist")):
        feed = _rhythmic_feed(p, side, p["tstop"])
        if not legacy_mode and feed["tstop"] < feed["t0"]:
            continue
        drive = {"type": "bursty", "cell_specific": False, "location": feed["loc"],
                 "space_constant": 100.0, "event_seed": feed["prng_seedcore"],
                 "weights_ampa": {}, "weights_nmda": {}, "synaptic_delays": {},
                 "dynamics": {"tstart": feed["t0"], "tstart_std": feed["t0_stdev"],
                              "tstop": feed["tstop"], "burst_rate": feed["f_input"],
                              "burst_std": feed["stdev"], "numspikes": feed["events_per_cycle"],
                              "n_drive_cells": feed["n_drive_cells"], "spike_isi": 10}}
        for name in cell_types:
            short = _short_name(name)
            if (short, "ampa") in feed["weights"]:
                drive["weights_ampa"][name], drive["synaptic_delays"][name] = \
                    feed["weights"][(short, "ampa")]
            if (short, "nmda") in feed["weights"]:
                drive["weights_nmda"][name] = feed["weights"][(short, "nmda")][0]
        specs[f"bursty{i + 1}"] = drive

    nprox, ndist = _count_evoked_inputs(p)
    for kind, count in (("evprox", nprox), ("evdist", ndist)):
        targets = ["L2_pyramidal", "L2_basket", "L5_pyramidal"] + \
            (["L5_basket"] if kind == "evprox" else [])
        for i in range(count):
            key = f"{kind}_{i + 1}"
            drive = {"type": "evoked", "cell_specific": True,
                     "location": "proximal" if kind == "evprox" else "distal",
                     "space_constant": 3.0, "event_seed": int(p["prng_seedcore_" + key]),
                     "weights_ampa": {}, "weights_nmda": {}, "synaptic_delays": {}}
            if legacy_mode:
                drive["event_seed"] -= 18
            n_drive_cells = "n_cells"
            if p.get("sync_evinput", False):
                n_drive_cells, drive["cell_specific"] = 1, False
            drive["dynamics"] = {"mu": p["t_" + key], "sigma": p["sigma_t_" + key],
                                 "numspikes": p["numspikes_" + key],
                                 "n_drive_cells": n_drive_cells}
            for name in cell_types:
                if name not in targets:
                    continue
                short = _short_name(name)
                for rec in ("ampa", "nmda"):
                    k = f"gbar_{key}_{short}_{rec}"
                    w = p[k] if k in p else p.get(f"gbar_{key}_{short}", 0.0)
                    drive[f"weights_{rec}"][name] = w
                late = kind == "evprox" and name.startswith("L5")
                drive["synaptic_delays"][name] = 1.0 if late else 0.1
            specs[f"{kind}{i + 1}"] = drive

    gauss_delay = {"L2_basket": 1.0, "L2_pyramidal": 0.1, "L5_basket": 1.0,
                   "L5_pyramidal": 1.0}
    if legacy_mode or p["L2Basket_Gauss_mu"] <= p["tstop"]:
        drive = {"type": "gaussian", "cell_specific": True, "location": "proximal",
                 "space_constant": 100.0, "event_seed": int(p["prng_seedcore_extgauss"]),
                 "weights_ampa": {}, "weights_nmda": {}, "synaptic_delays": {},
                 "dynamics": {"mu": p["L2Basket_Gauss_mu"], "sigma": p["L2Basket_Gauss_sigma"],
                              "numspikes": 50, "n_drive_cells": "n_cells"}}
        for name in cell_types:
            short = _short_name(name)
            if f"{short}_Gauss_A_weight" in p:
                drive["weights_ampa"][name] = p[f"{short}_Gauss_A_weight"]
                drive["synaptic_delays"][name] = gauss_delay[name]
        specs["extgauss"] = drive

    if legacy_mode or p["T_pois"] >= p["t0_pois"]:
        drive = {"type": "poisson", "cell_specific": True, "location": "proximal",
                 "space_constant": 100.0, "event_seed": int(p["prng_seedcore_extpois"]),
                 "weights_ampa": {}, "weights_nmda": {}, "synaptic_delays": {}}
        rates = {}
        for name in cell_types:
            short = _short_name(name)
            if f"{short}_Pois_A_weight_ampa" not in p:
                continue
            rate = p[f"{short}_Pois_lamtha"]
            rates[name] = rate if rate > 0 else 1
            drive["weights_ampa"][name] = p[f"{short}_Pois_A_weight_ampa"]
            drive["weights_nmda"][name] = p.get(f"{short}_Pois_A_weight_nmda", 0.0)
            drive["synaptic_delays"][name] = 0.1 if name == "L2_pyramidal" else 1.0
        drive["dynamics"] = {"tstart": max(0, p["t0_pois"]), "tstop": max(0, p["T_pois"]),
                             "rate_constant": rates, "n_drive_cells": "n_cells"}
        specs["extpois"] = drive
    return specs


def _has_positive_weight(drive):
    weights = list((drive["weights_ampa"] or {}).values()) + \
        list((drive["weights_nmda"] or {}).values())
    return any(w > 0 for w in weights)


def remove_nulled_drives(net):
    """A copy of `net` without the drives that legacy parameter files switch off: a start
    after the stop (or either negative), or no positive weight. The others are attached
    again with their space constant and probability, as hnn-core does."""
    from myelin.hnn.network import pick_connection
    net = deepcopy(net)
    drives = dict(net.external_drives)
    extras = {}
    for name in drives:
        first = net.connectivity[pick_connection(net, src_gids=name)[0]]
        extras[name] = (first["nc_dict"]["lamtha"], first["probability"])
    net.clear_drives()
    for name, drive in drives.items():
        start, stop = drive["dynamics"].get("tstart"), drive["dynamics"].get("tstop")
        if start is not None and stop is not None and (start > stop or start < 0 or stop < 0):
            continue
        if not _has_positive_weight(drive):
            continue
        if drive["cell_specific"]:
            drive["n_drive_cells"] = "n_cells"
        lamtha, probability = extras[name]
        net._attach_drive(name, drive, drive["weights_ampa"], drive["weights_nmda"],
                          drive["location"], lamtha, drive["synaptic_delays"],
                          drive["n_drive_cells"], drive["cell_specific"], probability)
    return net


def convert_to_json(params_fname, out_fname, include_drives=True, overwrite=True):
    """Converts an HNN parameter file (.json or legacy .param) to a network configuration
    file (read_network_configuration): the column of neymotin_2020_model with the file's
    weights and, with include_drives, its drives (those it switches off left out).
    out_fname gets the suffix .json when it has another."""
    from pathlib import Path

    from myelin.hnn.hnn_io import write_network_configuration
    from myelin.hnn.network import _validate_type
    from myelin.hnn.network_models import neymotin_2020_model
    _validate_type(params_fname, (str, Path), "params_fname", "str or Path")
    _validate_type(out_fname, (str, Path), "out_fname", "str or Path")
    params_fname, out_fname = Path(params_fname), Path(out_fname)
    if out_fname.suffix != ".json":
        out_fname = out_fname.with_suffix(".json")
    net = neymotin_2020_model(params=read_params(str(params_fname)),
                              add_drives_from_params=include_drives,
                              legacy_mode=params_fname.suffix.lower() == ".param")
    write_network_configuration(remove_nulled_drives(net), out_fname, overwrite=overwrite)

"""A Network as a myelin model (docs/model-file.md; the schema of
models/jones2009_erp.json): populations with HNN's positions, one projection per
connection rule, one model drive per HNN drive (and per tonic bias), a spike recorder.

    model = to_model(net, tstop=170.0, dt=0.025, trial_idx=0)
    myelin.Simulation(model).run(170.0)      # or: json.dump(model, f); myelin run f
"""
import json

import numpy as np

from myelin import _core
from myelin.hnn import drive_times

# The engine never makes connections whose delay reaches 2^31 steps (docs/hnn.md, "Long
# delays"); explicit columns drop them alike.
_MAX_STEPS = 2.0 ** 31


def _num(x):
    return repr(float(x))


def _full_all_to_all(net, conn):
    """Whether conn connects every source cell of its type to every target cell (but
    itself, when autapses are excluded): an AllToAll projection."""
    if conn["probability"] != 1.0:
        return False
    srcs = net.gid_ranges[conn["src_type"]]
    targets = list(net.gid_ranges[conn["target_type"]])
    if sorted(conn["gid_pairs"]) != list(srcs):
        return False
    same = conn["src_type"] == conn["target_type"]
    for src, tgt in conn["gid_pairs"].items():
        want = [t for t in targets if conn["allow_autapses"] or not same or t != src]
        if tgt != want:
            return False
    return True


def _explicit_columns(net, conn, lam, dt):
    """FromArrays columns of a connection rule that is not all-to-all."""
    src0 = net.gid_ranges[conn["src_type"]][0]
    tgt0 = net.gid_ranges[conn["target_type"]][0]
    spos = np.asarray(net.pos_dict[conn["src_type"]], dtype=float)
    tpos = np.asarray(net.pos_dict[conn["target_type"]], dtype=float)
    pre, post = [], []
    for src, targets in conn["gid_pairs"].items():
        pre.extend([src - src0] * len(targets))
        post.extend(t - tgt0 for t in targets)
    pre, post = np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64)
    d2 = ((spos[pre, :2] - tpos[post, :2]) ** 2).sum(axis=1)
    nc = conn["nc_dict"]
    with np.errstate(over="ignore"):
        weight = nc["A_weight"] * nc["gain"] * np.exp(-d2 / lam ** 2)
        delay = nc["A_delay"] * np.exp(d2 / lam ** 2)
    keep = delay / dt < _MAX_STEPS - 1
    return {"type": "FromArrays", "pre": pre[keep].tolist(), "post": post[keep].tolist(),
            "weight": weight[keep].tolist(), "delay": delay[keep].tolist()}


def _projections(net, dt):
    out, labels = [], set()
    for conn in net.connectivity:
        if conn["src_type"] in net.external_drives:
            continue
        nc = conn["nc_dict"]
        lam = nc["lamtha"] * net._inplane_distance
        label = f"{conn['src_type']}->{conn['target_type']}:{conn['loc']}_{conn['receptor']}"
        k = 1
        while label in labels:
            k += 1
            label = f"{conn['src_type']}->{conn['target_type']}:{conn['loc']}_" \
                    f"{conn['receptor']}#{k}"
        labels.add(label)
        proj = {"label": label, "pre": conn["src_type"], "post": conn["target_type"],
                "receptor": f"{conn['loc']}_{conn['receptor']}"}
        if _full_all_to_all(net, conn):
            lam2 = _num(lam * lam)
            proj["connector"] = {"type": "AllToAll",
                                 "allow_self_connections": bool(conn["allow_autapses"])}
            proj["weight"] = f"{_num(nc['A_weight'] * nc['gain'])} * exp(-(dx^2 + dy^2) / {lam2})"
            proj["delay"] = f"{_num(nc['A_delay'])} * exp((dx^2 + dy^2) / {lam2})"
        else:
            cols = _explicit_columns(net, conn, lam, dt)
            if not cols["pre"]:
                continue
            proj["connector"] = cols
        out.append(proj)
    return out


def _drive_targets(net, name):
    """Per target cell type: AMPA and NMDA weights (times gain), delay, space constant,
    from the drive's connections in net.connectivity (edits there are honoured)."""
    weights = {"ampa": {}, "nmda": {}}
    delays, lamthas, probs = {}, set(), set()
    for conn in net.connectivity:
        if conn["src_type"] != name:
            continue
        nc, t = conn["nc_dict"], conn["target_type"]
        if conn["receptor"] not in weights:
            raise ValueError(f"net.connectivity: drive '{name}' reaches {t} through "
                             f"'{conn['receptor']}'; drives use ampa and nmda")
        weights[conn["receptor"]][t] = nc["A_weight"] * nc["gain"]
        delays[t] = nc["A_delay"]
        lamthas.add(nc["lamtha"])
        probs.add(conn["probability"])
    if len(lamthas) > 1:
        raise ValueError(f"drive '{name}': myelin gives a drive one space constant, its "
                         f"connections have {sorted(lamthas)}")
    if len(probs) > 1:
        raise ValueError(f"drive '{name}': myelin gives a drive one connection probability, "
                         f"its target cell types have {sorted(probs)}")
    return weights, delays, (lamthas or {3.0}).pop(), (probs or {1.0}).pop()


def _drives(net, trial_idx, tstop):
    out = []
    origin = [float(net.pos_dict["origin"][0]), float(net.pos_dict["origin"][1])]
    for name, drive in net.external_drives.items():
        weights, delays, lamtha, prob = _drive_targets(net, name)
        dyn = drive["dynamics"]
        kind = drive["type"]
        entry = {"label": name, "type": "evoked", "location": drive["location"],
                 "seed": int(drive["event_seed"]) + trial_idx,
                 "space_constant": float(lamtha) * net._inplane_distance, "origin": origin,
                 "cell_specific": bool(drive["cell_specific"])}
        if not drive["cell_specific"]:
            entry["n_drive_cells"] = int(drive["n_drive_cells"])
        if kind in ("evoked", "gaussian"):
            entry.update(mu=float(dyn["mu"]), sigma=float(dyn["sigma"]),
                         numspikes=int(dyn["numspikes"]))
        elif kind == "poisson":
            entry.update(type="poisson", tstart=float(dyn["tstart"]))
            if dyn["tstop"] is not None:
                entry["tstop"] = float(dyn["tstop"])
            rate = dyn["rate_constant"]
            if isinstance(rate, dict):
                entry["rates"] = {t: float(r) for t, r in rate.items()}
            else:
                entry["rate"] = float(rate)
        elif kind == "bursty":
            entry.update(type="bursty", tstart=float(dyn["tstart"]),
                         tstart_std=float(dyn["tstart_std"]), burst_rate=float(dyn["burst_rate"]),
                         burst_std=float(dyn["burst_std"]), numspikes=int(dyn["numspikes"]),
                         spike_isi=float(dyn["spike_isi"]))
            if dyn["tstop"] is not None:
                entry["tstop"] = float(dyn["tstop"])
        elif kind == "spike_train":
            entry["spike_times"] = [list(map(float, t)) for t in dyn["spike_times"]]
        else:
            raise ValueError(f"drive '{name}': unknown type '{kind}'")
        if kind != "spike_train" and drive_times.wanted():
            entry["spike_times"] = drive_times.event_times(net, name, trial_idx, tstop)
        if prob != 1.0:
            entry["probability"] = float(prob)
        entry["weights_ampa"] = weights["ampa"]
        if weights["nmda"]:
            entry["weights_nmda"] = weights["nmda"]
        entry["delays"] = delays
        out.append(entry)
    for bias_name, biases in net.external_biases.items():
        for cell_type, b in biases.items():
            entry = {"label": f"{bias_name}_{cell_type}", "type": "tonic",
                     "amplitudes": {cell_type: float(b["amplitude"])},
                     "tstart": float(b["t0"])}
            stop = tstop if b["tstop"] is None else b["tstop"]
            if stop < 0.0:
                raise ValueError("End time of tonic input cannot be negative")
            if stop - b["t0"] < 0.0:
                raise ValueError("Duration of tonic input cannot be negative")
            entry["tstop"] = float(stop)
            out.append(entry)
    return out


def _section_recorders(net, cells, record_vsec, record_isec, record_ca):
    """Recorders of the engine's in-cell variables (v_<section>, i_<synapse>,
    cai_<section>, docs/cable.md) for HNN-core's record_vsec='all', record_isec and
    record_ca ('soma': the soma's only)."""
    out = []
    for name in cells:
        tpl = net.cell_types[name]["cell_object"]._template

        def wanted(section, what):
            return what == "all" or (what in ("soma", True) and section == "soma")
        variables = [f"v_{sec['name']}" for sec in tpl["sections"] if record_vsec == "all"]
        variables += [f"i_{syn['name']}" for syn in tpl["synapses"]
                      if record_isec and wanted(syn["section"], record_isec)]
        variables += [f"cai_{sec['name']}" for sec in tpl["sections"]
                      if record_ca and "cad" in sec["mechanisms"] and
                      wanted(sec["name"], record_ca)]
        if variables:
            out.append({"label": f"sections_{name}", "target": name, "variables": variables})
    return out


def _edited_template(cell, engine_type):
    """The engine's template of `engine_type` (cell-template JSON, docs/cable.md) with the
    synapse kinetics (e, tau1, tau2 per receptor) edited in cell.synapses, as HNN-core
    users edit net.cell_types[...]['cell_object'].synapses; None when nothing changed."""
    if cell.engine_kinetics_changed() is None:
        return None
    spec = json.loads(_core.builtin_cell_template_json(engine_type))
    for syn in spec["synapses"]:
        for key in ("e", "tau1", "tau2"):
            value = cell.synapses.get(syn["name"], {}).get(key)
            if value is not None:
                syn[key] = float(value)
    return spec


def to_model(net, tstop, dt=0.025, trial_idx=0, record_vsec=False, record_isec=False,
             record_ca=False):
    """The myelin model dict of `net` for trial `trial_idx` (every drive's event_seed +
    trial_idx, as `myelin run --trials` derives its trials)."""
    cells = list(net.cell_types)
    pops = []
    templates = {}
    for k, name in enumerate(cells):
        cell = net.cell_types[name]["cell_object"]
        engine_type = cell.engine_type
        edited = _edited_template(cell, engine_type)
        if edited is not None:
            # A template of its own, named after the engine type so that HNN's dipole
            # baseline (per L2_pyramidal*/L5_pyramidal* layer) still applies.
            engine_type = f"{engine_type}_kinetics_{k}"
            templates[engine_type] = edited
        pops.append({"label": name, "size": len(net.pos_dict[name]), "cell_type": engine_type,
                     "positions": {"kind": "list",
                                   "list": [[float(c) for c in p] for p in net.pos_dict[name]]}})
    recorders = [{"label": "spikes", "target": cells, "variables": ["spikes"]}]
    if record_vsec == "soma" or record_vsec is True:
        recorders.append({"label": "vsoma", "target": cells, "variables": ["v"]})
    recorders += _section_recorders(net, cells, record_vsec, record_isec, record_ca)
    model = {"name": "hnn_network",
             "description": "myelin.hnn Network (python/myelin/hnn/compile.py)",
             "dt": float(dt), "tstop": float(tstop), "seed": 1,
             "populations": pops, "projections": _projections(net, dt),
             "drives": _drives(net, trial_idx, tstop), "recorders": recorders}
    if templates:
        model["cell_templates"] = templates
    if net.rec_arrays:
        model["electrode_arrays"] = [
            {"label": name, "positions": [[float(c) for c in p] for p in arr.positions],
             "conductivity": float(arr.conductivity), "method": arr.method,
             "min_distance": float(arr.min_distance)}
            for name, arr in net.rec_arrays.items()]
    return model

"""Turn the backend's network description into an engine model (dict + arrays)."""

import numpy as np
from pyNN import errors

from . import native
from .cells import engine_values
from .projections import base_cells
from .recording import engine_recorders


def _values(array):
    """A float if every cell has the same value, else a list."""
    array = np.asarray(array, dtype=float)
    if array.size and np.all(array == array[0]):
        return float(array[0])
    return array.tolist()


def population_entry(pop):
    entry = {"label": pop._engine_label, "size": int(pop.size),
             "cell_type": pop.celltype.__class__.__name__}
    params = {}
    for name, values in pop._parameters.items():
        if name == "spike_times":
            entry["spike_times"] = [np.asarray(s.value, dtype=float).tolist()
                                    if s is not None else [] for s in values]
        else:
            for engine_name, column in engine_values(pop.celltype, name, values).items():
                params[engine_name] = _values(column)
    if params:
        entry["params"] = params
    known = getattr(pop.celltype, "engine_initial", ())
    initial = {v: _values(pop._initial_array(v)) for v in pop._initial if v in known}
    if initial:
        entry["initial"] = initial
    return entry


MAX_SYNAPSE_GROUPS = 256


def _synapse_groups(order, synapse_params):
    """Split connections `order` by their synapse parameter values (the engine holds
    synapse parameters per projection): a list of index arrays."""
    if not synapse_params or order.size == 0:
        return [order]
    rows = np.column_stack([synapse_params[name][order] for name in sorted(synapse_params)])
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    if unique.shape[0] > MAX_SYNAPSE_GROUPS:
        raise errors.InvalidParameterValueError(
            "synapse parameters %s: at most %d distinct combinations per projection, got %d"
            % (", ".join(sorted(synapse_params)), MAX_SYNAPSE_GROUPS, unique.shape[0]))
    inverse = inverse.ravel()
    return [order[inverse == g] for g in range(unique.shape[0])]


def projection_entries(prj, arrays):
    """Engine projections of one PyNN projection: one per (pre, post) base population
    pair and combination of synapse parameter values."""
    if prj._native is not None:
        return native.projection_entries(prj)
    prj._consolidate()
    pre_pops, pre_which, pre_index = base_cells(prj.pre)
    post_pops, post_which, post_index = base_cells(prj.post)
    group_pre = pre_which[prj._pre]
    group_post = post_which[prj._post]
    entries, parts = [], []
    synapse_params = {name: values for name, values in prj._values.items()
                      if name not in ("weight", "delay")}
    if prj._frozen is not None:
        frozen = native.frozen_entries(
            prj, arrays, _synapse_groups(np.arange(prj._pre.size), synapse_params))
        if frozen is not None:
            return frozen
    for k, pre_pop in enumerate(pre_pops):
        for m, post_pop in enumerate(post_pops):
            pair = np.nonzero((group_pre == k) & (group_post == m))[0]
            for g, order in enumerate(_synapse_groups(pair, synapse_params)):
                if order.size == 0:
                    continue
                label = "%s_%d_%d_%d" % (prj._engine_label, k, m, g)
                entry = {"label": label, "pre": pre_pop._engine_label,
                         "post": post_pop._engine_label,
                         "connector": {"type": "FromArrays"},
                         "receptor": prj.receptor_type}
                description = prj._engine_synapse(
                    {name: float(v[order[0]]) for name, v in synapse_params.items()})
                if description is not None:
                    entry["synapse"] = description
                arrays[label] = {"pre": pre_index[prj._pre[order]],
                                 "post": post_index[prj._post[order]],
                                 "weight": prj._values["weight"][order],
                                 "delay": prj._values["delay"][order]}
                entries.append(entry)
                parts.append({"label": label, "order": order})
    prj._engine_parts = parts
    return entries


def build_model(state):
    """(model dict, connection arrays of the FromArrays projections)."""
    arrays = {}
    model = {"name": "pynn", "dt": float(state.dt), "tstop": float(state.dt),
             "seed": int(state.seed),
             "populations": [population_entry(p) for p in state.populations]}
    native.add_positions(model, state)
    projections = []
    for prj in state.projections:
        projections.extend(projection_entries(prj, arrays))
    if projections:
        model["projections"] = projections
    stimuli = []
    for source in state.current_sources:
        stimuli.extend(source.engine_stimuli())
    if stimuli:
        model["stimuli"] = stimuli
    recorders = []
    for pop in state.populations:
        recorders.extend(engine_recorders(pop))
    if recorders:
        model["recorders"] = recorders
    return model, arrays

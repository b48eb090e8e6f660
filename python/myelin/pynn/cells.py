"""Standard cell types of the myelin PyNN backend.

The engine uses PyNN's names and units for every parameter (``myelin info``),
so each translation is the identity. Only the types that the engine's catalogue
(``myelin._core.cell_types()``) has are offered; the others are
``ModelNotAvailable``, which raises when used.

The engine's parameters are one number per cell: an ArrayParameter of PyNN
(GIF_cond_exp's tau_eta, tau_gamma, a_eta, a_gamma, three values each) is the
engine's parameters ``<name>1``, ``<name>2``, ... The backend keeps the
ArrayParameter per cell, as PyNN gives it, and hands the elements to the engine
(``engine_values``); a class lists them in ``engine_array_params``.
"""

import numpy as np
from pyNN import errors
from pyNN.parameters import ArrayParameter
from pyNN.standardmodels import ModelNotAvailable, build_translations, cells

from .. import _core

ENGINE_CELL_TYPES = _core.cell_types()

STANDARD_CELL_NAMES = (
    "IF_curr_exp", "IF_curr_alpha", "IF_curr_delta", "IF_cond_exp", "IF_cond_alpha",
    "IF_cond_exp_gsfa_grr", "HH_cond_exp", "EIF_cond_exp_isfa_ista",
    "EIF_cond_alpha_isfa_ista", "Izhikevich", "SpikeSourcePoisson", "SpikeSourceArray",
    "SpikeSourceGamma", "SpikeSourcePoissonRefractory", "IF_facets_hardware1",
    "GIF_cond_exp", "SpikeSourceInhGamma",
)


def _element_names(name, default, engine_params):
    """The engine's per-element parameters of ArrayParameter `name`, or None."""
    size = len(np.atleast_1d(default.value))
    names = tuple("%s%d" % (name, k + 1) for k in range(size))
    return names if size and all(n in engine_params for n in names) else None


def _engine_type(base):
    """A backend class for PyNN's standard cell type `base`, driven by the engine's
    catalogue entry: identity translations of PyNN's parameters."""
    entry = ENGINE_CELL_TYPES[base.__name__]
    engine_params = set(entry.get("params", {}))
    names, arrays = [], {}
    for p, default in base.default_parameters.items():
        if p in engine_params or p == "spike_times":
            names.append(p)
        elif isinstance(default, ArrayParameter):
            elements = _element_names(p, default, engine_params)
            if elements:
                names.append(p)
                arrays[p] = elements
    if set(base.default_parameters) - set(names):
        return None  # the engine's type is not PyNN's: not offered
    attrs = {
        "__doc__": base.__doc__,
        "translations": build_translations(*[(p, p) for p in names]),
        "engine_initial": tuple(entry.get("initial", {})),
        "engine_recordable": tuple(entry.get("recordable", ())),
        "engine_synapses": entry.get("synapses", "none"),
        "engine_array_params": arrays,
    }
    return type(base.__name__, (base,), attrs)


def engine_values(celltype, name, values):
    """{engine parameter: one float per cell} for native parameter `name` of `celltype`
    with `values` (one per cell): itself, or the elements of an ArrayParameter."""
    elements = getattr(celltype, "engine_array_params", {}).get(name)
    if elements is None:
        return {name: np.asarray(values, dtype=float)}
    rows = []
    for value in np.atleast_1d(values):
        row = np.atleast_1d(np.asarray(getattr(value, "value", value), dtype=float))
        if row.shape != (len(elements),):
            raise errors.InvalidParameterValueError(
                "%s: %d values per cell required (%s), got %s"
                % (name, len(elements), ", ".join(elements), row.tolist()))
        rows.append(row)
    table = np.array(rows).reshape(-1, len(elements))
    return {e: table[:, k] for k, e in enumerate(elements)}


def _unavailable(name):
    return type(name, (ModelNotAvailable,), {"__doc__": "Not available in myelin."})


available = {}
for _name in STANDARD_CELL_NAMES:
    _base = getattr(cells, _name, None)
    if _base is None:
        continue
    _cls = _engine_type(_base) if _name in ENGINE_CELL_TYPES else None
    available[_name] = _cls if _cls is not None else _unavailable(_name)
globals().update(available)

__all__ = sorted(available)

"""Standard cell types of the myelin PyNN backend.

The engine uses PyNN's names and units for every parameter (``myelin info``),
so each translation is the identity. Only the types that the engine's catalogue
(``myelin._core.cell_types()``) has are offered; the others are
``ModelNotAvailable``, which raises when used.
"""

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


def _engine_type(base):
    """A backend class for PyNN's standard cell type `base`, driven by the engine's
    catalogue entry: identity translations of PyNN's parameters."""
    entry = ENGINE_CELL_TYPES[base.__name__]
    engine_params = set(entry.get("params", {}))
    names = [p for p in base.default_parameters
             if p in engine_params or p == "spike_times"]
    if set(base.default_parameters) - set(names):
        return None  # the engine's type is not PyNN's: not offered
    attrs = {
        "__doc__": base.__doc__,
        "translations": build_translations(*[(p, p) for p in names]),
        "engine_initial": tuple(entry.get("initial", {})),
        "engine_recordable": tuple(entry.get("recordable", ())),
        "engine_synapses": entry.get("synapses", "none"),
    }
    return type(base.__name__, (base,), attrs)


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

"""hnn_core.cells_default's constructors: a Cell of one of HNN's cell types, placed at
`pos` with a `gid`, read from the engine's templates (myelin.hnn.cells.Cell).

The engine's cells are fixed templates, so HNN-core's `override_params` (per-section
lengths and densities) cannot be honoured and are refused."""
from myelin.hnn.cells import Cell

__all__ = ["basket", "pyramidal", "pyramidal_ca"]


def _placed(name, engine_type, pos, gid):
    cell = Cell(name, engine_type)
    cell.pos = tuple(pos)
    cell.gid = gid
    return cell


def _refuse_overrides(override_params):
    if override_params:
        raise ValueError("override_params: myelin's cells are the engine's templates; "
                         f"their parameters cannot be overridden (got {sorted(override_params)})")


def basket(cell_name, pos=(0, 0, 0), gid=None):
    """An 'L2_basket' or 'L5_basket' Cell."""
    if cell_name not in ("L2_basket", "L5_basket"):
        raise ValueError(f"Unknown basket cell type: {cell_name}")
    return _placed(cell_name, None, pos, gid)


def pyramidal(cell_name, pos=(0, 0, 0), override_params=None, gid=None):
    """An 'L2_pyramidal' or 'L5_pyramidal' Cell."""
    if cell_name not in ("L2_pyramidal", "L5_pyramidal"):
        raise ValueError(f"Unknown pyramidal cell type: {cell_name}")
    _refuse_overrides(override_params)
    return _placed(cell_name, None, pos, gid)


def pyramidal_ca(cell_name, pos, override_params=None, gid=None):
    """The L5 pyramidal cell of calcium_model (calcium channel density growing with
    distance from the soma): the engine's 'L5_pyramidal_calcium' template."""
    if cell_name != "L5_pyramidal":
        raise ValueError(f"pyramidal_ca: cell_name must be 'L5_pyramidal', got {cell_name}")
    _refuse_overrides(override_params)
    return _placed(cell_name, "L5_pyramidal_calcium", pos, gid)

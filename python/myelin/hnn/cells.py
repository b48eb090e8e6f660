"""HNN's cell types as myelin runs them: their sections, the receptors each section
holds and the section groups ('proximal', 'distal') a connection may name, read from the
engine's catalogue (myelin.cell_types()), and the cells' positions on HNN's grid."""
import itertools

import numpy as np

from myelin import _core

CELL_TYPES = ("L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal")
RECEPTORS = ("ampa", "nmda", "gabaa", "gabab")
GROUPS = ("proximal", "distal")

_METADATA = {
    "L2_basket": ("basket", "inhibitory", "2", False),
    "L2_pyramidal": ("pyramidal", "excitatory", "2", True),
    "L5_basket": ("basket", "inhibitory", "5", False),
    "L5_pyramidal": ("pyramidal", "excitatory", "5", True),
}


class Section:
    """A section of a cell type: `syns`, the receptors its synapses may use."""

    def __init__(self, syns):
        self.syns = list(syns)

    def __repr__(self):
        return f"<Section | syns: {self.syns}>"


class Cell:
    """A cell type of the engine as HNN-core's Cell presents it to a Network: `name`,
    `sections` (name -> Section) and `sect_loc` (group -> section names)."""

    def __init__(self, name, engine_type=None):
        self.name = name
        self.engine_type = engine_type or name
        info = _core.cell_types()
        if self.engine_type not in info:
            raise ValueError(f"cell type '{self.engine_type}' is not in the engine's "
                             f"catalogue (known: {sorted(info)})")
        self.sections, groups = {}, {}
        for port in info[self.engine_type]["receptors"]:
            place, receptor = port.rsplit("_", 1)
            target = groups if place in GROUPS else self.sections
            target.setdefault(place, Section([])).syns.append(receptor)
        pyramidal = "pyramidal" in name
        # HNN's section groups (MODEL_NOTES section 5): the engine's proximal and
        # distal ports fan out to these sections.
        loc = {"proximal": ["apical_oblique", "basal_2", "basal_3"],
               "distal": ["apical_tuft"]} if pyramidal else \
            {g: ["soma"] for g in groups}
        self.sect_loc = {g: loc[g] for g in GROUPS if g in groups}
        self._group_syns = {g: groups[g].syns for g in groups}

    def __deepcopy__(self, memo):
        return self  # a read-only template, shared by copies of a network

    def receptors_at(self, loc):
        """The receptors a connection at `loc` (a group or a section) may use."""
        if loc in self._group_syns:
            return list(self._group_syns[loc])
        return list(self.sections[loc].syns)

    def __repr__(self):
        return f"<Cell | {self.name}: {len(self.sections)} sections>"


def default_cell_types():
    """net.cell_types of HNN's column: {name: {'cell_object', 'cell_metadata'}}."""
    out = {}
    for name in CELL_TYPES:
        morpho, electro, layer, dipole = _METADATA[name]
        out[name] = {"cell_object": Cell(name),
                     "cell_metadata": {"morpho_type": morpho, "electro_type": electro,
                                       "layer": layer, "measure_dipole": dipole,
                                       "reference": "https://doi.org/10.7554/eLife.51214"}}
    return out


def create_cell_coords(n_pyr_x, n_pyr_y, z_coord, inplane_distance):
    """HNN's layout: pyramidal cells on the grid (x outer, y inner), basket cells on its
    interleaved sub-grid (x = 0, 3, ... with even y; x = 1, 4, ... with odd y; sorted by
    y) at 0.2 (L5) and 0.8 (L2) of the layer separation, and the column's origin."""
    xs = np.arange(n_pyr_x) * inplane_distance
    ys = np.arange(n_pyr_y) * inplane_distance

    def pyramidal(z):
        return [tuple(p) for p in itertools.product(xs, ys, [z])]

    def basket(frac):
        first = list(itertools.product(np.arange(0, n_pyr_x, 3) * inplane_distance,
                                       np.arange(0, n_pyr_y, 2) * inplane_distance))
        second = list(itertools.product(np.arange(1, n_pyr_x, 3) * inplane_distance,
                                        np.arange(1, n_pyr_y, 2) * inplane_distance))
        cells = sorted(first + second, key=lambda p: p[1])
        return [(x, y, frac * z_coord) for x, y in cells]

    origin = (xs[(len(xs) - 1) // 2], ys[(len(ys) - 1) // 2], np.floor(z_coord / 2))
    return {"L5_bottom": pyramidal(0), "L2_bottom": pyramidal(z_coord),
            "L5_mid": basket(0.2), "L2_mid": basket(0.8), "origin": origin}

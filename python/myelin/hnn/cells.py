"""HNN's cell types as myelin runs them: their sections (lengths, diameters, 3D end
points, mechanisms), synapse kinetics, the receptors each section holds and the section
groups ('proximal', 'distal') a connection may name, read from the engine's templates
(myelin._core.cable_template, _core.cell_types()), and the cells' positions on HNN's
grid."""
import copy
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


# The order in which hnn-core inserts each cell family's mechanisms (cells_default.py),
# the order of a Section's `mechs` as scripts print them; others follow in the engine's.
_MECH_ORDER = {"L2_pyramidal": ("km", "hh2"),
               "L5_pyramidal": ("hh2", "ca", "cad", "kca", "km", "cat", "ar")}


def _hnn_mech_order(cell_name, mechs):
    order = _MECH_ORDER.get(cell_name, ())
    return sorted(mechs, key=lambda m: (order.index(m) if m in order else len(order)))


class Section:
    """A section of a cell type as HNN-core's Section presents it: `L`, `diam` [um],
    `cm` [uF/cm2], `Ra` [ohm cm], `v0` [mV], `end_pts` (its two 3D end points [um] as
    NEURON's define_shape places them, below), `mechs` (the mechanisms inserted, by
    name) and `syns` (the receptors its synapses use)."""

    def __init__(self, L=None, diam=None, cm=None, Ra=None, v0=None, end_pts=None,
                 mechs=(), syns=()):
        self.L, self.diam, self.cm, self.Ra, self.v0 = L, diam, cm, Ra, v0
        self.end_pts = [list(p) for p in end_pts] if end_pts is not None else []
        # The engine gives which mechanisms a section has; their densities live in
        # the engine's template (docs/cable.md).
        self.mechs = {m: {} for m in mechs}
        self.syns = list(syns)

    def __repr__(self):
        return f"<Section | L: {self.L}; diam: {self.diam}; syns: {self.syns}>"


def _shaped_end_points(rows):
    """End points of each section with NEURON's define_shape semantics as HNN-core's
    Cell applies them: the root's 0-end at the origin, every section kept in its
    template direction (p1 - p0) but stretched to its length L, and each child starting
    where it attaches to its parent (the parent's 0- or 1-end)."""
    out = {}
    for row in rows:
        p0, p1 = np.asarray(row["p0"], float), np.asarray(row["p1"], float)
        if row["parent"] is None:
            start = np.zeros(3)
        else:
            parent = out[row["parent"]]
            start = np.asarray(parent[1] if row["parent_x"] >= 0.5 else parent[0])
        direction = p1 - p0
        norm = np.linalg.norm(direction)
        end = start + direction * (row["L"] / norm) if norm > 0 else start
        out[row["name"]] = [start.tolist(), end.tolist()]
    return out


class Cell:
    """A cell type of the engine as HNN-core's Cell presents it to a Network: `name`,
    `sections` (name -> Section, the engine template's sections in its order),
    `sect_loc` (group -> section names), `synapses` (receptor -> {'e', 'tau1', 'tau2'}),
    `pos` and plot_morphology()."""

    def __init__(self, name, engine_type=None):
        self.name = name
        self.engine_type = engine_type or name
        info = _core.cell_types()
        if self.engine_type not in info:
            raise ValueError(f"cell type '{self.engine_type}' is not in the engine's "
                             f"catalogue (known: {sorted(info)})")
        template = _core.cable_template(self.engine_type)
        self.pos = (0, 0, 0)
        self.gid = None
        shaped = _shaped_end_points(template["sections"])
        self.sections = {r["name"]: Section(r["L"], r["diam"], r["cm"], r["Ra"], r["v0"],
                                            shaped[r["name"]],
                                            _hnn_mech_order(name, r["mechanisms"]))
                         for r in template["sections"]}
        self._template = template
        groups = {}
        for port in info[self.engine_type]["receptors"]:
            place, receptor = port.rsplit("_", 1)
            if place in GROUPS:
                groups.setdefault(place, []).append(receptor)
            else:
                self.sections[place].syns.append(receptor)
        self.synapses = {}
        for syn in template["synapses"]:
            receptor = syn["name"].rsplit("_", 1)[1]
            self.synapses.setdefault(receptor, {"e": syn["e"], "tau1": syn["tau1"],
                                                "tau2": syn["tau2"]})
        pyramidal = "pyramidal" in name
        # HNN's section groups (MODEL_NOTES section 5): the engine's proximal and
        # distal ports fan out to these sections.
        loc = {"proximal": ["apical_oblique", "basal_2", "basal_3"],
               "distal": ["apical_tuft"]} if pyramidal else \
            {g: ["soma"] for g in groups}
        self.sect_loc = {g: loc[g] for g in GROUPS if g in groups}
        self._group_syns = groups

    def __deepcopy__(self, memo):
        # The sections are the engine's read-only template, shared by copies of a
        # network; the synapse kinetics a script may edit are copied.
        out = copy.copy(self)
        out.synapses = {r: dict(k) for r, k in self.synapses.items()}
        return out

    def engine_kinetics_changed(self):
        """(receptor, key, value, engine value) of the first synapse kinetics edited
        away from the engine template's, or None: the engine's cell types have fixed
        kinetics."""
        for syn in self._template["synapses"]:
            receptor = syn["name"].rsplit("_", 1)[1]
            for key in ("e", "tau1", "tau2"):
                value = self.synapses.get(receptor, {}).get(key, syn[key])
                if value != syn[key]:
                    return receptor, key, value, syn[key]
        return None

    def receptors_at(self, loc):
        """The receptors a connection at `loc` (a group or a section) may use."""
        if loc in self._group_syns:
            return list(self._group_syns[loc])
        return list(self.sections[loc].syns)

    def plot_morphology(self, ax=None, color=None, pos=(0, 0, 0), xlim=(-250, 150),
                        ylim=(-100, 100), zlim=(-100, 1200), show=True):
        """The sections as 3D lines (myelin.hnn.viz.plot_cell_morphology); returns the
        axes."""
        from myelin.hnn.viz_network import plot_cell_morphology
        return plot_cell_morphology(self, ax=ax, color=color, pos=pos, xlim=xlim,
                                    ylim=ylim, zlim=zlim, show=show)

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

#!/usr/bin/python3
"""Writes HNN's Jones 2009 cortical column as a myelin model file (docs/hnn.md).

    models/generate_hnn.py                         # models/jones2009_erp.json (10x10, ERP drives)
    models/generate_hnn.py --grid 3 3 --drives evprox1 -o net3x3.json
    models/generate_hnn.py --model calcium -o models/hnn_calcium.json    # HNN-core's calcium_model
    models/generate_hnn.py --model law2021 -o models/hnn_law2021.json    # HNN-core's law_2021_model

--model picks HNN-core 0.6's network: jones (jones_2009_model = neymotin_2020_model),
calcium (calcium_model: the L5 pyramidal cells are L5_pyramidal_calcium) or law2021
(law_2021_model: the pyramidal cells are the *_law2021 types, with the connection
changes listed in docs/hnn.md). The cell types are myelin's built-in templates
(models/cells/); the populations keep HNN-core's names.

The layout, the local connectivity and the default ERP drives follow
../shared/reference/hnn/MODEL_NOTES.md sections 6-9: cell positions are written out
explicitly, every local connection rule is an AllToAll projection whose weight and delay
are expressions of the in-plane distance (dx, dy; z is ignored), and the drives are
model-file fields (timing, weights per cell type, delays, location, seeds).
"""
import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ZDIFF = 1307.4  # [um] distance between the L5 and L2 soma layers
TYPES = ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"]

# (pre, post, location, receptor, A_weight [uS], lamtha, self-connections) (section 7).
LOCAL = [
    ("L2_pyramidal", "L2_pyramidal", "proximal", "ampa", 0.0005, 3.0, False),
    ("L2_pyramidal", "L2_pyramidal", "proximal", "nmda", 0.0005, 3.0, False),
    ("L5_pyramidal", "L5_pyramidal", "proximal", "ampa", 0.0005, 3.0, False),
    ("L5_pyramidal", "L5_pyramidal", "proximal", "nmda", 0.0005, 3.0, False),
    ("L2_basket", "L2_pyramidal", "soma", "gabaa", 0.05, 50.0, True),
    ("L2_basket", "L2_pyramidal", "soma", "gabab", 0.05, 50.0, True),
    ("L5_basket", "L5_pyramidal", "soma", "gabaa", 0.025, 70.0, True),
    ("L5_basket", "L5_pyramidal", "soma", "gabab", 0.025, 70.0, True),
    ("L2_pyramidal", "L5_pyramidal", "proximal", "ampa", 0.00025, 3.0, True),
    ("L2_pyramidal", "L5_pyramidal", "distal", "ampa", 0.00025, 3.0, True),
    ("L2_basket", "L5_pyramidal", "distal", "gabaa", 0.001, 50.0, True),
    ("L2_pyramidal", "L2_basket", "soma", "ampa", 0.0005, 3.0, True),
    ("L2_basket", "L2_basket", "soma", "gabaa", 0.02, 20.0, True),
    ("L5_basket", "L5_basket", "soma", "gabaa", 0.02, 20.0, False),
    ("L5_pyramidal", "L5_basket", "soma", "ampa", 0.0005, 3.0, True),
    ("L2_pyramidal", "L5_basket", "soma", "ampa", 0.00025, 3.0, True),
]

# The default ERP drives (section 9): evoked, one spike per drive cell, one drive cell
# per target cell, space constant 3.
ERP_DRIVES = {
    "evdist1": dict(location="distal", mu=63.53, sigma=3.85, seed=274,
                    ampa={"L2_basket": 0.006562, "L2_pyramidal": 0.000007, "L5_pyramidal": 0.1423},
                    nmda={"L2_basket": 0.019482, "L2_pyramidal": 0.004317, "L5_pyramidal": 0.080074},
                    delays={"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_pyramidal": 0.1}),
    "evprox1": dict(location="proximal", mu=26.61, sigma=2.47, seed=544,
                    ampa={"L2_basket": 0.08831, "L2_pyramidal": 0.01525, "L5_basket": 0.19934,
                          "L5_pyramidal": 0.00865},
                    nmda={},
                    delays={"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0}),
    "evprox2": dict(location="proximal", mu=137.12, sigma=8.33, seed=814,
                    ampa={"L2_basket": 0.000003, "L2_pyramidal": 1.43884, "L5_basket": 0.008958,
                          "L5_pyramidal": 0.684013},
                    nmda={},
                    delays={"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0}),
}


# HNN-core 0.6's model variants: the cell type of each population, and the changes to
# LOCAL (law_2021_model: a new weight for rows 2, 6 and 7, row 10 removed, two rows added
# at the end, in HNN-core's order of connectivity).
CELL_TYPES = {
    "jones": {t: t for t in TYPES},
    "calcium": dict({t: t for t in TYPES}, L5_pyramidal="L5_pyramidal_calcium"),
    "law2021": dict({t: t for t in TYPES}, L2_pyramidal="L2_pyramidal_law2021",
                    L5_pyramidal="L5_pyramidal_law2021"),
}


def local_rules(model):
    rules = list(LOCAL)
    if model == "law2021":
        def weight(i, w):
            pre, post, loc, rec, _, lam, self_conn = rules[i]
            rules[i] = (pre, post, loc, rec, w, lam, self_conn)
        weight(2, 0.0004)  # L5_pyramidal -> L5_pyramidal NMDA
        weight(6, 0.02)    # L5_basket -> L5_pyramidal GABAa (soma)
        weight(7, 0.005)   # L5_basket -> L5_pyramidal GABAb (soma)
        del rules[10]      # L2_basket -> L5_pyramidal distal GABAa
        rules.append(("L2_basket", "L5_pyramidal", "distal", "gabab", 0.0002, 50.0, True))
        rules.append(("L5_basket", "L5_pyramidal", "distal", "gabaa", 0.025, 70.0, True))
    return rules


def pyramidal_positions(nx, ny, z):
    return [[float(i), float(j), z] for i in range(nx) for j in range(ny)]


def basket_positions(nx, ny, z):
    first = [(x, y) for x in range(0, nx, 3) for y in range(0, ny, 2)]
    second = [(x, y) for x in range(1, nx, 3) for y in range(1, ny, 2)]
    cells = sorted(first + second, key=lambda p: p[1])  # stable
    return [[float(x), float(y), z] for x, y in cells]


def column(nx=10, ny=10, drives=("evdist1", "evprox1", "evprox2"), tstop=170.0, dt=0.025,
           name="jones2009_erp", model="jones"):
    pos = {
        "L2_basket": basket_positions(nx, ny, 0.8 * ZDIFF),
        "L2_pyramidal": pyramidal_positions(nx, ny, ZDIFF),
        "L5_basket": basket_positions(nx, ny, 0.2 * ZDIFF),
        "L5_pyramidal": pyramidal_positions(nx, ny, 0.0),
    }
    pops = [{"label": t, "size": len(pos[t]), "cell_type": CELL_TYPES[model][t],
             "positions": {"kind": "list", "list": pos[t]}} for t in TYPES]
    projs = []
    for pre, post, loc, rec, a, lam, self_conn in local_rules(model):
        d2 = "(dx^2 + dy^2)"
        lam2 = f"{lam * lam:g}"
        projs.append({
            "label": f"{pre}->{post}:{loc}_{rec}", "pre": pre, "post": post,
            "connector": {"type": "AllToAll", "allow_self_connections": self_conn},
            "receptor": f"{loc}_{rec}",
            "weight": f"{a:g} * exp(-{d2} / {lam2})",
            "delay": f"1.0 * exp({d2} / {lam2})",
        })
    origin = [float((nx - 1) // 2), float((ny - 1) // 2)]
    drv = []
    for label in drives:
        d = ERP_DRIVES[label]
        entry = {"label": label, "type": "evoked", "location": d["location"],
                 "mu": d["mu"], "sigma": d["sigma"], "numspikes": 1, "seed": d["seed"],
                 "space_constant": 3.0, "origin": origin, "cell_specific": True,
                 "weights_ampa": d["ampa"], "delays": d["delays"]}
        if d["nmda"]:
            entry["weights_nmda"] = d["nmda"]
        drv.append(entry)
    return {
        "name": name,
        "description": f"HNN's {TITLES[model]} ({nx}x{ny} pyramidal grid), "
                       f"drives: {', '.join(drives) or 'none'} (models/generate_hnn.py)",
        "dt": dt, "tstop": tstop, "seed": 1,
        "populations": pops,
        "projections": projs,
        "drives": drv,
        "recorders": [{"label": "spikes", "target": TYPES, "variables": ["spikes"]}],
    }


TITLES = {"jones": "Jones 2009 neocortical column",
          "calcium": "neocortical column with calcium-rich L5 pyramidal cells (HNN-core calcium_model)",
          "law2021": "neocortical column of Law et al. 2021 (HNN-core law_2021_model)"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grid", nargs=2, type=int, default=[10, 10], metavar=("NX", "NY"))
    ap.add_argument("--drives", nargs="*", default=["evdist1", "evprox1", "evprox2"],
                    choices=sorted(ERP_DRIVES))
    ap.add_argument("--tstop", type=float, default=170.0)
    ap.add_argument("--name", default=None)
    ap.add_argument("--model", default="jones", choices=sorted(CELL_TYPES),
                    help="HNN-core's network: jones (default), calcium or law2021")
    ap.add_argument("-o", "--output", default=os.path.join(HERE, "jones2009_erp.json"))
    a = ap.parse_args()
    stem = {"jones": "jones2009", "calcium": "hnn_calcium", "law2021": "hnn_law2021"}[a.model]
    name = a.name or (f"{stem}_erp" if a.grid == [10, 10] else f"{stem}_{a.grid[0]}x{a.grid[1]}")
    model = column(a.grid[0], a.grid[1], a.drives, a.tstop, name=name, model=a.model)
    with open(a.output, "w") as f:
        json.dump(model, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

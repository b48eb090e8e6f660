"""Cell types defined in a model file (cell_templates, docs/cable.md "Cell templates"):
errors name the field and what is allowed, the template round-trips through
summary.json, and its densities take effect (a changed density changes the run).
The agreement of such cells with NEURON is tests/validation/test_hnn_cells_neuron.py."""
import copy
import json
import subprocess

import h5py
import numpy as np
import pytest

from conftest import ROOT

DEMO = json.loads((ROOT / "models" / "ball_and_stick.json").read_text())


def validate(myelin_bin, tmp_path, doc):
    f = tmp_path / "m.json"
    f.write_text(json.dumps(doc))
    return subprocess.run([myelin_bin, "validate", str(f)], capture_output=True, text=True)


def with_change(change):
    doc = copy.deepcopy(DEMO)
    change(doc["cell_templates"]["ball_and_stick"])
    return doc


@pytest.mark.parametrize("change, field, allowed", [
    (lambda t: t["sections"][1]["mechanisms"].update(nax={}),
     "sections[1].mechanisms.nax", "allowed: hh2, km, ca, cad, kca, cat, ar, pas"),
    (lambda t: t["sections"][1]["mechanisms"]["hh2"].update(gnabr=1),
     "sections[1].mechanisms.hh2.gnabr", "allowed: gnabar, gkbar, gl, el"),
    (lambda t: t["sections"][1]["mechanisms"]["hh2"].update(gnabar="0.1 * dx"),
     "sections[1].mechanisms.hh2.gnabar", "variables: d"),
    (lambda t: t["sections"][1]["mechanisms"]["hh2"].update(gnabar="0.1 - d"),
     "sections[1].mechanisms.hh2.gnabar", "must be >= 0 [S/cm2]"),
    (lambda t: t["sections"][2]["mechanisms"]["pas"].update(g=[1e-4, 1e-4]),
     "sections[2].mechanisms.pas.g", "one per segment (3)"),
    (lambda t: t["sections"][2].update(parent="dend_9"),
     "sections[2].parent", "listed before this one"),
    (lambda t: t["sections"][0].update(parent="dend_1"), "sections[0].parent", "the soma"),
    (lambda t: t["sections"][1].update(L=-5), "sections[1].L", "must be > 0"),
    (lambda t: t["sections"][1]["mechanisms"].update(kca={}),
     "sections[1].mechanisms", "need cad in the same section"),
    (lambda t: t["synapses"][0].update(sections=["axon"]), "synapses[0].sections[0]",
     'no section "axon"'),
    (lambda t: t["synapses"][0].update(tau1=0), "synapses[0].tau1", "must be > 0"),
    (lambda t: t["locations"][0].update(sections=["soma", "axon"]), "locations[0].sections[1]",
     'no section "axon"'),
    (lambda t: t.update(dipole_axis=[0, 0, 0]), "dipole_axis", "non-zero direction"),
    (lambda t: t.update(colour="red"), "colour", "allowed: description, sections"),
])
def test_bad_templates_are_named(myelin_bin, tmp_path, change, field, allowed):
    p = validate(myelin_bin, tmp_path, with_change(change))
    assert p.returncode == 1
    err = p.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert f"cell_templates.ball_and_stick.{field}:" in err, err
    assert allowed in err, err


def test_a_template_may_not_take_a_builtin_name(myelin_bin, tmp_path):
    doc = copy.deepcopy(DEMO)
    doc["cell_templates"] = {"L5_pyramidal": doc["cell_templates"]["ball_and_stick"]}
    doc["populations"][0]["cell_type"] = "L5_pyramidal"
    p = validate(myelin_bin, tmp_path, doc)
    assert p.returncode == 1 and "cell_templates.L5_pyramidal: 'L5_pyramidal' is a built-in" in p.stderr


def test_unknown_cell_type_lists_the_templates(myelin_bin, tmp_path):
    doc = copy.deepcopy(DEMO)
    doc["populations"][0]["cell_type"] = "ball_and_stik"
    p = validate(myelin_bin, tmp_path, doc)
    assert p.returncode == 1 and "ball_and_stick" in p.stderr and "populations[0].cell_type" in p.stderr


def run(myelin_bin, path, out):
    subprocess.run([myelin_bin, "run", str(path), "-o", str(out), "--quiet", "--tstop", "60"],
                   check=True)
    with h5py.File(out / "traces.h5") as f:
        return f["cells/v/data"][()]


def test_summary_holds_the_template_and_reruns_identically(myelin_bin, tmp_path):
    v = run(myelin_bin, ROOT / "models" / "ball_and_stick.json", tmp_path / "a")
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    t = summary["model"]["cell_templates"]["ball_and_stick"]
    assert t["sections"][1]["mechanisms"]["hh2"]["gnabar"] == "0.03 * (1 - min(d, 600) / 600)"
    assert t["sections"][2]["mechanisms"]["pas"]["g"] == [0.0001, 0.00012, 0.00014]
    (tmp_path / "again.json").write_text(json.dumps(summary["model"]))
    assert np.array_equal(run(myelin_bin, tmp_path / "again.json", tmp_path / "b"), v)


def test_densities_take_effect(myelin_bin, tmp_path):
    v = run(myelin_bin, ROOT / "models" / "ball_and_stick.json", tmp_path / "a")
    doc = with_change(lambda t: t["sections"][2]["mechanisms"]["pas"].update(g=[1e-3, 1e-3, 1e-3]))
    (tmp_path / "m.json").write_text(json.dumps(doc))
    w = run(myelin_bin, tmp_path / "m.json", tmp_path / "b")
    assert v.shape == w.shape and np.max(np.abs(v - w)) > 0.1


def test_set_reaches_a_section_by_name(myelin_bin, tmp_path):
    model = ROOT / "models" / "ball_and_stick.json"
    v = run(myelin_bin, model, tmp_path / "a")
    subprocess.run([myelin_bin, "run", str(model), "-o", str(tmp_path / "b"), "--quiet",
                    "--tstop", "60", "--set",
                    "cell_templates.ball_and_stick.sections.dend_2.mechanisms.pas.g=0.001"],
                   check=True)
    with h5py.File(tmp_path / "b" / "traces.h5") as f:
        w = f["cells/v/data"][()]
    assert np.max(np.abs(v - w)) > 0.1
    p = subprocess.run([myelin_bin, "validate", str(model), "--set",
                        "cell_templates.ball_and_stick.sections.dend_2.L=-1"],
                       capture_output=True, text=True)
    assert p.returncode == 1 and "cell_templates.ball_and_stick.sections[2].L" in p.stderr


LOCATIONS = [[{"name": "dend", "sections": ["dend_2", "dend_3"]},
              {"name": "soma", "sections": ["soma"]}],
             [{"name": "soma", "sections": ["soma"]},
              {"name": "dend", "sections": ["dend_2", "dend_3"]}]]


@pytest.mark.parametrize("path, values", [
    # Same ports: the batch reuses the first run's connection tables.
    ("cell_templates.ball_and_stick.sections.dend_2.mechanisms.pas.g", [0.0001, 0.001]),
    # Other port order (dend_ampa gets another receptor index): tables are built anew.
    ("cell_templates.ball_and_stick.locations", LOCATIONS),
])
def test_a_batch_over_a_template_equals_single_runs(myelin_bin, tmp_path, path, values):
    sweep = {"model": str(ROOT / "models" / "ball_and_stick.json"), "set": {"tstop": 60},
             "vary": [{"path": path, "values": values}], "keep": "all"}
    (tmp_path / "sweep.json").write_text(json.dumps(sweep))
    subprocess.run([myelin_bin, "batch", str(tmp_path / "sweep.json"), "-o", str(tmp_path / "b"),
                    "--threads", "1", "--quiet"], check=True)
    for k, value in enumerate(values):
        doc = copy.deepcopy(DEMO)
        node = doc
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[key] if isinstance(node, dict) else next(
                x for x in node if x.get("name") == key)
        node[keys[-1]] = value
        (tmp_path / f"m{k}.json").write_text(json.dumps(doc))
        v = run(myelin_bin, tmp_path / f"m{k}.json", tmp_path / f"single{k}")
        with h5py.File(tmp_path / "b" / "runs" / f"{k:03d}" / "traces.h5") as f:
            assert np.array_equal(f["cells/v/data"][()], v), (path, value)

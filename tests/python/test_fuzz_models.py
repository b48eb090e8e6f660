"""Every field of every built-in model, mutated (issue 12): wrong type, negative, zero,
huge, NaN, 1e400, missing. `myelin validate` must either accept the result (exit 0) or
refuse it with exit 1 or 2 and one line on stderr that names the field (or the object
holding it) — never an internal error, a crash or a traceback. The mutated COBA models
are also run briefly: a refused run leaves no file behind.

Fields are taken once per kind: array indices are folded (populations[*].params.tau_m),
so each distinct field of each model is mutated once (models with the same fields as an earlier one, coba_40k and coba_400k, are
skipped: ~200 fields, ~1400 cases).
"""
import json
import re
import os
import pathlib
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = sorted((ROOT / "models").glob("*.json"))
MUTATIONS = ["wrong_type", "negative", "zero", "huge", "nan", "1e400", "missing"]
MARK = "@@fuzz-marker@@"


def leaves(doc, path=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, path + (k,))
    elif isinstance(doc, list) and doc:
        for i, v in enumerate(doc):
            yield from leaves(v, path + (i,))
    else:
        yield path


def distinct_fields(doc):
    seen = {}
    for p in leaves(doc):
        seen.setdefault(tuple("*" if isinstance(x, int) else x for x in p), p)
    return list(seen.values())


def json_path(path):
    """myelin's notation: populations[0].params.tau_m."""
    out = ""
    for x in path:
        out += f"[{x}]" if isinstance(x, int) else (("." if out else "") + x)
    return out


def mutate(doc, path, how):
    """The model text with the value at `path` mutated (NaN and 1e400 as raw tokens)."""
    doc = json.loads(json.dumps(doc))
    parent = doc
    for x in path[:-1]:
        parent = parent[x]
    key = path[-1]
    old = parent[key]
    if how == "missing":
        del parent[key]
        return json.dumps(doc)
    value = {
        "wrong_type": "x" if not isinstance(old, str) else 7,
        "negative": -1 if not isinstance(old, (int, float)) or isinstance(old, bool) else -abs(old) - 1,
        "zero": 0,
        "huge": 1e300,
        "nan": MARK,
        "1e400": MARK,
    }[how]
    parent[key] = value
    text = json.dumps(doc)
    if how == "nan":
        text = text.replace(f'"{MARK}"', "NaN")
    elif how == "1e400":
        text = text.replace(f'"{MARK}"', "1e400")
    return text


def cases():
    structures = set()
    for model in MODELS:
        doc = json.loads(model.read_text())
        fields = distinct_fields(doc)
        # coba_40k and coba_400k have coba's fields: one of them is enough.
        key = tuple(sorted(map(str, fields)))
        if key in structures:
            continue
        structures.add(key)
        for path in fields:
            for how in MUTATIONS:
                yield model, doc, path, how


def check(exe, tmp, i, model, doc, path, how):
    f = tmp / f"m{i}.json"
    f.write_text(mutate(doc, path, how))
    p = subprocess.run([exe, "validate", str(f)], capture_output=True, text=True, timeout=120)
    where = f"{model.name} {json_path(path)} {how}"
    problems = []
    if p.returncode not in (0, 1, 2):
        problems.append(f"{where}: exit {p.returncode}: {p.stderr.strip()[:300]}")
    elif p.returncode == 0 and how in ("nan", "1e400"):
        # Not JSON numbers a double can hold: never a valid model.
        problems.append(f"{where}: accepted as valid")
    elif p.returncode != 0:
        err = p.stderr.strip()
        if len(err.splitlines()) != 1:
            problems.append(f"{where}: {len(err.splitlines())} lines: {err[:300]}")
        if "internal error" in err or "Traceback" in err:
            problems.append(f"{where}: {err[:300]}")
        # The field, or an object that holds it (a missing field is named by its parent).
        names = [json_path(path[:k]) for k in range(len(path), 0, -1)]
        named = [n for n in names if n and n in err]
        # Otherwise a key of the path as a whole word (3 letters at least: "v" or "dt"
        # would be found in any sentence), as a label-keyed map's entry is named.
        keys = [x for x in path if isinstance(x, str) and len(x) >= 3]
        if not named and not any(re.search(rf"\b{re.escape(k)}\b", err) for k in keys):
            problems.append(f"{where}: field not named: {err[:300]}")
    return problems


def test_every_field_mutated_gives_a_one_line_error_or_is_valid(myelin_bin, tmp_path):
    all_cases = list(cases())
    assert len(all_cases) > 1200
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda a: check(myelin_bin, tmp_path, a[0], *a[1]),
                           enumerate(all_cases))
        problems = [p for r in results for p in r]
    assert not problems, f"{len(problems)} of {len(all_cases)} cases:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("how", MUTATIONS)
def test_refused_runs_leave_no_file(myelin_bin, tmp_path, how):
    model = ROOT / "models" / "cuba.json"
    doc = json.loads(model.read_text())
    for i, path in enumerate(distinct_fields(doc)):
        f = tmp_path / f"m{i}.json"
        f.write_text(mutate(doc, path, how))
        out = tmp_path / f"out{i}"
        p = subprocess.run([myelin_bin, "run", str(f), "-o", str(out), "--tstop", "5", "-q",
                            "--threads", "1"], capture_output=True, text=True, timeout=120)
        where = f"{json_path(path)} {how}"
        assert p.returncode in (0, 1, 2), f"{where}: exit {p.returncode}: {p.stderr[:300]}"
        if p.returncode != 0:
            assert len(p.stderr.strip().splitlines()) == 1, f"{where}: {p.stderr[:300]}"
            assert not out.exists() or not any(out.iterdir()), f"{where}: files left: " + \
                str(list(out.iterdir()))

"""Byte identity of every built-in model's outputs across refactors and layouts.

tests/data/digests.json holds the content digests (tests/python/digests.py) of the
outputs of every model in models/ as main produced them before the engine was split
into rooms (issue 11). Each model must still produce exactly those contents, on 1 and
2 threads and on 2 MPI ranks. A change that alters results on purpose (a numerics fix)
regenerates the file in the same commit and says why.
"""
import json

import pytest
from clitools import MPIRUN

from digests import LAYOUTS, MODELS, ROOT, run_model

REFERENCE = json.loads((ROOT / "tests" / "data" / "digests.json").read_text())


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda l: f"{l[0]}r{l[1]}t")
@pytest.mark.parametrize("model", sorted(MODELS))
def test_outputs_match_recorded_digests(myelin_bin, tmp_path, model, layout):
    ranks, threads = layout
    if ranks > 1 and MPIRUN is None:
        pytest.skip("mpirun not installed")
    got = run_model(myelin_bin, model, tmp_path / model, ranks, threads)
    assert got == REFERENCE[model]

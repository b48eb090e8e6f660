"""myelin.run_batch over the engine's batch library: each row's summaries are those of
a Simulation of the same model built directly; bad input names the field; a progress
callback that raises stops the batch and its error reaches the caller."""
import sys

import pytest

from conftest import BUILD, ROOT

sys.path.insert(0, str(BUILD / "python"))
import myelin  # noqa: E402  (built by make build; a missing module fails, never skips)


def sweep():
    return {"model": str(ROOT / "models" / "coba.json"), "set": {"tstop": 50},
            "vary": [{"path": "projections.exc->all.weight", "values": [0.004, 0.008]}]}


def test_rows_equal_direct_simulations(tmp_path):
    seen = []
    r = myelin.run_batch(sweep(), tmp_path / "b", jobs=2,
                         progress=lambda done, total, *rest: seen.append((done, total)))
    assert r["failed"] == 0 and not r["interrupted"]
    assert r["files"] == ["results.csv", "results.h5"]
    assert seen[-1] == (2, 2)
    for row, w in zip(r["rows"], [0.004, 0.008]):
        assert row["ok"] and row["values"] == {"projections.exc->all.weight": w}
        model = myelin.load_model(ROOT / "models" / "coba.json")
        model["tstop"] = 50
        next(p for p in model["projections"] if p["label"] == "exc->all")["weight"] = w
        sim = myelin.Simulation(model, threads=1)
        sim.run(50.0)
        counts = {p["label"]: p["spike_count"] for p in sim.summary()}
        assert row["summaries"]["spikes_exc"] == counts["exc"] > 100
        assert row["summaries"]["spikes_inh"] == counts["inh"]


def test_errors_name_the_field_and_a_raising_callback_stops_the_batch(tmp_path):
    bad = sweep()
    bad["vary"][0]["path"] = "projections.nope.weight"
    with pytest.raises(myelin.ModelError, match=r"vary\[0\]"):
        myelin.run_batch(bad, tmp_path / "bad")

    def stop(done, total, *rest):
        if done >= 1:
            raise KeyError("enough")

    with pytest.raises(KeyError, match="enough"):
        myelin.run_batch(sweep(), tmp_path / "stopped", jobs=1, progress=stop)

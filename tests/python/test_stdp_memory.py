"""Issue 13's memory bound for STDP: at most 16 B per synapse all included (the weight,
target and row state, and the postsynaptic spike histories and trace-decay tables the
table keeps for its target cells), as summary.json reports it after the run, on COBA with
STDP on its excitatory synapses (bench/plasticity.py's model: 64 plastic synapses per
target cell, the fan-in where per-cell histories weigh most)."""

import json
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "peers"))
from plasticity import variant  # noqa: E402  (the benchmark's model, not re-typed here)


def stdp_coba():
    return variant(json.loads((ROOT / "models" / "coba.json").read_text()), "stdp", 0.001)


def test_stdp_coba_stays_within_16_bytes_per_synapse(myelin_bin, tmp_path):
    model = tmp_path / "coba_stdp.json"
    model.write_text(json.dumps(stdp_coba()))
    out = tmp_path / "out"
    subprocess.run([str(myelin_bin), "run", str(model), "-o", str(out), "--threads", "1",
                    "--tstop", "2000"], check=True, capture_output=True)
    s = json.loads((out / "summary.json").read_text())
    exc = s["synapses"]["projections"]["exc->all"]
    assert exc["count"] > 250000
    # Measured 15.4 B (12 B per synapse: target and weight; the rest the histories, the
    # rows' traces and the decay tables); 20.1 B before the histories were kept short.
    assert exc["bytes_per_synapse"] <= 16.0
    # ...and the histories are there: more than the 12 B of target and weight alone.
    assert exc["bytes_per_synapse"] > 13.0
    # The static inhibitory projection: one weight and delay for all, 4 B per synapse.
    assert s["synapses"]["projections"]["inh->all"]["bytes_per_synapse"] < 4.2

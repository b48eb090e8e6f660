"""myelin.pynn under mpirun: rank 0 gets the results of one process (PyNN's gather)."""

import json
import subprocess
import sys

import pytest

from conftest import BUILD
from clitools import ENV, MPIRUN

sys.path.insert(0, str(BUILD / "python"))
import myelin  # noqa: E402  (built by make build: missing fails, never skips)

SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import myelin.pynn as sim
native = sys.argv[2] == "native"
sim.setup(timestep=0.1, native_connectors=native)
src = sim.Population(20, sim.SpikeSourcePoisson(rate=50.0))
cells = sim.Population(10, sim.IF_curr_exp(i_offset=[0.5 + 0.1 * k for k in range(10)]))
prj = sim.Projection(src, cells, sim.FixedProbabilityConnector(0.5, rng=sim.NumpyRNG(3)),
                     sim.StaticSynapse(weight=0.2, delay=1.0))
cells.record(["spikes", "v"])
sim.run(100.0)
if not native:  # rank 0 alone holds a native projection's connections: not settable
    prj.set(weight=0.3)
sim.run(100.0)
seg = cells.get_data().segments[0]
w = prj.get("weight", format="array")
if sim.rank() == 0:
    print(json.dumps({"spikes": [s.magnitude.tolist() for s in seg.spiketrains],
                      "v": seg.analogsignals[0].magnitude[::50].tolist(),
                      "w": np.nan_to_num(w).tolist()}))
sim.end()
"""


@pytest.mark.skipif(MPIRUN is None or not myelin.built_with_mpi(), reason="no MPI")
@pytest.mark.parametrize("connectors", ["native", "generic"])
def test_two_ranks_give_rank_0_the_results_of_one_process(tmp_path, connectors):
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    out = {}
    for ranks in (1, 2):
        cmd = ["/usr/bin/python3", str(script), str(BUILD / "python"), connectors]
        if ranks > 1:
            cmd = [MPIRUN, "--oversubscribe", "-np", str(ranks), *cmd]
        p = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=180)
        assert p.returncode == 0, p.stderr
        out[ranks] = json.loads(p.stdout)
    assert sum(len(s) for s in out[1]["spikes"]) > 20
    assert out[1] == out[2]


@pytest.mark.skipif(MPIRUN is None or not myelin.built_with_mpi(), reason="no MPI")
def test_rank_and_num_processes_are_mpis(tmp_path):
    # PyNN's examples/distrib_example.py asserts both against mpi4py's COMM_WORLD;
    # num_processes() was 1 on every rank.
    # Each rank writes its own file: two ranks' prints to one stdout can interleave.
    script = tmp_path / "q.py"
    script.write_text("import sys\nsys.path.insert(0, sys.argv[1])\n"
                      "import myelin.pynn as sim\nsim.setup()\n"
                      "r, n = sim.rank(), sim.num_processes()\n"
                      "open(f'{sys.argv[2]}/rank{r}.txt', 'w').write(f'rank {r} of {n}')\n"
                      "sim.end()\n")
    cmd = [MPIRUN, "--oversubscribe", "-np", "2", "/usr/bin/python3", str(script),
           str(BUILD / "python"), str(tmp_path)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=180)
    assert p.returncode == 0, p.stderr
    assert sorted(f.read_text() for f in tmp_path.glob("rank*.txt")) == \
        ["rank 0 of 2", "rank 1 of 2"]


QUANTAL = """
import json, sys
sys.path.insert(0, sys.argv[1])
import myelin.pynn as sim
sim.setup(timestep=0.1)
src = sim.Population(40, sim.SpikeSourceArray(spike_times=[5.0, 10.0, 15.0, 20.0]))
cells = sim.Population(30, sim.IF_cond_exp(tau_syn_E=1e9))
sim.Projection(src, cells, sim.FixedProbabilityConnector(0.5),
               sim.MultiQuantalSynapse(n=3, U=0.4, tau_rec=30.0, weight=0.001, delay=1.0),
               receptor_type="excitatory")
cells.record("gsyn_exc")
sim.run(25.0)
seg = cells.get_data().segments[0]
if sim.rank() == 0:  # the other ranks get no data
    print(json.dumps(seg.filter(name="gsyn_exc")[0].magnitude[-1].tolist()))
sim.end()
"""


@pytest.mark.skipif(MPIRUN is None or not myelin.built_with_mpi(), reason="no MPI")
def test_stochastic_release_is_the_same_on_two_ranks(tmp_path):
    script = tmp_path / "quantal.py"
    script.write_text(QUANTAL)
    out = {}
    for ranks in (1, 2):
        cmd = ["/usr/bin/python3", str(script), str(BUILD / "python")]
        if ranks > 1:
            cmd = [MPIRUN, "--oversubscribe", "-np", str(ranks), *cmd]
        p = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=180)
        assert p.returncode == 0, p.stderr
        out[ranks] = json.loads(p.stdout)
    assert len(set(out[1])) > 1 and out[1] == out[2]

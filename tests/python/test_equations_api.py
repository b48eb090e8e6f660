"""A cell type from equations defined and run from Python (docs/equations.md, "From
Python and C++"): a leaky integrator written as equations, its time constant set per
cell from a NumPy array between run segments, against its closed form."""
import sys

import numpy as np

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin  # noqa: E402  (built by make build; a missing module fails, never skips)

TAUS = np.array([5.0, 10.0, 20.0, 40.0])  # [ms]
I0, R, EL = 0.2, 100.0, -70.0  # nA, Mohm, mV: v rises by R I0 = 20 mV at most


def model():
    return {
        "name": "eq_api", "dt": 0.1, "tstop": 60.0, "seed": 1,
        "cell_types": {"LeakyEq": {
            "equations": ["dv/dt = (el - v + R*I)/tau : volt",
                          "i_leak = (el - v)/R : amp",
                          "R : ohm (constant)", "el : volt", "tau : second"],
            "parameters": {"R": f"{R}*Mohm", "el": f"{EL}*mV", "tau": "20*ms"},
            "initial": {"v": f"{EL}*mV"},
            "current": "I",
        }},
        "populations": [{"label": "p", "size": len(TAUS), "cell_type": "LeakyEq"}],
        "stimuli": [{"label": "step", "type": "StepCurrentSource", "target": "p",
                     "times": [0.0], "amplitudes": [I0]}],
        "recorders": [{"label": "v", "target": "p", "variables": ["v", "i_leak"]}],
    }


def test_equation_type_from_python_follows_its_closed_form():
    sim = myelin.Simulation(model(), threads=1)
    sim.set_population_param("p", "tau", TAUS)
    sim.run(30.0)
    sim.run(30.0)  # segments give what one run gives
    (tr,) = [t for t in sim.traces() if t["variable"] == "v"]
    v = tr["values"]
    assert v.shape == (601, len(TAUS))
    # A linear equation is integrated exactly: v = EL + R I0 (1 - exp(-t/tau)) from the
    # step at t = 0 (the current acts from the first step on).
    t = np.arange(v.shape[0]) * 0.1
    want = EL + R * I0 * (1 - np.exp(-t[:, None] / TAUS[None, :]))
    np.testing.assert_allclose(v, want, rtol=0, atol=1e-9)
    # Each cell its own tau: at 5 ms the fastest cell is furthest along.
    assert np.all(np.diff(v[50]) < 0)


def test_subexpressions_are_recorded_from_the_state():
    sim = myelin.Simulation(model(), threads=1)
    sim.run(20.0)
    tr = {t["variable"]: t for t in sim.traces()}
    v, i = tr["v"]["values"], tr["i_leak"]["values"]
    assert tr["i_leak"]["unit"] == "nA"
    assert i.shape == v.shape == (201, len(TAUS))
    # i_leak = (el - v)/R at every sample, t = 0 included: 0, then -R I0 (1 - e^-t/tau)/R.
    np.testing.assert_allclose(i, (EL - v) / R, rtol=1e-12, atol=1e-15)
    assert i[0].tolist() == [0.0] * len(TAUS) and np.all(i[-1] < -0.1 * I0)


def test_subexpressions_follow_state_set_before_the_run_and_the_time_of_their_sample():
    # v set after the build and before the run: the t = 0 sample of i_leak is computed
    # from it. A subexpression of t is stamped with the time of the state it was computed
    # from (the end of each step).
    m = model()
    m["cell_types"]["LeakyEq"]["equations"].append("clock = t*(1*amp/second) : amp")
    m["recorders"][0]["variables"].append("clock")
    sim = myelin.Simulation(m, threads=1)
    v0 = np.array([-60.0, -65.0, -70.0, -75.0])
    sim.set_state("p", "v", v0)
    sim.run(5.0)
    tr = {t["variable"]: t for t in sim.traces()}
    np.testing.assert_allclose(tr["i_leak"]["values"][0], (EL - v0) / R, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tr["v"]["values"][0], v0)
    clock = tr["clock"]["values"][:, 0]  # t in ms times 1 nA/ms ... in the trace's unit
    steps = np.arange(clock.size)
    np.testing.assert_allclose(clock[1:] / clock[1], steps[1:], rtol=1e-12)


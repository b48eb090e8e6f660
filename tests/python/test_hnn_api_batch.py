"""myelin.hnn.BatchSimulate (docs/hnn-python.md): HNN-core's return structure, each
run equal to simulate_dipole of the same network, summaries, saved batches, and a run()
interrupted midway finishing only the rest when called again."""
import numpy as np
import pytest
from hnn_api_support import hnn

import myelin.hnn.batch_simulate as bs_module
from myelin.hnn.batch_simulate import BatchSimulate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TSTOP = 40.0


def set_params(param_values, net=None):
    w = {"L2_basket": param_values["weight_basket"], "L2_pyramidal": param_values["weight_pyr"],
         "L5_basket": param_values["weight_basket"], "L5_pyramidal": param_values["weight_pyr"]}
    net.add_evoked_drive("evprox", mu=15, sigma=3, numspikes=1, location="proximal",
                         weights_ampa=w, synaptic_delays={"L2_basket": 0.1, "L2_pyramidal": 0.1,
                                                          "L5_basket": 1.0, "L5_pyramidal": 1.0})


def summary_func(results):
    out = []
    for r in results:
        agg = r["dpl"][0].copy().smooth(window_len=10).data["agg"]
        out.append({"min_peak": float(np.min(agg)), "max_peak": float(np.max(agg))})
    return out


GRID = {"weight_basket": np.logspace(-3, -1, 3), "weight_pyr": np.logspace(-3, -1, 3)}


def agg(dpl):
    return dpl.data["agg"]


def test_batch_results_as_hnn_core_and_equal_to_single_runs():
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    batch = BatchSimulate(net=net, set_params=set_params, summary_func=summary_func,
                          tstop=TSTOP, batch_size=2)
    res = batch.run(GRID, n_jobs=2, combinations=False, backend="loky", verbose=False)
    assert set(res) == {"summary_statistics", "simulated_data"}
    assert [len(b) for b in res["summary_statistics"]] == [2, 1]  # batch_size 2
    flat = [d for b in res["simulated_data"] for d in b]
    assert [d["param_values"]["weight_pyr"] for d in flat] == list(GRID["weight_pyr"])
    assert net.external_drives == {}  # set_params changed copies
    for d, s in zip(flat, [s for b in res["summary_statistics"] for s in b]):
        one = net.copy()
        set_params(d["param_values"], one)
        ref = hnn.simulate_dipole(one, tstop=TSTOP, verbose=False)[0]
        np.testing.assert_array_equal(agg(d["dpl"][0]), agg(ref))
        assert s["max_peak"] == np.max(ref.copy().smooth(window_len=10).data["agg"])
        assert d["net"].external_drives["evprox"]["event_seed"] == 2
    peaks = [s["max_peak"] for b in res["summary_statistics"] for s in b]
    assert len(set(peaks)) == 3  # the weights change the response
    grid = batch.run(GRID, n_jobs=1, combinations=True, verbose=False, clear_cache=True)
    assert set(grid) == {"summary_statistics"} and sum(map(len, grid["summary_statistics"])) == 9


def test_saved_batches_and_an_interrupted_run_resumes(tmp_path, monkeypatch):
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    grid = {"weight_basket": np.logspace(-3, -1, 6), "weight_pyr": np.logspace(-3, -1, 6)}

    def batch():
        return BatchSimulate(net=net, set_params=set_params, tstop=TSTOP, batch_size=6,
                             save_outputs=True, save_folder=str(tmp_path / "out"))

    full = BatchSimulate(net=net, set_params=set_params, tstop=TSTOP).run(
        grid, n_jobs=1, combinations=False, verbose=False)["simulated_data"][0]
    calls, real = [], bs_module.run_models

    def failing(models, workers=1, record_vsec=False):
        calls.append(len(models))
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C after the first chunk (4 runs with n_jobs=1)
        return real(models, workers, record_vsec)

    monkeypatch.setattr(bs_module, "run_models", failing)
    with pytest.raises(KeyboardInterrupt):
        batch().run(grid, n_jobs=1, combinations=False, verbose=False)
    assert calls == [4, 2]
    assert len(list((tmp_path / "out" / "sim_run_0-6.parts").iterdir())) == 4
    calls.clear()
    again = batch().run(grid, n_jobs=1, combinations=False, verbose=False)
    assert calls == [2]  # only the two runs without a file
    for a, b in zip(again["simulated_data"][0], full):
        np.testing.assert_array_equal(agg(a["dpl"][0]), agg(b["dpl"][0]))
    assert not (tmp_path / "out" / "sim_run_0-6.parts").exists()
    loaded = batch().load_all_results()
    assert len(loaded) == 1 and len(loaded[0]["dpl"]) == 6
    np.testing.assert_array_equal(agg(loaded[0]["dpl"][5][0]), agg(full[5]["dpl"][0]))
    assert loaded[0]["param_values"][5]["weight_pyr"] == grid["weight_pyr"][5]


def test_batch_argument_errors():
    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    with pytest.raises(TypeError, match="set_params must be a callable function"):
        BatchSimulate(net=net, set_params=3)
    with pytest.raises(TypeError, match="net must be an instance of Network"):
        BatchSimulate(net="net", set_params=set_params)
    with pytest.raises(ValueError, match="Invalid value for the 'backend' parameter"):
        BatchSimulate(net=net, set_params=set_params).run(GRID, backend="spark")


def test_set_params_written_net_first_as_after_hnn_core_0_6():
    """hnn-core's published example (after 0.6) writes set_params(net, param_values);
    0.6 calls set_params(param_values, net): both give the same runs."""
    def set_params_net_first(net, param_values):
        set_params(param_values, net)

    net = hnn.jones_2009_model(mesh_shape=(3, 3))
    grid = {"weight_basket": [1e-3, 1e-2], "weight_pyr": [1e-3, 1e-2]}
    runs = [BatchSimulate(net=net, set_params=f, tstop=TSTOP).run(
        grid, combinations=False, n_jobs=2)["simulated_data"][0]
        for f in (set_params, set_params_net_first)]
    assert [r["param_values"] for r in runs[0]] == [r["param_values"] for r in runs[1]]
    for a, b in zip(*runs):
        np.testing.assert_array_equal(agg(a["dpl"][0]), agg(b["dpl"][0]))
    assert bs_module._takes_net_first(set_params_net_first)
    assert not bs_module._takes_net_first(set_params)

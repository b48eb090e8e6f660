#!/usr/bin/python3
"""Writes python/myelin/hnn/param/N20.json: HNN's parameter set for the median-nerve
somatosensory evoked response (the N20 of the MNE somato data set; HNN-core's
plot_simulate_somato example reads it by this name), made from myelin.hnn's own
param/default.json with the parameters that HNN-core's file sets differently (as read
from HNN-core's source; HNN-core's file is not copied).

    /usr/bin/python3 scripts/make_hnn_n20_params.py      # rewrites the file

What differs from default.json, by purpose:
- connections: weaker L2 pyramidal recurrent and L2 -> L5 excitation, stronger L5
  pyramidal recurrent excitation, stronger L2 basket -> L5 pyramidal inhibition, weaker
  L5 basket GABAa and stronger GABAb onto the L5 pyramidal cells;
- evoked inputs: one proximal (20 ms) and two distal (32 and 82 ms) volleys, each
  synchronous (one drive cell), sd 3 ms, with small weights; no second proximal input
  (its keys removed, so that add_drives_from_params adds three drives);
- rhythmic inputs' window 50-710 ms (their weights stay 0), no tonic biases;
- seeds 4 (0 for the second distal input); output: 100 trials, dipole scaled by 12 and
  smoothed over 20 ms, spectra up to 40 Hz.
"""
import json
import pathlib

PARAM_DIR = pathlib.Path(__file__).resolve().parents[1] / "python" / "myelin" / "hnn" / "param"

_EVDIST = {"L2Basket_ampa": 0.003, "L2Basket_nmda": 0.003, "L2Pyr_ampa": 0.0045,
           "L2Pyr_nmda": 0.0045, "L5Pyr_ampa": 0.001, "L5Pyr_nmda": 0.001}

CHANGES = {
    # network connections [uS]
    "gbar_L2Pyr_L2Pyr_ampa": 0.0002, "gbar_L2Pyr_L2Pyr_nmda": 0.0002,
    "gbar_L2Pyr_L5Pyr": 0.0002, "gbar_L5Pyr_L5Pyr_ampa": 0.001,
    "gbar_L2Basket_L5Pyr": 0.002, "gbar_L5Basket_L5Pyr_gabaa": 0.02,
    "gbar_L5Basket_L5Pyr_gabab": 0.06,
    # evoked inputs: times [ms], spreads [ms], weights [uS]
    "t_evprox_1": 20, "sigma_t_evprox_1": 3.0,
    "gbar_evprox_1_L2Basket_ampa": 0.003, "gbar_evprox_1_L2Basket_nmda": 0.003,
    "gbar_evprox_1_L2Pyr_ampa": 0.0025, "gbar_evprox_1_L5Basket_ampa": 0.004,
    "gbar_evprox_1_L5Basket_nmda": 0.004, "gbar_evprox_1_L5Pyr_ampa": 0.001,
    "t_evdist_1": 32, "sigma_t_evdist_1": 3.0,
    **{f"gbar_evdist_1_{k}": w for k, w in _EVDIST.items()},
    "t_evdist_2": 82, "sigma_t_evdist_2": 3.0, "numspikes_evdist_2": 1,
    **{f"gbar_evdist_2_{k}": w for k, w in _EVDIST.items()},
    "sync_evinput": 1,
    # rhythmic inputs' window [ms]; no tonic biases
    "t0_input_prox": 50.0, "tstop_input_prox": 710.0,
    "t0_input_dist": 50.0, "tstop_input_dist": 710.0,
    **{f"Itonic_{p}_{c}": 0.0 for p in ("A", "t0", "T")
       for c in ("L2Pyr_soma", "L5Pyr_soma", "L2Basket", "L5Basket")},
    # seeds
    **{f"prng_seedcore_{k}": 4 for k in ("evdist_1", "evprox_1", "evprox_2", "extgauss",
                                         "extpois", "input_dist", "input_prox")},
    "prng_seedcore_evdist_2": 0,
    # run and output
    "N_trials": 100, "dipole_scalefctr": 12, "dipole_smooth_win": 20, "f_max_spec": 40.0,
    "save_vsoma": 0,
}
REMOVED = ("save_dpl", "t_evprox_2", "sigma_t_evprox_2", "numspikes_evprox_2",
           *(f"gbar_evprox_2_{c}_{r}" for c in ("L2Basket", "L2Pyr", "L5Basket", "L5Pyr")
             for r in ("ampa", "nmda")))


def main():
    params = json.loads((PARAM_DIR / "default.json").read_text())
    params.update(CHANGES)
    for key in REMOVED:
        params.pop(key, None)
    (PARAM_DIR / "N20.json").write_text(json.dumps(dict(sorted(params.items())), indent=4) +
                                        "\n")


if __name__ == "__main__":
    main()

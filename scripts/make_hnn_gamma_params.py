#!/usr/bin/python3
"""Writes python/myelin/hnn/param/gamma_L5weak_L2weak.json: HNN's weak-gamma parameter set
(the HNN GUI's gamma tutorial, "L5 weak, L2 weak"; HNN-core's examples read it by this
name), made from myelin.hnn's own param/default.json with the parameters that HNN-core's
file sets differently (as read from HNN-core's source; HNN-core's file is not copied).

    /usr/bin/python3 scripts/make_hnn_gamma_params.py      # rewrites the file

What differs from default.json, by purpose:
- connections of the pyramidal-interneuron gamma (PING) circuit: no excitatory
  pyramidal -> pyramidal or L2 -> L5 connections, no GABAb; weaker basket -> basket and
  L2 basket -> L2 pyramidal inhibition, stronger L5 basket -> L5 pyramidal inhibition and
  pyramidal -> basket excitation;
- the drive: a proximal Poisson drive onto both pyramidal types for the whole 250 ms
  (rates 140 Hz onto L2, 40 Hz onto L5; `*_Pois_lamtha` is the legacy name of the rate),
  no evoked inputs (their weights 0, times moved past the end), no tonic biases;
- output: tstop 250 ms, dipole scaled by 30000, not smoothed.
"""
import json
import pathlib

PARAM_DIR = pathlib.Path(__file__).resolve().parents[1] / "python" / "myelin" / "hnn" / "param"

CHANGES = {
    # network connections [uS]
    "gbar_L2Basket_L2Basket": 0.01, "gbar_L2Basket_L2Pyr_gabaa": 0.007,
    "gbar_L2Basket_L2Pyr_gabab": 0.0, "gbar_L2Basket_L5Pyr": 0.0,
    "gbar_L2Pyr_L2Basket": 0.0012, "gbar_L2Pyr_L2Pyr_ampa": 0.0,
    "gbar_L2Pyr_L2Pyr_nmda": 0.0, "gbar_L2Pyr_L5Basket": 0.0, "gbar_L2Pyr_L5Pyr": 0.0,
    "gbar_L5Basket_L5Basket": 0.0075, "gbar_L5Basket_L5Pyr_gabaa": 0.08,
    "gbar_L5Basket_L5Pyr_gabab": 0.0, "gbar_L5Pyr_L5Basket": 0.00091,
    "gbar_L5Pyr_L5Pyr_ampa": 0.0, "gbar_L5Pyr_L5Pyr_nmda": 0.0,
    # the Poisson drive: weights [uS], rates [Hz] (legacy name *_lamtha), end [ms]
    "L2Pyr_Pois_A_weight_ampa": 0.0008, "L2Pyr_Pois_lamtha": 140.0,
    "L5Pyr_Pois_A_weight_ampa": 0.0075, "L5Pyr_Pois_lamtha": 40.0, "T_pois": 250.0,
    # evoked inputs switched off
    **{f"gbar_{k}": 0.0 for k in (
        "evdist_1_L2Basket_ampa", "evdist_1_L2Basket_nmda", "evdist_1_L2Pyr_ampa",
        "evdist_1_L2Pyr_nmda", "evdist_1_L5Pyr_ampa", "evdist_1_L5Pyr_nmda",
        "evprox_1_L2Basket_ampa", "evprox_1_L2Pyr_ampa", "evprox_1_L5Basket_ampa",
        "evprox_1_L5Pyr_ampa", "evprox_2_L2Basket_ampa", "evprox_2_L2Pyr_ampa",
        "evprox_2_L5Basket_ampa", "evprox_2_L5Pyr_ampa")},
    "t_evdist_1": 2000.0, "t_evprox_1": 2000.0, "t_evprox_2": 2000.0,
    "sigma_t_evdist_1": 6.0, "sigma_t_evprox_1": 2.5, "sigma_t_evprox_2": 7.0,
    "sync_evinput": 1,
    # no tonic biases
    **{f"Itonic_{p}_{c}": 0.0 for p in ("A", "t0", "T")
       for c in ("L2Pyr_soma", "L5Pyr_soma", "L2Basket", "L5Basket")},
    # seeds
    "prng_seedcore_evdist_1": 0, "prng_seedcore_evprox_1": 0, "prng_seedcore_evprox_2": 0,
    "prng_seedcore_extgauss": 0, "prng_seedcore_extpois": -3, "prng_seedcore_input_dist": 0,
    "prng_seedcore_input_prox": 0, "prng_seedcore_opt": 0,
    # run and output
    "tstop": 250.0, "tstop_input_dist": 250.0, "tstop_input_prox": 250.0,
    "dipole_scalefctr": 30000.0, "dipole_smooth_win": 0.0, "save_spec_data": 1,
}
REMOVED = ("save_dpl",)


def main():
    params = json.loads((PARAM_DIR / "default.json").read_text())
    params.update(CHANGES)
    for key in REMOVED:
        params.pop(key, None)
    (PARAM_DIR / "gamma_L5weak_L2weak.json").write_text(
        json.dumps(dict(sorted(params.items())), indent=4) + "\n")


if __name__ == "__main__":
    main()

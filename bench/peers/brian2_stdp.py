"""Brian2 code of myelin's STDPMechanism + SpikePairRule for bench/peers/brian2_models.py
(docs/numerics.md, "Plastic synapses"), and the Brian2 unit declarations the translations
share."""


def brian_unit_decl(u):
    from brian2 import mV, ms, nA, nF, uS
    for q, s in ((mV, "volt"), (ms, "second"), (nA, "amp"), (nF, "farad"), (uS, "siemens")):
        if u is q:
            return s
    if isinstance(u, (int, float)) and u == 1:
        return "1"
    raise ValueError(u)


STDP_DW = {
    "AdditiveWeightDependence": ("A_plus*w_max*K", "A_minus*w_max*K"),
    "MultiplicativeWeightDependence": ("A_plus*(w_max - w)*K", "A_minus*(w - w_min)*K"),
    "AdditivePotentiationMultiplicativeDepression": ("A_plus*w_max*K", "A_minus*(w - w_min)*K"),
    "GutigWeightDependence": (
        "A_plus*(w_max - w_min)*clip((w_max - w)/(w_max - w_min), 0, 1)**mu_plus*K",
        "A_minus*(w_max - w_min)*clip((w - w_min)/(w_max - w_min), 0, 1)**mu_minus*K"),
}


def stdp_code(spec, target, wunit, delay, namespace):
    """Brian2 model and pathways of myelin's STDPMechanism + SpikePairRule (all pairs,
    docs/numerics.md). A presynaptic spike reaches the synapse at t_pre + (1 - f) d, a
    postsynaptic one at t_post + f d; both are shifted here by f d so that the
    presynaptic pathway (depression, then delivery with the new weight) runs with the
    whole delay d, as the static synapses do, and the postsynaptic pathway
    (facilitation with the presynaptic trace) with 2 f d. Brian2 runs the pre pathway
    of a step before the post one, which gives myelin's tie rules: a postsynaptic spike
    that reaches the synapse in the same step as a presynaptic one counts as after it for
    depression, and facilitates with the trace of the earlier presynaptic spikes only
    (the `lastupdate == t` term takes the same-step spike's +1 out again). At such a
    tie the rule facilitates before it depresses and Brian2 here depresses first: the
    same for the additive dependence up to clipping, not for the multiplicative ones
    (tests/validation/test_stdp_vs_brian2.py leaves ties out).
    Returns (model, on_pre, on_post, post pathway delay [ms])."""
    td, wd = spec["timing_dependence"], spec["weight_dependence"]
    if td.get("type") != "SpikePairRule":
        raise NotImplementedError(f"timing dependence {td.get('type')}")
    if wd.get("type") not in STDP_DW:
        raise NotImplementedError(f"weight dependence {wd.get('type')}")
    f = float(spec.get("dendritic_delay_fraction", 1.0))
    tp = {"tau_plus": 20.0, "tau_minus": 20.0, "A_plus": 0.01, "A_minus": 0.01}
    tp.update({k: v for k, v in td.items() if k != "type"})
    wp = {"w_min": 0.0, "w_max": 1.0, "mu_plus": 0.5, "mu_minus": 0.5}
    wp.update({k: v for k, v in wd.items() if k != "type"})
    import brian2 as b2
    units = {"mV": b2.mV, "nA": b2.nA, "uS": b2.uS, "1": 1}
    namespace.update(tau_plus=float(tp["tau_plus"]) * b2.ms,
                     tau_minus=float(tp["tau_minus"]) * b2.ms,
                     A_plus=float(tp["A_plus"]), A_minus=float(tp["A_minus"]),
                     w_min=float(wp["w_min"]) * units[wunit],
                     w_max=float(wp["w_max"]) * units[wunit],
                     mu_plus=float(wp["mu_plus"]), mu_minus=float(wp["mu_minus"]))
    up, down = STDP_DW[wd["type"]]
    decl = brian_unit_decl(units[wunit])
    model = (f"w : {decl}\n"
             "dkplus/dt = -kplus/tau_plus : 1 (event-driven)\n"
             "dkminus/dt = -kminus/tau_minus : 1 (event-driven)")
    on_pre = (f"w = clip(w - {down.replace('K', 'kminus')}, w_min, w_max)\n"
              f"{target}_post += w\n"
              "kplus += 1")
    k = "(kplus - int(lastupdate == t))"
    on_post = (f"w = clip(w + {up.replace('K', k)}, w_min, w_max)\n"
               "kminus += 1")
    return model, on_pre, on_post, 2.0 * f * delay

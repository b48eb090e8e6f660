"""Standard synapse types of the myelin PyNN backend.

The engine takes PyNN's synapse descriptions by name (JSON ``synapse`` of a
projection), so translations are identities. Plastic types are offered only
when the engine accepts them (probed once at import with a two-cell model);
otherwise they are ``ModelNotAvailable``.
"""

from pyNN.standardmodels import ModelNotAvailable, build_translations, synapses

from .. import _core
from .simulator import state


def _min_delay(self):
    return state.min_delay_value


def _engine_accepts(synapse):
    """Whether the engine builds a projection with this synapse description."""
    model = {
        "dt": 0.1, "tstop": 1.0,
        "populations": [{"label": "a", "size": 1, "cell_type": "SpikeSourceArray"},
                        {"label": "b", "size": 1, "cell_type": "IF_cond_exp"}],
        "projections": [{"label": "x", "pre": "a", "post": "b",
                         "connector": {"type": "FromArrays"}, "synapse": synapse}],
    }
    arrays = {"x": {"pre": [0], "post": [0], "weight": 0.001, "delay": 1.0}}
    try:
        _core.Simulation(model, arrays=arrays)
    except (ValueError, RuntimeError):
        return False
    return True


def remember_expressions(synapse, parameters):
    """Keep the text of weights/delays given as expressions of d ("0.5 + 0.01*d"): PyNN
    turns them into lambdas, native connectors (native.py) pass the text to the engine.
    The lambda is kept too, so that a later change of the parameter is noticed."""
    synapse._expressions = {
        name: (value, synapse.parameter_space[name].base_value)
        for name, value in parameters.items()
        if isinstance(value, str) and name in synapse.parameter_space.keys()}


class _Expressions:
    def __init__(self, **parameters):
        super().__init__(**parameters)
        remember_expressions(self, parameters)


class StaticSynapse(_Expressions, synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))
    _get_minimum_delay = _min_delay

    def engine_description(self, params):
        return None


class _TsodyksMarkramSynapse(_Expressions, synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__
    translations = build_translations(
        ("weight", "weight"), ("delay", "delay"), ("U", "U"),
        ("tau_rec", "tau_rec"), ("tau_facil", "tau_facil"))
    _get_minimum_delay = _min_delay

    def engine_description(self, params):
        return {"type": "TsodyksMarkramSynapse", "U": params["U"],
                "tau_rec": params["tau_rec"], "tau_facil": params["tau_facil"]}


class _SimpleStochasticSynapse(_Expressions, synapses.SimpleStochasticSynapse):
    __doc__ = synapses.SimpleStochasticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"), ("p", "p"))
    _get_minimum_delay = _min_delay

    def engine_description(self, params):
        return {"type": "SimpleStochasticSynapse", "p": params["p"]}


class _StochasticTsodyksMarkramSynapse(_Expressions,
                                       synapses.StochasticTsodyksMarkramSynapse):
    __doc__ = synapses.StochasticTsodyksMarkramSynapse.__doc__
    translations = build_translations(
        ("weight", "weight"), ("delay", "delay"), ("U", "U"),
        ("tau_rec", "tau_rec"), ("tau_facil", "tau_facil"))
    _get_minimum_delay = _min_delay
    engine_initial = {"u": "u0"}  # Projection.initialize (projections.py)

    def engine_description(self, params):
        return {"type": "StochasticTsodyksMarkramSynapse", "U": params["U"],
                "tau_rec": params["tau_rec"], "tau_facil": params["tau_facil"]}


class _MultiQuantalSynapse(_Expressions, synapses.MultiQuantalSynapse):
    __doc__ = """Tsodyks-Markram synapse with stochastic release from `n` sites (NEST's
    quantal_stp_synapse): each ready site releases with probability u at a spike, which
    transmits weight x (sites released) / n; a released site is ready again after an
    exponentially distributed time of mean `tau_rec`."""
    translations = build_translations(
        ("weight", "weight"), ("delay", "delay"), ("U", "U"), ("n", "n"),
        ("tau_rec", "tau_rec"), ("tau_facil", "tau_facil"))
    _get_minimum_delay = _min_delay
    # Projection.initialize (projections.py): u; a (sites ready) only as the engine
    # starts, all n ready
    engine_initial = {"u": "u0", "a": None}

    def engine_start_state(self, variable):
        n = self.parameter_space["n"]
        return float(n.base_value if hasattr(n, "base_value") else n)

    def engine_description(self, params):
        return {"type": "MultiQuantalSynapse", "U": params["U"], "n": params["n"],
                "tau_rec": params["tau_rec"], "tau_facil": params["tau_facil"]}


WEIGHT_DEPENDENCES = ("AdditiveWeightDependence", "MultiplicativeWeightDependence",
                      "AdditivePotentiationMultiplicativeDepression", "GutigWeightDependence")


class _STDPMechanism(synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(
        ("weight", "weight"), ("delay", "delay"),
        ("dendritic_delay_fraction", "dendritic_delay_fraction"))
    _get_minimum_delay = _min_delay

    def __init__(self, timing_dependence=None, weight_dependence=None,
                 voltage_dependence=None, dendritic_delay_fraction=1.0,
                 weight=0.0, delay=None):
        if voltage_dependence is not None:
            raise NotImplementedError("myelin.pynn: STDP voltage dependence is not supported")
        if not isinstance(timing_dependence, SpikePairRule):
            raise NotImplementedError("myelin.pynn: STDP needs the SpikePairRule timing "
                                      "dependence, got %r" % timing_dependence)
        if weight_dependence is None or \
                type(weight_dependence).__name__ not in WEIGHT_DEPENDENCES:
            raise NotImplementedError("myelin.pynn: STDP weight dependence must be one of %s"
                                      % ", ".join(WEIGHT_DEPENDENCES))
        synapses.STDPMechanism.__init__(self, timing_dependence, weight_dependence,
                                        voltage_dependence, dendritic_delay_fraction,
                                        weight, delay)
        remember_expressions(self, {"weight": weight, "delay": delay})
        # one table per instance: the base class updates it with its components'
        self.translations = dict(self.base_translations)
        for component in (timing_dependence, weight_dependence):
            self.translations.update(component.translations)

    @property
    def possible_models(self):
        return {"STDPMechanism"}

    def engine_description(self, params):
        weight_dep = {"type": type(self.weight_dependence).__name__,
                      "w_min": params["w_min"], "w_max": params["w_max"]}
        if weight_dep["type"] == "GutigWeightDependence":
            weight_dep["mu_plus"] = params["mu_plus"]
            weight_dep["mu_minus"] = params["mu_minus"]
        return {"type": "STDPMechanism",
                "dendritic_delay_fraction": float(self.dendritic_delay_fraction),
                "timing_dependence": {"type": "SpikePairRule",
                                      "tau_plus": params["tau_plus"],
                                      "tau_minus": params["tau_minus"],
                                      "A_plus": params["A_plus"],
                                      "A_minus": params["A_minus"]},
                "weight_dependence": weight_dep}


def _weight_dependence(base, extra=()):
    names = ("w_min", "w_max") + tuple(extra)
    return type(base.__name__, (base,), {
        "__doc__": base.__doc__,
        "translations": build_translations(*[(n, n) for n in names])})


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(("tau_plus", "tau_plus"), ("tau_minus", "tau_minus"),
                                      ("A_plus", "A_plus"), ("A_minus", "A_minus"))


AdditiveWeightDependence = _weight_dependence(synapses.AdditiveWeightDependence)
MultiplicativeWeightDependence = _weight_dependence(synapses.MultiplicativeWeightDependence)
AdditivePotentiationMultiplicativeDepression = _weight_dependence(
    synapses.AdditivePotentiationMultiplicativeDepression)
GutigWeightDependence = _weight_dependence(synapses.GutigWeightDependence,
                                           ("mu_plus", "mu_minus"))


def _offer(cls, probe):
    if _engine_accepts(probe):
        return cls
    return type(cls.__name__.lstrip("_"), (ModelNotAvailable,),
                {"__doc__": "Not available in this myelin build."})


_TsodyksMarkramSynapse.__name__ = _TsodyksMarkramSynapse.__qualname__ = "TsodyksMarkramSynapse"
_SimpleStochasticSynapse.__name__ = _SimpleStochasticSynapse.__qualname__ = "SimpleStochasticSynapse"
_STDPMechanism.__name__ = _STDPMechanism.__qualname__ = "STDPMechanism"
_StochasticTsodyksMarkramSynapse.__name__ = "StochasticTsodyksMarkramSynapse"
_StochasticTsodyksMarkramSynapse.__qualname__ = "StochasticTsodyksMarkramSynapse"
_MultiQuantalSynapse.__name__ = _MultiQuantalSynapse.__qualname__ = "MultiQuantalSynapse"

TsodyksMarkramSynapse = _offer(_TsodyksMarkramSynapse, {
    "type": "TsodyksMarkramSynapse", "U": 0.5, "tau_rec": 100.0, "tau_facil": 0.0})
SimpleStochasticSynapse = _offer(_SimpleStochasticSynapse, {
    "type": "SimpleStochasticSynapse", "p": 0.5})
StochasticTsodyksMarkramSynapse = _offer(_StochasticTsodyksMarkramSynapse, {
    "type": "StochasticTsodyksMarkramSynapse", "U": 0.5, "tau_rec": 100.0, "tau_facil": 0.0})
MultiQuantalSynapse = _offer(_MultiQuantalSynapse, {
    "type": "MultiQuantalSynapse", "U": 0.5, "n": 1, "tau_rec": 800.0, "tau_facil": 0.0})
STDPMechanism = _offer(_STDPMechanism, {
    "type": "STDPMechanism", "dendritic_delay_fraction": 1.0,
    "timing_dependence": {"type": "SpikePairRule", "tau_plus": 20.0, "tau_minus": 20.0,
                          "A_plus": 0.01, "A_minus": 0.01},
    "weight_dependence": {"type": "AdditiveWeightDependence", "w_min": 0.0, "w_max": 1.0}})

__all__ = ["StaticSynapse", "TsodyksMarkramSynapse", "SimpleStochasticSynapse",
           "StochasticTsodyksMarkramSynapse", "MultiQuantalSynapse", "STDPMechanism", "SpikePairRule", "AdditiveWeightDependence",
           "MultiplicativeWeightDependence", "AdditivePotentiationMultiplicativeDepression",
           "GutigWeightDependence"]

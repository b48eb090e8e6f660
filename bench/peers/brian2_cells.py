"""Brian2 equations of the PyNN cell types that bench/peers/brian2_models.py translates.

cell_spec(cell_type, scheme) gives, for one cell type, the Brian2 equations (in PyNN's
variable names and units), threshold, reset, refractoriness, integration method, units of
parameters and state, defaults and receptor variables. scheme "brian2" uses Brian2's own
integrators; "myelin" writes myelin's discrete step (docs/numerics.md) out as code run
once per step, for IF_cond_exp and HH_cond_exp.
"""

# Brian2 counts a refractory period of R as the steps whose start lies less than R after
# the spike's step, so the first free update comes R/dt steps after the spike; myelin
# (and NEST) hold v for round(R/dt) steps after the spike step and update freely in the
# next, one step later. Adding dt gives Brian2 the same count: a cell driven through
# threshold at once fires every R/dt + 1 steps in both.
_REFRACTORY = "tau_refrac + dt"


def _myelin_if_cond_exp():
    """IF_cond_exp as myelin steps it (src/cells/lif.cpp): conductances at mid-step
    frozen, v solved exactly for them, conductances decayed exactly; v held at v_reset
    for nref = round(tau_refrac/dt) steps after the spike step (refr counts them down,
    -1 = free). Variables are plain numbers in myelin's units (mV, uS, nF, nA, ms)."""
    update = """
    gem = gsyn_exc*exp(-0.5*dt_ms/tau_syn_E)
    gim = gsyn_inh*exp(-0.5*dt_ms/tau_syn_I)
    g_tot = c_m/tau_m + gem + gim
    v_inf = (c_m/tau_m*v_rest + gem*e_rev_E + gim*e_rev_I + i_offset + i_stim)/g_tot
    v_free = v_inf + (v - v_inf)*exp(-dt_ms/c_m*g_tot)
    gsyn_exc = gsyn_exc*exp(-dt_ms/tau_syn_E)
    gsyn_inh = gsyn_inh*exp(-dt_ms/tau_syn_I)
    held = int(refr > 0)
    v = v_free*(1 - held) + v_reset*held
    refr = (refr - 1)*held - (1 - held)
    """
    names = ("cm", "tau_m", "v_rest", "v_reset", "v_thresh", "tau_refrac", "tau_syn_E",
             "tau_syn_I", "e_rev_E", "e_rev_I", "i_offset", "v", "gsyn_exc", "gsyn_inh", "refr")
    return dict(eqs="v : 1\ngsyn_exc : 1\ngsyn_inh : 1\nrefr : 1", update=update,
                threshold="v >= v_thresh and refr < 0",
                reset="v = v_reset\nrefr = int(tau_refrac/dt_ms + 0.5)", refractory=None,
                method=None, units={k: 1 for k in names},
                defaults=dict(i_offset=0.0, v=-65.0, gsyn_exc=0.0, gsyn_inh=0.0, refr=-1.0),
                state=("v", "gsyn_exc", "gsyn_inh", "refr"),
                receptors=("gsyn_exc", "gsyn_inh"), current_unit=1)


def _hh_rates(u, suffix):
    """Brian2 code: HH gate steady states and half-step decay factors at u = v - v_offset
    (myelin's rates(), src/cells/hh.cpp)."""
    return f"""
    am{suffix} = 1.28/exprel((13.0 - {u})/4.0)
    bm{suffix} = 1.4/exprel(({u} - 40.0)/5.0)
    ah{suffix} = 0.128*exp((17.0 - {u})/18.0)
    bh{suffix} = 4.0/(1.0 + exp((40.0 - {u})/5.0))
    an{suffix} = 0.16/exprel((15.0 - {u})/5.0)
    bn{suffix} = 0.5*exp((10.0 - {u})/40.0)
    m_inf{suffix} = am{suffix}/(am{suffix} + bm{suffix})
    h_inf{suffix} = ah{suffix}/(ah{suffix} + bh{suffix})
    n_inf{suffix} = an{suffix}/(an{suffix} + bn{suffix})
    m_dec{suffix} = exp(-0.5*dt_ms*(am{suffix} + bm{suffix}))
    h_dec{suffix} = exp(-0.5*dt_ms*(ah{suffix} + bh{suffix}))
    n_dec{suffix} = exp(-0.5*dt_ms*(an{suffix} + bn{suffix}))
    """


def _myelin_hh_cond_exp():
    """HH_cond_exp as myelin steps it (src/cells/hh.cpp): Strang splitting, half a step
    of the gates (Rush-Larsen, rates at the step start), v by the exponential integrator
    with those gates and the mid-step synaptic conductances, the second half step of the
    gates with the rates at the new v. A spike is an upward crossing of +10 mV within
    the step. Plain numbers in myelin's units."""
    update = _hh_rates("(v - v_offset)", "0") + """
    m1 = m_inf0 + (m - m_inf0)*m_dec0
    h1 = h_inf0 + (h - h_inf0)*h_dec0
    n1 = n_inf0 + (n - n_inf0)*n_dec0
    g_na = gbar_Na*m1*m1*m1*h1
    g_k = gbar_K*(n1*n1)*(n1*n1)
    g_e = gsyn_exc*exp(-0.5*dt_ms/tau_syn_E)
    g_i = gsyn_inh*exp(-0.5*dt_ms/tau_syn_I)
    g_tot = g_leak + g_na + g_k + g_e + g_i
    v_inf = (g_leak*e_rev_leak + g_na*e_rev_Na + g_k*e_rev_K + g_e*e_rev_E + g_i*e_rev_I
             + i_offset + i_stim)/g_tot
    v1 = v_inf + (v - v_inf)*exp(-dt_ms*g_tot/c_m)
    """ + _hh_rates("(v1 - v_offset)", "1") + """
    m = m_inf1 + (m1 - m_inf1)*m_dec1
    h = h_inf1 + (h1 - h_inf1)*h_dec1
    n = n_inf1 + (n1 - n_inf1)*n_dec1
    v_prev = v
    v = v1
    gsyn_exc = gsyn_exc*exp(-dt_ms/tau_syn_E)
    gsyn_inh = gsyn_inh*exp(-dt_ms/tau_syn_I)
    """
    # Brian2's abstract code has no line continuation inside an expression: join it.
    update = update.replace("\n             + i_offset", " + i_offset")
    names = ("cm", "g_leak", "gbar_Na", "gbar_K", "v_offset", "e_rev_Na", "e_rev_K",
             "e_rev_leak", "e_rev_E", "e_rev_I", "tau_syn_E", "tau_syn_I", "i_offset", "v",
             "gsyn_exc", "gsyn_inh", "m", "h", "n", "v_prev")
    return dict(eqs="\n".join(f"{k} : 1" for k in ("v", "m", "h", "n", "gsyn_exc",
                                                    "gsyn_inh", "v_prev")),
                update=update, threshold="v >= 10.0 and v_prev < 10.0", reset=None,
                refractory=None, method=None, units={k: 1 for k in names},
                defaults=dict(i_offset=0.0, v=-65.0, gsyn_exc=0.0, gsyn_inh=0.0, m=0.0,
                              h=1.0, n=0.0, v_prev=-65.0),
                state=("v", "m", "h", "n", "gsyn_exc", "gsyn_inh", "v_prev"),
                receptors=("gsyn_exc", "gsyn_inh"), current_unit=1)


_MYELIN_SCHEME = {"IF_cond_exp": _myelin_if_cond_exp, "HH_cond_exp": _myelin_hh_cond_exp}


def cell_spec(cell_type, scheme="brian2"):
    """(equations, threshold, reset, refractory?, method, units of params and state).

    scheme "brian2" integrates with Brian2's own methods (exact for IF_curr_exp,
    exponential Euler for the conductance-based types); "myelin" writes out myelin's
    step (docs/numerics.md) as code run once per step for IF_cond_exp and HH_cond_exp,
    so that the two simulators integrate the same discrete equations (IF_curr_exp's
    'exact' and the Izhikevich step are the same in both schemes).

    Names in the equations are PyNN's (but 'cm', centimetre in Brian2, is 'c_m'); every parameter is either a namespace constant or
    a per-cell '(constant)' variable, decided later from the model file."""
    from brian2 import mV, ms, nA, nF, uS

    if scheme == "myelin" and cell_type in _MYELIN_SCHEME:
        return _MYELIN_SCHEME[cell_type]()
    if scheme not in ("brian2", "myelin"):
        raise ValueError(f"scheme {scheme!r}: allowed are 'brian2' and 'myelin'")
    if cell_type == "IF_cond_exp":
        # PyNN/NEST iaf_cond_exp; v frozen at v_reset during the refractory period while
        # the conductances keep decaying (myelin does the same).
        eqs = """
        dv/dt = (c_m/tau_m*(v_rest - v) + gsyn_exc*(e_rev_E - v) + gsyn_inh*(e_rev_I - v)
                 + i_offset + i_stim)/c_m : volt (unless refractory)
        dgsyn_exc/dt = -gsyn_exc/tau_syn_E : siemens
        dgsyn_inh/dt = -gsyn_inh/tau_syn_I : siemens
        """
        units = dict(cm=nF, tau_m=ms, v_rest=mV, v_reset=mV, v_thresh=mV, tau_refrac=ms,
                     tau_syn_E=ms, tau_syn_I=ms, e_rev_E=mV, e_rev_I=mV, i_offset=nA,
                     v=mV, gsyn_exc=uS, gsyn_inh=uS)
        defaults = dict(i_offset=0.0, v=-65.0, gsyn_exc=0.0, gsyn_inh=0.0)
        # The conductance terms make v's equation nonlinear in the state: Brian2's
        # exponential Euler (v's coefficients frozen over the step) is the closest of its
        # methods to myelin's exponential integrator with mid-step conductances.
        return dict(eqs=eqs, threshold="v >= v_thresh", reset="v = v_reset",
                    refractory=_REFRACTORY, method="exponential_euler", units=units,
                    defaults=defaults, state=("v", "gsyn_exc", "gsyn_inh"), receptors=("gsyn_exc", "gsyn_inh"))
    if cell_type == "IF_curr_exp":
        eqs = """
        dv/dt = (v_rest - v)/tau_m + (isyn_exc + isyn_inh + i_offset + i_stim)/c_m
                : volt (unless refractory)
        disyn_exc/dt = -isyn_exc/tau_syn_E : amp
        disyn_inh/dt = -isyn_inh/tau_syn_I : amp
        """
        units = dict(cm=nF, tau_m=ms, v_rest=mV, v_reset=mV, v_thresh=mV, tau_refrac=ms,
                     tau_syn_E=ms, tau_syn_I=ms, i_offset=nA, v=mV, isyn_exc=nA, isyn_inh=nA)
        defaults = dict(i_offset=0.0, v=-65.0, isyn_exc=0.0, isyn_inh=0.0)
        # Linear with constant coefficients: 'exact' is the same propagator myelin uses.
        return dict(eqs=eqs, threshold="v >= v_thresh", reset="v = v_reset",
                    refractory=_REFRACTORY, method="exact", units=units, defaults=defaults, state=("v", "isyn_exc", "isyn_inh"),
                    receptors=("isyn_exc", "isyn_inh"))
    if cell_type == "HH_cond_exp":
        # Traub & Miles rates as in PyNN's HH_cond_exp / NEST hh_cond_exp_traub and Brian2's
        # COBAHH example, with V = v - v_offset. Brian2's exprel keeps the removable
        # singularities of alpha_m, beta_m and alpha_n finite.
        eqs = """
        dv/dt = (g_leak*(e_rev_leak - v) + gsyn_exc*(e_rev_E - v) + gsyn_inh*(e_rev_I - v)
                 - gbar_Na*m*m*m*h*(v - e_rev_Na) - gbar_K*n*n*n*n*(v - e_rev_K)
                 + i_offset + i_stim)/c_m : volt
        dm/dt = alpha_m*(1 - m) - beta_m*m : 1
        dn/dt = alpha_n*(1 - n) - beta_n*n : 1
        dh/dt = alpha_h*(1 - h) - beta_h*h : 1
        dgsyn_exc/dt = -gsyn_exc/tau_syn_E : siemens
        dgsyn_inh/dt = -gsyn_inh/tau_syn_I : siemens
        alpha_m = 1.28/exprel((13*mV - v + v_offset)/(4*mV))/ms : Hz
        beta_m = 1.4/exprel((v - v_offset - 40*mV)/(5*mV))/ms : Hz
        alpha_h = 0.128*exp((17*mV - v + v_offset)/(18*mV))/ms : Hz
        beta_h = 4/(1 + exp((40*mV - v + v_offset)/(5*mV)))/ms : Hz
        alpha_n = 0.16/exprel((15*mV - v + v_offset)/(5*mV))/ms : Hz
        beta_n = 0.5*exp((10*mV - v + v_offset)/(40*mV))/ms : Hz
        """
        units = dict(cm=nF, g_leak=uS, gbar_Na=uS, gbar_K=uS, v_offset=mV, e_rev_Na=mV,
                     e_rev_K=mV, e_rev_leak=mV, e_rev_E=mV, e_rev_I=mV, tau_syn_E=ms,
                     tau_syn_I=ms, i_offset=nA, v=mV, gsyn_exc=uS, gsyn_inh=uS,
                     m=1, h=1, n=1)
        # PyNN's default initial gating values (Brian2's example starts them at 0).
        defaults = dict(i_offset=0.0, v=-65.0, gsyn_exc=0.0, gsyn_inh=0.0, m=0.0, h=1.0, n=0.0)
        # A spike is an upward crossing of +10 mV (myelin's HH_cond_exp, PyNN's NEURON
        # backend; Brian2's COBAHH example uses -20 mV, which counts the same full action
        # potentials): the cell stays "refractory" while v >= 10 mV, so one action
        # potential counts once. The dynamics are never frozen (no 'unless refractory').
        # Brian2's exponential Euler is first order; myelin uses a second-order splitting
        # of the same equations (see tests/validation/test_vs_brian2.py for the effect).
        return dict(eqs=eqs, threshold="v >= 10*mV", reset=None,
                    refractory="v >= 10*mV", method="exponential_euler", units=units,
                    defaults=defaults, state=("v", "m", "h", "n", "gsyn_exc", "gsyn_inh"), receptors=("gsyn_exc", "gsyn_inh"))
    if cell_type == "Izhikevich":
        # PyNN's Izhikevich as myelin integrates it (src/cells/izhikevich.cpp), which at
        # dt = 1 ms is the 2003 paper's MATLAB loop line for line:
        #   dv/dt = 0.04 v^2 + 5 v + 140 - u + I,  du/dt = a (b v - u)   [mV/ms]
        # two forward-Euler half steps of v, then one step of u with the new v; then the
        # synaptic jumps of v [mV]; spike at v >= 30 mV -> v = c, u += d. I is the paper's
        # current: 1000 per nA of PyNN current (a 1 pF membrane). Brian2 has no such
        # integrator, so the step is written out as code run once per step, and the
        # variables are plain numbers in mV, mV/ms, 1/ms and nA.
        update = """
        drive = 1000.0*(i_offset + i_stim)
        v = v + 0.5*dt_ms*(0.04*v*v + 5.0*v + 140.0 - u + drive)
        v = v + 0.5*dt_ms*(0.04*v*v + 5.0*v + 140.0 - u + drive)
        u = u + dt_ms*a*(b*v - u)
        """
        units = dict(a=1, b=1, c=1, d=1, i_offset=1, v=1, u=1)
        defaults = dict(a=0.02, b=0.2, c=-65.0, d=2.0, i_offset=0.0, v=-70.0, u=-14.0)
        return dict(eqs="v : 1\nu : 1", update=update, threshold="v >= 30.0",
                    reset="v = c\nu += d", refractory=None, method=None, units=units,
                    defaults=defaults, state=("v", "u"), receptors=("v", "v"),
                    current_unit=1, delta_synapses=True)
    raise NotImplementedError(f"cell type {cell_type} is not translated to Brian2")

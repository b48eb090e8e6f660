#!/usr/bin/python3
"""Reference traces of PyNN's HH_cond_exp, computed with Brian2, for
tests/unit/test_cells_nonlinear.cpp.

The equations are PyNN 0.10's HH_cond_exp (Traub & Miles sodium/potassium kinetics
shifted by v_offset, exponential synaptic conductances), written out here in PyNN's
units (mV, ms, nF, uS, nA) with PyNN's default parameters and initial values.

Two protocols, each from the default initial state (v=-65 mV, m=n=0, h=1):
  dc   -- a current step of DC_AMPLITUDE nA switched on at DC_START ms, held to T_STOP;
  psp  -- no current; one excitatory event of PSP_WEIGHT uS at PSP_TIME ms
          (gsyn_exc jumps by the weight, as a PyNN projection does).

Spikes are upward crossings of SPIKE_THRESHOLD mV (the NetCon threshold PyNN's NEURON
backend uses for this model); the crossing time is interpolated linearly within the step.

Run with /usr/bin/python3 (Debian's python3-brian); writes
  tests/validation/data/hh_brian2_dc_trace.csv   t [ms], v [mV], every SAMPLE_EVERY steps
  tests/validation/data/hh_brian2_dc_spikes.csv  crossing times [ms]
  tests/validation/data/hh_brian2_psp_trace.csv  t [ms], v [mV], gsyn_exc [uS]
Option --dt (default 0.01 ms) and --method (default rk4); --check runs again at dt/10
and prints how far the written reference is from that finer solution.
"""

import argparse
import os
import sys

import numpy as np

import brian2 as b2
from brian2 import ms, mV, nA, nF, uS

DC_AMPLITUDE = 0.5  # [nA]
DC_START = 10.0  # [ms]
PSP_WEIGHT = 0.05  # [uS]
PSP_TIME = 50.0  # [ms]
T_STOP = 100.0  # [ms]
SPIKE_THRESHOLD = 10.0  # [mV]
SAMPLE_EVERY_MS = 0.05  # spacing of the stored traces [ms]

PARAMS = dict(
    gbar_Na=20.0 * uS,
    gbar_K=6.0 * uS,
    g_leak=0.01 * uS,
    c_m=0.2 * nF,
    v_offset=-63.0 * mV,
    e_rev_Na=50.0 * mV,
    e_rev_K=-90.0 * mV,
    e_rev_leak=-65.0 * mV,
    e_rev_e=0.0 * mV,
    e_rev_i=-80.0 * mV,
    tau_syn_e=0.2 * ms,
    tau_syn_i=2.0 * ms,
    i_offset=0.0 * nA,
)

# PyNN's HH_cond_exp: the rate functions are those of hh_traub.mod with u = v - v_offset.
EQUATIONS = """
dv/dt = (g_leak*(e_rev_leak - v) - gbar_Na*m**3*h*(v - e_rev_Na) - gbar_K*n**4*(v - e_rev_K)
         + ge*(e_rev_e - v) + gi*(e_rev_i - v) + i_offset + i_inj)/c_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
dge/dt = -ge/tau_syn_e : siemens
dgi/dt = -gi/tau_syn_i : siemens
alpha_m = 0.32/mV*(13*mV - v + v_offset)/(exp((13*mV - v + v_offset)/(4*mV)) - 1)/ms : Hz
beta_m = 0.28/mV*(v - v_offset - 40*mV)/(exp((v - v_offset - 40*mV)/(5*mV)) - 1)/ms : Hz
alpha_h = 0.128*exp((17*mV - v + v_offset)/(18*mV))/ms : Hz
beta_h = 4/(1 + exp((40*mV - v + v_offset)/(5*mV)))/ms : Hz
alpha_n = 0.032/mV*(15*mV - v + v_offset)/(exp((15*mV - v + v_offset)/(5*mV)) - 1)/ms : Hz
beta_n = 0.5*exp((10*mV - v + v_offset)/(40*mV))/ms : Hz
i_inj : amp
gbar_Na : siemens (constant)
gbar_K : siemens (constant)
g_leak : siemens (constant)
c_m : farad (constant)
v_offset : volt (constant)
e_rev_Na : volt (constant)
e_rev_K : volt (constant)
e_rev_leak : volt (constant)
e_rev_e : volt (constant)
e_rev_i : volt (constant)
tau_syn_e : second (constant)
tau_syn_i : second (constant)
i_offset : amp (constant)
"""


def simulate(protocol, dt, method):
    """Returns (t [ms], v [mV], gsyn_exc [uS]) at every step, t = 0, dt, ..., T_STOP."""
    b2.start_scope()
    b2.defaultclock.dt = dt * ms
    group = b2.NeuronGroup(1, EQUATIONS, method=method)
    for name, value in PARAMS.items():
        setattr(group, name, value)
    group.v = -65.0 * mV
    group.m = 0.0
    group.h = 1.0
    group.n = 0.0
    group.ge = 0.0 * uS
    group.gi = 0.0 * uS
    group.i_inj = 0.0 * nA
    monitor = b2.StateMonitor(group, ["v", "ge"], record=0, when="end")
    net = b2.Network(group, monitor)
    if protocol == "dc":
        net.run(DC_START * ms)
        group.i_inj = DC_AMPLITUDE * nA
        net.run((T_STOP - DC_START) * ms)
    elif protocol == "psp":
        net.run(PSP_TIME * ms)
        group.ge += PSP_WEIGHT * uS
        net.run((T_STOP - PSP_TIME) * ms)
    else:
        raise ValueError(protocol)
    # The monitor records the state at the end of each step (t = (k+1) dt), so prepend
    # the initial state to index the arrays by step boundary.
    v = np.concatenate([[-65.0], monitor.v[0] / mV])
    ge = np.concatenate([[0.0], monitor.ge[0] / uS])
    t = np.arange(len(v)) * dt
    return t, v, ge


def crossings(t, v, level):
    up = np.nonzero((v[:-1] < level) & (v[1:] >= level))[0]
    frac = (level - v[up]) / (v[up + 1] - v[up])
    return t[up] + frac * (t[up + 1] - t[up])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dt", type=float, default=0.01, help="time step [ms]")
    ap.add_argument("--method", default="rk4", help="Brian2 integration method")
    ap.add_argument("--check", action="store_true", help="also compare with a run at dt/10")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
    args = ap.parse_args()
    b2.prefs.codegen.target = "numpy"  # runtime device; no compiler needed
    os.makedirs(args.out, exist_ok=True)
    every = max(1, int(round(SAMPLE_EVERY_MS / args.dt)))
    header = f"Brian2 {b2.__version__}, method {args.method}, dt {args.dt} ms; generated by gen_hh_reference.py"

    t, v, ge = simulate("dc", args.dt, args.method)
    spikes = crossings(t, v, SPIKE_THRESHOLD)
    np.savetxt(os.path.join(args.out, "hh_brian2_dc_trace.csv"), np.column_stack([t[::every], v[::every]]),
               fmt=["%.4f", "%.6f"], delimiter=",",
               header=f"{header}\nDC {DC_AMPLITUDE} nA from {DC_START} ms\nt_ms,v_mV")
    np.savetxt(os.path.join(args.out, "hh_brian2_dc_spikes.csv"), spikes, fmt="%.6f",
               header=f"{header}\nupward crossings of {SPIKE_THRESHOLD} mV, linearly interpolated\nt_ms")
    print(f"dc: {len(spikes)} spikes at", np.round(spikes, 4))

    tp, vp, gp = simulate("psp", args.dt, args.method)
    np.savetxt(os.path.join(args.out, "hh_brian2_psp_trace.csv"),
               np.column_stack([tp[::every], vp[::every], gp[::every]]), fmt=["%.4f", "%.6f", "%.8f"],
               delimiter=",",
               header=f"{header}\nexcitatory event {PSP_WEIGHT} uS at {PSP_TIME} ms\nt_ms,v_mV,gsyn_exc_uS")
    k0 = int(round(PSP_TIME / args.dt))
    kp = k0 + int(np.argmax(vp[k0:]))
    print(f"psp: v before {vp[k0]:.6f} mV, peak {vp[kp]:.6f} mV at {tp[kp]:.3f} ms, "
          f"amplitude {vp[kp] - vp[k0]:.6f} mV; spikes {len(crossings(tp, vp, SPIKE_THRESHOLD))}")

    if args.check:
        fine_dt = args.dt / 10
        tf, vf, _ = simulate("dc", fine_dt, args.method)
        sf = crossings(tf, vf, SPIKE_THRESHOLD)
        n = min(len(sf), len(spikes))
        print(f"check vs dt={fine_dt}: {len(sf)} spikes, max |dt_spike| = "
              f"{np.max(np.abs(sf[:n] - spikes[:n])):.2e} ms, "
              f"max |dv| = {np.max(np.abs(vf[::10] - v)):.3e} mV, "
              f"rms dv = {np.sqrt(np.mean((vf[::10] - v) ** 2)):.3e} mV")
    return 0


if __name__ == "__main__":
    sys.exit(main())

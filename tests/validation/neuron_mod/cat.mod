: T-type Ca current, nonspecific (does not change cai) (MODEL_NOTES.md 3.6).
NEURON {
  SUFFIX cat
  NONSPECIFIC_CURRENT i
  RANGE gbar
  GLOBAL minf, mtau, hinf, htau
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 0 (S/cm2) erev = 125 (mV) }
STATE { m h }
ASSIGNED { v (mV) i (mA/cm2) minf mtau (ms) hinf htau (ms) }
BREAKPOINT {
  SOLVE states METHOD cnexp
  i = gbar * m * m * h * (v - erev)
}
INITIAL {
  rates(v)
  m = 0  : not minf: the activation starts closed
  h = hinf
}
DERIVATIVE states {
  rates(v)
  m' = (minf - m) / mtau
  h' = (hinf - h) / htau
}
PROCEDURE rates(v (mV)) {
  TABLE minf, mtau, hinf, htau FROM -120 TO 40 WITH 641
  UNITSOFF
  minf = 1 / (1 + exp((-v - 56) / 6.2))
  mtau = 0.204 + 0.333 / (exp((v + 15.8) / 18.2) + exp((-v - 131) / 16.7))
  hinf = 1 / (1 + exp((v + 80) / 4))
  if (v < -81) {
    htau = 0.333 * exp((v + 466) / 66.6)
  } else {
    htau = 9.32 + 0.333 * exp((-v - 21) / 10.5)
  }
  UNITSON
}

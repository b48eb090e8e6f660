: Anomalous rectifier (h-like), nonspecific (MODEL_NOTES.md 3.7).
NEURON {
  SUFFIX ar
  NONSPECIFIC_CURRENT i
  RANGE gbar
  GLOBAL minf, mtau
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 0 (S/cm2) erev = -35 (mV) }
STATE { m }
ASSIGNED { v (mV) i (mA/cm2) minf mtau (ms) }
BREAKPOINT {
  SOLVE states METHOD cnexp
  i = gbar * m * (v - erev)
}
INITIAL {
  rates(v)
  m = 0.25  : fixed, not minf
}
DERIVATIVE states {
  rates(v)
  m' = (minf - m) / mtau
}
PROCEDURE rates(v (mV)) {
  TABLE minf, mtau FROM -120 TO 40 WITH 641
  UNITSOFF
  minf = 1 / (1 + exp((v + 75) / 5.5))
  mtau = 1 / (exp(-14.6 - 0.086 * v) + exp(-1.87 + 0.07 * v))
  UNITSON
}

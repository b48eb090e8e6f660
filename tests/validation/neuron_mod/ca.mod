: High-voltage-activated Ca current (MODEL_NOTES.md 3.3); gbar in pS/um2.
NEURON {
  SUFFIX ca
  USEION ca READ eca WRITE ica
  RANGE gbar
  GLOBAL minf, hinf, mtau, htau
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (pS) = (picosiemens) (um) = (micron) }
PARAMETER {
  gbar = 0.1 (pS/um2)
  temp = 23
  q10 = 2.3
  tshift = 30.7
}
STATE { m h }
ASSIGNED { v (mV) celsius eca (mV) ica (mA/cm2) minf hinf mtau (ms) htau (ms) tadj }
BREAKPOINT {
  SOLVE states METHOD cnexp
  : tadj here too: with the TABLE in use, rates() does not run for every segment
  tadj = q10 ^ ((celsius - temp - tshift) / 10)
  ica = (1e-4) * tadj * gbar * m * m * h * (v - eca)
}
INITIAL { rates(v) m = minf h = hinf }
DERIVATIVE states {
  rates(v)
  m' = (minf - m) / mtau
  h' = (hinf - h) / htau
}
PROCEDURE rates(vm (mV)) {
  LOCAL a, b
  TABLE minf, hinf, mtau, htau DEPEND celsius FROM -120 TO 100 WITH 199
  UNITSOFF
  tadj = q10 ^ ((celsius - temp - tshift) / 10)
  a = 0.055 * (-27 - vm) / (exp((-27 - vm) / 3.8) - 1)
  b = 0.94 * exp((-75 - vm) / 17)
  mtau = 1 / tadj / (a + b)
  minf = a / (a + b)
  a = 0.000457 * exp((-13 - vm) / 50)
  b = 0.0065 / (exp((-vm - 15) / 28) + 1)
  htau = 1 / tadj / (a + b)
  hinf = a / (a + b)
  UNITSON
}

: Ca-activated K current (MODEL_NOTES.md 3.5); gbar in pS/um2.
NEURON {
  SUFFIX kca
  USEION k READ ek WRITE ik
  USEION ca READ cai
  RANGE gbar
  GLOBAL ninf, ntau
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (pS) = (picosiemens) (um) = (micron) (mM) = (milli/liter) }
PARAMETER {
  gbar = 10 (pS/um2)
  caix = 1
  Ra = 0.01 (/ms)
  Rb = 0.02 (/ms)
  temp = 23
  q10 = 2.3
  tshift = 30.7
}
STATE { n }
ASSIGNED { v (mV) celsius ek (mV) cai (mM) ik (mA/cm2) ninf ntau (ms) tadj }
BREAKPOINT {
  SOLVE states METHOD cnexp
  ik = (1e-4) * tadj * gbar * n * (v - ek)
}
INITIAL { rates(cai) n = ninf }
DERIVATIVE states {
  rates(cai)
  n' = (ninf - n) / ntau
}
PROCEDURE rates(c (mM)) {
  LOCAL a
  UNITSOFF
  tadj = q10 ^ ((celsius - temp - tshift) / 10)
  a = Ra * c ^ caix
  ntau = 1 / tadj / (a + Rb)
  ninf = a / (a + Rb)
  UNITSON
}

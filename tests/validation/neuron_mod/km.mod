: Slow muscarinic K current (MODEL_NOTES.md 3.2); gbar in pS/um2.
NEURON {
  SUFFIX km
  USEION k READ ek WRITE ik
  RANGE gbar
  GLOBAL ninf, ntau
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (pS) = (picosiemens) (um) = (micron) }
PARAMETER {
  gbar = 10 (pS/um2)
  tha = -30 (mV)
  qa = 9 (mV)
  Ra = 0.001 (/ms)
  Rb = 0.001 (/ms)
  temp = 23
  q10 = 2.3
  tshift = 30.7
}
STATE { n }
ASSIGNED { v (mV) celsius ek (mV) ik (mA/cm2) ninf ntau (ms) tadj }
BREAKPOINT {
  SOLVE states METHOD cnexp
  : tadj here too: with the TABLE in use, rates() does not run for every segment
  tadj = q10 ^ ((celsius - temp - tshift) / 10)
  ik = (1e-4) * tadj * gbar * n * (v - ek)
}
INITIAL { rates(v) n = ninf }
DERIVATIVE states {
  rates(v)
  n' = (ninf - n) / ntau
}
PROCEDURE rates(v (mV)) {
  LOCAL a, b
  TABLE ninf, ntau DEPEND celsius FROM -120 TO 100 WITH 199
  UNITSOFF
  tadj = q10 ^ ((celsius - temp - tshift) / 10)
  a = Ra * (v - tha) / (1 - exp(-(v - tha) / qa))
  b = -Rb * (v - tha) / (1 - exp((v - tha) / qa))
  ntau = 1 / tadj / (a + b)
  ninf = a / (a + b)
  UNITSON
}

: Na, K delayed rectifier and leak of HNN's cells (MODEL_NOTES.md 3.1).
NEURON {
  SUFFIX hh2
  USEION na READ ena WRITE ina
  USEION k READ ek WRITE ik
  NONSPECIFIC_CURRENT il
  RANGE gnabar, gkbar, gl, el
  GLOBAL minf, hinf, ninf, mtau, htau, ntau
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER {
  gnabar = 0.12 (S/cm2)
  gkbar = 0.036 (S/cm2)
  gl = 0.0003 (S/cm2)
  el = -54.3 (mV)
  temp = 6.3
  tshift = 30.7
}
STATE { m h n }
ASSIGNED {
  v (mV) celsius ena (mV) ek (mV) ina (mA/cm2) ik (mA/cm2) il (mA/cm2)
  minf hinf ninf mtau (ms) htau (ms) ntau (ms)
}
BREAKPOINT {
  SOLVE states METHOD cnexp
  ina = gnabar * m * m * m * h * (v - ena)
  ik = gkbar * n * n * n * n * (v - ek)
  il = gl * (v - el)
}
INITIAL { rates(v) m = minf h = hinf n = ninf }
DERIVATIVE states {
  rates(v)
  m' = (minf - m) / mtau
  h' = (hinf - h) / htau
  n' = (ninf - n) / ntau
}
PROCEDURE rates(v (mV)) {
  LOCAL a, b, s, q
  TABLE minf, mtau, hinf, htau, ninf, ntau DEPEND celsius FROM -100 TO 100 WITH 200
  UNITSOFF
  q = 3 ^ ((celsius - temp - tshift) / 10)
  a = 0.1 * trap(-(v + 40), 10)
  b = 4 * exp(-(v + 65) / 18)
  s = a + b
  mtau = 1 / (q * s)
  minf = a / s
  a = 0.07 * exp(-(v + 65) / 20)
  b = 1 / (exp(-(v + 35) / 10) + 1)
  s = a + b
  htau = 1 / (q * s)
  hinf = a / s
  a = 0.01 * trap(-(v + 55), 10)
  b = 0.125 * exp(-(v + 65) / 80)
  s = a + b
  ntau = 1 / (q * s)
  ninf = a / s
  UNITSON
}
FUNCTION trap(x, y) {
  : x / (exp(x / y) - 1), its limit near x = 0
  if (fabs(x / y) < 1e-6) {
    trap = y * (1 - x / y / 2)
  } else {
    trap = x / (exp(x / y) - 1)
  }
}

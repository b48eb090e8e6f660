: Ca shell below the membrane with decay to cainf (MODEL_NOTES.md 3.4). Inward calcium
: current fills it; outward current does not pump it out.
NEURON {
  SUFFIX cad
  USEION ca READ ica, cai WRITE cai
  RANGE ca, taur
  GLOBAL depth, cainf
}
UNITS { (mA) = (milliamp) (mM) = (milli/liter) (um) = (micron) }
PARAMETER {
  depth = 0.1 (um)
  taur = 200 (ms)
  cainf = 1e-4 (mM)
  F = 96485.3
}
STATE { ca (mM) }
ASSIGNED { ica (mA/cm2) cai (mM) drive (mM/ms) }
INITIAL { ca = cainf cai = ca }
BREAKPOINT { SOLVE state METHOD cnexp }
DERIVATIVE state {
  UNITSOFF
  drive = -10000 * ica / (2 * F * depth)
  if (drive <= 0) { drive = 0 }
  ca' = drive + (cainf - ca) / taur
  cai = ca
  UNITSON
}

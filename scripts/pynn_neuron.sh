#!/usr/bin/env bash
# Makes pyNN.neuron importable on Debian 12 without touching /usr.
#
#   scripts/pynn_neuron.sh [DEST]        # DEST default: build/pynn-neuron
#   export PYTHONPATH=$(scripts/pynn_neuron.sh | tail -1)
#
# Debian's python3-pynn ships PyNN's NMODL sources but not the compiled library that
# pyNN/neuron/simulator.py loads from <pyNN>/neuron/nmodl/x86_64/.libs/libnrnmech.so (a path
# tied to the package location), and Debian's /usr/bin/nrnivmodl cannot build it: it
# looks for /usr/bin/nrnmech_makefile (the file is in /usr/lib/nrn), links against
# /usr/lib (libnrniv.so is in /usr/lib/nrn) and insists on linking the 'special'
# executable, which needs InterViews headers Debian dropped. This script copies the pyNN
# package to DEST/pyNN, writes a corrected copy of nrnivmodl there (makefile and libdir
# in /usr/lib/nrn, target mech_lib_shared only) and compiles PyNN's .mod files with it.
# Idempotent: a second call only checks that the library imports. The last line printed is
# the directory to put first on PYTHONPATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/build/pynn-neuron}"
PY="${PYTHON:-/usr/bin/python3}"
SRC="$("$PY" -c 'import os, pyNN; print(os.path.dirname(pyNN.__file__))' 2>/dev/null)" || {
  echo "pynn_neuron: python3-pynn is not installed (scripts/deps.sh installs it)" >&2
  exit 1
}
NRNIVMODL=/usr/bin/nrnivmodl
MAKEFILE=/usr/lib/nrn/nrnmech_makefile
for f in "$NRNIVMODL" "$MAKEFILE" /usr/lib/nrn/libnrniv.so; do
  [ -e "$f" ] || { echo "pynn_neuron: $f missing (install neuron and neuron-dev)" >&2; exit 1; }
done
mkdir -p "$DEST"
exec 9>"$DEST/.lock"
flock 9  # two callers at once (a test and a benchmark) would delete each other's copy
LIB="$DEST/pyNN/neuron/nmodl/x86_64/.libs/libnrnmech.so"
STAMP="$DEST/.source"
want="$SRC $(stat -c %Y "$SRC/__init__.py") $(stat -c %Y "$NRNIVMODL")"

if [ ! -f "$LIB" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "pynn_neuron: copying $SRC to $DEST/pyNN" >&2
  rm -rf "$DEST/pyNN" "$STAMP"
  mkdir -p "$DEST"
  cp -r "$SRC" "$DEST/pyNN"
  find "$DEST/pyNN" -name __pycache__ -prune -exec rm -rf {} +
  # The fixed nrnivmodl: Debian's script with its three faults corrected.
  fixed="$DEST/nrnivmodl"
  sed -e "s#\"\${bindir}/nrnmech_makefile\"#\"$MAKEFILE\" libdir=/usr/lib/nrn#" \
    -e 's#^  libdir=\${exec_prefix}/lib$#  libdir=/usr/lib/nrn#' \
    -e 's#"LinkCoreNEURON=\$LinkCoreNEURON" special &&#"LinkCoreNEURON=$LinkCoreNEURON" mech_lib_shared \&\&#' \
    -e 's#echo "Successfully created \$MODSUBDIR/special"#echo "Successfully created $MODSUBDIR/.libs/libnrnmech.so"#' \
    "$NRNIVMODL" > "$fixed"
  chmod +x "$fixed"
  for pat in "$MAKEFILE\" libdir=/usr/lib/nrn" "libdir=/usr/lib/nrn" " mech_lib_shared &&"; do
    grep -qF -- "$pat" "$fixed" || {
      echo "pynn_neuron: $NRNIVMODL changed; could not apply the fix '$pat'" >&2
      exit 1
    }
  done
  (cd "$DEST/pyNN/neuron/nmodl" && "$fixed" >"$DEST/nrnivmodl.log" 2>&1) || {
    tail -30 "$DEST/nrnivmodl.log" >&2
    echo "pynn_neuron: compiling PyNN's NMODL failed (log: $DEST/nrnivmodl.log)" >&2
    exit 1
  }
  echo "$want" > "$STAMP"
fi
PYTHONPATH="$DEST${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c 'import pyNN.neuron' >/dev/null 2>&1 || {
  echo "pynn_neuron: 'import pyNN.neuron' fails with PYTHONPATH=$DEST:" >&2
  PYTHONPATH="$DEST" "$PY" -c 'import pyNN.neuron' 2>&1 | tail -5 >&2
  exit 1
}
echo "pynn_neuron: pyNN.neuron imports; use PYTHONPATH=$DEST" >&2
echo "$DEST"

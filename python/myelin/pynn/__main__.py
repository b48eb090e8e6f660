"""Runs a PyNN script on myelin with ``pyNN.myelin`` importable:

    python3 -m myelin.pynn SCRIPT [ARGS ...]

e.g. ``python3 -m myelin.pynn examples/small_network.py myelin --plot-figure`` for PyNN's
own examples, which take the simulator's name as an argument and import
``pyNN.<name>``. The script runs as ``__main__`` with ``sys.argv`` = [SCRIPT, ARGS ...]
and its folder first on ``sys.path``, as ``python3 SCRIPT ARGS`` would run it.
(An installed myelin needs no runner: ``make install`` makes ``pyNN.myelin`` importable
in every Debian python3 process; docs/pynn.md.)
"""

import os
import runpy
import sys

import _myelin_pynn_alias


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    script = argv[0]
    if not os.path.isfile(script):
        print("myelin.pynn: no such script: %s" % script, file=sys.stderr)
        return 2
    _myelin_pynn_alias.install()
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

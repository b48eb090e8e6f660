"""Makes ``import pyNN.myelin`` give the backend ``myelin.pynn``.

PyNN scripts that take the simulator's name on the command line
(``pyNN.utility.get_simulator``, ``exec("from pyNN.%s import *" % name)``) import
``pyNN.<name>``. Debian's pyNN package is not ours to add files to, so this module puts
an import hook in front of the others that answers the one name ``pyNN.myelin`` with the
module ``myelin.pynn`` (the same module object, imported when first asked for; nothing
is imported before). ``make install`` installs it with a ``.pth`` line that imports it
at interpreter start-up; from the build tree, ``python3 -m myelin.pynn SCRIPT ARGS``
runs a script with it (docs/pynn.md).
"""

import importlib
import importlib.abc
import importlib.util
import sys

ALIAS, TARGET = "pyNN.myelin", "myelin.pynn"


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        module = importlib.import_module(TARGET)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module):
        # The import machinery set __spec__ to the alias's; the module keeps its own
        # (its relative imports and pickling name myelin.pynn).
        module.__spec__ = self._own_spec


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS:
            return None
        return importlib.util.spec_from_loader(fullname, _Loader())


def install():
    """Put the hook first on sys.meta_path (once)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


install()

"""myelin: Python-side tools for the myelin simulation engine (plotting of run outputs)."""

__version__ = "0.1.0"

"""hnn_core.cell's names: Cell and Section are defined in myelin.hnn.cells (read from
the engine's cell templates)."""
from myelin.hnn.cells import Cell, Section

__all__ = ["Cell", "Section"]

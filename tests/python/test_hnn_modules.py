"""hnn_core's module paths and top-level names as scripts import them, on myelin.hnn:
`from hnn_core.dipole import simulate_dipole` (where HNN-core defines it),
`hnn_core.parallel_backends`, `hnn_core.cell`, `hnn_core.cells_default` (`pyramidal`,
`basket`, `pyramidal_ca`), and the files CellResponse.write / Dipole.write announce."""
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python"))
import myelin.hnn as hnn  # noqa: E402
from myelin import _core  # noqa: E402


def test_simulate_dipole_from_dipole_module():
    from myelin.hnn.dipole import simulate_dipole
    assert simulate_dipole is hnn.simulate_dipole
    import myelin.hnn.dipole as dipole
    with pytest.raises(AttributeError, match="no attribute 'simulate_dipol'"):
        dipole.simulate_dipol


def test_parallel_backends_module():
    from myelin.hnn.parallel_backends import JoblibBackend, MPIBackend
    assert MPIBackend is hnn.MPIBackend and JoblibBackend is hnn.JoblibBackend
    with MPIBackend(n_procs=2) as backend:
        assert backend.n_procs == 2


def test_cells_default():
    from myelin.hnn.cell import Cell, Section
    from myelin.hnn.cells_default import basket, pyramidal
    assert hnn.pyramidal is pyramidal and hnn.basket is basket and hnn.Cell is Cell
    l5 = pyramidal("L5_pyramidal", pos=(1.0, 2.0, 3.0), gid=7)
    assert isinstance(l5, Cell) and isinstance(l5.sections["soma"], Section)
    assert (l5.name, l5.pos, l5.gid) == ("L5_pyramidal", (1.0, 2.0, 3.0), 7)
    # HNN's L5 and L2/3 pyramidal somata (MODEL_NOTES 2.2, 2.3; diameters as NEURON's
    # float 3D points hold them)
    assert (l5.sections["soma"].L, l5.sections["soma"].diam) == (39.0, pytest.approx(28.9))
    assert len(l5.sections) == 9 and l5.sect_loc["distal"] == ["apical_tuft"]
    l2 = pyramidal("L2_pyramidal")
    assert (l2.sections["soma"].L, l2.sections["soma"].diam, l2.gid) == \
        (pytest.approx(22.1), pytest.approx(23.4), None)
    b = basket("L5_basket", gid=3)
    assert list(b.sections) == ["soma"] and b.gid == 3 and "distal" not in b.sect_loc
    with pytest.raises(ValueError, match="Unknown basket cell type: L5_pyramidal"):
        basket("L5_pyramidal")
    with pytest.raises(ValueError, match="Unknown pyramidal cell type: L2Pyr"):
        pyramidal("L2Pyr")
    with pytest.raises(ValueError, match="override_params"):
        pyramidal("L5_pyramidal", override_params={"L5Pyr_soma_L": 40.0})


@pytest.mark.skipif("L5_pyramidal_calcium" not in _core.cell_types(),
                    reason="needs the engine's calcium_model L5 cell type")
def test_pyramidal_ca():
    from myelin.hnn.cells_default import pyramidal_ca
    cell = pyramidal_ca("L5_pyramidal", (0, 0, 0))
    assert cell.engine_type == "L5_pyramidal_calcium" and cell.name == "L5_pyramidal"
    # calcium_model's L5 pyramidal cell object is the same template
    net = hnn.calcium_model(mesh_shape=(3, 3))
    assert net.cell_types["L5_pyramidal"]["cell_object"].engine_type == cell.engine_type


def test_writes_announce_their_files(tmp_path, capsys):
    response = hnn.CellResponse(spike_times=[[1.0], [2.0]], spike_gids=[[0], [1]],
                                spike_types=[["L2_basket"], ["L2_basket"]])
    response.write(str(tmp_path / "spk_%d.txt"))
    assert capsys.readouterr().out.splitlines() == [
        f"Writing file {tmp_path}/spk_0.txt", f"Writing file {tmp_path}/spk_1.txt"]
    dpl = hnn.Dipole(np.arange(0.0, 1.0, 0.25), np.zeros((4, 3)))
    dpl.write(str(tmp_path / "dpl.hdf5"))
    assert capsys.readouterr().out == f"Writing file {tmp_path}/dpl.hdf5\n"
    dpl.write(str(tmp_path / "dpl.txt"))  # hnn-core writes .txt files silently
    assert capsys.readouterr().out == ""

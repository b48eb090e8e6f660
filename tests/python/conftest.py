import os
import pathlib
import signal
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("MYELIN_BUILD_DIR", ROOT / "build"))
# myelin.hnn's drives take the engine's streams in the tests (the bit-for-bit checks
# against the command line need them); test_hnn_drive_times.py sets hnn-core's itself.
os.environ.pop("MYELIN_HNN_DRIVE_TIMES", None)

# A shell that starts the tests in the background leaves SIGINT ignored, children
# inherit that, and the engine (rightly) keeps an ignored SIGINT ignored: the interrupt
# tests would then wait in vain. With a handler here, every child starts with the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def myelin_bin():
    exe = BUILD / "bin" / "myelin"
    if not exe.exists():
        pytest.skip(f"{exe} not built (run make build)")
    return str(exe)


@pytest.fixture
def pynn_sim():
    """myelin.pynn set up with a 0.1 ms step for one test, ended after it (the PyNN test
    files use it for every test: pytestmark = pytest.mark.usefixtures("pynn_sim"))."""
    import sys
    sys.path.insert(0, str(BUILD / "python"))
    import myelin.pynn as sim
    sim.setup(timestep=0.1)
    yield sim
    sim.end()


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def net3x3(tmp_path_factory):
    """HNN's column on a 3x3 grid with one proximal drive, 60 ms (models/generate_hnn.py)."""
    path = tmp_path_factory.mktemp("hnn") / "net3x3.json"
    subprocess.run(["/usr/bin/python3", str(ROOT / "models" / "generate_hnn.py"), "--grid", "3",
                    "3", "--drives", "evprox1", "--tstop", "60", "-o", str(path)], check=True)
    return path


@pytest.fixture(autouse=True)
def _close_figures():
    """Figures a test leaves open are closed after it (matplotlib warns past 20 open)."""
    yield
    import sys
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")

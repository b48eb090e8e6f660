import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("MYELIN_BUILD_DIR", ROOT / "build"))


@pytest.fixture(scope="session")
def myelin_bin():
    exe = BUILD / "bin" / "myelin"
    if not exe.exists():
        pytest.skip(f"{exe} not built (run make build)")
    return str(exe)


@pytest.fixture(scope="session")
def root():
    return ROOT

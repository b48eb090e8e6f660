"""`myelin plot DIR` on a real run: valid PNGs of sensible size; clear error otherwise."""
import subprocess

import matplotlib.image as mpimg


def test_plot_writes_pngs(myelin_bin, root, tmp_path):
    out = tmp_path / "run"
    subprocess.run([myelin_bin, "run", str(root / "models/cuba.json"), "-o", str(out), "--tstop",
                    "100", "-q"], check=True)
    p = subprocess.run([myelin_bin, "plot", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    for name in ("raster.png", "rates.png", "traces.png"):
        img = mpimg.imread(out / name)
        assert img.shape[0] > 200 and img.shape[1] > 500
        assert img[..., :3].std() > 0.01  # not a blank canvas
    assert not list(out.glob("*.tmp*"))


def test_plot_missing_directory(myelin_bin, tmp_path):
    p = subprocess.run([myelin_bin, "plot", str(tmp_path / "none")], capture_output=True, text=True)
    assert p.returncode == 1 and "spikes.h5 missing" in p.stderr

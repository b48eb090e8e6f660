"""Running the `myelin` command in tests: one process, or ranks under mpirun."""
import os
import shutil
import subprocess

MPIRUN = shutil.which("mpirun")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")


def run(exe, *args, check=True, ranks=1, env=None, timeout=300):
    """Runs `exe args...` (under mpirun with `ranks` > 1, with `env` added to the
    environment); with check, a failure raises with the command's stderr."""
    cmd = [exe, *map(str, args)]
    if ranks > 1:
        cmd = [MPIRUN, "--oversubscribe", "-np", str(ranks), *cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=dict(ENV, **(env or {})))
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return p

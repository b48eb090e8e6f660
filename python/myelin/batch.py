"""myelin.run_batch: batches of runs (parameter sweeps, trials; docs/batch.md) from
Python, over the engine's batch library (what `myelin batch` runs)."""

import sys

from myelin import _core


def run_batch(sweep, dir, jobs=0, threads=1, keep="", overwrite=False, reuse=True,
              progress=False):
    """Runs a sweep (a sweep file's path, or its content as a dict) into the directory
    `dir` and returns dict(rows=[...], failed, interrupted, files), one row per run with
    its varied values and summary columns (help(myelin._core.run_batch) has the details).

    progress: False, True (a line on stderr after each run) or a callable
    progress(done, total, failed, elapsed_s, eta_s). Ctrl-C stops the batch once the
    runs in progress end; run it again with the same arguments to finish it."""
    if progress is True:
        def progress(done, total, failed, elapsed, eta):
            left = f", {eta:.0f} s left" if eta >= 0 else ""
            sys.stderr.write(f"\rbatch: {done}/{total} runs, {failed} failed, "
                             f"{elapsed:.1f} s{left}   ")
            sys.stderr.flush()
            if done == total:
                sys.stderr.write("\n")
    elif progress is False:
        progress = None
    return _core.run_batch(sweep, str(dir), jobs=jobs, threads=threads, keep=keep,
                           overwrite=overwrite, reuse=reuse, progress=progress)

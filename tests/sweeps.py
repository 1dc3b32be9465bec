"""Helpers for tests that run the ``referral-sim`` command: tiny sweeps into ``tmp_path``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TINY = ["network.n=600", "days=20", "run.replicates=3"]

BUILDS_COUNTED = """
import atexit, sys
import sim.model
built = []
init = sim.model.ReferralModel.__init__
def counted(self, config, replicate=0, *args, **kwargs):
    built.append((config.referral.name, replicate))
    init(self, config, replicate, *args, **kwargs)
sim.model.ReferralModel.__init__ = counted
atexit.register(lambda: print("built", sorted(built), file=sys.stderr))
"""
"""Prints, as the process exits, each (referral scheme, replicate) it built a model for."""


def cli_process(
    *arguments: str, cwd: Path, prelude: str = "", timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the command line in a fresh interpreter, after ``prelude`` (e.g. a fault injected)."""
    code = f"{prelude}\nimport sys\nfrom sim.cli import main\nsys.argv[0] = 'referral-sim'\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def referral_sim(*arguments: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the command line in a fresh interpreter; fail the test on a non-zero exit."""
    result = cli_process(*arguments, cwd=cwd, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def sweep(
    folder: Path, *arguments: str, launcher: str | None = None
) -> subprocess.CompletedProcess:
    """A multirun of ``arguments`` (with the tiny market) into ``folder``."""
    extra = [f"hydra/launcher={launcher}"] if launcher else []
    return referral_sim(
        "-m", *arguments, *TINY, f"hydra.sweep.dir={folder}", *extra, cwd=folder.parent
    )

"""Which code produced a result: a fingerprint of the simulator's source files.

Cached results (a sweep's finished jobs, a study's configurations) are reused only when both
the configuration and this fingerprint match, so results of an older engine are never mixed
with new ones. The modules that only read, summarise or draw results (:data:`NOT_ENGINE`) are
left out: until 4 Dec 2026 only the dashboard was, so a new legend in the report made every
finished result "another code version", recomputed on resume and flagged as mixed in a
report. None of them is imported by the modules that make results (a test checks).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import platform
import subprocess
from pathlib import Path

PACKAGE = Path(__file__).parent
NOT_ENGINE = (
    "dashboard",
    "charts.py",
    "compare.py",
    "failures.py",
    "notes.py",
    "paramdoc.py",
    "planned.py",
    "report.py",
    "results.py",
    "summary.py",
    "table.py",
    "theory.py",
)
"""Files and subpackages of ``sim/`` that read, summarise, document or draw results."""


def _engine_files() -> list[Path]:
    return [
        file
        for file in sorted(PACKAGE.rglob("*.py"))
        if file.relative_to(PACKAGE).parts[0] not in NOT_ENGINE
    ]


@functools.cache
def code_fingerprint(*extra: Path) -> str:
    """SHA-256 over the simulator's source files (and ``extra`` files), names and contents."""
    digest = hashlib.sha256()
    for file in [*_engine_files(), *extra]:
        digest.update(f"{file.parent.name}/{file.name}\n".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


SOFTWARE = ("referral-sim", "numpy", "pandas", "pyarrow", "networkx", "mesa", "hydra-core")
"""The distributions whose versions a job records (with Python's) for a methods section."""


@functools.cache
def software_versions() -> dict[str, str]:
    """Python's version and each of :data:`SOFTWARE`'s installed versions ("" if missing)."""
    versions = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = ""
    return versions


@functools.cache
def source_commit() -> str:
    """The git commit the simulator's package (``sim/``) is checked out at, "" outside git.

    ``+edits`` follows it when tracked files of ``sim/`` differ from that commit (the results
    then came from code no commit holds); ``code`` in ``job.json`` fingerprints the engine
    either way. Recorded since 4 Dec 2026, with :func:`software_versions`: a researcher's
    walkthrough found only digests in ``job.json``, nothing a methods section could cite.
    """

    def git(*arguments: str) -> str:  # no optional locks: sweep workers run it side by side
        return subprocess.run(
            ["git", "--no-optional-locks", "-C", str(PACKAGE), *arguments],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip

    try:  # sim/ itself tracked: not a copy installed in an ignored folder of another work tree
        git("ls-files", "--error-unmatch", "--", Path(__file__).name)
        commit = git("rev-parse", "HEAD")
        edited = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    except (OSError, subprocess.SubprocessError):  # no git, or not a work tree
        return ""
    return commit + ("+edits" if edited else "")

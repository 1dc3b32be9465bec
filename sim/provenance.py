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

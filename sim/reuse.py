"""A job asked for more or fewer replicates takes those a finished job of its configuration holds.

Replicate ``r`` of a configuration is the same run whatever the job's replicate count: each
replicate draws from its own random streams (:class:`sim.rng.Streams`). So after ``-m
referral=none,two_sided run.replicates=200``, the same sweep with ``run.replicates=500`` runs
replicates 200-499 only, and with ``run.replicates=50`` runs none. Such jobs are one *family*
(:func:`sim.jobs.family`): the same configuration but for ``run.replicates``, the same code and
the same numpy (numpy may change a stream between versions).

The finished job's rows are written into the new job's kept replicates
(:func:`sim.jobs.replicates_folder`, one file each), where :func:`sim.runner.run` reads them
back as it reads a resumed job's: a job killed after that resumes from them even if the finished
job has gone meanwhile. The finished job is read, never changed: it stays where it was (in
``earlier/``, where the new job's folder kept it aside).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim import jobs
from sim.runner import keep, outcome_of


def source_of(family_of_job: str, candidates: list[Path]) -> Path | None:
    """The first of ``candidates`` holding finished results of this family, None if none does."""
    for folder in candidates:
        record = jobs.read_record(folder / jobs.JOB)
        if record.get("family") == family_of_job and jobs.has_results(folder):
            return folder
    return None


def take_replicates(source: Path, kept: Path, count: int) -> int:
    """Keep in ``kept`` those of replicates ``0..count-1`` that ``source``'s tables hold.

    Replicates kept there already are left as they are.

    Returns:
        How many replicates were taken from ``source``.

    Raises:
        OSError, pyarrow.ArrowException: ``source`` could not be read (removed meanwhile, or
            damaged); replicates taken before the error stay kept.

    """
    tables = _tables_without_parameters(source)
    held = set(tables["metrics"]["replicate"].tolist())
    wanted = [r for r in range(count) if r in held and not (kept / jobs.KEPT.format(r)).is_file()]
    by_replicate = {name: _by_replicate(frame) for name, frame in tables.items()}
    for replicate in wanted:
        parts = {name: rows(replicate) for name, rows in by_replicate.items()}
        keep(kept / jobs.KEPT.format(replicate), outcome_of(replicate, parts))
    return len(wanted)


def _tables_without_parameters(folder: Path) -> dict[str, pd.DataFrame]:
    """A finished job's tables, without the columns of the parameters its command named."""
    parameters = list(jobs.read_record(folder / jobs.JOB).get("parameters", {}))
    tables = {}
    for name in jobs.TABLES:
        if (folder / f"{name}.parquet").is_file():
            frame = pd.read_parquet(folder / f"{name}.parquet")
            tables[name] = frame.drop(columns=[c for c in parameters if c in frame.columns])
    return tables


def _by_replicate(frame: pd.DataFrame):
    """A function giving a table's rows of one replicate (none: an empty table of its columns).

    A table without a ``replicate`` column (the file's ids) is given whole.
    """
    if "replicate" not in frame.columns:
        return lambda replicate: frame
    groups = {int(r): rows for r, rows in frame.groupby("replicate", sort=False)}
    return lambda replicate: groups.get(replicate, frame.iloc[0:0])

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

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from sim import jobs
from sim.runner import keep, outcome_of


class SourceUnreadable(Exception):
    """A finished job's tables could not be read whole (moved or cleared meanwhile, damaged)."""


def sources_of(family: str, candidates: list[Path]) -> list[Path]:
    """The ``candidates`` holding finished results of this family, most replicates first."""
    found = []
    for folder in dict.fromkeys(candidates):
        if jobs.read_record(folder / jobs.JOB).get("family") == family:
            with contextlib.suppress(Exception):  # cleared meanwhile, or damaged: not a source
                found.append((-_replicates_in(folder), folder))
    return [folder for _, folder in sorted(found, key=lambda pair: pair[0])]


def missing(kept: Path, count: int) -> list[int]:
    """Those of replicates ``0..count-1`` that are not kept in ``kept``."""
    return [r for r in range(count) if not (kept / jobs.KEPT.format(r)).is_file()]


def take_replicates(source: Path, kept: Path, count: int, family: str) -> int:
    """Keep in ``kept`` those of replicates ``0..count-1`` that ``source``'s tables hold.

    Replicates kept there already are left as they are. ``source`` must hold a job of
    ``family`` as it is read (its own job may have rewritten it since it was found).

    Returns:
        How many replicates were taken from ``source``.

    Raises:
        SourceUnreadable: ``source``'s tables could not be read whole (moved, cleared or
            rewritten meanwhile by another job, or damaged); nothing was taken from it.
        OSError: ``kept`` could not be written (a full disk); replicates taken before stay.

    """
    try:
        tables = _whole_tables(source, family)
    except SourceUnreadable:
        raise
    except Exception as error:
        raise SourceUnreadable(f"{type(error).__name__}: {error}") from error
    held = set(tables["metrics"]["replicate"].tolist())
    wanted = [r for r in missing(kept, count) if r in held]
    by_replicate = {name: _by_replicate(frame) for name, frame in tables.items()}
    for replicate in wanted:
        parts = {name: rows(replicate) for name, rows in by_replicate.items()}
        keep(kept / jobs.KEPT.format(replicate), outcome_of(replicate, parts))
    return len(wanted)


def _replicates_in(folder: Path) -> int:
    """How many replicates a finished job holds (its ``metrics.parquet`` footer's row count)."""
    import pyarrow.parquet as pq

    return pq.read_metadata(folder / jobs.METRICS).num_rows


def _whole_tables(folder: Path, family: str) -> dict[str, pd.DataFrame]:
    """Every table a finished job of ``family`` wrote, without parameter columns.

    The tables its ``job.json`` lists are all opened, then the job is checked to be still
    there, unchanged: a job cleared or moved by another meanwhile (``metrics.parquet`` goes
    first) raises rather than give some tables of it. Open files are read whole even if the
    folder is cleared after that.

    Raises:
        SourceUnreadable: not a job of ``family`` (any longer), a table is missing, or the job
            changed while its tables were opened.

    """
    record = jobs.read_record(folder / jobs.JOB)
    if record.get("family") != family:
        raise SourceUnreadable("rewritten meanwhile by a job of another configuration")
    names = record.get("tables")
    if not isinstance(names, list) or "metrics" not in names:
        raise SourceUnreadable("its job.json lists no tables")
    with contextlib.ExitStack() as files:
        try:
            opened = {name: files.enter_context(_open(folder, name)) for name in names}
        except FileNotFoundError as error:
            raise SourceUnreadable(f"missing {error.filename}") from error
        if not jobs.has_results(folder) or jobs.read_record(folder / jobs.JOB) != record:
            raise SourceUnreadable("moved, cleared or rewritten meanwhile")
        return {name: _own_columns(pd.read_parquet(file)) for name, file in opened.items()}


def _open(folder: Path, name: str) -> BinaryIO:
    """A job's table ``name``, opened (it stays readable if the folder is cleared)."""
    return (folder / f"{name}.parquet").open("rb")


def _own_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A table without the parameter columns that lead it (whichever command wrote them).

    A job's tables start with its parameters, then ``replicate`` (the file's ids: ``consumer``).
    Relabelling a job (:func:`sim.jobs.relabel`) rewrites its tables one by one, so a table of a
    job killed midway may lead with parameters its ``job.json`` does not name.
    """
    first = "replicate" if "replicate" in frame.columns else "consumer"
    return frame.loc[:, first:]


def _by_replicate(frame: pd.DataFrame) -> Callable[[int], pd.DataFrame]:
    """A function giving a table's rows of one replicate (none: an empty table of its columns).

    A table without a ``replicate`` column (the file's ids) is given whole.
    """
    if "replicate" not in frame.columns:
        return lambda replicate: frame
    groups = {int(r): rows for r, rows in frame.groupby("replicate", sort=False)}
    return lambda replicate: groups.get(replicate, frame.iloc[0:0])

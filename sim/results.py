"""The results store: the Parquet files of finished jobs, read through DuckDB.

A run folder, a multirun (sweep) folder, a folder of several sweeps, or a list of any of these
all read the same way::

    import sim
    frame = sim.results.load("multirun/compare_schemes")           # metrics, one row per replicate
    series = sim.results.load("multirun/compare_schemes", "timeseries")
    frame.attrs["parameters"]                                      # e.g. ['referral']
    rel = sim.results.relation("multirun/compare_schemes")         # a DuckDB relation, for SQL
    rel.aggregate("referral, avg(cac)").df()

Only finished jobs are read (a job is finished once its ``metrics.parquet`` exists; see
:mod:`sim.jobs`), so loading while a sweep still runs is safe: files are written under a
temporary name and renamed, and only final names are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from sim.jobs import JOB, METRICS, natural_order, read_record

TABLES = ("metrics", "timeseries", "cascades", "referrals")
PathLike = str | Path


class ResultsError(FileNotFoundError):
    """No results where some were expected."""


def job_folders(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """The folders of finished jobs under ``paths`` (each a run, a sweep or a parent folder).

    Raises:
        ResultsError: a path does not exist or is a file, or there is no finished job under
            any of them.

    """
    roots = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    folders = []
    for root in roots:
        check_folder(root)
        folders += sorted((m.parent for m in root.rglob(METRICS)), key=natural_order)
    if not folders:
        listed = ", ".join(str(r) for r in roots)
        raise ResultsError(f"no finished job ({METRICS}) under {listed}: nothing to load")
    return list(dict.fromkeys(f.resolve() for f in folders))


def check_folder(root: Path) -> None:
    """Check that ``root`` is a folder that exists.

    Raises:
        ResultsError: naming the path, and for a file the folder that holds it.

    """
    if root.is_file():
        raise ResultsError(
            f"{root} is a file, not a results folder: give the run or sweep folder that "
            f"holds it ({root.parent}) or a parent of several"
        )
    if not root.is_dir():
        raise ResultsError(f"no such results folder: {root} does not exist")


def parameters(folders: Iterable[Path]) -> list[str]:
    """The parameter names of these jobs, in first-seen order (from each ``job.json``)."""
    names: dict[str, None] = {}
    for folder in folders:
        names.update(dict.fromkeys(read_record(folder / JOB).get("parameters", {})))
    return list(names)


def relation(
    paths: PathLike | Iterable[PathLike],
    table: str = "metrics",
    connection: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation over one table of every finished job under ``paths``.

    Columns: the job's parameters, ``job`` (its folder), then the table's own columns. Jobs
    with different parameters are unioned by column name (missing values are NULL).

    Args:
        paths: run, sweep or parent folders.
        table: ``metrics``, ``timeseries``, ``cascades`` or ``referrals``.
        connection: a DuckDB connection (default: a new in-memory one).

    Raises:
        ValueError: for an unknown table.
        ResultsError: when there is nothing to read.

    """
    if table not in TABLES:
        raise ValueError(f"unknown results table {table!r}; choose one of {', '.join(TABLES)}")
    folders = job_folders(paths)
    files = [str(f / f"{table}.parquet") for f in folders if (f / f"{table}.parquet").is_file()]
    if not files:
        raise ResultsError(f"the finished jobs have no {table}.parquet (see run.save_referrals)")
    connection = connection or duckdb.connect()
    raw = connection.read_parquet(files, union_by_name=True, filename=True)
    names = parameters(folders)
    columns = [c for c in raw.columns if c != "filename"]
    leading = [c for c in names if c in columns]
    rest = [c for c in columns if c not in leading]
    selected = [_quote(c) for c in leading]
    selected.append("regexp_replace(filename, '/[^/]*$', '') AS job")
    selected += [_quote(c) for c in rest]
    return raw.project(", ".join(selected))


def load(paths: PathLike | Iterable[PathLike], table: str = "metrics") -> pd.DataFrame:
    """One table of every finished job under ``paths`` as a DataFrame.

    ``frame.attrs["parameters"]`` lists the parameter columns (the keys overridden on the
    command line or by the sweeper), and :func:`swept` those that vary.
    """
    folders = job_folders(paths)
    frame = relation(folders, table).df()
    order = {str(folder): position for position, folder in enumerate(folders)}
    frame = frame.sort_values("job", key=lambda jobs: jobs.map(order), kind="stable")
    frame = frame.reset_index(drop=True)
    frame.attrs["parameters"] = [c for c in parameters(folders) if c in frame.columns]
    return frame


def swept(frame: pd.DataFrame) -> list[str]:
    """The parameter columns of ``frame`` that take more than one value."""
    names = frame.attrs.get("parameters", [])
    return [c for c in names if frame[c].nunique(dropna=False) > 1]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

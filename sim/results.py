"""The results store: the Parquet files of finished jobs, read through DuckDB.

A run folder, a multirun (sweep) folder, a folder of several sweeps, or a list of any of these
all read the same way::

    import sim
    frame = sim.results.load("multirun/compare_schemes")           # metrics, one row per replicate
    series = sim.results.load("multirun/compare_schemes", "timeseries")
    frame.attrs["parameters"]                                      # e.g. ['referral']
    rel = sim.results.relation("multirun/compare_schemes")         # a DuckDB relation, for SQL
    rel.aggregate("referral, sum(spend_acquisition) / sum(customers) AS cac").df()  # pooled

Only finished jobs are read (a job is finished once its ``metrics.parquet`` exists; see
:mod:`sim.jobs`), so loading while a sweep still runs is safe: files are written under a
temporary name and renamed, and only final names are read.
"""

from __future__ import annotations

import difflib
import json
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from sim.console import LISTED, listed
from sim.failures import EXIT_BAD_INPUT, sweep_exit_code
from sim.jobs import (
    CONFIG,
    FAILED,
    FILES,
    JOB,
    METRICS,
    TABLES,
    has_results,
    natural_order,
    read_record,
)

if TYPE_CHECKING:  # imported where it reads: every job imports this module (through sim) but
    import duckdb  # reads nothing with it, and importing it took some 0.2 s of each job's start

PathLike = str | Path


class ResultsError(FileNotFoundError):
    """No results where some were expected."""


def job_folders(paths: PathLike | Iterable[PathLike], say_failed: bool = True) -> list[Path]:
    """The folders of finished jobs under ``paths`` (each a run, a sweep or a parent folder).

    Jobs that failed (``failed.json``, no results) are not among them; with ``say_failed`` a
    :class:`FailedJobsWarning` names them (and the error, when no job finished), so a setting
    is never left out of a frame without a word (until 3 Dec 2026 only the report said so).

    Raises:
        ResultsError: a path does not exist or is a file, or there is no finished job under
            any of them.

    """
    # b"x", None, 3: refused by _root (bytes were taken for folders 120, ... until 4 Dec 2026)
    alone = isinstance(paths, str | bytes | bytearray | Path) or not isinstance(paths, Iterable)
    roots = [_root(path) for path in ([paths] if alone else list(paths))]
    if not roots:
        raise ResultsError("no results folder given (an empty list): nothing to load")
    folders = []
    for root in roots:
        check_folder(root)
        found = (
            m.parent for m in found_under(root, METRICS) if not in_hidden_folder(m.parent, root)
        )
        folders += sorted(found, key=natural_order)
    failures = [
        failed_jobs_note(root, failed, "the results read")
        for root in (roots if say_failed else [])
        if (failed := failed_jobs(root))
    ]
    if not folders:
        where = ", ".join(str(r) for r in roots)
        said = f"no finished job ({METRICS}) under {where}: nothing to load"
        if failures:
            raise ResultsError(" ".join([f"{said}.", *failures]))
        failed = any(failed_jobs(root) for root in roots)  # said by the caller: no hint
        raise ResultsError(said if failed else said + NO_JOBS)
    for failure in failures:
        warnings.warn(failure, FailedJobsWarning, stacklevel=3)  # the caller of load
    return distinct_jobs(list(dict.fromkeys(f.resolve() for f in folders)))


NO_JOBS = (
    f" (each job writes its {METRICS} when it finishes: give the folder a run or sweep printed "
    "on its `results:` lines, or wait for a sweep still running)"
)
"""Said of a folder with no finished job and no failed one: what would be there, and where."""


def _root(path: object) -> Path:
    """A folder given to read: ``~`` expanded; an empty string or a non-path refused."""
    if not isinstance(path, str | Path) or path == "":
        raise ResultsError(
            f"a results folder is a path (a run, a sweep or a parent of several), not {path!r}"
        )
    return Path(path).expanduser()


class FailedJobsWarning(UserWarning):
    """Jobs under the folders read failed: their settings are not in what was read."""


def failed_jobs(folder: Path) -> dict[Path, dict]:
    """Failure records of the jobs under ``folder`` that have no results, in job order.

    Jobs in hidden folders (a study's ``.cache``, a job being kept or taken) are left out, as
    :func:`load` leaves out their results.
    """
    records = found_under(folder, FAILED) if folder.is_dir() and not has_results(folder) else []
    failed = {
        r.parent
        for r in records
        if not has_results(r.parent) and not in_hidden_folder(r.parent, folder)
    }
    ordered = sorted(failed, key=natural_order)
    return {job: read_record(job / FAILED) for job in ordered}


def failed_jobs_note(folder: Path, failed: dict[Path, dict], where: str) -> str:
    """A note on the jobs that failed: which, not in ``where``, and whether running again helps."""
    names = job_names(folder, failed)
    jobs_text = "1 failed job is" if len(failed) == 1 else f"{len(failed)} failed jobs are"
    if sweep_exit_code(failed) == EXIT_BAD_INPUT:  # every one of them: bad input
        advice = "fix the values it names, then run the sweep's command again"
    elif any(record.get("exit_code") == EXIT_BAD_INPUT for record in failed.values()):
        advice = "fix the values named there; running the sweep's command again retries the rest"
    else:
        advice = "running the sweep's command again retries them"
    return (
        f"{jobs_text} not in {where}: {listed(names)}. Each folder's failed.json says why; "
        f"{advice}."
    )


def job_names(folder: Path, jobs: Iterable[Path]) -> list[str]:
    """Each job as the notes name it: its folder relative to ``folder`` (``.`` for itself).

    The jobs a note shows (:data:`sim.console.LISTED`) also say their setting, the overrides
    that set them apart from the other jobs of their sweep: ``2 (referral=tiered)``. Until 3
    Dec 2026 a note said only ``2``, and which setting was missing took opening the folder.
    """
    jobs = list(jobs)
    shared: dict[Path, set[str] | None] = {}  # per sweep folder, read once for all its jobs
    shown = [_setting_named(folder, job, shared) for job in jobs[:LISTED]]
    return shown + [str(job.relative_to(folder)) for job in jobs[LISTED:]]


def _setting_named(folder: Path, job: Path, shared: dict[Path, set[str] | None]) -> str:
    if job == folder:  # a single run: the folder asked about
        return "."
    if job.parent not in shared:
        shared[job.parent] = shared_overrides(job.parent)
    own = [o for o in read_overrides(job / OVERRIDES) if o not in (shared[job.parent] or set())]
    name = str(job.relative_to(folder))
    return f"{name} ({' '.join(own)})" if own else name


OVERRIDES = Path(".hydra") / "overrides.yaml"
"""Where Hydra records a job's overrides of the configuration (its command line's, as given)."""


def shared_overrides(sweep: Path) -> set[str] | None:
    """The overrides every job of ``sweep`` holds: what sets none of them apart.

    Its jobs are those with a folder and those of its record of planned jobs
    (:mod:`sim.planned`), started or not: until 4 Dec 2026 a sweep of ``referral=none,two_sided
    seed=0,1,2`` stopped after its ``none`` jobs named its unfinished job ``2 (seed=2)``, as
    only ``none`` jobs had folders. None when fewer than two jobs record theirs (a job alone
    is named with all of its own).
    """
    from sim.planned import read_plan  # which reads this module

    records = [set(read_overrides(record)) for record in sweep.glob(f"*/{OVERRIDES}")]
    records += [set(job.overrides) for job in read_plan(sweep) or []]
    return set.intersection(*records) if len(records) > 1 else None


def read_overrides(record: Path) -> list[str]:
    """The overrides a job's ``.hydra/overrides.yaml`` lists (a YAML list); [] if unreadable."""
    try:
        overrides = yaml.safe_load(record.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return []
    return [str(o) for o in overrides] if isinstance(overrides, list) else []


def found_under(root: Path, name: str) -> list[Path]:
    """The files and folders named ``name`` under ``root``, through symbolic links too.

    A parent folder of links to sweeps (``pair/a -> multirun/a``) is read like one of copies:
    until 4 Dec 2026 it held "no finished job" (``Path.rglob`` follows no link before Python
    3.13). Each real folder is read once, so a link to a folder above it ends no loop.
    """
    seen, found = set(), []
    for parent, folders, files in os.walk(root, followlinks=True):
        real = os.stat(parent)
        if (real.st_dev, real.st_ino) in seen:
            folders.clear()
            continue
        seen.add((real.st_dev, real.st_ino))
        if name in files or name in folders:
            found.append(Path(parent) / name)
    return found


def started_jobs(folder: Path) -> list[Path]:
    """The job folders Hydra started under ``folder`` (their ``.hydra/``), hidden ones left out.

    Results being kept or taken (``earlier/.x.staging``, a study's ``.cache``) are no job of
    the folder's own.
    """
    started = {h.parent for h in found_under(folder, ".hydra") if h.is_dir()}
    return [job for job in started if not in_hidden_folder(job, folder)]


def in_hidden_folder(folder: Path, root: Path) -> bool:
    """Whether ``folder`` lies in a hidden folder under ``root`` (a job being kept or taken)."""
    return any(part.startswith(".") for part in folder.relative_to(root).parts)


class DuplicateJobWarning(UserWarning):
    """Job folders holding the same configuration's results were read once."""


class MixedCodeWarning(UserWarning):
    """The jobs read were made by more than one version of the simulator's code."""


def distinct_jobs(folders: list[Path]) -> list[Path]:
    """``folders`` less those whose results another already holds under the same labels.

    A digest covers the resolved configuration and the simulator's code, and a run is
    reproducible from them, so two job folders with one digest hold the same numbers. Read
    twice under the same parameters they would count each replicate twice and pair it with
    itself: a parent of two sweeps that both ran one setting, a sweep that ran a setting twice
    (``seed=1,1``), or a sweep interrupted before its end removed the copies its jobs made
    (``-m referral=none,two_sided`` after ``-m referral=none,one_sided,two_sided`` copies job
    2's ``two_sided`` into job 1). The first folder (in job order) is kept; the others are
    named in a :class:`DuplicateJobWarning`.

    Jobs of one digest whose parameters differ are all kept: they are settings of their own
    (``reward_sweep``'s 10/10 and ``network_sensitivity``'s two-sided small world ran the same
    configuration; until 3 Dec 2026 one of them was left out of a parent folder's frame).
    """
    first: dict[tuple[str, str], Path] = {}
    kept, repeats = [], []
    versions: dict[str, list[Path]] = {}
    for folder in folders:
        record = read_record(folder / JOB)
        digest = record.get("digest")
        versions.setdefault(record.get("code", "unrecorded"), []).append(folder)
        labelled = (digest, json.dumps(record.get("parameters", {}), sort_keys=True))
        if labelled in first:
            repeats.append(f"{folder} (as {first[labelled]})")
            continue
        if digest is not None:  # a job that cannot tell is always read
            first[labelled] = folder
        kept.append(folder)
    if repeats:
        warn_of_copies(repeats)
    if len(versions) > 1:
        warnings.warn(mixed_code_message(versions), MixedCodeWarning, stacklevel=4)
    return kept


def warn_of_copies(repeats: list[str], stacklevel: int = 5) -> None:
    """Say which job folders were read once, each as ``folder (as the folder kept)``."""
    warnings.warn(
        f"read once: {len(repeats)} job folder(s) hold the same configuration's results as "
        f"another: {', '.join(repeats[:5])}{' ...' if len(repeats) > 5 else ''}",
        DuplicateJobWarning,
        stacklevel=stacklevel,  # the caller of load or relation
    )


def mixed_code_message(versions: dict[str, list[Path]]) -> str:
    """Which jobs each code version made, and what to do about it."""
    parts = [
        f"{len(folders)} by code {version} (e.g. {folders[0]})"
        for version, folders in sorted(versions.items(), key=lambda item: -len(item[1]))
    ]
    return (
        f"these results come from {len(versions)} versions of the simulator's code: "
        f"{'; '.join(parts)}. Comparisons across versions may reflect the code, not the "
        "settings: re-run the sweep with the current code into its folder (finished jobs of "
        "the current code are skipped), or delete the older jobs"
    )


def check_folder(root: Path) -> None:
    """Check that ``root`` is a folder that exists.

    Raises:
        ResultsError: naming the path, and for a file the folder that holds it.

    """
    if root.is_file():
        holder = (
            f"the run or sweep folder that holds it ({root.parent})"
            if root.name in FILES
            else "a run or sweep folder (printed on its `results:` lines)"
        )
        raise ResultsError(
            f"{root} is a file, not a results folder: give {holder} or a parent of several"
        )
    if not root.is_dir():
        where = "" if root.is_absolute() else f" (looked for {root.absolute()})"
        raise ResultsError(f"no such results folder: {root} does not exist{where}{_near(root)}")


def _near(root: Path) -> str:
    """`` (did you mean multirun/compare_schemes?)`` for a misspelt folder beside real ones."""
    parent = root.parent
    if not parent.is_dir():
        return ""
    try:
        siblings = [p.name for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:  # an unreadable parent: nothing to suggest
        return ""
    close = difflib.get_close_matches(root.name, siblings, n=1, cutoff=0.75)
    return f" (did you mean {parent / close[0]}?)" if close else ""


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
    with different parameters are unioned by column name (missing values are NULL). Each run
    is read once, from the rows :func:`load` keeps (:func:`each_run_once`).

    Args:
        paths: run, sweep or parent folders.
        table: ``metrics``, ``timeseries``, ``cascades``, ``referrals`` or ``nodes``.
        connection: a DuckDB connection (default: a new in-memory one).

    Raises:
        ValueError: for an unknown table.
        ResultsError: when there is nothing to read.

    """
    import duckdb

    if table not in TABLES:
        raise ValueError(f"unknown results table {table!r}; choose one of {', '.join(TABLES)}")
    folders = job_folders(paths)
    connection = connection or duckdb.connect()
    whole = _relation(folders, table, parameters(folders), connection)
    return _each_run_once_in(whole, folders, connection)


def _each_run_once_in(
    whole: duckdb.DuckDBPyRelation, folders: list[Path], connection: duckdb.DuckDBPyConnection
) -> duckdb.DuckDBPyRelation:
    """``whole`` with the rows of each run once: those :func:`load` keeps (:func:`each_run_once`).

    Until 3 Dec 2026 only :func:`load` did so: SQL over a relation of a sweep run again with
    fewer replicates counted the shared runs twice. The runs kept are found in the jobs'
    metrics (a row per replicate); where no job holds another's runs, ``whole`` is returned.
    """
    if "replicate" not in whole.columns or not _may_share_runs(folders):
        return whole
    runs, copies = _load_folders(folders, "metrics", stacklevel=6)  # warns relation's caller
    if not copies:
        return whole
    kept = connection.from_df(runs[["job", "replicate"]])
    return whole.join(kept, "job, replicate", how="semi")


def _relation(
    folders: list[Path],
    table: str,
    names: list[str],
    connection: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyRelation:
    """:func:`relation` over these job folders, ``names`` their parameters."""
    import duckdb

    files = [str(f / f"{table}.parquet") for f in folders if (f / f"{table}.parquet").is_file()]
    if not files:
        raise ResultsError(f"the finished jobs have no {table}.parquet ({WRITTEN_WHEN[table]})")
    connection = connection or duckdb.connect()
    try:
        raw = connection.read_parquet(files, union_by_name=True, filename=True)
    except duckdb.Error as error:
        raise _damaged(error) from error
    columns = [c for c in raw.columns if c != "filename"]
    leading = [c for c in names if c in columns]
    rest = [c for c in columns if c not in leading]
    selected = [_quote(c) for c in leading]
    selected.append("regexp_replace(filename, '/[^/]*$', '') AS job")
    selected += [_quote(c) for c in rest]
    return raw.project(", ".join(selected))


WRITTEN_WHEN = {
    "metrics": "every finished job writes it",
    "timeseries": "every finished job writes it",
    "cascades": "every finished job writes it",
    "referrals": "written with run.save_referrals=true",
    "nodes": "written with run.save_referrals=true, for a network file whose ids are not 0..n-1",
}
"""When a job writes each table of :data:`TABLES` (said when none of the jobs has it)."""


def load(paths: PathLike | Iterable[PathLike], table: str = "metrics") -> pd.DataFrame:
    """One table of every finished job under ``paths`` as a DataFrame.

    ``frame.attrs["parameters"]`` lists the parameter columns (the keys overridden on the
    command line or by the sweeper), and :func:`swept` those that vary.

    Args:
        paths: run or sweep folders, or parents of several.
        table: ``metrics``, ``timeseries``, ``cascades``, ``referrals`` or ``nodes`` (see
            :data:`WRITTEN_WHEN`).

    Returns:
        The parameter columns, ``job`` (its folder), then the table's own columns; each run's
        rows once (:func:`each_run_once`), in job order, with a fresh index.

    Raises:
        ValueError: for an unknown table.
        ResultsError: a path is not a path, does not exist or is a file; there is no finished
            job under them, or none of them wrote ``table``; or a file is damaged.

    """
    if table not in TABLES:
        raise ValueError(f"unknown results table {table!r}; choose one of {', '.join(TABLES)}")
    return _load_folders(job_folders(paths), table)[0]


def _may_share_runs(folders: list[Path]) -> bool:
    """Whether two of the jobs are of one family and code: only such jobs hold the same runs."""
    records = [read_record(folder / JOB) for folder in folders]
    runs = [(r.get("family"), r.get("code")) for r in records if r.get("family")]
    return len(set(runs)) < len(runs)


def _load_folders(folders: list[Path], table: str, stacklevel: int = 5) -> tuple[pd.DataFrame, int]:
    """:func:`load` of these finished job folders, and how many rows it left out as copies.

    ``stacklevel``: of the copies' warning (:func:`each_run_once`), from ``warnings.warn``'s
    caller: 5 is :func:`load`'s caller.
    """
    import duckdb

    records = {folder: read_record(folder / JOB) for folder in folders}  # each read once here
    recorded = [record.get("parameters", {}) for record in records.values()]
    names = list({name: None for parameters_ in recorded for name in parameters_})
    try:
        frame = _relation(folders, table, names).df()
    except duckdb.Error as error:
        raise _damaged(error) from error
    order = {str(folder): position for position, folder in enumerate(folders)}
    frame = frame.sort_values("job", key=lambda jobs: jobs.map(order), kind="stable")
    frame = frame.reset_index(drop=True)
    names = [c for c in names if c in frame.columns]
    frame = lists_as_text(fill_unset(frame, folders, names, records), names)
    rows = len(frame)
    frame = each_run_once(frame, names, records, stacklevel)
    frame.attrs["parameters"] = names
    return frame, rows - len(frame)


def each_run_once(
    frame: pd.DataFrame, names: list[str], records: dict[Path, dict], stacklevel: int = 4
) -> pd.DataFrame:
    """``frame`` with the rows of each run once: those of the first job (in job order) that has it.

    Replicate ``r`` of one configuration is the same run whatever ``run.replicates`` was
    (:data:`SAMPLE_SIZE`), so jobs of one family (``job.json``: the configuration but for
    ``run.replicates``) and code with the same settings hold copies of their shared
    replicates: a sweep run again with fewer or more replicates keeps the first jobs in
    ``earlier/``. Until 3 Dec 2026 :func:`load` returned both copies, and a plain ``groupby``
    counted those runs twice (the report and :func:`sim.compare` read them once). A job that
    records no family is never taken for another's copy. A job of the same digest as the one
    kept (one configuration, its parameters written otherwise: ``seed=0`` given or left at its
    default) is named in a :class:`DuplicateJobWarning`, as :func:`distinct_jobs` names copies.
    """
    runs_of = {  # the family and code: what, with the settings, fixes replicate r's run
        str(folder): f"{record.get('family') or folder} {record.get('code')}"
        for folder, record in records.items()
    }
    keys = [frame["job"].map(runs_of).rename("_runs")]
    keys += [frame[name] for name in names if name != SAMPLE_SIZE]
    keys += [frame["replicate"]] if "replicate" in frame.columns else []
    first = frame.groupby(keys, dropna=False, sort=False)["job"].transform("first")
    copies = first != frame["job"]
    if not copies.any():
        return frame
    digests = {str(folder): record.get("digest") for folder, record in records.items()}
    pairs = pd.DataFrame({"job": frame["job"], "first": first})[copies].drop_duplicates()
    whole = pairs[pairs["job"].map(digests) == pairs["first"].map(digests)]
    if len(whole):  # one configuration under other parameters that say the same (seed=0 given)
        repeats = [f"{job} (as {kept})" for job, kept in whole.itertuples(index=False)]
        warn_of_copies(repeats, stacklevel)
    return frame[~copies].reset_index(drop=True)


def lists_as_text(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Parameter values that are lists (``seeding.post_days``) as the command line has them: text.

    The command line records ``"[1, 5]"``; a job written from Python keeps the list, which
    Parquet returns as a numpy array, and grouping or comparing by it failed (unhashable).
    """
    for name in names:
        if frame[name].dtype == object:
            frame[name] = frame[name].map(
                lambda value: str(value.tolist()) if hasattr(value, "tolist") else value
            )
    return frame


GLOBAL_GROUPS = ("scenario", "experiment")
"""Config groups whose options set keys at the top level (``# @package _global_``): a resolved
config cannot name the option, and a job that did not choose one ran with none
(``conf/config.yaml``: ``experiment: null``, no scenario)."""


def fill_unset(
    frame: pd.DataFrame,
    folders: Iterable[Path],
    names: list[str],
    records: dict[Path, dict] | None = None,
) -> pd.DataFrame:
    """Give each job's rows the value it ran with for a parameter it did not set itself.

    Jobs of several sweeps (or a sweep and a single run) in one folder set different keys;
    a job that left ``referral`` at its default ran ``none``, which its resolved
    ``config.yaml`` records (a config group by its option's ``name``); one that chose no
    ``scenario`` or ``experiment`` (:data:`GLOBAL_GROUPS`) ran with ``none``, so it is compared
    only with others of its market. A value the job cannot tell (no ``config.yaml``, another
    group without a name) stays missing, as does an explicit null.
    Only jobs that lack a parameter are read (about 1 ms each); ``records`` holds each folder's
    ``job.json`` when the caller has read them already.
    """
    records = records or {folder: read_record(folder / JOB) for folder in folders}
    filled: dict[str, dict[str, object]] = {}  # parameter -> job folder -> value it ran with
    for folder in folders:
        recorded = records[folder].get("parameters", {})
        unset = [name for name in names if name not in recorded]
        for name in [name for name in unset if name in GLOBAL_GROUPS]:  # config.yaml or not
            filled.setdefault(name, {})[str(folder)] = "none"
        unset = [name for name in unset if name not in GLOBAL_GROUPS]
        config = resolved_config(folder) if unset else None
        for name in unset if config is not None else []:
            value = _select(config, name)
            if isinstance(value, dict):  # a config group: the option it chose
                value = value.get("name")
            if value is not None and not isinstance(value, dict | list):
                filled.setdefault(name, {})[str(folder)] = value
    for name, by_job in filled.items():
        values = frame["job"].map(by_job)
        column = frame[name].astype(object).where(values.isna(), values).infer_objects()
        ran_with = [r.get("parameters", {}).get(name) for r in records.values()]
        integers = _all_integers([*ran_with, *by_job.values()])
        frame[name] = column.astype("int64") if integers and column.notna().all() else column
    return frame


def _all_integers(values: list[object]) -> bool:
    """Whether every known value is an integer (a seed reads 0, not 0.0; a reward stays 5.0).

    ``job.json`` keeps the type each job ran with (JSON tells 5 from 5.0); the loaded column
    cannot, once a job without the parameter has made it a float column with NaN.
    """
    known = [value for value in values if value is not None]
    return bool(known) and all(type(value) is int for value in known)


def resolved_config(folder: Path) -> dict | None:
    """A job folder's resolved ``config.yaml`` as nested dicts, None if missing or unreadable."""
    try:
        text = (folder / CONFIG).read_text(encoding="utf-8")
        config = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    return config if isinstance(config, dict) else None


def _select(config: dict, dotted: str) -> object:
    """The value at ``a.b.c`` in nested dicts, None where the path ends early."""
    value: object = config
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _damaged(error: duckdb.Error) -> ResultsError:
    """A results file DuckDB cannot read, said in one paragraph with what to do."""
    reason = " ".join(str(error).split())
    return ResultsError(
        f"a results file cannot be read (damaged or truncated?): {reason}. Delete that job's "
        "metrics.parquet and re-run the sweep into its folder to recompute the job"
    )


SAMPLE_SIZE = "run.replicates"
"""How many replicates a job ran: a parameter, but not a setting. Replicate ``r`` is the same
run whatever the count (its randomness is fixed by ``seed`` and ``r``), so jobs that differ only
in it hold the same settings, and their shared replicates pair. Until 2 Dec 2026 it was a
setting like any other: a baseline run with more replicates than the schemes paired with none
of them ("no baseline")."""


def swept(frame: pd.DataFrame) -> list[str]:
    """The parameter columns of ``frame`` that take more than one value (settings only).

    :data:`SAMPLE_SIZE` is left out: it says how many replicates were run, not what was run.
    """
    names = frame.attrs.get("parameters", [])
    return [c for c in names if c != SAMPLE_SIZE and frame[c].nunique(dropna=False) > 1]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

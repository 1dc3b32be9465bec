"""A sweep job's folder: what a finished job leaves in it, and whether a re-run can skip it.

A job writes its files one by one, each atomically (write, then rename), and
``metrics.parquet`` last: its presence marks a finished job, so a reader never pairs the
metrics of one run with the time series of another, and a killed sweep loses only the jobs
that were running. Files:

- ``timeseries.parquet``, ``cascades.parquet`` (sizes of the referral trees of two members or
  more: the trees of the ``cascade_max_size`` metric), ``referrals.parquet`` (referral edges,
  when ``run.save_referrals`` is set) and with it ``nodes.parquet`` (each consumer's id in the
  network file, when that file's ids are not ``0..n-1``: see :func:`sim.runner.node_ids`);
- ``config.yaml``: the job's resolved configuration;
- ``job.json``: its parameters (the keys overridden on the command line or by the sweeper),
  the digest of its configuration and of the simulator's code (:mod:`sim.provenance`), its
  family (:func:`family`: the jobs whose replicates it can take, :mod:`sim.reuse`), the
  tables it wrote and its running time;
- ``metrics.parquet``: one row per replicate.

While a job runs, each replicate it finishes is kept in ``.replicates-<digest>/`` (one file
each, written atomically), and a job of that configuration interrupted and run again reads
them back instead of running them; the folder goes when the job's results are written.

Every Parquet row starts with the job's parameters, so a sweep folder is one table. A job that
fails leaves ``failed.json`` instead of ``metrics.parquet`` (see :mod:`sim.failures`); a later
attempt removes it, and the hidden temporary files of an attempt killed mid-write.

A sweep that finds another configuration's finished results in a job folder (a different
sweep into the same folder) keeps them: :func:`keep_aside` moves them to
``<sweep>/earlier/<digest>/``, where they stay readable, and a later job of that very
configuration takes them back (:func:`take_kept`) instead of running again. A setting that
moved to another job number copies its results from its old folder (:func:`copy_finished`),
and when the sweep ends the copies its jobs made redundant go (:func:`copies_of`). Results
of the same configuration made by another version of the code are stale and are replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.provenance import code_fingerprint, software_versions, source_commit
from sim.storage import remove_orphaned_temporaries, write_parquet_atomic, write_text_atomic

if TYPE_CHECKING:  # the model is imported only by what runs it: reading results needs none
    from sim.runner import RunResult

EARLIER = "earlier"
"""The folder, in a sweep folder, of finished jobs another sweep's jobs replaced."""
TABLES = ("metrics", "timeseries", "cascades", "referrals", "nodes")
"""The tables a job writes, each as ``<name>.parquet`` (``referrals`` only when asked for, and
``nodes`` with them when the network file's ids are not ``0..n-1``)."""
WITH_REFERRALS = ("referrals", "nodes")
"""The tables written only with ``run.save_referrals``."""
METRICS = "metrics.parquet"
JOB = "job.json"
CLAIM = ".claimed"
"""Suffix of a hidden claim on kept results being taken back (``.<digest>.<pid>.claimed``)."""
CONFIG = "config.yaml"
REPLICATES = ".replicates-"
"""Prefix of the hidden folder of a job's finished replicates (:func:`replicates_folder`)."""
KEPT = "replicate-{}.pkl"
"""A kept replicate's file name in that folder, :func:`sim.runner.run`'s ``keep_in`` (its index
in the braces)."""
FAILED = "failed.json"
RESULTS = tuple(f"{name}.parquet" for name in TABLES if name != "metrics")
"""The tables a job writes besides ``metrics.parquet``."""
FILES = (*RESULTS, CONFIG, JOB, METRICS)
"""Every file of a finished job, ``metrics.parquet`` last (linked or moved in this order)."""


def digest(config_yaml: str) -> str:
    """A short fingerprint of a resolved configuration and of the code that runs it."""
    return hashlib.sha256(f"{config_yaml}\n{code_fingerprint()}".encode()).hexdigest()[:16]


RUN_REPLICATES = re.compile(r"^(run:\n(?:  .*\n)*?  replicates: )\d+$", re.MULTILINE)
"""``run.replicates`` in a resolved ``config.yaml`` (OmegaConf's YAML: two-space indents)."""


def family(config_yaml: str) -> str:
    """A fingerprint of a resolved configuration but for ``run.replicates``, code and numpy.

    Jobs of one family share their replicates.
    """
    blank, found = RUN_REPLICATES.subn(r"\g<1>*", config_yaml, count=1)
    if not found:  # not a job's configuration: a family of its own
        return digest(config_yaml)
    return digest(f"{blank}# numpy {np.__version__}")


def input_files_note(paths: Iterable[str | Path]) -> str:
    """Comment lines giving each input file's SHA-256, for the end of a job's ``config.yaml``.

    A configuration names a network file by its path alone: with the contents' fingerprint in
    it, an edited file makes another configuration (the job runs again, its older results kept
    aside in a sweep), never a finished job. A missing file adds nothing (the run names it).
    """
    lines = []
    for path in paths:
        file = Path(path).expanduser()
        if file.is_file():
            with file.open("rb") as contents:
                fingerprint = hashlib.file_digest(contents, "sha256").hexdigest()
            lines.append(f"# {path}: sha256 {fingerprint}\n")
    return "".join(lines)


def replicates_folder(folder: Path, config_yaml: str) -> Path:
    """The hidden folder in a job's ``folder`` that keeps its finished replicates as they come.

    Named by the configuration's digest (configuration and code) and numpy's version, so a run
    resumes only from replicates of this very configuration (:func:`sim.runner.run`'s
    ``keep_in``) drawn by the same random generators: numpy may change a stream between
    versions, and one job's replicates would then come from two.
    """
    return folder / f"{REPLICATES}{digest(f'{config_yaml}# numpy {np.__version__}')}"


def kept_replicates(folder: Path) -> int:
    """How many finished replicates a job's ``folder`` keeps (:func:`replicates_folder`)."""
    return len(list(folder.glob(f"{REPLICATES}*/{KEPT.format('*')}")))


def forget_replicates(folder: Path, besides: Path | None = None) -> None:
    """Remove the kept replicates in ``folder`` (all but those in ``besides``)."""
    for kept in folder.glob(f"{REPLICATES}*"):
        if kept.is_dir() and kept != besides:
            shutil.rmtree(kept, ignore_errors=True)


def code_version() -> str:
    """A short fingerprint of the simulator's code alone (``job.json``'s ``code``)."""
    return code_fingerprint()[:16]


def is_current(folder: Path) -> bool:
    """Whether ``folder``'s results were made by this version of the code (else stale)."""
    return read_record(folder / JOB).get("code") == code_version()


def same_configuration(folder: Path, config_yaml: str) -> bool:
    """Whether ``folder``'s results are of this resolved configuration (whatever the code)."""
    try:
        return (folder / CONFIG).read_text(encoding="utf-8") == config_yaml
    except OSError:
        return False


def keep_aside(folder: Path, sweep: Path) -> Path:
    """Keep a finished job's files as ``<sweep>/earlier/<digest>/`` (hard links, else copies).

    They are published whole, by renaming a hidden staging folder (which readers skip), so a
    kill leaves either the kept job or nothing kept; the originals stay until :func:`start`.

    Returns:
        The folder that holds them (one already kept with this digest is not kept twice).

    """
    name = _digest_of(folder) or f"unknown-{time.time_ns()}"
    target = sweep / EARLIER / name
    if has_results(target):
        return target
    staging = target.with_name(f".{name}.{os.getpid()}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _link_files(folder, staging)
    try:
        staging.rename(target)
    except OSError:  # kept meanwhile by another job of this sweep
        shutil.rmtree(staging, ignore_errors=True)
    return target


def take_kept(folder: Path, sweep: Path, config_yaml: str) -> bool:
    """Move this configuration's kept results from ``<sweep>/earlier/`` into ``folder``.

    Returns:
        Whether there were any (``metrics.parquet`` arrives last: the job is then finished).

    """
    kept = sweep / EARLIER / digest(config_yaml)
    if not has_results(kept):
        return False
    claimed = kept.with_name(f".{kept.name}.{os.getpid()}{CLAIM}")
    try:
        kept.rename(claimed)  # one job takes them, however many look
    except OSError:
        return False
    _link_files(claimed, folder)  # the claim stays whole until every file is in the job folder
    _discard(claimed)
    return True


def _discard(folder: Path) -> None:
    """Remove a folder of results, ``metrics.parquet`` first: a kill midway leaves no results."""
    (folder / METRICS).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def copy_finished(folder: Path, sweep: Path, config_yaml: str) -> Path | None:
    """Copy this configuration's results from another job folder of ``sweep`` into ``folder``.

    A setting that moved to another job number (``-m referral=a,b,c``, then ``referral=b,c``)
    finds its results in its old folder. They are linked (else copied) into a hidden staging
    folder, ``metrics.parquet`` last, then moved in; the source keeps them. A source cleared
    meanwhile by its own job (:func:`start` removes ``metrics.parquet`` first) leaves no
    ``metrics.parquet`` in the staging folder, and nothing is copied.

    Returns:
        The folder copied from, or None when no other job folder holds this configuration.

    """
    wanted = digest(config_yaml)
    source = _job_holding(sweep, wanted, besides=folder)
    if source is None:
        return None
    staging = sweep / f".{wanted}.{os.getpid()}.copying"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _link_files(source, staging)
        whole = has_results(staging) and _digest_of(staging) == wanted
        if whole:
            _move_files(staging, folder)
    except FileNotFoundError:  # the source was cleared while it was being copied
        whole = False
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return source if whole else None


def _job_holding(sweep: Path, wanted: str, besides: Path) -> Path | None:
    """The first job folder of ``sweep`` (a numbered one, not ``besides``) with these results.

    Looked up in the sweep's index of finished folders (:func:`_finished_by_digest`), and
    each candidate's record read again: a folder its own job cleared or rewrote since is passed.
    """
    for folder in _finished_by_digest(sweep).get(wanted, ()):
        if folder.resolve() != besides.resolve() and _digest_of(folder) == wanted:
            return folder
    return None


_INDEX: dict[tuple[Path, int], dict[str | None, list[Path]]] = {}


def _finished_by_digest(sweep: Path) -> dict[str | None, list[Path]]:
    """The finished job folders of ``sweep`` by digest, in job order, read once per sweep.

    Each job of a sweep looks for its results in the other folders; reading every folder's
    record for every job made a sweep's cost grow with the square of its jobs (1,000 finished
    folders: 0.2 s a job, a review of 2 Dec 2026). The index is kept for the sweep that
    started it (Hydra rewrites the sweep's ``multirun.yaml`` as a sweep starts): folders
    finished during the sweep are other settings' (a sweep's settings differ), so only a
    sweep's earlier results are looked for. Without that record, no index is kept.
    """
    try:
        started = (sweep / "multirun.yaml").stat().st_mtime_ns
    except OSError:
        started = None
    key = (sweep.resolve(), started)
    if started is not None and key in _INDEX:
        return _INDEX[key]
    index: dict[str | None, list[Path]] = {}
    for folder in _job_folders(sweep):
        index.setdefault(_digest_of(folder), []).append(folder)
    if started is not None:
        _INDEX.clear()  # one sweep at a time in a process
        _INDEX[key] = index
    return index


def of_family(base: Path, wanted: str, besides: Path) -> list[Path]:
    """Jobs of this family (:func:`family`) in ``base``'s ``earlier/`` and job folders.

    ``base`` is a sweep's folder or a single run's. Listed afresh at each call, since the jobs
    of a sweep keep results aside and finish as it goes (one job's may be another's source);
    a folder's family is read from its ``job.json`` once while that file stays unchanged, so a
    call costs a listing and a ``stat`` a folder (10,000 folders: about 0.05 s). The caller
    checks that each holds results, and the family again as it reads them.
    """
    found = [
        Path(folder)
        for parent in (base / EARLIER, base)
        for folder in _subfolders(parent)
        if _family_of(folder) == wanted and Path(folder).resolve() != besides.resolve()
    ]
    return sorted(found, key=natural_order)


def _subfolders(parent: Path) -> list[str]:
    """The folders in ``parent`` that may hold a job (not hidden, not ``earlier/``), as text.

    Text, not :class:`~pathlib.Path`: making 10,000 paths took longer than listing them.
    """
    try:
        with os.scandir(parent) as entries:
            return [
                entry.path
                for entry in entries
                if entry.is_dir() and not entry.name.startswith(".") and entry.name != EARLIER
            ]
    except OSError:  # no such folder
        return []


_FAMILIES: dict[tuple[str, int], str | None] = {}


def _family_of(folder: str) -> str | None:
    """A job's family from its ``job.json``, read again only once the file changed."""
    record = os.path.join(folder, JOB)
    try:
        changed = os.stat(record).st_mtime_ns
    except OSError:
        return None
    key = (folder, changed)
    if key not in _FAMILIES:
        _FAMILIES[key] = read_record(Path(record)).get("family")
    return _FAMILIES[key]


def _job_folders(sweep: Path) -> list[Path]:
    """The finished job folders directly in ``sweep`` (not ``earlier/``), in job order."""
    found = (m.parent for m in sweep.glob(f"*/{METRICS}"))
    folders = [f for f in found if f.name != EARLIER and not f.name.startswith(".")]
    return sorted(folders, key=natural_order)


def _digest_of(folder: Path) -> str | None:
    return read_record(folder / JOB).get("digest")


def copies_of(sweep: Path, launched: list[Path]) -> list[Path]:
    """Folders of ``sweep`` holding results that a finished job of ``launched`` holds too.

    Numbered job folders the sweep did not launch, and kept ones in ``earlier/``, with the digest
    (configuration and code: the same numbers) of a launched job that finished. They are left
    by settings that changed job number (the old folder) and by results kept in ``earlier/``
    that a job copied meanwhile (with parallel workers, a job may copy its setting's old folder
    while that folder's own job keeps it aside). Read with the job's, they would count twice.
    """
    ours = {f.resolve() for f in launched}
    held = {_digest_of(f) for f in launched if has_results(f) and not (f / FAILED).is_file()}
    held.discard(None)
    kept = [m.parent for m in (sweep / EARLIER).glob(f"*/{METRICS}")]
    return [
        folder
        for folder in (*_job_folders(sweep), *kept)
        if folder.resolve() not in ours and _digest_of(folder) in held
    ]


def remove_copy(folder: Path) -> None:
    """Remove a copy (:func:`copies_of`): ``metrics.parquet`` first, so it stops counting at once.

    A job folder keeps its logs (``.hydra/``); a folder kept in ``earlier/`` goes whole.
    """
    start(folder)
    if folder.parent.name == EARLIER:
        shutil.rmtree(folder)


def remove_interrupted_copies(sweep: Path) -> None:
    """Clear the hidden folders a process killed while it copied or took results left.

    Staging folders hold hard links of results that stay where they were (:func:`keep_aside`,
    :func:`copy_finished`): they go. A claim on kept results (:func:`take_kept`) that still
    holds ``metrics.parquet`` holds them whole (files are linked out of it, never moved, and it
    loses ``metrics.parquet`` first when it goes): it is put back in ``earlier/``, unless results
    with its digest are there again. Called when a sweep starts, holding the folder's lock, so
    no process is writing them. (A ``.taking`` folder of older versions, which moved files out
    one by one, may hold part of a job: it is left alone.)
    """
    for staging in (*sweep.glob(".*.copying"), *(sweep / EARLIER).glob(".*.staging")):
        shutil.rmtree(staging, ignore_errors=True)
    for claim in (sweep / EARLIER).glob(f".*{CLAIM}"):
        kept = claim.with_name(claim.name.split(".")[1])
        if has_results(claim) and not kept.exists():
            claim.rename(kept)
        else:
            _discard(claim)


def _link_files(source: Path, target: Path) -> None:
    """Hard-link (else copy) the job files of ``source`` into ``target``, in :data:`FILES` order."""
    for file in FILES:
        if (source / file).is_file():
            _link_or_copy(source / file, target / file)


def _move_files(source: Path, target: Path) -> None:
    """Move the job files of ``source`` into ``target``, in :data:`FILES` order."""
    for file in FILES:
        if (source / file).is_file():
            os.replace(source / file, target / file)


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link ``source`` as ``target``, else copy it there whole or not at all.

    The copy is written under a hidden name and renamed: killed midway, it leaves no truncated
    file under the job file's name (a truncated ``metrics.parquet`` read as finished results).
    """
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            shutil.copy2(source, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)


def is_finished(folder: Path, config_yaml: str) -> bool:
    """Whether ``folder`` holds finished results of exactly this configuration and code."""
    return has_results(folder) and _digest_of(folder) == digest(config_yaml)


def read_record(path: Path) -> dict[str, Any]:
    """A JSON record of a job folder, or ``{}`` when it is missing or unreadable."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def natural_order(folder: Path) -> tuple:
    """Sort key putting job folder 2 before job folder 10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in folder.parts)


def relabel(
    folder: Path, parameters: Mapping[str, Any], declared: Mapping[str, type] | None = None
) -> bool:
    """Give a finished job's tables and record the parameters of the command now running it.

    A job skipped as finished ran the same configuration, but an earlier command may have named
    other parameters (``-m referral=none,two_sided``, then the same with ``seed=0,1``): its rows
    must carry this sweep's, or they pair with nothing. ``metrics.parquet`` keeps marking the
    job finished throughout; ``job.json`` goes last, so an interrupted relabelling is redone.
    ``declared`` types the columns of null parameters (see :func:`with_parameters`).

    Returns:
        Whether anything was rewritten.

    """
    record = read_record(folder / JOB)
    recorded = record.get("parameters", {})
    if recorded == dict(parameters):
        return False
    stale = set(recorded) | set(parameters)  # a half-done relabelling has the new columns too
    for name in (*RESULTS, METRICS):
        if (folder / name).is_file():
            frame = pd.read_parquet(folder / name)
            kept = frame.drop(columns=[c for c in frame.columns if c in stale])
            write_parquet_atomic(with_parameters(kept, parameters, declared), folder / name)
    record["parameters"] = dict(parameters)
    write_text_atomic(json.dumps(record, indent=2, default=str), folder / JOB)
    return True


def check_readable(folder: Path) -> None:
    """Open each table of a finished job (its Parquet footer, a few kB), so damage shows now.

    A truncated ``metrics.parquet`` still marks its job finished: skipped by a re-run, it
    failed the later ``sim.results.load`` or report instead.

    Raises:
        pyarrow.ArrowException: a table that cannot be read (damaged or truncated).
        OSError: a table that cannot be opened.

    """
    import pyarrow.parquet as pq

    for name in (*RESULTS, METRICS):
        if (folder / name).is_file():
            pq.read_metadata(folder / name)


def has_results(folder: Path) -> bool:
    """Whether ``folder`` holds a finished job's results (of whatever configuration or code)."""
    return (folder / METRICS).is_file()


def start(folder: Path) -> None:
    """Forget an earlier result or failure in ``folder`` before writing a new one.

    ``metrics.parquet`` goes first (the folder stops counting as finished), then, in a folder a
    job wrote (it holds ``job.json``, ``metrics.parquet`` or ``failed.json``), every other file
    a job writes, so no table of the earlier attempt (``referrals.parquet`` of a run that saved
    them) is read with the new one's; a folder of the user's (``hydra.run.dir=.``) keeps its
    own ``config.yaml``. Temporary files left by an attempt killed
    mid-write go too (never those of a process still writing).
    """
    remove_orphaned_temporaries(folder)
    ours = any((folder / name).is_file() for name in (JOB, METRICS, FAILED))
    (folder / METRICS).unlink(missing_ok=True)
    (folder / FAILED).unlink(missing_ok=True)
    for name in (*RESULTS, CONFIG, JOB) if ours else ():  # never a user's config.yaml
        (folder / name).unlink(missing_ok=True)


def record_failure(folder: Path, record: Mapping[str, Any]) -> bool:
    """Write ``failed.json`` into ``folder`` if it can be written (a full disk may forbid it).

    Returns:
        Whether the record was written.

    """
    try:
        write_text_atomic(json.dumps(dict(record), indent=2, default=str), folder / FAILED)
    except OSError:
        return False
    return True


def write_job(
    folder: Path,
    result: RunResult,
    parameters: Mapping[str, Any],
    config_yaml: str,
    *,
    save_referrals: bool = False,
    seconds: float | None = None,
    declared: Mapping[str, type] | None = None,
) -> None:
    """Write a finished job's results into ``folder``, ``metrics.parquet`` last.

    Args:
        folder: the job's output folder.
        result: the replicates' outcomes.
        parameters: the job's parameters, prepended as columns to every table.
        config_yaml: the resolved configuration, saved as ``config.yaml``.
        save_referrals: also write the referral edges (and the file's ids where needed).
        seconds: running time, recorded in ``job.json``.
        declared: the declared type of each parameter whose value is null (its column's type).

    """
    written = ["metrics"]
    for name in TABLES[1:]:  # metrics last
        table = table_of(result, name, save_referrals=save_referrals)
        if table is not None:
            table = with_parameters(table, parameters, declared)
            write_parquet_atomic(table, folder / f"{name}.parquet")
            written.append(name)
    write_text_atomic(config_yaml, folder / CONFIG)
    record = {
        "parameters": dict(parameters),
        "digest": digest(config_yaml),
        "family": family(config_yaml),
        "tables": written,
        "code": code_version(),
        "seconds": seconds,
        "commit": source_commit(),
        "software": software_versions(),
    }
    write_text_atomic(json.dumps(record, indent=2, default=str), folder / JOB)
    write_parquet_atomic(with_parameters(result.metrics, parameters, declared), folder / METRICS)


def table_of(result: RunResult, name: str, *, save_referrals: bool) -> pd.DataFrame | None:
    """The table ``name`` of :data:`TABLES` that a job writes, None when it writes none."""
    if name in WITH_REFERRALS and not save_referrals:
        return None
    return getattr(result, name)


def with_parameters(
    frame: pd.DataFrame,
    parameters: Mapping[str, Any],
    declared: Mapping[str, type] | None = None,
) -> pd.DataFrame:
    """``frame`` with one leading column per parameter (the same value on every row).

    Each column takes its value's type, also on a table without rows; a null value takes its
    ``declared`` type (``budget.total=null``: a float column of nulls), or Parquet's null type
    when none is given.
    """
    declared = declared or {}
    columns = {
        key: pd.Series(
            [value] * len(frame), dtype=_dtype(value, declared.get(key)), index=frame.index
        )
        for key, value in parameters.items()
    }
    return pd.concat([pd.DataFrame(columns, index=frame.index), frame], axis=1)


PARAMETER_DTYPES = ((bool, "bool"), (int, "int64"), (float, "float64"), (str, "string"))
"""A parameter column's type by its value's (``bool`` before ``int``, its subclass)."""
NULL_DTYPES = {bool: "boolean", int: "Int64", float: "Float64", str: "string"}
"""A null parameter's column type by its declared type (pandas' nullable types)."""


def _dtype(value: Any, declared: type | None = None) -> str | None:
    """The column type of a parameter's value, kept on a table without rows.

    An empty table (a job with no referral) typed by its values, or a null value of no declared
    type, gets a column of Parquet's null type, which pyarrow's dataset reader cannot cast the
    other jobs' numbers to when that file comes first (DuckDB and :mod:`sim.results` can).
    """
    if value is None:
        return NULL_DTYPES.get(declared)
    return next((dtype for kind, dtype in PARAMETER_DTYPES if isinstance(value, kind)), None)

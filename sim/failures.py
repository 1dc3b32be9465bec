"""When a job cannot finish: a record in its folder, one paragraph on screen, a sweep summary.

A job that fails (bad input found while running, such as a malformed edge list; a full disk; a
folder it cannot write; too little memory; a bug) never writes ``metrics.parquet``, so nothing of
it can be read as a result (:mod:`sim.jobs`). It leaves ``failed.json`` (what failed and, for a
bug report, the traceback) and prints one paragraph to standard error, never a traceback.

- A single run then exits with :data:`EXIT_BAD_INPUT` (2) for bad input and :data:`EXIT_FAILED`
  (1) for anything else.
- In a sweep the other jobs go on. At the end :class:`SweepReport` (a Hydra callback, set in
  ``conf/config.yaml``) lists the jobs of the sweep that did not finish, and the command exits
  with 2 when they all failed on bad input, else 1. Running the same command again retries them
  and skips the finished ones. The callback also holds the sweep folder's lock while the sweep
  runs, and at its end removes copies of results its jobs hold (:func:`sim.jobs.copies_of`).
"""

from __future__ import annotations

import errno
import os
import re
import sys
import traceback
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, Any

from hydra.core.utils import JobReturn
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, open_dict, read_write
from omegaconf.errors import OmegaConfBaseException

from sim import jobs
from sim.configure import causes, describe_error
from sim.console import listed, say
from sim.params import ConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: sweeps are not locked
    fcntl = None

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
PROGRAM = "referral-sim"
RERUN = "Run the same command again to retry: finished jobs are skipped."
FIX_AND_RERUN = "Fix the values named above and run the sweep again: finished jobs are skipped."
FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


@dataclass(frozen=True)
class Failure:
    """Why a job or the command failed, in words for the person who ran it.

    Attributes:
        kind: the kind of failure, e.g. ``invalid configuration`` or ``disk full``.
        detail: what exactly failed, in the error's own words.
        advice: what to do about it.
        exit_code: :data:`EXIT_BAD_INPUT` or :data:`EXIT_FAILED`.

    """

    kind: str
    detail: str
    advice: str
    exit_code: int

    def paragraph(self, where: str = "") -> str:
        """One paragraph (no blank line, no traceback) for standard error."""
        return f"{PROGRAM}: {where}{self.kind}: {self.detail}\n{self.advice}"


HYDRA_FLAGS = "Only one of --run, --multirun, --cfg"
"""The start of Hydra's message (a ``ValueError``) for two of its command-line modes at once."""


def classify(error: BaseException) -> Failure:
    """Turn an exception into a :class:`Failure`."""
    if isinstance(error, ConfigError):
        return _bad_input(str(error))
    if isinstance(error, HydraException | OmegaConfBaseException):
        return _bad_input(describe_error(error))
    if isinstance(error, ValueError) and "n_jobs == 0" in str(error):  # joblib's launcher
        return _bad_input(
            "hydra.launcher.n_jobs=0 is not allowed: expected -1 (every core) or a number "
            "of worker processes >= 1."
        )
    if isinstance(error, ValueError) and str(error).startswith(HYDRA_FLAGS):
        return _bad_input(
            f"{error} (-m is --multirun). --cfg, --info and --shell-completion print and run "
            "nothing: give them without -m to see a configuration (--cfg job), or drop them "
            "to run the sweep."
        )
    for cause in causes(error):  # e.g. logging's ValueError around an unwritable log file
        if isinstance(cause, ConnectionError):  # an OSError, but no folder is at fault
            return Failure("cannot reach the cluster", _one_line(cause), UNREACHABLE, EXIT_FAILED)
        if isinstance(cause, MemoryError):
            detail = "the job needs more memory than this machine can give it."
            advice = "Use a smaller network.n, days or run.replicates, or more memory."
            return Failure("out of memory", detail, advice, EXIT_FAILED)
        if isinstance(cause, OSError):
            return _file_error(cause)
        if isinstance(cause, BrokenProcessPool):  # joblib's TerminatedWorkerError among them
            advice = f"It was killed (out of memory?); finished jobs are intact. {RERUN}"
            return Failure("a worker process died", _one_line(cause), advice, EXIT_FAILED)
    detail = f"{type(error).__name__}: {_one_line(error)}"
    return Failure("internal error", detail, BUG, EXIT_FAILED)


def classify_outside_jobs(error: BaseException) -> Failure:
    """:func:`classify` for an error outside any job (Hydra, a launcher): no ``failed.json``."""
    failure = classify(error)
    return replace(failure, advice=BUG_OUTSIDE_JOBS) if failure.advice == BUG else failure


BUG = "This is a bug: please report it with the command and the traceback in failed.json."
BUG_OUTSIDE_JOBS = (  # no job ran, so no failed.json holds the traceback
    "This is a bug: please report it with the command and the traceback that "
    "HYDRA_FULL_ERROR=1 shows when it runs again."
)
UNREACHABLE = (
    "Check the launcher's address (hydra.launcher.ray.init.address, or RAY_ADDRESS) and that "
    "the cluster is running (ray start --head); without an address Ray starts one here. "
    "Finished jobs are skipped when it runs again."
)


# Hydra launcher plugins the presets in conf/hydra/launcher/ need, by the extra that installs them.
LAUNCHER_EXTRAS = {"submitit_slurm": "slurm", "submitit_local": "slurm", "ray": "ray"}


def _bad_input(detail: str) -> Failure:
    advice = f"Fix it and run again; see '{PROGRAM} --help' and the documented defaults in conf/."
    missing = re.search(r"Could not (?:load|find) 'hydra/launcher/(\w+)'", detail)
    if missing and missing.group(1) in LAUNCHER_EXTRAS:
        extra = LAUNCHER_EXTRAS[missing.group(1)]
        advice = (
            f"Its launcher plugin is not installed: pip install -e '.[{extra}]' (into the "
            f"checkout's .venv: .venv/bin/pip install -e '.[{extra}]'), then run again."
        )
    return Failure("invalid configuration", detail, advice, EXIT_BAD_INPUT)


def _file_error(error: OSError) -> Failure:
    where = f": {error.filename}" if error.filename else ""
    detail = f"{error.strerror or _one_line(error)}{where}."
    if error.errno in FULL_DISK:
        return Failure("disk full", detail, f"Free some space. {RERUN}", EXIT_FAILED)
    advice = f"Choose a folder you can write (hydra.run.dir, hydra.sweep.dir). {RERUN}"
    return Failure("cannot write results", detail, advice, EXIT_FAILED)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def fail_job(error: Exception, folder: Path, *, in_sweep: bool) -> Failure:
    """Record and report a job's failure.

    Args:
        error: what the job raised.
        folder: the job's output folder (``failed.json`` goes there if it can be written).
        in_sweep: whether other jobs go on (the message then names the job's folder).

    Returns:
        The failure, whose ``exit_code`` a single run exits with.

    """
    failure = classify(error)
    record = {**asdict(failure), "error": type(error).__name__, "traceback": traceback.format_exc()}
    jobs.record_failure(folder, record)
    print(failure.paragraph(_where(failure, folder, in_sweep)), file=sys.stderr)
    return failure


def _where(failure: Failure, folder: Path, in_sweep: bool) -> str:
    """Name the job's folder, except for a single run's bad input (reported like the CLI's)."""
    if in_sweep:
        return f"job {folder} failed: "
    return "" if failure.exit_code == EXIT_BAD_INPUT else f"run {folder} failed: "


def sweep_summary(sweep: Path, launched: int, unfinished: dict[Path, dict[str, Any]]) -> str:
    """One line per unfinished job of a sweep, then what to do."""
    finished = launched - len(unfinished)
    lines = [
        f"{PROGRAM}: {len(unfinished)} of {launched} jobs did not finish; "
        f"the results of the other {finished} are in {sweep}:"
    ]
    for folder, record in unfinished.items():
        reason = f"{record['kind']}: {record['detail']}" if record else _NO_RECORD
        lines.append(f"  {folder}: {' '.join(reason.split())}")
    bad_input = any(record.get("exit_code") == EXIT_BAD_INPUT for record in unfinished.values())
    lines.append(FIX_AND_RERUN if bad_input else RERUN)  # rerunning alone cannot fix a value
    return "\n".join(lines)


def sweep_exit_code(unfinished: dict[Path, dict[str, Any]]) -> int:
    """2 when every unfinished job failed on bad input, else 1."""
    codes = {record.get("exit_code", EXIT_FAILED) for record in unfinished.values()}
    return EXIT_BAD_INPUT if codes == {EXIT_BAD_INPUT} else EXIT_FAILED


_NO_RECORD = "no failure record (killed, or the record could not be written)"


def launched_jobs(sweep: Path) -> list[Path]:
    """Job folders of the latest sweep into ``sweep``, in job order.

    Hydra rewrites ``multirun.yaml`` when a sweep starts and each job's ``.hydra/overrides.yaml``
    when it launches it; comparing the two times on the same file system tells this sweep's jobs
    from older ones.
    """
    start = sweep / "multirun.yaml"
    started = start.stat().st_mtime_ns if start.exists() else 0
    marks = [*sweep.rglob(".hydra/overrides.yaml"), *sweep.rglob(jobs.FAILED)]
    folders = {
        mark.parent.parent if mark.name == "overrides.yaml" else mark.parent
        for mark in marks
        if mark.stat().st_mtime_ns >= started
    }
    return sorted(folders, key=jobs.natural_order)


SWEEP_LOCK = ".sweep.lock"
_HELD: list[IO] = []  # this process's sweep locks, held until it ends
_MADE: dict[Path, Path] = {}  # a sweep's folder -> the outermost folder its lock_sweep made


def lock_sweep(sweep: Path) -> IO | None:
    """Hold ``<sweep>/.sweep.lock`` for this process's lifetime; None when another holds it.

    An advisory ``flock``: the kernel drops it when the process ends, however it ends, so a
    killed sweep never leaves the folder locked. Without ``fcntl`` (not POSIX) nothing is locked.
    """
    if fcntl is None:  # not POSIX
        return open(os.devnull)
    missing = [folder for folder in (sweep, *sweep.parents) if not folder.exists()]
    sweep.mkdir(parents=True, exist_ok=True)
    handle = open(sweep / SWEEP_LOCK, "a")  # held open until the process ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    if missing:
        _MADE[sweep] = missing[-1]
    return handle


def withdraw_sweep(sweep: Path) -> None:
    """A sweep refused before any job ran: release its lock, and remove the folders it made.

    Only the folders :func:`lock_sweep` made for it, from the sweep's up, and each only when
    nothing but the lock is left in it: a refused command leaves the disk as it found it (a new
    timestamped folder holding a hidden lock file, before 2 Dec 2026).
    """
    made = _MADE.pop(sweep, None)
    release_sweep_locks()
    if made is None:
        return
    (sweep / SWEEP_LOCK).unlink(missing_ok=True)
    for folder in (sweep, *sweep.parents):
        try:
            folder.rmdir()
        except OSError:  # something else is in it (or it went): leave it and those above
            return
        if folder == made:
            return


def unfinished_jobs(launched: list[Path]) -> dict[Path, dict[str, Any]]:
    """The failure record of each unfinished job of ``launched`` (:func:`launched_jobs`)."""
    return {
        folder: jobs.read_record(folder / jobs.FAILED)
        for folder in launched
        if not jobs.has_results(folder) or (folder / jobs.FAILED).is_file()  # older results
    }


def _remove_copies(sweep: Path, launched: list[Path]) -> None:
    """Remove results the sweep's jobs hold too (:func:`sim.jobs.copies_of`), and say so.

    A copy that cannot be removed (a read-only folder) is named and left: it is read once, with
    a ``DuplicateJobWarning``.
    """
    removed = []
    for folder in jobs.copies_of(sweep, launched):
        try:
            jobs.remove_copy(folder)
        except OSError as error:
            say(f"{PROGRAM}: a copy of results this sweep holds stays in {folder}: {error}")
        else:
            removed.append(folder)
    if removed:
        named = listed([str(folder.relative_to(sweep)) for folder in removed])
        copies = "a copy" if len(removed) == 1 else f"{len(removed)} copies"
        say(f"{PROGRAM}: removed {copies} of results a job of this sweep holds: {named}")


def release_sweep_locks() -> None:
    """Release this process's sweep locks: its sweep, or the command that ran it, has ended.

    A sweep stopped before Hydra's end-of-sweep callback (a later batch refused by the check,
    Ctrl-C) would otherwise keep its folder locked for the rest of a caller's process.
    """
    while _HELD:
        _HELD.pop().close()
    _MADE.clear()  # a sweep that ran keeps its folders


def sweeping() -> bool:
    """Whether a sweep started in this process and has not ended (it holds its folder's lock)."""
    return bool(_HELD)


def pin_sweep_folder(config: DictConfig) -> Path:
    """Make the sweep's folder absolute, where the command was typed, for every job.

    Hydra composes each job's configuration again (``load_sweep_config``) and resolves its
    folder in the process that runs it: a Ray worker started elsewhere would write a relative
    ``hydra.sweep.dir`` under its own working directory, out of the sweep's sight (its lock,
    its summary and exit code, resume). An override of the absolute folder makes each job's
    composition agree with this one. Returns the folder.
    """
    sweep = Path(config.hydra.sweep.dir).absolute()
    quoted = str(sweep).replace("'", "\\'")  # Hydra's quoted value: only quotes escaped
    with read_write(config.hydra), open_dict(config.hydra):
        config.hydra.sweep.dir = str(sweep)
        config.hydra.overrides.hydra.append(f"hydra.sweep.dir='{quoted}'")
    return sweep


def exit_with(failure: Failure) -> None:
    """Stop the command with ``failure``'s paragraph on standard error and its exit code."""
    print(failure.paragraph(), file=sys.stderr)
    sys.exit(failure.exit_code)


class SweepReport(Callback):
    """Hydra callback: one sweep at a time per folder; at its end, the jobs that did not finish.

    At the start it takes ``<sweep>/.sweep.lock`` (released when the process ends, even
    killed): a second sweep into a folder in use stops there, since two different sweeps would
    replace each other's jobs; then it removes what killed copies left. At the end it lists the
    jobs that did not finish and exits non-zero, and removes copies of results its jobs hold.
    It exits from the callback (``SystemExit`` passes through Hydra, which turns any other
    exception of a callback into a warning: nothing else may escape it).
    """

    def __init__(self, keep_configurations: bool = False) -> None:
        """``keep_configurations``: see :meth:`on_job_end` (``conf/config.yaml`` sets it)."""
        self.keep_configurations = keep_configurations

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Pin the sweep's folder; refuse to sweep into a folder another sweep is using."""
        sweep = pin_sweep_folder(config)
        try:
            lock = lock_sweep(sweep)
        except OSError as error:  # a file in the way, a read-only disk: no job can write there
            exit_with(_file_error(error))  # one paragraph: a callback's error would be a warning
        if lock is not None:  # held by the module, not the callback, which launchers pickle
            _HELD.append(lock)
            jobs.remove_interrupted_copies(sweep)
        else:
            print(
                f"{PROGRAM}: another sweep is running into {sweep} (it holds {SWEEP_LOCK}). "
                "Wait for it to finish, or give this one its own hydra.sweep.dir: two sweeps "
                "at once in one folder would replace each other's jobs.",
                file=sys.stderr,
            )
            sys.exit(EXIT_FAILED)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """In a sweep, drop the job's configurations from what Hydra keeps of it.

        Hydra keeps every job's ``JobReturn`` until the sweep ends, with the job's and Hydra's
        whole configurations: about 0.18 MB a job, 1.8 GB for 10,000 jobs. Nothing of Hydra's
        or of its launchers reads them after the job (they are in its ``.hydra/`` folder), so
        they go here, in the job's own process (a worker's too, before its return is sent
        back). Callbacks listed after this one in ``hydra.callbacks`` see them in their own
        ``on_job_end`` (Hydra calls those first); one that keeps the ``JobReturn`` to read its
        configurations later wants ``hydra.callbacks.sweep_report.keep_configurations=true``.
        A single run keeps them (``on_run_end`` is given them).
        """
        if config.hydra.mode == RunMode.MULTIRUN and not self.keep_configurations:
            job_return.cfg = job_return.hydra_cfg = None

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """List the jobs that did not finish (exit 1 or 2); remove copies of the finished ones."""
        sweep = Path(config.hydra.sweep.dir)
        try:
            launched = launched_jobs(sweep)
            unfinished = unfinished_jobs(launched)
            try:
                _remove_copies(sweep, launched)
            except OSError as error:  # the summary and the exit code come first
                say(f"{PROGRAM}: copies of this sweep's results were not looked for: {error}")
        finally:  # a script may sweep into this folder again in this process
            release_sweep_locks()
        if unfinished:
            print(sweep_summary(sweep, len(launched), unfinished), file=sys.stderr)
            sys.exit(sweep_exit_code(unfinished))

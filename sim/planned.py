"""The jobs a sweep planned, against the job folders it left: what a report of it is missing.

A sweep stopped (Ctrl-C, a kill) after some of its jobs finished leaves folders only for the
jobs Hydra had started: the others left no trace, and a report of the folder compared whatever
varied among the finished jobs (``seed`` in a sweep of ``referral`` and ``seed`` stopped after
``referral=none``'s jobs) without a word of the rest. Since 4 Dec 2026 the sweeper
(``hydra_plugins/referral_sim_sweeper``) writes :data:`PLAN` in the sweep's folder once it has
checked every job, before the first launches: each job's number and overrides, as Hydra writes
them in the job's ``.hydra/overrides.yaml``. The report (:mod:`sim.report`) compares the two:
the planned jobs with no folder are named, and so is a parameter the sweep varies that takes
one value among the jobs with results. A sweep run again into its folder writes its own record
over the earlier one; a sweep refused before it launched a job leaves the earlier one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import results as store
from sim.console import counted, listed
from sim.jobs import has_results, read_record
from sim.storage import write_text_atomic

PLAN = ".sweep_jobs.json"
"""The sweep's record of its jobs, in its folder (hidden: no reader takes it for results)."""


@dataclass(frozen=True)
class PlannedJob:
    """A job of the sweep's plan.

    Attributes:
        number: its job number (``hydra.job.num``).
        overrides: its overrides, as in its ``.hydra/overrides.yaml``.

    """

    number: int
    overrides: tuple[str, ...]


def record_plan(sweep: Path, overrides: Sequence[Sequence[str]]) -> Path:
    """Write :data:`PLAN` in ``sweep`` (atomically): job ``i`` has ``overrides[i]``.

    Returns:
        The record's path.

    """
    planned = [{"job": number, "overrides": list(job)} for number, job in enumerate(overrides)]
    return write_text_atomic(json.dumps({"jobs": planned}, indent=1) + "\n", Path(sweep) / PLAN)


def read_plan(sweep: Path) -> list[PlannedJob] | None:
    """The jobs :data:`PLAN` in ``sweep`` lists; None without a readable record.

    A sweep from before 4 Dec 2026, a single run and a parent of several sweeps have none.
    """
    planned = read_record(Path(sweep) / PLAN).get("jobs")
    try:
        return [PlannedJob(int(job["job"]), tuple(map(str, job["overrides"]))) for job in planned]
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class SweepPlan:
    """A sweep's planned jobs, and the overrides of the job folders found in its folder.

    Attributes:
        jobs: the planned jobs, in job order.
        started: the overrides of each job folder Hydra started (its ``.hydra/``).
        finished: those of the job folders with results.

    """

    jobs: list[PlannedJob]
    started: frozenset[tuple[str, ...]]
    finished: frozenset[tuple[str, ...]]

    def never_started(self) -> list[PlannedJob]:
        """The planned jobs no job folder holds: Hydra has not launched them."""
        return [job for job in self.jobs if job.overrides not in self.started]

    def with_results(self) -> list[PlannedJob]:
        """The planned jobs a job folder with results holds."""
        return [job for job in self.jobs if job.overrides in self.finished]


def plan_of(sweep: Path) -> SweepPlan | None:
    """The plan of the sweep in ``sweep`` against its job folders; None without a record.

    Job folders are matched by their overrides, not their numbers: a sweep run again with
    another command numbers its settings afresh, and a folder keeps an earlier sweep's job
    until Hydra launches the new one there.
    """
    sweep = Path(sweep)
    planned = read_plan(sweep)
    if planned is None:
        return None
    started = store.started_jobs(sweep)
    overrides = {job: tuple(store.read_overrides(job / store.OVERRIDES)) for job in started}
    finished = (held for job, held in overrides.items() if has_results(job))
    return SweepPlan(planned, frozenset(overrides.values()), frozenset(finished))


def never_started_notes(plan: SweepPlan | None) -> list[str]:
    """The report's note naming the planned jobs that have not started, if any.

    Each is named by the overrides that set it apart from the sweep's other jobs
    (``referral=two_sided seed=0``), or by its number when none does.
    """
    missing = plan.never_started() if plan is not None else []
    if not missing:
        return []
    names = listed([_setting_of(job, plan.jobs) for job in missing])
    alone = len(missing) == 1
    return [
        f"{len(missing)} of the sweep's {counted(len(plan.jobs), 'job')} "
        f"{'has' if alone else 'have'} not started and {'is' if alone else 'are'} not in this "
        f"report: {names}. The sweep was stopped (Ctrl-C or a kill) before it launched "
        f"{'it' if alone else 'them'}, or is still running: running the sweep's command again "
        f"runs {'it' if alone else 'them'}."
    ]


def _setting_of(job: PlannedJob, jobs: Sequence[PlannedJob]) -> str:
    """``job``'s overrides that not every job of ``jobs`` holds, else ``job <number>``."""
    shared = set.intersection(*(set(other.overrides) for other in jobs))
    own = [override for override in job.overrides if override not in shared]
    return " ".join(own) or f"job {job.number}"


def one_value_notes(plan: SweepPlan | None, metrics: pd.DataFrame) -> list[str]:
    """A note for each parameter the sweep varies that takes one value among the jobs with results.

    The report cannot compare its settings, and compares what varies among those jobs instead
    (``seed``, where only ``referral=none`` of ``referral=none,two_sided`` has results). Said
    only where the report's jobs (``metrics``, with any others the folder holds) do not vary it.
    """
    done = plan.with_results() if plan is not None else []
    if not done:
        return []
    varying, with_results = store.swept(metrics), _values(done)
    notes = []
    for key, values in _varied(plan.jobs).items():
        held = list(dict.fromkeys(with_results.get(key, [])))
        if len(held) == 1 and key.lstrip("+") not in varying:
            others = [value for value in values if value not in held]
            notes.append(_one_value_note(key, held[0], others, varying))
    return notes


def _one_value_note(key: str, held: str, others: list[str], varying: list[str]) -> str:
    """The note of :func:`one_value_notes` on ``key``, of which only ``held`` has results."""
    if not varying:
        instead = "the jobs with results are of one configuration"
    elif len(varying) == 1:
        instead = f"among the jobs with results only {varying[0]} varies"
    else:
        instead = f"among the jobs with results {', '.join(varying)} vary"
    return (
        f"the sweep varies {key}, but only {held} has results, so this report does not compare "
        f"{key}: {instead}. The sweep also planned {listed(others)}; report again once "
        f"{'it has' if len(others) == 1 else 'they have'} results."
    )


def _varied(jobs: Sequence[PlannedJob]) -> dict[str, list[str]]:
    """The overrides of each key that takes more than one value across ``jobs``, in job order."""
    values = _values(jobs)
    return {key: list(dict.fromkeys(texts)) for key, texts in values.items() if len(set(texts)) > 1}


def _values(jobs: Sequence[PlannedJob]) -> dict[str, list[str]]:
    """Each key the jobs set (``+`` kept, deletions left out) and its override in each job."""
    values: dict[str, list[str]] = {}
    for job in jobs:
        for override in job.overrides:
            key, assigned, _ = override.partition("=")
            if assigned and not key.startswith("~"):
                values.setdefault(key, []).append(override)
    return values

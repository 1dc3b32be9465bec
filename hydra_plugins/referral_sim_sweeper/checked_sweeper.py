"""Hydra's basic sweeper, showing progress while it checks every job's configuration.

Before it launches a batch, Hydra composes each job's configuration once to stop a bad
override early, at about 0.1 s a job: a 400-job sweep spent some 40 s in silence before
``Launching``. This sweeper does the same for every batch before the first launches (with
``hydra.sweeper.max_batch_size``, Hydra checks each batch only when it comes). It also checks
each job's values against their declared ranges (as the job itself would, so a value out of
range stops the sweep before any job runs, not when its job comes) and its group choices
against those its options make (:func:`sim.configure.refuse_overridden_choices`), and says so,
for sweeps of :data:`SHOWN_FROM` jobs or more: a progress bar when standard error is a terminal
(as the replicates' bar), else one line; everything else is Hydra's ``BasicSweeper``.

The configuration warnings the check says are passed to the jobs' worker processes (in the
environment, for the sweep's duration), so that each worker does not say them again. Once
every job passed, it writes the sweep's plan, each job's number and overrides, in the sweep's
folder (:data:`sim.planned.PLAN`): a report of a sweep stopped part way names the jobs that never
started. A sweep refused before any job launched leaves its folder's ``multirun.yaml`` and plan
as it found them, and removes the folder if the sweep made it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, open_dict
from tqdm import tqdm

SHOWN_FROM = 20
"""The smallest sweep whose check is shown (a few jobs take under two seconds)."""
CHECKING = "checking job configurations"
SWEEP_RECORD = "multirun.yaml"
"""Hydra's record of the sweep's configuration, written in the sweep's folder as it starts."""


class CheckedSweeper(BasicSweeper):
    """``BasicSweeper`` that shows its check of each job's configuration."""

    def sweep(self, arguments: list[str]) -> Any:
        """Hydra's sweep; the environment is left as it was (see :func:`pass_warnings_on`).

        Hydra writes the sweep's ``multirun.yaml`` before it checks the first batch, and the
        check writes the sweep's plan (:data:`sim.planned.PLAN`); a sweep refused by that check
        launches nothing, so both files are put back as they were (removed if there was none),
        and a folder the sweep made is removed: a refused command leaves the disk as it found
        it.
        """
        from sim.console import environment_restored
        from sim.params import SAID_BY_SWEEP
        from sim.planned import PLAN

        self._folder = folder = Path(self.config.hydra.sweep.dir)
        self._records = {
            record: record.read_bytes() if record.is_file() else None
            for record in (folder / SWEEP_RECORD, folder / PLAN)
        }
        with environment_restored(SAID_BY_SWEEP):
            try:
                returns = super().sweep(arguments)
                if not getattr(self, "_checked", 0):  # max_batch_size makes no batch of none
                    raise no_job_to_run()
                return returns
            except BaseException:
                if not getattr(self, "_checked", 0):  # refused before any batch was checked
                    self._put_back_the_sweep_records()  # (days=interval(1,30), say)
                raise

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Before the first batch, compose every job's configuration of the sweep, counting them.

        Hydra checks each batch (``hydra.sweeper.max_batch_size``) as it comes: a bad value in
        a later batch stopped the sweep after the earlier ones had run (until 3 Dec 2026).
        Every batch is checked before the first launches instead; the later ones are not
        checked again.
        """
        if getattr(self, "_checked", 0):  # a later batch: checked with the first
            return
        self._check([job for jobs in self.overrides for job in jobs])

    def _check(self, jobs: Sequence[Sequence[str]]) -> None:
        """Compose the configuration of every job of ``jobs`` (Hydra's check), counting them.

        Once every job passed, record the sweep's plan: each job's overrides as Hydra will
        write them in its ``.hydra/overrides.yaml`` (:func:`sim.planned.record_plan`).
        """
        shown = len(jobs) >= SHOWN_FROM
        terminal = sys.stderr.isatty()
        if shown and not terminal:
            line = f"referral-sim: {CHECKING} ({len(jobs)} jobs) before launching them"
            print(line, file=sys.stderr, flush=True)
        if not jobs:  # sweep() puts the record back, as for any refusal
            raise no_job_to_run()
        from sim.configure import refuse_overridden_choices
        from sim.planned import record_plan

        loader = self.hydra_context.config_loader
        bar = tqdm(total=len(jobs), desc=CHECKING, unit="job", disable=not (shown and terminal))
        planned = []
        try:
            with bar:
                for index, overrides in enumerate(jobs):  # the job numbers they will run as
                    refuse_overridden_choices(overrides)  # before Hydra lets one win
                    job = loader.load_sweep_config(
                        master_config=self.config, sweep_overrides=list(overrides)
                    )
                    planned.append(list(job.hydra.overrides.task))  # its overrides.yaml
                    check_job(job, index)
                    bar.update()
            record_plan(self._folder, planned)
        except BaseException:  # refused (or interrupted) before any job launched
            self._put_back_the_sweep_records()
            raise
        self._checked = len(jobs)
        pass_warnings_on()

    def _put_back_the_sweep_records(self) -> None:
        """Put ``multirun.yaml`` and the plan back as :meth:`sweep` found them; withdraw."""
        from sim.failures import withdraw_sweep
        from sim.storage import write_atomic

        for record, before in self._records.items():
            if before is None:
                record.unlink(missing_ok=True)
            else:
                write_atomic(record, lambda path, before=before: path.write_bytes(before))
        withdraw_sweep(self._folder)  # and the folder, if the sweep made it


def no_job_to_run() -> Exception:
    """The refusal of a sweep whose overrides expand to no job.

    Until 3 Dec 2026, with ``max_batch_size``, such a sweep exited 0 having run nothing.
    """
    from sim.params import ConfigError

    return ConfigError(
        "the sweep's overrides expand to no job (an empty range(), or a glob() that matches "
        "nothing): nothing would run"
    )


def pass_warnings_on() -> None:
    """Put the configuration warnings said so far where the workers started next will find them.

    A ``local_cores`` worker is a new process that checks its job's configuration again; the
    warnings the sweep has said are not said again there (once per sweep, not once per worker).
    """
    from sim.params import SAID_BY_SWEEP, warnings_said

    os.environ[SAID_BY_SWEEP] = json.dumps(warnings_said())


def check_job(job: DictConfig, index: int) -> None:
    """Check a job's values as its run will (ranges, choices), so a bad one stops the sweep now.

    The job's Hydra node is in place as when it runs (``hydra.job.num`` = ``index``), so values
    such as ``seed=${hydra:job.num}`` resolve as they will then.

    Raises:
        ConfigError: naming the first bad key (the command exits 2 before any job runs).

    """
    from sim.configure import (  # the plugin is imported by Hydra before sim may be
        refuse_merging_overrides,
        to_config,
    )

    task = list(job.hydra.overrides.task)
    if any("{" in override or "[" in override for override in task):  # parsing: a few ms
        refuse_merging_overrides(OverridesParser.create().parse_overrides(task))
    with open_dict(job):  # a fresh configuration per job: Hydra's launcher sets the same keys
        job.hydra.job.id = job.hydra.job.num = index
    hydra_config = HydraConfig.instance()
    running = hydra_config.cfg
    hydra_config.set_config(job)
    try:
        with open_dict(job):
            del job["hydra"]  # the model's keys only; the resolver reads HydraConfig's copy
        to_config(job)
    finally:
        hydra_config.cfg = running

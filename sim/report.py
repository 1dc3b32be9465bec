"""``referral-sim-report DIR``: a comparison table and figures for a finished (or running) sweep.

Writes ``report.md`` and PNG figures (adoption, reach against CAC, reach and CAC along a numeric
swept parameter of 3 or more values, repurchase, cascade sizes: see :mod:`sim.charts`) into
``DIR`` (``DIR/by_<parameter>`` when ``--by`` names a parameter other than the default one,
with ``_vs_<baseline>`` for a baseline other than the default, so no report overwrites
another's; or ``--out``) and prints the table. A folder where no parameter
varies (a single run) gets the one configuration's metrics with their CIs instead, without the
paired columns and the reach-versus-CAC figure, which need a baseline.

This module reads the results, decides what is compared and writes the report; :mod:`sim.table`
formats the table, :mod:`sim.charts` draws the figures and :mod:`sim.notes` words the notes
under the table.
"""

from __future__ import annotations

import argparse
import numbers
import re
import sys
import warnings
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import NamedTuple

import matplotlib
import numpy as np
import pandas as pd

from sim import jobs as jobs_store
from sim import planned
from sim import results as store
from sim.charts import (
    OWED_PARTS,
    SPEND_PARTS,
    curve_parameter,
    plot_adoption,
    plot_cascades,
    plot_curves,
    plot_reach_cac,
    plot_repurchase,
    plot_spend,
    styles_by_label,
)
from sim.compare import (
    METRICS,
    ComparisonError,
    UnpairedWarning,
    compare,
    conditions,
    did_you_mean,
    name_unset,
    wide,
)
from sim.configure import preset_settings
from sim.console import counted, listed, plain, say
from sim.notes import (
    counted_commissions_note,
    differences_across_note,
    earlier_runs_note,
    held_orders_note,
    kocs_unpaid_note,
    made_with,
    pending_rewards_note,
    reserve_left_note,
    same_spend_note,
    seldom_filled_note,
    seldom_filled_settings,
    shares_unspent_note,
    unbooked_commissions_note,
    undefined_note,
    unequal_spend_note,
)
from sim.storage import remove_orphaned_temporaries, write_text_atomic
from sim.summary import counting_owed
from sim.table import DEFAULT_LABEL, UNPAIRED_TABLE, baseline_named, format_table, label_of

DEFAULT_BY = "referral"
DEFAULT_BASELINE = "none"


def unfinished_jobs_note(folder: Path, unfinished: Sequence[Path], recorded: bool = False) -> str:
    """The report's note on started jobs with neither results nor a failure record.

    ``recorded``: the sweep recorded its jobs (:mod:`sim.planned`), whose note names those it has
    not started; without a record (until 4 Dec 2026) the note says they are not counted.
    """
    if list(unfinished) == [folder]:  # a single run: its own command completes it
        return (
            f"This run has no results yet and is not in this report (still running, or stopped "
            f"by Ctrl-C or a kill): run its command again with hydra.run.dir={folder} to "
            "complete it, from the replicates it kept."
        )
    names = store.job_names(folder, unfinished)
    jobs_text = (
        "1 started job has" if len(unfinished) == 1 else f"{len(unfinished)} started jobs have"
    )
    not_counted = "" if recorded else NOT_STARTED_NOT_COUNTED
    return (
        f"{jobs_text} no results yet and {'is' if len(unfinished) == 1 else 'are'} not in this "
        f"report: {listed(names)}. Still running, or stopped by Ctrl-C or a kill: running the "
        f"sweep's command again completes them, from the replicates they kept.{not_counted}"
    )


NOT_STARTED_NOT_COUNTED = (
    " Jobs the sweep had not started yet have no folder and are not counted here."
)
"""Said of a sweep with no record of its jobs (:mod:`sim.planned`), which cannot name them."""


LOAD_NOTES = (store.DuplicateJobWarning, store.MixedCodeWarning)  # said in the report's notes


def write_report(
    folder: Path,
    baseline: object = None,
    by: str | None = None,
    out: Path | None = None,
    count_owed: bool = False,
) -> str:
    """Write ``report.md`` and the figures for the sweep in ``folder``; return what to print.

    See :func:`written_report`, which also says where the report went.
    """
    return written_report(folder, baseline, by, out, count_owed).text


class Written(NamedTuple):
    """A report written: what to print, and where its ``report.md`` is."""

    text: str
    path: Path


def written_report(
    folder: Path,
    baseline: object = None,
    by: str | None = None,
    out: Path | None = None,
    count_owed: bool = False,
) -> Written:
    """Write ``report.md`` and the figures for the sweep in ``folder``: what to print, and where.

    Where no parameter varies across the jobs (a single run), the report is that one
    configuration's (see :func:`_write_configuration_report`), ``by`` and ``baseline`` or not.

    Args:
        folder: a run or sweep folder, or a parent of several.
        baseline: the value of ``by`` to compare against (default: see :func:`baseline_of`).
        by: the parameter naming the settings compared (default: see :func:`compared_by`).
        out: where to write (default: ``folder``, or its :func:`own_folder` for a ``by``
            other than the default; with ``count_owed``, their :data:`COUNTING_OWED`).
        count_owed: count the commissions owed past the budget as acquisition spend
            (:func:`sim.summary.counting_owed`), in the table, its Δ and the figures.

    Returns:
        The line of runs and replicates per setting, the table, and for one configuration
        the line saying there is nothing to compare (until 4 Dec 2026 the count of
        replicates was in report.md only); and the path of the report.md written.

    Raises:
        ResultsError: ``folder`` holds no finished job, does not exist or is a file.
        ComparisonError: ``by`` or ``baseline`` is not in the results, ``by`` takes one value
            in every job while other parameters vary, ``out`` is a file, or ``count_owed``
            where the results do not record what is owed.

    """
    jobs, metrics, noted = _load(folder)
    told = out is not None
    if count_owed:
        metrics = _counting_owed(metrics)
    given = (("by", by), ("baseline", baseline))
    asked = [f"--{name} {plain(value)}" for name, value in given if value is not None]
    other_by = by is not None and by != default_by(metrics)
    by = compared_by(metrics, by)
    keys = store.swept(metrics)
    if by is None or not keys:
        out = Path(folder) / COUNTING_OWED if count_owed and not told else out
        return _write_configuration_report(folder, jobs, metrics, noted, asked, out, count_owed)
    chosen = baseline is None  # the report picks it: say how
    baseline = baseline_of(metrics, by, baseline)
    # as written: `--baseline 0` names the default 0.0 of a reward
    other_baseline = not chosen and plain(baseline) != plain(baseline_of(metrics, by, None))
    if out is None and (other_by or other_baseline):
        out = own_folder(folder, by, baseline if other_baseline else None)
    if count_owed and not told:
        out = (Path(folder) if out is None else out) / COUNTING_OWED
    out = _checked_out(folder, out)
    comparison = _compared(metrics, baseline, by, noted)  # before a bad one deletes
    _clear(out)
    within = conditions(metrics, baseline, by)
    table = wide(comparison)
    in_table_order = [c for c in table.columns if c in keys]
    seldom = seldom_filled_settings(metrics, in_table_order)
    figures = _figures(
        jobs, table, keys, out, baseline, within=within, by=by, seldom=seldom, metrics=metrics
    )
    text = format_table(comparison)
    comparing = [
        *same_spend_note(comparison, by, baseline),
        *unequal_spend_note(comparison, by, baseline, within),
        *differences_across_note(comparison, by, within),
    ]
    notes = _notes(noted, metrics, comparing, in_table_order)
    say_the_rest(notes, noted)
    compared = metrics.drop_duplicates([*keys, "replicate"])  # as compare() counts each once
    redrawn = redrawn_by(metrics, [by, *(key for key in keys if key not in (by, *within))])
    intro = _comparison_intro(compared, baseline, chosen, by, within, redrawn)
    intro += f" {COUNTED_OWED_READS}" if count_owed else ""
    written = write_text_atomic(
        _markdown(folder, jobs, intro, text, figures, notes), out / "report.md"
    )
    counting = f" {COUNTED_OWED_READS}" if count_owed else ""
    legend = printed_legend(baseline, by, redrawn)
    return Written(f"{what_cells_are(compared)}{counting}\n\n{text}\n\n{legend}", written)


COUNTING_OWED = "counting_owed"
"""The folder, in the report's own, of a report with ``--count-owed``: it never overwrites the
report of the ledger's spend."""

COUNTED_OWED_READS = (
    "Spend, CAC, incremental CAC, ROI, profit and their Δ count the commissions owed past the "
    "budget as acquisition spend (--count-owed): what a brand that pays them sees."
)
"""Said above the table of a report with ``--count-owed``."""


def _counting_owed(metrics: pd.DataFrame) -> pd.DataFrame:
    """``metrics`` counting what is owed as spend (:func:`sim.summary.counting_owed`).

    Raises:
        ComparisonError: the results do not record what is owed (an older engine's).

    """
    if "commissions_unbooked" not in metrics.columns:
        raise ComparisonError(
            "--count-owed needs each run's commissions_unbooked, and these results do not "
            "record it (an older engine's): run the sweep again, or report without --count-owed"
        )
    return counting_owed(metrics)


OWN_FOLDER = "by_{}"
"""The folder, in the sweep's, of a report compared by a parameter other than the default one."""


def own_folder(folder: Path, by: str, baseline: object = None) -> Path:
    """Where a report not by the defaults goes unless told: ``folder/by_<by>[_vs_<baseline>]``.

    ``baseline``: given where it is not the default one. Until 4 Dec 2026 every report went to
    ``folder``: ``--by network.k`` or ``--baseline one_sided`` wrote over the default report,
    its report.md and figures. Characters a folder name should not hold (``/``, spaces) read
    ``_``.
    """
    name = OWN_FOLDER.format(by) + (f"_vs_{plain(baseline)}" if baseline is not None else "")
    return Path(folder) / re.sub(r"[^\w.+=-]", "_", name)


def default_by(metrics: pd.DataFrame) -> str | None:
    """The parameter the report compares by when not told (:func:`compared_by`), or None.

    None where nothing varies, and where several parameters vary and none is ``referral``
    (every report of such a sweep names its ``--by``, and each gets its own folder).
    """
    try:
        return _default_by(metrics, store.swept(metrics))
    except ComparisonError:
        return None


CONFIGURATION = "configuration"
"""The settings column of a report of one configuration: its parameters, ``name=value``."""


def _write_configuration_report(
    folder: Path,
    jobs: list[Path],
    metrics: pd.DataFrame,
    noted: list[str],
    asked: Sequence[str] = (),
    out: Path | None = None,
    count_owed: bool = False,
) -> Written:
    """The report of jobs that all ran one configuration: its metrics with their 95% CIs.

    One row, the report's columns less the paired ones (Δ customers, incremental CAC), and a
    line saying there is nothing to compare against and how to make a comparison (or, in a
    sweep whose other jobs failed or have not finished, that only one setting has results
    yet); the figures less ``reach_cac.png`` (a frontier of one point compares nothing).

    Args:
        folder: the folder read.
        jobs: its finished jobs.
        metrics: their metrics (no parameter varies).
        noted: notes of the load, said in the report.
        asked: the ``--by``/``--baseline`` options given (``--by referral``), said to have
            nothing to compare yet (a sweep reported while one setting has results is no
            error: scripts that report a running sweep keep working).
        out: where to write (default: ``folder``).
        count_owed: ``metrics`` count the commissions owed as spend: say so above the table.

    Returns:
        The line of its replicates, the table and the line saying there is nothing to compare;
        and where its report.md is.

    Raises:
        ComparisonError: ``out`` is a file.

    """
    out = _checked_out(folder, out)
    label = configuration_label(metrics)
    comparison = _compared(metrics.assign(**{CONFIGURATION: label}), label, CONFIGURATION, noted)
    _clear(out)
    (out / "reach_cac.png").unlink(missing_ok=True)  # an earlier report's, of other settings
    table = wide(comparison)
    figures = _figures(
        jobs, table, [CONFIGURATION], out, frontier=False, label=label, metrics=metrics
    )
    text = format_table(comparison, UNPAIRED_TABLE)
    failed = store.failed_jobs(Path(folder)) if Path(folder).is_dir() else {}
    plan = planned.plan_of(Path(folder))
    not_started = len(plan.never_started()) if plan is not None else 0
    nothing = nothing_to_compare(
        metrics, unfinished_jobs(Path(folder)), asked, list(failed), not_started
    )
    notes = [nothing, "", *_notes(noted, metrics)]
    say_the_rest(notes[2:], noted)
    replicates = int(comparison.query("metric == 'customers'")["replicates"].max())
    intro = _configuration_intro(replicates)
    intro += f" {COUNTED_OWED_READS}" if count_owed else ""
    written = write_text_atomic(
        _markdown(folder, jobs, intro, text, figures, notes), out / "report.md"
    )
    said = f"One configuration, {counted(replicates, 'replicate')}."
    said += f" {COUNTED_OWED_READS}" if count_owed else ""
    return Written(f"{said}\n\n{text}\n\n{printed_legend()}\n\n{nothing}", written)


def configuration_label(metrics: pd.DataFrame) -> str:
    """``name=value`` of each parameter the jobs set (all set the same, null too), or ``default``.

    Nothing varies, so a parameter missing (NaN) from the first job is missing from all of
    them, and one of them set it: to null.
    """
    first = metrics.iloc[0]
    names = [  # run.replicates is not a setting (store.SAMPLE_SIZE): the intro counts them
        n for n in metrics.attrs.get("parameters", []) if n != store.SAMPLE_SIZE
    ]
    values = ("null" if pd.isna(first[n]) else plain(first[n]) for n in names)
    return ", ".join(f"{n}={value}" for n, value in zip(names, values, strict=True)) or (
        DEFAULT_LABEL
    )


def nothing_to_compare(
    metrics: pd.DataFrame,
    unfinished: Sequence[Path] = (),
    asked: Sequence[str] = (),
    failed: Sequence[Path] = (),
    not_started: int = 0,
) -> str:
    """The line of a report of one configuration: why nothing is compared, how to compare.

    Args:
        metrics: the jobs' metrics (no parameter varies).
        unfinished: started job folders here without results (failed, running or stopped),
            each named in a note below the line.
        asked: the comparison options given (``--by referral``), which have nothing to compare.
        failed: those of ``unfinished`` that failed (``failed.json``): waiting will not
            finish them (until 3 Dec 2026 the line said to report again when they had).
        not_started: how many of the sweep's planned jobs have not started (:mod:`sim.planned`),
            named in a note below (until 4 Dec 2026 the line said to sweep a parameter).

    """
    options = f"{' '.join(asked)}: " if asked else ""
    if unfinished or not_started:
        failing = [job for job in unfinished if job in set(failed)]
        waiting = len(unfinished) - len(failing)
        parts = []
        if waiting:
            verb = "does" if waiting == 1 else "do"
            parts.append(f"{counted(waiting, 'other started job')} {verb} not have results yet")
        if failing:
            parts.append(f"{counted(len(failing), 'job' if waiting else 'other job')} failed")
        if not_started:
            verb = "has" if not_started == 1 else "have"
            parts.append(f"{counted(not_started, 'job')} of the sweep {verb} not started")
        when = (
            "when a second setting has finished"
            if waiting or not_started
            else "once the sweep's command, run again, has finished a second setting"
        )
        return (
            f"{options}Nothing to compare yet: only one setting has results here, and "
            f"{' and '.join(parts)} (see below); report again {when}."
        )
    return (
        f"{options}Nothing to compare against: {_nothing_varies(metrics)}, so this report has "
        "no Δ customers, incremental CAC or reach-versus-CAC figure, which need a baseline. "
        f"To compare, {HOW_TO_COMPARE}."
    )


def unfinished_jobs(folder: Path) -> list[Path]:
    """Job folders under ``folder`` without results: failed, running, or stopped part way.

    A job folder is one Hydra has started (its ``.hydra/``); folders in hidden ones (results
    being kept or taken) are left out, and so are those whose setting another job of the same
    sweep folder holds (the same ``.hydra/overrides.yaml`` as a finished job): a copy a sweep
    removed keeps its logs, and its setting's results are in the table.
    """
    waiting = store.started_jobs(folder)
    missing = [f for f in waiting if not jobs_store.has_results(f)]
    held = {_overrides_of(f) for f in waiting if jobs_store.has_results(f)} - {None}
    return sorted(
        (f for f in missing if _overrides_of(f) not in held), key=jobs_store.natural_order
    )


def _overrides_of(job: Path) -> tuple[Path, str] | None:
    """``(sweep folder, the text of .hydra/overrides.yaml)`` of a job, None without one."""
    try:
        return job.parent, (job / ".hydra" / "overrides.yaml").read_text(encoding="utf-8")
    except OSError:
        return None


HOW_TO_COMPARE = (
    "sweep a parameter with -m (e.g. `referral-sim -m referral=none,two_sided`) and report "
    "the sweep's folder"
)
LEAVE_OUT = (
    "leave out --by and --baseline for the report of this one configuration, or, to compare, "
    + HOW_TO_COMPARE
)


def _replicates_per_setting(metrics: pd.DataFrame) -> tuple[int, int]:
    """The fewest and the most replicates a setting (a combination of swept values) has."""
    replicates = metrics.groupby(store.swept(metrics) or ["job"], dropna=False).size()
    return int(replicates.min()), int(replicates.max())


def runs_and_replicates(metrics: pd.DataFrame) -> str:
    """``1200 runs; 200 replicates per setting.``: the report's first words, also printed."""
    low, high = _replicates_per_setting(metrics)
    per_setting = counted(low, "replicate") if low == high else f"{low}–{high} replicates"
    return f"{len(metrics):,} runs; {per_setting} per setting."


def what_cells_are(metrics: pd.DataFrame) -> str:
    """The line printed above a comparison's table: its runs, and what a cell is."""
    return f"{runs_and_replicates(metrics)} {_cells_read(*_replicates_per_setting(metrics))}."


def _cells_read(low: int, high: int) -> str:
    """What a cell of the table is, by the replicates per setting (one has no CI)."""
    if high == 1:
        return "Cells are single runs, with no CI (one replicate per setting)"
    if low == 1:
        return "Cells are means with 95% CIs over replicates (none for a setting of one)"
    return "Cells are means with 95% CIs over replicates"


ONE_REPLICATE_NOTE = (
    "every setting has one replicate, so the table has no confidence intervals and its "
    "differences may be noise: run the same command with run.replicates=2 or more (finished "
    "replicates are kept)"
)
"""Said below the table and on standard error: the header said "95% CIs" over one run
(until 3 Dec 2026, a new user's walkthrough)."""


def _load(folder: Path) -> tuple[list[Path], pd.DataFrame, list[str]]:
    """The finished jobs, their metrics and the notes of the load (said on standard error)."""
    folder = Path(folder)
    plan = planned.plan_of(folder)  # None without a record (or a folder)
    with warnings.catch_warnings(record=True) as caught:  # said once, below, and in the notes
        warnings.simplefilter("always")
        try:  # first: a missing folder or a file is refused, not made
            jobs = store.job_folders(folder, say_failed=False)  # said in its notes
        except store.ResultsError as error:  # with the jobs that have none, if any: why none
            notes = _missing_jobs_notes(folder, plan)  # which say what to do instead of NO_JOBS
            said = str(error).removesuffix(store.NO_JOBS)
            raise store.ResultsError(
                " ".join([f"{said}.", *notes]) if notes else str(error)
            ) from None
        metrics = without_copies(store.load(jobs))  # though a sweep still runs
    noted = list(dict.fromkeys(str(w.message) for w in caught if w.category in LOAD_NOTES))
    noted += _missing_jobs_notes(folder, plan)
    noted += planned.one_value_notes(plan, metrics)
    noted += [ONE_REPLICATE_NOTE] if _replicates_per_setting(metrics)[1] == 1 else []
    for message in noted:
        print(f"referral-sim-report: note: {message}", file=sys.stderr)
    for other in (w for w in caught if w.category not in LOAD_NOTES):
        warnings.showwarning(other.message, other.category, other.filename, other.lineno)
    return jobs, metrics, noted


def without_copies(metrics: pd.DataFrame) -> pd.DataFrame:
    """``metrics`` with each run once, for the counts, means and notes of the report.

    Jobs that differ only in ``run.replicates`` share their first replicates: the same runs,
    every parameter and outcome equal (:data:`sim.results.SAMPLE_SIZE`).
    """
    same = [c for c in metrics.columns if c not in ("job", store.SAMPLE_SIZE)]
    return metrics[~metrics.duplicated(same)]


def _missing_jobs_notes(folder: Path, plan: planned.SweepPlan | None = None) -> list[str]:
    """Notes on the jobs of ``folder`` without results: failed, unfinished, then not started.

    Until 2 Dec 2026 only failed jobs were named: a setting whose job was killed, or still
    running, was left out of the table without a word; until 4 Dec 2026 jobs the sweep had not
    started were not named (``plan``: the sweep's record of its jobs, :mod:`sim.planned`).
    """
    if not folder.is_dir():
        return []
    failed = store.failed_jobs(folder)
    unfinished = [job for job in unfinished_jobs(folder) if job not in failed]
    return [
        *([store.failed_jobs_note(folder, failed, "this report")] if failed else []),
        *([unfinished_jobs_note(folder, unfinished, plan is not None)] if unfinished else []),
        *planned.never_started_notes(plan),
    ]


def _checked_out(folder: Path, out: Path | None) -> Path:
    """Where the report goes: ``out``, else ``folder``, refused if it is a file."""
    out = Path(out or folder)
    if out.is_file():
        raise ComparisonError(f"--out {out} is a file: give a folder for report.md and the figures")
    return out


COMPARE_NOTES = (UnpairedWarning, store.DuplicateJobWarning)
"""What :func:`sim.compare.compare` warns of that the report says in its notes: settings with no
baseline to pair with, and replicates held twice with other outcomes (jobs whose parameters do
not tell them apart, such as results kept in ``earlier/`` from an edited network file)."""


REFERRED = "referred_repurchase_30d"


def shown_metrics(metrics: pd.DataFrame) -> tuple[str, ...]:
    """What the report compares: :data:`sim.compare.METRICS`, the whole spend and the profit.

    The spend column (since 3 Dec 2026) shows the scale of each setting, and what a retention
    scheme costs, which no CAC counts; the profit columns (since 4 Dec 2026) what a setting
    earns, which ROI (revenue over spend, 2.00 where break-even is 2.5) did not say; the
    referred customers' 30-day repurchase (since 4 Dec 2026) whether they come back. Results
    without them leave them out.
    """
    extra = [n for n in ("spend_total", "gross_profit", REFERRED) if n in metrics.columns]
    return (*METRICS, *extra)


def _compared(metrics: pd.DataFrame, baseline: object, by: str, noted: list[str]) -> pd.DataFrame:
    """:func:`sim.compare.compare`, its :data:`COMPARE_NOTES` said and added to ``noted``."""
    with warnings.catch_warnings(record=True) as caught:  # said in the notes
        for category in COMPARE_NOTES:
            warnings.simplefilter("always", category)
        comparison = compare(metrics, baseline=baseline, by=by, metrics=shown_metrics(metrics))
    for warning in caught:
        if warning.category not in COMPARE_NOTES:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
            continue
        print(f"referral-sim-report: note: {warning.message}", file=sys.stderr)
        message = str(warning.message)
        noted.append(f"{message[:1].upper()}{message[1:]}.")
    return comparison


def _clear(out: Path) -> None:
    """Make ``out`` and remove what an earlier report left that would mislead."""
    out.mkdir(parents=True, exist_ok=True)
    remove_orphaned_temporaries(out)  # of an earlier report killed while it wrote
    (out / "report.md").unlink(missing_ok=True)  # never beside figures of another snapshot


def _figures(
    jobs: list[Path],
    table: pd.DataFrame,
    keys: list[str],
    out: Path,
    paired: object = None,
    frontier: bool = True,
    label: str | None = None,
    within: Sequence[str] = (),
    by: str | None = None,
    seldom: Collection[str] = (),
    metrics: pd.DataFrame | None = None,
) -> list[Path]:
    """Draw the report's figures into ``out``; return their paths.

    Each setting has one style in all of them (:func:`sim.charts.styles_by_label`), in the
    table's order. Where a condition or ``by`` is numeric and takes 3 or more values
    (:func:`sim.charts.curve_parameter`), :data:`CURVES` draws customers and CAC against it;
    otherwise an earlier report's is removed, as it would be of other settings.

    Args:
        jobs: the finished jobs (their time series and cascades are read here).
        table: the :func:`sim.compare.wide` table of the settings.
        keys: the parameters naming the settings.
        out: where to write.
        paired: the baseline of the adoption figure's paired panel (None: no such panel).
        frontier: draw ``reach_cac.png``.
        within: the conditions, within whose combinations the frontier is drawn; they and
            ``by`` are the parameters :data:`CURVES` may be drawn against.
        label: the :data:`CONFIGURATION` of every row (a report of one configuration).
        by: the parameter compared, whose missing values the table names :data:`UNSET`
            (named so here too, for the same labels).
        seldom: the labels of the group buys whose teams seldom filled (see
            :func:`sim.charts.reach_cac_figure`).
        metrics: the jobs' metrics, for ``spend.png`` (None: not drawn).

    """
    named = {CONFIGURATION: label} if label is not None else {}
    shown = [c for c in table.columns if c in keys]  # labels read as the table's columns
    keys = [*shown, *(k for k in keys if k not in shown)]
    styles = styles_by_label(label_of(table, shown))  # one per setting, in the table's order

    def read(kind: str) -> pd.DataFrame:
        frame = distinct_replicates(_quietly(store.load, jobs, kind).assign(**named), keys)
        return name_unset(frame, by) if by is not None else frame

    adoption = out / "adoption.png"
    series = read("timeseries")
    figures = [plot_adoption(series, keys, adoption, paired, styles, within, by)]
    if frontier:
        reach = out / "reach_cac.png"
        figures.append(plot_reach_cac(table, shown, reach, within, styles, seldom))
    figures += _curves(table, shown, out, [*within, *([by] if by else [])], styles)
    figures.append(plot_repurchase(table, shown, out / "repurchase.png", styles))
    if metrics is not None:
        spend = distinct_replicates(metrics.assign(**named), keys)
        spend = name_unset(spend, by) if by is not None else spend
        figures.append(plot_spend(spend_by_setting(spend, table, shown), shown, out / SPEND))
    cascades = read("cascades")
    if len(cascades):
        figures.append(plot_cascades(cascades, keys, out / "cascades.png", styles))
    return figures


SPEND = "spend.png"
"""The figure of each setting's spend by component (:func:`sim.charts.spend_figure`)."""


def spend_by_setting(metrics: pd.DataFrame, table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Each setting's mean spend per run by component and owed, in ``table``'s order.

    Means of ``metrics``' :data:`sim.charts.SPEND_PARTS` and :data:`sim.charts.OWED_PARTS`
    columns by ``keys`` (the settings' parameters, as the table names them).
    """
    parts = [c for c in (*SPEND_PARTS, *OWED_PARTS) if c in metrics.columns]
    means = metrics.groupby(keys, sort=False, dropna=False)[parts].mean().reset_index()
    return table[keys].merge(means, on=keys, how="left")  # NaN keys match NaN, as in wide


CURVES = "reach_cac_curves.png"
"""The figure of customers and CAC against a numeric swept parameter (see :func:`_curves`)."""


def _curves(
    table: pd.DataFrame,
    keys: Sequence[str],
    out: Path,
    candidates: Sequence[str],
    styles: dict[str, dict],
) -> list[Path]:
    """:data:`CURVES` against the numeric parameter of ``candidates`` with the most values.

    ``candidates``: the conditions, then ``by``; none numeric with 3 or more values
    (:func:`sim.charts.curve_parameter`): no figure, and an earlier report's is removed.
    """
    along = curve_parameter(table, [c for c in candidates if c in keys])
    if along is None:
        (out / CURVES).unlink(missing_ok=True)
        return []
    return [plot_curves(table, keys, along, out / CURVES, styles)]


def distinct_replicates(table: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``table`` (time series or cascades, as loaded: with ``job``), each replicate once.

    Jobs that differ only in ``run.replicates`` share their first replicates, the same runs
    (:data:`sim.results.SAMPLE_SIZE`); as in :func:`sim.compare.compare`, the first job's rows
    of a replicate are kept, so no run weighs twice in a mean or a pooled count.
    """
    first_job = table.groupby([*keys, "replicate"], dropna=False, sort=False)["job"].transform(
        "first"
    )
    return table[table["job"] == first_job]


def _notes(
    noted: list[str],
    metrics: pd.DataFrame,
    comparing: Sequence[str] = (),
    keys: Sequence[str] | None = None,
) -> list[str]:
    """The paragraphs below the table: ``noted``, ``comparing`` and what is still owed.

    ``keys`` name the settings in the table's order (default: :func:`sim.results.swept`'s).
    """
    return [
        *(line for note in noted for line in (note, "")),
        *comparing,
        *undefined_note(metrics, keys),
        *pending_rewards_note(metrics, keys),
        *unbooked_commissions_note(metrics, keys),
        *counted_commissions_note(metrics, keys),
        *reserve_left_note(metrics, keys),
        *held_orders_note(metrics, keys),
        *seldom_filled_note(metrics, keys),
        *kocs_unpaid_note(metrics, keys),
        *shares_unspent_note(metrics, keys),
        *earlier_runs_note(metrics, keys),
    ]


def say_the_rest(notes: Sequence[str], noted: Sequence[str]) -> None:
    """Say on standard error each paragraph of ``notes`` not said as it was found (``noted``).

    Until 4 Dec 2026 the notes on the table (incremental CACs that are 0 or – by construction,
    undefined metrics, what runs still owe) were in report.md only, so a terminal's
    `0.0 [-inf, inf]` of a retention scheme read as free customers.
    """
    for paragraph in notes:
        if paragraph and paragraph not in noted:
            print(f"referral-sim-report: note: {paragraph}", file=sys.stderr)


def _quietly(load, *arguments):
    """``load(*arguments)`` without repeating the notes the metrics' load gave."""
    with warnings.catch_warnings():
        for category in LOAD_NOTES:
            warnings.simplefilter("ignore", category)
        return load(*arguments)


def compared_by(metrics: pd.DataFrame, by: str | None) -> str | None:
    """The parameter whose settings the report compares, or None if there is nothing to compare.

    Unless given, ``referral`` when it varies, else the one parameter that varies across the
    jobs (``referral.referrer_reward`` in a sweep of rewards); None when no parameter varies
    (a single run: the report is that configuration's). A ``by`` given where nothing varies
    is returned (the report is still that one configuration's, and says so).

    Raises:
        ComparisonError: listing the parameters that vary, when ``by`` is missing from the results,
            is measured rather than set, takes one value in every job while others vary, or
            cannot be told from the results.

    """
    varying = store.swept(metrics)
    if by is None:
        return _default_by(metrics, varying)
    parameters = metrics.attrs.get("parameters")
    if by == store.SAMPLE_SIZE:
        raise ComparisonError(
            f"{by!r} is how many replicates a job ran, not a setting (its jobs' shared "
            f"replicates are the same runs); {_varying_text(metrics, varying)}"
        )
    if by in metrics.columns and parameters is not None and by not in parameters:
        raise ComparisonError(
            f"{by!r} is measured, not set: --by (by= from Python) takes a parameter of the jobs; "
            + _varying_text(metrics, varying)
        )
    if by in metrics.columns and varying and by not in varying:
        raise ComparisonError(
            f"{by!r} takes one value in every job ({plain(metrics[by].iloc[0])}): "
            "nothing to compare by it; " + _varying_text(metrics, varying)
        )
    if by in metrics.columns:
        return by
    raise ComparisonError(
        f"results lack column {by!r}{_nearest_parameter(metrics, by, varying)}; "
        + _varying_text(metrics, varying)
    )


def _nearest_parameter(metrics: pd.DataFrame, by: str, varying: list[str]) -> str:
    """`` (did you mean network.rewire?)`` for a misspelt ``--by``, as for a misspelt key.

    The parameters that vary come first: of two as near, the one there is something to
    compare by. Until 4 Dec 2026 ``--by network.rewyre`` got the list of them only.
    """
    parameters = [n for n in metrics.attrs.get("parameters", []) if n != store.SAMPLE_SIZE]
    return did_you_mean(by, list(dict.fromkeys([*varying, *parameters])))


def _default_by(metrics: pd.DataFrame, varying: list[str]) -> str | None:
    """:func:`compared_by` when ``--by`` is not given."""
    if not varying:
        return None
    if DEFAULT_BY in varying:
        return DEFAULT_BY
    if len(varying) == 1:
        return varying[0]
    raise ComparisonError(
        f"several parameters vary and none is {DEFAULT_BY!r}; {_varying_text(metrics, varying)}"
    )


def _varying_text(metrics: pd.DataFrame, varying: list[str]) -> str:
    if not varying:
        return f"{_nothing_varies(metrics)}; {LEAVE_OUT}"
    example = baseline_of(metrics, varying[0], None)
    return (
        f"the parameters that vary across the jobs are {', '.join(varying)}: name the one to "
        "compare by and its baseline value, with --by and --baseline on the command line or "
        "by= and baseline= from Python (sim.compare, sim.report.write_report), e.g. "
        f"--by {varying[0]} --baseline {plain(example)}, "
        f"or by={varying[0]!r}, baseline={_python_value(example)}"
    )


def _python_value(value: object) -> str:
    """``value`` as a Python caller would pass it: a number as such, else quoted text."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return plain(value)  # numpy's numbers too
    return repr(plain(value))


def _nothing_varies(metrics: pd.DataFrame) -> str:
    named = ", ".join(metrics.attrs.get("parameters", [])) or "none"
    return f"no parameter varies across the jobs (parameters: {named})"


def baseline_of(metrics: pd.DataFrame, by: str, baseline: object) -> object:
    """The baseline setting: ``baseline`` if given, else ``none`` if present, else the smallest."""
    if baseline is not None:
        return baseline
    values = metrics[by].dropna()
    if (values.astype(str) == DEFAULT_BASELINE).any():
        return DEFAULT_BASELINE
    return _smallest(values)


def _smallest(values: pd.Series) -> object:
    """The smallest value: numbers by size, text alphabetically."""
    present = values.dropna().unique().tolist()
    numeric = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    if len(present) and numeric.notna().all():
        return present[int(numeric.to_numpy().argmin())]
    return min(present, key=str) if present else None


def _markdown(
    folder: Path, jobs: list[Path], intro: str, table: str, figures: list[Path], notes: list[str]
) -> str:
    lines = [f"# Report: {folder}", "", intro, "", table, "", *notes]
    lines += [f"![{figure.stem}]({figure.name})" for figure in figures]
    return "\n".join([*lines, "", made_with(jobs)]) + "\n"


def _comparison_intro(
    metrics: pd.DataFrame,
    baseline: object,
    chosen: bool = False,
    by: str = DEFAULT_BY,
    within: Sequence[str] = (),
    redrawn: dict[str, list[str]] | None = None,
) -> str:
    """The paragraph above a comparison's table: runs, replicates, the market, what cells are.

    Args:
        metrics: the jobs' metrics.
        baseline: the baseline setting.
        chosen: the report chose the baseline (no ``--baseline``): say how when not ``none``.
        by: the parameter compared, named with the baseline unless it is ``referral``.
        within: the conditions: the baseline is paired within each of their combinations.
        redrawn: what the settings draw otherwise than the baseline (:func:`redrawn_by`).

    """
    low, high = _replicates_per_setting(metrics)
    picked = ""
    if chosen and str(baseline) != DEFAULT_BASELINE:
        picked = f" (`{DEFAULT_BASELINE}` is not among the settings: the smallest; see --baseline)"
    against = baseline_named(baseline, by)
    inside = f" at the same {', '.join(f'`{c}`' for c in within)}" if within else ""
    return (
        f"{runs_and_replicates(metrics)} {held_fixed(metrics)} "
        f"{_cells_read(low, high)} ({POOLED_READS}); Δ and incremental "
        "CAC are paired by "
        f"replicate against `{against}`{picked}{inside} (incremental CAC: extra acquisition "
        "spend per extra customer, Fieller CI: [-inf, inf] where Δ customers' CI reaches 0 "
        "(the scheme may have won no extra customers, or fewer, for its extra spend), very "
        "wide where it nearly does; "
        "below 0 where it wins more customers for less spend than "
        "the baseline; – where the scheme wins no extra customers on "
        f"average, Δ customers ≤ 0: read that Δ's CI; a setting pays for its extra spend "
        "where its incremental CAC is below what the baseline pays a customer, its CAC). "
        f"{paired_reads(redrawn)} {SPEND_READS} CAC and incremental CAC are in yuan per customer; "
        f"{MONEY_READS} "
        "repurchase_rate counts re-buys by the run's end, so customers won early have had "
        "longer; repurchase_30d (of customers won 30+ days before the end, the share who "
        "re-bought within 30 days) compares settings that won them at different times; its "
        "referred column is the same of the customers won through a consumer's link. ROI "
        "counts orders by the run's end too, so it favours a setting that won its customers "
        "early (a small budget spent in the first days) by their repeat orders. "
        f"{FRAUD_READS} {CI_READS}"
    )


def printed_legend(
    baseline: object = None, by: str = DEFAULT_BY, redrawn: dict[str, list[str]] | None = None
) -> str:
    """The line printed below the table: what its less plain columns mean, in a few words.

    ``baseline`` None: a report of one configuration, with no paired columns. report.md's
    paragraph above the table says more; until 4 Dec 2026 the terminal's table had no word on
    its columns (``incremental CAC 100.7 [49.0, inf]``). ``redrawn``: what the settings
    compared draw otherwise than the baseline (:func:`redrawn_by`).
    """
    against = baseline_named(baseline, by)
    paired = (
        f"Δ customers and Δ profit: the change against `{against}`, each run set against "
        f"`{against}`'s run of the same replicate ({shared_draws_text(redrawn)}); incremental CAC: "
        "extra acquisition spend per extra customer, in yuan (below 0: more customers for "
        "less spend; `[-inf, inf]`: Δ customers may be 0 or below; `–`: no extra customers); "
    )
    return (
        f"{paired if baseline is not None else ''}CAC: acquisition spend per customer, in yuan; "
        "roi: revenue per yuan spent, not profit. report.md explains every column."
    )


REDRAWN = {
    "seed": "the network and consumers differ",
    "network": "the network differs",
    "population": "the consumers' traits differ",
    "influencers": "the KOL and KOC audiences differ",
}
"""What a run draws otherwise when a key of each group differs (:mod:`sim.rng`: the network,
traits and follow streams are drawn from the seed and replicate, by the values of these keys)."""

NOT_DRAWN = ("population.memory_days",)
"""Keys of :data:`REDRAWN`'s groups that no draw before day 1 reads."""

PRESETS = ("experiment", "scenario")
"""Groups whose options set other keys (:func:`preset_settings`), which may redraw; so do
those under ``experiment/`` (``experiment/network=lattice`` chooses ``network=lattice``)."""


def redrawn_by(metrics: pd.DataFrame, compared: Sequence[str]) -> dict[str, list[str]]:
    """What the settings compared draw otherwise than the baseline, and the keys that make it.

    ``compared``: the swept parameters that tell the settings apart (``by`` and those that
    describe them, not the conditions, which the baseline shares). A preset (``scenario``)
    counts by the keys its options set. Empty where every replicate ``r`` sees the baseline's
    network and consumers.
    """
    redrawn: dict[str, list[str]] = {}
    for key in compared:
        for set_key in [key, *_preset_keys(metrics, key)]:
            what = what_a_key_redraws(set_key)
            if what is not None and key not in redrawn.get(what, []):
                redrawn.setdefault(what, []).append(key)
    return redrawn


def what_a_key_redraws(key: str) -> str | None:
    """What a run draws otherwise when ``key`` differs (:data:`REDRAWN`), or None."""
    if key in NOT_DRAWN:
        return None
    group = key.split(".", 1)[0]
    return REDRAWN.get(group)


def _preset_keys(metrics: pd.DataFrame, key: str) -> list[str]:
    """The keys the presets of ``key``'s values set (none for a key other than a preset's)."""
    if key not in PRESETS and not key.startswith("experiment/"):
        return []
    options = metrics[key].dropna().unique()
    return [name for option in options for name in preset_settings(key, str(option))]


def shared_draws_text(redrawn: dict[str, list[str]] | None = None) -> str:
    """What a run shares with the baseline's of the same replicate, in a few words.

    ``same network and consumers``, unless the settings differ in a key that changes what is
    drawn before day 1 (``redrawn``, :func:`redrawn_by`): until 4 Dec 2026 a report compared by
    ``network.rewire`` said so of runs on different networks.
    """
    if not redrawn:
        return "same network and consumers"
    differs = "; ".join(f"{what} with {', '.join(keys)}" for what, keys in redrawn.items())
    same = "replicate" if REDRAWN["seed"] in redrawn else "seed and replicate"
    return f"the same {same}; {differs}"


def paired_reads(redrawn: dict[str, list[str]] | None = None) -> str:
    """:data:`PAIRED_READS`, or where the settings draw otherwise, what the pairing shares."""
    if not redrawn:
        return PAIRED_READS
    return (
        "Paired: each run is set against the baseline's run of the same replicate "
        f"({shared_draws_text(redrawn)}), so only the luck of the draws the two runs still "
        "share cancels out of the difference."
    )


def held_fixed(metrics: pd.DataFrame) -> str:
    """The sentence naming the parameters set alike in every job: the market of the report.

    Two reports of the same schemes on different markets (``+scenario=gen_z_2026``,
    ``network.n=2000``) read alike without it.
    """
    fixed = [
        n
        for n in metrics.attrs.get("parameters", [])
        if n != store.SAMPLE_SIZE and n not in store.swept(metrics) and metrics[n].notna().all()
    ]
    if not fixed:
        return "Every job ran `conf/`'s defaults but for the parameters in the table."
    values = ", ".join(f"{n}={plain(metrics[n].iloc[0])}{_preset_text(metrics, n)}" for n in fixed)
    return f"Set alike in every job: {values}; the rest as in `conf/`."


def _preset_text(metrics: pd.DataFrame, name: str) -> str:
    """`` (which sets referral=two_sided, run.replicates=30)`` after ``experiment=...``, or "".

    What the preset sets and the jobs did not set otherwise (:func:`preset_settings`, read
    from ``conf/`` now): until 4 Dec 2026 the reward sweep's report named no scheme, and the
    budget frontier's no ad budget.
    """
    if name != "experiment":
        return ""
    settings = preset_settings("experiment", str(metrics[name].iloc[0]))
    said = [
        f"{key}={plain(value)}"
        for key, value in settings.items()
        if key not in metrics and key != store.SAMPLE_SIZE  # the intro counts the replicates
    ]
    return f" (which sets {', '.join(said)})" if said else ""


def _configuration_intro(replicates: int) -> str:
    """The paragraph above the table of one configuration."""
    return (
        f"One configuration, {counted(replicates, 'replicate')}. Cells are means with 95% CIs over "
        f"replicates ({POOLED_READS}). {SPEND_READS} CAC is in yuan per customer; "
        f"{MONEY_READS} {FRAUD_READS} {CI_READS}"
    )


POOLED_READS = (
    "CAC and ROI are pooled: all the replicates' acquisition spend over all their customers, "
    "and their revenue over their spend, with Fieller CIs, the confidence intervals of a ratio "
    "of two averages"
)
"""How the table's CAC and ROI are taken over replicates (:data:`sim.summary.POOLED`)."""

PAIRED_READS = (
    "Paired: each run is set against the baseline's run of the same replicate, which saw the "
    "same network and consumers, so the luck of a run cancels out of the difference and its CI "
    "is narrower than the two settings' own CIs suggest."
)
"""What "paired by replicate" means, said after the intro first names it (since 4 Dec 2026)."""

MONEY_READS = (
    "ROI is revenue per yuan of spend (the source documents' convention, not profit: at a "
    "margin m a run breaks even at ROI 1/m, 2.5 at the default 40%); profit is revenue times "
    "the margin less all spend, in yuan per run, and Δ profit its paired difference."
)
"""How the table's money columns read (a review took ROI 2.00 for a profit; it is a loss)."""

FRAUD_READS = (
    "fraud_share is the share of referrals made by fake accounts, which are in no customers "
    "(what they were paid is in spend)."
)

CI_READS = (
    "The CIs are over replicates of this model with these parameters: they leave out how "
    "uncertain the parameters themselves are (word of mouth, `share.daily`, is fitted to no "
    "source figure: reports/calibration.md)."
)
"""What the CIs cover (a review read CAC 61.3 [61.0, 61.6] as that sure of a market)."""

SPEND_READS = (
    "Spend is all that a run spends, in yuan: on acquisition (ads, KOLs, KOCs, referral "
    "rewards and discounts), which CAC divides by the customers, and on retention."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point ``referral-sim-report``."""
    parser = argparse.ArgumentParser(
        prog="referral-sim-report", description=__doc__.split("\n")[0], epilog=WHERE_IT_GOES
    )
    parser.add_argument("folder", type=Path, help="a run or sweep folder (or a parent of several)")
    parser.add_argument(
        "--baseline",
        help="the setting compared against (default: none if present, else the smallest value)",
    )
    parser.add_argument(
        "--by",
        help="the parameter naming the settings (default: referral, or the one parameter "
        "that varies)",
    )
    parser.add_argument(
        "--count-owed",
        action="store_true",
        help="count the commissions owed past the budget (commissions_unbooked) as acquisition "
        "spend: spend, CAC, incremental CAC, ROI, profit and their Δ as a brand that pays them "
        f"sees (written to <the report's folder>/{COUNTING_OWED}/)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="where to write (default: the folder, or FOLDER/by_<parameter>/ for another --by: "
        "see below)",
    )
    arguments = parser.parse_args(argv)
    matplotlib.use("Agg")  # files only; set here, not on import, which broke notebooks' plots
    try:
        written = written_report(
            arguments.folder, arguments.baseline, arguments.by, arguments.out, arguments.count_owed
        )
    except (store.ResultsError, ComparisonError) as error:  # any other error is a bug: shown
        print(f"referral-sim-report: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # --out where no folder can be made (under a file, /dev/null)
        where = error.filename or arguments.out or arguments.folder
        print(
            f"referral-sim-report: cannot write the report to {where}: {error.strerror}",
            file=sys.stderr,
        )
        return 2
    say(written.text)  # a reader that leaves early (| head) cuts the printout, not the report
    say(f"report: {written.path}{_why_there(written.path, arguments)}")
    return 0


WHERE_IT_GOES = (
    "Where the report goes: report.md and its figures go into FOLDER when compared by the "
    "default parameter (--by left out), and into FOLDER/by_<parameter>/ when --by names another "
    "or the sweep has no default (several parameters vary, none of them referral): "
    "referral-sim-report FOLDER --by network.k writes FOLDER/by_network.k/report.md, so a "
    "report by one parameter never overwrites a report by another. A --baseline other than "
    "the default adds _vs_<baseline> (FOLDER/by_referral_vs_one_sided/). --out writes it where "
    "you say."
)
"""The end of ``referral-sim-report --help``: where each report goes."""


def _why_there(path: Path, arguments: argparse.Namespace) -> str:
    """`` (compared by network.k, ...)`` after the path of a report that went to its own folder."""
    if arguments.out is not None or path.parent == Path(arguments.folder):
        return ""
    against = f" against {arguments.baseline}" if arguments.baseline is not None else ""
    by = f" by {arguments.by}" if arguments.by is not None else ""
    owed = ", counting what is owed" if arguments.count_owed else ""
    return (
        f" (compared{by}{against}{owed}, so in a folder of its own: it overwrites no report "
        "compared otherwise; --out writes it elsewhere)"
    )


if __name__ == "__main__":
    sys.exit(main())

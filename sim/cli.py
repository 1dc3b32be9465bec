"""The ``referral-sim`` command: a thin Hydra entry point over :func:`sim.run`.

Examples::

    referral-sim                                   # the default market, one replicate
    referral-sim referral=two_sided run.replicates=10
    referral-sim -m referral=none,one_sided,two_sided
    referral-sim experiment=compare_schemes         # a preset from conf/experiment/

Bad configuration values stop the command before anything runs, with a one-paragraph message
naming the key, the value and what is allowed, and exit code 2. A job that fails while running
records why in its folder and prints one paragraph, never a traceback; a sweep runs its other
jobs, lists the failed ones at the end and exits non-zero (see :mod:`sim.failures`).

Each job writes its results into its Hydra output folder (see :mod:`sim.jobs`). A job whose
folder already holds the finished results of the same configuration is skipped, so re-running
a sweep into the same ``hydra.sweep.dir`` completes only the missing jobs.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim import failures, jobs
from sim.config import Config
from sim.configure import (
    compose,
    conf_dir,
    option_yaml,
    refuse_keys_swept_options_lack,
    refuse_merging_overrides,
    register_configs,
    sort_mapping_entries,
    to_config,
)
from sim.console import environment_restored, say, show_own_warnings_plainly, silence_stdout
from sim.params import ConfigError
from sim.summary import format_summary, share_caps

EXIT_BAD_CONFIG = failures.EXIT_BAD_INPUT
PROGRAM = failures.PROGRAM
EXIT_OUTPUT_CLOSED = 1  # as Python itself exits on EPIPE (the docs' Note on SIGPIPE)
READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)  # a finished job that cannot be relabelled
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM: a kill, or a scheduler's time limit (SLURM sends it first)
INTERRUPTED = (
    f"{PROGRAM}: interrupted. Finished jobs are kept, and the finished replicates of those under "
    "way; run the same command again to complete the others (finished jobs are skipped, kept "
    "replicates do not run again)."
)
_running: list[tuple[RunMode, Path]] = []  # the running job's mode and folder, for Ctrl-C


class Terminated(KeyboardInterrupt):
    """SIGTERM, stopped as Ctrl-C stops a run: what was kept is said, then exit 143."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def _quiet_resource_tracker() -> None:
    """Silence multiprocessing's ``leaked semaphore objects`` warning after a Ctrl-C.

    The joblib launcher's workers, stopped part way, leave semaphores that multiprocessing's
    resource tracker (a process of its own, which reads ``PYTHONWARNINGS``) frees at its end,
    with a warning after the interruption's message. Nothing is lost: it is not the user's to fix.
    """
    quiet = "ignore:resource_tracker:UserWarning"
    given = os.environ.get("PYTHONWARNINGS")
    if given is None or quiet not in given.split(","):
        os.environ["PYTHONWARNINGS"] = f"{given},{quiet}" if given else quiet  # the last wins


def main() -> None:
    """Console entry point: check the overrides, then hand over to Hydra.

    SIGTERM is taken as Ctrl-C while it runs; a process that calls it (a test) gets its own
    handler back afterwards.
    """
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        _quiet_resource_tracker()
        show_own_warnings_plainly(PROGRAM)  # the checks before Hydra warn too
        register_configs()
        sys.argv[1:] = [_experiment_as_choice(argument) for argument in sys.argv[1:]]
        overrides = _plain_overrides(sys.argv[1:])
        try:
            if overrides is not None:
                compose(overrides)
            else:  # a sweep (-m): Hydra composes its base with these before any job
                refuse_merging_overrides(_merging_candidates(sys.argv[1:]))
                refuse_keys_swept_options_lack(_parsed(sys.argv[1:]))
        except ConfigError as error:
            failures.exit_with(failures.classify(error))
        _run_hydra()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_hydra() -> None:
    """Run Hydra, printing its own errors (a sweep's bad value, a folder it cannot make) briefly.

    ``HYDRA_FULL_ERROR=1`` makes Hydra raise instead of printing a traceback; unless the user set
    it, the error is printed here as one paragraph. The variable is put back as it was after the
    run (a caller of :func:`main` in its own process keeps its setting).
    """
    wants_traceback = os.environ.get("HYDRA_FULL_ERROR") == "1"
    with environment_restored("HYDRA_FULL_ERROR"):
        os.environ["HYDRA_FULL_ERROR"] = "1"
        try:
            _end_hydra_briefly(wants_traceback)
        finally:  # however the sweep ended: a caller's later sweep finds its folder free
            failures.release_sweep_locks()


def _end_hydra_briefly(wants_traceback: bool) -> None:
    """Run Hydra (which raises its errors), and end as :func:`_run_hydra` says."""
    try:
        _hydra_main()
    except BrokenPipeError:  # the reader of Hydra's output (--help | head) has gone: no failure
        silence_stdout()
        sys.exit(EXIT_OUTPUT_CLOSED)
    except KeyboardInterrupt as stop:  # Ctrl-C: one line, not a traceback through Hydra, joblib
        if wants_traceback:
            raise
        print(_interrupted(), file=sys.stderr)
        sys.exit(EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED)
    except Exception as error:
        if wants_traceback:
            raise
        failures.exit_with(failures.classify_outside_jobs(error))


def _interrupted() -> str:
    """What Ctrl-C kept: a sweep's finished jobs, or a single run's finished replicates.

    A sweep's jobs may run in worker processes (the joblib launcher), which leave ``_running``
    empty here: a sweep under way is known by the sweep lock its start took in this process.
    """
    if failures.sweeping() or (_running and _running[0][0] != RunMode.RUN):
        return INTERRUPTED
    if not _running:
        return f"{PROGRAM}: interrupted before any job started; nothing was written."
    output = _running[0][1]
    kept = jobs.kept_replicates(output)
    if not kept:
        return f"{PROGRAM}: interrupted before a replicate finished; nothing was kept."
    return (
        f"{PROGRAM}: interrupted. {kept} finished replicate(s) are kept in {output}: run the "
        f"same command with hydra.run.dir={output} to complete it (a new folder starts afresh)."
    )


def _experiment_as_choice(argument: str) -> str:
    """Accept ``+experiment=x`` for ``experiment=x``: the defaults list already holds the group."""
    return argument[1:] if argument.startswith("+experiment=") else argument


def _plain_overrides(arguments: list[str]) -> list[str] | None:
    """The model overrides of a plain single run, or None when Hydra flags are involved.

    None too for a sweep of a preset that sweeps itself (``hydra.mode: MULTIRUN``, no ``-m``
    needed): ``experiment=commission_reserve seeding.koc.commission_reserve=0,5`` was refused
    as "a run has one [value]: add -m" (a strategist's walkthrough, 4 Dec 2026).
    """
    if any(argument.startswith("-") for argument in arguments):
        return None
    plain = [a for a in arguments if not a.lstrip("+~").startswith(("hydra.", "hydra/"))]
    if _a_preset_sweeps(plain) and any(o.is_sweep_override() for o in _parse(plain)):
        return None
    return plain


def _a_preset_sweeps(overrides: list[str]) -> bool:
    """Whether ``overrides`` choose an ``experiment`` preset that runs as a sweep."""
    presets = [o.partition("=")[2] for o in overrides if o.startswith("experiment=")]
    return any(
        (option_yaml("experiment", preset).get("hydra") or {}).get("mode") == "MULTIRUN"
        for preset in presets
    )


def _parsed(arguments: list[str]) -> list[Override]:
    """The overrides of the model among ``arguments``."""
    return _parse([a for a in arguments if not a.startswith("-") and not a.startswith("hydra")])


def _merging_candidates(arguments: list[str]) -> list[Override]:
    """The overrides whose value is a list or a mapping."""
    return _parse([a for a in arguments if not a.startswith("-") and re.search(r"=.*[\[{]", a)])


def _parse(lines: list[str]) -> list[Override]:
    """Hydra's parse of ``lines``: none if it cannot parse one (Hydra says what is wrong)."""
    try:
        return OverridesParser.create().parse_overrides(lines)
    except HydraException:  # Hydra says what is wrong with it, with the rest of the command
        return []


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    show_own_warnings_plainly(PROGRAM)  # here: in each job, a worker process's too
    hydra_config = HydraConfig.get()
    output = Path(hydra_config.runtime.output_dir)
    in_sweep = hydra_config.mode == RunMode.MULTIRUN
    _running[:] = [(hydra_config.mode, output)]
    if hydra_config.job.chdir:  # back where the command was typed (Hydra returns after the job):
        os.chdir(hydra_config.runtime.cwd)  # network.path=edges.txt means what it meant there
    try:
        sweep = Path(hydra_config.runtime.cwd) / hydra_config.sweep.dir  # not the job's cwd
        _run_job(cfg, output, sweep if in_sweep else None)
    except Exception as error:  # recorded and reported; a sweep goes on with its other jobs
        failure = failures.fail_job(error, output, in_sweep=in_sweep)
        if not in_sweep:
            sys.exit(failure.exit_code)


def _run_job(cfg: DictConfig, output: Path, sweep: Path | None = None) -> None:
    """Run one job into ``output`` unless it holds this configuration's results already.

    Results of another configuration leave ``output`` before the configuration is checked: a
    job that then fails leaves its failure, never the older results (which a sweep would count
    as finished). In a sweep they are kept in ``<sweep>/earlier/`` (:func:`sim.jobs.keep_aside`),
    and a job whose configuration was kept there, or is held by another job folder, takes its
    results instead of running.
    """
    try:
        sort_mapping_entries(cfg)  # the same configuration in another order: one digest
        resolved = OmegaConf.to_yaml(cfg, resolve=True)
        resolved += jobs.input_files_note([OmegaConf.select(cfg, "network.path", default="")])
    except Exception:  # an unresolvable value: the failure replaces any older results too
        jobs.start(output)
        raise
    if jobs.is_finished(output, resolved) and _skip(output, cfg):
        jobs.forget_replicates(output)  # left by a kill between writing results and this
        if sweep is None:  # a single run asked again: show what it found, as when it ran
            say(_summary(pd.read_parquet(output / jobs.METRICS), to_config(cfg)))
        return
    aside = _clear(output, resolved, sweep)
    if sweep is not None and _reuse(output, sweep, resolved, cfg):
        jobs.forget_replicates(output)
        return
    if sweep is None and _taken_back(output, resolved, cfg):  # kept by an earlier run here
        jobs.forget_replicates(output)
        say(_summary(pd.read_parquet(output / jobs.METRICS), to_config(cfg)))
        return
    config = to_config(cfg)
    kept = jobs.replicates_folder(output, resolved)
    jobs.forget_replicates(output, besides=kept)  # another configuration's
    if resumed := jobs.kept_replicates(output):
        say(f"{PROGRAM}: {output}: resuming, {resumed} of {config.run.replicates} replicates kept")
    _take_replicates(output, kept, resolved, config.run.replicates, aside, sweep or output)
    from sim.runner import run  # the model and Mesa (~0.3 s): not loaded for --help

    started = time.perf_counter()
    result = run(config, keep_in=kept)
    parameters = job_parameters(cfg)
    jobs.write_job(
        output,
        result,
        parameters,
        resolved,
        save_referrals=config.run.save_referrals,
        seconds=round(time.perf_counter() - started, 3),
        declared=declared_types(cfg, parameters),
    )
    jobs.forget_replicates(output)
    say(_headline(config, parameters))
    say(_summary(result.metrics, config))
    say(f"results: {output}")


def _summary(metrics: pd.DataFrame, config: Config) -> str:
    """The run's summary, with the shares a ``seeding=mixed`` campaign left unspent.

    The shares are not weighed when ``budget.total`` is smaller than the shares' total, or a
    run used it up: what stopped a channel may then be the total, not its own keys.
    """
    budget = config.budget.total
    caps = share_caps(dataclasses.asdict(config.seeding), budget)
    return format_summary(metrics, caps=caps, budget=budget)


def _clear(output: Path, resolved: str, sweep: Path | None) -> Path | None:
    """Empty ``output`` for this job, keeping results of another configuration.

    A sweep keeps them in ``<sweep>/earlier/``, a single run in ``<output>/earlier/`` (its
    ``hydra.run.dir`` given again with other values: until 3 Dec 2026 they were deleted).
    Results of older code are replaced.

    Returns:
        The folder that keeps them, None when none were kept.

    """
    kept = None
    if jobs.has_results(output):
        if jobs.is_current(output) and not jobs.same_configuration(output, resolved):
            kept = jobs.keep_aside(output, sweep or output)
            say(f"{PROGRAM}: another configuration's results in {output} are kept in {kept}")
        else:
            say(f"{PROGRAM}: replacing results of another configuration or code version: {output}")
    jobs.start(output)
    return kept


def _take_replicates(
    output: Path, kept: Path, resolved: str, count: int, aside: Path | None, base: Path
) -> None:
    """Keep the replicates that a finished job of this family holds, so that they are not run.

    The family (:func:`sim.jobs.family`) is this configuration with another ``run.replicates``;
    its results are looked for where :func:`_clear` just put ``output``'s (``aside``), then in
    ``base``'s ``earlier/`` and job folders (``base``: the sweep's folder, or ``output``), and
    taken from those holding the most replicates first. Results that cannot be read whole
    leave their replicates to the next, or to be run (:mod:`sim.reuse`).

    Raises:
        OSError: ``kept`` could not be written (a full disk fails the job).

    """
    from sim import reuse  # imports the model and Mesa (~0.3 s): not loaded for --help

    if not reuse.missing(kept, count):  # a job resumed with every replicate kept
        return
    wanted = jobs.family(resolved)
    candidates = [*([aside] if aside else []), *jobs.of_family(base, wanted, besides=output)]
    for source in reuse.sources_of(wanted, candidates):
        try:
            taken = reuse.take_replicates(source, kept, count, wanted)
        except reuse.SourceUnreadable as error:  # its replicates are looked for elsewhere, or run
            say(f"{PROGRAM}: {output}: the replicates in {source} could not be read ({error})")
            continue
        if taken:
            say(
                f"{PROGRAM}: {output}: {taken} of {count} replicates taken from {source}, "
                "finished results of this configuration with another run.replicates"
            )
        if not reuse.missing(kept, count):
            return


def _taken_back(output: Path, resolved: str, cfg: DictConfig) -> bool:
    """Take this configuration's results back from ``<output>/earlier/`` (a single run's).

    Returns:
        Whether the run is done (as :func:`_took`).

    """
    if not jobs.take_kept(output, output, resolved):
        return False
    return _took(output, cfg, f"moved back from {output / jobs.EARLIER}")


def _took(output: Path, cfg: DictConfig, found: str) -> bool:
    """Say where this configuration's results came ``found`` from, and skip the job on them.

    Returns:
        Whether the job is done (False: results that could not be read back, now removed).

    """
    say(f"{PROGRAM}: results of this configuration {found}")
    return _skip(output, cfg)  # which removes results it cannot read back


def _reuse(output: Path, sweep: Path, resolved: str, cfg: DictConfig) -> bool:
    """Take this configuration's finished results from elsewhere in the sweep instead of running.

    From ``earlier/`` (moved back), else from another job folder (copied: a setting that changed
    job number), else from ``earlier/`` again: a job folder being cleared by its own job keeps
    its results there before it lets them go (:func:`sim.jobs.keep_aside`).

    Returns:
        Whether the job is done (False: nothing found, or results that could not be read back,
        which are removed).

    """
    moved_back = f"moved back from {sweep / jobs.EARLIER}"
    if jobs.take_kept(output, sweep, resolved):
        found = moved_back
    elif (source := jobs.copy_finished(output, sweep, resolved)) is not None:
        found = f"copied from {source}"
    elif jobs.take_kept(output, sweep, resolved):
        found = moved_back
    else:
        return False
    return _took(output, cfg, found)


def _skip(output: Path, cfg: DictConfig) -> bool:
    """Skip a finished job, giving its rows this command's parameters; False to recompute it.

    Results that cannot be read back (a damaged table) are recomputed, their files removed; a
    folder that cannot be written (a read-only archive) is skipped as it is, and said so; a
    full disk fails the job, its results kept (recomputing would delete them first, perhaps
    the only copy), and the next attempt relabels them.

    Raises:
        OSError: the disk is full (ENOSPC, EDQUOT).

    """
    try:
        jobs.check_readable(output)
        parameters = job_parameters(cfg)
        relabelled = jobs.relabel(output, parameters, declared_types(cfg, parameters))
    except Exception as error:  # a table that cannot be read back, or a folder not writable
        if isinstance(error, OSError) and error.errno in failures.FULL_DISK:
            raise
        if isinstance(error, OSError) and error.errno in READ_ONLY:
            say(f"{PROGRAM}: finished already, skipped as it is ({error.strerror}): {output}")
            return True
        say(f"{PROGRAM}: recomputing, its results could not be read back ({error}): {output}")
        jobs.start(output)  # the damaged files go: the run starts afresh, not as a replacement
        return False
    (output / jobs.FAILED).unlink(missing_ok=True)  # an earlier attempt's, on a full disk
    note = " (its rows now carry this command's parameters)" if relabelled else ""
    say(f"{PROGRAM}: finished already, skipped: {output}{note}")
    return True


def job_parameters(cfg: DictConfig) -> dict[str, Any]:
    """The job's parameters: each key overridden on the command line or by the sweeper.

    A config-group override (``referral=two_sided``) gives the chosen option's name; any other
    key gives its resolved value (containers as JSON text). Hydra's own keys are left out.
    """
    hydra_config = HydraConfig.get()
    choices = hydra_config.runtime.choices
    parameters = {}
    for override in OverridesParser.create().parse_overrides(list(hydra_config.overrides.task)):
        key = override.key_or_group
        if override.is_delete() or key.startswith(("hydra.", "hydra/")):
            continue
        value = choices[key] if key in choices else OmegaConf.select(cfg, key)
        parameters[key] = _scalar(value)
    return parameters


def declared_types(cfg: DictConfig, parameters: dict[str, Any]) -> dict[str, type]:
    """The declared type of each null parameter (``budget.total=null``: ``float``).

    A config group's option is a name (``str``); a key the configuration lacks, or whose type
    is not a plain one, gets none (its column is then of Parquet's null type).
    """
    choices = HydraConfig.get().runtime.choices
    declared = {}
    for key in [key for key, value in parameters.items() if value is None]:
        if key in choices:
            kind = str
        else:
            kind = getattr(getattr(_node(cfg, key), "_metadata", None), "ref_type", None)
        if kind in (bool, int, float, str):
            declared[key] = kind
    return declared


def _node(cfg: DictConfig, key: str) -> Any:
    """The OmegaConf node at dotted ``key`` (None where the path ends early)."""
    node: Any = cfg
    for part in key.split("."):
        if isinstance(node, ListConfig) and part.isdigit() and int(part) < len(node):
            node = node._get_node(int(part))
        elif isinstance(node, DictConfig) and part in node:
            node = node._get_node(part)
        else:
            return None
    return node


def _scalar(value: Any) -> Any:
    if OmegaConf.is_config(value):
        return json.dumps(OmegaConf.to_container(value, resolve=True), sort_keys=True)
    return value


# Parameters the headline always shows; any other the job sets follows them.
IN_HEADLINE = (
    *("network", "network.n", "seeding", "referral", "retention"),
    *("days", "run.replicates", "seed", "experiment"),
)


def _headline(config: Config, parameters: dict[str, Any]) -> str:
    """What ran: the options, the market size and every other parameter the job set.

    Sweeps over one key (``network.rewire``) or a scenario (``+scenario=gen_z_2026``) would
    otherwise print the same line for every job.
    """
    network = config.network
    size = f"n={network.n}" if hasattr(network, "n") else network.path
    others = [f"{key}={value}" for key, value in parameters.items() if key not in IN_HEADLINE]
    return (
        f"{PROGRAM}: network={network.name} ({size}) seeding={config.seeding.name} "
        f"referral={config.referral.name} retention={config.retention.name} "
        f"days={config.days} replicates={config.run.replicates} seed={config.seed}"
        + (f" with {' '.join(others)}" if others else "")
    )


if __name__ == "__main__":
    main()

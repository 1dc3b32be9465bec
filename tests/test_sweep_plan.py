"""A sweep's record of its planned jobs, and the report of a sweep stopped before some started.

A sweep killed after its ``referral=none`` jobs had finished was reported as a comparison of
seeds, and its ``referral=two_sided`` jobs, which had no folder, were not mentioned (until 4 Dec
2026). The sweeper now records each job's overrides before it launches the first
(:mod:`sim.planned`); the report names the jobs no folder holds and the parameter it cannot
compare. One small sweep runs (about 3 s); the stopped sweeps are copies of it with the later
job folders removed, as a kill before their launch leaves them.
"""

from __future__ import annotations

import errno
import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import cli, jobs, planned, report
from tests.sweeps import cli_process

MARKET = ["run.replicates=2", "network.n=300", "days=10"]
SWEPT = ["referral=none,two_sided", "seed=0,1"]  # jobs: none 0, none 1, two_sided 0, two_sided 1

NOT_STARTED = (
    "2 of the sweep's 4 jobs have not started and are not in this report: referral=two_sided "
    "seed=0, referral=two_sided seed=1. The sweep was stopped (Ctrl-C or a kill) before it "
    "launched them, or is still running: running the sweep's command again runs them."
)
ONE_REFERRAL = (
    "the sweep varies referral, but only referral=none has results, so this report does not "
    "compare referral: among the jobs with results only seed varies. The sweep also planned "
    "referral=two_sided; report again once it has results."
)
OLD_SENTENCE = "Jobs the sweep had not started yet have no folder and are not counted here."


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> Path:
    """A sweep of :data:`SWEPT` that ran every job."""
    folder = tmp_path_factory.mktemp("plan") / "sweep"
    result = cli_process("-m", *SWEPT, *MARKET, f"hydra.sweep.dir={folder}", cwd=folder.parent)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


@pytest.fixture
def stopped_sweep(finished_sweep, tmp_path) -> Path:
    """:func:`finished_sweep` as a kill leaves it before ``referral=two_sided`` launched."""
    folder = shutil.copytree(finished_sweep, tmp_path / "sweep")
    for job in ("2", "3"):
        shutil.rmtree(folder / job)
    return folder


def recorded_overrides(folder: Path) -> dict[int, list[str]]:
    """Each job of the sweep's record (:data:`sim.planned.PLAN`) and its overrides."""
    record = json.loads((folder / planned.PLAN).read_text(encoding="utf-8"))
    return {job["job"]: job["overrides"] for job in record["jobs"]}


def written_overrides(folder: Path) -> dict[int, list[str]]:
    """Each job folder's number and the overrides Hydra wrote in its ``.hydra/overrides.yaml``."""
    return {
        int(record.parent.parent.name): yaml.safe_load(record.read_text(encoding="utf-8"))
        for record in folder.glob("*/.hydra/overrides.yaml")
    }


def reported(folder: Path, capsys) -> tuple[int, str, str, str]:
    """The report's exit code, standard output and error, and ``report.md`` (or '')."""
    code = report.main([str(folder)])
    printed = capsys.readouterr()
    markdown = folder / "report.md"
    return code, printed.out, printed.err, markdown.read_text() if markdown.is_file() else ""


def test_the_record_holds_each_jobs_overrides_as_hydra_wrote_them(finished_sweep, capsys):
    assert written_overrides(finished_sweep) == recorded_overrides(finished_sweep)
    assert recorded_overrides(finished_sweep)[2] == ["referral=two_sided", "seed=0", *MARKET]
    code, _, error, markdown = reported(finished_sweep, capsys)  # every planned job ran
    assert code == 0
    for said in (error, markdown):
        assert "not started" not in said and "the sweep varies" not in said
    assert "| referral |" in markdown  # the record is no job: the table is the sweep's


def test_a_stopped_sweep_names_the_jobs_it_never_started_and_the_axis_it_cannot_compare(
    stopped_sweep, capsys
):
    code, printed, error, markdown = reported(stopped_sweep, capsys)
    assert code == 0
    assert "\n| seed | customers |" in printed  # what varies among the jobs with results
    for note in (NOT_STARTED, ONE_REFERRAL):
        assert f"referral-sim-report: note: {note}\n" in error
        assert f"\n{note}\n" in markdown
    assert error.index(NOT_STARTED) < error.index(ONE_REFERRAL)


def test_a_started_job_without_results_is_named_apart_from_those_never_started(
    stopped_sweep, capsys
):
    (stopped_sweep / "1" / jobs.METRICS).unlink()  # killed while it ran
    code, printed, error, markdown = reported(stopped_sweep, capsys)
    assert code == 0  # one setting: the report of one configuration
    assert (
        "Nothing to compare yet: only one setting has results here, and 1 other started job "
        "does not have results yet and 2 jobs of the sweep have not started (see below); "
        "report again when a second setting has finished." in printed
    )
    assert "1 started job has no results yet and is not in this report: 1" in error
    assert NOT_STARTED in error and NOT_STARTED in markdown
    assert OLD_SENTENCE not in error + markdown  # the next note names them
    (stopped_sweep / planned.PLAN).unlink()  # a sweep from before the record: as it was
    _, printed, error, _ = reported(stopped_sweep, capsys)
    assert OLD_SENTENCE in error and "have not started" not in printed + error


def test_a_sweep_with_no_finished_job_names_the_jobs_never_started_in_its_error(
    stopped_sweep, capsys
):
    for job in ("0", "1"):
        (stopped_sweep / job / jobs.METRICS).unlink()
    code, _, error, _ = reported(stopped_sweep, capsys)
    assert code == 2
    assert "nothing to load. 2 started jobs have no results yet" in error
    assert error.rstrip().endswith(NOT_STARTED)
    assert "the sweep varies" not in error  # no job has results: no axis to speak of


def test_a_sweep_run_again_with_another_command_records_its_own_jobs(stopped_sweep):
    result = cli_process(
        "-m", "seed=5", *MARKET, f"hydra.sweep.dir={stopped_sweep}", cwd=stopped_sweep.parent
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert recorded_overrides(stopped_sweep) == {0: ["seed=5", *MARKET]}
    assert written_overrides(stopped_sweep)[0] == ["seed=5", *MARKET]
    assert planned.plan_of(stopped_sweep).never_started() == []


def sweep_in_this_process(monkeypatch, *overrides: str) -> int:
    """The exit code of a sweep of ``overrides`` run in this process (a second, not three)."""
    monkeypatch.setattr(sys, "argv", ["referral-sim", "-m", *overrides, *MARKET])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    return stopped.value.code


def test_a_sweep_refused_before_launching_leaves_the_earlier_record(
    finished_sweep, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    folder = shutil.copytree(finished_sweep, tmp_path / "sweep")
    before = {name: (folder / name).read_bytes() for name in (planned.PLAN, "multirun.yaml")}
    refused = sweep_in_this_process(monkeypatch, "seed=0,-1", f"hydra.sweep.dir={folder}")
    assert refused == 2 and "seed=-1 is not allowed" in capsys.readouterr().err
    record = planned.record_plan

    def full_disk(sweep, overrides):  # the record written, then the disk fills
        record(sweep, overrides)
        raise OSError(errno.ENOSPC, "No space left on device", str(sweep / planned.PLAN))

    monkeypatch.setattr(planned, "record_plan", full_disk)
    assert sweep_in_this_process(monkeypatch, "seed=7,8", f"hydra.sweep.dir={folder}") == 1
    assert "disk full" in capsys.readouterr().err
    assert {name: (folder / name).read_bytes() for name in before} == before
    new = tmp_path / "new" / "sweep"
    assert sweep_in_this_process(monkeypatch, "seed=7,8", f"hydra.sweep.dir={new}") == 1
    assert not (tmp_path / "new").exists()  # no record, no folder: the disk as it was


def planned_jobs(*overrides: list[str]) -> list[planned.PlannedJob]:
    return [planned.PlannedJob(number, tuple(job)) for number, job in enumerate(overrides)]


def test_a_long_list_of_jobs_never_started_is_cut_short_and_a_job_alone_named_by_number():
    seeds = planned_jobs(*([f"seed={seed}", "days=10"] for seed in range(7)))
    plan = planned.SweepPlan(seeds, frozenset(), frozenset())
    (note,) = planned.never_started_notes(plan)
    assert note.startswith(
        "7 of the sweep's 7 jobs have not started and are not in this report: seed=0, seed=1, "
        "seed=2, seed=3, seed=4 and 2 more. "
    )
    alone = planned.SweepPlan(planned_jobs(["days=10"]), frozenset(), frozenset())
    assert planned.never_started_notes(alone) == [
        "1 of the sweep's 1 job has not started and is not in this report: job 0. The sweep "
        "was stopped (Ctrl-C or a kill) before it launched it, or is still running: running "
        "the sweep's command again runs it."
    ]


def metrics_of(**columns: list) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    frame.attrs["parameters"] = list(columns)
    return frame


def test_a_parameter_planned_to_vary_is_named_only_where_the_jobs_with_results_do_not_vary_it():
    jobs_ = planned_jobs(
        *(
            [f"referral={scheme}", f"network.n={n}", "seed=0"]
            for scheme in ("none", "a", "b")
            for n in (300, 600)
        )
    )
    done = frozenset(job.overrides for job in jobs_ if "referral=none" in job.overrides)
    plan = planned.SweepPlan(jobs_, done, done)
    one_referral = metrics_of(referral=["none"] * 2, **{"network.n": [300, 600]})
    (note,) = planned.one_value_notes(plan, one_referral)
    assert note == (
        "the sweep varies referral, but only referral=none has results, so this report does not "
        "compare referral: among the jobs with results only network.n varies. The sweep also "
        "planned referral=a, referral=b; report again once they have results."
    )
    earlier = metrics_of(referral=["none", "a"], **{"network.n": [300, 600]})  # older results
    assert planned.one_value_notes(plan, earlier) == []
    assert planned.one_value_notes(None, one_referral) == []


def test_a_job_held_only_in_a_hidden_folder_has_not_started(tmp_path):
    # a mutation review: a job being kept or taken (a hidden folder) is no job folder of the
    # sweep, as the report's readers leave it out; only visible folders had been tried
    planned.record_plan(tmp_path, [["referral=none"], ["referral=two_sided"]])
    for job, scheme in (("0", "none"), (".taken/1", "two_sided")):
        (tmp_path / job / ".hydra").mkdir(parents=True)
        (tmp_path / job / ".hydra" / "overrides.yaml").write_text(f"- referral={scheme}\n")
    plan = planned.plan_of(tmp_path)
    assert [job.number for job in plan.never_started()] == [1]
    assert plan.started == frozenset({("referral=none",)})
    assert plan.with_results() == []  # none has results


def test_a_group_added_with_a_plus_is_the_parameter_the_results_name_without_it():
    # a mutation review: `+experiment/network` is `experiment/network` in the results; the
    # sweeps tried vary keys without a +, so matching the key as written passed too
    jobs_ = planned_jobs(
        *([f"+experiment/network={net}", "referral=none"] for net in ("lattice", "random"))
    )
    done = frozenset({jobs_[0].overrides})
    plan = planned.SweepPlan(jobs_, done, done)
    earlier = metrics_of(**{"experiment/network": ["lattice", "random"]})  # both have results
    assert planned.one_value_notes(plan, earlier) == []
    (note,) = planned.one_value_notes(plan, metrics_of(**{"experiment/network": ["lattice"]}))
    assert note.startswith(
        "the sweep varies +experiment/network, but only +experiment/network=lattice has results"
    )


def test_the_one_value_note_says_what_varies_instead_and_deletions_vary_nothing():
    # a mutation review: only the case of one other parameter varying had been read
    jobs_ = planned_jobs(
        *([f"referral={scheme}", f"~run.x={scheme}"] for scheme in ("none", "two_sided"))
    )
    done = frozenset({jobs_[0].overrides})
    plan = planned.SweepPlan(jobs_, done, done)
    instead = {
        (): "the jobs with results are of one configuration",
        ("seed",): "among the jobs with results only seed varies",
        ("seed", "network.n"): "among the jobs with results seed, network.n vary",
    }
    for varying, said in instead.items():
        metrics = metrics_of(referral=["none"] * 2, **{key: [0, 1] for key in varying})
        (note,) = planned.one_value_notes(plan, metrics)  # of referral, not of ~run.x
        assert note.startswith("the sweep varies referral, but only referral=none has results")
        assert f"compare referral: {said}. The sweep also planned referral=two_sided;" in note


@pytest.mark.parametrize(
    "record",
    [
        {"jobs": [{"job": "first", "overrides": ["seed=0"]}]},  # not a number
        {"jobs": [{"job": 0}]},  # no overrides
        {"jobs": 3},
        {"sweep": []},
        [1, 2],
    ],
)
def test_a_record_of_another_shape_is_no_plan(tmp_path, record):
    # a mutation review: only readable records had been read
    (tmp_path / planned.PLAN).write_text(json.dumps(record), encoding="utf-8")
    assert planned.read_plan(tmp_path) is None
    assert planned.plan_of(tmp_path) is None


def test_a_started_job_is_named_with_the_overrides_the_unstarted_jobs_do_not_share(
    stopped_sweep, capsys
):
    # a review: with only referral=none's jobs in folders, the note named the killed job
    # "1 (seed=1)", as if the sweep varied seed alone
    (stopped_sweep / "1" / jobs.METRICS).unlink()  # killed while it ran
    _, _, error, markdown = reported(stopped_sweep, capsys)
    named = "1 started job has no results yet and is not in this report: 1 (referral=none seed=1)."
    assert named in error and named in markdown
    (stopped_sweep / planned.PLAN).unlink()  # no record of the jobs not started: as before
    _, _, error, _ = reported(stopped_sweep, capsys)
    assert "not in this report: 1 (seed=1)." in error

"""Sweeps: resume after a kill, identical results through every launcher, the presets run."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

import sim
from hydra_plugins.referral_sim_sweeper.checked_sweeper import CHECKING, SHOWN_FROM
from sim import cli, configure, console, failures, jobs
from tests.sweeps import TINY, cli_process, referral_sim, sweep

SCHEMES = "referral=none,one_sided,two_sided"
EXPERIMENTS = sorted(p.stem for p in (sim.configure.conf_dir() / "experiment").glob("*.yaml"))


def finished_at(folder: Path) -> dict[str, int]:
    """When each finished job wrote its metrics (nanoseconds), by job folder name."""
    return {p.parent.name: p.stat().st_mtime_ns for p in folder.glob(f"*/{jobs.METRICS}")}


def metrics(folder: Path | list[Path]) -> pd.DataFrame:
    """The sweep's metrics without the folder column, in job and replicate order."""
    return sim.results.load(folder).drop(columns="job")


def test_a_rerun_skips_finished_jobs_and_completes_the_missing_one(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, SCHEMES)
    complete = metrics(folder)
    (folder / "1" / jobs.METRICS).unlink()  # as if job 1 had been killed
    before = finished_at(folder)
    rerun = sweep(folder, SCHEMES)
    assert rerun.stdout.count("finished already, skipped") == 2
    after = finished_at(folder)
    assert {k: after[k] for k in before} == before and set(after) == {"0", "1", "2"}
    pd.testing.assert_frame_equal(metrics(folder), complete)


def test_a_different_sweep_into_the_same_folder_keeps_the_earlier_ones_results(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none,two_sided")
    earlier = metrics(folder)
    rerun = sweep(folder, "referral=none,two_sided", "seed=7")
    assert "finished already" not in rerun.stdout
    assert rerun.stdout.count("are kept in") == 2
    assert (metrics(folder / "0")["seed"] == 7).all() and (metrics(folder / "1")["seed"] == 7).all()
    kept = metrics(folder / jobs.EARLIER).sort_values(["referral", "replicate"], ignore_index=True)
    before = earlier.sort_values(["referral", "replicate"], ignore_index=True)
    pd.testing.assert_frame_equal(kept, before, check_like=True)  # seed filled: 0 either way
    assert len(metrics(folder)) == 12


def test_a_job_whose_configuration_was_kept_takes_it_back_instead_of_running(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, SCHEMES)
    finished = metrics(folder)
    sweep(folder, "referral=one_sided", "seed=3")  # another sweep: job 0's none is kept
    again = sweep(folder, SCHEMES)  # none comes back into job 0 instead of running again
    assert again.stdout.count("finished already, skipped") == 3
    assert again.stdout.count("moved back from") == 1 and "are kept in" in again.stdout
    assert "results:" not in again.stdout  # nothing ran
    runs = metrics(folder / "0"), metrics(folder / "1"), metrics(folder / "2")
    pd.testing.assert_frame_equal(pd.concat(runs, ignore_index=True), finished)
    assert metrics(folder / jobs.EARLIER)["seed"].tolist() == [3] * 3  # one_sided, seed 3


def test_kept_results_a_killed_job_was_taking_back_are_put_back_and_taken(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, SCHEMES)
    finished = metrics(folder)
    sweep(folder, "referral=one_sided", "seed=3")  # job 0's none is kept in earlier/
    (kept,) = (m.parent for m in (folder / jobs.EARLIER).glob(f"*/{jobs.METRICS}"))
    claim = kept.with_name(f".{kept.name}.77{jobs.CLAIM}")  # killed after claiming them
    kept.rename(claim)
    again = sweep(folder, SCHEMES)
    assert again.stdout.count("moved back from") == 1 and "results:" not in again.stdout
    assert not claim.exists()
    runs = metrics(folder / "0"), metrics(folder / "1"), metrics(folder / "2")
    pd.testing.assert_frame_equal(pd.concat(runs, ignore_index=True), finished)


def test_a_new_value_refused_before_launch_leaves_the_older_results_as_they_were(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "seed=0,1")
    before, record = metrics(folder), (folder / "multirun.yaml").read_bytes()
    rerun = cli_process("-m", "seed=0,-1", *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert rerun.returncode == 2, rerun.stderr[-3000:]
    assert "seed=-1 is not allowed" in rerun.stderr
    assert not list(folder.rglob(jobs.FAILED)) and not (folder / jobs.EARLIER).exists()
    pd.testing.assert_frame_equal(metrics(folder), before)  # nothing ran, nothing moved
    assert (folder / "multirun.yaml").read_bytes() == record  # still the sweep that ran


def test_a_job_whose_new_value_fails_at_run_time_keeps_no_older_results(tmp_path):
    # 500 seeds pass every configuration check but not the 60 consumers of the file: job 1
    # fails when it builds its network, and the older job 1 (6 seeds) goes to earlier/
    edges = tmp_path / "ring.txt"
    edges.write_text("".join(f"{i} {(i + 1) % 60}\n" for i in range(60)))
    market = ["network=edgelist", f"network.path={edges}", "seeding=organic", "days=5"]
    market += ["share.after_purchase=1", "share.fanout=1", "conversion.peer=0.3"]  # it spreads
    folder = tmp_path / "sweep"
    first = cli_process(
        "-m", *market, "seeding.initial_customers=5,6", f"hydra.sweep.dir={folder}", cwd=tmp_path
    )  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    rerun = cli_process(
        "-m", *market, "seeding.initial_customers=5,500", f"hydra.sweep.dir={folder}",
        cwd=tmp_path,
    )  # fmt: skip
    assert rerun.returncode == 2, rerun.stderr[-3000:]  # the sweep says a job failed
    assert "1 of 2 jobs did not finish" in rerun.stderr
    assert "seeding.initial_customers=500" in rerun.stderr
    assert not (folder / "1" / jobs.METRICS).exists() and (folder / "1" / jobs.FAILED).exists()
    kept = metrics(folder / jobs.EARLIER)["seeding.initial_customers"].unique().tolist()
    assert kept == [6]  # the older job 1, not relabelled as 500


def test_a_relative_network_path_is_read_where_the_command_was_typed_under_job_chdir(tmp_path):
    # hydra.job.chdir=True moved each job into its folder, where the file was not: exit 2,
    # "network.path='ring.txt' does not exist", after the checks before the run had passed
    (tmp_path / "ring.txt").write_text("".join(f"{i} {(i + 1) % 60}\n" for i in range(60)))
    market = ["network=edgelist", "network.path=ring.txt", "seeding=organic", "days=5"]
    chdir = ["hydra.job.chdir=True", *market]
    referral_sim(*chdir, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    folder = tmp_path / "sweep"  # jobs in worker processes
    launcher = ["hydra/launcher=local_cores", "hydra.launcher.n_jobs=2"]
    sweep_args = ["-m", *chdir, *launcher, "referral=none,two_sided", f"hydra.sweep.dir={folder}"]
    referral_sim(*sweep_args, cwd=tmp_path)
    referral_sim(*market, f"hydra.run.dir={tmp_path / 'plain'}", cwd=tmp_path)
    assert metrics(tmp_path / "run").equals(metrics(tmp_path / "plain"))
    assert len(metrics(folder)) == 2 * len(metrics(tmp_path / "plain"))


def test_an_edited_network_file_runs_the_jobs_again_and_keeps_the_older_results(tmp_path):
    # the configuration named the file by its path alone: a rerun after editing it skipped
    # every job and served the old network's results (a review: 862 customers, 735 afresh)
    edges = tmp_path / "ring.txt"
    edges.write_text("".join(f"{i} {(i + 1) % 60}\n" for i in range(60)))
    folder = tmp_path / "sweep"
    market = ["network=edgelist", f"network.path={edges}", "seeding=organic", "days=5"]
    market += ["share.after_purchase=1", "share.fanout=1", "conversion.peer=0.3"]  # it spreads
    command = ["-m", *market, "referral=none,two_sided", f"hydra.sweep.dir={folder}"]
    assert referral_sim(*command, cwd=tmp_path).stdout.count("finished already") == 0
    ring = metrics(folder)
    assert referral_sim(*command, cwd=tmp_path).stdout.count("finished already") == 2
    edges.write_text("".join(f"{i} {j}\n" for i in range(60) for j in range(i + 1, 60)))
    rerun = referral_sim(*command, cwd=tmp_path)
    assert "finished already" not in rerun.stdout and rerun.stdout.count("are kept in") == 2
    complete = metrics(sorted(folder.glob("[0-9]*")))
    assert not complete["customers"].equals(ring["customers"])  # the complete graph's runs
    kept = metrics(folder / jobs.EARLIER).sort_values("referral", ignore_index=True)
    pd.testing.assert_frame_equal(kept, ring.sort_values("referral", ignore_index=True))
    assert "sha256" in (folder / "0" / jobs.CONFIG).read_text()


def test_a_recomputed_job_keeps_no_table_of_the_earlier_one(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "referral=two_sided", "run.save_referrals=true")
    sweep(folder, "referral=one_sided")  # saves no referral edges
    assert not (folder / "0" / "referrals.parquet").exists()
    with pytest.raises(sim.results.ResultsError, match=r"no referrals\.parquet"):
        sim.results.load(folder / "0", "referrals")
    assert set(sim.results.load(folder, "referrals")["referral"]) == {"two_sided"}  # kept


def test_a_smaller_sweep_into_a_bigger_ones_folder_counts_each_setting_once(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, SCHEMES)
    again = sweep(folder, "referral=none,two_sided")  # job 1 is two_sided now; job 2 was
    assert "copied from" in again.stdout and "results:" not in again.stdout  # nothing ran
    assert "removed a copy of results a job of this sweep holds: 2" in again.stdout
    with warnings.catch_warnings():
        warnings.simplefilter("error", sim.results.DuplicateJobWarning)
        frame = metrics(folder)
    sizes = frame.groupby("referral").size().to_dict()
    assert sizes == {"none": 3, "one_sided": 3, "two_sided": 3}  # two_sided not 6; one_sided kept
    assert not (folder / "2" / jobs.METRICS).exists() and (folder / "2" / ".hydra").is_dir()


def test_a_setting_that_moved_to_another_job_number_is_copied_not_run_again(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, SCHEMES)
    finished = metrics(folder).set_index(["referral", "replicate"]).sort_index()
    again = sweep(folder, "referral=two_sided,none,one_sided")  # every setting moved
    assert "results:" not in again.stdout  # nothing ran
    assert again.stdout.count("copied from") == 1  # two_sided, from job 2 into job 0
    assert again.stdout.count("moved back from") == 2  # none and one_sided, kept by jobs 1, 2
    assert "removed a copy of results a job of this sweep holds: earlier/" in again.stdout
    assert not list((folder / jobs.EARLIER).glob(f"*/{jobs.METRICS}"))  # held by jobs 0-2
    assert [metrics(folder / str(job))["referral"][0] for job in range(3)] == [
        "two_sided",
        "none",
        "one_sided",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", sim.results.DuplicateJobWarning)
        moved = metrics(folder).set_index(["referral", "replicate"]).sort_index()
    pd.testing.assert_frame_equal(moved, finished)


def test_two_sweeps_that_ran_one_setting_read_it_once(tmp_path):
    sweep(tmp_path / "seeds", "seed=0,1")  # referral none at seed 0 and 1
    sweep(tmp_path / "schemes", "referral=none,two_sided")  # seed 0: none is also in seeds
    with pytest.warns(sim.results.DuplicateJobWarning, match="1 job folder"):
        frame = sim.results.load(tmp_path)
    assert len(frame) == 3 * 3 and not frame.duplicated(["referral", "seed", "replicate"]).any()
    assert frame["seed"].dtype.kind == "i"  # filled from config.yaml: 0, not 0.0
    comparison = sim.compare(frame)
    assert (comparison["replicates"] <= 3).all()


def test_a_value_that_cannot_be_resolved_is_refused_before_launch(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "seed=0,1")
    before = metrics(folder)
    rerun = cli_process("-m", "seed=0,${oops}", *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert rerun.returncode == 2
    assert "Interpolation key 'oops' not found" in rerun.stderr
    assert not list(folder.rglob(jobs.FAILED))
    pd.testing.assert_frame_equal(metrics(folder), before)


def test_a_finished_job_whose_table_is_damaged_is_recomputed_not_relabelled(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none")
    cascades = folder / "0" / "cascades.parquet"
    cascades.write_bytes(cascades.read_bytes()[:50])
    rerun = sweep(folder, "referral=none", "seed=0")  # a new parameter: it would be relabelled
    assert "recomputing, its results could not be read back" in rerun.stdout
    assert metrics(folder)["seed"].tolist() == [0, 0, 0]
    assert len(sim.results.load(folder, "cascades")) > 0


def test_a_finished_job_whose_metrics_are_truncated_is_recomputed_by_the_same_command(tmp_path):
    # the same command (nothing to relabel) skipped it as finished: load and the report then
    # failed on it
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none")
    table = folder / "0" / jobs.METRICS
    table.write_bytes(table.read_bytes()[:-20])  # its footer cut off
    rerun = sweep(folder, "referral=none")
    assert "recomputing, its results could not be read back" in rerun.stdout
    assert "replacing results" not in rerun.stdout and "finished already" not in rerun.stdout
    assert len(sim.results.load(folder)) == 3


def test_a_skipped_job_carries_the_parameters_of_the_command_that_skipped_it(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none,two_sided")
    rerun = sweep(folder, "referral=none,two_sided", "seed=0,1")
    assert rerun.stdout.count("finished already, skipped") == 2  # none and two_sided, seed 0
    assert "moved back from" in rerun.stdout  # two_sided, seed 0: job 1 kept it, job 2 took it
    assert "now carry this command's parameters" in rerun.stdout
    for table in ("metrics", "timeseries", "cascades"):
        frame = sim.results.load(folder, table)
        assert frame.attrs["parameters"][:2] == ["referral", "seed"]
        assert frame["seed"].notna().all()
    record = json.loads((folder / "0" / jobs.JOB).read_text())
    assert {k: record["parameters"][k] for k in ("referral", "seed")} == {
        "referral": "none",
        "seed": 0,
    }
    comparison = sim.compare(metrics(folder))
    assert set(comparison["seed"]) == {0, 1}  # each seed's schemes pair with its own baseline


def test_a_relabelling_cut_short_is_completed_by_the_next(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none")
    job = folder / "0"
    original = pd.read_parquet(job / jobs.METRICS)
    recorded = json.loads((job / jobs.JOB).read_text())["parameters"]
    new = {**recorded, "seed": 0}
    frame = pd.read_parquet(job / jobs.METRICS).drop(columns=list(recorded))
    frame = jobs.with_parameters(frame, new)  # as if killed after the tables, before job.json
    frame.to_parquet(job / jobs.METRICS, index=False)
    assert jobs.relabel(job, new)
    relabelled = pd.read_parquet(job / jobs.METRICS)
    assert list(relabelled.columns[: len(new)]) == list(new)
    pd.testing.assert_frame_equal(relabelled.drop(columns="seed"), original)
    assert not jobs.relabel(job, new)  # done: nothing more to rewrite


def test_a_relabelling_cut_short_at_its_first_table_is_completed_by_the_next(tmp_path, monkeypatch):
    # job.json is rewritten last: a relabelling killed before it is redone in full
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none")
    job = folder / "0"
    new = {**json.loads((job / jobs.JOB).read_text())["parameters"], "seed": 0}

    def killed(frame, path):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "write_parquet_atomic", killed)
        with pytest.raises(KeyboardInterrupt):
            jobs.relabel(job, new)
    assert jobs.relabel(job, new)
    for table in job.glob("*.parquet"):
        assert "seed" in pd.read_parquet(table).columns, table.name


def test_a_job_writes_its_record_before_its_metrics_and_its_metrics_last(tmp_path, monkeypatch):
    # metrics.parquet marks a finished job: written before job.json, a job killed between
    # the two would be taken for another configuration's results and run again
    written = []
    for writer in ("write_text_atomic", "write_parquet_atomic"):
        real = getattr(jobs, writer)
        monkeypatch.setattr(
            jobs,
            writer,
            lambda data, path, real=real: (written.append(path.name), real(data, path))[1],
        )
    result = sim.run(sim.compose(["network.n=300", "days=5", "run.replicates=1"]), progress=False)
    jobs.write_job(tmp_path, result, {"days": 5}, "days=5", save_referrals=True)
    assert written[-2:] == [jobs.JOB, jobs.METRICS]


@pytest.mark.parametrize(
    ("codes", "expected"), [((2, 2), 2), ((2, 1), 1), ((2, None), 1)], ids=["bad", "disk", "kill"]
)
def test_a_sweep_exits_2_only_when_every_unfinished_job_had_bad_input(codes, expected):
    # exit 2 says "fix the input": not when another job ran out of disk or was killed
    records = [{"exit_code": code} if code else {} for code in codes]
    unfinished = {Path(str(job)): record for job, record in enumerate(records)}
    assert failures.sweep_exit_code(unfinished) == expected


def test_a_claim_on_kept_results_that_lost_its_metrics_is_discarded_not_put_back(tmp_path):
    # killed while it went (metrics.parquet goes first): put back in earlier/, it would hold
    # no results under the digest, and results kept aside later under it would be dropped
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none")
    job = folder / "0"
    name = json.loads((job / jobs.JOB).read_text())["digest"]
    claim = folder / jobs.EARLIER / f".{name}.999{jobs.CLAIM}"
    claim.mkdir(parents=True)
    for file in ("timeseries.parquet", jobs.CONFIG, jobs.JOB):
        shutil.copy(job / file, claim / file)
    jobs.remove_interrupted_copies(folder)
    assert not claim.exists() and not (folder / jobs.EARLIER / name).exists()
    kept = jobs.keep_aside(job, folder)  # then a different sweep takes job 0's folder
    jobs.start(job)
    assert jobs.has_results(kept)


def test_a_copy_killed_midway_leaves_no_truncated_results(tmp_path, monkeypatch):
    # on storage without hard links, results taken back from earlier/ were copied straight
    # under their names: killed midway, a truncated metrics.parquet read as finished results
    # (a review, 2 Dec 2026: the next run skipped the job and removed the whole copy)
    source, target = tmp_path / "earlier", tmp_path / "job"
    source.mkdir()
    target.mkdir()
    for file in jobs.FILES:
        (source / file).write_bytes(b"x" * 1000)

    def no_links(*_):
        raise OSError("no hard links here")

    def killed_halfway(origin, destination):
        Path(destination).write_bytes(Path(origin).read_bytes()[:500])
        if Path(origin).name == jobs.METRICS:
            raise KeyboardInterrupt  # a kill while copying the last file

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(shutil, "copy2", killed_halfway)
    with pytest.raises(KeyboardInterrupt):
        jobs._link_files(source, target)
    assert not jobs.has_results(target)
    assert sorted(p.name for p in target.iterdir()) == sorted(
        f for f in jobs.FILES if f != jobs.METRICS and (source / f).exists()
    )


def test_a_sweeps_jobs_read_each_finished_folders_record_once(tmp_path, monkeypatch):
    # every job read every finished folder's job.json looking for its results: a sweep's cost
    # grew with the square of its jobs (1,000 finished folders: 0.2 s a job, 2 Dec 2026)
    folder = tmp_path / "sweep"
    for job in range(30):
        (folder / str(job)).mkdir(parents=True)
        (folder / str(job) / jobs.METRICS).write_bytes(b"")
        (folder / str(job) / jobs.JOB).write_text(json.dumps({"digest": f"d{job}"}))
    (folder / "multirun.yaml").write_text("a sweep started\n")
    reads = []
    original = jobs.read_record
    monkeypatch.setattr(jobs, "read_record", lambda path: reads.append(path) or original(path))
    for job in range(30, 60):  # thirty new jobs find nothing
        assert jobs._job_holding(folder, f"d{job}", besides=folder / str(job)) is None
    assert len(reads) == 30
    found = jobs._job_holding(folder, "d7", besides=folder / "40")  # a setting that moved
    assert found == folder / "7" and len(reads) == 31  # its record read again to be sure
    (folder / "7" / jobs.JOB).write_text(json.dumps({"digest": "rewritten"}))
    assert jobs._job_holding(folder, "d7", besides=folder / "40") is None
    time.sleep(0.01)
    (folder / "multirun.yaml").write_text("the next sweep\n")  # a new sweep reads them again
    assert jobs._job_holding(folder, "rewritten", besides=folder / "40") == folder / "7"


def test_kept_replicates_are_those_of_this_configuration_only(tmp_path):
    # a run killed mid-job and rerun into its folder with other settings starts afresh
    assert jobs.replicates_folder(tmp_path, "days: 20\n") != jobs.replicates_folder(
        tmp_path, "days: 40\n"
    )


def test_results_of_other_code_in_the_same_folder_are_recomputed(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none,two_sided")
    edited = "import sim.jobs; sim.jobs.code_fingerprint = lambda: 'an edited engine'"
    rerun = cli_process(
        "-m",
        "referral=none,two_sided",
        *TINY,
        f"hydra.sweep.dir={folder}",
        cwd=tmp_path,
        prelude=edited,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "finished already" not in rerun.stdout
    assert rerun.stdout.count("replacing results of another configuration or code version") == 2
    assert len(metrics(folder)) == 6


def test_sigkill_part_way_then_rerun_completes_without_duplicates(tmp_path):
    folder = tmp_path / "sweep"
    command = [sys.executable, "-m", "sim.cli", "-m", "referral=none,one_sided,two_sided"]
    command += ["seed=0,1", *TINY, f"hydra.sweep.dir={folder}"]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline, reads = time.monotonic() + 120, 0
    while len(finished_at(folder)) < 2 and time.monotonic() < deadline:
        if finished_at(folder):  # loading while the sweep runs sees whole jobs only
            assert len(sim.results.load(folder)) % 3 == 0
            reads += 1
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = finished_at(folder)
    assert 2 <= len(before) < 6
    assert reads >= 1  # one job finished, the next still running: the reader did read
    rerun = referral_sim(*command[3:], cwd=tmp_path)
    assert rerun.stdout.count("finished already, skipped") == len(before)
    after = finished_at(folder)
    assert {k: after[k] for k in before} == before
    frame = metrics(folder)
    assert len(frame) == 6 * 3
    assert not frame.duplicated(["referral", "seed", "replicate"]).any()


def test_the_basic_and_joblib_launchers_give_identical_metrics(tmp_path):
    sweep(tmp_path / "basic", SCHEMES)
    sweep(tmp_path / "joblib", SCHEMES, "hydra.launcher.n_jobs=2", launcher="local_cores")
    pd.testing.assert_frame_equal(metrics(tmp_path / "basic"), metrics(tmp_path / "joblib"))


@pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None,
    reason="the ray extra is not installed (pip install -e '.[ray]')",
)
def test_the_ray_launcher_on_a_local_cluster_gives_identical_metrics(tmp_path):
    sweep(tmp_path / "basic", SCHEMES)
    sweep(tmp_path / "ray", SCHEMES, "+hydra.launcher.ray.init.num_cpus=2", launcher="ray_cluster")
    pd.testing.assert_frame_equal(metrics(tmp_path / "basic"), metrics(tmp_path / "ray"))


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None,
    reason="the ray extra is not installed (pip install -e '.[ray]')",
)
def test_the_ray_launcher_joins_a_running_cluster_and_writes_where_the_command_was_typed(
    tmp_path, monkeypatch
):
    """As docs/experiments.md says: ``ray start --head``, then the cluster's address.

    The plugin's own ``object_store_memory`` (75 MB) made Ray refuse to join; the head, started
    in another directory, wrote a relative sweep folder under its own.
    """
    ray = str(Path(sys.executable).with_name("ray"))
    head = tmp_path / "head"
    head.mkdir()
    port = "6393"
    if (Path.home() / ".ray" / "auth_token").is_file():  # Ray 2.60: a token made by an earlier
        monkeypatch.setenv("RAY_AUTH_MODE", "token")  # head is required from then on
    started = subprocess.run(
        [ray, "start", "--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false"],
        cwd=head,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        assert started.returncode == 0, started.stderr[-2000:]
        address = f"hydra.launcher.ray.init.address=127.0.0.1:{port}"
        folder = tmp_path / "sweep"
        folder.mkdir()
        referral_sim(
            "-m",
            SCHEMES,
            *TINY,
            "hydra/launcher=ray_cluster",
            address,
            "hydra.sweep.dir=out",
            cwd=folder,
        )
        sweep(tmp_path / "basic", SCHEMES)
        pd.testing.assert_frame_equal(metrics(tmp_path / "basic"), metrics(folder / "out"))
        assert list(head.iterdir()) == []
    finally:
        subprocess.run([ray, "stop", "--force"], capture_output=True, check=False)


def test_parameters_keep_their_types(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "referral=one_sided", "referral.referrer_reward=5,20", "budget.total=9000")
    frame = metrics(folder)
    assert frame["referral.referrer_reward"].tolist() == [5.0] * 3 + [20.0] * 3
    assert frame["budget.total"].eq(9000).all()
    assert frame["spend_total"].le(9000 + 1e-6).all()


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_preset_composes_and_sweeps(tmp_path, name):
    config = sim.compose([f"experiment={name}"])
    assert config.run.replicates >= 30
    folder = tmp_path / name
    small = ["network.n=300", "days=5", "run.replicates=1", "hydra.launcher.n_jobs=2"]
    referral_sim(f"+experiment={name}", *small, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    frame = sim.results.load(folder)
    jobs_run = len(list(folder.glob(f"*/{jobs.METRICS}")))
    assert jobs_run >= 3 and len(frame) == jobs_run
    assert len(sim.results.swept(frame)) >= 1


def test_a_preset_takes_a_sweep_of_its_own_key_without_dash_m(tmp_path):
    # a strategist's walkthrough (4 Dec 2026): a preset runs as a sweep without -m, but a value
    # list for its swept key was refused as "a run has one [value]: add -m"
    folder = tmp_path / "reserves"
    small = ["network.n=300", "days=5", "run.replicates=1", "hydra.launcher.n_jobs=2"]
    reserve = "seeding.koc.commission_reserve"
    referral_sim(
        "experiment=commission_reserve",
        f"{reserve}=0,7",
        *small,
        f"hydra.sweep.dir={folder}",
        cwd=tmp_path,
    )
    frame = sim.results.load(folder)
    assert sorted(frame[reserve].astype(float).unique()) == [0.0, 7.0]  # not the preset's five


def _default_ctrl_c() -> None:
    """Let the child take Ctrl-C: Python ignores it if its parent ignored it (``cmd &``)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def taking_ctrl_c(command: list[str], cwd: Path, group: bool = False) -> subprocess.Popen:
    """Start ``command`` so that SIGINT reaches it as Ctrl-C would; stderr is kept.

    With ``group``, in a process group of its own, for a Ctrl-C to reach its workers too.
    """
    return subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_ctrl_c,  # a shell's background job would ignore it otherwise
        process_group=0 if group else None,
    )


def test_ctrl_c_part_way_says_one_line_and_keeps_the_finished_jobs(tmp_path):
    folder = tmp_path / "sweep"
    command = [sys.executable, "-m", "sim.cli", "-m", "seed=0,1,2,3,4,5"]
    command += [*TINY, f"hydra.sweep.dir={folder}"]
    process = taking_ctrl_c(command, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not finished_at(folder) and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 130
    assert error.strip().splitlines()[-1].startswith("referral-sim: interrupted. Finished jobs")
    assert "Traceback" not in error
    finished = finished_at(folder)
    assert 1 <= len(finished) < 6 and len(metrics(folder)) == 3 * len(finished)


def test_ctrl_c_in_a_sweep_of_worker_processes_says_what_was_kept(tmp_path):
    # under the joblib launcher the jobs run in workers, and Ctrl-C said "interrupted before any
    # job started; nothing was written" while kept replicates and finished jobs were on disk;
    # multiprocessing's resource tracker then warned of "leaked semaphore objects" it freed
    folder = tmp_path / "sweep"
    command = [sys.executable, "-m", "sim.cli", "-m", "seed=0,1,2,3,4,5", "network.n=3000"]
    command += ["run.replicates=20", "hydra/launcher=local_cores", "hydra.launcher.n_jobs=2"]
    process = taking_ctrl_c([*command, f"hydra.sweep.dir={folder}"], cwd=tmp_path, group=True)
    deadline = time.monotonic() + 180
    while not list(folder.glob(f"*/{jobs.REPLICATES}*/replicate-*.pkl")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the whole group
    _, error = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in error
    assert error.strip().splitlines()[-1] == cli.INTERRUPTED


def test_ctrl_c_before_a_sweep_or_a_job_started_says_nothing_was_written(monkeypatch):
    monkeypatch.setattr(cli, "_running", [])
    assert cli._interrupted().endswith("before any job started; nothing was written.")
    monkeypatch.setattr(failures, "_HELD", [object()])  # a sweep started: its lock is held
    assert cli._interrupted() == cli.INTERRUPTED


def test_results_of_older_code_are_replaced_not_kept(tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none")
    record = json.loads((folder / "0" / jobs.JOB).read_text())
    (folder / "0" / jobs.JOB).write_text(json.dumps({**record, "code": "0ld3ng1ne"}))
    rerun = sweep(folder, "referral=one_sided")
    assert "replacing results" in rerun.stdout and not (folder / jobs.EARLIER).exists()
    assert metrics(folder)["referral"].unique().tolist() == ["one_sided"]  # no stale engine


@pytest.mark.parametrize("linked_first", [False, True], ids=["mid-link", "after-link"])
def test_a_job_folder_cleared_by_its_own_job_while_it_is_copied_gives_nothing(
    tmp_path, monkeypatch, linked_first
):
    config_yaml = "seed: 1\n"
    source, target = tmp_path / "1", tmp_path / "0"
    source.mkdir(), target.mkdir()
    (source / jobs.CONFIG).write_text(config_yaml)
    (source / jobs.JOB).write_text(json.dumps({"digest": jobs.digest(config_yaml)}))
    (source / "timeseries.parquet").write_bytes(b"series")
    (source / jobs.METRICS).write_bytes(b"metrics")
    link = jobs._link_or_copy

    def cleared_part_way(origin: Path, copy: Path) -> None:
        if linked_first:
            link(origin, copy)
        if origin.name == jobs.JOB:  # job 1 starts over (metrics.parquet goes first)
            jobs.start(source)
        if not linked_first:
            link(origin, copy)  # job.json is gone: FileNotFoundError

    monkeypatch.setattr(jobs, "_link_or_copy", cleared_part_way)
    assert jobs.copy_finished(target, tmp_path, config_yaml) is None
    assert not list(target.iterdir())  # not the series without its metrics
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0", "1"]  # no staging folder left
    monkeypatch.setattr(jobs, "_link_or_copy", link)
    (source / jobs.CONFIG).write_text(config_yaml)  # finished again, intact
    (source / jobs.JOB).write_text(json.dumps({"digest": jobs.digest(config_yaml)}))
    (source / jobs.METRICS).write_bytes(b"metrics")
    assert jobs.copy_finished(target, tmp_path, config_yaml) == source
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in source.iterdir())


def test_a_large_sweep_says_it_checks_its_configurations_and_a_bad_value_stops_it_early(
    tmp_path,
):
    few = sweep(tmp_path / "few", "seed=0,1")
    assert CHECKING not in few.stderr  # a few jobs: nothing to wait for
    many = sweep(tmp_path / "many", f"seed=range({SHOWN_FROM})")
    line = f"referral-sim: {CHECKING} ({SHOWN_FROM} jobs) before launching them\n"  # one line
    assert line in many.stderr and "%|" not in many.stderr
    assert f"Launching {SHOWN_FROM} jobs" in many.stdout
    assert len(list((tmp_path / "many").glob(f"*/{jobs.METRICS}"))) == SHOWN_FROM
    folder = tmp_path / "bad"
    bad = cli_process(
        "-m", "seed=range(12)", "network.n=300,abc", "days=2", f"hydra.sweep.dir={folder}",
        cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and "network.n='abc' is not allowed: expected an int" in bad.stderr
    assert f"{CHECKING} (24 jobs)" in bad.stderr  # stopped at the second, before launching
    # refused before any job ran: since 2 Dec 2026 the folder it made is removed (195918f)
    assert "Launching" not in bad.stdout and not folder.exists()


def test_the_configuration_check_shows_a_bar_on_a_terminal(tmp_path):
    leader, follower = pty.openpty()
    rows_columns = struct.pack("HHHH", 24, 100, 0, 0)  # a new pty is 0 wide: tqdm draws nothing
    fcntl.ioctl(follower, termios.TIOCSWINSZ, rows_columns)
    command = [sys.executable, "-m", "sim.cli", "-m", f"seed=range({SHOWN_FROM})", *TINY[:2]]
    with os.fdopen(leader, "rb", buffering=0) as terminal:
        process = subprocess.Popen(
            [*command, "run.replicates=1", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=follower,
        )
        os.close(follower)
        written = b""
        while True:
            try:
                chunk = terminal.read(4096)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            written += chunk
        assert process.wait(timeout=300) == 0
    text = written.decode(errors="replace")
    assert f"{CHECKING}: 100%" in text and f"{SHOWN_FROM}/{SHOWN_FROM}" in text
    assert f"{CHECKING} (" not in text  # the bar, not the line


def finished_job(folder: Path, digest: str) -> Path:
    """A job folder that looks finished, with ``digest`` in its ``job.json``."""
    folder.mkdir(parents=True)
    (folder / jobs.JOB).write_text(json.dumps({"digest": digest}))
    (folder / jobs.METRICS).write_bytes(b"metrics")
    return folder


def test_the_end_of_a_sweep_removes_only_copies_of_what_its_finished_jobs_hold(tmp_path, capsys):
    launched = [finished_job(tmp_path / str(job), f"d{job}") for job in range(7)]
    copies = [finished_job(tmp_path / str(job + 7), f"d{job}") for job in range(7)]
    other = finished_job(tmp_path / "14", "elsewhere")  # another configuration: kept
    kept = finished_job(tmp_path / jobs.EARLIER / "d3", "d3")  # held by job 3: a copy
    (launched[6] / jobs.FAILED).write_text("{}")  # failed: holds nothing, its copy stays
    failures._remove_copies(tmp_path, launched)
    said = capsys.readouterr().out
    assert said.strip() == (
        "referral-sim: removed 7 copies of results a job of this sweep holds: "
        "7, 8, 9, 10, 11 and 2 more"
    )
    assert all(jobs.has_results(folder) for folder in [*launched, other, copies[6]])
    assert not any(jobs.has_results(folder) for folder in copies[:6])
    assert not kept.exists() and (copies[0]).is_dir()  # a job folder stays (its logs), emptied


def test_a_list_one_longer_than_shown_says_the_one_more():
    names = [str(job) for job in range(console.LISTED + 1)]
    assert console.listed(names) == "0, 1, 2, 3, 4 and 1 more"
    assert console.listed(names[:-1]) == "0, 1, 2, 3, 4"


def test_a_sweep_whose_values_read_the_job_number_passes_the_check_before_launch(tmp_path):
    # the sweeper checks each job with its Hydra node in place (a reviewer found
    # seed=${hydra:job.num} refused: "HydraConfig was not set"); batches keep counting
    folder = tmp_path / "sweep"
    result = cli_process(
        "-m", "referral=none,one_sided", "seed=${hydra:job.num}", "hydra.sweeper.max_batch_size=1",
        *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    seeds = metrics(folder).groupby("referral")["seed"].unique().map(list).to_dict()
    assert seeds == {"none": [0], "one_sided": [1]}


def test_a_later_batch_is_checked_with_its_own_job_numbers_before_any_job_runs(tmp_path):
    # share.daily=${hydra:job.num} is 0 and 1 in the first batch, 2 (above 1) in the second:
    # checked as job 2 it stops the sweep; numbered from 0 again it would pass and fail. Until
    # 3 Dec 2026 each batch was checked as it came: the first batch ran, then the sweep stopped
    folder = tmp_path / "sweep"
    result = cli_process(
        "-m", "seed=0,1,2", "share.daily=${hydra:job.num}", "hydra.sweeper.max_batch_size=2",
        *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "share.daily=2.0 is not allowed" in result.stderr
    assert not folder.exists()  # no job ran: the folder the sweep made is removed


def refused_sweep(monkeypatch, capsys, *overrides: str) -> str:
    """Standard error of a tiny sweep run in this process, which must be refused (exit 2)."""
    monkeypatch.setattr(sys, "argv", ["referral-sim", "-m", *overrides, *TINY])
    with pytest.raises(SystemExit) as refused:
        cli.main()
    assert refused.value.code == 2
    return capsys.readouterr().err


def test_a_refused_sweep_removes_the_folders_it_made_and_only_those(tmp_path, monkeypatch, capsys):
    # until 2 Dec 2026 a refused sweep left its new folders, holding a hidden .sweep.lock
    mine = tmp_path / "mine"
    (mine / "notes").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    for folder in (mine / "a" / "b", mine / "notes"):  # in this process: a second, not 3 s
        refused = refused_sweep(monkeypatch, capsys, "seed=-1", f"hydra.sweep.dir={folder}")
        assert "seed=-1 is not allowed" in refused
    assert not (mine / "a").exists()
    assert (mine / "notes").is_dir() and not (mine / "notes" / "multirun.yaml").exists()
    again = cli_process("-m", "seed=0", *TINY, f"hydra.sweep.dir={mine / 'notes'}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]  # the folder is free for a sweep
    assert jobs.has_results(mine / "notes" / "0")


def test_a_sweep_type_hydra_refuses_leaves_no_folder_either(tmp_path, monkeypatch, capsys):
    # Hydra refuses interval() before any batch is checked: the folder and its lock stayed
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "new" / "sweep"
    interval = ("days=interval(1,30)", f"hydra.sweep.dir={folder}")
    assert "does not support sweep type" in refused_sweep(monkeypatch, capsys, *interval)
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    "empty",
    [
        ["seed=range(10,0)"],
        ["referral.referrer_reward=glob(*)"],
        ["seed=range(10,0)", "hydra.sweeper.max_batch_size=2"],  # no batch: exit 0 until 3 Dec
    ],
)
def test_a_sweep_of_no_job_is_refused_and_leaves_no_folder(empty, tmp_path, monkeypatch, capsys):
    # it printed "Launching 0 jobs locally" and exited 0, leaving multirun.yaml and a lock
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "new" / "sweep"
    refused = refused_sweep(monkeypatch, capsys, *empty, f"hydra.sweep.dir={folder}")
    assert "the sweep's overrides expand to no job" in refused
    assert not (tmp_path / "new").exists()


def test_a_bad_value_in_a_later_batch_leaves_an_earlier_sweeps_record_as_it_was(tmp_path):
    # the sweep is refused before its first batch, so the record of the earlier sweep into the
    # folder, whose jobs are there, is put back (until 3 Dec 2026 job 0 ran and its record
    # replaced the earlier one)
    folder = tmp_path / "sweep"
    earlier = cli_process("-m", "seed=5", *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert earlier.returncode == 0, earlier.stderr[-3000:]
    record = (folder / "multirun.yaml").read_bytes()
    result = cli_process(
        "-m", "seed=0,-1", "hydra.sweeper.max_batch_size=1", *TINY, f"hydra.sweep.dir={folder}",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "seed=-1 is not allowed" in result.stderr
    assert (folder / "multirun.yaml").read_bytes() == record
    assert [p.parent.name for p in folder.glob(f"*/{jobs.METRICS}")] == ["0"]  # seed 5's
    assert metrics(folder)["seed"].unique().tolist() == [5]


@pytest.mark.parametrize(
    ("stop", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["int", "term"]
)
def test_ctrl_c_in_a_single_run_keeps_its_replicates_for_a_rerun_into_its_folder(
    tmp_path, stop, exit_code
):
    # it promised that the same command would complete the others, but a single run wrote its
    # results only at its end, and the same command runs into a new folder from scratch;
    # SIGTERM (a kill, a scheduler's time limit) ended the run without a word
    folder = tmp_path / "run"
    command = [sys.executable, "-m", "sim.cli", "network.n=3000", "run.replicates=30"]
    command += [f"hydra.run.dir={folder}"]
    process = taking_ctrl_c(command, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not list(folder.glob(f"{jobs.REPLICATES}*/replicate-1.pkl")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(stop)
    _, error = process.communicate(timeout=60)
    assert process.returncode == exit_code and "Traceback" not in error
    kept = len(list(folder.glob(f"{jobs.REPLICATES}*/replicate-*.pkl")))
    assert error.strip().splitlines()[-1] == (
        f"referral-sim: interrupted. {kept} finished replicate(s) are kept in {folder}: run the "
        f"same command with hydra.run.dir={folder} to complete it (a new folder starts afresh)."
    )
    assert 2 <= kept < 30 and not (folder / jobs.METRICS).exists()
    if stop == signal.SIGTERM:
        return  # the rest, completing the run, is the Ctrl-C case's
    referral_sim(*command[3:], cwd=tmp_path)
    assert metrics(folder)["replicate"].tolist() == list(range(30))
    assert not list(folder.glob(f"{jobs.REPLICATES}*"))


def test_replicates_left_beside_finished_results_go_when_the_job_is_skipped(tmp_path):
    # a kill between writing the results and removing the kept replicates left them for good
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none")
    left = folder / "0" / f"{jobs.REPLICATES}0123456789abcdef"
    left.mkdir()
    (left / "replicate-0.pkl").write_bytes(b"")
    assert "finished already, skipped" in sweep(folder, "referral=none").stdout
    assert not left.exists()


ONE_SIDED_TWO_SIDED = "To run each, sweep them: referral-sim -m referral=one_sided,two_sided"


@pytest.mark.parametrize(
    ("options", "refused_as"),
    [
        # ran two_sided merged over one_sided, silently
        ("referral=[one_sided,two_sided]", f"(two_sided over the others). {ONE_SIDED_TWO_SIDED}."),
        # OmegaConf's 'PointsConfig is not a subclass of ...'
        ("retention=[none,points]", "sweep them: referral-sim -m retention=none,points."),
        # a list among a sweep's values: the sweep that runs each, the others kept
        (
            "referral=[one_sided,two_sided],none",
            f"list into one. {ONE_SIDED_TWO_SIDED},none.",
        ),
        ("referral=choice([one_sided,two_sided],none)", f"{ONE_SIDED_TWO_SIDED},none."),
        # a sweep's parameters from the sweeper's config: refused by its check of each job
        (
            "+hydra.sweeper.params.referral='[one_sided,two_sided],none'",
            f"referral=[one_sided,two_sided] is not allowed: referral takes one option (none, "
            f"one_sided, two_sided, tiered, group_buy, commission), and Hydra would merge these "
            f"into one (two_sided over the others). {ONE_SIDED_TWO_SIDED}.",
        ),
    ],
)
def test_a_list_of_options_is_refused_with_the_sweep_that_runs_each(
    options, refused_as, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "new" / "sweep"
    refused = refused_sweep(monkeypatch, capsys, options, f"hydra.sweep.dir={folder}")
    assert " is not allowed: " in refused and refused_as in " ".join(refused.split())
    assert not (tmp_path / "new").exists()


def test_a_sweep_with_an_option_lacking_a_key_is_told_to_run_that_option_alone(
    tmp_path, monkeypatch, capsys
):
    # the advice was choice(5) alone, which the job under referral=none refused again; then
    # a message about referral=none for a sweep of one_sided and commission, which never ran
    # none, whose advice (choice) led to a second refusal, for one_sided (a review)
    monkeypatch.chdir(tmp_path)
    folder = f"hydra.sweep.dir={tmp_path / 'sweep'}"
    for reward in ("referral.referrer_reward=5", "referral.referrer_reward=choice(5)"):
        refused = " ".join(
            refused_sweep(monkeypatch, capsys, "referral=none,two_sided", reward, folder).split()
        )
        written = reward.partition("=")[2]
        assert (
            f"referral.referrer_reward={written} is not allowed in this sweep: it runs "
            "referral=none, which declares no key 'referrer_reward', so that option's jobs "
            "cannot take it (options of referral that declare it: one_sided, two_sided). Sweep "
            "those with the key in one command (-m referral=two_sided "
            "referral.referrer_reward=choice(5)) and the others in another (-m referral=none), "
            "without it, each into its own hydra.sweep.dir under one parent folder, which "
            "referral-sim-report reads whole (a second sweep into the same folder sets the "
            "first one's jobs aside in earlier/)."
        ) in refused
    refused = " ".join(
        refused_sweep(
            monkeypatch, capsys, "referral=one_sided,tiered,commission", "referral.rate=0.1", folder
        ).split()
    )
    assert "it runs referral=one_sided, referral=tiered, which declare no key 'rate'" in refused
    assert "(-m referral=commission referral.rate=choice(0.1))" in refused
    assert "(-m referral=one_sided,tiered), without it" in refused
    assert "referral=none" not in refused  # the default, which this sweep never runs
    # a glob() of options is matched against the group's options (a first version of this
    # check stopped with a traceback: Hydra's glob needs its config loader)
    globbed = ("referral=glob(*one*)", "referral.rate=0.1", folder)
    refused = " ".join(refused_sweep(monkeypatch, capsys, *globbed).split())
    assert "it runs referral=none, referral=one_sided, which declare no key 'rate'" in refused
    # misspelt: the base's referral=none declares only `name`, so nothing near it was named
    misspelt = ("referral=one_sided,two_sided", "referral.refrer_reward=5", folder)
    assert (
        "referral.refrer_reward=5 is not allowed: no option of referral declares "
        "'refrer_reward' (did you mean referral.referrer_reward?). Keys of the options this "
        "sweep runs (referral=one_sided, referral=two_sided): holdback_days, name, "
        "referee_discount, referrer_reward, reward_kind, verify."
    ) in " ".join(refused_sweep(monkeypatch, capsys, *misspelt).split())
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize(
    ("options", "reward", "said"),
    [
        ("none,one_sided", "-1", " Fix it first: -1 is out of range there (expected a number >= 0"),
        ("none,one_sided", "-1,5,-2", " Fix them first: -1, -2 are out of range there (expected"),
        ("none,one_sided", "5,6", None),
        ("none,one_sided", "-1,-1,3", " Fix it first: -1 is out of range there (expected"),
        ("none,one_sided", "glob(*)", None),  # a glob of values: a traceback, for a while
        ("one_sided,two_sided", "-1", "or ++referral.referrer_reward=-1. Fix it first: -1 is out"),
    ],
)
def test_the_advice_for_an_option_lacking_a_key_says_when_the_value_is_out_of_range_too(
    options, reward, said, tmp_path, monkeypatch, capsys
):
    # the advice "-m referral=one_sided referral.referrer_reward=choice(-1)" was then refused,
    # -1 being out of range: two refusals where one message could say both
    monkeypatch.chdir(tmp_path)
    folder = f"hydra.sweep.dir={tmp_path / 'sweep'}"
    override = f"referral.referrer_reward={reward}"
    refused = " ".join(
        refused_sweep(monkeypatch, capsys, f"referral={options}", override, folder).split()
    )
    assert "no key 'referrer_reward'" in refused
    assert ("out of range" in refused) == (said is not None)
    if said:
        assert said in refused


def test_a_key_every_swept_option_takes_is_refused_with_the_way_past_the_default(
    tmp_path, monkeypatch, capsys
):
    # Hydra composes the base with referral=none, which lacks the key; choice(5) passes
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "sweep"
    options = ("referral=one_sided,two_sided", f"hydra.sweep.dir={folder}")
    refused = " ".join(
        refused_sweep(monkeypatch, capsys, *options, "referral.referrer_reward=5").split()
    )
    assert (
        "referral.referrer_reward=5 is not allowed as written in this sweep: Hydra composes a "
        "sweep's base with referral's default option, referral=none, before the sweep's "
        "options, and none declares no key 'referrer_reward'. Write "
        "referral.referrer_reward=choice(5) (one value, for every job) or "
        "++referral.referrer_reward=5."
    ) in refused
    passed = cli_process("-m", *options, "referral.referrer_reward=choice(5)", *TINY, cwd=tmp_path)
    assert passed.returncode == 0, passed.stderr[-3000:]
    rewards = metrics(folder).groupby("referral")["referral.referrer_reward"].unique()
    assert rewards.map(list).to_dict() == {"one_sided": [5.0], "two_sided": [5.0]}


RETURNS_KEPT = """
import atexit, sys
import hydra._internal.hydra, hydra.core.utils
from hydra.experimental.callback import Callback
class Probe(Callback):
    def on_job_end(self, config, job_return, **kwargs):
        print("probe saw", job_return.cfg is not None, file=sys.stderr)
returned, run_job = [], hydra.core.utils.run_job
def kept(*args, **kwargs):
    returned.append(run_job(*args, **kwargs))
    return returned[-1]
hydra.core.utils.run_job = hydra._internal.hydra.run_job = kept  # launchers import it later
atexit.register(lambda: print("kept", [(r.cfg, r.hydra_cfg) != (None, None) for r in returned],
                              file=sys.stderr))
"""
"""Prints what Hydra keeps of each job once it ends, and what a user's callback saw."""


def test_a_sweep_keeps_no_jobs_configurations_and_a_users_callback_still_sees_them(tmp_path):
    """Hydra kept both configurations of every job until the sweep's end: 0.18 MB a job."""
    probe = "+hydra.callbacks.probe._target_=__main__.Probe"
    folder = f"hydra.sweep.dir={tmp_path / 'sweep'}"
    swept = cli_process(
        "-m", "seed=1,2,3", *TINY, probe, folder, cwd=tmp_path, prelude=RETURNS_KEPT
    )
    assert swept.returncode == 0, swept.stderr[-3000:]
    assert "kept [False, False, False]" in swept.stderr
    assert swept.stderr.count("probe saw True") == 3
    single = cli_process(
        *TINY, probe, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path, prelude=RETURNS_KEPT
    )
    assert single.returncode == 0, single.stderr[-3000:]
    assert "kept [True]" in single.stderr and "probe saw True" in single.stderr
    kept = "hydra.callbacks.sweep_report.keep_configurations=true"  # for a callback that keeps
    asked = cli_process(  # each JobReturn to read its configurations later
        "-m", "seed=4,5", *TINY, kept, f"{folder}2", cwd=tmp_path, prelude=RETURNS_KEPT
    )
    assert asked.returncode == 0, asked.stderr[-3000:]
    assert "kept [True, True]" in asked.stderr


@pytest.mark.parametrize(
    ("options", "override", "out_of_range"),
    [
        ("referral=none,one_sided", "referral.referrer_reward=abc", None),  # no number: no range
        ("referral=none,one_sided", "referral.referrer_reward=range(-2,1)", "-2, -1 are"),
        ("referral=none,group_buy", "referral.team_size=2.5", "2.5 is"),  # an integer's range
        # the advice sweeps network=random alone with k, which takes a k of 2.5
        ("network=circles,random,edgelist", "network.k=2.5", None),
    ],
)
def test_only_numbers_out_of_range_for_the_options_advised_are_said_to_be(
    options, override, out_of_range
):
    parsed = OverridesParser.create().parse_overrides([options, override])
    with pytest.raises(sim.params.ConfigError) as refused:
        configure.refuse_keys_swept_options_lack(parsed)
    said = str(refused.value)
    assert ("out of range" in said) == (out_of_range is not None)
    if out_of_range:
        assert f"first: {out_of_range} out of range there" in said


@pytest.mark.parametrize(
    "options", ["network=random,small_world,edgelist", "network=small_world,random,edgelist"]
)
def test_a_value_out_of_range_for_any_option_advised_is_said_whatever_their_order(options):
    # n=2 is out of range for small_world (not for random): said only when it came first
    parsed = OverridesParser.create().parse_overrides([options, "network.n=2"])
    with pytest.raises(sim.params.ConfigError, match="Fix it first: 2 is out of range there"):
        configure.refuse_keys_swept_options_lack(parsed)


def test_a_report_names_the_settings_only_an_earlier_run_of_the_folder_holds(tmp_path, capsys):
    # a review: a rerun into the same folder with another market kept the first market's jobs
    # in earlier/, and the report compared them as conditions with no word of where they came
    folder = tmp_path / "sweep"
    sweep(folder, "referral=none,two_sided", "seeding.daily_budget=300")
    sweep(folder, "referral=none,two_sided")  # another market: the first run's jobs are kept
    assert sim.report.main([str(folder)]) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert "Read from `earlier/`, the results an earlier run of this folder left" in said
    assert "(kept, never deleted): 300, none; 300, two_sided. The table compares" in said
    assert "To report the latest run alone, move `earlier/` out of the folder" in said
    # more replicates of one market read the first ones back from earlier/: no note
    again = tmp_path / "again"
    sweep(again, "referral=none,two_sided")
    more = ["-m", "referral=none,two_sided", *TINY, "run.replicates=4"]  # after TINY's 3
    referral_sim(*more, f"hydra.sweep.dir={again}", cwd=tmp_path)
    assert any((again / jobs.EARLIER).iterdir())
    assert sim.report.main([str(again)]) == 0
    assert "Read from `earlier/`" not in capsys.readouterr().err

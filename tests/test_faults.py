"""Faults: a job killed mid-write, a full disk, folders that cannot be written, a crash, and
two workers writing one sweep folder at once.

The promise each test checks: the command says what failed in one paragraph (no traceback),
finished results stay intact and loadable, nothing unfinished is ever read as a result, and
running the same command again completes the rest. Faults are injected in a fresh interpreter
(``cli_process(prelude=...)``) or, where the machine allows it, made real (a tiny tmpfs, a
read-only mount).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from joblib.externals.loky.process_executor import TerminatedWorkerError
from omegaconf import OmegaConf

import sim
from sim import failures, jobs, storage
from tests.sweeps import BUILDS_COUNTED, TINY, cli_process, referral_sim

SCHEMES = "referral=none,one_sided,two_sided"
REPLICATES = 3  # TINY's run.replicates


def sweep_arguments(folder: Path, *extra: str) -> list[str]:
    return ["-m", SCHEMES, *TINY, f"hydra.sweep.dir={folder}", *extra]


def finished(folder: Path) -> list[str]:
    """Names of the job folders holding finished results."""
    return sorted(p.parent.name for p in folder.glob(f"*/{jobs.METRICS}"))


def temporary_files(folder: Path) -> list[Path]:
    return list(folder.rglob(".*.tmp"))


def assert_brief(result: subprocess.CompletedProcess) -> None:
    """A message, no traceback."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert result.stderr.strip()


def patch_to_parquet(body: str) -> str:
    """A prelude wrapping ``DataFrame.to_parquet`` (``write(self, path, ...)`` is the original)."""
    return f"""
import errno, os, signal
import pandas as pd
write = pd.DataFrame.to_parquet
def faulty(self, path, *args, **kwargs):
    name, job = os.path.basename(str(path)), os.path.basename(os.path.dirname(str(path)))
{body}
    return write(self, path, *args, **kwargs)
pd.DataFrame.to_parquet = faulty
"""


# ----- a job killed while it writes ----------------------------------------------------------
KILL_WHILE_WRITING_METRICS_OF_JOB_1 = patch_to_parquet("""
    if job == "1" and name.startswith(".metrics.parquet"):
        write(self, path, *args, **kwargs)
        os.truncate(path, os.path.getsize(path) // 2)  # half of the file is on disk
        os.kill(os.getpid(), signal.SIGKILL)
""")


def test_sigkill_mid_write_leaves_finished_jobs_intact_and_a_rerun_completes(tmp_path):
    folder = tmp_path / "sweep"
    killed = cli_process(
        *sweep_arguments(folder), cwd=tmp_path, prelude=KILL_WHILE_WRITING_METRICS_OF_JOB_1
    )
    assert killed.returncode == -9
    assert finished(folder) == ["0"]
    assert [p.parent.name for p in temporary_files(folder)] == ["1"]  # the half-written file
    assert (folder / "1" / "timeseries.parquet").is_file()  # written, but not a result
    assert len(sim.results.load(folder)) == REPLICATES
    intact = (folder / "0" / jobs.METRICS).stat().st_mtime_ns

    rerun = referral_sim(*sweep_arguments(folder), cwd=tmp_path)
    assert rerun.stdout.count("finished already, skipped") == 1
    assert (folder / "0" / jobs.METRICS).stat().st_mtime_ns == intact
    frame = sim.results.load(folder)
    assert len(frame) == 3 * REPLICATES
    assert not frame.duplicated(["referral", "replicate"]).any()
    assert temporary_files(folder) == []  # the killed attempt's half-written file is gone


KILL_IN_THE_THIRD_REPLICATE_OF_JOB_1 = """
import os, signal
import sim.model
run = sim.model.ReferralModel.run
def run_or_die(self, *args, **kwargs):
    if self.config.referral.name == "one_sided" and self.replicate == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return run(self, *args, **kwargs)
sim.model.ReferralModel.run = run_or_die
"""


def test_a_job_killed_between_replicates_resumes_from_those_it_finished(tmp_path):
    # a job wrote nothing until all its replicates were done: a kill lost the finished ones
    folder = tmp_path / "sweep"
    arguments = ["-m", SCHEMES, "network.n=600", "days=20", "run.replicates=4"]
    arguments += [f"hydra.sweep.dir={folder}"]
    killed = cli_process(*arguments, cwd=tmp_path, prelude=KILL_IN_THE_THIRD_REPLICATE_OF_JOB_1)
    assert killed.returncode == -9 and finished(folder) == ["0"]
    kept = sorted(p.name for p in (folder / "1").glob(f"{jobs.REPLICATES}*/*"))
    assert kept == ["replicate-0.pkl", "replicate-1.pkl"]

    rerun = cli_process(*arguments, cwd=tmp_path, prelude=BUILDS_COUNTED)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "built [('one_sided', 2), ('one_sided', 3), ('two_sided', 0)" in rerun.stderr
    assert f"{folder / '1'}: resuming, 2 of 4 replicates kept" in rerun.stdout
    assert rerun.stdout.count("resuming") == 1
    assert not list(folder.glob(f"*/{jobs.REPLICATES}*"))  # gone once the results are written
    resumed = sim.results.load(folder)
    fresh = tmp_path / "fresh"
    referral_sim(*arguments[:-1], f"hydra.sweep.dir={fresh}", cwd=tmp_path)
    pd.testing.assert_frame_equal(
        resumed.drop(columns="job"), sim.results.load(fresh).drop(columns="job")
    )


def test_kept_replicates_are_read_back_and_the_file_ids_kept_once(tmp_path, monkeypatch):
    edges = tmp_path / "names.txt"
    edges.write_text("".join(f"p{i} p{(i + 1) % 40}\n" for i in range(40)))
    overrides = ["network=edgelist", f"network.path={edges}", "seeding=organic", "days=5"]
    config = sim.compose([*overrides, "run.replicates=3"])
    kept = tmp_path / "kept"
    first = sim.runner.run(config, keep_in=kept)
    assert sorted(p.name for p in kept.iterdir()) == [f"replicate-{r}.pkl" for r in range(3)]
    assert pd.read_pickle(kept / "replicate-1.pkl")[4] is None  # the ids: in replicate 0's only
    assert first.nodes["node"].tolist()[:2] == ["p0", "p1"]
    monkeypatch.setattr(sim.runner, "ReferralModel", lambda *_: pytest.fail("ran a replicate"))
    again = sim.runner.run(config, keep_in=kept)
    pd.testing.assert_frame_equal(again.metrics, first.metrics)
    pd.testing.assert_frame_equal(again.timeseries, first.timeseries)
    pd.testing.assert_frame_equal(again.nodes, first.nodes)


def test_replicates_kept_under_another_numpy_are_not_resumed_from(tmp_path, monkeypatch):
    # an environment review: a job resumed after a numpy upgrade would mix replicates drawn by
    # two versions' generators (numpy may change a stream between versions)
    config_yaml = "seed: 1\n"
    kept = jobs.replicates_folder(tmp_path, config_yaml)
    assert jobs.replicates_folder(tmp_path, config_yaml) == kept
    monkeypatch.setattr(jobs.np, "__version__", "9.9.9")
    assert jobs.replicates_folder(tmp_path, config_yaml) != kept
    assert jobs.replicates_folder(tmp_path, config_yaml).parent == kept.parent == tmp_path


# ----- a full disk, a folder that refuses a file ---------------------------------------------
def failing_write_of_job_1(code: int) -> str:
    """Job 1's cascades file fails with ``code`` after part of it reached the disk."""
    return patch_to_parquet(f"""
    if job == "1" and name.startswith(".cascades.parquet"):
        write(self, path, *args, **kwargs)
        raise OSError({code}, os.strerror({code}), str(path))
""")


@pytest.mark.parametrize(
    ("code", "kind"),
    [(errno.ENOSPC, "disk full"), (errno.EACCES, "cannot write results")],
    ids=["ENOSPC", "EACCES"],
)
def test_a_write_error_fails_only_its_job_and_the_sweep_reports_it(tmp_path, code, kind):
    folder = tmp_path / "sweep"
    result = cli_process(
        *sweep_arguments(folder), cwd=tmp_path, prelude=failing_write_of_job_1(code)
    )
    assert result.returncode == 1
    assert_brief(result)
    assert f"job {folder / '1'} failed: {kind}: {os.strerror(code)}" in result.stderr
    assert "1 of 3 jobs did not finish" in result.stderr
    assert "Run the same command again to retry" in result.stderr  # a fault, not a bad value
    assert finished(folder) == ["0", "2"] and not temporary_files(folder)
    record = json.loads((folder / "1" / jobs.FAILED).read_text())
    assert record["kind"] == kind and "Traceback" in record["traceback"]
    assert len(sim.results.load(folder)) == 2 * REPLICATES

    rerun = referral_sim(*sweep_arguments(folder), cwd=tmp_path)
    assert rerun.stdout.count("finished already, skipped") == 2
    assert finished(folder) == ["0", "1", "2"] and not (folder / "1" / jobs.FAILED).exists()


@contextlib.contextmanager
def mounted_tmpfs(path: Path, options: str) -> Iterator[Path]:
    """A tmpfs at ``path``; skips the test where mounting is not allowed (not root, a container)."""
    path.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def pages(folder: Path) -> int:
    """Bytes the files under ``folder`` take on a tmpfs (whole 4 KiB pages)."""
    return sum(-(-p.stat().st_size // 4096) * 4096 for p in folder.rglob("*") if p.is_file())


def test_a_real_full_disk_gives_a_clear_message_and_no_partial_result(tmp_path):
    run = [*TINY, "referral=two_sided"]
    probe = tmp_path / "probe"
    referral_sim(*run, f"hydra.run.dir={probe}", cwd=tmp_path)
    room = pages(probe / ".hydra") + 2 * 4096  # Hydra's own files fit; the results do not
    assert pages(probe) - pages(probe / ".hydra") > 3 * 4096
    with mounted_tmpfs(tmp_path / "disk", f"size={room}") as disk:
        target = disk / "run"
        full = cli_process(*run, f"hydra.run.dir={target}", cwd=tmp_path)
        assert full.returncode == 1
        assert_brief(full)
        assert f"run {target} failed: disk full:" in full.stderr
        assert "No space left on device" in full.stderr
        assert not (target / jobs.METRICS).exists() and not temporary_files(target)
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        referral_sim(*run, f"hydra.run.dir={target}", cwd=tmp_path)
        assert len(sim.results.load(target)) == REPLICATES


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """A folder that cannot be written: permission bits, or (as root, who ignores them) a
    read-only mount."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield folder
        finally:
            folder.chmod(0o700)
        return
    with mounted_tmpfs(folder, "ro,size=64k"):
        yield folder


def test_a_sweep_folder_inside_a_file_is_reported_before_anything_runs(tmp_path):
    (tmp_path / "taken").write_text("a regular file")
    folder = tmp_path / "taken" / "sweep"
    result = cli_process(*sweep_arguments(folder), cwd=tmp_path)
    assert result.returncode == 1
    assert_brief(result)
    assert f"cannot write results: Not a directory: {folder}" in result.stderr


def test_a_read_only_sweep_folder_is_reported_before_anything_runs(tmp_path):
    with read_only(tmp_path / "sweep") as folder:
        result = cli_process(*sweep_arguments(folder), cwd=tmp_path)
        assert result.returncode == 1
        assert_brief(result)
        assert "cannot write results:" in result.stderr and str(folder) in result.stderr
        assert not any(folder.iterdir())


def test_a_job_folder_that_cannot_be_written_stops_the_sweep_keeping_finished_jobs(tmp_path):
    folder = tmp_path / "sweep"
    with read_only(folder / "1"):
        result = cli_process(*sweep_arguments(folder), cwd=tmp_path)
        assert result.returncode == 1
        assert_brief(result)
        assert "cannot write results:" in result.stderr and str(folder / "1") in result.stderr
        assert finished(folder) == ["0"]
    referral_sim(*sweep_arguments(folder), cwd=tmp_path)
    assert finished(folder) == ["0", "1", "2"]


# ----- crashes inside a job ------------------------------------------------------------------
def crash_in_job_1(error: str) -> str:
    return f"""
import sim.runner
original = sim.runner.run
def run(config, **kwargs):
    if config.referral.name == "one_sided":
        raise {error}
    return original(config, **kwargs)
sim.runner.run = run
import sim.cli
sim.cli.run = run
"""


@pytest.mark.parametrize(
    ("error", "kind"),
    [("MemoryError()", "out of memory"), ("RuntimeError('boom')", "internal error")],
    ids=["memory", "bug"],
)
def test_a_crash_in_one_job_is_recorded_and_the_others_finish(tmp_path, error, kind):
    folder = tmp_path / "sweep"
    result = cli_process(*sweep_arguments(folder), cwd=tmp_path, prelude=crash_in_job_1(error))
    assert result.returncode == 1
    assert_brief(result)
    assert f"job {folder / '1'} failed: {kind}" in result.stderr
    assert finished(folder) == ["0", "2"]
    assert json.loads((folder / "1" / jobs.FAILED).read_text())["kind"] == kind


# ----- storage and bookkeeping ---------------------------------------------------------------
@pytest.mark.parametrize(
    "error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()]
)
def test_a_failed_atomic_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, error):
    path = storage.write_text_atomic("old", tmp_path / "file.txt")

    def half_then_fail(temporary: Path) -> None:
        temporary.write_text("ne")
        raise error

    with pytest.raises(type(error)):
        storage.write_atomic(path, half_then_fail)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_a_damaged_job_record_means_the_job_runs_again(tmp_path):
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / jobs.METRICS).write_bytes(b"")
    (folder / jobs.JOB).write_text('{"digest": ')  # cut short by some other tool
    assert not jobs.is_finished(folder, "seed: 0\n")
    assert jobs.read_record(folder / jobs.JOB) == {}


# ----- two workers, one sweep folder ---------------------------------------------------------
def test_two_workers_writing_one_sweep_folder_lose_and_corrupt_nothing(tmp_path):
    folder = tmp_path / "sweep"
    arguments = sweep_arguments(folder, "seed=0,1", "hydra/launcher=local_cores")
    arguments.append("hydra.launcher.n_jobs=2")
    command = [sys.executable, "-m", "sim.cli", *arguments]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    reads = 0
    while process.poll() is None:  # a reader loading while the workers write sees whole jobs
        if finished(folder) and len(finished(folder)) < 6:
            frame = sim.results.load(folder)
            assert frame.groupby("job").size().eq(REPLICATES).all()
            reads += 1
        time.sleep(0.05)
    assert process.returncode == 0, process.stderr.read()[-3000:]
    assert reads >= 1  # the reader did read while jobs were still being written
    assert finished(folder) == [str(i) for i in range(6)] and not temporary_files(folder)
    for job in sorted(folder.glob("[0-9]*")):
        assert_job_consistent(job)
    frame = sim.results.load(folder)
    assert len(frame) == 6 * REPLICATES
    assert not frame.duplicated(["referral", "seed", "replicate"]).any()


def assert_job_consistent(job: Path) -> None:
    """Every file whole and of the same run: readable, digest and final customers agree."""
    record = json.loads((job / jobs.JOB).read_text())
    assert record["digest"] == jobs.digest((job / jobs.CONFIG).read_text())
    tables = {name: pq.read_table(job / f"{name}.parquet").to_pandas() for name in
              ("metrics", "timeseries", "cascades")}  # fmt: skip
    last_day = tables["timeseries"].groupby("replicate")["customers"].last()
    metrics = tables["metrics"].set_index("replicate")["customers"]
    pd.testing.assert_series_equal(last_day, metrics, check_names=False)  # both int64 counts


# ----- what each kind of error is called -----------------------------------------------------
def _wrapped_in_logging_error() -> ValueError:
    try:
        try:
            raise PermissionError(errno.EACCES, "Permission denied", "/out/cli.log")
        except PermissionError as cause:
            raise ValueError("Unable to configure handler 'file'") from cause
    except ValueError as error:
        return error


def _raised_while_handling_an_os_error() -> KeyError:
    try:
        try:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/tmp/x")
        except FileNotFoundError:
            raise KeyError("a bug in the handler")  # noqa: B904 - implicit context, as a bug
    except KeyError as error:
        return error


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (sim.ConfigError("days=0 is not allowed"), "invalid configuration", 2),
        (OSError(errno.ENOSPC, "No space left on device", "/out/x"), "disk full", 1),
        (OSError(errno.EDQUOT, "Disk quota exceeded", "/out/x"), "disk full", 1),
        (OSError(errno.EROFS, "Read-only file system", "/out"), "cannot write results", 1),
        (_wrapped_in_logging_error(), "cannot write results", 1),
        (MemoryError(), "out of memory", 1),
        (
            TerminatedWorkerError("worker killed\n\nexit codes {SIGKILL(-9)}"),
            "a worker process died",
            1,
        ),
        (ZeroDivisionError("division by zero"), "internal error", 1),
        (_raised_while_handling_an_os_error(), "internal error", 1),
        (
            ConnectionError("Could not find any running Ray instance."),
            "cannot reach the cluster",
            1,
        ),
    ],
    ids=[
        *("config", "ENOSPC", "EDQUOT", "EROFS", "logging", "memory", "worker", "bug"),
        *("bug-while-handling-an-OSError", "unreachable-cluster"),
    ],
)
def test_every_error_becomes_one_paragraph_with_its_exit_code(error, kind, code):
    failure = failures.classify(error)
    assert (failure.kind, failure.exit_code) == (kind, code)
    paragraph = failure.paragraph()
    assert "\n\n" not in paragraph and len(paragraph.splitlines()) == 2


def test_an_unreachable_cluster_and_a_bug_outside_any_job_get_advice_that_can_be_followed():
    unreachable = failures.classify(ConnectionError("Failed to connect to Ray cluster at h:1."))
    assert unreachable.kind == "cannot reach the cluster"
    assert "hydra.launcher.ray.init.address" in unreachable.advice
    assert "folder" not in unreachable.advice  # not a folder to choose, as an OSError's says
    in_a_job = failures.classify(ValueError("object_store_memory must not be provided"))
    outside = failures.classify_outside_jobs(ValueError("object_store_memory must not be provided"))
    assert "failed.json" in in_a_job.advice and "failed.json" not in outside.advice
    assert "HYDRA_FULL_ERROR=1" in outside.advice and outside.kind == in_a_job.kind
    assert failures.classify_outside_jobs(MemoryError()) == failures.classify(MemoryError())


@pytest.mark.parametrize(
    ("launcher", "extra"), [("submitit_local", "slurm"), ("slurm", "slurm"), ("ray", "ray")]
)
def test_a_launcher_whose_plugin_is_missing_names_the_extra_that_installs_it(launcher, extra):
    detail = {  # Hydra's words for a missing plugin's preset, and for a missing option
        "slurm": "In 'hydra/launcher/slurm': Could not load 'hydra/launcher/submitit_slurm'.",
    }.get(launcher, f"In 'hydra/config': Could not find 'hydra/launcher/{launcher}'")
    failure = failures.classify(failures.ConfigError(detail))
    assert f"pip install -e '.[{extra}]'" in failure.advice


def test_a_job_that_cannot_keep_the_earlier_results_is_reported_unfinished(tmp_path):
    folder = tmp_path / "sweep"
    referral_sim("-m", "referral=none", *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    (folder / jobs.EARLIER).write_text("")  # earlier/ cannot be made: the results stay put
    run = cli_process("-m", "referral=one_sided", *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert run.returncode == 1 and "1 of 1 jobs did not finish" in run.stderr
    assert sim.results.load(folder)["referral"].unique().tolist() == ["none"]  # kept, labelled


def test_two_sweeps_in_one_process_into_one_folder_both_run(tmp_path):
    folder = tmp_path / "sweep"
    arguments = ["-m", "SEEDS", *TINY, f"hydra.sweep.dir={folder}"]
    code = (
        "import sys\nfrom sim.cli import main\n"
        "for seeds in ('seed=0,1', 'seed=2,3'):\n"
        f"    sys.argv = ['referral-sim', *{arguments!r}]\n"
        "    sys.argv[2] = seeds\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as stop:\n"
        "        assert not stop.code, stop\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sorted(sim.results.load(folder)["seed"].unique()) == [0, 1, 2, 3]


def test_joblibs_zero_workers_is_bad_input_naming_the_key(tmp_path):
    folder = tmp_path / "sweep"
    launcher = ("hydra/launcher=local_cores", "hydra.launcher.n_jobs=0")
    run = cli_process("-m", "seed=0,1", *TINY, *launcher, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert run.returncode == 2, run.stderr[-2000:]
    assert "hydra.launcher.n_jobs=0 is not allowed" in run.stderr
    assert "This is a bug" not in run.stderr and "Traceback" not in run.stderr


def test_a_second_sweep_into_a_folder_in_use_is_refused_and_touches_nothing(tmp_path):
    folder = tmp_path / "sweep"
    referral_sim("-m", "seed=0,1", *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*.parquet")}
    lock = failures.lock_sweep(folder)  # as a sweep still running would hold it
    try:
        run = cli_process("-m", "seed=5,6", *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    finally:
        lock.close()
    assert run.returncode == 1 and "another sweep is running into" in run.stderr
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.parquet")} == before
    referral_sim("-m", "seed=5,6", *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)  # freed


def test_jobs_run_from_another_directory_write_into_the_sweep_folder_as_typed(tmp_path):
    """A relative hydra.sweep.dir means the folder where the command was typed, for every job.

    Hydra composes each job again where it runs: a Ray worker started in another directory
    wrote its results there, out of the sweep's sight, and a failed sweep exited 0.
    """
    elsewhere = tmp_path / "worker"
    elsewhere.mkdir()
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "pair.txt").write_text("0 1\n1 2\n")
    from_elsewhere = f"""
import os
import hydra.core.utils  # the launcher imports run_job from here (Hydra re-executes plugins)
original = hydra.core.utils.run_job
def run_job_elsewhere(*args, **kwargs):  # as on a worker started in another directory
    os.chdir({str(elsewhere)!r})
    return original(*args, **kwargs)
hydra.core.utils.run_job = run_job_elsewhere
"""
    paths = f"network.path={tmp_path / 'empty.txt'},{tmp_path / 'pair.txt'}"
    arguments = ["-m", "network=edgelist", paths, "days=5", "run.replicates=2"]
    run = cli_process(*arguments, "hydra.sweep.dir=out", cwd=tmp_path, prelude=from_elsewhere)
    assert run.returncode == 2 and "1 of 2 jobs did not finish" in run.stderr, run.stderr
    assert list(elsewhere.iterdir()) == []
    assert (tmp_path / "out" / "1" / jobs.METRICS).is_file()
    assert (tmp_path / "out" / "0" / jobs.FAILED).is_file()


def test_a_sweep_folder_that_cannot_be_made_stops_in_one_paragraph_before_any_job(tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    run = cli_process("-m", "seed=0,1", *TINY, "hydra.sweep.dir=taken/sweep", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("referral-sim: cannot write results: ")
    assert "Warning" not in run.stderr and "warnings.warn" not in run.stderr
    assert str(tmp_path / "taken") in run.stderr


# ----- a full disk while a finished job takes a new command's parameters ----------------------
def test_a_full_disk_while_relabelling_fails_the_job_and_keeps_its_results(tmp_path):
    folder = tmp_path / "sweep"
    referral_sim(*sweep_arguments(folder), cwd=tmp_path)
    made = {job: (folder / job / jobs.METRICS).stat().st_mtime_ns for job in ("0", "1", "2")}
    full = patch_to_parquet("""
    if job == "1":  # relabelling job 1's tables for seed=0 finds the disk full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
""")
    result = cli_process(*sweep_arguments(folder, "seed=0"), cwd=tmp_path, prelude=full)
    assert result.returncode == 1 and "1 of 3 jobs did not finish" in result.stderr
    assert f"job {folder / '1'} failed: disk full" in result.stderr
    assert "recomputing" not in result.stdout  # its results were not deleted to recompute
    assert (folder / "1" / jobs.METRICS).stat().st_mtime_ns == made["1"]
    rerun = referral_sim(*sweep_arguments(folder, "seed=0"), cwd=tmp_path)
    assert rerun.stdout.count("finished already, skipped") == 3 and "results:" not in rerun.stdout
    assert not (folder / "1" / jobs.FAILED).exists()
    assert sim.results.load(folder)["seed"].tolist() == [0] * 3 * REPLICATES


def test_a_finished_job_in_a_read_only_folder_is_skipped_as_it_is_not_recomputed(tmp_path):
    # a read-only archive cannot take the new command's parameters: recomputing would delete
    # its results first and then fail to write new ones
    folder = tmp_path / "sweep"
    arguments = ["-m", "referral=none", *TINY, f"hydra.sweep.dir={folder}"]
    referral_sim(*arguments, cwd=tmp_path)
    made = (folder / "0" / jobs.METRICS).stat().st_mtime_ns
    read_only = patch_to_parquet("""
    raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
""")
    result = cli_process(*arguments, "seed=0", cwd=tmp_path, prelude=read_only)
    assert result.returncode == 0, result.stderr[-3000:]
    said = f"finished already, skipped as it is ({os.strerror(errno.EACCES)}): {folder / '0'}"
    assert said in result.stdout
    assert "recomputing" not in result.stdout and "results:" not in result.stdout
    assert (folder / "0" / jobs.METRICS).stat().st_mtime_ns == made


def test_replicates_kept_by_another_configuration_are_not_announced_as_resumed(tmp_path):
    # a run killed with other settings left its replicates in the folder: this one starts afresh
    folder = tmp_path / "run"
    other = folder / f"{jobs.REPLICATES}0123456789abcdef"
    other.mkdir(parents=True)
    (other / jobs.KEPT.format(0)).write_bytes(b"")
    result = referral_sim(*TINY, f"hydra.run.dir={folder}", cwd=tmp_path)
    assert "resuming" not in result.stdout
    assert jobs.has_results(folder) and not other.exists()


def test_a_copy_that_cannot_be_removed_leaves_the_sweeps_summary_and_exit_code(
    tmp_path, monkeypatch, capsys
):
    sweep = tmp_path / "sweep"
    (sweep / "0" / ".hydra").mkdir(parents=True)
    (sweep / "multirun.yaml").write_text("{}")
    time.sleep(0.01)
    (sweep / "0" / ".hydra" / "overrides.yaml").write_text("[]")  # launched, never finished
    for job in ("1", "2"):  # finished, launched
        (sweep / job / ".hydra").mkdir(parents=True)
        (sweep / job / ".hydra" / "overrides.yaml").write_text("[]")
        (sweep / job / jobs.JOB).write_text(json.dumps({"digest": f"d{job}"}))
        (sweep / job / jobs.METRICS).write_bytes(b"metrics")
    for job in ("3", "4"):  # copies of 1 and 2, from an earlier sweep
        (sweep / job).mkdir()
        (sweep / job / jobs.JOB).write_text(json.dumps({"digest": f"d{int(job) - 2}"}))
        (sweep / job / jobs.METRICS).write_bytes(b"metrics")
    start = jobs.start

    def read_only(folder: Path) -> None:
        if folder.name == "3":
            raise PermissionError(errno.EROFS, "Read-only file system", str(folder))
        start(folder)

    monkeypatch.setattr(jobs, "start", read_only)
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}})
    with pytest.raises(SystemExit) as ended:
        failures.SweepReport().on_multirun_end(config)
    assert ended.value.code == failures.EXIT_FAILED
    said = capsys.readouterr()
    assert "1 of 3 jobs did not finish" in said.err
    assert f"stays in {sweep / '3'}: [Errno 30] Read-only file system" in said.out
    assert "removed a copy of results a job of this sweep holds: 4" in said.out
    assert jobs.has_results(sweep / "3") and not jobs.has_results(sweep / "4")


STOP_WHILE_CHECKING = """
import sim.configure
def _stop(*arguments, **keywords):
    raise KeyboardInterrupt
sim.configure.to_config = _stop  # the sweeper's check of job 0 (Hydra reloads the plugin)
"""


def test_ctrl_c_while_a_sweep_checks_its_jobs_leaves_no_record_of_a_sweep_that_never_ran(
    tmp_path,
):
    folder = tmp_path / "sweep"
    arguments = ["-m", "seed=0,1", *TINY, f"hydra.sweep.dir={folder}"]
    stopped = cli_process(*arguments, cwd=tmp_path, prelude=STOP_WHILE_CHECKING)
    assert stopped.returncode == 130, stopped.stderr[-3000:]
    assert "interrupted" in stopped.stderr and "Traceback" not in stopped.stderr
    assert not (folder / "multirun.yaml").exists() and not list(folder.glob("*/.hydra"))


def test_a_sweep_clears_the_staging_folders_and_claims_a_killed_copy_left(tmp_path):
    folder = tmp_path / "sweep"
    staged = [folder / ".0123abcd.77.copying", folder / jobs.EARLIER / ".0123abcd.77.staging"]
    taking = folder / jobs.EARLIER / ".0123abcd.77.taking"  # older versions moved files out
    kept = folder / jobs.EARLIER / "0123abcd"  # results a claim on the same digest must not hide
    claims = [kept.with_name(f".0123abcd.{pid}{jobs.CLAIM}") for pid in (78, 79)]
    for hidden in (*staged, taking, kept, claims[0]):
        hidden.mkdir(parents=True)
        (hidden / jobs.METRICS).write_bytes(b"metrics")
    claims[1].mkdir()  # a claim half removed: its metrics.parquet goes first
    (claims[1] / jobs.JOB).write_text("{}")
    whole = folder / jobs.EARLIER / f".fedcba98.80{jobs.CLAIM}"  # whole, and nothing kept
    whole.mkdir()
    (whole / jobs.METRICS).write_bytes(b"whole")
    referral_sim(*sweep_arguments(folder), cwd=tmp_path)
    assert not any(hidden.exists() for hidden in (*staged, *claims, whole))
    assert (taking / jobs.METRICS).exists() and (kept / jobs.METRICS).read_bytes() == b"metrics"
    assert (folder / jobs.EARLIER / "fedcba98" / jobs.METRICS).read_bytes() == b"whole"
    assert finished(folder) == ["0", "1", "2"]

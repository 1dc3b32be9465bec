"""A job asked for more or fewer replicates takes those a finished job of its configuration holds.

The promise: the tables written are those of a job run whole with that replicate count, column
types included, and only the replicates no finished job holds are run (:mod:`sim.reuse`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim import jobs, reuse
from tests.sweeps import BUILDS_COUNTED, cli_process, referral_sim

SMALL = ["network.n=300", "days=15"]


def built(result) -> str:
    """The replicates a command built a model for, as ``BUILDS_COUNTED`` prints them."""
    return next(line for line in result.stderr.splitlines() if line.startswith("built "))


def counted_run(*arguments: str, cwd: Path):
    result = cli_process(*arguments, cwd=cwd, prelude=BUILDS_COUNTED)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def assert_same_tables(folder: Path, fresh: Path) -> None:
    """Every table of ``folder`` equals ``fresh``'s, values and Parquet schema."""
    names = sorted(p.name for p in fresh.glob("*.parquet"))
    assert sorted(p.name for p in folder.glob("*.parquet")) == names
    for name in names:
        pd.testing.assert_frame_equal(pd.read_parquet(folder / name), pd.read_parquet(fresh / name))
        assert pq.read_schema(folder / name).equals(pq.read_schema(fresh / name)), name


@pytest.fixture
def named_edges(tmp_path) -> Path:
    """A network file whose ids are names (the job writes ``nodes.parquet``)."""
    edges = tmp_path / "names.txt"
    edges.write_text("".join(f"p{i} p{(i + 1) % 60}\np{i} p{(i + 7) % 60}\n" for i in range(60)))
    return edges


def test_a_single_run_with_more_replicates_runs_only_the_new_ones(tmp_path, named_edges):
    market = ["network=edgelist", f"network.path={named_edges}", "referral=two_sided"]
    market += ["run.save_referrals=true", "seeding=organic", "seeding.initial_customers=5"]
    market += ["days=15"]
    counted_run(*market, "run.replicates=3", "hydra.run.dir=A", cwd=tmp_path)

    more = counted_run(*market, "run.replicates=5", "hydra.run.dir=A", cwd=tmp_path)
    assert built(more) == "built [('two_sided', 3), ('two_sided', 4)]"
    kept = next((tmp_path / "A" / jobs.EARLIER).iterdir())
    assert f"{tmp_path / 'A'}: 3 of 5 replicates taken from {kept}" in more.stdout
    referral_sim(*market, "run.replicates=5", "hydra.run.dir=fresh5", cwd=tmp_path)
    assert_same_tables(tmp_path / "A", tmp_path / "fresh5")
    assert (tmp_path / "A" / "nodes.parquet").is_file()  # the file's ids, from replicate 0
    assert pd.read_parquet(kept / jobs.METRICS)["replicate"].tolist() == [0, 1, 2]  # still kept

    fewer = counted_run(*market, "run.replicates=2", "hydra.run.dir=A", cwd=tmp_path)
    assert built(fewer) == "built []"
    referral_sim(*market, "run.replicates=2", "hydra.run.dir=fresh2", cwd=tmp_path)
    assert_same_tables(tmp_path / "A", tmp_path / "fresh2")


def test_a_sweep_with_more_replicates_runs_only_the_new_ones(tmp_path):
    def arguments(folder: str, count: int) -> list[str]:
        return ["-m", "referral=none,group_buy", *SMALL, f"run.replicates={count}",
                f"hydra.sweep.dir={folder}"]  # fmt: skip

    counted_run(*arguments("sweep", 2), cwd=tmp_path)
    more = counted_run(*arguments("sweep", 4), cwd=tmp_path)
    new_ones = [("group_buy", 2), ("group_buy", 3), ("none", 2), ("none", 3)]
    assert built(more) == f"built {new_ones}"
    assert more.stdout.count("2 of 4 replicates taken from") == 2
    referral_sim(*arguments("fresh", 4), cwd=tmp_path)
    for job in ("0", "1"):
        assert_same_tables(tmp_path / "sweep" / job, tmp_path / "fresh" / job)


def test_a_configuration_that_differs_otherwise_takes_no_replicates(tmp_path):
    counted_run(*SMALL, "run.replicates=2", "seed=1", "hydra.run.dir=A", cwd=tmp_path)
    other = counted_run(*SMALL, "run.replicates=3", "seed=2", "hydra.run.dir=A", cwd=tmp_path)
    assert built(other) == "built [('none', 0), ('none', 1), ('none', 2)]"
    assert "taken from" not in other.stdout


def test_replicates_that_cannot_be_read_are_run_and_the_job_finishes(tmp_path):
    counted_run(*SMALL, "run.replicates=2", "hydra.run.dir=A", cwd=tmp_path)
    damaged = tmp_path / "A" / "timeseries.parquet"
    damaged.write_bytes(damaged.read_bytes()[:100])  # the finished job is damaged, then kept
    more = counted_run(*SMALL, "run.replicates=3", "hydra.run.dir=A", cwd=tmp_path)
    assert built(more) == "built [('none', 0), ('none', 1), ('none', 2)]"
    assert "could not be read" in more.stdout and "taken from" not in more.stdout
    referral_sim(*SMALL, "run.replicates=3", "hydra.run.dir=fresh", cwd=tmp_path)
    assert_same_tables(tmp_path / "A", tmp_path / "fresh")


def test_replicates_taken_stay_kept_when_their_source_goes(tmp_path, monkeypatch):
    # a job killed after taking them resumes from them, whatever became of the finished job
    config = sim.compose([*SMALL, "run.replicates=3", "referral=one_sided"])
    source = tmp_path / "source"
    source.mkdir()
    result = sim.runner.run(config)
    yaml = "run:\n  replicates: 3\n"
    jobs.write_job(source, result, {"referral": "one_sided"}, yaml)
    kept = tmp_path / "kept"
    assert reuse.take_replicates(source, kept, 2) == 2
    assert reuse.take_replicates(source, kept, 3) == 1  # those kept already are left
    for table in source.iterdir():
        table.unlink()
    monkeypatch.setattr(sim.runner, "ReferralModel", lambda *_: pytest.fail("ran a replicate"))
    again = sim.runner.run(config, keep_in=kept)
    for name in ("metrics", "timeseries", "cascades"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(result, name))


def test_the_family_is_the_configuration_but_for_its_replicate_count(monkeypatch):
    yaml = "seed: 1\nrun:\n  replicates: {}\n  save_referrals: false\ndays: 9\n"
    assert jobs.family(yaml.format(3)) == jobs.family(yaml.format(200))
    assert jobs.digest(yaml.format(3)) != jobs.digest(yaml.format(200))
    assert jobs.family(yaml.format(3)) != jobs.family(yaml.format(3).replace("9", "8"))
    elsewhere = "other:\n  replicates: 3\n" + yaml.format(5)  # only run.replicates is blanked
    assert jobs.family(elsewhere) != jobs.family(
        elsewhere.replace("replicates: 3", "replicates: 4")
    )
    family = jobs.family(yaml.format(3))
    monkeypatch.setattr(jobs.np, "__version__", "9.9.9")  # another numpy draws other streams
    assert jobs.family(yaml.format(3)) != family

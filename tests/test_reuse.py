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


def finished(folder: Path, overrides: list[str], count: int, **parameters) -> sim.RunResult:
    """Write a finished job of ``overrides`` with ``count`` replicates into ``folder``."""
    config = sim.compose([*overrides, f"run.replicates={count}"])
    result = sim.runner.run(config)
    folder.mkdir(parents=True)
    yaml = f"# {' '.join(overrides)}\nrun:\n  replicates: {count}\n"  # of its family alone
    save = config.run.save_referrals
    jobs.write_job(folder, result, parameters, yaml, save_referrals=save)
    return result


def family_of(folder: Path) -> str:
    """The family a finished job's ``job.json`` records."""
    return jobs.read_record(folder / jobs.JOB)["family"]


def rerun_with(source: Path, folder: Path, overrides: list[str], count: int) -> None:
    """Write the job of ``count`` replicates into ``folder``, taking ``source``'s first."""
    config = sim.compose([*overrides, f"run.replicates={count}"])
    kept = folder / "kept"
    reuse.take_replicates(source, kept, count, family_of(source))
    yaml = f"# {' '.join(overrides)}\nrun:\n  replicates: {count}\n"
    result = sim.runner.run(config, keep_in=kept)
    jobs.write_job(folder, result, {}, yaml, save_referrals=config.run.save_referrals)


@pytest.mark.parametrize(
    "market",
    [
        ["referral=two_sided", "retention=points", "run.save_referrals=true"],
        ["referral=tiered", "retention=membership", "seeding=kol"],
        ["seeding=koc_matrix", "retention=community", "run.save_referrals=true"],
        ["+scenario=gen_z_2026", "seeding=mixed"],
        ["network=scale_free", "referral=commission", "run.save_referrals=true"],
        ["referral=group_buy", "retention=points", "days=40", "run.save_referrals=true"],
        ["seeding=organic", "seeding.initial_customers=0", "run.save_referrals=true"],
        ["days=3", "network=lattice", "budget.total=null"],
    ],
)
def test_tables_with_replicates_taken_are_those_of_a_whole_run(tmp_path, market):
    overrides = [*SMALL, *market]
    for whole, taken_from in ((4, 2), (2, 4)):  # more replicates, then fewer
        finished(tmp_path / f"{whole}", overrides, whole)
        finished(tmp_path / f"{taken_from}-of-{whole}", overrides, taken_from, referral="x")
        rerun_with(
            tmp_path / f"{taken_from}-of-{whole}", tmp_path / f"{whole}-again", overrides, whole
        )
        assert_same_tables(tmp_path / f"{whole}-again", tmp_path / f"{whole}")


def test_a_source_without_a_table_it_wrote_gives_no_replicates(tmp_path):
    finished(tmp_path / "source", SMALL, 2)
    (tmp_path / "source" / "timeseries.parquet").unlink()
    kept = tmp_path / "kept"
    with pytest.raises(reuse.SourceUnreadable, match=r"missing .*timeseries\.parquet"):
        reuse.take_replicates(tmp_path / "source", kept, 3, family_of(tmp_path / "source"))
    assert not kept.exists()


def test_a_source_cleared_while_its_tables_are_opened_gives_no_replicates(tmp_path, monkeypatch):
    # another job of the sweep clears it (metrics.parquet first) or takes it back meanwhile
    source = tmp_path / "source"
    finished(source, SMALL, 2)
    opened = reuse._open

    def open_then_clear(folder, name):
        file = opened(folder, name)
        if name == jobs.read_record(folder / jobs.JOB)["tables"][-1]:  # every table opened
            jobs.start(folder)
        return file

    monkeypatch.setattr(reuse, "_open", open_then_clear)
    kept = tmp_path / "kept"
    with pytest.raises(reuse.SourceUnreadable, match="meanwhile"):
        reuse.take_replicates(source, kept, 3, family_of(source))
    assert not kept.exists()


def test_a_half_relabelled_source_gives_its_rows_without_the_new_columns(tmp_path):
    # a kill while relabelling leaves tables leading with parameters job.json does not name
    source = tmp_path / "source"
    result = finished(source, SMALL, 2, referral="none")
    series = pd.read_parquet(source / "timeseries.parquet")
    series.insert(0, "seed", 0)
    series.to_parquet(source / "timeseries.parquet")
    kept = tmp_path / "kept"
    assert reuse.take_replicates(source, kept, 2, family_of(source)) == 2
    again = sim.runner.run(sim.compose([*SMALL, "run.replicates=2"]), keep_in=kept)
    pd.testing.assert_frame_equal(again.timeseries, result.timeseries)


def test_a_source_rewritten_with_another_configuration_gives_no_replicates(tmp_path):
    # found, then cleared and rewritten by its own job (another setting) before it is read
    source = tmp_path / "source"
    finished(source, [*SMALL, "referral=none"], 2)
    wanted = family_of(source)
    assert reuse.sources_of(wanted, [source]) == [source]
    jobs.start(source)
    source.rmdir()
    finished(source, [*SMALL, "referral=two_sided"], 2)
    kept = tmp_path / "kept"
    with pytest.raises(reuse.SourceUnreadable, match="another configuration"):
        reuse.take_replicates(source, kept, 2, wanted)
    assert not kept.exists()


def test_a_job_takes_replicates_that_another_job_of_its_sweep_kept_aside(tmp_path):
    # the sweep's second job keeps two_sided's results aside, which its third job then takes
    def arguments(schemes: str, count: int) -> list[str]:
        return ["-m", f"referral={schemes}", *SMALL, f"run.replicates={count}", "hydra.sweep.dir=S"]

    counted_run(*arguments("none,two_sided", 2), cwd=tmp_path)
    again = counted_run(*arguments("one_sided,group_buy,two_sided", 3), cwd=tmp_path)
    assert built(again) == (
        "built [('group_buy', 0), ('group_buy', 1), ('group_buy', 2), ('one_sided', 0), "
        "('one_sided', 1), ('one_sided', 2), ('two_sided', 2)]"
    )
    assert f"{tmp_path / 'S' / '2'}: 2 of 3 replicates taken from {tmp_path / 'S' / 'earlier'}" in (
        again.stdout
    )


def test_a_job_takes_replicates_another_job_of_its_sweep_finished(tmp_path):
    again = counted_run("-m", *SMALL, "run.replicates=2,4", "hydra.sweep.dir=P", cwd=tmp_path)
    assert built(again) == "built [('none', 0), ('none', 1), ('none', 2), ('none', 3)]"
    assert f"{tmp_path / 'P' / '1'}: 2 of 4 replicates taken from {tmp_path / 'P' / '0'}" in (
        again.stdout
    )


def test_the_sources_holding_most_replicates_are_taken_first(tmp_path):
    market = [*SMALL, "hydra.run.dir=A"]
    for count in (6, 2):
        counted_run(*market, f"run.replicates={count}", cwd=tmp_path)
    more = counted_run(*market, "run.replicates=7", cwd=tmp_path)
    assert built(more) == "built [('none', 6)]"  # not 2-6, from the latest kept (2 replicates)
    assert more.stdout.count("taken from") == 1 and "6 of 7 replicates taken" in more.stdout


def test_replicates_taken_stay_kept_when_their_source_goes(tmp_path, monkeypatch):
    # a job killed after taking them resumes from them, whatever became of the finished job
    overrides = [*SMALL, "referral=one_sided"]
    source = tmp_path / "source"
    result = finished(source, overrides, 3, referral="one_sided")
    config = sim.compose([*overrides, "run.replicates=3"])
    kept = tmp_path / "kept"
    assert reuse.take_replicates(source, kept, 2, family_of(source)) == 2
    assert (
        reuse.take_replicates(source, kept, 3, family_of(source)) == 1
    )  # those kept already are left
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

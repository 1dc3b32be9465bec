"""The results store: a sweep folder read through DuckDB, only finished jobs, clear errors."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import pathlib
import platform
import re
import shutil
import subprocess
import warnings
from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim import jobs, provenance, report
from sim.compare import UnpairedWarning
from sim.results import ResultsError
from sim.summary import SUPPORT
from tests.sweeps import TINY, referral_sim, sweep


@pytest.fixture(scope="module")
def two_schemes(tmp_path_factory):
    """A 2-scheme x 3-replicate sweep through the basic launcher."""
    folder = tmp_path_factory.mktemp("results") / "sweep"
    sweep(folder, "referral=none,two_sided")
    return folder


def test_a_two_by_three_sweep_loads_into_six_rows_with_the_swept_column(two_schemes):
    frame = sim.results.load(two_schemes)
    assert len(frame) == 6
    assert sim.results.swept(frame) == ["referral"]
    assert frame.attrs["parameters"] == ["referral", "network.n", "days", "run.replicates"]
    assert frame.groupby("referral")["replicate"].apply(sorted).to_dict() == {
        "none": [0, 1, 2],
        "two_sided": [0, 1, 2],
    }
    assert (frame["network.n"] == 600).all() and (frame["days"] == 20).all()
    assert {"customers", "cac", "repurchase_rate", "fraud_share"} <= set(frame.columns)


def test_the_job_rows_match_a_direct_run(two_schemes):
    frame = sim.results.load(two_schemes).query("referral == 'two_sided'")
    direct = sim.run(sim.compose(["referral=two_sided", *TINY]), progress=False).metrics
    jobs_rows = frame.sort_values("replicate")[direct.columns].reset_index(drop=True)
    assert len(direct) == 3
    pd.testing.assert_frame_equal(jobs_rows, direct, check_exact=False, rtol=1e-12)


def test_count_metrics_are_whole_numbers_in_the_files_and_the_api(two_schemes):
    counts = {  # the contract of docs/model.md, Outputs
        "customers",
        "referred_customers",
        "cascade_max_size",
        "cascade_max_depth",
        "fake_referrals",
        "kocs_chosen",
        "kocs_recruited",
        "orders_held",
        "teams_filled",
        "teams_dissolved",
    }
    frame = sim.results.load(two_schemes)
    metrics = sim.ReferralModel(sim.compose(["network.n=600", "days=20"])).run().metrics()
    assert set(metrics) == set(SUPPORT)
    for name in counts:
        assert frame[name].dtype == "int64", name
        assert type(metrics[name]) is int, name
    for name in set(metrics) - counts:
        assert frame[name].dtype == "float64", name
        assert type(metrics[name]) is float, name


def test_time_series_and_sql_relation_carry_the_parameters(two_schemes):
    series = sim.results.load(two_schemes, "timeseries")
    assert len(series) == 2 * 3 * 21  # days 0..20
    assert series.groupby(["referral", "replicate"])["day"].max().eq(20).all()
    by_sql = (
        sim.results.relation(two_schemes)
        .aggregate("referral, avg(customers) AS customers", "referral")
        .df()
        .set_index("referral")["customers"]
    )
    by_pandas = sim.results.load(two_schemes).groupby("referral")["customers"].mean()
    pd.testing.assert_series_equal(by_sql.sort_index(), by_pandas, check_names=False)


def test_unfinished_and_half_written_files_are_never_read(two_schemes, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes, copy)
    (copy / "0" / ".metrics.parquet.abc.tmp").write_bytes(b"PAR1 half written")
    running = copy / "7"  # a job still running: time series written, metrics not yet
    running.mkdir()
    shutil.copy(copy / "0" / "timeseries.parquet", running / "timeseries.parquet")
    assert len(sim.results.load(copy)) == 6
    assert len(sim.results.load(copy, "timeseries")) == 2 * 3 * 21


def test_jobs_being_kept_or_taken_back_are_not_read(two_schemes, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes, copy)
    staging = copy / jobs.EARLIER / ".0123abcd.77.staging"  # keep_aside killed before publishing
    shutil.copytree(copy / "0", staging)
    assert len(sim.results.load(copy)) == 6


def test_jobs_of_two_code_versions_are_read_with_a_warning_naming_both(two_schemes, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes, copy)
    current = json.loads((copy / "0" / jobs.JOB).read_text())["code"]
    assert current == jobs.code_version()
    record = json.loads((copy / "1" / jobs.JOB).read_text())
    (copy / "1" / jobs.JOB).write_text(json.dumps({**record, "code": "0ld3ng1ne"}))
    with pytest.warns(sim.results.MixedCodeWarning, match="2 versions") as caught:
        assert len(sim.results.load(copy)) == 6
    assert current in str(caught[0].message) and "0ld3ng1ne" in str(caught[0].message)
    text = report.write_report(copy)  # the report says so in its notes
    assert "versions of the simulator's code" in (copy / "report.md").read_text() and text


def test_a_filled_parameter_keeps_the_type_the_jobs_ran_with(tmp_path):
    sweep(tmp_path / "rewards", "referral=one_sided", "referral.referrer_reward=5,10")
    sweep(tmp_path / "seeds", "referral=one_sided", "seed=3,4")  # reward left at its 20.0
    frame = sim.results.load(tmp_path)
    assert frame["referral.referrer_reward"].dtype.kind == "f"  # 5.0, 10.0, 20.0: not int64
    assert sorted(frame["referral.referrer_reward"].unique()) == [5.0, 10.0, 20.0]
    assert frame["seed"].dtype.kind == "i"  # 0 (filled), 3, 4


def test_a_scenario_job_is_compared_only_with_a_baseline_of_its_market(tmp_path):
    # the default market's baseline never set scenario: it described the setting, and
    # gen_z_2026's two_sided was paired with the default market's none (+63 against +53 in a
    # review's run); a job that chose no scenario ran with none
    sweep(tmp_path / "base", "referral=none,two_sided")
    sweep(tmp_path / "genz", "+scenario=gen_z_2026", "referral=two_sided")
    frame = sim.results.load(tmp_path)
    assert sorted(frame["scenario"].unique()) == ["gen_z_2026", "none"]
    with pytest.warns(UnpairedWarning, match="scenario=gen_z_2026, referral=two"):
        table = sim.compare(frame)
    paired = table[table["metric"] == "delta_customers"].set_index(["scenario", "referral"])
    assert paired.loc[("gen_z_2026", "two_sided"), "replicates"] == 0
    assert paired.loc[("none", "two_sided"), "replicates"] == 3
    (tmp_path / "base" / "0" / jobs.CONFIG).unlink()  # a job that cannot say: ran with none too
    assert sim.results.load(tmp_path)["scenario"].value_counts().to_dict() == {
        "none": 6, "gen_z_2026": 3
    }  # fmt: skip


def test_several_folders_union_by_name(two_schemes, tmp_path):
    other = tmp_path / "other"
    sweep(other, "referral=one_sided", "referral.referrer_reward=5,15")
    frame = sim.results.load([two_schemes, other])
    assert len(frame) == 6 + 6
    # the jobs that did not set it read the reward they ran with: two_sided's default 10, none's
    # none (its configuration has no such key)
    rewards = frame.groupby("referral", dropna=False)["referral.referrer_reward"].unique()
    assert rewards["two_sided"].tolist() == [10.0] and pd.isna(rewards["none"]).all()
    assert sorted(frame["referral.referrer_reward"].dropna().unique()) == [5.0, 10.0, 15.0]
    assert set(sim.results.swept(frame)) == {"referral", "referral.referrer_reward"}


def test_the_job_folder_records_the_configuration_and_parameters(two_schemes):
    record = json.loads((two_schemes / "1" / jobs.JOB).read_text())
    assert record["parameters"]["referral"] == "two_sided"
    config = (two_schemes / "1" / jobs.CONFIG).read_text()
    assert "referrer_reward: 10.0" in config
    assert jobs.is_finished(two_schemes / "1", config)
    assert not jobs.is_finished(two_schemes / "1", config.replace("10.0", "11.0"))


def test_the_job_folder_records_the_commit_and_the_software_a_methods_section_cites(two_schemes):
    record = json.loads((two_schemes / "1" / jobs.JOB).read_text())
    software = record["software"]
    assert software["python"] == platform.python_version()
    assert software["numpy"] == np.__version__ and software["mesa"] == mesa.__version__
    assert software["referral-sim"] == importlib.metadata.version("referral-sim")
    assert re.fullmatch(r"([0-9a-f]{40}(\+edits)?)?", record["commit"]), record["commit"]


def test_the_commit_says_when_the_package_was_edited_since_and_is_empty_outside_git(
    tmp_path, monkeypatch
):
    package = tmp_path / "repo" / "sim"
    package.mkdir(parents=True)
    (package / "model.py").write_text("# one\n")
    (package / "provenance.py").write_text("# the module that asks\n")
    commit = provenance.source_commit.__wrapped__  # not the cached one of sim/
    monkeypatch.setattr(provenance, "PACKAGE", package)
    assert commit() == ""  # not in a git work tree (tmp_path is outside /work/main)
    git = ["git", "-C", str(package.parent), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    assert commit() == head.stdout.strip()
    (package / "model.py").write_text("# two\n")
    assert commit() == head.stdout.strip() + "+edits"
    # a copy in a folder the work tree ignores (a non-editable install into .venv): not its code
    copy = package.parent / ".venv" / "sim"
    shutil.copytree(package, copy)
    (package.parent / ".gitignore").write_text(".venv/\n")
    monkeypatch.setattr(provenance, "PACKAGE", copy)
    assert commit() == ""


def test_results_of_another_engine_version_are_not_finished(two_schemes, monkeypatch):
    config = (two_schemes / "1" / jobs.CONFIG).read_text()
    monkeypatch.setattr(jobs, "code_fingerprint", lambda: "an edited engine")
    assert not jobs.is_finished(two_schemes / "1", config)
    assert jobs.has_results(two_schemes / "1")


def test_the_code_fingerprint_covers_every_engine_file_by_name_but_not_the_readers(
    tmp_path, monkeypatch
):
    # finished results are reused while it holds: a file it missed would mix engines' results
    engine = tmp_path / "sim"
    for name in ("model.py", "schemes/referral.py", "dashboard/app.py", "report.py"):
        (engine / name).parent.mkdir(parents=True, exist_ok=True)
        (engine / name).write_text(f"# {name}\n")
    monkeypatch.setattr(provenance, "PACKAGE", engine)
    fingerprint = provenance.code_fingerprint.__wrapped__  # not the cached one of sim/
    before = fingerprint()
    (engine / "dashboard" / "app.py").write_text("# drawn otherwise\n")
    (engine / "report.py").write_text("# a new legend\n")  # reads results, makes none
    assert fingerprint() == before
    (engine / "schemes" / "referral.py").write_text("# edited\n")
    edited = fingerprint()
    assert edited != before
    (engine / "schemes" / "referral.py").rename(engine / "schemes" / "retention.py")
    assert fingerprint() != edited  # the same contents under another name
    extra = tmp_path / "measures.py"
    extra.write_text("# measures\n")
    with_extra = fingerprint(extra)
    assert with_extra != fingerprint()
    extra.write_text("# measured otherwise\n")
    assert fingerprint(extra) != with_extra


def test_the_real_engine_files_include_the_subpackages_and_leave_out_the_readers():
    names = {f.relative_to(provenance.PACKAGE).as_posix() for f in provenance._engine_files()}
    assert {"cli.py", "model.py", "schemes/referral.py", "network/io.py", "jobs.py"} <= names
    assert not any(name.startswith("dashboard/") for name in names)
    readers = {"report.py", "charts.py", "notes.py", "table.py", "compare.py", "results.py"}
    readers |= {"summary.py", "planned.py", "theory.py"}
    assert not names & {*readers, "failures.py", "paramdoc.py"}


def module_file(module: str) -> pathlib.Path | None:
    """The source of the ``sim`` module or subpackage ``module``, None for a name inside one."""
    path = provenance.PACKAGE.joinpath(*module.split(".")[1:])
    for file in (path.with_suffix(".py"), path / "__init__.py"):
        if file.exists():
            return file
    return None


def sim_imports(module: str) -> set[str]:
    """The ``sim`` modules ``module`` imports (``from sim.x import y``, ``from sim import x``)."""
    found = set()
    for node in ast.walk(ast.parse(module_file(module).read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim"):
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("sim")}
    return {name for name in found if name != "sim" and module_file(name) is not None}


def test_no_module_that_makes_results_imports_one_the_fingerprint_leaves_out():
    # the readers are left out of the code fingerprint (a new legend in the report made every
    # result "another code version" until 4 Dec 2026): safe only while no module that runs,
    # writes or reuses results imports them (cli.py, in the fingerprint, prints with them)
    seen, todo = set(), ["sim.runner", "sim.jobs", "sim.reuse"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += sim_imports(module)
    files = {module.split(".", 1)[1].replace(".", "/") for module in seen}
    left_out = {name.removesuffix(".py") for name in provenance.NOT_ENGINE}
    assert {"model", "schemes/referral", "ledger", "metrics", "network/io"} <= files
    assert not {file for file in files if file.split("/")[0] in left_out}


def test_a_parent_of_links_to_sweeps_is_read_like_one_of_copies(two_schemes, tmp_path):
    # a review: a folder of symbolic links to two sweeps held "no finished job"
    parent = tmp_path / "pair"
    parent.mkdir()
    (parent / "schemes").symlink_to(two_schemes, target_is_directory=True)
    (parent / "loop").symlink_to(parent, target_is_directory=True)  # read once, no loop
    frame = sim.results.load(parent)
    assert len(frame) == len(sim.results.load(two_schemes)) == 6
    assert sorted(frame["referral"].unique()) == ["none", "two_sided"]
    assert sorted(sim.results.found_under(parent, "metrics.parquet")) == [
        parent / "schemes" / job / "metrics.parquet" for job in ("0", "1")
    ]


def test_links_back_up_the_tree_are_each_followed_once_not_walked_around(tmp_path, monkeypatch):
    # a mutation review: with one link to a parent, walking on past a folder already read
    # ends (at the system's 40 links); with two it doubles at each level
    job = tmp_path / "sweep" / "0"
    job.mkdir(parents=True)
    (job / "metrics.parquet").write_text("")
    (tmp_path / "up").symlink_to(tmp_path, target_is_directory=True)
    (job / "top").symlink_to(tmp_path, target_is_directory=True)
    read = []

    def counted(path):  # found_under's stat of each folder it walks
        read.append(path)
        if len(read) > 100:
            raise RuntimeError(f"walked {len(read)} folders, around a loop")
        return os.stat(path)

    monkeypatch.setattr(sim.results, "os", SimpleNamespace(walk=os.walk, stat=counted))
    assert sim.results.found_under(tmp_path, "metrics.parquet") == [job / "metrics.parquet"]
    assert len(read) == 5  # tmp_path, up, sweep, 0, top: the links each once, then left


def test_loading_nothing_says_so(tmp_path):
    with pytest.raises(ResultsError, match=r"no finished job .*nothing to load"):
        sim.results.load(tmp_path)
    with pytest.raises(ResultsError, match=r"no such results folder: .*missing does not exist"):
        sim.results.load(tmp_path / "missing")
    (tmp_path / "metrics.parquet").write_text("")
    with pytest.raises(ResultsError, match=r"metrics.parquet is a file, not a results folder"):
        sim.results.load(tmp_path / "metrics.parquet")
    with pytest.raises(ValueError, match="unknown results table 'bogus'"):
        sim.results.relation(tmp_path, "bogus")


def test_a_missing_relative_folder_says_where_it_was_looked_for(tmp_path, monkeypatch):
    # a notebook's kernel starts in notebooks/: "multirun/x" was not found, and the message did
    # not say from where
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ResultsError) as caught:
        sim.results.load("multirun/compare_schemes")
    assert str(caught.value) == (
        "no such results folder: multirun/compare_schemes does not exist "
        f"(looked for {tmp_path / 'multirun' / 'compare_schemes'})"
    )


def test_a_misspelt_folder_an_empty_one_and_a_stray_file_say_what_to_give(tmp_path):
    # a strategist's walkthrough (4 Dec 2026): no near match, no next step, and README.md's
    # folder "(.)" offered as the results folder that holds it
    (tmp_path / "multirun" / "compare_schemes").mkdir(parents=True)
    with pytest.raises(ResultsError) as caught:
        sim.results.load(tmp_path / "multirun" / "compare_schems")
    assert str(caught.value).endswith(f"(did you mean {tmp_path / 'multirun/compare_schemes'}?)")
    with pytest.raises(ResultsError) as caught:
        sim.results.load(tmp_path / "multirun" / "compare_schemes")
    assert str(caught.value).endswith(sim.results.NO_JOBS)
    (tmp_path / "README.md").write_text("# notes\n")
    with pytest.raises(ResultsError) as caught:
        sim.results.load(tmp_path / "README.md")
    assert str(tmp_path) + ")" not in str(caught.value)  # its folder holds no job
    assert "give a run or sweep folder (printed on its `results:` lines)" in str(caught.value)


def test_referral_edges_are_only_there_when_asked(two_schemes):
    with pytest.raises(ResultsError, match=r"no referrals\.parquet \(written with run\.save_r"):
        sim.results.load(two_schemes, "referrals")
    with pytest.raises(ResultsError, match=r"no nodes\.parquet \(.* whose ids are not 0\.\.n-1\)"):
        sim.results.load(two_schemes, "nodes")


def test_the_saved_tree_sizes_are_the_trees_of_cascade_max_size(tmp_path):
    # KOCs promote before they buy, so some are later brought in by their own cascade: the
    # link that would close a cycle is cut in both the metric and the saved table
    config = sim.compose(
        ["seeding=koc_matrix", "referral=two_sided", "network.n=3000", "run.replicates=6"]
    )
    result = sim.run(config)
    jobs.write_job(tmp_path / "0", result, {"referral": "two_sided"}, "x")
    saved = sim.results.load(tmp_path, "cascades")
    assert (saved["size"] >= 2).all() and (saved["trees"] >= 1).all()
    largest = saved.groupby("replicate")["size"].max()
    metric = result.metrics.set_index("replicate")["cascade_max_size"]
    assert len(largest) == len(metric)
    assert (largest == metric[largest.index]).all()


def test_referral_edges_load_when_saved(tmp_path):
    result = sim.run(sim.compose(["referral=two_sided", "network.n=1500", "days=30"]))
    jobs.write_job(tmp_path / "0", result, {"referral": "two_sided"}, "x", save_referrals=True)
    edges = sim.results.load(tmp_path, "referrals")
    assert len(edges) == len(result.referrals) > 0
    assert (edges["referral"] == "two_sided").all()
    assert set(edges.columns) >= {"referrer", "referee", "day", "channel", "replicate", "job"}
    # in_tree marks the links the cascades keep: each replicate's model gives the same rows
    for replicate, saved in edges.groupby("replicate"):
        model = sim.ReferralModel(result.config, int(replicate)).run()
        kept = saved[saved["in_tree"]][["referrer", "referee"]].reset_index(drop=True)
        trees = model.referral_trees()[["referrer", "referee"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, trees, check_dtype=False)


def test_a_job_that_left_a_parameter_unset_reads_the_value_it_ran_with(two_schemes, tmp_path):
    # a parent folder: the sweep (referral set) and a single run that left referral at none
    single = tmp_path / "single"
    sim.jobs.write_job(single, sim.run(sim.compose(["network.n=300", "days=5"])), {}, "")
    (single / jobs.CONFIG).write_text((two_schemes / "0" / jobs.CONFIG).read_text())
    frame = sim.results.load([two_schemes, single])
    assert frame.loc[frame["job"] == str(single.resolve()), "referral"].unique().tolist() == [
        "none"
    ]
    assert frame["referral"].notna().all()


def test_a_damaged_results_file_is_said_in_one_sentence(two_schemes, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes, copy)
    metrics = copy / "1" / jobs.METRICS
    metrics.write_bytes(metrics.read_bytes()[:100])  # truncated
    with pytest.raises(ResultsError, match=r"cannot be read \(damaged or truncated") as caught:
        sim.results.load(copy)
    assert "1/metrics.parquet" in str(caught.value)


def test_starting_a_job_in_a_users_folder_keeps_their_files(tmp_path):
    # hydra.run.dir=. in a project folder: its own config.yaml is not a job's
    (tmp_path / jobs.CONFIG).write_text("mine: true\n")
    (tmp_path / "timeseries.parquet").write_bytes(b"theirs")
    jobs.start(tmp_path)
    assert (tmp_path / jobs.CONFIG).read_text() == "mine: true\n"
    assert (tmp_path / "timeseries.parquet").exists()
    (tmp_path / jobs.JOB).write_text("{}")  # a job wrote here: its files are the job's
    jobs.start(tmp_path)
    assert not (tmp_path / jobs.CONFIG).exists() and not (tmp_path / "timeseries.parquet").exists()


def test_jobs_are_read_in_job_order_and_the_first_of_two_copies_is_kept(two_schemes, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes / "1", copy / "2")  # two_sided
    shutil.copytree(two_schemes / "0", copy / "10")  # none
    shutil.copytree(two_schemes / "0", copy / "11")  # none again: the same digest
    with pytest.warns(sim.results.DuplicateJobWarning, match=r"11 \(as .*10\)"):
        frame = sim.results.load(copy)
    assert frame["referral"].unique().tolist() == ["two_sided", "none"]  # 2 before 10
    assert frame["job"].unique().tolist() == [str((copy / job).resolve()) for job in ("2", "10")]


def test_jobs_nested_in_a_hidden_folder_are_not_read(two_schemes, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes, copy)
    taken = copy / ".taken" / "0"  # a job folder inside a hidden one, of another configuration
    shutil.copytree(copy / "0", taken)
    record = json.loads((taken / jobs.JOB).read_text())
    (taken / jobs.JOB).write_text(json.dumps({**record, "digest": "another configuration"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not read, so not even a copy of job 0 to warn of
        assert len(sim.results.load(copy)) == 6


def test_failed_jobs_in_a_hidden_folder_are_not_named(two_schemes, tmp_path):
    # a study's cache (outputs/sensitivity/.cache/...) held a failed job: loading the study's
    # folder named it among the results' failed jobs, though its results would not be read
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes, copy)
    cached = copy / ".cache" / "sample-3"
    cached.mkdir(parents=True)
    (cached / jobs.FAILED).write_text('{"kind": "out of memory", "exit_code": 1}')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(sim.results.load(copy)) == 6
    assert sim.results.failed_jobs(copy) == {}
    assert list(sim.results.failed_jobs(copy / ".cache")) == [cached]  # asked for, it is named


def test_jobs_that_recorded_no_digest_are_all_read(two_schemes, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes, copy)
    for job in ("0", "1"):
        record = json.loads((copy / job / jobs.JOB).read_text())
        del record["digest"]
        (copy / job / jobs.JOB).write_text(json.dumps(record))
    frame = sim.results.load(copy)
    assert frame["referral"].value_counts().to_dict() == {"none": 3, "two_sided": 3}


@pytest.mark.parametrize(
    ("value", "arrow_type"),
    [(3, "int64"), (0.5, "double"), (True, "bool"), ("two_sided", "string")],
)
def test_a_table_without_rows_keeps_its_parameter_columns_types(tmp_path, value, arrow_type):
    """A job with no referral writes an empty table; pyarrow reads the folder as one dataset."""
    empty = pd.DataFrame({"replicate": pd.Series([], dtype="int64")})
    full = pd.DataFrame({"replicate": [0, 1]})
    for name, frame in {"a": empty, "b": full}.items():  # the empty one first, as job 0
        jobs.with_parameters(frame, {"key": value}).to_parquet(tmp_path / f"{name}.parquet")
    table = ds_table(tmp_path)
    assert str(table.schema.field("key").type).removeprefix("large_") == arrow_type
    assert table.column("key").to_pylist() == [value, value]


@pytest.mark.parametrize(
    ("declared", "arrow_type"), [(float, "double"), (int, "int64"), (bool, "bool"), (str, "string")]
)
def test_a_null_parameter_takes_its_declared_type(tmp_path, declared, arrow_type):
    empty, full = pd.DataFrame({"replicate": [0]}), pd.DataFrame({"replicate": [1]})
    jobs.with_parameters(empty, {"key": None}, {"key": declared}).to_parquet(tmp_path / "a.parquet")
    value = declared(1)
    jobs.with_parameters(full, {"key": value}).to_parquet(tmp_path / "b.parquet")
    table = ds_table(tmp_path)
    assert str(table.schema.field("key").type).removeprefix("large_") == arrow_type
    assert table.column("key").to_pylist() == [None, value]


def test_a_sweep_over_a_cap_and_no_cap_reads_as_one_dataset_whichever_job_comes_first(tmp_path):
    # budget.total=null (no cap) wrote Parquet's null type: pyarrow then failed on every table,
    # "Unsupported cast from double to null", when the null job came first
    folder = tmp_path / "caps"
    sweep(folder, "budget.total=null,5000", "run.save_referrals=true")
    for table in ("metrics", "timeseries", "cascades", "referrals"):
        read = ds_table(folder, f"*/{table}.parquet")
        assert str(read.schema.field("budget.total").type) == "double", table
        assert set(read.column("budget.total").to_pylist()) == {None, 5000.0}, table
    assert json.loads((folder / "0" / "job.json").read_text())["parameters"]["budget.total"] is None


def ds_table(folder, pattern="*.parquet"):
    """The Parquet files matching ``pattern`` in ``folder``, read by pyarrow as one dataset."""
    import pyarrow.dataset as ds

    return ds.dataset(sorted(folder.glob(pattern))).to_table()


def test_the_parameters_lead_then_the_job_then_the_tables_own_columns(two_schemes):
    frame = sim.results.load(two_schemes)
    assert list(frame.columns[:5]) == ["referral", "network.n", "days", "run.replicates", "job"]
    assert frame.columns[5] == "replicate"


def test_one_configuration_under_two_sweeps_labels_is_kept_under_each(tmp_path):
    # reward_sweep's 10/10 and network_sensitivity's two-sided small world ran the same
    # configuration (one digest): one of the two settings was left out of a parent's frame
    given = ["referral=two_sided", "network.n=300", "days=10", "run.replicates=2"]
    result = sim.run(sim.compose(given), progress=False)
    config = "\n".join(given)
    rewards = {"experiment": "reward_sweep", "referral.referrer_reward": 10.0}
    jobs.write_job(tmp_path / "reward_sweep" / "7", result, rewards, config)
    networks = {"experiment": "network_sensitivity", "referral": "two_sided"}
    jobs.write_job(tmp_path / "network_sensitivity" / "5", result, networks, config)
    for order in ([tmp_path], [tmp_path / "network_sensitivity", tmp_path / "reward_sweep"]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing read once: two settings, not a copy
            frame = sim.results.load(order)
        assert frame.groupby("experiment")["replicate"].apply(sorted).to_dict() == {
            "network_sensitivity": [0, 1],
            "reward_sweep": [0, 1],
        }
    jobs.write_job(tmp_path / "reward_sweep" / "8", result, rewards, config)  # a true copy
    with pytest.warns(sim.results.DuplicateJobWarning, match=r"8 \(as .*7\)"):
        assert len(sim.results.load(tmp_path)) == 4


def test_a_sweep_run_again_with_fewer_replicates_loads_each_run_once(tmp_path):
    # the first jobs go to earlier/, the new ones take their replicates: load gave both copies,
    # so a plain groupby counted 0..2 twice (the report and compare read them once)
    folder = tmp_path / "sweep"
    market = ["-m", "referral=none,two_sided", "network.n=600", "days=20"]
    again = [*market, f"hydra.sweep.dir={folder}"]
    referral_sim(*again, "run.replicates=5", cwd=tmp_path)
    assert (
        "3 of 3 replicates taken" in referral_sim(*again, "run.replicates=3", cwd=tmp_path).stdout
    )
    frame = sim.results.load(folder)
    assert len({job for job in frame["job"] if "earlier" in job}) == 2  # both sets of jobs read
    runs = frame.groupby("referral")["replicate"].apply(list).to_dict()
    assert {setting: sorted(replicates) for setting, replicates in runs.items()} == {
        "none": [0, 1, 2, 3, 4],
        "two_sided": [0, 1, 2, 3, 4],
    }
    series = sim.results.load(folder, "timeseries")
    assert not series.duplicated(["referral", "replicate", "day"]).any()
    assert len(series) == 2 * 5 * 21
    means = frame.groupby("referral")["customers"].mean()
    table = sim.compare(frame).query("metric == 'customers'").set_index("referral")["mean"]
    pd.testing.assert_series_equal(means, table, check_names=False)
    # SQL over relation() counted the shared runs twice until 3 Dec 2026 (a mutation review)
    counted = sim.results.relation(folder).aggregate("referral, count(*) AS runs, avg(customers)")
    by_sql = counted.df().set_index("referral").sort_index()
    assert by_sql["runs"].to_dict() == {"none": 5, "two_sided": 5}
    assert by_sql["avg(customers)"].to_dict() == pytest.approx(means.to_dict())
    days = sim.results.relation(folder, "timeseries").aggregate("count(*)").fetchall()[0][0]
    assert days == 2 * 5 * 21


def test_failed_jobs_are_named_when_loading_not_dropped_silently(two_schemes, tmp_path, capsys):
    # the report named them, sim.results.load did not: a notebook lost a setting without a word
    copy = tmp_path / "copy"
    shutil.copytree(two_schemes, copy)
    (copy / "1" / jobs.METRICS).unlink()  # job 1 failed: a record, no results
    (copy / "1" / jobs.FAILED).write_text('{"kind": "out of memory", "exit_code": 1}')
    note = (
        "1 failed job is not in the results read: 1 (referral=two_sided). Each folder's "
        "failed.json says why; running the sweep's command again retries them."
    )
    with pytest.warns(sim.results.FailedJobsWarning, match=re.escape(note)):
        frame = sim.results.load(copy)
    assert frame["referral"].unique().tolist() == ["none"]
    with pytest.warns(sim.results.FailedJobsWarning, match="1 failed job"):
        sim.results.relation(copy)
    (copy / "0" / jobs.METRICS).unlink()
    (copy / "0" / jobs.FAILED).write_text('{"kind": "invalid configuration", "exit_code": 2}')
    with pytest.raises(ResultsError, match=r"nothing to load\. 2 failed jobs are not in the res"):
        sim.results.load(copy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a finished job's folder holds no failure to name
        assert len(sim.results.load(two_schemes / "0")) == 3
    assert report.main([str(copy)]) == 2  # the report says it once, in its own words
    err = capsys.readouterr().err
    assert err.count("failed job") == 1 and "not in this report" in err


@pytest.mark.parametrize(
    ("paths", "said"),
    [
        ("", "a results folder is a path .*not ''"),  # read the current folder, whatever it held
        (None, "a results folder is a path .*not None"),  # TypeError: not iterable
        ([], r"no results folder given \(an empty list\)"),  # "under : nothing to load"
        (3, "a results folder is a path .*not 3$"),  # TypeError: 'int' object is not iterable
        (2.5, "a results folder is a path .*not 2.5$"),  # (taken for a list of folders)
        (b"x", "a results folder is a path .*not b'x'$"),  # "not 120": its bytes, as folders
        (bytearray(b"x"), r"a results folder is a path .*not bytearray\(b'x'\)$"),
    ],
)
def test_what_is_not_a_results_folder_is_refused_saying_so(paths, said):
    with pytest.raises(ResultsError, match=said):
        sim.results.load(paths)


def test_a_folder_under_home_is_read_with_its_tilde(two_schemes, monkeypatch):
    monkeypatch.setenv("HOME", str(two_schemes.parent))
    assert len(sim.results.load(f"~/{two_schemes.name}")) == 6  # looked for ./~/...


def test_a_list_parameter_loads_and_its_runs_are_read_once(tmp_path):
    # a job written from Python keeps its list parameter: grouping by it failed (unhashable)
    from omegaconf import OmegaConf

    from sim.configure import compose_with_hydra

    for job, (days, replicates) in enumerate((([1, 5], 2), ([2], 2), ([1, 5], 3))):
        given = ["seeding=kol", f"seeding.post_days=[{','.join(map(str, days))}]"]
        given += ["network.n=300", "days=10", f"run.replicates={replicates}"]
        text = OmegaConf.to_yaml(compose_with_hydra(given))  # a job's config.yaml: its family
        result = sim.run(sim.compose(given), progress=False)
        parameters = {"seeding.post_days": days, "run.replicates": replicates}
        jobs.write_job(tmp_path / str(job), result, parameters, text)
    frame = sim.results.load(tmp_path)  # the lists as text, as the command line records them
    runs = frame.groupby("seeding.post_days")["replicate"].apply(sorted)
    assert runs.to_dict() == {"[1, 5]": [0, 1, 2], "[2]": [0, 1]}
    assert report.main([str(tmp_path)]) == 0  # compared by the list: it failed too


def test_a_note_names_each_missing_job_with_what_sets_it_apart_in_its_sweep(tmp_path):
    # a note said "2" and which setting was missing took opening the folder
    grid = [(reward, discount) for reward in (0, 10) for discount in (0, 5, 9)]
    for job, (reward, discount) in enumerate(grid):
        record = tmp_path / str(job) / ".hydra" / "overrides.yaml"
        record.parent.mkdir(parents=True)
        record.write_text(
            f"- referral=two_sided\n- referral.referrer_reward={reward}\n"
            f"- referral.referee_discount={discount}\n- network.n=300\n"
        )
    (tmp_path / "6" / ".hydra").mkdir(parents=True)  # started, its overrides not yet written
    jobs_named = sim.results.job_names(tmp_path, [tmp_path / str(j) for j in (1, 6, 2, 3, 4, 5)])
    assert jobs_named == [
        "1 (referral.referrer_reward=0 referral.referee_discount=5)",
        "6",
        "2 (referral.referrer_reward=0 referral.referee_discount=9)",
        "3 (referral.referrer_reward=10 referral.referee_discount=0)",
        "4 (referral.referrer_reward=10 referral.referee_discount=5)",
        "5",  # past the LISTED a note shows: named only, its overrides not read
    ]
    alone = tmp_path / "alone" / "0"
    shutil.copytree(tmp_path / "0", alone)  # a sweep of one job: all its overrides
    assert sim.results.job_names(alone.parent, [alone]) == [
        "0 (referral=two_sided referral.referrer_reward=0 referral.referee_discount=0 "
        "network.n=300)"
    ]
    assert sim.results.job_names(alone, [alone]) == ["."]  # the folder asked about itself


def rewrite_record(job, **changes):
    """Set (or, for None, remove) keys of a job's ``job.json``."""
    record = json.loads((job / jobs.JOB).read_text())
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    (job / jobs.JOB).write_text(json.dumps(record))


def two_copies_of_job_0(two_schemes, folder):
    """Jobs 0 and 1 under ``folder``, both holding job 0 of ``two_schemes`` (3 replicates)."""
    for job in ("0", "1"):
        shutil.copytree(two_schemes / "0", folder / job)
    return folder


def test_jobs_of_one_family_and_two_code_versions_are_both_read(two_schemes, tmp_path):
    # a mutation review: the runs of another code version are other runs, never copies
    copy = two_copies_of_job_0(two_schemes, tmp_path / "copy")
    rewrite_record(copy / "1", code="another version", digest="another digest")
    with pytest.warns(sim.results.MixedCodeWarning):
        assert len(sim.results.load(copy)) == 6


def test_jobs_that_record_no_family_are_never_copies_of_each_other(two_schemes, tmp_path):
    for market in ("a", "b"):  # results of an older version: nothing says they are one family
        shutil.copytree(two_schemes / "0", tmp_path / market / "0")
        rewrite_record(tmp_path / market / "0", family=None, digest=f"digest {market}")
    assert len(sim.results.load(tmp_path)) == 6


def test_each_run_is_kept_from_the_first_job_in_job_order(two_schemes, tmp_path):
    copy = two_copies_of_job_0(two_schemes, tmp_path / "copy")
    rewrite_record(copy / "1", digest="another replicate count")  # one family, the same runs
    frame = sim.results.load(copy)
    assert frame["job"].unique().tolist() == [str((copy / "0").resolve())]


def test_a_copy_whose_parameters_were_written_in_another_order_is_read_once(two_schemes, tmp_path):
    copy = two_copies_of_job_0(two_schemes, tmp_path / "copy")
    record = json.loads((copy / "1" / jobs.JOB).read_text())
    rewrite_record(copy / "1", parameters=dict(reversed(list(record["parameters"].items()))))
    with pytest.warns(sim.results.DuplicateJobWarning, match=r"1 \(as .*0\)"):
        assert len(sim.results.relation(copy).df()) == 3


def test_jobs_without_a_digest_are_each_read_even_when_alike(two_schemes, tmp_path):
    copy = two_copies_of_job_0(two_schemes, tmp_path / "copy")
    for job in ("0", "1"):
        rewrite_record(copy / job, digest=None, family=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", sim.results.DuplicateJobWarning)
        assert len(sim.results.relation(copy).df()) == 6


def test_a_folder_given_twice_is_read_once_without_a_warning(two_schemes):
    with warnings.catch_warnings():
        warnings.simplefilter("error", sim.results.DuplicateJobWarning)
        assert len(sim.results.load([two_schemes, str(two_schemes)])) == 6


def test_copy_and_failure_warnings_point_at_the_caller_of_load(two_schemes, tmp_path):
    copy = two_copies_of_job_0(two_schemes, tmp_path / "copy")
    seeded = two_copies_of_job_0(two_schemes, copy / "seeded")  # read as other jobs, then as
    record = json.loads((seeded / "1" / jobs.JOB).read_text())  # one run (seed=0 given)
    rewrite_record(seeded / "1", parameters={**record["parameters"], "seed": 0})
    (copy / "2").mkdir()
    (copy / "2" / jobs.FAILED).write_text('{"kind": "disk full", "exit_code": 1}')
    for read in (sim.results.load, sim.results.relation):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read(copy)
        kinds = {sim.results.DuplicateJobWarning, sim.results.FailedJobsWarning}
        said = [w for w in caught if w.category in kinds]
        assert {w.category for w in said} == kinds, read
        assert any("seeded" in str(w.message) for w in said), read  # each_run_once's warning
        assert {w.filename for w in said} == {__file__}, read  # not a line inside sim.results


def test_many_copies_are_counted_and_the_first_five_named(two_schemes, tmp_path):
    copy = tmp_path / "copy"
    for job in range(7):  # one job and six copies of it
        shutil.copytree(two_schemes / "0", copy / str(job))
    with pytest.warns(sim.results.DuplicateJobWarning) as said:
        assert len(sim.results.load(copy)) == 3
    message = str(said[0].message)
    assert message.startswith("read once: 6 job folder(s) hold the same configuration's results")
    assert message.count(" (as ") == 5 and message.endswith(" ...")

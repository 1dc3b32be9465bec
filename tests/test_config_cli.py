"""Configuration: typed composition, early and clear errors, the CLI, the packaged conf/."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

import sim
from sim.config import Config
from sim.configure import conf_dir
from sim.failures import EXIT_BAD_INPUT
from sim.network.options import NETWORK_OPTIONS
from sim.schemes import GROUPS
from sim.schemes.referral import TwoSidedConfig
from tests.conftest import EGO_FACEBOOK, REPO
from tests.sweeps import cli_process


def test_compose_returns_typed_defaults_with_overrides():
    config = sim.compose(["referral=two_sided", "referral.referrer_reward=5", "network.n=123"])
    assert isinstance(config, Config)
    assert isinstance(config.referral, TwoSidedConfig)
    assert (config.referral.referrer_reward, config.network.n) == (5.0, 123)
    assert config.conversion.peer == 0.02  # F5
    assert config.population.memory_days == 3  # F8


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("conversion.peer=1.5", r"conversion.peer=1.5 .*\[0, 1\]"),
        ("network.k=-2", r"network.k=-2 .*>= 2"),
        ("network.k=7", r"network.k=7 .*even"),
        ("days=0", r"days=0 .*an integer in \[1, 36500\]"),
        ("referral=bogus", r"Could not find 'referral/bogus'.*one_sided"),
        # until 3 Dec 2026 OmegaConf's "could not be converted to Integer", with no range
        ("network.k=abc", r"network.k='abc' is not allowed: expected an integer >= 2"),
        ("run.replicates=1.5", r"run.replicates=1.5 is not allowed: expected an integer >= 1"),
        ("budget.total=abc", r"budget.total='abc' is not allowed: expected a number >= 0"),
        ("fraud.enabled=maybe", r"fraud.enabled='maybe' is not allowed: expected true or false"),
        ("seeding.initial_customers=99999", r"seeding.initial_customers=99999 .*at most"),
        ("population.threshold.1=0.5", r"population.threshold.*sum to 1"),
    ],
)
def test_bad_values_name_the_key_the_value_and_the_range(override, message):
    with pytest.raises(sim.ConfigError, match=f"(?s){message}"):
        sim.compose([override])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["network.n=8"],
            "network.k=10 is not allowed: expected an even integer in [2, 6] with network.n=8",
        ),
        (["network.n=3"], "network.k=10 is not allowed: expected k = 2 with network.n=3"),
        (["network=lattice", "network.k=5"], "an even integer in [2, 9998] with network.n=10000"),
    ],
)
def test_a_ring_degree_that_does_not_fit_names_n_and_the_largest_even_k(overrides, message):
    with pytest.raises(sim.ConfigError) as error:
        sim.compose(overrides)
    assert message in str(error.value)


def test_missing_edge_list_is_caught_before_the_run(tmp_path):
    with pytest.raises(sim.ConfigError, match=r"network.path=.*missing.txt. does not exist"):
        sim.compose(["network=edgelist", f"network.path={tmp_path / 'missing.txt'}"])


def test_a_missing_relative_edge_list_says_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sim.ConfigError) as error:
        sim.compose(["network=edgelist", "network.path=../shared/data/edges.txt"])
    looked = tmp_path / ".." / "shared" / "data" / "edges.txt"
    assert f"does not exist (looked for {looked}):" in str(error.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["+run.replicate=3"], r"run.replicate=3 .*did you mean run.replicates\?"),
        (["+refferal=two_sided"], r"refferal='two_sided' .*did you mean referral\?"),
        (
            ["referral=group_buy", "+referral.reward_kind=points"],
            r"referral.reward_kind='points' .*referral=group_buy.*leader_reward_kind",
        ),
        (["++referral.verify=holdback"], r"referral.verify='holdback' .*referral=none.*: name\."),
        (["+population.thresold.3=0.6"], r"population.thresold.3=0.6 .*population.threshold\?"),
        (["referral=tiered", "+referral.tiers.0.kindd=cash"], r"referral.tiers.0.kindd='cash'"),
        (["seeding=mixed", "++seeding.ads.cpmm=3"], r"seeding.ads.cpmm=3 .*seeding.ads.cpm\?"),
    ],
)
def test_keys_no_schema_declares_are_refused_naming_the_nearest_key(overrides, message):
    with pytest.raises(sim.ConfigError, match=f"(?s){message}"):
        sim.compose(overrides)


SCENARIO_PRICE = OmegaConf.load(conf_dir() / "scenario" / "gen_z_2026.yaml").product.price


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (  # README
            ["population.threshold.1=0.4", "+population.threshold.3=0.6"],
            {"population.threshold": {"1": 0.4, "3": 0.6}},
        ),
        (  # README
            ["+scenario=gen_z_2026", "referral=group_buy"],
            {"referral.name": "group_buy", "product.price": SCENARIO_PRICE},
        ),
        (["+experiment/network=circles"], {"network.name": "circles"}),  # network_sensitivity
        (["experiment=reward_sweep"], {"referral.name": "two_sided", "run.replicates": 30}),
        (["++referral.name=none"], {"referral.name": "none"}),
    ],
)
def test_documented_plus_overrides_compose_to_what_they_say(overrides, expected):
    config = sim.compose(overrides)
    assert {key: value_at(config, key) for key in expected} == expected


def value_at(config: Config, dotted: str):
    """The value of ``a.b.c`` in a composed configuration (dataclasses and dicts)."""
    value = config
    for part in dotted.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def plain(value):
    """A composed value as YAML would hold it (a list of typed tiers as a list of mappings)."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def declared_leaves(option: Path, group: str) -> dict[str, object]:
    """Every value an option file sets, by dotted key (its defaults list and Hydra's keys aside)."""
    text = option.read_text(encoding="utf-8")
    prefix = "" if "# @package _global_" in text else f"{group}."
    tree = OmegaConf.to_container(OmegaConf.load(option))
    tree.pop("defaults", None)
    tree.pop("hydra", None)
    leaves, stack = {}, [(prefix, tree)]
    while stack:
        path, node = stack.pop()
        for key, value in node.items():
            if isinstance(value, dict) and not path.endswith("threshold."):
                stack.append((f"{path}{key}.", value))
            else:
                leaves[f"{path}{key}"] = value
    return leaves


def test_every_option_and_preset_composes_to_the_values_its_file_sets(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("0 1\n1 2\n")
    checked = 0
    for folder in ("network", "seeding", "referral", "retention", "scenario", "experiment"):
        for option in sorted((conf_dir() / folder).rglob("*.yaml")):
            group = option.parent.relative_to(conf_dir()).as_posix()  # experiment/network
            stem = option.stem
            choice = f"{'+' if group in ('scenario', 'experiment/network') else ''}{group}={stem}"
            path = [f"network.path={edges}"] if stem == "edgelist" else []
            config = sim.compose([choice, *path])
            for key, value in declared_leaves(option, folder).items():
                if key == "network.path":
                    continue
                assert plain(value_at(config, key)) == value, (option.name, key)
                checked += 1
    assert checked > 50  # the files' values were read: not a vacuous loop


def test_an_option_file_setting_a_key_its_schema_lacks_is_refused_naming_it(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    shutil.copytree(conf_dir(), conf)
    option = conf / "referral" / "two_sided.yaml"
    option.write_text(option.read_text(encoding="utf-8") + "bogus_key: 1\n", encoding="utf-8")
    monkeypatch.setattr("sim.configure.conf_dir", lambda: conf)
    with pytest.raises(sim.ConfigError, match=r"(?s)referral\.bogus_key.*not in 'TwoSidedConfig'"):
        sim.compose(["referral=two_sided"])


def test_every_option_is_typed_by_its_own_schema(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("0 1\n1 2\n")
    for name, schema in NETWORK_OPTIONS.items():
        config = sim.compose(
            [f"network={name}", f"network.path={edges}"]
            if name == "edgelist"
            else [f"network={name}"]
        )
        assert type(config.network) is schema, name
    for group, registry in GROUPS.items():
        for name, scheme in registry.items():
            config = sim.compose([f"{group}={name}"])
            assert type(getattr(config, group)) is scheme.config_class, (group, name)


@pytest.mark.parametrize("override", ["referral=base_two_sided", "referral=schema_referral_none"])
def test_a_schema_is_not_an_option(override):
    with pytest.raises(sim.ConfigError, match="Available options in 'referral': commission"):
        sim.compose([override])


@pytest.mark.parametrize(
    ("override", "guess"),
    [
        ("referral=two_side", " (did you mean referral=two_sided?)"),
        ("network=smal_world", " (did you mean network=small_world?)"),
        ("hydra/launcher=local_core", " (did you mean hydra/launcher=local_cores?)"),
        ("referral=xyzzy", ""),  # like none: Hydra's list of the options only
    ],
)
def test_a_misspelt_option_names_the_nearest(override, guess):
    # Hydra listed the options but named none of them (until 4 Dec 2026)
    with pytest.raises(sim.ConfigError) as error:
        sim.compose([override])
    group, _, option = override.partition("=")
    first = str(error.value).splitlines()[0]  # In 'config': Could not find 'referral/two_side'
    assert first.endswith(f"Could not find '{group}/{option}'{guess}")


def test_a_preset_sets_its_groups_and_its_values_as_dotted_keys_but_not_hydras(
    tmp_path, monkeypatch
):
    # a mutation review: the real presets nest two levels at most and all have a file
    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "deep.yaml").write_text(
        "defaults:\n  - /scenario: gen_z_2026\n  - override /referral: two_sided\n"
        "  - override /hydra/launcher: local_cores\n  - _self_\nrun:\n  replicates: 30\n"
        "seeding:\n  koc:\n    recruits: 5\n"
        "  daily_budget: 1200.0\nhydra:\n  mode: MULTIRUN\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sim.configure, "conf_dir", lambda: tmp_path)
    assert sim.configure.preset_settings("experiment", "deep") == {
        "scenario": "gen_z_2026",  # a group it adds: until 4 Dec 2026 its report left it out
        "referral": "two_sided",
        "run.replicates": 30,
        "seeding.koc.recruits": 5,
        "seeding.daily_budget": 1200.0,
    }
    assert sim.configure.preset_settings("experiment", "missing") == {}  # no file: nothing set


@pytest.mark.parametrize(
    ("overrides", "meant"),
    [
        (["seeding=koc_matrix", "seeding.koc.commission_reserve=20"], "seeding.commission_reserve"),
        (["seeding=mixed", "seeding.commission_reserve=20"], "seeding.koc.commission_reserve"),
        (["seeding=mixed", "seeding.recruits=5"], "seeding.koc.recruits"),
        (
            ["seeding=mixed", "seeding.post_days=[3]"],
            "seeding.kol.post_days or seeding.koc.post_days",
        ),
    ],
)
def test_a_key_of_one_option_given_at_anothers_depth_names_the_key_meant(overrides, meant):
    # a strategist's walkthrough (4 Dec 2026): the hint said only "choose seeding=mixed first"
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(overrides)
    assert f"(did you mean {meant}?)" in str(refused.value)


def test_a_sweep_over_a_misspelt_option_names_the_nearest(tmp_path):
    result = cli("-m", "referral=none,two_side", "network.n=300", "days=5", cwd=tmp_path)
    assert result.returncode == 2
    assert "'referral/two_side' (did you mean referral=two_sided?)" in result.stderr


def cli(*arguments: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("arguments", "key"),
    [
        (["conversion.peer=1.5"], "conversion.peer"),
        (["network.k=-2"], "network.k"),
        (["days=0"], "days"),
        (["referral=bogus"], "referral/bogus"),
        (["network=edgelist", "network.path=/no/such/file.txt"], "network.path"),
    ],
)
def test_cli_exits_2_with_a_short_message_and_no_traceback(tmp_path, arguments, key):
    result = cli(*arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert key in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.splitlines()) < 15
    assert not (tmp_path / "outputs").exists() or not list(
        (tmp_path / "outputs").rglob("*.parquet")
    )


@pytest.mark.parametrize(
    "arguments",
    [["+run.replicate=3"], ["+refferal=two_sided"], ["++referral.verify=holdback"]],
)
def test_cli_refuses_an_added_undeclared_key_with_exit_2(tmp_path, arguments):
    result = cli(*arguments, "network.n=300", "days=5", cwd=tmp_path)
    assert result.returncode == 2
    key = arguments[0].lstrip("+").split("=")[0]
    assert f"{key}=" in result.stderr and "declares no key" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob("config.yaml"))


@pytest.mark.parametrize("network", ["small_world", "random"])
def test_a_network_chosen_over_a_network_sensitivity_option_is_refused(tmp_path, network):
    # the command line's network won over each option's own: every job ran small_world under
    # the labels lattice, random, circles...; network=random stopped at small world's rewire
    folder = tmp_path / "sweep"
    arguments = ["experiment=network_sensitivity", f"network={network}", "network.n=300"]
    result = cli(
        *arguments, "days=5", "run.replicates=1", f"hydra.sweep.dir={folder}", cwd=tmp_path
    )
    assert result.returncode == 2
    said = f"network={network} is not allowed with experiment/network=lattice: that option "
    assert said + "chooses network=lattice" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr and not folder.exists()
    with pytest.raises(sim.ConfigError, match="the label random"):
        sim.compose(["+experiment/network=random", "network=lattice"])
    for agreeing in (["network=small_world"], []):  # the option's own network, or none given
        config = sim.compose(["+experiment/network=small_world_r30", *agreeing])
        assert (config.network.name, config.network.rewire) == ("small_world", 0.3)


def test_a_launcher_whose_plugin_is_missing_names_the_extra_to_install(tmp_path):
    if importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher"):
        pytest.skip("the slurm extra is installed here")
    result = cli("-m", "hydra/launcher=slurm", "network.n=300", "days=5", cwd=tmp_path)
    assert result.returncode == 2
    assert "submitit_slurm" in result.stderr and "pip install -e '.[slurm]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_single_runs_started_together_each_keep_their_own_folder(tmp_path):
    # Hydra's default folder names the second: two runs started together (a shell loop with
    # `&`, a SLURM array) shared one, and one run's results were lost (3 times in 4, a review)
    command = [sys.executable, "-m", "sim.cli", "network.n=500", "days=5"]
    runs = [
        subprocess.Popen([*command, f"seed={seed}"], cwd=tmp_path, stdout=subprocess.PIPE)
        for seed in (0, 1)
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    written = sorted((tmp_path / "outputs").rglob("metrics.parquet"))
    assert len(written) == 2
    assert sorted(pd.read_parquet(path)["seed"].iloc[0] for path in written) == [0, 1]
    for run in runs:
        run.stdout.close()


def test_cli_prints_what_ran_and_the_summary_of_what_it_wrote(tmp_path):
    options = ("network.n=2000", "run.replicates=2", "referral=two_sided")
    result = cli(*options, "+scenario=gen_z_2026", "referral.referrer_reward=15", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    headline, *lines = result.stdout.splitlines()
    assert "network=small_world (n=2000) seeding=ads referral=two_sided" in headline
    assert headline.endswith("with scenario=gen_z_2026 referral.referrer_reward=15.0")
    (written,) = (tmp_path / "outputs").rglob("metrics.parquet")
    metrics = pd.read_parquet(written)
    assert len(metrics) == 2
    printed = next(line.split() for line in lines if line.startswith("customers "))
    # printed to 4 significant digits
    assert float(printed[1].replace(",", "")) == pytest.approx(
        metrics["customers"].mean(), rel=1e-3
    )


def run_with_closed_stdout(module: str, *arguments: str, cwd) -> tuple[int, str]:
    """Run ``python -m module`` whose standard output nobody reads (``| head -0``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *arguments],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()
    stderr = process.stderr.read()
    return process.wait(timeout=120), stderr


def test_a_closed_stdout_is_no_failure_of_the_run(tmp_path):
    code, stderr = run_with_closed_stdout("sim.cli", "network.n=500", "days=10", cwd=tmp_path)
    assert (code, stderr) == (0, "")
    assert len(list(tmp_path.rglob("metrics.parquet"))) == 1
    assert not list(tmp_path.rglob("failed.json"))


def test_a_closed_stdout_is_no_failure_of_a_sweep(tmp_path):
    # Hydra's log lines ("Launching 2 jobs locally") each printed a "--- Logging error ---"
    # traceback to stderr once nobody read stdout
    sweep = ("-m", "network.n=300", "days=5", "run.replicates=1", "seed=1,2")
    code, stderr = run_with_closed_stdout("sim.cli", *sweep, cwd=tmp_path)
    assert (code, stderr) == (0, "")
    assert len(list(tmp_path.rglob("metrics.parquet"))) == 2


def test_help_lists_the_options_of_each_group_and_no_schema(tmp_path):
    result = cli("--help", cwd=tmp_path)
    groups = dict(
        line.split(": ", 1)
        for line in result.stdout.splitlines()
        if line.startswith("referral: ") or line.startswith("network: ")
    )
    for group, options in groups.items():
        assert options.split(", ") == sorted(
            path.stem for path in (conf_dir() / group).glob("*.yaml")
        )
    assert len(groups) == 2 and "schema" not in result.stdout
    assert result.stdout.startswith("referral-sim: agent-based simulation")  # not "cli is ..."


HEAVY_FOR_HELP = ("mesa", "networkx", "scipy.special", "scipy.sparse.csgraph")
HELP_IMPORTS = f"""
import atexit, sys
atexit.register(lambda: print("loaded", sorted(set({HEAVY_FOR_HELP!r}) & set(sys.modules))))
"""


def test_help_loads_neither_the_model_nor_networkx_nor_scipy_special(tmp_path):
    """They took about 0.9 s of `referral-sim --help`'s start, which needs none of them."""
    result = cli_process("--help", cwd=tmp_path, prelude=HELP_IMPORTS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "referral: " in result.stdout and "loaded []" in result.stdout


def test_help_into_a_closed_pipe_ends_quietly(tmp_path):
    code, stderr = run_with_closed_stdout("sim.cli", "--help", cwd=tmp_path)
    assert code == 1  # as Python exits on EPIPE
    assert stderr == ""


def test_cli_runs_the_real_network(tmp_path):
    if not EGO_FACEBOOK.exists():
        pytest.skip("shared/data not beside the checkout")
    result = cli("network=edgelist", f"network.path={EGO_FACEBOOK}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "network=edgelist (" in result.stdout and "ego_facebook.txt" in result.stdout
    (written,) = tmp_path.rglob("metrics.parquet")
    metrics = pd.read_parquet(written).iloc[0]
    assert 0 < metrics["customers"] <= 4039  # SNAP ego-Facebook: 4,039 people
    assert metrics["adoption_rate"] == metrics["customers"] / 4039
    printed = re.search(r"^customers +(\d+)", result.stdout, flags=re.MULTILINE)
    assert int(printed.group(1)) == metrics["customers"]


def test_compose_works_from_a_built_wheel(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("referral_sim-*.whl"))
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert "sim/conf/config.yaml" in archive.namelist()
        assert "sim/conf/referral/two_sided.yaml" in archive.namelist()
        archive.extractall(unpacked)
    probe = (
        "import sim, sim.configure as c; cfg = sim.compose(['referral=two_sided']); "
        "print(c.conf_dir()); print(cfg.referral.name)"
    )
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    conf, name = result.stdout.split()
    assert conf == str(unpacked / "sim" / "conf") and name == "two_sided"


@pytest.mark.parametrize(
    ("group", "typo", "message"),
    [
        ("referral", "referer_reward", r"referral\.referer_reward is not a key of TwoSidedConfig "
         r"\(did you mean referral\.referrer_reward\?\): it would be ignored\. Keys: name, "),
        ("network", "nn", r"network\.nn is not a key of SmallWorldConfig "
         r"\(did you mean network\.n\?\)"),
        (None, "dayz", r"^dayz is not a key of Config \(did you mean days\?\)"),
    ],
)  # fmt: skip
def test_a_misspelt_attribute_set_in_code_is_refused_not_ignored(group, typo, message):
    config = sim.compose(["referral=two_sided", "network.n=300"])
    setattr(getattr(config, group) if group else config, typo, 50)
    with pytest.raises(sim.ConfigError, match=message):
        sim.ReferralModel(config)
    with pytest.raises(sim.ConfigError, match=message):
        sim.run(config, progress=False)


def test_a_threshold_share_out_of_range_is_named_by_its_level():
    with pytest.raises(sim.ConfigError, match=r"population\.threshold\.1=1\.4 is not allowed: "):
        sim.compose(["population.threshold.1=1.4"])


def test_days_beyond_a_century_are_refused_before_anything_runs():
    # a user typed days=100000000: it ran silently for minutes towards ~12 GB of time series
    assert sim.compose(["days=36500"]).days == 36_500
    with pytest.raises(sim.ConfigError, match=r"days=36501 is not allowed: .*\[1, 36500\]"):
        sim.compose(["days=36501"])


def test_a_single_run_asked_again_shows_the_table_it_found(tmp_path):
    # referral=two_sided: a text parameter column in metrics.parquet (it crashed the summary)
    overrides = ("referral=two_sided", "network.n=400", "days=10", "run.replicates=2")
    overrides = (*overrides, f"hydra.run.dir={tmp_path / 'r'}")
    first, again = cli(*overrides, cwd=tmp_path), cli(*overrides, cwd=tmp_path)
    assert first.returncode == again.returncode == 0, again.stderr
    assert "finished already, skipped" in again.stdout
    table = [line for line in first.stdout.splitlines() if line.startswith("customers ")]
    assert len(table) == 1 and table[0] in again.stdout.splitlines()


@pytest.mark.parametrize(
    ("override", "effect"),
    [
        (
            "referral=[one_sided,two_sided]",
            "merge these into one (two_sided over the others). "
            "To run each, sweep them: referral-sim -m referral=one_sided,two_sided.",
        ),
        ("network=[small_world,scale_free]", "merge these into one (scale_free over the others)"),
        (
            "+experiment/network=[lattice,random]",
            "sweep them: referral-sim -m +experiment/network=lattice,random.",
        ),
        (
            "experiment=[budget_frontier,compare_schemes]",
            "Run each in a command of its own: referral-sim experiment=budget_frontier, "
            "then referral-sim experiment=compare_schemes.",
        ),
        ("referral=[two_sided]", "written without brackets: referral=two_sided."),
        ("referral=[]", "an empty list leaves it unset"),
    ],
)
def test_a_list_of_a_groups_options_is_refused_not_merged(override, effect):
    # [one_sided,two_sided] composed two_sided over one_sided silently, and a list of experiments
    # ran the first one's sweep in the last one's folder; others failed in OmegaConf
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose([override])
    group = override.split("=")[0].lstrip("+")
    assert str(refused.value).startswith(f"{override} is not allowed: {group} takes one option (")
    assert effect in str(refused.value)


def test_a_threshold_mix_written_in_another_order_is_the_same_finished_job(tmp_path):
    # the YAML kept the command line's order: the same mix had two digests and ran twice
    levels = ("population.threshold.1=0.4", "+population.threshold.3=0.5")
    levels = (*levels, "+population.threshold.10=0.1")
    common = ("network.n=400", "days=10", "run.replicates=2", f"hydra.run.dir={tmp_path / 'r'}")
    first = cli(*levels, *common, cwd=tmp_path)
    again = cli(*reversed(levels), *common, cwd=tmp_path)
    assert first.returncode == again.returncode == 0, again.stderr
    assert "finished already, skipped" in again.stdout
    assert (
        "threshold:\n    '1': 0.4\n    '3': 0.5\n    '10': 0.1\n"
        in (tmp_path / "r" / "config.yaml").read_text()
    )


@pytest.mark.parametrize(
    "whole",
    ["population.threshold=\"${oc.create:'{3: 0.6, 1: 0.4}'}\"", "population.threshold=???"],
)
def test_a_mapping_given_whole_as_an_interpolation_or_missing_is_left_unsorted(whole):
    # sorting read an interpolation's text as a mapping: 'str' object has no attribute 'items'
    from sim.configure import compose_with_hydra, sort_mapping_entries

    cfg = compose_with_hydra([whole])
    before = OmegaConf.to_yaml(cfg)
    sort_mapping_entries(cfg)
    assert OmegaConf.to_yaml(cfg) == before


def test_a_single_runs_folder_given_again_with_other_values_keeps_the_earlier_results(tmp_path):
    # the second command deleted the first one's results ("replacing results of another
    # configuration"); they are kept in <folder>/earlier/ and taken back when asked again
    folder = tmp_path / "r"
    common = ("network.n=400", "days=10", "run.replicates=2", f"hydra.run.dir={folder}")
    first = cli("referral=none", *common, cwd=tmp_path)
    customers = pd.read_parquet(folder / "metrics.parquet")["customers"].tolist()
    other = cli("referral=one_sided", *common, cwd=tmp_path)
    assert first.returncode == other.returncode == 0, other.stderr
    assert f"results in {folder} are kept in {folder / 'earlier'}" in other.stdout
    kept = sim.results.load(folder)
    assert sorted(kept["referral"].unique()) == ["none", "one_sided"]
    back = cli("referral=none", *common, cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert f"moved back from {folder / 'earlier'}" in back.stdout
    assert "finished already, skipped" in back.stdout  # not run again
    assert pd.read_parquet(folder / "metrics.parquet")["customers"].tolist() == customers


def test_a_single_run_says_what_ran_and_where_its_results_are(tmp_path):
    # the headline names the options and sizes first, then only the other keys the job set
    folder = tmp_path / "r"
    overrides = ("network.n=400", "days=10", "run.replicates=1", "conversion.peer=0.2")
    result = cli(*overrides, f"hydra.run.dir={folder}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    headline = [line for line in lines if line.startswith("referral-sim: network=")]
    assert len(headline) == 1 and "(n=400)" in headline[0] and " days=10 " in headline[0]
    assert headline[0].endswith(" with conversion.peer=0.2")
    assert lines[-1] == f"results: {folder}" and (folder / "metrics.parquet").is_file()


@pytest.mark.parametrize("level", ["x", "0", "40000"])
def test_a_bad_threshold_level_is_named(level):
    with pytest.raises(sim.ConfigError, match=rf"levels in \[1, 32767\] as keys, not '{level}'"):
        sim.compose([f"+population.threshold.{level}=0.5"])


def test_a_deletion_of_a_groups_option_is_not_taken_for_a_choice():
    # a mutation review: ~network=lattice was read as choosing lattice, and refused as such
    from sim.configure import refuse_overridden_choices

    refuse_overridden_choices(["+experiment/network=random", "~network=lattice"])
    with pytest.raises(sim.ConfigError, match="network=lattice is not allowed with"):
        refuse_overridden_choices(["+experiment/network=random", "network=lattice"])


def test_a_preset_takes_another_option_of_a_group_it_chooses():
    # a recorded variant, not a nested option overridden (a mutation review: refusing it
    # passed every test)
    assert sim.compose(["experiment=reward_sweep", "referral=tiered"]).referral.name == "tiered"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["experiment=commission_reserve", "seeding=koc_matrix"],
            "seeding=koc_matrix is not allowed with experiment=commission_reserve: that preset "
            "chooses seeding=mixed and sets seeding.koc.recruits, seeding.kol.hired, which "
            "seeding=koc_matrix does not declare. Leave seeding= out",
        ),
        (
            ["experiment=budget_frontier", "seeding=kol"],
            "seeding=kol is not allowed with experiment=budget_frontier: that preset sets "
            "seeding.daily_budget, which seeding=kol does not declare.",
        ),
    ],
)
def test_an_option_lacking_the_keys_its_preset_sets_is_refused_naming_them(overrides, message):
    # a strategist's walkthrough (4 Dec 2026): Hydra said "Key 'koc' not in 'KocMatrixConfig'"
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(overrides)
    assert str(refused.value).startswith(message)
    assert sim.compose(["experiment=budget_frontier", "seeding=ads"]).seeding.name == "ads"


def test_a_key_of_another_option_names_the_options_that_declare_it():
    # a single run is told which options take the key; the advice for a sweep over referral is
    # the sweep's own (test_sweeps.py), no longer given to every command (a review)
    message = (
        "referral.referrer_reward=5 is not allowed: referral (referral=none) declares no key "
        "'referrer_reward'. Keys of referral (referral=none): name. Options of referral that "
        "declare it: one_sided, two_sided (choose one first, e.g. referral=one_sided; a sweep "
        "over referral takes it with those options only)."
    )
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(["referral.referrer_reward=5"])
    assert str(refused.value) == message


def test_the_simulators_warnings_read_as_one_line_each_on_the_command_line(tmp_path):
    # they read "/.../sim/schemes/seeding.py:299: UserWarning: recruits=20 ..." and then the
    # source line that warned ("self.chosen = self._choose()"), which says nothing to a user
    small = ["network.n=500", "days=5", "run.replicates=1", "seeding.koc.recruits=20"]
    late = "seeding.ads.start_day=9"  # said by the checks before Hydra runs a job
    for sweep in ([], ["-m", "hydra/launcher=local_cores", "seed=1,2"]):  # workers warn too
        result = cli(*sweep, "seeding=mixed", *small, late, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        lines = result.stderr.strip().splitlines()
        for said, start in (("KOC pool", "seeding.koc.recruits=20 "), ("after the last", late)):
            warned = [line for line in lines if said in line]
            assert warned and all(
                line.startswith(f"referral-sim: warning: {start}") for line in warned
            ), result.stderr
        assert "UserWarning" not in result.stderr and "self." not in result.stderr
        # the sweep said the checks' warning: its worker processes do not say it again
        assert sum(line.startswith(f"referral-sim: warning: {late}") for line in lines) == 1


def test_a_sweep_asked_to_print_its_configuration_says_how_not_that_it_is_a_bug(tmp_path):
    """Hydra refuses -m with --cfg or --info; that was reported as an internal error."""
    asked = cli_process("-m", "seed=1,2", "--cfg", "job", cwd=tmp_path)
    assert asked.returncode == EXIT_BAD_INPUT
    assert "give them without -m to see a configuration (--cfg job)" in asked.stderr
    assert "bug" not in asked.stderr and "Traceback" not in asked.stderr
    assert not any(tmp_path.iterdir())  # nothing run, nothing written

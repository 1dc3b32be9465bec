"""The commands and statements of README.md and docs/experiments.md hold for the code."""

from __future__ import annotations

import dataclasses
import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim.model import REFERRAL_COLUMNS
from sim.schemes import GROUPS
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
EXPERIMENTS = (REPO / "docs" / "experiments.md").read_text(encoding="utf-8")


def documented_commands(text: str) -> list[str]:
    """Every ``referral-sim ...`` line of the fenced shell blocks of ``text``."""
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if re.match(r"(\.venv/bin/)?referral-sim( |$)", line)]


def overrides_of(command: str) -> list[str]:
    """The model overrides of a command: Hydra's keys and flags left out, a sweep's first value."""
    overrides = []
    for argument in shlex.split(command)[1:]:
        if argument.startswith("-") or argument.lstrip("+").startswith(("hydra.", "hydra/")):
            continue
        key, _, value = argument.partition("=")
        overrides.append(f"{key}={value.split(',')[0]}")
    return overrides


COMMANDS = documented_commands(README) + documented_commands(EXPERIMENTS)


def test_the_documents_hold_shell_examples():
    assert len(COMMANDS) >= 12


@pytest.mark.parametrize("command", COMMANDS)
def test_every_documented_command_composes(command):
    overrides = overrides_of(command)
    if any(o.startswith("network.path=") for o in overrides):
        path = next(o for o in overrides if o.startswith("network.path="))
        if not (REPO / path.partition("=")[2]).exists():
            pytest.skip("shared/data not beside the checkout")
        overrides = [
            o if o != path else f"network.path={REPO / path.partition('=')[2]}" for o in overrides
        ]
    config = sim.compose(overrides)
    for override in overrides:
        key, _, value = override.lstrip("+").partition("=")
        if key in ("scenario", "experiment"):  # presets: several keys, checked elsewhere
            continue
        if dataclasses.is_dataclass(getattr(config, key, None)):  # a group's option
            assert getattr(config, key).name == value, override
            continue
        node = config
        for part in key.split("."):
            node = getattr(node, part)
        assert node == yaml.safe_load(value), override


def test_the_organic_example_of_the_readme_wins_customers():
    command = next(c for c in documented_commands(README) if "seeding=organic" in c)
    metrics = sim.run(sim.compose(overrides_of(command)), progress=False).metrics.iloc[0]
    assert metrics["customers"] > 0
    # no paid channel: every customer came through a friend, and nothing was spent on ads
    assert metrics["referred_customers"] == metrics["customers"]
    assert metrics["spend_ads"] == metrics["spend_total"] == 0


def test_the_readme_names_the_reward_kind_key_of_each_paid_scheme():
    paragraph = README[README.index("Each paid referral scheme") :].split("\n\n")[0]
    paragraph = " ".join(paragraph.split())
    for name, scheme in GROUPS["referral"].items():
        kinds = [f.name for f in dataclasses.fields(scheme.config_class) if "kind" in f.name]
        for key in kinds:
            assert f"`{key}`" in paragraph and f"`{name}`" in paragraph, (name, key)
    assert "a `kind` per tier in `tiered`" in paragraph
    assert "takes `reward_kind`" not in paragraph


def test_the_experiments_guide_has_the_referral_edges_section_it_points_to():
    assert "(see [Referral edges](#referral-edges))" in EXPERIMENTS
    section = EXPERIMENTS[EXPERIMENTS.index("### Referral edges") :].split("###")[1]
    for column in ("replicate", *REFERRAL_COLUMNS):
        assert f"`{column}`" in section, column
    assert "run.save_referrals=true" in section


def test_the_readme_says_where_the_reward_sweeps_report_goes():
    # the README said "report.md + figures" and no folder: a walkthrough (4 Dec 2026) looked
    # for them in multirun/reward_sweep/, where a report by the default parameter goes
    from sim import report

    line = next(line for line in README.splitlines() if "reward_sweep --by" in line)
    sweep, by = "multirun/reward_sweep", "referral.referrer_reward"
    preset = yaml.safe_load((REPO / "conf" / "experiment" / "reward_sweep.yaml").read_text())
    swept = list(preset["hydra"]["sweeper"]["params"])  # two vary, neither is referral
    frame = pd.DataFrame({name: [0.0, 5.0] for name in swept})
    frame.attrs["parameters"] = swept
    assert report.default_by(frame) is None  # so every --by gets a folder of its own
    assert f"# report.md + figures in {report.own_folder(Path(sweep), by)}/" in line

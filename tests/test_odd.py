"""docs/odd.md: the ODD description keeps its seven elements and its parameter tables current."""

from __future__ import annotations

import re

import pytest

from sim import paramdoc
from sim.params import Range
from tests.conftest import REPO

ODD = REPO / "docs" / "odd.md"
ELEMENTS = (
    "1. Purpose and patterns",
    "2. Entities, state variables and scales",
    "3. Process overview and scheduling",
    "4. Design concepts",
    "5. Initialization",
    "6. Input data",
    "7. Submodels",
)


@pytest.fixture(scope="module")
def tables() -> dict[str, str]:
    return paramdoc.tables()


def test_odd_has_the_seven_elements_in_order():
    headings = re.findall(r"^## (.+)$", ODD.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert [h for h in headings if h[0].isdigit()] == list(ELEMENTS)


def test_parameter_tables_match_the_code(tables):
    text = ODD.read_text(encoding="utf-8")
    markers = set(re.findall(r"<!-- params:(\w+) -->", text))
    assert markers == set(tables), "docs/odd.md lacks (or has extra) parameter blocks"
    assert paramdoc.refresh(text, tables) == text, (
        "docs/odd.md parameter tables are stale: run `python -m sim.paramdoc docs/odd.md`"
    )


def test_every_parameter_has_a_default_a_meaning_and_a_source_cell(tables):
    rows = [
        [cell.strip() for cell in line.strip("| ").split(" | ")]
        for block in tables.values()
        for line in block.splitlines()
        if line.startswith("| `")
    ]
    assert len(rows) > 100
    keys = [row[0] for row in rows]
    for expected in (
        "`share.daily`",
        "`conversion.peer`",
        "`referral.tiers[].kind`",
        "`seeding.ads.cpm`",
        "`rewards.points.extractable`",
        "`network.rewire`",
    ):
        assert expected in keys
    for row in rows:
        assert len(row) == 5 and row[1] and row[3] and row[4], row


def test_a_changed_default_or_a_missing_row_is_caught(tables):
    text = ODD.read_text(encoding="utf-8")
    changed = text.replace("| `share.daily` | `0.02` |", "| `share.daily` | `0.05` |", 1)
    assert changed != text
    assert paramdoc.refresh(changed, tables) == text
    missing = re.sub(r"^\| `conversion\.peer` .*\n", "", text, count=1, flags=re.MULTILINE)
    assert missing != text
    assert paramdoc.refresh(missing, tables) == text


def test_ranges_and_values_read_as_in_yaml():
    assert paramdoc.describe_range(Range(0.0, 1.0)) == "[0, 1]"
    assert paramdoc.describe_range(Range(0.0, low_open=True)) == "> 0"
    assert paramdoc.describe_range(Range(1, integer=True)) == "integer ≥ 1"
    assert paramdoc.format_value(None) == "null"
    assert paramdoc.format_value(True) == "true"
    assert paramdoc.format_value({"1": 0.4, "3": 0.6}) == "{1: 0.4, 3: 0.6}"


def test_check_exits_1_on_stale_tables_and_the_rewrite_makes_them_current(
    tmp_path, monkeypatch, capsys
):
    # `python -m sim.paramdoc --check` is what keeps docs/odd.md current outside pytest
    monkeypatch.setattr(paramdoc, "tables", lambda: {"share": "| fresh |"})
    path = tmp_path / "odd.md"
    path.write_text("intro\n<!-- params:share -->\n| stale |\n<!-- /params:share -->\n")
    assert paramdoc.main([str(path), "--check"]) == 1
    assert capsys.readouterr().out == f"{path}: parameter tables are stale\n"
    assert "| stale |" in path.read_text()  # --check writes nothing
    assert paramdoc.main([str(path)]) == 0
    assert path.read_text() == "intro\n<!-- params:share -->\n| fresh |\n<!-- /params:share -->\n"
    assert paramdoc.main([str(path), "--check"]) == 0
    assert capsys.readouterr().out.endswith("up to date\n")

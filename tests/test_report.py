"""The report: a table with every scheme and its CIs, figures that are real images."""

from __future__ import annotations

import dataclasses
import itertools
import json
import pathlib
import platform
import re
import shutil
import subprocess
import sys

import matplotlib.colors
import matplotlib.container
import matplotlib.image
import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
import scipy.optimize
import scipy.stats
import yaml

import sim
from sim import charts, jobs, notes, provenance, report, table
from sim.compare import ComparisonError
from sim.console import counted
from sim.summary import figure as yuan_figure

SCHEMES = ("none", "one_sided", "two_sided")


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """Three schemes x 4 replicates written as a sweep's job folders (no Hydra)."""
    folder = tmp_path_factory.mktemp("report") / "sweep"
    for job, scheme in enumerate(SCHEMES):
        overrides = [f"referral={scheme}", "network.n=1500", "days=30", "run.replicates=4"]
        result = sim.run(sim.compose(overrides), progress=False)
        jobs.write_job(folder / str(job), result, {"referral": scheme}, "\n".join(overrides))
    return folder


def test_the_report_table_has_every_scheme_and_the_required_columns(sweep_folder, capsys):
    assert report.main([str(sweep_folder)]) == 0
    printed = capsys.readouterr().out
    text = (sweep_folder / "report.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header = rows[0]
    columns = ("customers", "CAC", "incremental CAC", "repurchase_rate", "repurchase_30d", "roi")
    for column in (*columns, "fraud_share"):
        assert f" {column} |" in header
    assert [row.split(" | ")[0] for row in rows[1:]] == [f"| {s}" for s in SCHEMES]
    cac_column = header.split(" | ").index("CAC")
    for row in rows[1:]:
        assert row.split(" | ")[cac_column].count("[") == 1  # a CI in every CAC cell
    assert rows[1] in printed
    # the runs and replicates, printed too (until 4 Dec 2026 in report.md only)
    runs = "12 runs; 4 replicates per setting."
    cells = "Cells are means with 95% CIs over replicates."
    assert printed.startswith(f"{runs} {cells}\n\n| referral |")
    assert text.startswith(f"# Report: {sweep_folder}\n\n{runs} Every job ran")
    # a review: budget_frontier's ROI fell from 2.34 to 1.94 with the budget partly because
    # small budgets win their customers early; the report said so of repurchase_rate only
    assert "ROI counts orders by the run's end too, so it favours a setting that won" in text


def rounded(value: float) -> str:
    """A whole number as the table writes it: -0.3 reads 0, not -0."""
    text = f"{value:,.0f}"
    return "0" if text == "-0" else text


def test_the_table_numbers_are_the_paired_comparison(sweep_folder):
    frame = sim.results.load(sweep_folder)
    text = table.format_table(sim.compare(frame))
    two_sided = next(line for line in text.splitlines() if line.startswith("| two_sided"))
    cells = two_sided.split(" | ")
    mean = frame.query("referral == 'two_sided'")["customers"].mean()
    assert cells[1].startswith(f"{mean:,.0f} [")
    # paired by replicate: the scheme's run against the baseline's run of the same replicate
    by_replicate = frame.set_index(["referral", "replicate"])[["customers", "spend_acquisition"]]
    gained = by_replicate.loc["two_sided"] - by_replicate.loc["none"]
    delta = gained["customers"]
    half = scipy.stats.t.ppf(0.975, len(delta) - 1) * delta.std(ddof=1) / np.sqrt(len(delta))
    low, high = delta.mean() - half, delta.mean() + half
    assert cells[2] == f"{delta.mean():+,.0f} [{rounded(low)}, {rounded(high)}]"
    incremental = gained["spend_acquisition"].mean() / delta.mean()
    assert cells[4].startswith(f"{incremental:,.1f} [")


def test_the_figures_are_images_of_the_expected_size(sweep_folder, tmp_path):
    report.write_report(sweep_folder, out=tmp_path)
    for name in ("adoption", "reach_cac", "repurchase", "cascades"):
        image = matplotlib.image.imread(tmp_path / f"{name}.png")
        assert image.shape[0] > 300 and image.shape[1] > 500, name
        assert image[..., :3].std() > 0.05, f"{name} is blank"
        assert f"![{name}]({name}.png)" in (tmp_path / "report.md").read_text()


def test_the_efficient_frontier_drops_dominated_schemes():
    table = pd.DataFrame({"customers": [100, 150, 120, 90], "cac": [50, 60, 70, 40]})
    assert charts.efficient(table).tolist() == [0, 1, 3]
    nobody = pd.concat([table, pd.DataFrame({"customers": [0], "cac": [np.nan]})])
    assert charts.efficient(nobody.reset_index(drop=True)).tolist() == [0, 1, 3]  # no CAC: no point


def test_an_empty_folder_exits_2_with_a_message(tmp_path, capsys):
    assert report.main([str(tmp_path)]) == 2
    assert "no finished job" in capsys.readouterr().err


def write_sweep(folder, key, values, market):
    """One job per value of ``key`` on ``market``, written as a sweep would write it."""
    for job, value in enumerate(values):
        overrides = [f"{key}={value}", *market]
        result = sim.run(sim.compose(overrides), progress=False)
        jobs.write_job(folder / str(job), result, {key: value}, "\n".join(overrides))


def test_a_sweep_of_one_replicate_per_setting_does_not_claim_confidence_intervals(tmp_path, capsys):
    # report.md said "1 replicates per setting ... Cells are means with 95% CIs" over one run
    folder = tmp_path / "sweep"
    write_sweep(folder, "referral", ("none", "two_sided"), ["network.n=300", "days=10"])
    assert report.main([str(folder)]) == 0
    text = " ".join((folder / "report.md").read_text().split())
    assert "2 runs; 1 replicate per setting." in text
    assert "Cells are single runs, with no CI (one replicate per setting)" in text
    assert "Cells are means" not in text
    assert report.ONE_REPLICATE_NOTE in text
    assert f"referral-sim-report: note: {report.ONE_REPLICATE_NOTE}" in capsys.readouterr().err


def test_settings_of_several_replicates_raise_no_note_of_one():
    assert report._cells_read(1, 3).endswith("(none for a setting of one)")
    assert report._cells_read(2, 3) == "Cells are means with 95% CIs over replicates"


OWED_NOTES = {
    "rewards awaiting verification": (
        "referral.verify",
        ("none", "holdback"),
        [
            "referral=one_sided",
            "referral.referrer_reward=50",
            "network.n=1500",
            "days=30",
            "run.replicates=3",
        ],
        "rewards_pending",
        "awaiting verification when the runs end, per run",
        "awaiting verification",
    ),
    "commissions the budget could not pay": (
        "budget.total",
        ("null", "1800"),
        ["seeding=koc_matrix", "referral=two_sided", "network.n=5000", "run.replicates=2"],
        "commissions_unbooked",
        "commissions earned after the budget ran out, per run",
        "commissions earned after",
    ),
    "a KOC commission reserve not paid out": (
        "seeding.commission_reserve",
        ("0", "300"),
        ["seeding=koc_matrix", "budget.total=3000", "network.n=5000", "run.replicates=2"],
        "commission_reserve_left",
        "KOC commission reserve held and not paid out when the runs end, per run",
        "commission reserve held",
    ),
}


@pytest.mark.parametrize("owed", list(OWED_NOTES))
def test_the_report_names_what_is_still_owed_at_the_end(sweep_folder, tmp_path, owed):
    key, (baseline, setting), market, column, note, absent = OWED_NOTES[owed]
    report.write_report(sweep_folder, out=tmp_path / "plain")  # no budget, verify=none
    assert absent not in (tmp_path / "plain" / "report.md").read_text()
    folder = tmp_path / "sweep"
    write_sweep(folder, key, (baseline, setting), market)
    written = report.written_report(folder, baseline=baseline, by=key).path
    amount = sim.results.load(folder).query(f"`{key}` == '{setting}'")[column]
    assert amount.mean() > 0
    text = written.read_text()
    assert note in text
    assert f": {setting}: {amount.mean():,.0f} yuan" in text
    if column == "commissions_unbooked":  # and what they make of the setting's CAC, ROI, profit
        runs = sim.results.load(folder).query(f"`{key}` == '{setting}'")
        roi = runs["revenue"].sum() / (runs["spend_total"] + amount).sum()
        assert "yuan (counting them: CAC " in text and f", ROI {roi:.2f} and profit " in text


def test_a_report_counting_owed_commissions_counts_them_as_spend_in_a_folder_of_its_own(tmp_path):
    # a strategist's walkthrough (4 Dec 2026): both settings use up the budget, so the report
    # said they spend alike and their incremental CAC is 0 by construction, while the one
    # without a commission reserve owed thousands more; nothing gave Δ profit counting it
    folder = tmp_path / "sweep"
    market = [
        "seeding=koc_matrix",
        "seeding.recruits=50",  # the whole pool of 50
        "budget.total=3000",
        "network.n=5000",
        "run.replicates=3",
    ]
    write_sweep(folder, "seeding.commission_reserve", ("0", "10"), market)
    runs = sim.results.load(folder).sort_values("replicate")
    runs["reserve"] = runs["seeding.commission_reserve"].astype(float)  # as written: "0", "10"
    owed = runs.groupby("reserve")["commissions_unbooked"].mean()
    assert owed[0.0] > owed[10.0] + 500  # the reserve keeps commissions inside the budget
    booked = report.written_report(folder).path.read_text()
    assert "by construction" in booked and report.COUNTED_OWED_READS not in booked
    written = report.written_report(folder, count_owed=True).path
    assert written == folder / report.COUNTING_OWED / "report.md"
    assert (folder / "report.md").read_text() == booked  # the ledger's report is kept
    text = " ".join(written.read_text().split())
    assert report.COUNTED_OWED_READS in text and "by construction" not in text
    counted = runs.assign(spend=runs["spend_acquisition"] + runs["commissions_unbooked"])
    spend = counted.groupby("reserve")["spend"].mean()
    for reserve, label in ((0.0, "0"), (10.0, "10")):
        assert f" {spend[reserve]:,.0f} [" in text, label
    profit = counted.assign(profit=counted["gross_profit"] - counted["commissions_unbooked"])
    pairs = profit.pivot(index="replicate", columns="reserve", values="profit")
    assert f"{(pairs[10.0] - pairs[0.0]).mean():+,.0f} [" in text  # Δ profit counting owed
    assert "counted as acquisition spend in the table above (--count-owed)" in text
    assert f"0: {owed[0.0]:,.0f} yuan" in text
    assert "commissions earned after the budget ran out, per run (unpaid" not in text


def test_counting_owed_commissions_in_results_that_do_not_record_them_is_refused():
    frame = pd.DataFrame({"customers": [3], "spend_acquisition": [10.0]})
    with pytest.raises(ComparisonError, match=r"^--count-owed needs each run's commissions_unbo"):
        report._counting_owed(frame)


def test_the_report_flags_incremental_cac_that_a_shared_budget_makes_zero(sweep_folder, tmp_path):
    report.write_report(sweep_folder, out=tmp_path / "plain")  # no budget, verify=none
    assert "by construction" not in (tmp_path / "plain" / "report.md").read_text()
    folder = tmp_path / "budget"
    market = ["seeding.daily_budget=1200", "budget.total=10000", "network.n=3000"]
    write_sweep(folder, "referral", ("none", "two_sided"), [*market, "run.replicates=4"])
    frame = sim.results.load(folder)
    spend = frame.pivot(index="replicate", columns="referral", values="spend_acquisition")
    assert (spend["two_sided"] - spend["none"]).abs().max() <= 0.01  # both spend it all
    report.write_report(folder)
    text = (folder / "report.md").read_text()
    assert "a group buy whose teams never fill): two_sided. Compare their customers" in text


def test_a_retention_sweeps_report_shows_what_each_scheme_spends_and_says_it_is_not_acquisition(
    tmp_path,
):
    # a review: the note called points, membership and community "a scheme that paid
    # nothing" (they pay 3,202, 658 and 203 yuan a run), and no column showed any spend
    folder = tmp_path / "retention"
    write_sweep(
        folder,
        "retention",
        ("none", "points"),
        [
            "network.n=1500",
            "days=40",
            "run.replicates=3",
            "share.after_purchase=0",
            "share.daily=0",
        ],
    )
    report.write_report(folder, by="retention")
    text = (folder / "report.md").read_text()
    header, *rows = table_cells(text)
    spend = {row[0]: row[header.index("spend")] for row in rows}
    frame = sim.results.load(folder)
    means = frame.groupby("retention")["spend_total"].mean()
    assert means["points"] > means["none"]  # points cost something
    for scheme, mean in means.items():
        assert spend[scheme].startswith(f"{mean:,.0f} [")
    # the same ads, and no sharing for repeat orders to add: since each phase of the day has
    # its own draws, points wins exactly none's customers, and the report says why it reads +0
    assert "This setting won exactly the customers of `retention=none` at exactly its" in text
    assert "every replicate: points. What they change comes after the first order" in text
    assert "spends on acquisition exactly what the baseline spends" not in text
    assert "paid nothing" not in text
    assert "Spend is all that a run spends, in yuan" in text


def write_small_job(folder, parameters, overrides):
    result = sim.run(sim.compose([*overrides, "network.n=300", "days=10"]), progress=False)
    jobs.write_job(folder, result, parameters, "\n".join(overrides))


def test_a_parent_of_sweeps_with_different_parameters_gets_a_report(tmp_path, capsys):
    write_small_job(tmp_path / "a" / "0", {"referral": "none"}, ["referral=none"])
    write_small_job(tmp_path / "a" / "1", {"referral": "two_sided"}, ["referral=two_sided"])
    for job, reward in enumerate((0, 10)):
        parameters = {"referral": "one_sided", "referral.referrer_reward": reward}
        overrides = ["referral=one_sided", f"referral.referrer_reward={reward}"]
        write_small_job(tmp_path / "b" / str(job), parameters, overrides)
    assert report.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out.splitlines()
    rows = [line.split(" | ") for line in printed if line.startswith("| ")]
    assert rows[0][:2] == ["| referral", "referral.referrer_reward"]  # the reward: an attribute
    settings = sorted(tuple(row[:2]) for row in rows[1:])
    assert settings == [
        ("| none", "default"),
        ("| one_sided", "0"),
        ("| one_sided", "10"),
        ("| two_sided", "default"),
    ]
    # none never sets the reward, so each one_sided setting is still paired with it
    delta = rows[0].index("Δ customers")
    assert all(row[delta][0] in "+-" for row in rows[1:]), rows


def test_settings_without_a_baseline_to_pair_with_say_so(tmp_path, capsys):
    # budget 2000 has no finished `none` job (still running, or failed): no "–", which reads
    # "no extra customers", but "no baseline", and a note naming the setting
    for job, (budget, scheme) in enumerate(
        [(1000, "none"), (1000, "two_sided"), (2000, "two_sided")]
    ):
        parameters = {"budget.total": budget, "referral": scheme}
        write_small_job(
            tmp_path / str(job), parameters, [f"budget.total={budget}", f"referral={scheme}"]
        )
    assert report.main([str(tmp_path)]) == 0
    captured = capsys.readouterr()
    rows = [line.split(" | ") for line in captured.out.splitlines() if line.startswith("| ")]
    columns = rows[0]
    by_setting = {(row[0], row[1]): row for row in rows[1:]}
    alone = by_setting[("| 2000", "two_sided")]
    assert alone[columns.index("Δ customers")] == table.NO_BASELINE
    assert alone[columns.index("incremental CAC")] == table.NO_BASELINE
    for level in ("customers", "CAC"):  # its own levels need no baseline: still shown
        assert alone[columns.index(level)][0].isdigit(), alone
    assert by_setting[("| 1000", "two_sided")][columns.index("Δ customers")][0] in "+-"
    note = "no referral=none replicate to pair with"
    assert note in captured.err and "budget.total=2000, referral=two_sided" in captured.err
    assert note.capitalize() in (tmp_path / "report.md").read_text()


def test_replicates_held_twice_with_other_outcomes_are_a_note_not_a_raw_warning(tmp_path, capsys):
    # two configurations the parameters do not tell apart (results kept in earlier/ from an
    # edited network file): compared once each, said as a raw Python warning with a source line
    write_small_job(tmp_path / "0", {"referral": "none"}, ["referral=none"])
    for job, seed in enumerate((1, 2), start=1):
        write_small_job(
            tmp_path / str(job), {"referral": "two_sided"}, ["referral=two_sided", f"seed={seed}"]
        )
    assert report.main([str(tmp_path)]) == 0
    err = capsys.readouterr().err
    note = "appear more than once with the same settings and other outcomes"
    assert re.search(
        rf"referral-sim-report: note: referral=two_sided: \d+ replicate\(s\) {note}", err
    )
    assert "DuplicateJobWarning" not in err
    text = (tmp_path / "report.md").read_text()
    assert note in text
    compared = sim.results.load(tmp_path).drop_duplicates(["referral", "replicate"])
    per_setting = compared.groupby("referral").size().max()  # the header counted the repeats
    assert f"{len(compared)} runs; {counted(per_setting, 'replicate')} per setting." in text


def test_an_unfinished_single_run_is_told_to_rerun_into_its_folder(tmp_path):
    # it read "1 started job ... not in this report: . (... running the sweep's command again"
    note = report.unfinished_jobs_note(tmp_path, [tmp_path])
    assert note.startswith("This run has no results yet and is not in this report")
    assert f"hydra.run.dir={tmp_path} to complete it" in note and "sweep" not in note
    assert report.unfinished_jobs_note(tmp_path, [tmp_path / "3"]).startswith("1 started job has")


def test_a_mistyped_baseline_leaves_the_last_report_in_place(sweep_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert report.main([str(sweep_folder), "--out", str(out)]) == 0
    before = (out / "report.md").read_text()
    assert report.main([str(sweep_folder), "--out", str(out), "--baseline", "None"]) == 2
    assert "baseline referral='None' is not in the results" in capsys.readouterr().err
    assert (out / "report.md").read_text() == before


def test_the_cascade_figure_draws_the_share_of_trees_at_least_each_size(monkeypatch, tmp_path):
    # trees of sizes 2, 3 and 10 (one each): P(size >= s) is 1/3 for every s from 4 to 10
    drawn = []
    monkeypatch.setattr(charts, "save_figure", lambda figure, path: drawn.append(figure) or path)
    trees = pd.DataFrame({"referral": "none", "size": [2, 3, 10], "trees": [1, 1, 1]})
    charts.plot_cascades(trees, ["referral"], tmp_path / "cascades.png")
    (line, dots) = drawn[0].axes[0].get_lines()
    assert line.get_drawstyle() == "steps-pre"
    # a dot at each observed size, at its share: the step into 3 read as P(size >= 2)
    assert dots.get_xdata().tolist() == [2, 3, 10]
    assert dots.get_ydata() == pytest.approx([1, 2 / 3, 1 / 3])
    assert dots.get_color() == line.get_color() and dots.get_linestyle() == "None"
    x, y = line.get_xdata(), line.get_ydata()

    def curve(s):  # a "steps-pre" line holds each point's value back to the point before
        return y[np.searchsorted(x, s, side="left")]

    sizes = np.array([2, 3, 10])
    for s in range(1, 11):
        assert curve(s) == pytest.approx((sizes >= s).mean()), s


def test_the_paired_adoption_panel_finds_a_numeric_baseline_given_as_text():
    days = pd.DataFrame(
        {
            "referral.referrer_reward": [0.0, 0.0, 10.0, 10.0],
            "replicate": [0, 0, 0, 0],
            "day": [1, 2, 1, 2],
            "customers": [5, 9, 6, 12],
        }
    )
    extra = charts.extra_over(days, "referral.referrer_reward", "0")  # as --baseline 0 gives it
    by_reward = extra.set_index(["referral.referrer_reward", "day"])["extra"]
    assert by_reward.to_dict() == {(0.0, 1): 0, (0.0, 2): 0, (10.0, 1): 1, (10.0, 2): 3}


def test_notes_keep_the_jobs_that_left_a_swept_key_at_its_default():
    metrics = pd.DataFrame(
        {
            "referral": ["one_sided", "two_sided", "none"],
            "referral.verify": ["holdback", None, None],
            "rewards_pending": [5.0, 7.0, 0.0],
            "job": [0, 1, 2],
        }
    )
    metrics.attrs["parameters"] = ["referral", "referral.verify"]
    (note, _) = notes.pending_rewards_note(metrics)
    assert note.endswith(": one_sided, holdback: 5 yuan; two_sided: 7 yuan.")


def test_held_orders_note_names_each_setting_that_ends_with_orders_held():
    metrics = pd.DataFrame(
        {
            "referral": ["none", "group_buy", "group_buy", "group_buy", "group_buy"],
            "referral.team_size": [None, 5, 5, 1, 1],
            "orders_held": [0, 12, 13, 0, 0],
            "job": [0, 1, 1, 2, 2],
        }
    )
    metrics.attrs["parameters"] = ["referral", "referral.team_size"]
    (note, blank) = notes.held_orders_note(metrics)
    assert note.startswith("Group-buy first orders still waiting for their teams")
    assert note.endswith("if it does not): group_buy, 5: 12.5 orders.") and blank == ""
    one = metrics.iloc[[1, 2]].drop(columns="referral.team_size")
    one.attrs["parameters"] = ["referral"]
    assert notes.held_orders_note(one)[0].endswith(": 12.5 orders.")
    assert notes.held_orders_note(metrics.iloc[[0, 3, 4]]) == []
    assert notes.held_orders_note(metrics.drop(columns="orders_held")) == []  # older results


def test_seldom_filled_note_names_each_group_buy_whose_teams_seldom_fill_in_table_order():
    metrics = pd.DataFrame(
        {
            "referral": ["none", "group_buy", "group_buy", "group_buy", "group_buy"],
            "referral.team_size": [None, 5, 5, 1, 1],
            "teams_filled": [0, 1, 0, 90, 80],
            "teams_dissolved": [0, 100, 120, 0, 0],
        }
    )
    metrics.attrs["parameters"] = ["referral", "referral.team_size"]
    (note, blank) = notes.seldom_filled_note(metrics)
    assert note.startswith(
        "Read with care: group-buy teams seldom filled (group_buy, 5: 0.5 of 110.5 teams a run "
        "filled (a team filled in 1 of 2 replicates)), so almost no group price or free order "
        "was paid, and the extra customers came from leaders inviting more of their friends"
    )
    assert blank == ""
    in_table_order = notes.seldom_filled_note(metrics, ["referral.team_size", "referral"])
    assert "(5, group_buy: 0.5 of 110.5" in in_table_order[0]
    one = metrics.iloc[[1, 2]].drop(columns="referral.team_size")
    one.attrs["parameters"] = ["referral"]
    assert "seldom filled (0.5 of 110.5 teams a run filled" in notes.seldom_filled_note(one)[0]
    assert notes.seldom_filled_note(metrics.iloc[[0, 3, 4]]) == []
    assert notes.seldom_filled_note(metrics.drop(columns="teams_filled")) == []  # older results


def test_every_note_below_the_table_is_also_said_on_standard_error(tmp_path, capsys, monkeypatch):
    # a walkthrough: the retention schemes' "0 or – by construction" note was in report.md
    # only, so the terminal's `points ... 0.0 [-inf, inf]` read like free customers
    folder = tmp_path / "sweep"
    market = ["network.n=400", "days=30", "run.replicates=2"]
    write_sweep(folder, "referral", ("none", "group_buy"), market)
    legends, draw = [], charts.reach_cac_figure

    def drawn(*arguments, **options):
        figure = draw(*arguments, **options)
        legends.append([text.get_text() for text in figure.axes[0].get_legend().get_texts()])
        return figure

    monkeypatch.setattr(charts, "reach_cac_figure", drawn)
    assert report.main([str(folder)]) == 0
    said = "same acquisition spend as the baseline; teams seldom filled: almost nothing paid"
    assert f"group_buy ({said})" in legends[0]
    said = [
        line.removeprefix("referral-sim-report: note: ")
        for line in capsys.readouterr().err.splitlines()
    ]
    text = (folder / "report.md").read_text()
    notes = text[text.index("\n\n", text.index("| group_buy")) :].split("\n\n")
    closing = notes.pop().strip()  # what the jobs were made with, after the figures: no note
    assert closing.startswith("Made with referral-sim ")
    notes = [note.strip() for note in notes if note.strip() and not note.startswith("![")]
    assert any(note.startswith("Read with care: group-buy teams seldom") for note in notes)
    assert any(note.startswith("Incremental CAC is 0 or – by construction") for note in notes)
    assert notes == said


def test_a_gain_compared_within_conditions_is_tested_for_a_difference_across_them():
    # a review: network_sensitivity's table gave +14 to +22 customers by network and no test
    rng = np.random.default_rng(3)
    rows = []
    for network, gain in (("lattice", 10.0), ("random", 10.0), ("circles", 40.0)):
        base = rng.normal(800, 30, 20)
        for scheme, extra in (("none", 0.0), ("two_sided", gain)):
            customers = base + extra + rng.normal(0, 5, 20)
            rows.append(pd.DataFrame({"network": network, "referral": scheme,
                                      "replicate": range(20), "customers": customers,
                                      "spend_acquisition": 50_000.0}))  # fmt: skip
    metrics = pd.concat(rows, ignore_index=True)
    metrics["cac"] = metrics["spend_acquisition"] / metrics["customers"]
    metrics.attrs["parameters"] = ["network", "referral"]
    comparison = sim.compare(metrics, metrics=["customers", "cac", "spend_acquisition"])
    (note, blank) = notes.differences_across_note(comparison, "referral", ["network"])
    assert blank == ""
    assert note.startswith("Does Δ customers differ across `network`? referral=two_sided: from +")
    assert re.search(r"\((?:lattice|random)\) to \+4\d \[\d+, \d+\] \(circles\) over 3 values, "
                     r"p = [0-9.e-]+ \(they differ\)\.", note)  # fmt: skip
    same = comparison.query("network != 'circles'")
    assert (
        "(no detectable difference)"
        in notes.differences_across_note(same, "referral", ["network"])[0]
    )
    assert notes.differences_across_note(comparison, "referral", []) == []


def test_a_reports_sweep_within_conditions_says_whether_the_gain_differs_across_them(tmp_path):
    for job, (n, scheme) in enumerate(itertools.product((300, 400), ("none", "two_sided"))):
        # 40 days: in 20, two_sided's Δ is 0 in every replicate at n = 400 (no spread to test)
        overrides = [f"referral={scheme}", f"network.n={n}", "days=40", "run.replicates=3"]
        result = sim.run(sim.compose(overrides), progress=False)
        parameters = {"referral": scheme, "network.n": n}
        jobs.write_job(tmp_path / str(job), result, parameters, "\n".join(overrides))
    report.write_report(tmp_path)
    text = " ".join((tmp_path / "report.md").read_text().split())
    assert "Does Δ customers differ across `network.n`? referral=two_sided: from " in text
    assert "over 2 values, p = " in text


def test_labels_leave_out_parameters_a_job_did_not_set():
    frame = pd.DataFrame(
        {"referral": ["none", "one_sided", None], "reward": [float("nan"), 10.0, 2.5]}
    )
    assert table.label_of(frame, ["referral", "reward"]).tolist() == [
        "none",
        "one_sided, 10",
        "2.5",
    ]
    assert table.label_of(frame, ["reward"]).tolist() == ["default", "10", "2.5"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing", "does not exist"), ("0/metrics.parquet", "is a file, not a results folder")],
)
def test_a_missing_folder_or_a_file_exits_2_with_a_message(
    sweep_folder, tmp_path, capsys, name, message
):
    path = tmp_path / "missing" if name == "missing" else sweep_folder / name
    assert report.main([str(path)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()


def test_an_out_path_that_is_a_file_exits_2(sweep_folder, tmp_path, capsys):
    (tmp_path / "taken").write_text("")
    assert report.main([str(sweep_folder), "--out", str(tmp_path / "taken")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_the_one_parameter_that_varies_is_compared_against_its_smallest_value(tmp_path, capsys):
    for job, reward in enumerate((10, 0, 40)):
        overrides = ["referral=one_sided", f"referral.referrer_reward={reward}"]
        write_small_job(tmp_path / str(job), {"referral.referrer_reward": reward}, overrides)
    assert report.main([str(tmp_path)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| referral.referrer_reward | customers | Δ customers |")
    # jobs 10, 0, 40: numeric settings are tabled in ascending order (job order before 1 Dec)
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| 0", "| 10", "| 40"]
    assert rows[1].split(" | ")[2] == "+0"  # the baseline against itself
    text = (tmp_path / "report.md").read_text()
    assert "against `referral.referrer_reward=0` (`none` is not among the settings" in text


def test_the_intro_names_the_parameter_compared_and_the_conditions():
    # "paired by replicate against `0`" named neither the parameter nor the pairing within
    # each value of the other one (a review of the reward_sweep preset)
    metrics = pd.DataFrame({"referral.referrer_reward": [0.0, 5.0], "job": list("ab")})
    metrics["referral.referee_discount"] = 10.0
    metrics.attrs["parameters"] = ["referral.referrer_reward", "referral.referee_discount"]
    intro = report._comparison_intro(
        metrics, 0.0, by="referral.referrer_reward", within=["referral.referee_discount"]
    )
    assert (
        "against `referral.referrer_reward=0` at the same `referral.referee_discount` "
        "(incremental CAC"
    ) in intro
    # the cells' CAC and ROI are not means of the replicates' own (since 3 Dec 2026)
    assert "CAC and ROI are pooled: all the replicates' acquisition spend over all" in intro
    assert "CAC and ROI are pooled" in report._configuration_intro(4)


def test_the_intro_names_a_whole_baseline_as_the_table_does():
    metrics = pd.DataFrame({"referral.referrer_reward": [0.0, 0.0, 5.0, 5.0], "job": list("aabb")})
    metrics.attrs["parameters"] = ["referral.referrer_reward"]
    intro = report._comparison_intro(metrics, 0.0)
    assert "against `0` (incremental CAC" in intro  # it read `0.0` beside the table's 0


def test_several_varying_parameters_without_referral_are_listed_for_by(tmp_path, capsys):
    for job, (reward, discount) in enumerate(((0, 0), (10, 5))):
        overrides = ["referral=two_sided", f"referral.referrer_reward={reward}"]
        overrides.append(f"referral.referee_discount={discount}")
        parameters = {"referral.referrer_reward": reward, "referral.referee_discount": discount}
        write_small_job(tmp_path / str(job), parameters, overrides)
    assert report.main([str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "vary across the jobs are referral.referrer_reward, referral.referee_discount" in error
    assert "--by referral.referrer_reward --baseline 0" in error
    # from Python (sim.report.compared_by, sim.compare) the same choice is made with arguments
    assert "with --by and --baseline on the command line or by= and baseline= from Python" in error
    assert "or by='referral.referrer_reward', baseline=0" in error
    assert report.main([str(tmp_path), "--by", "referral.referee_discount"]) == 0
    assert report.main([str(tmp_path), "--by", "bogus"]) == 2
    assert "results lack column 'bogus'; the parameters that vary" in capsys.readouterr().err


def test_a_report_piped_into_a_reader_that_leaves_still_writes_report_md(sweep_folder, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.report", str(sweep_folder), "--out", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()
    said = process.stderr.read().splitlines()  # the notes, and no BrokenPipeError
    assert all(line.startswith("referral-sim-report: note: ") for line in said), said
    assert process.wait(timeout=120) == 0
    assert "| none |" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("count", [1, 6, 10, 11, 20, 21, 40])
def test_every_setting_gets_its_own_colour_and_marker(count):
    styles = charts.point_styles(count)
    assert len({(style["color"], style["fmt"]) for style in styles}) == count


@pytest.mark.parametrize("count", [1, 4, 10, 15, 20, 21, 80])
def test_every_line_gets_its_own_colour_and_style_and_a_colour_of_its_own_up_to_20(count):
    styles = charts.line_styles(count)
    assert len({(style["color"], style["ls"]) for style in styles}) == count
    assert len({style["color"] for style in styles}) == min(count, 20)


def test_many_settings_put_the_legend_beside_the_data_not_over_it():
    def table(count: int) -> pd.DataFrame:
        rewards = [float(r) for r in range(count)]
        frame = pd.DataFrame({"referral.referrer_reward": rewards, "cac": rewards})
        frame["customers"] = [900.0 + r for r in rewards]
        for metric in ("cac", "customers"):
            frame[f"{metric}_low"], frame[f"{metric}_high"] = frame[metric] - 1, frame[metric] + 1
        return frame

    for count, beside in ((4, False), (15, True)):
        figure = charts.reach_cac_figure(table(count), ["referral.referrer_reward"])
        assert legend_is_beside_the_axes(figure) == beside


def legend_is_beside_the_axes(figure) -> bool:
    """Whether the legend of ``figure``'s first axes lies right of them (the figure is closed)."""
    figure.canvas.draw()
    axes = figure.axes[0]
    beside = axes.get_legend().get_window_extent().x0 >= axes.get_window_extent().x1
    charts.plt.close(figure)
    return beside


def test_a_long_legend_entry_puts_the_legend_beside_the_data_however_few_the_settings():
    # a first-time user's review (4 Dec 2026): group_buy's long entry ("teams seldom filled:
    # almost nothing paid") widened the legend inside the axes over group_buy's own point
    table = pd.DataFrame({"referral": ["none", "group_buy"], "cac": [70.0, 64.0]})
    table["customers"] = [780.0, 840.0]
    for metric in ("cac", "customers"):
        table[f"{metric}_low"], table[f"{metric}_high"] = table[metric] - 1, table[metric] + 1
    for seldom, beside in (((), False), (("group_buy",), True)):
        figure = charts.reach_cac_figure(table, ["referral"], seldom=seldom)
        assert legend_is_beside_the_axes(figure) == beside


def test_adoption_keeps_each_settings_colour_in_both_panels_with_one_legend_beside_them():
    rewards = [0.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0]
    series = pd.DataFrame(
        [
            {"referral.referrer_reward": r, "replicate": rep, "day": day, "customers": day * r}
            for r in rewards
            for rep in range(3)
            for day in range(5)
        ]
    )
    series = series[(series["referral.referrer_reward"] != 2.0) | (series["replicate"] < 2)]
    for count, beside in ((4, False), (8, True)):
        kept = series[series["referral.referrer_reward"].isin(rewards[:count])]
        figure = charts.adoption_figure(kept, ["referral.referrer_reward"], baseline=0)
        figure.canvas.draw()
        left, right = figure.axes
        assert (left.get_legend() is None) == beside
        legend = right.get_legend().get_window_extent()
        assert (legend.x0 >= right.get_window_extent().x1) == beside
        colours = [{line.get_label(): line.get_color() for line in a.lines} for a in figure.axes]
        assert colours[0] == colours[1] and len(set(colours[0].values())) == count
        charts.plt.close(figure)


SWEEPS_OF_TWO_PARAMETERS = {
    # the table pairs each reward with reward 0 at the same discount: discount 0's rewards
    # first, where the jobs ran reward 0's discounts first
    "rewards within discounts": (
        ("referral.referrer_reward", (0, 5)),
        ("referral.referee_discount", (0, 10)),
        ["referral=two_sided"],
        ["--by", "referral.referrer_reward", "--baseline", "0"],
    ),
    # the table names the uncapped setting "default"; the time series and cascades hold null
    "a setting with no value": (
        ("budget.total", (None, 500)),
        ("referral.referrer_reward", (0, 10)),
        ["referral=one_sided"],
        ["--by", "budget.total", "--baseline", "null"],
    ),
}


def drawn_settings(name: str, figure) -> dict[str, tuple]:
    """``{setting: (colour, line style or marker)}`` as a report's figure drew them, in order."""
    axes = figure.axes[0]
    if name == "reach_cac":
        return {
            bars.get_label().removesuffix(" (same acquisition spend as the baseline)"): (
                matplotlib.colors.to_hex(bars.lines[0].get_color()),
                bars.lines[0].get_marker(),
            )
            for bars in axes.containers
        }
    if name == "repurchase":
        ticks = [tick.get_text() for tick in axes.get_xticklabels()]
        bars = [c for c in axes.containers if isinstance(c, matplotlib.container.BarContainer)]
        rate = bars[0]  # repurchase_rate, a bar per setting
        colours = [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in rate.patches]
        return {tick: (colour,) for tick, colour in zip(ticks, colours, strict=True)}
    return {
        line.get_label(): (matplotlib.colors.to_hex(line.get_color()), line.get_linestyle())
        for line in axes.lines
        if not line.get_label().startswith("_")  # not a setting (the sizes' dots)
    }


@pytest.mark.parametrize("sweep", list(SWEEPS_OF_TWO_PARAMETERS))
def test_a_setting_looks_the_same_in_every_figure_and_comes_in_the_tables_order(
    tmp_path, monkeypatch, capsys, sweep
):
    # each figure gave the settings styles of its own: reach_cac.png in the table's order,
    # adoption.png and cascades.png in job order; a review saw `5, 0` light blue in one and
    # orange dash-dot in another, and `circles, none` dark blue in reach_cac.png but pink in
    # cascades.png, where dark blue was `lattice, none`; the repurchase bars took the metric's
    (first, firsts), (second, seconds), market, options = SWEEPS_OF_TWO_PARAMETERS[sweep]
    job = 0
    for one in firsts:
        for other in seconds:
            overrides = [*market, f"{first}={'null' if one is None else one}", f"{second}={other}"]
            write_small_job(tmp_path / str(job), {first: one, second: other}, overrides)
            job += 1
    drawn = {}

    def kept(figure, path):
        drawn[path.stem] = figure
        return path

    monkeypatch.setattr(charts, "save_figure", kept)
    assert report.main([str(tmp_path), *options]) == 0
    assert set(drawn) >= {"adoption", "reach_cac", "repurchase"}
    settings = {name: drawn_settings(name, figure) for name, figure in drawn.items()}
    legend = drawn["reach_cac"].axes[0].get_legend()
    title, entries = legend.get_title().get_text(), [t.get_text() for t in legend.get_texts()]
    for figure in drawn.values():
        charts.plt.close(figure)
    # a label reads as its table row: the columns in the table's order (the conditions, then
    # the parameter compared), where the legends had the sweep's order; the frontier last
    by = options[options.index("--by") + 1]  # no default --by: the report's own folder
    written = pathlib.Path(capsys.readouterr().out.splitlines()[-1].split()[1])  # "report: …"
    # `--baseline 0` names the smallest reward, the default; null is not budget.total's (500)
    assert written.parent.name == {"0": f"by_{by}", "null": f"by_{by}_vs_null"}[options[-1]]
    header, *rows = table_cells(written.read_text())
    named = header[: header.index("customers")]
    assert title == ", ".join(named)
    settings_entries = [entry for entry in entries if not entry.startswith(charts.NOT_SETTINGS)]
    assert entries[: len(settings_entries)] == settings_entries  # what is not a setting: last
    shown = [
        entry.removesuffix(" (same acquisition spend as the baseline)")
        for entry in settings_entries
    ]
    assert shown == [", ".join(row[: len(named)]) for row in rows]
    table = {s: style[0] for s, style in settings["reach_cac"].items()}  # rows, in order
    assert len(table) == 4 and len(set(table.values())) == 4  # a colour each
    assert "cascades" in settings
    for name in ("adoption", "cascades", "repurchase"):
        styles = settings[name]
        colours = {s: style[0] for s, style in styles.items()}
        assert colours == {s: table.get(s) for s in styles}, name
        assert list(styles) == [s for s in table if s in styles], name  # the table's order
    assert list(settings["adoption"]) == list(table)  # every setting has a time series
    # the lines share the line style too, not only the colour
    assert settings["cascades"] == {s: settings["adoption"][s] for s in settings["cascades"]}


def test_only_a_setting_other_than_the_baseline_with_its_spend_and_customers_is_won_alike():
    frame = pd.DataFrame({"retention": ["none", "points", "membership", "community"]})
    frame["delta_customers"] = [0.0, 0.0, 4.0, 0.0]
    frame["delta_spend_acquisition"] = [0.0, 0.0, 0.0, 30.0]  # community: other ads spend
    for metric in ("delta_customers", "delta_spend_acquisition"):
        frame[f"{metric}_low"], frame[f"{metric}_high"] = frame[metric] - 1, frame[metric] + 1
    frame.loc[[0, 1], ["delta_customers_low", "delta_customers_high"]] = 0.0
    frame.loc[[0, 1], ["delta_spend_acquisition_low", "delta_spend_acquisition_high"]] = 0.0
    assert table.same_as_baseline(frame, "retention", "none").tolist() == [0, 1, 0, 0]
    assert table.same_as_baseline(frame, "retention", "points").tolist() == [1, 0, 0, 0]
    assert not table.same_as_baseline(
        frame.drop(columns="delta_spend_acquisition"), "retention", "none"
    ).any()
    # a setting with no baseline replicate to pair with has empty Δ cells: it won nothing alike
    unpaired = frame.copy()
    unpaired.loc[1, [c for c in frame.columns if c.startswith("delta_")]] = np.nan
    assert table.same_as_baseline(unpaired, "retention", "none").tolist() == [0, 0, 0, 0]
    assert not table.same_spend_as_baseline(unpaired)[1]


def test_a_setting_that_won_customers_at_the_baselines_spend_is_drawn_hollow_and_named():
    frame = pd.DataFrame(
        {"referral": ["none", "two_sided", "group_buy"], "cac": [61.0, 60.0, 55.0]}
    ).assign(customers=[880.0, 897.0, 990.0])
    frame["delta_customers"] = frame["customers"] - 880.0
    frame["delta_spend_acquisition"] = [0.0, 900.0, 0.0]  # group buy never paid a reward
    for metric in ("cac", "customers", "delta_customers", "delta_spend_acquisition"):
        frame[f"{metric}_low"], frame[f"{metric}_high"] = frame[metric] * 0.99, frame[metric] * 1.01
    assert table.same_spend_as_baseline(frame).tolist() == [False, False, True]
    figure = charts.reach_cac_figure(frame, ["referral"])
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert "group_buy (same acquisition spend as the baseline)" in legend and "two_sided" in legend
    # group_buy beats both on both: they are crossed out; one undominated setting: no line
    assert struck_out(figure) == [(60.0, 897.0), (61.0, 880.0)]
    assert not frontier_lines(figure)
    charts.plt.close(figure)
    seldom = charts.reach_cac_figure(frame, ["referral"], seldom={"group_buy", "two_sided"})
    legend = [text.get_text() for text in seldom.axes[0].get_legend().get_texts()]
    assert legend[:3] == [
        "none",
        "two_sided (teams seldom filled: almost nothing paid)",
        "group_buy (same acquisition spend as the baseline; teams seldom filled: almost nothing "
        "paid)",
    ]
    charts.plt.close(seldom)


@pytest.mark.parametrize(("settings", "labelled"), [(5, True), (30, True), (31, False)])
def test_a_large_sweeps_figures_name_no_setting_but_say_why(settings, labelled):
    figure, axes = charts.plt.subplots()
    for value in range(settings):
        axes.plot([0, 1], [value, value], label=f"reward {value}")
    axes.plot([0, 1], [0, 1], label="efficient frontier")
    charts.settings_legend(axes, ["referral.referrer_reward"])
    shown = [text.get_text() for text in axes.get_legend().get_texts()]
    notes = [text.get_text() for text in axes.texts]
    if labelled:
        assert len(shown) == settings + 1 and not notes
    else:
        assert shown == ["efficient frontier"]
        assert notes == [f"{settings} settings: too many to label (see the table)"]
    charts.plt.close(figure)


def test_labels_do_not_depend_on_the_frames_index():
    frame = pd.DataFrame({"referral": ["a", "b", "a"], "x": [1.0, None, 1.0]}, index=[0, 0, 1])
    assert table.label_of(frame, ["referral", "x"]).tolist() == ["a, 1", "b", "a, 1"]


def test_a_setting_with_no_value_is_compared_not_dropped(tmp_path, capsys):
    # budget.total=null (no cap) next to a cap: grouping used to drop the null setting
    write_small_job(tmp_path / "0", {"budget.total": None}, ["budget.total=null"])
    write_small_job(tmp_path / "1", {"budget.total": 500.0}, ["budget.total=500"])
    assert report.main([str(tmp_path), "--baseline", "null"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    cells = {row.split(" | ")[0]: row.split(" | ") for row in rows[1:]}
    assert set(cells) == {"| default", "| 500"}
    assert cells["| default"][2] == "+0"  # the baseline against itself
    assert cells["| 500"][2].startswith("-")  # a cap of 500 yuan wins fewer customers


def test_an_out_folder_that_cannot_be_made_exits_2(sweep_folder, tmp_path, capsys):
    (tmp_path / "taken").write_text("")
    assert report.main([str(sweep_folder), "--out", str(tmp_path / "taken" / "out")]) == 2
    assert "cannot write the report to" in capsys.readouterr().err


def test_by_a_measured_column_is_refused_naming_the_parameters(sweep_folder, tmp_path, capsys):
    assert report.main([str(sweep_folder), "--by", "cac", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "'cac' is measured, not set: --by (by= from Python) takes a parameter" in error
    assert "referral" in error


def test_by_a_parameter_that_never_varies_is_refused_naming_those_that_do(tmp_path, capsys):
    for job, scheme in enumerate(("none", "two_sided")):
        overrides = [f"referral={scheme}", "seed=7"]
        write_small_job(tmp_path / str(job), {"referral": scheme, "seed": 7}, overrides)
    assert report.main([str(tmp_path), "--by", "seed"]) == 2
    error = capsys.readouterr().err
    assert "'seed' takes one value in every job (7): nothing to compare by it" in error
    assert "the parameters that vary across the jobs are referral" in error
    assert report.main([str(tmp_path), "--by", "referral"]) == 0


def test_a_report_that_fails_part_way_leaves_no_report_md_of_an_older_snapshot(
    sweep_folder, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    report.write_report(sweep_folder, out=out)
    assert (out / "report.md").is_file()

    def killed(*arguments, **keywords):
        raise KeyboardInterrupt  # as a Ctrl-C or a kill while the figures are drawn

    monkeypatch.setattr(report, "plot_reach_cac", killed)
    with pytest.raises(KeyboardInterrupt):
        report.write_report(sweep_folder, out=out)
    assert not (out / "report.md").exists()  # not beside the new adoption.png


def test_every_table_of_a_report_reads_the_same_jobs(sweep_folder, tmp_path, monkeypatch):
    late = tmp_path / "sweep"
    shutil.copytree(sweep_folder, late)
    loads = []
    original = sim.results.load

    def load_then_a_job_finishes(paths, table="metrics"):
        frame = original(paths, table)
        loads.append((table, sorted(set(frame["job"]))))
        if not (late / "9").exists():  # a job of the running sweep finishes after the metrics
            shutil.copytree(late / "2", late / "9")
            record = json.loads((late / "9" / jobs.JOB).read_text())
            (late / "9" / jobs.JOB).write_text(json.dumps({**record, "digest": "later"}))
        return frame

    monkeypatch.setattr(sim.results, "load", load_then_a_job_finishes)
    report.write_report(late, out=tmp_path / "out")
    assert len(loads) >= 2 and all(jobs_ == loads[0][1] for _, jobs_ in loads)


def test_a_bug_in_the_report_is_not_passed_off_as_bad_input(sweep_folder, tmp_path, monkeypatch):
    def broken(*arguments, **keywords):
        raise ValueError("a bug while drawing")

    monkeypatch.setattr(report, "plot_repurchase", broken)
    with pytest.raises(ValueError, match="a bug while drawing"):  # a traceback, not exit 2
        report.main([str(sweep_folder), "--out", str(tmp_path / "out")])
    assert report.main([str(sweep_folder), "--baseline", "bogus", "--out", str(tmp_path)]) == 2


def test_a_wrong_by_suggests_the_baseline_the_report_would_use(tmp_path, capsys):
    # with commission and none, the alphabetically smallest setting is commission, but the
    # report's baseline is none when present (a user was told --baseline commission)
    for job, scheme in enumerate(("commission", "none")):
        write_small_job(tmp_path / str(job), {"referral": scheme}, [f"referral={scheme}"])
    assert report.main([str(tmp_path), "--by", "referal"]) == 2
    assert "e.g. --by referral --baseline none" in capsys.readouterr().err


def test_a_sweeps_failed_jobs_are_named_in_the_report_not_left_out_silently(tmp_path, capsys):
    for job, scheme in enumerate(("none", "one_sided", "two_sided")):
        write_small_job(tmp_path / str(job), {"referral": scheme}, [f"referral={scheme}"])
    (tmp_path / "1" / "metrics.parquet").unlink()  # job 1 failed: a record, no results
    (tmp_path / "1" / "failed.json").write_text('{"kind": "out of memory", "exit_code": 1}')
    assert report.main([str(tmp_path)]) == 0
    note = (
        "1 failed job is not in this report: 1. Each folder's failed.json says why; running "
        "the sweep's command again retries them."
    )
    assert note in capsys.readouterr().err and note in (tmp_path / "report.md").read_text()
    (tmp_path / "1" / "failed.json").write_text('{"kind": "invalid configuration", "exit_code": 2}')
    assert report.main([str(tmp_path)]) == 0
    assert "failed.json says why; fix the values it names, then run" in capsys.readouterr().err
    rows = [line for line in (tmp_path / "report.md").read_text().splitlines() if "| " in line]
    assert not any(row.startswith("| one_sided") for row in rows)


def table_cells(text):
    """The cells of each row of the Markdown table in ``text`` (header first)."""
    rows = [line.strip() for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


# each metric of the one-configuration table: its column, format and the values it can take
OWN_METRICS = {
    "customers": ("customers", "{:,.0f}", (0, np.inf)),
    "cac": ("CAC", "{:,.1f}", (0, np.inf)),
    "repurchase_rate": ("repurchase_rate", "{:.3f}", (0, 1)),
    "roi": ("roi", "{:.2f}", (0, np.inf)),
    "gross_profit": ("profit", "{:,.0f}", (-np.inf, np.inf)),
}
POOLED_FROM = {"cac": ("spend_acquisition", "customers"), "roi": ("revenue", "spend_total")}


def t_interval_of_mean(values: pd.Series) -> tuple[float, float, float]:
    half = scipy.stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return values.mean(), values.mean() - half, values.mean() + half


def fieller_by_root_finding(top: pd.Series, bottom: pd.Series) -> tuple[float, float, float]:
    """mean(top) / mean(bottom) and the ratios where the t-test of top - r bottom is at its edge."""
    ratio, quantile = top.mean() / bottom.mean(), scipy.stats.t.ppf(0.975, len(top) - 1)

    def edge(r: float) -> float:
        differences = top - r * bottom
        return abs(differences.mean()) / scipy.stats.sem(differences) - quantile

    width = 10 * abs(ratio)  # both ends lie within it when the denominator is far from 0
    low = scipy.optimize.brentq(edge, ratio - width, ratio)
    return ratio, low, scipy.optimize.brentq(edge, ratio, ratio + width)


@pytest.mark.parametrize(
    ("parameters", "label"),
    [
        ({}, "default"),  # `referral-sim`, nothing overridden: exited 2 ("nothing to compare")
        ({"referral": "two_sided"}, "referral=two_sided"),  # was compared with itself
    ],
)
def test_a_single_run_gets_a_report_of_its_own_metrics(tmp_path, capsys, parameters, label):
    folder = tmp_path / "run"
    overrides = [*(f"{key}={value}" for key, value in parameters.items()), "run.replicates=4"]
    write_small_job(folder, parameters, overrides)  # run.replicates is not recorded: as if default
    assert report.main([str(folder)]) == 0
    printed = capsys.readouterr().out
    header, *rows = table_cells(printed)
    assert header == [
        "configuration",
        "customers",
        "spend",
        "CAC",
        "repurchase_rate",
        "repurchase_30d",
        "repurchase_30d, referred",
        "roi",
        "profit",
        "fraud_share",
    ]
    assert len(rows) == 1 and rows[0][0] == label
    own = pd.read_parquet(folder / "metrics.parquet")
    assert len(own) == 4
    for metric, (column, fmt, (lowest, highest)) in OWN_METRICS.items():
        if metric in POOLED_FROM:  # all the replicates' spend over all their customers, say
            mean, low, high = fieller_by_root_finding(*(own[part] for part in POOLED_FROM[metric]))
        else:
            mean, low, high = t_interval_of_mean(own[metric])
        low, high = max(low, lowest), min(high, highest)
        expected = f"{fmt.format(mean)} [{fmt.format(low)}, {fmt.format(high)}]"
        assert rows[0][header.index(column)] == expected, metric
    assert "Nothing to compare against: no parameter varies across the jobs" in printed
    assert "referral-sim -m referral=none,two_sided" in printed
    text = (folder / "report.md").read_text()
    assert f"| {label} | {' | '.join(rows[0][1:])} |" in text
    assert "Nothing to compare against" in text and "no Δ customers" in text
    for name in ("adoption", "repurchase", "cascades"):
        assert f"![{name}]({name}.png)" in text and (folder / f"{name}.png").is_file()
    assert not (folder / "reach_cac.png").exists() and "reach-versus-CAC figure" in text


def test_by_or_baseline_on_a_single_run_say_there_is_nothing_to_compare(tmp_path, capsys):
    # scripts that report a sweep while one setting has results keep working (exit 0)
    folder = tmp_path / "run"
    parameters = {"referral": "two_sided", "run.replicates": 2}
    write_small_job(folder, parameters, ["referral=two_sided", "run.replicates=2"])
    assert report.main([str(folder)]) == 0
    alone = capsys.readouterr().out
    for options in (
        ["--by", "referral"],
        ["--baseline", "none"],
        ["--by", "referral", "--baseline", "two_sided"],
    ):
        assert report.main([str(folder), *options]) == 0
        printed = capsys.readouterr().out
        assert f"{' '.join(options)}: Nothing to compare against: no parameter varies" in printed
        assert printed.split("\n\n")[:2] == alone.split("\n\n")[:2]  # the same table
    assert alone.startswith("One configuration, 2 replicates.\n\n| configuration |")
    assert report.main([str(folder), "--by", "seed"]) == 2  # not a parameter of the run
    error = capsys.readouterr().err
    assert "results lack column 'seed'; no parameter varies" in error
    assert "leave out --by and --baseline for the report of this one configuration" in error


def test_a_sweep_whose_other_job_failed_is_not_told_to_wait_for_it(tmp_path, capsys):
    # a review: "1 other started job does not have results yet; report again when a second
    # setting has finished" of a job that had failed, which waiting never finishes
    write_small_job(tmp_path / "0", {"referral": "none"}, ["referral=none"])
    (tmp_path / "1" / ".hydra").mkdir(parents=True)
    (tmp_path / "1" / "failed.json").write_text('{"kind": "invalid configuration", "exit_code": 2}')
    assert report.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert (
        "only one setting has results here, and 1 other job failed (see below); report again "
        "once the sweep's command, run again, has finished a second setting." in printed
    )
    assert "does not have results yet" not in printed
    (tmp_path / "2" / ".hydra").mkdir(parents=True)  # and one still running
    assert report.main([str(tmp_path)]) == 0
    assert (
        "and 1 other started job does not have results yet and 1 job failed (see below); "
        "report again when a second setting has finished." in capsys.readouterr().out
    )


def test_a_sweep_with_one_setting_finished_says_the_others_have_no_results_yet(tmp_path, capsys):
    write_small_job(tmp_path / "0", {"referral": "none"}, ["referral=none"])
    (tmp_path / "1" / ".hydra").mkdir(parents=True)  # started by Hydra, no results yet
    (tmp_path / "2" / ".hydra").mkdir(parents=True)
    assert report.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert (
        "Nothing to compare yet: only one setting has results here, and 2 other started jobs do"
        in printed
    )
    assert "referral-sim -m" not in printed  # the sweep was run: no advice to run it
    write_small_job(tmp_path / "2", {"referral": "none"}, ["referral=none"])
    assert report.main([str(tmp_path)]) == 0
    assert (
        "and 1 other started job does not have results yet (see below)" in capsys.readouterr().out
    )
    assert (
        "1 started job has no results yet and is not in this report: 1. Still"
        in (tmp_path / "report.md").read_text()
    )


def test_a_killed_or_running_job_is_named_not_dropped_from_the_table_silently(tmp_path, capsys):
    # a job killed part way (a .hydra folder and kept replicates, no results and no failure
    # record) left its setting out of the table, and nothing said so
    for job, scheme in enumerate(("none", "one_sided", "two_sided", "group_buy")):
        write_small_job(tmp_path / str(job), {"referral": scheme}, [f"referral={scheme}"])
    for job in ("1", "3"):
        (tmp_path / job / "metrics.parquet").unlink()
        (tmp_path / job / ".hydra").mkdir(exist_ok=True)
    assert report.main([str(tmp_path)]) == 0
    note = (
        "2 started jobs have no results yet and are not in this report: 1, 3. Still running, "
        "or stopped by Ctrl-C or a kill: running the sweep's command again completes them, "
        "from the replicates they kept. Jobs the sweep had not started yet have no folder and "
        "are not counted here."
    )
    assert note in capsys.readouterr().err and note in (tmp_path / "report.md").read_text()
    rows = [line for line in (tmp_path / "report.md").read_text().splitlines() if "| " in line]
    assert [row.split("|")[1].strip() for row in rows[1:]] == ["none", "two_sided"]


def test_a_sweep_whose_every_job_failed_says_so_not_only_that_nothing_finished(tmp_path, capsys):
    for job in ("0", "1"):
        (tmp_path / job / ".hydra").mkdir(parents=True)
        (tmp_path / job / "failed.json").write_text('{"kind": "disk full", "exit_code": 1}')
    assert report.main([str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert (
        f"no finished job (metrics.parquet) under {tmp_path}: nothing to load. 2 failed jobs"
        in (error)
    )
    assert "are not in this report: 0, 1. Each folder's failed.json says why" in error
    assert ".." not in error


def test_the_configuration_names_a_parameter_set_to_null():
    metrics = pd.DataFrame({"referral": ["two_sided"] * 2, "seeding.end_day": [None, None]})
    metrics.attrs["parameters"] = ["referral", "seeding.end_day"]
    assert report.configuration_label(metrics) == "referral=two_sided, seeding.end_day=null"
    metrics.attrs["parameters"] = []
    assert report.configuration_label(metrics) == "default"


def test_a_mean_that_rounds_to_zero_reads_0_not_minus_0():
    # Δ customers of -0.3 [-0.4, 36.2] read "-0 [-0, 36]" (and "-0 [-37, 36]" in a real report)
    near_zero = {"delta_customers": (-0.3, -0.4, 36.2), "cac": (-0.01, -0.04, 0.02)}

    def cell(scheme, metric):  # mean, low, high, replicates
        return (0.0, 0.0, 0.0, 4) if scheme == "none" else (*near_zero.get(metric, (1, 0, 2)), 4)

    rows = [
        (scheme, metric, *cell(scheme, metric))
        for scheme in ("none", "two_sided")
        for metric, _, _ in table.TABLE
    ]
    comparison = pd.DataFrame(
        rows, columns=["referral", "metric", "mean", "ci_low", "ci_high", "replicates"]
    )
    text = table.format_table(comparison)  # the report's Markdown and printout
    assert not re.search(r"-0(?![.\d])", text)  # no negative zero
    header, _, two_sided = table_cells(text)
    assert two_sided[header.index("Δ customers")] == "+0 [0, 36]"  # as the baseline's +0
    # a cell whose every value is below its last decimal gets the decimals to show them (it
    # read "0.0 [0.0, 0.0]" until 3 Dec 2026: see enough_decimals)
    assert two_sided[header.index("CAC")] == "-0.010 [-0.040, 0.020]"


def test_notes_name_the_settings_whose_replicates_left_out_an_undefined_cac():
    metrics = pd.DataFrame(
        {
            "seeding": ["ads"] * 3 + ["kol"] * 3,
            "customers": [900.0, 880, 870, 3, 0, 0],
            "cac": [60.0, 61, 62, 400, np.nan, np.nan],
            "repurchase_rate": [0.2, 0.2, 0.2, 0.3, np.nan, np.nan],
        }
    )
    metrics.attrs["parameters"] = ["seeding"]
    (note, _) = notes.undefined_note(metrics)
    assert note.startswith("Undefined (a ratio with nothing to divide by")
    # CAC is pooled over every replicate (spend and customers), so it left none out
    assert note.endswith(": kol: repurchase_rate in 2 of 3 replicates.")
    assert "ads" not in note
    assert notes.undefined_note(metrics[metrics.seeding == "ads"]) == []


def test_notes_say_why_a_column_or_a_settings_cell_is_undefined_in_every_replicate():
    metrics = pd.DataFrame(
        {
            "seeding": ["ads"] * 2 + ["kol"] * 2,
            "customers": [900.0, 880, 0, 0],
            "cac": [60.0, 61, np.nan, np.nan],  # kol won nobody: its whole cell is undefined
            "repurchase_30d": [np.nan] * 4,  # a 20-day run: the whole column
        }
    )
    metrics.attrs["parameters"] = ["seeding"]
    (note, _) = notes.undefined_note(metrics)
    assert note == (
        "Undefined in every replicate (`–` in the table): repurchase_30d (no customer acquired "
        "30+ days before the end); kol: cac (no customer won)."
    )


def test_a_rerun_with_more_replicates_is_the_same_configuration_and_pairs(tmp_path, capsys):
    # run.replicates was a setting: a baseline rerun with more replicates paired with nothing
    for job, (scheme, count) in enumerate((("none", 4), ("two_sided", 3), ("none", 2))):
        given = {"referral": scheme, "run.replicates": count}
        overrides = [f"referral={scheme}", f"run.replicates={count}"]
        write_small_job(tmp_path / str(job), given, overrides)
    assert report.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "no baseline" not in printed and "run.replicates" not in printed
    rows = {cells[0]: cells for cells in table_cells(printed)[1:]}
    assert set(rows) == {"none", "two_sided"} and rows["two_sided"][2] != "no baseline"
    assert "7 runs; 3–4 replicates per setting" in (tmp_path / "report.md").read_text()
    assert report.main([str(tmp_path), "--by", "run.replicates"]) == 2
    assert "'run.replicates' is how many replicates a job ran, not a setting" in (
        capsys.readouterr().err
    )
    series = sim.results.load(tmp_path, "timeseries")
    once = report.distinct_replicates(series, ["referral"])  # what the adoption figure averages
    assert len(series) == len(once) + 2 * 11  # replicates 0 and 1 of none, days 0..10, twice
    assert once.groupby("referral")["replicate"].nunique().to_dict() == {"none": 4, "two_sided": 3}
    assert not once.duplicated(["referral", "replicate", "day"]).any()
    (tmp_path / "1" / "metrics.parquet").unlink()  # only none left, at 4 and 2 replicates
    assert report.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out  # one configuration, not two, its 4 runs once each
    assert "| referral=none |" in printed  # whichever job came first (not a setting)
    assert "One configuration, 4 replicates." in (tmp_path / "report.md").read_text()


def test_the_frontier_is_drawn_within_each_condition_not_across_markets():
    # one frontier ran across network.n: a market twice the size has more customers, so every
    # setting of the smaller one read as dominated
    frame = pd.DataFrame(
        {
            "network.n": [1000, 1000, 1000, 2000, 2000, 2000],
            "referral": ["none", "one_sided", "two_sided"] * 2,
            "customers": [90.0, 95.0, 92.0, 180.0, 186.0, 181.0],
            "cac": [60.0, 62.0, 64.0, 58.0, 59.0, 61.0],
        }
    )
    for metric in ("cac", "customers"):
        frame[f"{metric}_low"], frame[f"{metric}_high"] = frame[metric] - 1, frame[metric] + 1
    figure = charts.reach_cac_figure(frame, ["network.n", "referral"], ["network.n"])
    lines = frontier_lines(figure)
    joined = sorted(tuple(zip(*line.get_data(), strict=True)) for line in lines)
    assert joined == [((58.0, 180.0), (59.0, 186.0)), ((60.0, 90.0), (62.0, 95.0))]
    assert struck_out(figure) == [(61.0, 181.0), (64.0, 92.0)]  # two_sided, in each market
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    frontier = "efficient frontier (within each network.n), coloured as its settings"
    assert legend.count(frontier) == 1
    assert legend.count(charts.dominated_label(["network.n"])) == 1
    # each market's frontier in its settings' colour (until 4 Dec 2026 all black, alike)
    points = {bars.lines[0].get_color() for bars in figure.axes[0].containers}
    line_colours = [matplotlib.colors.to_hex(line.get_color()) for line in lines]
    assert len(set(line_colours)) == 2
    assert set(line_colours) <= {matplotlib.colors.to_hex(colour) for colour in points}
    charts.plt.close(figure)
    across = charts.reach_cac_figure(frame, ["network.n", "referral"])  # no condition given
    (line,) = frontier_lines(across)
    assert list(zip(*line.get_data(), strict=True)) == [(58.0, 180.0), (59.0, 186.0)]
    assert len(struck_out(across)) == 4
    charts.plt.close(across)


def frontier_lines(figure) -> list:
    """The efficient frontiers a reach figure drew (the first labelled, the others hidden)."""
    labels = (charts.FRONTIER, "_frontier")
    return [line for line in figure.axes[0].lines if line.get_label().startswith(labels)]


def struck_out(figure) -> list[tuple[float, float]]:
    """The (CAC, customers) of the points a reach figure crossed out as dominated, sorted."""
    crosses = [line for line in figure.axes[0].lines if line.get_marker() == "x"]
    return sorted((x, y) for line in crosses for x, y in zip(*line.get_data(), strict=True))


def test_of_two_settings_in_each_condition_only_a_dominated_one_is_marked():
    # network_sensitivity's reach figure ringed 13 of its 14 points: of two settings, both are
    # usually efficient, so the rings and the lines joining each pair said nothing
    settings = {
        "network": ["lattice", "lattice", "random", "random", "circles", "circles"],
        "referral": ["none", "two_sided"] * 3,
        "cac": [69.5, 69.2, 70.0, 68.9, 69.0, 70.1],
    }
    frame = a_wide_table({**settings, "customers": [780.0, 795.0, 772.0, 796.0, 790.0, 782.0]})
    figure = charts.reach_cac_figure(frame, ["network", "referral"], ["network"])
    axes = figure.axes[0]
    # lattice's and random's none and circles' two_sided are beaten on both at their network
    assert struck_out(figure) == [(69.5, 780.0), (70.0, 772.0), (70.1, 782.0)]
    assert charts.dominated(frame, ["network"]).tolist() == [True, False, True, False, False, True]
    assert not frontier_lines(figure)  # two settings a network: nothing to join
    assert not [line for line in axes.lines if line.get_markerfacecolor() == "none"]  # no ring
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend[-1] == (
        "× dominated: another setting at the same network\n"
        "has more customers at a lower CAC (means)"
    )
    charts.plt.close(figure)
    # where neither of two beats the other, nothing is marked, and the legend says nothing of it
    fair = a_wide_table({**settings, "customers": [780.0, 795.0, 772.0, 796.0, 782.0, 790.0]})
    figure = charts.reach_cac_figure(fair[fair["network"] == "circles"], ["network", "referral"])
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert not struck_out(figure) and legend == ["circles, none", "circles, two_sided"]
    charts.plt.close(figure)


def a_wide_table(rows: list[dict] | dict[str, list]) -> pd.DataFrame:
    """A :func:`sim.compare.wide` table of ``rows``, customers and CAC with CIs of ±2 and ±1."""
    table = pd.DataFrame(rows)
    for metric, half in (("customers", 2.0), ("cac", 1.0)):
        table[f"{metric}_low"], table[f"{metric}_high"] = table[metric] - half, table[metric] + half
    return table


def test_customers_and_cac_are_drawn_against_a_numeric_condition_a_line_per_setting():
    # budget_frontier's report had its points only: no curve of reach and CAC against budget
    budgets, keys = (25_000, 10_000, 50_000), ["budget.total", "referral"]  # rows out of order
    settings = a_wide_table(
        [
            {"budget.total": b, "referral": r, "customers": b / 50 + extra, "cac": b / 1000 + extra}
            for b in budgets
            for r, extra in (("none", 0.0), ("two_sided", 5.0))
        ]
    )
    styles = charts.styles_by_label(table.label_of(settings, keys))
    figure = charts.curves_figure(settings, keys, "budget.total", styles)
    assert [axes.get_ylabel() for axes in figure.axes[:2]] == [
        "customers",
        "CAC (yuan per customer)",
    ]
    for axes, metric in zip(figure.axes[:2], ("customers", "cac"), strict=True):
        assert axes.get_xlabel() == "budget.total"
        lines = [line for line in axes.lines if not line.get_label().startswith("_")]
        assert [line.get_label() for line in lines] == ["none", "two_sided"]
        for line, extra in zip(lines, (0.0, 5.0), strict=True):
            assert line.get_xdata().tolist() == [10_000, 25_000, 50_000]  # ascending
            expected = [
                b / (50 if metric == "customers" else 1000) + extra for b in sorted(budgets)
            ]
            assert line.get_ydata().tolist() == pytest.approx(expected)
        # each line in the style of its setting at the smallest budget, as reach_cac.png draws it
        for line, label in zip(lines, ("10000, none", "10000, two_sided"), strict=True):
            assert matplotlib.colors.to_hex(line.get_color()) == matplotlib.colors.to_hex(
                styles[label]["color"]
            )
            assert line.get_linestyle() == styles[label]["ls"]
        bands = [band.get_paths()[0].vertices[:, 1] for band in axes.collections]
        assert len(bands) == 2
        half = 2.0 if metric == "customers" else 1.0  # each band from the CIs of its line
        for band, line in zip(bands, lines, strict=True):
            assert band.min() == pytest.approx(min(line.get_ydata()) - half)
            assert band.max() == pytest.approx(max(line.get_ydata()) + half)
    legend = figure.axes[1].get_legend()
    assert legend.get_title().get_text() == "referral"
    assert [text.get_text() for text in legend.get_texts()] == ["none", "two_sided"]
    charts.plt.close(figure)


def test_the_curves_leave_out_settings_with_no_value_and_mark_a_cac_with_no_upper_end():
    table = a_wide_table(
        [
            {"budget.total": b, "referral": "two_sided", "customers": c, "cac": k}
            for b, c, k in ((10_000, 3.0, 40.0), (20_000, 300.0, 60.0), (40_000, 500.0, 70.0))
        ]
        + [{"budget.total": np.nan, "referral": "two_sided", "customers": 900.0, "cac": 80.0}]
    )
    table.loc[0, "cac_high"] = np.inf  # its customers' CI reaches 0
    figure = charts.curves_figure(table, ["budget.total", "referral"], "budget.total")
    left, right = figure.axes[:2]
    assert left.get_xlabel() == "budget.total (1 setting with no value not drawn)"
    (line,) = [line for line in left.lines if line.get_label() == "two_sided"]
    assert 900.0 not in line.get_ydata()
    heads = [line for line in right.lines if line.get_marker() == "^" and len(line.get_xdata())]
    assert [tuple(line.get_xdata()) for line in heads] == [(10_000,)]
    edge = heads[0].get_ydata()[0]
    assert edge > 71.0 and np.isfinite(right.collections[0].get_paths()[0].vertices).all()
    entries = [text.get_text() for text in right.get_legend().get_texts()]
    assert entries == ["two_sided", charts.NO_UPPER_END]
    charts.plt.close(figure)


def test_the_curve_is_drawn_against_the_numeric_parameter_with_the_most_values():
    table = pd.DataFrame(
        {
            "budget.total": [1_000.0, 2_000.0, 4_000.0, 1_000.0],
            "referral.referrer_reward": [0, 5, 10, 20],
            "network.n": [1_000, 1_000, 2_000, 2_000],
            "referral": ["none", "one_sided", "two_sided", "tiered"],
            "referral.verify": [True, False, True, False],
            "days": [10, 20, np.nan, np.nan],
        }
    )
    assert charts.curve_parameter(table, ["budget.total", "referral", "network.n"]) == (
        "budget.total"
    )
    assert charts.curve_parameter(table, ["budget.total", "referral.referrer_reward"]) == (
        "referral.referrer_reward"
    )  # 4 values, not 3
    # two values, words, true/false, or two numbers and no value: no curve
    assert charts.curve_parameter(table, ["network.n", "referral", "referral.verify"]) is None
    assert charts.curve_parameter(table, ["days", "not a column"]) is None


def test_a_report_draws_reach_and_cac_against_a_numeric_condition_or_by(tmp_path, monkeypatch):
    for job, (budget, scheme) in enumerate(
        itertools.product((2000, 4000, 8000), ("none", "two_sided"))
    ):
        overrides = [f"budget.total={budget}", f"referral={scheme}", "run.replicates=2"]
        parameters = {"budget.total": budget, "referral": scheme}
        write_small_job(tmp_path / "sweep" / str(job), parameters, overrides)
    drawn = {}

    def kept(figure, path):
        drawn[path.name] = figure
        return path

    monkeypatch.setattr(charts, "save_figure", kept)
    for options in ([], ["--by", "budget.total", "--baseline", "2000"]):  # a condition, or by
        drawn.clear()
        assert report.main([str(tmp_path / "sweep"), *options]) == 0
        text = (tmp_path / "sweep" / "report.md").read_text()
        assert "![reach_cac_curves](reach_cac_curves.png)" in text
        axes = drawn[report.CURVES].axes
        assert axes[0].get_xlabel() == "budget.total"
        assert axes[1].get_legend().get_title().get_text() == "referral"
        labels = [line.get_label() for line in axes[0].lines]
        assert [label for label in labels if not label.startswith("_")] == ["none", "two_sided"]
        for figure in drawn.values():
            charts.plt.close(figure)


def test_a_report_with_no_numeric_condition_draws_no_curve_and_removes_an_earlier_one(
    sweep_folder, tmp_path
):
    (tmp_path / "reach_cac_curves.png").write_bytes(b"an earlier report's, of other settings")
    report.write_report(sweep_folder, out=tmp_path)
    assert not (tmp_path / "reach_cac_curves.png").exists()
    assert "reach_cac_curves" not in (tmp_path / "report.md").read_text()


def test_the_spend_figure_stacks_each_settings_mean_spend_then_what_it_owes_or_holds():
    spend = pd.DataFrame(
        {
            "referral": ["none", "two_sided"],
            "spend_ads": [100.0, 100.0],
            "spend_kol": [0.0, 0.0],  # spent by no setting: no segment, no legend entry
            "spend_referral_reward": [0.0, 40.0],
            "commissions_unbooked": [25.0, 0.0],
            "commission_reserve_left": [0.0, 7.0],
        }
    )
    figure = charts.spend_figure(spend, ["referral"])
    axes = figure.axes[0]
    bars = {
        label: [(round(b.get_x(), 9), round(b.get_width(), 9), b.get_hatch()) for b in bars]
        for bars, label in zip(axes.containers, axes.get_legend_handles_labels()[1], strict=True)
    }
    assert [label for label in bars] == [
        "ads",
        "referral rewards",
        "commissions owed past the budget, unpaid (in no spend)",
        "KOC commission reserve held, never paid out",
    ]
    assert bars["ads"] == [(0.0, 100.0, None), (0.0, 100.0, None)]
    assert bars["referral rewards"] == [(100.0, 0.0, None), (100.0, 40.0, None)]
    owed = bars["commissions owed past the budget, unpaid (in no spend)"]
    assert owed == [(100.0, 25.0, "//"), (140.0, 0.0, "//")]  # after the spend, hatched
    assert bars["KOC commission reserve held, never paid out"][1] == (140.0, 7.0, "..")
    assert [t.get_text() for t in axes.get_yticklabels()] == ["none", "two_sided"]
    assert axes.yaxis_inverted()  # the table's first setting on top
    plt.close(figure)


def test_spend_by_setting_takes_means_in_the_tables_order_unset_keys_included():
    metrics = pd.DataFrame(
        {
            "referral.verify": ["holdback", "holdback", None, None],
            "spend_ads": [10.0, 30.0, 5.0, 7.0],
            "commissions_unbooked": [1.0, 3.0, 0.0, 0.0],
        }
    )
    table = pd.DataFrame({"referral.verify": [None, "holdback"]})
    spend = report.spend_by_setting(metrics, table, ["referral.verify"])
    assert spend["spend_ads"].tolist() == [6.0, 20.0]
    assert spend["commissions_unbooked"].tolist() == [0.0, 2.0]


def test_every_report_draws_where_the_money_goes(sweep_folder, tmp_path):
    report.write_report(sweep_folder, out=tmp_path / "report")
    assert (tmp_path / "report" / report.SPEND).stat().st_size > 0
    assert f"![spend]({report.SPEND})" in (tmp_path / "report" / "report.md").read_text()


def test_the_repurchase_figure_names_the_parameters_and_slants_many_labels():
    # at 10 settings the labels ran into each other and nothing said which parameters they are
    def table(count):
        frame = pd.DataFrame({"referral": [f"scheme_{i}" for i in range(count)]})
        frame["network.n"] = 1000
        for metric in ("repurchase_rate", "repurchase_30d"):
            frame[metric], frame[f"{metric}_low"], frame[f"{metric}_high"] = 0.2, 0.18, 0.22
        return frame

    for count, slant in ((3, 20), (10, 45)):
        figure = charts.repurchase_figure(table(count), ["referral", "network.n"])
        axes = figure.axes[0]
        assert axes.get_xlabel() == "referral, network.n"
        assert {label.get_rotation() for label in axes.get_xticklabels()} == {slant}
        assert figure.get_size_inches()[0] >= 0.8 * count
        charts.plt.close(figure)


def test_a_copy_a_sweep_removed_is_not_named_as_unfinished(tmp_path, capsys):
    # a sweep that removes a copy of results another job holds keeps the copy's logs (.hydra):
    # it was named as killed or running, with advice that could never make it go away
    for job, scheme in enumerate(("none", "two_sided", "two_sided", "one_sided")):
        write_small_job(tmp_path / str(job), {"referral": scheme}, [f"referral={scheme}"])
        (tmp_path / str(job) / ".hydra").mkdir()
        (tmp_path / str(job) / ".hydra" / "overrides.yaml").write_text(f"- referral={scheme}\n")
    (tmp_path / "2" / "metrics.parquet").unlink()  # a copy of job 1's setting, removed
    assert report.main([str(tmp_path)]) == 0
    assert "started job" not in capsys.readouterr().err
    assert "started job" not in (tmp_path / "report.md").read_text()
    (tmp_path / "3" / "metrics.parquet").unlink()  # a setting no other job holds: killed
    assert report.main([str(tmp_path)]) == 0
    error = capsys.readouterr().err
    assert "1 started job has no results yet and is not in this report: 3 (" in error


def test_the_intro_names_the_market_every_job_shares_and_how_the_baseline_was_picked(tmp_path):
    # two reports of the same schemes on different markets read alike: the scenario and n that
    # every job set were named nowhere; a baseline other than none was picked silently
    for job, scheme in enumerate(("one_sided", "two_sided")):
        given = {"referral": scheme, "network.n": 300, "seeding.initial_customers": 5}
        overrides = [f"{k}={v}" for k, v in given.items()]
        write_small_job(tmp_path / str(job), given, overrides)
    assert report.main([str(tmp_path)]) == 0
    text = (tmp_path / "report.md").read_text()
    assert "Set alike in every job: network.n=300, seeding.initial_customers=5; the rest" in text
    assert "against `one_sided` (`none` is not among the settings: the smallest" in text
    assert report.main([str(tmp_path), "--baseline", "one_sided"]) == 0
    assert "is not among the settings" not in (tmp_path / "report.md").read_text()


def test_reading_results_imports_neither_the_model_nor_mesa_and_the_api_still_loads_on_use():
    code = (
        "import sys, sim.report\n"
        "print(sorted(m for m in ('mesa', 'sim.model', 'sim.runner') if m in sys.modules))\n"
        "import sim\n"
        "print(sim.ReferralModel.__module__, sim.network.SocialGraph.__name__)\n"
        "try:\n    sim.no_such_name\nexcept AttributeError as error:\n    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "[]",
        "sim.model SocialGraph",
        "module 'sim' has no attribute 'no_such_name'",
    ]


def test_the_intro_says_nothing_of_a_missing_none_when_none_is_the_baseline():
    metrics = pd.DataFrame({"referral": ["none", "none", "two_sided"], "job": list("aab")})
    metrics.attrs["parameters"] = ["referral"]
    chosen = report._comparison_intro(metrics, "none", chosen=True)
    assert "against `none` (incremental CAC" in chosen and "is not among" not in chosen
    picked = report._comparison_intro(metrics.replace("none", "one_sided"), "one_sided", True)
    assert "against `one_sided` (`none` is not among the settings: the smallest" in picked


def test_the_market_names_neither_the_replicate_count_nor_a_null_every_job_set():
    # run.replicates says how many runs there are, not what was run: the intro counts them
    metrics = pd.DataFrame(
        {
            "referral": ["none", "none", "two_sided", "two_sided"],
            "network.n": [300] * 4,
            "run.replicates": [2] * 4,
            "budget.total": [None] * 4,  # null in every job: its default, no cap (not "nan")
            "job": list("aabb"),
        }
    )
    metrics.attrs["parameters"] = ["referral", "network.n", "run.replicates", "budget.total"]
    assert (
        report.held_fixed(metrics)
        == "Set alike in every job: network.n=300; the rest as in `conf/`."
    )
    metrics.attrs["parameters"] = ["referral", "run.replicates", "budget.total"]
    assert report.held_fixed(metrics) == (
        "Every job ran `conf/`'s defaults but for the parameters in the table."
    )


def test_the_market_says_what_an_experiment_preset_sets_that_the_jobs_did_not():
    # a review: reward_sweep's report never named its scheme, budget_frontier's not its budget
    metrics = pd.DataFrame(
        {
            "referral.referrer_reward": [0.0, 10.0],
            "experiment": ["reward_sweep"] * 2,
            "network.n": [2000] * 2,
            "job": list("ab"),
        }
    )
    metrics.attrs["parameters"] = ["referral.referrer_reward", "experiment", "network.n"]
    assert report.held_fixed(metrics) == (
        "Set alike in every job: experiment=reward_sweep (which sets referral=two_sided), "
        "network.n=2000; the rest as in `conf/`."
    )  # not run.replicates=30: the intro counts the replicates
    mine = metrics.assign(referral="one_sided")  # set on the command line: not the preset's
    mine.attrs["parameters"] = [*metrics.attrs["parameters"], "referral"]
    assert "experiment=reward_sweep, network.n=2000, referral=one_sided;" in report.held_fixed(mine)
    frontier = metrics.assign(experiment="budget_frontier")
    assert "experiment=budget_frontier (which sets seeding.daily_budget=1200)" in (
        report.held_fixed(frontier)
    )
    assert "experiment=network_sensitivity," in report.held_fixed(
        metrics.assign(experiment="network_sensitivity")
    )


def test_failed_jobs_are_the_ones_without_results_in_job_order(tmp_path):
    for job in ("10", "2", "3"):
        (tmp_path / job).mkdir()
        (tmp_path / job / "failed.json").write_text(
            f'{{"kind": "disk full {job}", "exit_code": 1}}'
        )
    (tmp_path / "3" / "metrics.parquet").write_bytes(b"")  # its results are in the table
    failed = sim.results.failed_jobs(tmp_path)
    assert list(failed) == [tmp_path / "2", tmp_path / "10"]  # 2 before 10, as the sweep ran them
    assert failed[tmp_path / "10"]["kind"] == "disk full 10"
    note = sim.results.failed_jobs_note(tmp_path, failed, "this report")
    assert note.startswith("2 failed jobs are not in this report: 2, 10. Each folder's")


def test_a_failed_job_is_named_once_as_failed_not_also_as_unfinished(tmp_path):
    write_small_job(tmp_path / "0", {"referral": "none"}, ["referral=none"])
    for job in ("1", "2"):
        (tmp_path / job / ".hydra").mkdir(parents=True)  # started by Hydra, no results
    (tmp_path / "1" / "failed.json").write_text('{"kind": "out of memory", "exit_code": 1}')
    notes = report._missing_jobs_notes(tmp_path)
    assert len(notes) == 2
    assert notes[0].startswith("1 failed job is not in this report: 1. ")
    assert notes[1].startswith("1 started job has no results yet and is not in this report: 2. ")


def test_jobs_in_hidden_folders_are_not_named_as_unfinished(tmp_path):
    for job in ("0", ".taken/0", "earlier/.0123abcd.77.staging/3"):
        (tmp_path / job / ".hydra").mkdir(parents=True)
    assert report.unfinished_jobs(tmp_path) == [tmp_path / "0"]


def test_a_report_of_one_configuration_removes_the_frontier_of_an_earlier_report(
    sweep_folder, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "reach_cac.png").write_bytes(b"an earlier report's frontier of three settings")
    shutil.copytree(sweep_folder / "1", tmp_path / "one" / "1")  # one setting left
    report.write_report(tmp_path / "one", out=out)
    assert "One configuration" in (out / "report.md").read_text()
    assert not (out / "reach_cac.png").exists()  # not beside a report that has no frontier


def test_a_figure_that_fails_while_saved_leaves_the_earlier_file_whole(tmp_path):
    path = tmp_path / "adoption.png"
    path.write_bytes(b"the earlier report's figure")
    figure, _ = charts.plt.subplots()

    def cut_short(target, **options):
        open(target, "wb").write(b"half a PNG")
        raise KeyboardInterrupt

    figure.savefig = cut_short
    with pytest.raises(KeyboardInterrupt):
        charts.save_figure(figure, path)
    charts.plt.close(figure)
    assert path.read_bytes() == b"the earlier report's figure"
    assert [p.name for p in tmp_path.iterdir()] == ["adoption.png"]  # no temporary left


def test_failed_jobs_of_bad_input_and_of_other_causes_get_advice_for_both(tmp_path):
    failed = {
        tmp_path / "0": {"kind": "invalid configuration", "exit_code": 2},
        tmp_path / "1": {"kind": "out of memory", "exit_code": 1},
    }
    note = sim.results.failed_jobs_note(tmp_path, failed, "this report")
    assert note == (
        "2 failed jobs are not in this report: 0, 1. Each folder's failed.json says why; fix the "
        "values named there; running the sweep's command again retries the rest."
    )


def test_a_report_md_cut_short_while_written_is_not_left_half_written(
    sweep_folder, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    write_text = pathlib.Path.write_text

    def cut_short(path, text, *arguments, **keywords):
        if "report.md" in path.name:  # the report, or its temporary file
            write_text(path, text[: len(text) // 2], *arguments, **keywords)
            raise KeyboardInterrupt  # as a Ctrl-C or a full disk part way through
        return write_text(path, text, *arguments, **keywords)

    monkeypatch.setattr(pathlib.Path, "write_text", cut_short)
    with pytest.raises(KeyboardInterrupt):
        report.write_report(sweep_folder, out=out)
    assert not [path.name for path in out.iterdir() if "report.md" in path.name]


@pytest.mark.parametrize(
    ("fmt", "values", "shown"),
    [
        # group_buy's incremental CAC in the main job read 0.0 [0.0, 0.0]
        ("{:z,.1f}", [0.006, -0.006, 0.019], ["0.006", "-0.006", "0.019"]),
        ("{:z,.1f}", [0.04, -np.inf, np.inf], ["0.040", "-inf", "inf"]),
        ("{:z.3f}", [0.0004, 0.0, 0.0009], ["0.00040", "0.00000", "0.00090"]),
        # a review: float rounding of a spend (49,999.999999) read 0.000000007 [-inf, inf]
        ("{:z,.1f}", [7e-9, -np.inf, np.inf], ["0.0000", "-inf", "inf"]),
        ("{:z.3f}", [2e-7, 0.0, 4e-7], ["0.000000", "0.000000", "0.000000"]),
        # enough digits already, exact zeros and counts are left as they were
        ("{:z,.1f}", [72.4, 59.2, np.inf], ["72.4", "59.2", "inf"]),
        ("{:z,.1f}", [0.2, 0.01, 0.3], ["0.2", "0.0", "0.3"]),  # the largest shows
        ("{:z,.1f}", [0.0, 0.0, np.nan], ["0.0", "0.0", "nan"]),
        ("{:+z,.0f}", [-0.3, -2.0, 1.0], ["+0", "-2", "+1"]),
    ],
)
def test_a_cell_whose_values_would_all_read_zero_gets_the_decimals_to_show_them(fmt, values, shown):
    widened = table.enough_decimals(fmt, values)
    assert [widened.format(value) for value in values] == shown


def test_each_setting_takes_the_line_style_and_marker_of_its_place():
    # a mutation review: a fixed line style or marker passed every figure test
    styles = charts.styles_by_label([f"setting {i}" for i in range(25)])
    assert [s["ls"] for s in styles.values()] == [s["ls"] for s in charts.line_styles(25)]
    assert [s["marker"] for s in styles.values()] == [s["fmt"] for s in charts.point_styles(25)]
    assert len({(s["color"], s["marker"]) for s in styles.values()}) == 25


def test_the_intro_names_every_condition():
    metrics = pd.DataFrame({"r": [0.0, 5.0], "job": ["a", "b"], "d": 1.0, "n": 2})
    metrics.attrs["parameters"] = ["r", "d", "n"]
    intro = report._comparison_intro(metrics, 0.0, by="r", within=["d", "n"])
    assert "against `r=0` at the same `d`, `n` (incremental" in intro


def reach_and_cac(customers: list, low: list, high: list) -> pd.DataFrame:
    """A wide table of none and kol with these customers and their CIs (add the CAC's)."""
    return pd.DataFrame({"referral": ["none", "kol"], "customers": customers}).assign(
        customers_low=low, customers_high=high
    )


def test_a_cac_with_no_upper_end_is_drawn_to_the_right_edge_with_an_arrowhead():
    # a pooled CAC is unbounded above where the customers' interval reaches 0; matplotlib drew
    # no bar to inf, only the lower cap, so the interval looked like a stray tick
    table = reach_and_cac(customers=[800.0, 3.0], low=[790.0, 0.0], high=[810.0, 7.0])
    table = table.assign(cac=[61.0, 40.0], cac_low=[60.0, 20.0], cac_high=[62.0, np.inf])
    figure = charts.reach_cac_figure(table, ["referral"])
    axes = figure.axes[0]
    heads = [line for line in axes.lines if line.get_marker() == ">" and len(line.get_xdata())]
    assert len(heads) == 1 and tuple(heads[0].get_ydata()) == (3.0,)
    edge = heads[0].get_xdata()[0]
    assert 62 < edge < axes.get_xlim()[1]
    bars = [c for c in axes.containers if isinstance(c, matplotlib.container.ErrorbarContainer)]
    horizontal = bars[1].lines[2][0].get_segments()[0]  # kol's CAC bar: (low, y) to (high, y)
    assert tuple(horizontal[:, 0]) == (20.0, edge)
    assert [line.get_label() for line in heads] == ["_unbounded"]
    # one legend entry, after the settings, says the arrowhead is no bound (neither setting
    # beats the other on both, and two get no frontier line)
    entries = [text.get_text() for text in axes.get_legend().get_texts()]
    assert entries == ["none", "kol", charts.NO_UPPER_END]
    charts.plt.close(figure)
    finite = charts.reach_cac_figure(table.assign(cac_high=[62.0, 70.0]), ["referral"])
    assert not [line for line in finite.axes[0].lines if line.get_marker() == ">"]
    assert charts.NO_UPPER_END not in [
        t.get_text() for t in finite.axes[0].get_legend().get_texts()
    ]
    charts.plt.close(finite)


def test_an_unbounded_cac_reaches_a_quarter_past_the_finite_values_even_where_all_are_unbounded():
    # every setting unbounded above (few replicates of small campaigns): the edge comes from
    # their CACs and lower ends, a quarter of the span (or of the largest value, or of 1) past
    both = reach_and_cac(customers=[3.0, 2.0], low=[0.0, 0.0], high=[7.0, 5.0])
    both = both.assign(cac=[40.0, 50.0], cac_low=[20.0, 10.0], cac_high=[np.inf, np.inf])
    drawn, edge = charts.unbounded_to_the_edge(both, "cac")
    assert edge == 50 + max(50 - 10, 50, 1) * 0.25  # 62.5
    assert drawn["cac_high"].tolist() == [edge, edge]
    figure = charts.reach_cac_figure(both, ["referral"])
    heads = [line for line in figure.axes[0].lines if line.get_marker() == ">"]
    heads = [line for line in heads if len(line.get_xdata())]  # not the legend's handle
    assert sorted(line.get_xdata()[0] for line in heads) == [edge, edge]
    charts.plt.close(figure)
    # close CACs: the bar still reaches a quarter of the largest value past it, not a sliver
    close = both.assign(cac=[61.0, 61.05], cac_low=[60.9, 60.95], cac_high=[61.1, np.inf])
    assert charts.unbounded_to_the_edge(close, "cac")[1] == pytest.approx(61.1 * 1.25)
    # CACs below 1 yuan: a quarter of a yuan past
    small = both.assign(cac=[0.2, 0.3], cac_low=[0.1, 0.1], cac_high=[0.4, np.inf])
    assert charts.unbounded_to_the_edge(small, "cac")[1] == pytest.approx(0.65)
    finite = both.assign(cac_high=[70.0, 80.0])
    unchanged, no_edge = charts.unbounded_to_the_edge(finite, "cac")
    assert unchanged is finite and np.isnan(no_edge)


def test_each_arrowhead_takes_the_colour_of_its_point():
    # an arrowhead at the edge belongs to one setting's bar: it is drawn in that setting's colour
    table = reach_and_cac(customers=[3.0, 2.0], low=[0.0, 0.0], high=[7.0, 5.0])
    table = table.assign(cac=[40.0, 50.0], cac_low=[20.0, 10.0], cac_high=[np.inf, np.inf])
    figure = charts.reach_cac_figure(table, ["referral"])
    axes = figure.axes[0]
    points = {bars.get_label(): bars.lines[0].get_color() for bars in axes.containers}
    heads = [line for line in axes.lines if line.get_marker() == ">" and len(line.get_xdata())]
    colour = {line.get_ydata()[0]: line.get_color() for line in heads}
    assert colour == {3.0: points["none"], 2.0: points["kol"]}
    assert colour[3.0] != colour[2.0]
    charts.plt.close(figure)


def test_seldom_filled_group_buys_are_named_in_the_order_the_table_lists_them():
    # a mutation review: with one seldom-filled setting, a sorted order passed too
    metrics = pd.DataFrame(
        {
            "referral": ["none", "group_buy", "group_buy", "group_buy", "group_buy"],
            "referral.team_size": [None, 5, 5, 3, 3],
            "teams_filled": [0, 1, 0, 2, 2],
            "teams_dissolved": [0, 100, 120, 90, 110],
        }
    )
    metrics.attrs["parameters"] = ["referral", "referral.team_size"]
    assert notes.seldom_filled_settings(metrics) == {
        "group_buy, 5": "0.5 of 110.5 teams a run filled (a team filled in 1 of 2 replicates)",
        "group_buy, 3": "2 of 102.0 teams a run filled (a team filled in 2 of 2 replicates)",
    }
    assert list(notes.seldom_filled_settings(metrics)) == ["group_buy, 5", "group_buy, 3"]
    (note, _) = notes.seldom_filled_note(metrics)
    assert note.index("group_buy, 5: 0.5 of") < note.index("group_buy, 3: 2 of")


def test_the_report_names_each_koc_matrix_that_recruited_fewer_kocs_than_it_asked():
    metrics = pd.DataFrame(
        {
            "budget.total": [None, None, 500.0, 500.0, 20000.0, 20000.0],
            "kocs_chosen": [0, 0, 100, 100, 100, 100],
            "kocs_recruited": [0, 0, 8, 8, 100, 100],
        }
    )
    metrics.attrs["parameters"] = ["budget.total"]
    (note, _) = notes.kocs_unpaid_note(metrics)
    assert note.startswith("KOCs recruited as far as the budget paid for them (500: 8 of")
    assert "the 100 KOCs asked, per run): the budget" in note and "20000" not in note
    assert notes.kocs_unpaid_note(metrics.assign(kocs_recruited=metrics["kocs_chosen"])) == []


def test_the_runs_are_counted_with_thousands_separators_and_the_cells_said():
    metrics = pd.DataFrame({"referral": ["none", "two_sided"] * 600, "replicate": 0})
    metrics.attrs["parameters"] = ["referral"]
    assert report.runs_and_replicates(metrics) == "1,200 runs; 600 replicates per setting."
    assert report.what_cells_are(metrics.iloc[:1199]) == (
        "1,199 runs; 599–600 replicates per setting. Cells are means with 95% CIs over replicates."
    )


def test_a_difference_across_two_conditions_names_both_and_no_unset_attribute():
    # a mutation review: one condition and settings of every attribute passed any label
    rng = np.random.default_rng(5)
    rows = []
    for network, market in itertools.product(("lattice", "random"), (1000, 2000)):
        base = rng.normal(800, 30, 10)
        for scheme, reward, gain in (("none", None, 0.0), ("one_sided", None, 20.0),
                                     ("two_sided", 10.0, 30.0)):  # fmt: skip
            customers = base + gain + rng.normal(0, 5, 10)
            rows.append(pd.DataFrame({"network": network, "network.n": market,
                                      "referral": scheme, "referral.referrer_reward": reward,
                                      "replicate": range(10), "customers": customers,
                                      "spend_acquisition": 50_000.0}))  # fmt: skip
    metrics = pd.concat(rows, ignore_index=True)
    metrics["cac"] = metrics["spend_acquisition"] / metrics["customers"]
    metrics.attrs["parameters"] = ["network", "network.n", "referral", "referral.referrer_reward"]
    comparison = sim.compare(metrics, metrics=["customers", "cac", "spend_acquisition"])
    (note, _) = notes.differences_across_note(comparison, "referral", ["network", "network.n"])
    assert note.startswith("Does Δ customers differ across `network`, `network.n`? ")
    said = note.split("? ", 1)[1].split("; ")
    assert said[0].startswith("referral=one_sided: from +")  # not referral.referrer_reward=nan
    assert said[1].startswith("referral=two_sided, referral.referrer_reward=10: from +")
    for setting in said[:2]:  # each Δ at its network and its market
        places = re.findall(r"\] \(([^)]*)\)", setting)
        assert len(places) == 2 and all(re.fullmatch(r"(lattice|random), [12]000", p)
                                         for p in places), setting  # fmt: skip
        assert "over 4 values, p = " in setting


def test_a_one_configuration_report_says_its_notes_on_standard_error_each_once(tmp_path, capsys):
    # a mutation review: the notes of one configuration were in report.md only unnoticed, and
    # a note said as it was found could be said again below
    write_sweep(tmp_path, "referral", ("group_buy",), ["network.n=400", "days=30"])
    assert report.main([str(tmp_path)]) == 0
    error = capsys.readouterr().err
    assert error.count(f"referral-sim-report: note: {report.ONE_REPLICATE_NOTE}") == 1
    assert error.count("referral-sim-report: note: Read with care: group-buy teams seldom") == 1


def test_the_reach_figure_says_which_group_buys_seldom_filled_where_conditions_lead_the_table(
    tmp_path, monkeypatch
):
    # a mutation review: labels made in the swept order ("group_buy, 300") matched none of the
    # figure's, made in the table's (the condition first: "300, group_buy"), and passed
    for job, (scheme, n) in enumerate(itertools.product(("none", "group_buy"), (300, 400))):
        overrides = [f"referral={scheme}", f"network.n={n}", "days=30", "run.replicates=2"]
        result = sim.run(sim.compose(overrides), progress=False)
        jobs.write_job(tmp_path / str(job), result, {"referral": scheme, "network.n": n},
                       "\n".join(overrides))  # fmt: skip
    legends, draw = [], charts.reach_cac_figure

    def drawn(*arguments, **options):
        figure = draw(*arguments, **options)
        legends.append([text.get_text() for text in figure.axes[0].get_legend().get_texts()])
        return figure

    monkeypatch.setattr(charts, "reach_cac_figure", drawn)
    report.write_report(tmp_path)
    seldom = [entry for entry in legends[0] if "teams seldom filled" in entry]
    assert [entry.split(" (")[0] for entry in seldom] == ["300, group_buy", "400, group_buy"]


def paired_spend_metrics(extra: dict[str, float], networks=("lattice",)) -> pd.DataFrame:
    """Metrics of ``none`` and each scheme of ``extra``, spending that much more a run.

    20 replicates per network; the scheme's extra spend varies by a few yuan about its mean
    (exactly ``extra``), so its CI is narrow and above 0 unless the extra spend is 0.
    """
    rng = np.random.default_rng(7)
    rows = []
    for network in networks:
        base = rng.normal(800, 30, 20)
        for scheme, more in {"none": 0.0, **extra}.items():
            noise = rng.normal(0, 5, 20) if more else np.zeros(20)
            spend = 50_000.0 + more + noise - noise.mean()
            rows.append(pd.DataFrame({"network": network, "referral": scheme,
                                      "replicate": range(20), "customers": base + more / 50,
                                      "spend_acquisition": spend}))  # fmt: skip
    metrics = pd.concat(rows, ignore_index=True)
    metrics["cac"] = metrics["spend_acquisition"] / metrics["customers"]
    metrics.attrs["parameters"] = ["network", "referral"] if len(networks) > 1 else ["referral"]
    return metrics if len(networks) > 1 else metrics.drop(columns="network")


def test_settings_whose_extra_spend_differs_a_lot_are_said_not_to_be_cost_matched():
    # a review: the main job's schemes spend 378 to 1,096 yuan a run more than none, and the
    # table ranked them by Δ customers without a word of it
    extra = {"one_sided": 1_000.0, "group_buy": 0.0, "commission": 400.0}
    spent = ["customers", "cac", "spend_acquisition"]
    comparison = sim.compare(paired_spend_metrics(extra), metrics=spent)
    (note, blank) = notes.unequal_spend_note(comparison, "referral", "none")
    assert blank == ""
    assert note.startswith(
        "The settings that spend more on acquisition than `none` spend very different amounts "
        "more: from 400 yuan a run more (commission) to 1,000 (one_sided), 2.5 times as much. "
    )
    assert "group_buy" not in note  # it spends what none spends
    assert "compare them by incremental CAC (what each extra customer cost) and Δ profit" in note
    assert "cap all spend with `budget.total` below the 50,000 yuan a run" in note
    near = paired_spend_metrics({"one_sided": 590.0, "commission": 400.0})  # 1.48 times
    comparison = sim.compare(near, metrics=spent)
    assert notes.unequal_spend_note(comparison, "referral", "none") == []
    alone = paired_spend_metrics({"one_sided": 1_000.0, "group_buy": 0.0})  # one spends more
    comparison = sim.compare(alone, metrics=spent)
    assert notes.unequal_spend_note(comparison, "referral", "none") == []


def test_extra_spend_is_compared_within_each_condition_not_across_them():
    metrics = paired_spend_metrics({"one_sided": 1_000.0, "commission": 400.0}, ("a", "b"))
    metrics.loc[(metrics.network == "b") & (metrics.referral == "commission"),
                "spend_acquisition"] += 500  # at b: 900 against 1,000, alike  # fmt: skip
    comparison = sim.compare(metrics, metrics=["customers", "cac", "spend_acquisition"])
    (note, _) = notes.unequal_spend_note(comparison, "referral", "none", ["network"])
    assert note.startswith(
        "The settings that spend more on acquisition than `none` at the same `network` spend "
        "very different amounts more: from 400 yuan a run more (commission) to 1,000 "
        "(one_sided), 2.5 times as much, at a. So Δ customers"
    )


def test_a_reports_settings_of_unequal_extra_spend_get_the_note_in_report_md_and_on_stderr(
    tmp_path, capsys
):
    market = ["referral=one_sided", "network.n=2000", "days=30", "run.replicates=4"]
    write_sweep(tmp_path, "referral.referrer_reward", (0, 10, 40), market)
    assert report.main([str(tmp_path)]) == 0
    frame = sim.results.load(tmp_path)
    spend = frame.pivot(index="replicate", columns="referral.referrer_reward",
                        values="spend_acquisition")  # fmt: skip
    least, most = (spend[reward] - spend[0] for reward in (10, 40))
    assert most.mean() > 1.5 * least.mean() > 0  # the case is one that spends unequally
    said = (
        f"more: from {least.mean():,.0f} yuan a run more (10) to {most.mean():,.0f} (40), "
        f"{most.mean() / least.mean():.1f} times as much."
    )
    text = " ".join((tmp_path / "report.md").read_text().split())
    assert "spend more on acquisition than `referral.referrer_reward=0` spend very" in text
    assert said in text
    assert said in capsys.readouterr().err


def test_the_terms_the_report_prints_are_glossed_where_they_first_appear(sweep_folder, tmp_path,
                                                                          capsys):  # fmt: skip
    # a review: the terminal's table had "incremental CAC ... [49.0, inf]" and no word on it,
    # and report.md said "Fieller CIs", "paired by replicate" and "Cochran's Q" unexplained
    assert report.main([str(sweep_folder), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    below = printed[printed.rindex("| two_sided") :].split("\n\n")[1]
    assert below == f"{report.printed_legend('none')}\nreport: {tmp_path / 'report.md'}\n"
    assert below.startswith("Δ customers and Δ profit: the change against `none`, each run set")
    assert "incremental CAC: extra acquisition spend per extra customer, in yuan" in below
    # a first-time user's review (4 Dec 2026): a negative one read as a "negative cost"
    assert "(below 0: more customers for less spend;" in below
    text = " ".join((tmp_path / "report.md").read_text().split())
    assert "with Fieller CIs, the confidence intervals of a ratio of two averages" in text
    assert "below 0 where it wins more customers for less spend than the baseline" in text
    assert text.index("are paired by replicate against") < text.index(report.PAIRED_READS)
    assert report.PAIRED_READS.startswith("Paired: each run is set against the baseline's run")
    one = report.write_report(sweep_folder / "0", out=tmp_path / "one")  # one configuration
    assert f"\n\n{report.printed_legend()}\n\n" in one
    assert "Δ customers" not in report.printed_legend()


def test_the_test_of_a_gain_across_conditions_says_what_its_p_value_means():
    rng = np.random.default_rng(3)
    rows = []
    for network in ("lattice", "random"):
        base = rng.normal(800, 30, 10)
        for scheme, extra in (("none", 0.0), ("two_sided", 10.0)):
            rows.append(pd.DataFrame({"network": network, "referral": scheme,
                                      "replicate": range(10),
                                      "customers": base + extra + rng.normal(0, 5, 10),
                                      "spend_acquisition": 50_000.0}))  # fmt: skip
    metrics = pd.concat(rows, ignore_index=True)
    metrics["cac"] = metrics["spend_acquisition"] / metrics["customers"]
    metrics.attrs["parameters"] = ["network", "referral"]
    comparison = sim.compare(metrics, metrics=["customers", "cac", "spend_acquisition"])
    (note, _) = notes.differences_across_note(comparison, "referral", ["network"])
    assert (
        "p is the chance of a spread at least this wide were the setting's gain the same under "
        "every value (below 0.05: they differ), by Cochran's Q, a standard test of whether "
        "several estimates agree" in note
    )


def reported_sweep_of_two(folder):
    """A sweep of ``referral`` x ``network.k`` (two values each), written as a sweep would."""
    for job, (scheme, k) in enumerate(itertools.product(("none", "two_sided"), (4, 6))):
        overrides = [f"referral={scheme}", f"network.k={k}", "network.n=300", "days=10",
                     "run.replicates=2"]  # fmt: skip
        write_small_job(folder / str(job), {"referral": scheme, "network.k": k}, overrides)


def test_a_report_by_another_parameter_goes_to_its_own_folder_not_over_the_default_one(
    tmp_path, capsys
):
    # a review: `referral-sim-report DIR --by network.k` overwrote DIR/report.md and figures,
    # the report by referral, without a word
    folder = tmp_path / "sweep"
    reported_sweep_of_two(folder)
    assert report.main([str(folder)]) == 0
    assert capsys.readouterr().out.endswith(f"report: {folder / 'report.md'}\n")
    first = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    assert report.main([str(folder), "--by", "network.k"]) == 0
    own = folder / "by_network.k" / "report.md"
    assert capsys.readouterr().out.endswith(
        f"report: {own} (compared by network.k, so in a folder of its own: it overwrites no "
        "report compared otherwise; --out writes it elsewhere)\n"
    )
    assert "| referral | network.k | customers |" in own.read_text()  # compared by network.k
    assert (own.parent / "adoption.png").is_file()
    assert {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()} == first
    assert report.main([str(folder), "--by", "network.k", "--out", str(tmp_path / "here")]) == 0
    assert capsys.readouterr().out.endswith(f"report: {tmp_path / 'here' / 'report.md'}\n")
    assert report.main([str(folder), "--by", "referral"]) == 0  # the default, named
    assert capsys.readouterr().out.endswith(f"report: {folder / 'report.md'}\n")
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == [
        "0", "1", "2", "3", "by_network.k"]  # fmt: skip
    assert report.main([str(folder)]) == 0  # the report's folder is no job of the sweep
    assert "by_network.k" not in capsys.readouterr().err
    # nor does a report against another baseline (a first-time user's review, 4 Dec 2026)
    assert report.main([str(folder), "--baseline", "two_sided"]) == 0
    against = folder / "by_referral_vs_two_sided" / "report.md"
    assert capsys.readouterr().out.endswith(
        f"report: {against} (compared against two_sided, so in a folder of its own: it "
        "overwrites no report compared otherwise; --out writes it elsewhere)\n"
    )
    assert "against `two_sided`" in " ".join(against.read_text().split())
    assert {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()} == first
    assert report.main([str(folder), "--baseline", "none"]) == 0  # the default, named
    assert capsys.readouterr().out.endswith(f"report: {folder / 'report.md'}\n")


def test_help_says_where_a_report_by_another_parameter_goes(capsys):
    with pytest.raises(SystemExit):
        report.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "FOLDER/by_<parameter>/ when --by names another" in text
    assert "referral-sim-report FOLDER --by network.k writes FOLDER/by_network.k/report.md" in text


def test_the_report_closes_with_the_code_software_and_seed_its_jobs_ran_with(tmp_path):
    # a researcher's walkthrough (4 Dec 2026): job.json held digests only, and the report named
    # neither the seed nor any version a methods section could cite
    for job, (scheme, seed) in enumerate([("none", 3), ("two_sided", 4)]):
        result = sim.run(
            sim.compose([f"referral={scheme}", "network.n=300", "days=10"]), progress=False
        )
        jobs.write_job(tmp_path / str(job), result, {"referral": scheme}, f"seed: {seed}\n")
    older = tmp_path / "1" / jobs.JOB  # as a job written before versions were recorded
    record = json.loads(older.read_text())
    older.write_text(
        json.dumps({k: v for k, v in record.items() if k not in ("commit", "software")})
    )
    assert report.main([str(tmp_path)]) == 0
    last = (tmp_path / "report.md").read_text().splitlines()[-1]
    commit = provenance.source_commit()
    said = commit.removesuffix("+edits")[:12] + " with sim/ edited since" * commit.endswith(
        "+edits"
    )
    software = provenance.software_versions()
    assert last == (
        f"Made with referral-sim {software['referral-sim']} at commit "
        f"{said or 'none (not run from a git work tree)'}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}, pyarrow {software['pyarrow']}, "
        f"networkx {software['networkx']}, Mesa {software['mesa']}, hydra-core "
        f"{software['hydra-core']} (1 of 2 jobs, written before 4 Dec 2026, record none); seed 3 "
        "(1 job) or 4 (1 job) (each job's `job.json` and `config.yaml`)."
    )


def test_made_with_tells_a_package_not_installed_from_a_job_that_recorded_none(tmp_path):
    software = {"python": "3.12.1", "referral-sim": "", "numpy": "2.5.5"}  # run from source
    (tmp_path / "0").mkdir()
    (tmp_path / "0" / jobs.JOB).write_text(json.dumps({"commit": "", "software": software}))
    said = notes.made_with([tmp_path / "0"])
    assert said.startswith(
        "Made with referral-sim not installed at commit none (not run from a git work tree), "
        "Python 3.12.1, numpy 2.5.5; seed not recorded"
    )


def write_mixed_job(folder, scheme, budget=None):
    overrides = ["seeding=mixed", f"referral={scheme}", "network.n=600", "days=20"]
    overrides += ["seeding.ads.daily_budget=945"]  # 20 days spend the ads' 18,900
    config = sim.compose([*overrides, f"budget.total={'null' if budget is None else budget}"])
    result = sim.run(config, progress=False)
    resolved = {"seeding": dataclasses.asdict(config.seeding), "budget": {"total": budget}}
    jobs.write_job(folder, result, {"referral": scheme}, yaml.safe_dump(resolved))
    return result.metrics


def test_the_report_names_the_shares_a_mixed_campaign_left_unspent_by_setting(tmp_path, capsys):
    # the reference campaign's KOLs spent 3,841 of their 10,800 yuan, and only a run's summary
    # said so (4 Dec 2026); the caps come from each job's config.yaml
    spent = {s: write_mixed_job(tmp_path / str(j), s) for j, s in enumerate(["none", "two_sided"])}
    kol = {scheme: yuan_figure(metrics["spend_kol"].mean()) for scheme, metrics in spent.items()}
    assert report.main([str(tmp_path)]) == 0
    note = next(n for n in capsys.readouterr().err.splitlines() if "Shares left unspent" in n)
    assert note.removeprefix("referral-sim-report: note: ").startswith(
        f"Shares left unspent, per run (none: KOLs {kol['none']} of 10,800 yuan, KOCs "
    )
    assert f"two_sided: KOLs {kol['two_sided']} of 10,800 yuan, KOCs" in note
    assert "referral rewards and discounts 0 of 13,500 yuan; two_sided" in note  # none's only
    assert note.endswith(
        "(what sets each channel's spend: KOLs: seeding.kol.hired, at most influencers.kols, and "
        "their fees on the post days; KOCs: seeding.koc.recruits, at most the KOC pool "
        "(influencers.koc_share x network.n), their products, commissions and "
        "commission_reserve; referral rewards and discounts: the referral scheme's rewards on "
        "the referred orders)."
    )
    assert note.removeprefix("referral-sim-report: note: ") in (tmp_path / "report.md").read_text()


def test_a_budget_total_below_the_mixed_total_leaves_the_shares_unweighed(tmp_path, capsys):
    for job, scheme in enumerate(["none", "two_sided"]):
        write_mixed_job(tmp_path / str(job), scheme, budget=20000.0)
    assert report.main([str(tmp_path)]) == 0
    assert "Shares left unspent" not in capsys.readouterr().err


def test_the_footer_says_the_network_differs_when_the_settings_compared_differ_in_it(
    tmp_path, capsys
):
    # a walkthrough (4 Dec 2026): --by network.rewire said each run was set against the
    # baseline's "(same network and consumers)", of runs on networks rewired otherwise
    for job, rewire in enumerate((0.01, 0.1)):
        overrides = ["referral=none", f"network.rewire={rewire}"]
        write_small_job(tmp_path / str(job), {"network.rewire": rewire}, overrides)
    assert report.main([str(tmp_path), "--by", "network.rewire", "--baseline", "0.1"]) == 0
    printed = capsys.readouterr().out
    shared = "(the same seed and replicate; the network differs with network.rewire)"
    assert f"`network.rewire=0.1`'s run of the same replicate {shared}" in printed
    assert "same network and consumers" not in printed
    written = tmp_path / "by_network.rewire_vs_0.1" / "report.md"
    text = " ".join(written.read_text().split())
    assert f"Paired: each run is set against the baseline's run of the same replicate {shared}" in (
        text
    )
    assert "same network and consumers" not in text


def test_the_footer_says_same_network_and_consumers_when_the_network_is_a_condition(
    tmp_path, capsys
):
    # network.rewire varies, but each scheme is paired with none at its own rewire
    for job, (scheme, rewire) in enumerate(
        (s, r) for s in ("none", "two_sided") for r in (0.01, 0.1)
    ):
        overrides = [f"referral={scheme}", f"network.rewire={rewire}"]
        parameters = {"referral": scheme, "network.rewire": rewire}
        write_small_job(tmp_path / str(job), parameters, overrides)
    assert report.main([str(tmp_path)]) == 0
    assert "run of the same replicate (same network and consumers);" in capsys.readouterr().out
    assert report.PAIRED_READS in " ".join((tmp_path / "report.md").read_text().split())


def test_only_keys_read_before_day_one_redraw_the_network_or_the_consumers():
    metrics = pd.DataFrame(
        {
            "scenario": ["gen_z_2026", np.nan],
            "experiment/network": ["lattice", "random"],  # network_sensitivity's networks
            "referral": ["none", "none"],
        }
    )
    redrawn = report.redrawn_by(
        metrics,
        [
            "referral.referrer_reward",
            "network",
            "network.k",
            "population.memory_days",  # read by the dynamics, not drawn
            "population.susceptibility_sd",
            "influencers.kols",
            "scenario",  # sets population.price_sensitivity and influencers.koc_share
        ],
    )
    assert redrawn == {
        "the network differs": ["network", "network.k"],
        "the consumers' traits differ": ["population.susceptibility_sd", "scenario"],
        "the KOL and KOC audiences differ": ["influencers.kols", "scenario"],
    }
    assert report.redrawn_by(metrics, ["referral", "budget.total"]) == {}
    redrawn = report.redrawn_by(metrics, ["experiment/network"])
    assert redrawn == {"the network differs": ["experiment/network"]}
    said = report.shared_draws_text(report.redrawn_by(metrics, ["seed"]))
    assert said == "the same replicate; the network and consumers differ with seed"
    assert report.shared_draws_text({}) == "same network and consumers"


def test_a_misspelt_by_gets_the_nearest_parameter_as_a_misspelt_key_does():
    # a walkthrough (4 Dec 2026): --by network.rewyre got the list of parameters only
    metrics = pd.DataFrame(
        {"referral": ["none", "two_sided"], "network.rewire": [0.01, 0.1], "network.k": [10, 10]}
    )
    metrics.attrs["parameters"] = ["referral", "network.rewire", "network.k"]
    with pytest.raises(
        ComparisonError, match=r"'network\.rewyre' \(did you mean network\.rewire\?\);"
    ):
        report.compared_by(metrics, "network.rewyre")
    with pytest.raises(ComparisonError, match=r"'network\.kk' \(did you mean network\.k\?\);"):
        report.compared_by(metrics, "network.kk")  # a parameter set alike in every job too
    with pytest.raises(ComparisonError, match=r"results lack column 'zzz'; the parameters"):
        report.compared_by(metrics, "zzz")  # nothing near: no guess


def test_no_text_of_the_reach_figure_runs_off_it_beside_a_long_legend(tmp_path, monkeypatch):
    # a three-parameter sweep's legend title narrowed the axes, and the centred title ran off
    # the figure's left edge: "ch versus CAC" (a researcher's walkthrough, 4 Dec 2026)
    keys = ("network.rewire", "referral", "referral.referrer_reward")
    for job, (rewire, scheme, reward) in enumerate(
        itertools.product((0.01, 0.5), ("one_sided", "two_sided"), (10, 30))
    ):
        overrides = [f"network.rewire={rewire}", f"referral={scheme}"]
        overrides += [f"referral.referrer_reward={reward}"]
        write_small_job(
            tmp_path / str(job), dict(zip(keys, (rewire, scheme, reward), strict=True)), overrides
        )
    drawn = {}

    def kept(figure, path):
        drawn[path.stem] = figure
        return path

    monkeypatch.setattr(charts, "save_figure", kept)
    assert report.main([str(tmp_path), "--by", "referral", "--baseline", "one_sided"]) == 0
    figure = drawn["reach_cac"]
    figure.tight_layout()  # as save_figure lays it out
    renderer = figure.canvas.get_renderer()
    width = figure.bbox.width
    texts = [t for t in figure.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    assert any(t.get_text().startswith("Reach versus CAC") for t in texts)
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert 0 <= extent.x0 and extent.x1 <= width + 0.5, text.get_text()
    for figure in drawn.values():
        charts.plt.close(figure)


def test_the_paired_adoption_panel_sets_each_setting_against_the_baseline_at_its_conditions():
    # a sweep over conditions drew no paired panel, and its settings' curves lay over one
    # another (15 of them in a researcher's walkthrough, 4 Dec 2026)
    rows = []
    for rewire, lift in ((0.01, 1.0), (0.5, 3.0)):
        for scheme, gain in (("none", 0.0), ("two_sided", lift)):
            for replicate in range(3):
                for day in range(4):
                    customers = 10 * day + rewire * 100 + gain * day + replicate
                    rows.append((rewire, scheme, replicate, day, customers))
    series = pd.DataFrame(
        rows, columns=["network.rewire", "referral", "replicate", "day", "customers"]
    )
    keys = ["network.rewire", "referral"]
    figure = charts.adoption_figure(series, keys, "none", within=["network.rewire"], by="referral")
    _, right = figure.axes
    assert (
        right.get_title() == "Extra customers over none at the same network.rewire, paired 95% CI"
    )
    ends = {line.get_label(): line.get_ydata()[-1] for line in right.lines}
    # two_sided gains 1 a day at rewire 0.01 and 3 at 0.5: 3 and 9 by day 3, none 0 at both
    assert ends == {"0.01, none": 0, "0.01, two_sided": 3, "0.5, none": 0, "0.5, two_sided": 9}
    charts.plt.close(figure)

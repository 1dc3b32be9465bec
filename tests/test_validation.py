"""The validation suite at its quick scale, and the theory it compares against.

The checks are those of ``experiments/validation.py`` (full sizes and the report there); here
each runs once at ``QUICK`` size and its numbers are asserted against theory with the stated
tolerances. The independent-cascade size at three (k, p) pairs and the reference cascade on
small worlds are in ``test_independent_cascade.py``; the percolation check here adds the
threshold crossing (a subcritical point and the take-off probability).
"""

from __future__ import annotations

import math

import matplotlib.image
import numpy as np
import pytest
from scipy import stats

import sim
from experiments import validation, validation_report
from experiments.validation_report import write_report
from sim import theory


@pytest.fixture(scope="module")
def results() -> dict[str, validation.CheckResult]:
    """Every check, run once at the quick scale."""
    return {r.key: r for r in validation.run_checks(validation.QUICK)}


# ----- theory ---------------------------------------------------------------------------------
def test_percolation_size_solves_its_equation_and_vanishes_below_threshold():
    for k, p in [(10, 0.15), (6, 0.3), (4, 0.5)]:
        s = theory.percolation_size(k, p)
        assert s == pytest.approx(1 - math.exp(-k * p * s), abs=1e-10)
        assert 0 < s < 1
    assert theory.percolation_size(10, 0.1) == 0.0
    assert theory.percolation_size(10, 0.05) == 0.0
    assert theory.small_outbreak_size(10, 0.05) == pytest.approx(2.0)
    assert math.isinf(theory.small_outbreak_size(10, 0.1))


def test_bass_forms_agree_where_they_should():
    days = np.arange(61)
    continuous = theory.bass_continuous(0.03, 0.38, days)
    assert continuous[0] == 0 and continuous[-1] == pytest.approx(1, abs=1e-4)
    # With small daily steps (rates per day / 50) all three forms converge on Bass's curve.
    fine = theory.bass_continuous(0.03 / 50, 0.38 / 50, days)
    assert np.abs(theory.bass_discrete(0.03 / 50, 0.38 / 50, 60) - fine).max() < 2e-3
    assert np.abs(theory.bass_day_stepped(0.03 / 50, 0.38 / 50, 60) - fine).max() < 2e-3
    # The finite-n form tends to its limit.
    limit = theory.bass_day_stepped(0.03, 0.38, 40)
    assert np.abs(theory.bass_day_stepped(0.03, 0.38, 40, n=10**7) - limit).max() < 1e-6


def test_bass_limit_implies_the_asked_p_and_q_and_composes():
    limit = theory.bass_limit(0.03, 0.38, 20_000)
    assert limit.p == pytest.approx(0.03, abs=1e-5)
    assert limit.q == 0.38
    config = sim.compose([*limit.overrides, "network=complete", "network.n=20000"])
    assert config.seeding.daily_budget / config.seeding.cpm * 1000 == limit.impressions
    assert config.share.daily * config.conversion.peer == pytest.approx(limit.q)
    with pytest.raises(ValueError, match=r"q=1\.5"):
        theory.bass_limit(0.03, 1.5, 1000)


# ----- the checks at quick scale ----------------------------------------------------------------
def test_independent_cascade_crosses_the_percolation_threshold(results):
    table = results["percolation"].table.set_index("p")
    below = table.loc[0.05]  # k p = 0.5: every outbreak small, mean size 1 / (1 - k p) = 2
    assert below["small outbreaks"] == below["runs"]
    assert below["small outbreak mean"] == pytest.approx(2.0, abs=below["small outbreak tolerance"])
    for p in (0.15, 0.3):
        row = table.loc[p]
        assert row["large outbreak size"] == pytest.approx(row["S"], abs=0.01)
        assert row["takeoff share"] == pytest.approx(row["S"], abs=row["takeoff tolerance"])
    assert results["percolation"].passed


def test_mean_adoption_follows_the_day_stepped_bass_curve(results):
    table = results["bass"].table
    assert (table["max gap (day-stepped)"] <= 0.01).all()
    assert (table["implied p"] - table["p"]).abs().max() < 1e-4
    # The check tells the forms apart: with strong imitation the textbook discrete form is off
    # by several times the gap the model shows to the day-stepped form.
    strong = table[table["q"] >= 0.38]
    assert (strong["max gap (textbook discrete)"] > 5 * strong["max gap (day-stepped)"]).all()
    assert results["bass"].passed


def test_complete_beats_small_world_beats_lattice_every_day(results):
    table = results["ordering"].table
    assert (table["smallest gap + 3 SE"] >= 0).all()
    assert (table["largest gap / SE"] > 3).all()
    little_advertising = table[table["p"] == 0.003].set_index("pair")
    assert little_advertising.loc["complete >= small_world", "largest gap"] > 0.1
    assert results["ordering"].passed


def test_complex_contagion_spreads_further_on_clustered_networks(results):
    table = results["complex_contagion"].table.set_index("population")
    for population in ("threshold 2", "thresholds 2 and 3"):
        row = table.loc[population]
        assert row["reach r=0"] > 5 * row["reach r=1"]
        assert row["reach r=0.01"] > 5 * row["reach r=1"]
        assert row["smallest margin / SE"] > 3
    # Simple contagion does not need clustering: rewiring does not slow it down.
    simple = table.loc["threshold 1 (simple, reference)"]
    assert simple["reach r=1"] >= simple["reach r=0"] - 0.01
    assert results["complex_contagion"].passed


def test_cascades_are_mostly_single_adopters_with_low_virality(results):
    row = results["cascade_shape"].table.iloc[0]
    assert row["single_adopter_share"] >= 0.7
    assert row["trees >= 10"] >= 3
    assert 2 <= row["virality of trees >= 10"] <= 5
    assert 2 <= row["structural_virality (largest tree)"] <= 5
    assert results["cascade_shape"].passed


def test_report_has_every_check_with_its_figure_and_table(results, tmp_path):
    report = write_report(list(results.values()), validation.QUICK, tmp_path, seconds=1.0)
    text = report.read_text()
    assert "**5 of 5 checks pass.**" in text
    for result in results.values():
        assert f"## {result.title}: PASS" in text
        assert f"![{result.key}]({result.key}.png)" in text
        image = matplotlib.image.imread(tmp_path / f"{result.key}.png")
        assert image.shape[0] > 300 and image.shape[1] > 600
        assert (tmp_path / f"{result.key}.parquet").stat().st_size > 0
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporaries


def test_a_run_of_some_checks_leaves_the_whole_suites_files_alone(tmp_path):
    for name in ("validation.md", "bass.png"):
        (tmp_path / name).write_text(f"the whole suite's {name}")
    assert validation.main(["--quick", "--only", "bass", "--out", str(tmp_path)]) == 0
    for name in ("validation.md", "bass.png"):
        assert (tmp_path / name).read_text() == f"the whole suite's {name}"
    assert not (tmp_path / "bass.parquet").exists()
    partial = (tmp_path / "partial" / "validation.md").read_text()
    assert "Bass" in partial and "Percolation" not in partial
    assert (tmp_path / "partial" / "bass.png").stat().st_size > 1000


def test_figure_intervals_use_the_t_quantile_and_wilson_shares():
    values = np.array([[1.0, 10.0], [2.0, 12.0], [4.0, 11.0]])  # 3 replicates of 2 days
    mean, half = validation.mean_and_half_width(values)
    for day in range(2):
        low, high = stats.t.interval(
            0.95, 2, loc=values[:, day].mean(), scale=stats.sem(values[:, day])
        )
        assert mean[day] - half[day] == pytest.approx(low) and mean[day] + half[
            day
        ] == pytest.approx(high)
    assert validation.mean_and_half_width(np.array([[3.0, 4.0]]))[1].tolist() == [0.0, 0.0]
    below, above = validation_report.wilson_errors([0, 10, 5], [10, 10, 10])
    assert below[0] == 0 and above[0] == pytest.approx(wilson(0, 10)[1])  # 0 of 10: not [0, 0]
    assert above[1] == 0 and 1 - below[1] == pytest.approx(wilson(10, 10)[0])
    assert 0.5 - below[2] == pytest.approx(wilson(5, 10)[0])
    assert 0.5 + above[2] == pytest.approx(wilson(5, 10)[1])


def wilson(successes: int, trials: int, z: float = stats.norm.ppf(0.975)) -> tuple[float, float]:
    """Wilson's 95% score interval (Wilson 1927), from its formula."""
    share, z2 = successes / trials, z * z
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials**2))
    return centre - half, centre + half


def test_the_ordering_figure_ends_soon_after_the_curves_settle():
    curve = np.minimum(np.arange(80) / 20, 1.0)  # reaches its plateau on day 20
    assert validation_report.settling_day(curve) == 20
    assert validation_report.settling_day(np.full(5, 0.3)) == 0

"""Paired comparison: means, paired intervals and incremental CAC on numbers known by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.compare import mean_interval, ratio_interval, wide


def replicates(scheme: str, customers, spend, **extra) -> pd.DataFrame:
    customers, spend = np.asarray(customers, float), np.asarray(spend, float)
    frame = pd.DataFrame(
        {
            "referral": scheme,
            "replicate": np.arange(len(customers)),
            "customers": customers,
            "spend_acquisition": spend,
            "cac": spend / customers,
            "repurchase_rate": 0.2,
            "repurchase_30d": 0.1,
            "roi": 2.0,
            "fraud_share": np.nan if scheme == "none" else 0.1,
            **extra,
        }
    )
    frame.attrs["parameters"] = ["referral", *extra]
    return frame


@pytest.fixture
def results() -> pd.DataFrame:
    # Replicates differ a lot (network luck) but the scheme adds 10 customers for 500 yuan in each.
    base = replicates("none", [100, 200, 300, 150], [6000, 6000, 6000, 6000])
    scheme = replicates("two_sided", [110, 212, 308, 160], [6500, 6480, 6520, 6500])
    frame = pd.concat([base, scheme], ignore_index=True)
    frame.attrs["parameters"] = ["referral"]
    return frame


def test_means_and_paired_differences(results):
    table = wide(sim.compare(results)).set_index("referral")
    assert table.loc["two_sided", "customers"] == pytest.approx(197.5)
    assert table.loc["two_sided", "delta_customers"] == pytest.approx(10.0)
    differences = np.array([10, 12, 8, 10])
    half = stats.t.ppf(0.975, 3) * differences.std(ddof=1) / 2
    assert table.loc["two_sided", "delta_customers_low"] == pytest.approx(10 - half)
    unpaired_width = (
        table.loc["two_sided", "customers_high"] - table.loc["two_sided", "customers_low"]
    )
    assert 2 * half < unpaired_width / 20  # pairing removes the network luck
    assert table.loc["none", "delta_customers"] == 0


def enumerated_bounds(numerator, denominator, confidence: float, resamples: int = 4000):
    """Where a percentile bootstrap of mean(numerator) / mean(denominator) may put its bounds.

    With 4 pairs every resample is one of the 4**4 = 256 equally likely ordered index tuples,
    so the exact bootstrap distribution is enumerated here. sim.compare.paired_bootstrap draws
    ``resamples`` (4000) tuples and takes the ``inverted_cdf`` percentiles at (1 - confidence)/2
    and 1 - (1 - confidence)/2; the empirical CDF of 4000 draws has Monte-Carlo standard error
    sqrt(p (1 - p) / 4000) (0.0025 at p = 0.025), so each bound lies between the exact
    quantiles at p -/+ 3 standard errors. Returns ((low_min, low_max), (high_min, high_max)).
    """
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    tuples = [list(t) for t in itertools.product(range(len(numerator)), repeat=len(numerator))]
    ratios = [numerator[t].mean() / denominator[t].mean() for t in tuples]
    assert len(ratios) == 256

    def between(p):
        error = 3 * np.sqrt(p * (1 - p) / resamples)
        return tuple(
            np.percentile(ratios, [100 * (p - error), 100 * (p + error)], method="inverted_cdf")
        )

    tail = (1 - confidence) / 2
    return between(tail), between(1 - tail)


def test_incremental_cac_is_extra_spend_per_extra_customer(results):
    table = wide(sim.compare(results)).set_index("referral")
    assert table.loc["two_sided", "incremental_cac"] == pytest.approx(2000 / 40)
    low, high = table.loc["two_sided", ["incremental_cac_low", "incremental_cac_high"]]
    # paired differences of the fixture: 500, 480, 520, 500 yuan for 10, 12, 8, 10 customers
    (low_min, low_max), (high_min, high_max) = enumerated_bounds(
        [500, 480, 520, 500], [10, 12, 8, 10], 0.95
    )
    assert low_min <= low <= low_max < 50 < high_min <= high <= high_max
    assert np.isnan(table.loc["none", "incremental_cac"])


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_the_ratio_interval_is_the_percentile_bootstrap_at_its_confidence(confidence):
    # spread-out pairs: the 256 resamples give 35 distinct ratios, so a 50% interval or a fixed
    # band around the ratio lands outside the bounds (the 95% and 90% bounds touch at the
    # atoms 38.9 and 76.0, so this does not tell the two levels apart)
    spend, customers = [2000.0, 2600, 1500, 3100], [40.0, 30, 50, 45]
    ratio, low, high, count = ratio_interval(pd.Series(spend), pd.Series(customers), confidence)
    assert ratio == pytest.approx(sum(spend) / sum(customers)) and count == 4
    (low_min, low_max), (high_min, high_max) = enumerated_bounds(spend, customers, confidence)
    assert low_min <= low <= low_max
    assert high_min <= high <= high_max


def test_no_extra_customers_means_no_incremental_cac():
    ratio, low, _, count = ratio_interval(pd.Series([100.0, 50, 80]), pd.Series([-1.0, 0, -2]))
    assert np.isnan(ratio) and np.isnan(low) and count == 3


def test_fraud_share_ignores_undefined_replicates(results):
    table = wide(sim.compare(results)).set_index("referral")
    assert np.isnan(table.loc["none", "fraud_share"])
    assert table.loc["two_sided", "fraud_share"] == pytest.approx(0.1)


def test_comparisons_are_made_within_each_other_swept_parameter():
    parts = []
    for n, lift in ((1000, 10), (5000, 50)):
        parts.append(replicates("none", [100, 120, 140], [5000] * 3, **{"network.n": n}))
        more = np.array([100, 120, 140]) + lift
        parts.append(replicates("two_sided", more, [5500] * 3, **{"network.n": n}))
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "network.n"]
    table = wide(sim.compare(frame)).set_index(["network.n", "referral"])
    assert table.loc[(1000, "two_sided"), "delta_customers"] == pytest.approx(10)
    assert table.loc[(5000, "two_sided"), "delta_customers"] == pytest.approx(50)
    assert table.loc[(5000, "two_sided"), "incremental_cac"] == pytest.approx(500 / 50)


def test_other_settings_keep_their_order_their_types_and_missing_values():
    parts = []
    for network, n in (("lattice", 1000), ("random", 5000), ("random", None)):
        settings = {"network": network, "network.n": n}
        parts.append(replicates("none", [100, 120, 140], [5000] * 3, **settings))
        parts.append(replicates("two_sided", [110, 130, 150], [5500] * 3, **settings))
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "network", "network.n"]
    table = sim.compare(frame)
    assert list(table.columns[:3]) == ["network", "network.n", "referral"]
    assert set(table["network.n"].dropna()) == {1000, 5000}  # numbers, not "1000"
    assert table["network.n"].isna().sum() == len(table) / 3  # the job left at the default
    assert set(table["network"]) == {"lattice", "random"}


def test_a_numeric_baseline_given_as_text_matches():
    frame = pd.concat(
        [
            replicates("two_sided", [100, 110], [1000, 1000]).assign(reward=0.0),
            replicates("two_sided", [120, 130], [2000, 2000]).assign(reward=10.0),
        ],
        ignore_index=True,
    )
    frame.attrs["parameters"] = ["reward"]
    table = wide(sim.compare(frame, baseline="0", by="reward"), by="reward").set_index("reward")
    assert table.loc[10.0, "incremental_cac"] == pytest.approx(1000 / 20)


def test_a_missing_baseline_or_column_is_named(results):
    with pytest.raises(ValueError, match=r"baseline referral='bogus' is not in the results"):
        sim.compare(results, baseline="bogus")
    with pytest.raises(ValueError, match=r"lack column.*cac"):
        sim.compare(results.drop(columns="cac"))


def test_mean_interval_handles_one_and_constant_values():
    assert mean_interval(pd.Series([3.0]))[:3] == pytest.approx((3.0, np.nan, np.nan), nan_ok=True)
    assert mean_interval(pd.Series([2.0, 2.0, 2.0])) == (2.0, 2.0, 2.0, 3)
    assert mean_interval(pd.Series([np.nan]))[3] == 0


def test_a_scheme_that_may_win_nobody_has_an_unbounded_incremental_cac():
    ratio, low, high, _ = ratio_interval(
        pd.Series([100.0, 120, 90, 110]), pd.Series([3.0, 5, -1, 2])
    )
    assert ratio == pytest.approx(420 / 9) and 0 < low < ratio and high == np.inf


def test_a_switch_baseline_given_as_hydra_writes_it_matches():
    frame = pd.concat(
        [
            replicates("two_sided", [100, 110], [1000, 1000]).assign(**{"fraud.enabled": True}),
            replicates("two_sided", [120, 130], [1000, 1000]).assign(**{"fraud.enabled": False}),
        ],
        ignore_index=True,
    )
    frame.attrs["parameters"] = ["fraud.enabled"]
    for word in ("false", "False"):
        table = wide(sim.compare(frame, baseline=word, by="fraud.enabled"), by="fraud.enabled")
        table = table.set_index("fraud.enabled")
        assert table.loc[True, "delta_customers"] == pytest.approx(-20)


def test_one_metric_named_as_text_is_that_metric(results):
    table = sim.compare(results, metrics="cac")
    assert set(table["metric"]) == {"cac", "delta_customers", "delta_cac"} | {
        "delta_spend_acquisition",
        "incremental_cac",
    }


def test_a_replicate_repeated_within_a_setting_is_compared_once(results):
    doubled = pd.concat([results, results[results["referral"] == "two_sided"]], ignore_index=True)
    doubled.attrs["parameters"] = ["referral"]
    with pytest.warns(sim.results.DuplicateJobWarning, match="referral=two_sided: 4 replicate"):
        table = sim.compare(doubled)
    pd.testing.assert_frame_equal(table, sim.compare(results))

"""Paired comparison: means, paired intervals and incremental CAC on numbers known by hand."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.compare import (
    ComparisonError,
    UnpairedWarning,
    conditions,
    differences_across,
    mean_interval,
    ratio_interval,
    unpaired,
    wide,
)
from sim.summary import figure, pooled_difference_interval, pooled_ratio_interval


def replicates(scheme: str, customers, spend, **extra) -> pd.DataFrame:
    customers, spend = np.asarray(customers, float), np.asarray(spend, float)
    frame = pd.DataFrame(
        {
            "referral": scheme,
            "replicate": np.arange(len(customers)),
            "customers": customers,
            "spend_acquisition": spend,
            "cac": spend / np.where(customers > 0, customers, np.nan),  # NaN as sim.metrics
            "spend_total": spend,
            "revenue": 2 * spend,
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


def t_statistic_at(ratio: float, numerator, denominator) -> float:
    """|t| of the paired differences numerator - ratio * denominator (Fieller's pivot)."""
    differences = np.asarray(numerator, float) - ratio * np.asarray(denominator, float)
    return abs(differences.mean()) / stats.sem(differences)


def test_incremental_cac_is_extra_spend_per_extra_customer(results):
    table = wide(sim.compare(results)).set_index("referral")
    assert table.loc["two_sided", "incremental_cac"] == pytest.approx(2000 / 40)
    low, high = table.loc["two_sided", ["incremental_cac_low", "incremental_cac_high"]]
    # paired differences of the fixture: 500, 480, 520, 500 yuan for 10, 12, 8, 10 customers;
    # Fieller's bounds are the ratios at which the pivot reaches the t quantile (3 d.o.f.)
    assert low < 50 < high
    for bound in (low, high):
        pivot = t_statistic_at(bound, [500, 480, 520, 500], [10, 12, 8, 10])
        assert pivot == pytest.approx(stats.t.ppf(0.975, 3))
    assert np.isnan(table.loc["none", "incremental_cac"])


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_the_ratio_interval_is_fiellers_at_its_confidence(confidence):
    spend, customers = [2000.0, 2600, 1500, 3100], [40.0, 30, 50, 45]
    ratio, low, high, count = ratio_interval(pd.Series(spend), pd.Series(customers), confidence)
    assert ratio == pytest.approx(sum(spend) / sum(customers)) and count == 4
    quantile = stats.t.ppf(0.5 + confidence / 2, 3)
    assert low < ratio < high
    assert t_statistic_at(low, spend, customers) == pytest.approx(quantile)
    assert t_statistic_at(high, spend, customers) == pytest.approx(quantile)
    inside = np.linspace(low, high, 50)[1:-1]  # every ratio inside passes the t-test
    assert all(t_statistic_at(r, spend, customers) < quantile for r in inside)


def test_two_pairs_give_fiellers_interval_with_one_degree_of_freedom():
    # the fewest pairs with a variance: a two-job comparison still gets its interval
    spend, customers = [1000.0, 1200.0], [10.0, 11.0]
    ratio, low, high, count = ratio_interval(pd.Series(spend), pd.Series(customers))
    assert count == 2 and ratio == pytest.approx(2200 / 21)
    assert np.isfinite(low) and np.isfinite(high) and low < ratio < high
    for bound in (low, high):
        assert t_statistic_at(bound, spend, customers) == pytest.approx(stats.t.ppf(0.975, 1))


def test_the_ratio_interval_covers_the_true_ratio_at_its_confidence():
    # normal pairs, true incremental CAC 50; Fieller's interval is exact for them, so 2,000
    # seeded trials at 5 replicates cover 95% up to binomial noise (sd 0.5%: +-3 sd here)
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(2000):
        customers = rng.normal(10, 4, 5)
        spend = 50 * customers + rng.normal(0, 100, 5)
        _, low, high, _ = ratio_interval(pd.Series(spend), pd.Series(customers))
        covered += low <= 50 <= high
    assert 0.935 <= covered / 2000 <= 0.965


@pytest.mark.parametrize("seed", range(5))
def test_the_ratio_interval_is_unbounded_exactly_when_extra_customers_may_be_zero(seed):
    # the incremental CAC must not look precise when the Δ customers column says "maybe none"
    rng = np.random.default_rng(seed)
    seen = set()
    for _ in range(40):
        customers = rng.normal(rng.uniform(0.5, 10), 6, 4)
        if customers.mean() <= 0:
            continue
        spend = 40 * customers + rng.normal(0, 150, 4)
        high = ratio_interval(pd.Series(spend), pd.Series(customers))[2]
        delta_low = mean_interval(pd.Series(customers))[1]
        assert (high == np.inf) == (delta_low <= 0)
        seen.add(high == np.inf)
    assert seen == {True, False}  # both cases were met


@pytest.mark.parametrize("seed", range(5))
def test_a_ratio_of_differences_holds_every_ratio_that_passes_the_t_test(seed):
    # extra spend over extra customers: where Fieller's set was two rays, only the one on the
    # estimate's side was kept, and "+1 [-1, 3]" customers read "170.0 [95.7, inf]", leaving out
    # a scheme that won fewer customers for its spend (a researcher's walkthrough, 4 Dec 2026)
    rng = np.random.default_rng(seed)
    quantile, candidates = stats.t.ppf(0.975, 3), np.linspace(-2000, 2000, 801)
    seen = set()
    for _ in range(40):
        customers = rng.normal(rng.uniform(-1, 6), 4, 4)
        if customers.mean() <= 0:
            continue
        spend = rng.normal(300, 150, 4)
        _, low, high, _ = ratio_interval(pd.Series(spend), pd.Series(customers), signed=True)
        passing = [r for r in candidates if t_statistic_at(r, spend, customers) < quantile]
        assert all(low <= r <= high for r in passing)
        unbounded = mean_interval(pd.Series(customers))[1] <= 0
        assert (low, high) == (-np.inf, np.inf) if unbounded else np.isfinite([low, high]).all()
        kept = ratio_interval(pd.Series(spend), pd.Series(customers))[1]  # spend over customers
        seen.add((unbounded, np.isfinite(kept)))
    assert (True, True) in seen  # a two-ray case, where positive parts keep one ray, was met


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
    table = wide(sim.compare(frame, baseline="0", by="reward")).set_index("reward")
    assert table.loc[10.0, "incremental_cac"] == pytest.approx(1000 / 20)


def test_a_missing_baseline_or_column_is_named(results):
    with pytest.raises(ValueError, match=r"baseline referral='bogus' is not in the results: "):
        sim.compare(results, baseline="bogus")  # nothing like it: no guess
    # a misspelt baseline gets the nearest setting, as a misspelt key or --by does (4 Dec 2026)
    with pytest.raises(ValueError, match=r"'two_sidd' is not in the results \(did you mean two"):
        sim.compare(results, baseline="two_sidd")
    # a number is no typo of the nearest text: 0.2 is not a misspelt 0.5 (a review)
    rewired = results.assign(rewire=results["referral"].map({"none": 0.1}).fillna(0.5))
    rewired.attrs["parameters"] = ["rewire"]
    with pytest.raises(ValueError, match=r"rewire='0.2' is not in the results: \[0.1, 0.5\]"):
        sim.compare(rewired, baseline="0.2", by="rewire")
    with pytest.raises(ValueError, match=r"lack column.*cac"):
        sim.compare(results.drop(columns="cac"))


def test_a_misspelt_by_or_metric_is_named_with_what_the_results_hold(results):
    # the message named the column and nothing else: not what by= or metrics= could be
    with pytest.raises(ComparisonError) as refused:
        sim.compare(results, by="referal")
    assert str(refused.value) == (
        "results lack column 'referal', the parameter compared (by=) (did you mean referral?); "
        "their parameters are referral"
    )
    with pytest.raises(ComparisonError, match=r"lack column\(s\) cacc, .*did you mean cac\?\); "):
        sim.compare(results, metrics=["customers", "cacc"])
    with pytest.raises(ComparisonError, match=r"their metrics are customers, .*, fraud_share$"):
        sim.compare(results, metrics=["cacc"])
    runs = results.drop(columns="referral")  # sim.run's metrics: no parameter column
    runs.attrs = {}
    with pytest.raises(ComparisonError) as refused:
        sim.compare(runs)
    assert str(refused.value) == (
        "results lack column 'referral', the parameter compared (by=); they have no parameter "
        "column (sim.results.load gives the jobs' parameters; to compare runs of sim.run, give "
        "each its setting: result.metrics.assign(referral='two_sided'))"
    )


def test_the_parameters_named_are_those_the_results_hold(results):
    # attrs naming a parameter no column holds, and a column that attrs do not name
    loaded = results.assign(label="a")
    loaded.attrs["parameters"] = ["referral", "network.n"]
    with pytest.raises(ComparisonError) as refused:
        sim.compare(loaded, by="custmers")  # a metric is no parameter to suggest
    assert str(refused.value) == (
        "results lack column 'custmers', the parameter compared (by=); "
        "their parameters are referral"
    )


def test_without_attrs_the_parameters_are_the_columns_neither_measured_nor_job(results):
    # pandas drops attrs in some operations: the columns say what the parameters are
    frame = results.assign(**{"network.n": 2000, "job": "multirun/x/0"})
    frame.attrs = {}
    with pytest.raises(ComparisonError) as refused:
        sim.compare(frame, by="zzz")
    assert str(refused.value) == (
        "results lack column 'zzz', the parameter compared (by=); "
        "their parameters are referral, network.n"
    )
    with pytest.raises(ComparisonError) as refused:
        sim.compare(frame, metrics=["cacc", "custmers"])
    assert str(refused.value) == (
        "results lack column(s) cacc, custmers, metric(s) to compare (did you mean cac?); their "
        "metrics are customers, spend_acquisition, cac, spend_total, revenue, repurchase_rate, "
        "repurchase_30d, roi, fraud_share"
    )
    with pytest.raises(ComparisonError) as refused:
        sim.compare(frame[["referral", "replicate"]], metrics=["cac"])
    assert str(refused.value).endswith("; their metrics are none")


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("multirun/x", "str 'multirun/x': load the folder first, sim.results.load('multirun/x')"),
        (
            Path("multirun/x"),
            f"{type(Path()).__name__} 'multirun/x': load the folder first, "
            "sim.results.load('multirun/x')",
        ),
        (pd.Series([1.0]), "Series; sim.results.load(folder) gives one"),
    ],
)
def test_results_that_are_not_a_frame_are_refused_saying_what_to_give(given, said):
    # it failed with "'str' object has no attribute 'columns'"; a folder is told how to load it
    with pytest.raises(ComparisonError) as refused:
        sim.compare(given)
    assert str(refused.value) == f"results: expected a DataFrame of replicate metrics, not {said}"


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
        table = wide(sim.compare(frame, baseline=word, by="fraud.enabled"))
        table = table.set_index("fraud.enabled")
        assert table.loc[True, "delta_customers"] == pytest.approx(-20)


def test_one_metric_named_as_text_is_that_metric(results):
    table = sim.compare(results, metrics="cac")
    assert set(table["metric"]) == {"cac", "delta_customers", "delta_cac"} | {
        "delta_spend_acquisition",
        "incremental_cac",
    }


def test_a_replicate_repeated_within_a_setting_is_compared_once(results):
    # a copy (the same run, from jobs that differ only in run.replicates) is read once quietly;
    # a repeat with other outcomes is warned of: the settings differ in something not shown
    again = results[results["referral"] == "two_sided"]
    copied = pd.concat([results, again], ignore_index=True)
    copied.attrs["parameters"] = ["referral"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_frame_equal(sim.compare(copied), sim.compare(results))
    other = pd.concat([results, again.assign(customers=again["customers"] + 1)], ignore_index=True)
    other.attrs["parameters"] = ["referral"]
    match = "referral=two_sided: 4 replicate.*same settings and other outcomes"
    with pytest.warns(sim.results.DuplicateJobWarning, match=match):
        table = sim.compare(other)
    pd.testing.assert_frame_equal(table, sim.compare(results))


def test_jobs_that_differ_only_in_their_replicate_count_pair_on_the_replicates_they_share(
    tmp_path,
):
    # a baseline run with more replicates than the schemes was another setting of
    # run.replicates: every scheme read "no baseline" (docs promise pairing on shared ones)
    def sweep(folder, referrals, replicates):
        for job, referral in enumerate(referrals):
            overrides = {"referral": referral, "run.replicates": replicates, "network.n": 300}
            given = [*(f"{k}={v}" for k, v in overrides.items()), "days=15"]
            result = sim.run(sim.compose(given), progress=False)
            sim.jobs.write_job(folder / str(job), result, overrides, "\n".join(given))

    sweep(tmp_path / "a", ["none", "two_sided"], 6)
    sweep(tmp_path / "b", ["one_sided"], 4)
    frame = sim.results.load(tmp_path)
    assert sim.results.swept(frame) == ["referral"]  # run.replicates is not a setting
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = sim.compare(frame)
    paired = table[table["metric"] == "delta_customers"].set_index("referral")["replicates"]
    assert paired.to_dict() == {"none": 6, "two_sided": 6, "one_sided": 4}
    one_sided = frame[frame["referral"] == "one_sided"].set_index("replicate")["customers"]
    none = frame[frame["referral"] == "none"].set_index("replicate")["customers"]
    delta = table.query("referral == 'one_sided' and metric == 'delta_customers'")["mean"]
    assert delta.item() == pytest.approx((one_sided - none.loc[one_sided.index]).mean())


def test_a_parameter_the_baseline_never_sets_describes_the_settings():
    # none has no reward; one_sided at rewards 10 and 20 are two settings, each paired with none
    parts = [replicates("none", [100, 120, 140], [5000] * 3)]
    parts[0]["referral.referrer_reward"] = np.nan
    for reward, lift in ((10, 5), (20, 9)):
        more = np.array([100, 120, 140]) + lift
        extra = {"referral.referrer_reward": reward}
        parts.append(replicates("one_sided", more, [5500] * 3, **extra))
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "referral.referrer_reward"]
    table = sim.compare(frame)
    assert list(table.columns[:2]) == ["referral", "referral.referrer_reward"]
    table = wide(table).set_index(["referral", "referral.referrer_reward"])
    assert table.loc[("one_sided", 10), "delta_customers"] == pytest.approx(5)
    assert table.loc[("one_sided", 20), "delta_customers"] == pytest.approx(9)


def test_a_parameter_the_baseline_sets_stays_a_condition_of_the_comparison():
    # a factorial design: two_sided at reward r is compared with one_sided at the same r
    parts = []
    for reward, base in ((10, 100), (20, 200)):
        extra = {"referral.referrer_reward": reward}
        parts.append(replicates("one_sided", [base, base + 10, base + 20], [5000] * 3, **extra))
        more = np.array([base, base + 10, base + 20]) + reward
        parts.append(replicates("two_sided", more, [5500] * 3, **extra))
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "referral.referrer_reward"]
    table = wide(sim.compare(frame, baseline="one_sided"))
    table = table.set_index(["referral.referrer_reward", "referral"])
    assert table.loc[(10, "two_sided"), "delta_customers"] == pytest.approx(10)
    assert table.loc[(20, "two_sided"), "delta_customers"] == pytest.approx(20)


def test_a_setting_with_no_baseline_to_pair_with_is_empty_and_warned_of():
    parts = [
        replicates("none", [100, 120, 140], [5000] * 3, **{"network.n": 1000}),
        replicates("two_sided", [110, 130, 150], [5500] * 3, **{"network.n": 1000}),
        replicates("two_sided", [110, 130, 150], [5500] * 3, **{"network.n": 5000}),
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "network.n"]
    with pytest.warns(UnpairedWarning, match=r"for 1 setting\(s\): network.n=5000, referral=two"):
        table = sim.compare(frame)
    alone = table[(table["network.n"] == 5000) & table["metric"].isin(["delta_customers"])]
    assert alone["replicates"].tolist() == [0] and alone["mean"].isna().all()
    assert unpaired(table).sum() == 1


def test_the_profit_a_scheme_adds_is_the_paired_t_interval_of_the_replicates_differences():
    # ROI (revenue over spend) read 2.00 where a run loses money (break-even 2.5): the report
    # shows profit and what a scheme adds to it, paired by replicate
    frame = pd.concat(
        [
            replicates("none", [100, 120, 140, 130], [5000] * 4),
            replicates("two_sided", [110, 130, 150, 140], [5500] * 4),
        ],
        ignore_index=True,
    )
    frame["gross_profit"] = [-900, -700, -800, -650, -950, -790, -840, -720]
    frame.attrs["parameters"] = ["referral"]
    table = sim.compare(frame, metrics=["customers"])
    row = table.query("referral == 'two_sided' and metric == 'delta_gross_profit'").iloc[0]
    differences = np.array([-50.0, -90.0, -40.0, -70.0])
    half = stats.t.ppf(0.975, 3) * differences.std(ddof=1) / 2
    assert row["mean"] == pytest.approx(-62.5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((-62.5 - half, -62.5 + half))
    older = frame.drop(columns="gross_profit")  # results of an older engine: no such row
    older.attrs["parameters"] = ["referral"]
    assert "delta_gross_profit" not in set(sim.compare(older, metrics=["customers"])["metric"])


def test_settings_whose_conditions_the_baseline_never_ran_are_said_apart():
    # a review: a parent of two sweeps, one without referral=none, read "a baseline job
    # unfinished or failed", which no waiting or re-run would mend
    parts = [
        replicates("none", [100, 120, 140], [5000] * 3, **{"network.n": 1000}),
        replicates("one_sided", [110, 130, 150], [5500] * 3, **{"network.n": 1000}),
        replicates("two_sided", [110, 130], [5500] * 2, **{"network.n": 1000}),
        replicates("two_sided", [110, 130, 150], [5500] * 3, **{"network.n": 5000}),
        replicates("two_sided", [110, 130, 150], [5500] * 3, **{"network.n": np.nan}),
    ]
    parts[2]["replicate"] += 3  # replicates 3 and 4: the baseline's have other numbers
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "network.n"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnpairedWarning)
        table = sim.compare(frame)
    said = [str(warning.message) for warning in caught]
    assert said == [
        "no referral=none replicate to pair with (no referral=none job ran with their "
        "network.n) for 2 setting(s): network.n=5000, referral=two_sided; referral=two_sided; "
        "their paired differences and incremental CAC are left empty",  # unset: not named
        "no referral=none replicate to pair with (a baseline job unfinished or failed, or "
        "other replicate numbers) for 1 setting(s): network.n=1000, referral=two_sided; their "
        "paired differences and incremental CAC are left empty",
    ]
    assert unpaired(table).sum() == 3


def test_a_baseline_that_ran_with_a_condition_unset_pairs_those_settings_as_having_run():
    # a mutation review: NaN equals no NaN, so an unset condition the baseline ran with read
    # as one it never ran with, and its unpaired settings were told re-running would not help
    parts = [
        replicates("none", [100, 120, 140], [5000] * 3, **{"network.n": 1000}),
        replicates("none", [100, 120, 140], [5000] * 3, **{"network.n": np.nan}),
        replicates("two_sided", [110, 130], [5500] * 2, **{"network.n": np.nan}),
    ]
    parts[2]["replicate"] += 3  # replicates 3 and 4: the baseline's have other numbers
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "network.n"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnpairedWarning)
        sim.compare(frame)
    assert [str(warning.message) for warning in caught] == [
        "no referral=none replicate to pair with (a baseline job unfinished or failed, or "
        "other replicate numbers) for 1 setting(s): referral=two_sided; their paired "
        "differences and incremental CAC are left empty",
    ]


def test_differences_across_conditions_take_settings_of_two_replicates():
    # a mutation review: t-intervals of 1 degree of freedom are read back as well as any
    means, ses = np.array([14.0, 17.0, 22.0]), np.array([4.0, 3.5, 4.5])
    found = differences_across(delta_rows(means, ses, replicates=2), "referral", ["network"])
    weight = 1 / ses**2
    q = (weight * (means - (weight * means).sum() / weight.sum()) ** 2).sum()
    assert found["values"].tolist() == [3]
    assert found["q"].iloc[0] == pytest.approx(q, rel=1e-9)


def delta_rows(means, ses, replicates=30, network=None) -> pd.DataFrame:
    """``delta_customers`` rows of a compare table: two_sided at each network, t-intervals."""
    half = np.asarray(ses) * stats.t.ppf(0.975, replicates - 1)
    networks = network or [f"net{i}" for i in range(len(means))]
    return pd.DataFrame(
        {
            "network": networks,
            "referral": "two_sided",
            "metric": "delta_customers",
            "mean": means,
            "ci_low": np.asarray(means) - half,
            "ci_high": np.asarray(means) + half,
            "replicates": replicates,
        }
    )


def test_differences_across_conditions_is_cochrans_q_against_chi_squared():
    means, ses = np.array([14.0, 17.0, 22.0, 21.0]), np.array([4.0, 3.5, 4.5, 5.0])
    baseline = delta_rows([0.0] * 4, [0.0] * 4).assign(referral="none")  # no spread: left out
    found = differences_across(
        pd.concat([baseline, delta_rows(means, ses)]), "referral", ["network"]
    )
    weight = 1 / ses**2
    q = (weight * (means - (weight * means).sum() / weight.sum()) ** 2).sum()
    assert found["referral"].tolist() == ["two_sided"] and found["values"].tolist() == [4]
    assert found["q"].iloc[0] == pytest.approx(q, rel=1e-9)
    assert found["p"].iloc[0] == pytest.approx(stats.chi2.sf(q, 3), rel=1e-9)
    assert found["lowest"].iloc[0]["network"] == "net0"
    assert found["highest"].iloc[0]["network"] == "net2"
    assert differences_across(delta_rows(means, ses), "referral", []).empty  # no condition
    assert differences_across(delta_rows(means[:1], ses[:1]), "referral", ["network"]).empty


def test_differences_across_conditions_rejects_at_its_level_and_finds_a_real_difference():
    # 7 independent networks of 30 paired replicates each, SD 25 (network_sensitivity's)
    rng = np.random.default_rng(7)

    def p_value(gains) -> float:
        draws = rng.normal(gains, 25.0, size=(30, len(gains)))
        means, ses = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(30)
        return differences_across(delta_rows(means, ses), "referral", ["network"])["p"].iloc[0]

    null = np.array([p_value([18.0] * 7) for _ in range(600)])
    assert 0.03 <= (null < 0.05).mean() <= 0.08  # its level, within sampling (SE 0.009)
    assert 0.40 <= np.median(null) <= 0.60
    assert np.mean([p_value([0, 0, 0, 30, 30, 30, 30]) < 0.05 for _ in range(50)]) > 0.9


def test_a_setting_paired_on_only_some_replicates_is_said_with_its_counts(results):
    extra = replicates("two_sided", [60, 70], [6500, 6500]).assign(replicate=[4, 5])
    frame = pd.concat([results, extra], ignore_index=True)  # replicates 4, 5: no baseline
    frame.attrs["parameters"] = ["referral"]
    with pytest.warns(UnpairedWarning, match=r"some of their replicates, 1 setting\(s\): "
                      r"referral=two_sided \(4 of 6\)"):  # fmt: skip
        table = sim.compare(frame)
    cell = table.set_index("metric").query("referral == 'two_sided'")["replicates"]
    assert cell["customers"] == 6 and cell["delta_customers"] == 4


def test_settings_paired_on_every_replicate_raise_no_warning(results):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnpairedWarning)
        sim.compare(results)


@pytest.mark.parametrize("column", ["customers", "spend_acquisition"])
def test_a_column_incremental_cac_needs_is_named_when_missing(results, column):
    with pytest.raises(ComparisonError, match=f"results lack column\\(s\\) {column}"):
        sim.compare(results.drop(columns=column), metrics=["roi"])


def test_a_pooled_ratios_parts_are_named_when_missing(results):
    with pytest.raises(ComparisonError, match=r"results lack column\(s\) revenue, spend_total$"):
        sim.compare(results.drop(columns=["revenue", "spend_total"]), metrics=["roi"])
    table = sim.compare(results.drop(columns=["revenue", "spend_total"]), metrics=["cac"])
    assert set(table["metric"]) >= {"cac", "delta_cac"}  # ROI's parts: needed only for ROI


def test_cac_is_all_the_spend_over_all_the_customers_with_fiellers_interval():
    # a replicate that spent 900 and won nobody has no CAC of its own; a mean of the others'
    # CACs (the tables until 3 Dec 2026) read 78.3 and forgot its 900 yuan
    spend, customers = [1800, 900, 2100, 1900, 1850, 2000], [20, 0, 30, 25, 22, 28]
    base = replicates("none", customers, spend)
    table = wide(sim.compare(base)).set_index("referral")
    assert np.nanmean(base["cac"]) == pytest.approx(78.30, abs=0.01)
    assert table.loc["none", "cac"] == pytest.approx(10550 / 125)  # 84.4
    low, high = table.loc["none", ["cac_low", "cac_high"]]
    assert low < 10550 / 125 < high < np.inf
    for bound in (low, high):
        assert t_statistic_at(bound, spend, customers) == pytest.approx(stats.t.ppf(0.975, 5))
    assert table.loc["none", "roi"] == pytest.approx(2.0)  # revenue 2 x spend in every replicate


def test_a_pooled_cac_covers_the_true_cac_where_a_mean_of_replicates_cacs_does_not():
    # a small campaign: 400 yuan of ads a run and 5 a customer, Poisson(8) customers a run, so
    # its CAC is (400 + 5 x 8) / 8 = 55 yuan a customer. A replicate's own CAC, 400 / C + 5,
    # averages about 63 (few customers make a high CAC): the t-interval of that mean misses 55
    # almost always at 200 replicates, while Fieller's interval of the pooled CAC covers it
    rng = np.random.default_rng(11)
    pooled = mean_of_ratios = 0
    for _ in range(1000):
        customers = rng.poisson(8, 200).astype(float)
        spend = 400 + 5 * customers
        _, low, high, _ = ratio_interval(pd.Series(spend), pd.Series(customers))
        pooled += low <= 55 <= high
        ratios = pd.Series(spend / np.where(customers > 0, customers, np.nan))
        _, low, high, _ = mean_interval(ratios)
        mean_of_ratios += low <= 55 <= high
    assert 0.935 <= pooled / 1000 <= 0.965
    assert mean_of_ratios / 1000 < 0.2


def test_delta_cac_is_the_difference_of_the_pooled_cacs_with_a_paired_interval(results):
    table = wide(sim.compare(results)).set_index("referral")
    difference = 26000 / 790 - 24000 / 750
    assert table.loc["two_sided", "delta_cac"] == pytest.approx(difference)
    assert table.loc["two_sided", "delta_cac"] == pytest.approx(
        table.loc["two_sided", "cac"] - table.loc["none", "cac"]
    )
    low, high = table.loc["two_sided", ["delta_cac_low", "delta_cac_high"]]
    assert low < difference < high
    assert tuple(table.loc["none", ["delta_cac", "delta_cac_low", "delta_cac_high"]]) == (0, 0, 0)


def test_the_delta_cac_interval_covers_the_true_difference_at_its_confidence():
    # shared luck (each replicate's market size) moves both schemes' customers; the scheme
    # adds Poisson(3) customers at 20 yuan each on top of the baseline's 600 yuan of ads. True
    # CACs: 600 / 12 = 50 and 660 / 15 = 44, a difference of -6. 2,000 seeded trials at 30
    # replicates: the delta method's coverage is 95% up to its first-order error and binomial
    # noise (sd 0.5%)
    rng = np.random.default_rng(5)
    covered = 0
    for _ in range(2000):
        market = rng.gamma(4, 3, 30)  # mean 12
        base_customers = rng.poisson(market).astype(float)
        extra = rng.poisson(3, 30).astype(float)
        scheme = pd.DataFrame({"spend": 600 + 20 * extra, "customers": base_customers + extra})
        baseline = pd.DataFrame({"spend": 600.0, "customers": base_customers})
        _, low, high, _ = pooled_difference_interval(scheme, baseline)
        covered += low <= -6 <= high
    assert 0.93 <= covered / 2000 <= 0.965


@pytest.mark.parametrize(
    ("value", "text"), [(999.96, "1,000"), (-999.99, "-1,000"), (999.4, "999.4"), (1000.4, "1,000")]
)
def test_a_figure_that_rounds_to_a_thousand_has_its_separator(value, text):
    assert figure(value) == text


def test_wide_has_a_row_per_setting_however_many_parameters_vary():
    # sweeps gathered under one folder: 16 parameters, each set by a few settings only. The
    # product of their values was built first (95 million rows for 55 settings in a review's
    # folder: 24 GB, killed); only the settings held get a row, NaN where unset
    parameters = [f"key{i}" for i in range(16)]
    rows = []
    for setting in range(40):
        keys = {name: np.nan for name in parameters}
        keys[parameters[setting % 16]] = float(setting)
        keys[parameters[(setting * 7) % 16]] = float(setting + 100)
        for metric, value in (("customers", setting), ("cac", 2.0 * setting)):
            rows.append(
                {"referral": f"s{setting % 3}", **keys, "metric": metric, "mean": value,
                 "ci_low": value - 1, "ci_high": value + 1, "replicates": 5}
            )  # fmt: skip
    table = wide(pd.DataFrame(rows))
    assert len(table) == 40
    assert list(table.columns[-6:]) == [
        "customers", "customers_low", "customers_high", "cac", "cac_low", "cac_high"
    ]  # fmt: skip
    np.testing.assert_array_equal(table["customers"], np.arange(40))
    np.testing.assert_array_equal(table["cac_high"], 2.0 * np.arange(40) + 1)


def test_the_conditions_match_a_baseline_given_as_text_as_compare_does():
    # referral-sim-report --baseline 0 passes text: the frontier's conditions came back empty
    frame = pd.DataFrame(
        {
            "referral.referrer_reward": [0.0, 5.0, 0.0, 5.0],
            "network.n": [1000, 1000, 2000, 2000],
        }
    )
    frame.attrs["parameters"] = ["referral.referrer_reward", "network.n"]
    for baseline in (0, "0", "0.0"):
        assert conditions(frame, baseline, "referral.referrer_reward") == ["network.n"]


def test_settings_keep_the_order_of_their_jobs_within_each_condition():
    # a sweep's settings are tabled as its command listed them, not alphabetically, the
    # baseline first; only settings named by numbers alone are sorted
    parts = []
    for n in (1000, 2000):
        for scheme, lift in (("two_sided", 10), ("none", 0), ("group_buy", 5)):
            customers = np.array([100, 120, 140]) + lift
            parts.append(replicates(scheme, customers, [5000] * 3, **{"network.n": n}))
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "network.n"]
    table = wide(sim.compare(frame))
    assert list(zip(table["network.n"], table["referral"], strict=True)) == [
        (1000, "none"), (1000, "two_sided"), (1000, "group_buy"),
        (2000, "none"), (2000, "two_sided"), (2000, "group_buy"),
    ]  # fmt: skip
    assert table["delta_customers"].tolist() == [0, 10, 5, 0, 10, 5]


def test_every_condition_lists_its_settings_in_one_order_the_baseline_first():
    # a walkthrough (4 Dec 2026): two sweeps in one folder, the baseline's run second, read
    # none, two_sided 10, ..., one_sided 30 at one network.rewire, none, one_sided 30, ... at
    # the other, and with the baseline's jobs last, none last in each; rows came in job order
    settings = [("one_sided", 10.0), ("one_sided", 30.0), ("two_sided", 10.0), ("two_sided", 30.0)]
    arrivals = {0.01: [2, 3, 1, 0], 0.1: [1, 3, 0, 2]}  # another order in each block
    parts = []
    for rewire, order in arrivals.items():
        for scheme, reward in (settings[i] for i in order):
            more = {"network.rewire": rewire, "referral.referrer_reward": reward}
            parts.append(replicates(scheme, [110, 130, 150], [5500] * 3, **more))
    for rewire in arrivals:  # the baseline's sweep, read after the schemes'
        parts.append(replicates("none", [100, 120, 140], [5000] * 3, **{"network.rewire": rewire}))
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "referral.referrer_reward", "network.rewire"]
    table = wide(sim.compare(frame))
    for rewire in arrivals:
        rows = table[table["network.rewire"] == rewire]
        listed = list(zip(rows["referral"], rows["referral.referrer_reward"], strict=True))
        # the schemes as their first jobs listed them, the rewards ascending, in every block
        assert listed[0][0] == "none" and listed[1:] == [settings[i] for i in (2, 3, 0, 1)]


def test_a_numeric_baseline_comes_first_and_the_other_settings_ascend():
    frame = pd.concat(
        [
            replicates("two_sided", [100, 110], [1000, 1000]).assign(reward=reward)
            for reward in (20.0, 0.0, 40.0, 5.0)
        ],
        ignore_index=True,
    )
    frame.attrs["parameters"] = ["reward"]
    assert wide(sim.compare(frame, baseline=20, by="reward"))["reward"].tolist() == [20, 0, 5, 40]
    assert wide(sim.compare(frame, baseline=0, by="reward"))["reward"].tolist() == [0, 5, 20, 40]


def test_a_setting_with_no_baseline_is_warned_of_once_with_whole_numbers_plain():
    parts = [
        replicates("none", [100, 120, 140], [5000] * 3, **{"budget.total": 1000.0}),
        replicates("two_sided", [110, 130, 150], [5500] * 3, **{"budget.total": 1000.0}),
        replicates("two_sided", [110, 130, 150], [5500] * 3, **{"budget.total": 2000.0}),
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["parameters"] = ["referral", "budget.total"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sim.compare(frame)
    messages = [str(warning.message) for warning in caught]
    assert len(messages) == 1, messages  # not also "paired on only some (0 of 3)"
    assert "for 1 setting(s): budget.total=2000, referral=two_sided; their" in messages[0]


def test_a_ratio_of_pooled_cacs_is_theirs_and_covers_the_true_ratio():
    # the claims' cuts (C3: one arm's CAC over another's, paired by replicate); the same
    # market as above, true CACs 44 and 50, so a ratio of 0.88
    scheme = pd.DataFrame({"spend": [700.0, 640, 660], "customers": [16.0, 14, 15]})
    baseline = pd.DataFrame({"spend": [600.0, 600, 600], "customers": [13.0, 11, 12]})
    ratio, low, high, count = pooled_ratio_interval(scheme, baseline)
    assert ratio == pytest.approx((2000 / 45) / (1800 / 36)) and count == 3
    assert low < ratio < high
    rng = np.random.default_rng(8)
    covered = 0
    for _ in range(2000):
        base_customers = rng.poisson(rng.gamma(4, 3, 30)).astype(float)
        extra = rng.poisson(3, 30).astype(float)
        scheme = pd.DataFrame({"spend": 600 + 20 * extra, "customers": base_customers + extra})
        baseline = pd.DataFrame({"spend": 600.0, "customers": base_customers})
        _, low, high, _ = pooled_ratio_interval(scheme, baseline)
        covered += low <= 0.88 <= high
    assert 0.93 <= covered / 2000 <= 0.965
    nobody = pd.DataFrame({"spend": [600.0, 600], "customers": [0.0, 0]})
    assert np.isnan(pooled_ratio_interval(scheme.head(2), nobody)[0])  # no baseline CAC


def delta_method_by_hand(scheme: pd.DataFrame, baseline: pd.DataFrame, confidence: float):
    """a/b - c/d of the columns' means, and its t-interval from the gradient and the 4x4
    sample covariance (ddof 1), n - 1 degrees of freedom."""
    values = np.column_stack([scheme.to_numpy(float), baseline.to_numpy(float)])
    a, b, c, d = values.mean(axis=0)
    gradient = np.array([1 / b, -a / b**2, -1 / d, c / d**2])
    count = len(values)
    error = np.sqrt(gradient @ np.cov(values, rowvar=False) @ gradient / count)
    half = stats.t.ppf(0.5 + confidence / 2, count - 1) * error
    return a / b - c / d, a / b - c / d - half, a / b - c / d + half


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_the_delta_cac_interval_is_the_delta_methods_t_interval_by_hand(confidence):
    # both schemes' spend and customers vary, so every term of the influence counts
    scheme = pd.DataFrame(
        {"spend": [6500.0, 6480, 6520, 6550], "customers": [110.0, 212, 308, 160]}
    )
    baseline = pd.DataFrame(
        {"spend": [6000.0, 6100, 5900, 6050], "customers": [100.0, 200, 300, 150]}
    )
    difference, low, high, count = pooled_difference_interval(scheme, baseline, confidence)
    assert count == 4
    expected = delta_method_by_hand(scheme, baseline, confidence)
    assert (difference, low, high) == pytest.approx(expected, rel=1e-12)


def test_delta_cac_has_no_interval_from_one_replicate_and_no_value_without_baseline_customers():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no variance of one value is taken
        one = pooled_difference_interval(
            pd.DataFrame({"s": [500.0], "c": [10.0]}), pd.DataFrame({"s": [400.0], "c": [10.0]})
        )
    assert one[0] == pytest.approx(10.0) and np.isnan(one[1]) and np.isnan(one[2])
    assert one[3] == 1
    scheme = pd.DataFrame({"s": [500.0, 520, 480], "c": [10.0, 12, 9]})
    nobody = pd.DataFrame({"s": [400.0, 400, 400], "c": [0.0, 0, 0]})  # the baseline won no one
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 400 / 0
        result = pooled_difference_interval(scheme, nobody)
    assert np.isnan(result[:3]).all() and result[3] == 3


def test_a_replicate_with_a_missing_part_is_left_out_of_delta_cac_on_both_sides():
    scheme = pd.DataFrame({"s": [500.0, np.nan, 480, 530], "c": [10.0, 12, 9, 11]})
    baseline = pd.DataFrame({"s": [400.0, 410, 390, 420], "c": [9.0, 10, 8, 10]})
    kept = [0, 2, 3]
    expected = pooled_difference_interval(scheme.loc[kept], baseline.loc[kept])
    assert expected[3] == 3
    assert pooled_difference_interval(scheme, baseline) == pytest.approx(expected)


def test_the_pooled_ratio_of_one_replicate_has_no_interval():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no covariance of one pair is taken
        ratio, low, high, count = ratio_interval(pd.Series([400.0]), pd.Series([8.0]))
    assert ratio == 50 and np.isnan(low) and np.isnan(high) and count == 1


def test_a_replicate_with_a_missing_part_is_left_out_of_the_pooled_ratio():
    spend = pd.Series([400.0, np.nan, 500, 450, 470])
    customers = pd.Series([8.0, 9, 10, 9, 8])
    expected = ratio_interval(spend.drop(1), customers.drop(1))
    assert expected[3] == 4 and expected[0] == pytest.approx(1820 / 35)
    assert ratio_interval(spend, customers) == pytest.approx(expected)
    assert ratio_interval(customers, spend)[3] == 4  # whichever part is missing


def test_spend_in_proportion_to_customers_that_may_be_zero_passes_every_ratio():
    # 20 yuan a customer in each replicate, one of two won nobody: numerator - r x denominator
    # is (20 - r) x customers, whose t-test passes for every r because the customers' own
    # t-interval reaches 0 (the quadratic's discriminant is exactly 0: no ray to take a side of)
    ratio, low, high, count = ratio_interval(pd.Series([0.0, 60.0]), pd.Series([0.0, 3.0]))
    assert (ratio, low, high, count) == (20.0, -np.inf, np.inf, 2)


def test_delta_cac_is_unbounded_above_where_the_schemes_cac_is():
    # kol wins 1 customer a run on average, 0 in three of five: its CAC is 405 [132, inf]
    # (the customers' t-interval reaches 0). A finite delta CAC, 345 [-512, 1202], said its
    # CAC was at most 60 + 1202 yuan, and perhaps below none's 60 by 512 (a negative CAC)
    frame = pd.concat(
        [
            replicates("none", [10, 12, 9, 11, 8], [600] * 5),
            replicates("kol", [0, 0, 1, 4, 0], [400, 400, 405, 420, 400]),
        ],
        ignore_index=True,
    )
    frame.attrs["parameters"] = ["referral"]
    table = wide(sim.compare(frame)).set_index("referral")
    assert table.loc["kol", "customers_low"] == 0 and table.loc["kol", "cac_high"] == np.inf
    assert table.loc["kol", "delta_cac_high"] == np.inf
    assert np.isfinite(table.loc["kol", "delta_cac_low"])
    # the baseline's side: swapped, the difference is unbounded below
    parts = ["spend_acquisition", "customers"]
    none, kol = (
        frame[frame["referral"] == s][parts].reset_index(drop=True) for s in ("none", "kol")
    )
    swapped = pooled_difference_interval(none, kol)
    assert swapped[1] == -np.inf and np.isfinite(swapped[2])


def test_replicates_all_alike_have_the_pooled_ratio_inside_its_interval():
    # Fieller's roots are the ratio up to rounding: 62.32537355230735 read [62.325373552307354,
    # 62.325373552307354], its own interval one unit in the last place above it
    spend, customers = pd.Series([63696.53177045811] * 9), pd.Series([1022.0] * 9)
    ratio, low, high, _ = ratio_interval(spend, customers)
    assert low <= ratio <= high

"""Paired comparison of schemes against a baseline, with 95% confidence intervals.

Replicate ``r`` of every job sees the same network and population (common random numbers), so
each scheme is compared with the baseline replicate by replicate: the interval of a difference
is a paired t-interval, much narrower than the difference of two independent intervals.

Incremental CAC is the extra acquisition spend per extra customer against the baseline,
``mean(spend_s - spend_b) / mean(customers_s - customers_b)`` over replicates, with a paired
percentile bootstrap interval (its upper bound may be infinite). It is NaN where the scheme wins no
extra customers on average.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.results import DuplicateJobWarning, swept
from sim.summary import CONFIDENCE, difference_support, mean_interval, support_of

METRICS = (
    "customers",
    "cac",
    "spend_acquisition",
    "repurchase_rate",
    "repurchase_30d",
    "roi",
    "fraud_share",
)
PAIRED = ("customers", "cac", "spend_acquisition")
COLUMNS = ["mean", "ci_low", "ci_high", "replicates"]


class ComparisonError(ValueError):
    """What was asked cannot be compared in these results (a missing column or baseline)."""


def compare(
    results: pd.DataFrame,
    baseline: object = "none",
    by: str = "referral",
    metrics: Sequence[str] = METRICS,
) -> pd.DataFrame:
    """Per scheme: mean and 95% CI of each metric, paired differences and incremental CAC.

    Args:
        results: replicate metrics, e.g. from :func:`sim.results.load`.
        baseline: the value of ``by`` to compare against.
        by: the column naming the schemes.
        metrics: metrics to summarise.

    Returns:
        Long table: the other swept parameters (comparisons are made within each of their
        combinations), ``by``, ``metric`` (each of ``metrics``, then ``delta_customers``,
        ``delta_cac``, ``delta_spend_acquisition`` and ``incremental_cac``), ``mean``,
        ``ci_low``, ``ci_high``, ``replicates``.

    Raises:
        ComparisonError: ``by`` or a metric is missing, or the baseline is not among the schemes.

    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)  # not its letters
    results = name_unset(results, by)
    baseline = _check(results, baseline, by, metrics)
    within = [c for c in swept(results) if c != by]
    parts = []
    for key, group in results.groupby(within, dropna=False) if within else [((), results)]:
        table = _compare_group(_once_each(group, by), baseline, by, metrics)
        values = key if isinstance(key, tuple) else (key,)  # keeps each value's own type
        for position, (name, value) in enumerate(zip(within, values, strict=True)):
            table.insert(position, name, value)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


UNSET = "default"
"""The setting of jobs whose ``by`` value is missing (an explicit null such as
``budget.total=null``, or a job that did not record it): compared like any other."""


def name_unset(results: pd.DataFrame, by: str) -> pd.DataFrame:
    """``results`` with missing ``by`` values named :data:`UNSET` (grouping would drop them)."""
    if by not in results.columns or not results[by].isna().any():
        return results
    named = results[by].astype(object).where(results[by].notna(), UNSET)
    return results.assign(**{by: named})


def _check(results: pd.DataFrame, baseline: object, by: str, metrics: Sequence[str]) -> object:
    """Check the columns; return the baseline as a value of ``by`` ("0" matches 0.0)."""
    missing = [c for c in (by, "replicate", *metrics) if c not in results.columns]
    if missing:
        raise ComparisonError(f"results lack column(s) {', '.join(missing)}")
    return baseline_value(results, baseline, by)


def baseline_value(results: pd.DataFrame, baseline: object, by: str) -> object:
    """The value of column ``by`` that ``baseline`` names: equal, same text or same number.

    Raises:
        ComparisonError: no value of ``by`` matches.

    """
    schemes = results[by].unique().tolist()
    for value in schemes:
        if value == baseline or str(value) == str(baseline) or _same_number(value, baseline):
            return value
    if UNSET in schemes and (baseline is None or str(baseline).lower() == "null"):
        return UNSET
    raise ComparisonError(f"baseline {by}={baseline!r} is not in the results: {schemes}")


def _same_number(value: object, baseline: object) -> bool:
    word = str(baseline).lower()
    if isinstance(value, bool | np.bool_) and word in ("true", "false"):  # as Hydra writes it
        return word == str(bool(value)).lower()
    try:
        return float(value) == float(baseline)
    except (TypeError, ValueError):
        return False


def _once_each(group: pd.DataFrame, by: str) -> pd.DataFrame:
    """``group`` with each (setting, replicate) once: pairing a repeat would count it twice.

    :func:`sim.results.load` reads a configuration's results once, so a repeat here means two
    jobs whose settings differ only in something the frame does not show; the first is kept.
    """
    repeated = group.duplicated([by, "replicate"])
    if not repeated.any():
        return group
    settings = ", ".join(str(s) for s in group.loc[repeated, by].unique())
    warnings.warn(
        f"{by}={settings}: {int(repeated.sum())} replicate(s) appear more than once with the "
        "same settings; each is compared once (the first)",
        DuplicateJobWarning,
        stacklevel=3,
    )
    return group[~repeated]


def _compare_group(
    group: pd.DataFrame, baseline: str, by: str, metrics: Sequence[str]
) -> pd.DataFrame:
    base = group[group[by] == baseline].set_index("replicate")
    rows = []
    for scheme, runs in group.groupby(by, sort=False):
        runs = runs.set_index("replicate")
        for metric in metrics:
            rows.append((scheme, metric, *mean_interval(runs[metric], support=support_of(metric))))
        paired = runs.merge(
            base, left_index=True, right_index=True, how="inner", suffixes=("", "_base")
        )
        for metric in PAIRED:
            difference = paired[metric] - paired[f"{metric}_base"]
            support = difference_support(metric)
            rows.append((scheme, f"delta_{metric}", *mean_interval(difference, support=support)))
        extra_spend = paired["spend_acquisition"] - paired["spend_acquisition_base"]
        extra_customers = paired["customers"] - paired["customers_base"]
        rows.append((scheme, "incremental_cac", *ratio_interval(extra_spend, extra_customers)))
    return pd.DataFrame(rows, columns=[by, "metric", *COLUMNS])


def ratio_interval(
    numerator: pd.Series, denominator: pd.Series, confidence: float = CONFIDENCE
) -> tuple:
    """``mean(numerator) / mean(denominator)`` with a paired percentile bootstrap interval.

    NaN when the denominator's mean is not positive (no extra customers to pay for).
    """
    pairs = pd.concat([numerator, denominator], axis=1).dropna().to_numpy(dtype=float)
    count = len(pairs)
    if count == 0 or pairs[:, 1].mean() <= 0:
        return (np.nan, np.nan, np.nan, count)
    ratio = float(pairs[:, 0].mean() / pairs[:, 1].mean())
    if count < 3:
        return (ratio, np.nan, np.nan, count)
    low, high = paired_bootstrap(pairs[:, 0], pairs[:, 1], confidence)
    return (ratio, low, high, count)


def paired_bootstrap(
    numerator: np.ndarray, denominator: np.ndarray, confidence: float, resamples: int = 4000
) -> tuple[float, float]:
    """Percentile interval of ``mean(numerator) / mean(denominator)`` over paired resamples.

    Resamples whose denominator mean is not positive (no extra customers) count as an
    infinite ratio, so the upper bound may be ``inf``: the honest answer when a scheme may win
    nobody. (``scipy.stats.bootstrap`` rejects infinite statistics, hence this short function.)
    """
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(numerator), size=(resamples, len(numerator)))
    above, below = numerator[picks].mean(axis=1), denominator[picks].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(below > 0, above / below, np.inf)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail], method="inverted_cdf")
    return float(low), float(high)


def wide(comparison: pd.DataFrame, by: str = "referral") -> pd.DataFrame:
    """One row per scheme, columns ``<metric>``, ``<metric>_low``, ``<metric>_high``.

    Only the settings the comparison holds get a row: jobs of several sweeps, whose parameters
    differ, do not make up the missing combinations.
    """
    index = [c for c in comparison.columns if c not in ("metric", *COLUMNS)]
    table = comparison.pivot_table(
        index=index,
        columns="metric",
        values=["mean", "ci_low", "ci_high"],
        sort=False,
        dropna=False,
    )
    frame = pd.DataFrame(index=table.index)
    for metric in comparison["metric"].unique():
        frame[metric] = table[("mean", metric)]
        frame[f"{metric}_low"] = table[("ci_low", metric)]
        frame[f"{metric}_high"] = table[("ci_high", metric)]
    present = comparison[index].drop_duplicates()
    return frame.reset_index().merge(present, on=index, how="inner")  # NaN keys match NaN

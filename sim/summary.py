"""Summaries of replicate metrics: mean and a 95% confidence interval per metric.

The t-interval of a metric's mean is clipped to the metric's support (:data:`SUPPORT`): the
true mean lies in the support, so clipping never lowers coverage, and a share's interval no
longer reaches below 0 or above 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from sim.metrics import UNDEFINED_WHEN

CONFIDENCE = 0.95
Support = tuple[float, float]
UNBOUNDED: Support = (-np.inf, np.inf)
COUNT: Support = (0.0, np.inf)  # counts, sizes, money spent or earned, ratios of such
SHARE: Support = (0.0, 1.0)  # shares and rates
# The values each metric of sim/metrics.py can take, from its definition there.
SUPPORT: dict[str, Support] = {
    "customers": COUNT,
    "adoption_rate": SHARE,
    "aware_rate": SHARE,
    "referred_customers": COUNT,
    "cascade_max_size": COUNT,
    "cascade_max_depth": COUNT,
    "structural_virality": COUNT,  # a mean distance
    # customers referred by a customer, over customers: each has one referrer at most
    "reproduction_number": SHARE,
    "single_adopter_share": SHARE,
    "spend_ads": COUNT,
    "spend_kol": COUNT,
    "spend_koc": COUNT,
    "spend_referral_reward": COUNT,
    "spend_referral_discount": COUNT,
    "spend_retention": COUNT,
    "spend_total": COUNT,
    "spend_acquisition": COUNT,
    "cac": COUNT,
    "revenue": COUNT,
    "gross_profit": UNBOUNDED,
    "roi": COUNT,  # revenue / spend_total, both >= 0
    "rewards_pending": COUNT,
    "commissions_unbooked": COUNT,
    "repurchase_rate": SHARE,
    "repurchase_30d": SHARE,
    "orders_per_customer": (1.0, np.inf),  # every customer ordered at least once
    "fake_referrals": COUNT,
    "fraud_spend": COUNT,
    "fraud_share": SHARE,
    "orders_held": COUNT,
}

HEADLINE = (
    "customers",
    "adoption_rate",
    "referred_customers",
    "cac",
    "spend_total",
    "roi",
    "repurchase_rate",
    "repurchase_30d",
    "cascade_max_size",
    "reproduction_number",
    "fraud_share",
)


def support_of(metric: str) -> Support:
    """The values ``metric`` can take; unbounded for a name not in :data:`SUPPORT`."""
    return SUPPORT.get(metric, UNBOUNDED)


def difference_support(metric: str) -> Support:
    """The values a paired difference of ``metric`` can take (``[-1, 1]`` for a share)."""
    low, high = support_of(metric)
    return (low - high, high - low)


def clip_to(low: float, high: float, support: Support) -> tuple[float, float]:
    """Interval bounds clipped to ``support`` (NaN bounds stay NaN)."""
    return (float(np.clip(low, *support)), float(np.clip(high, *support)))


def t_quantile(probability: float, degrees: float | pd.Series) -> float | np.ndarray | pd.Series:
    """Student's t quantile: ``scipy.stats.t.ppf(probability, degrees)``, computed as it does.

    Through ``scipy.special`` rather than ``scipy.stats``: importing ``scipy.stats`` took
    0.5-1 s of every job's start (it is not otherwise needed to run or summarise one).
    ``stdtrit`` gives ``+inf`` at probability 0, where ``ppf`` gives ``-inf``: that end is
    mirrored from probability 1 (a 100% interval is the whole line, as scipy says).

    Args:
        probability: one number from 0 to 1.
        degrees: degrees of freedom, a number or a Series of them.

    Raises:
        ValueError: for a probability outside [0, 1] (``ppf`` would give NaN).

    """
    if not 0 <= probability <= 1:
        raise ValueError(f"a probability is between 0 and 1 inclusive, not {probability}")
    if probability == 0:
        return -stdtrit(degrees, 1.0)
    return stdtrit(degrees, probability)


def two_tails(confidence: float) -> tuple[float, float]:
    """The probabilities below a two-sided interval's ends at ``confidence``.

    Raises:
        ValueError: for a confidence outside [0, 1], as ``scipy.stats.t.interval`` does.

    """
    if not 0 <= confidence <= 1:
        raise ValueError(f"confidence must be between 0 and 1 inclusive, not {confidence}")
    return ((1 - confidence) / 2, (1 + confidence) / 2)


def summarise(metrics: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean and t-interval of each metric over replicates, clipped to the metric's support.

    Args:
        metrics: one row per replicate (a ``replicate`` column is ignored).
        confidence: interval coverage.

    Returns:
        One row per metric: ``mean``, ``ci_low``, ``ci_high``, ``replicates`` (non-NaN values).

    """
    rows = {}
    for name in metrics.columns.drop("replicate", errors="ignore"):
        rows[name] = mean_interval(metrics[name], confidence, support_of(name))
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["mean", "ci_low", "ci_high", "replicates"]
    )


def mean_interval(
    values: pd.Series, confidence: float = CONFIDENCE, support: Support = UNBOUNDED
) -> tuple:
    """Mean and t-interval of the non-missing values, and how many there are.

    Args:
        values: one value per replicate (NaNs dropped).
        confidence: interval coverage.
        support: the values the quantity can take; the interval is clipped to it. For a
            metric's level, :func:`sim.summary.support_of`; for a paired difference,
            :func:`sim.summary.difference_support` (never the level's support).

    Returns:
        ``(mean, low, high, count)``.

    """
    values = values.dropna().to_numpy(dtype=float)
    count = len(values)
    if count == 0:
        return (np.nan, np.nan, np.nan, 0)
    mean = float(values.mean())
    if count == 1 or np.all(values == values[0]):
        return (mean, mean if count > 1 else np.nan, mean if count > 1 else np.nan, count)
    scale = values.std(ddof=1) / count**0.5  # the standard error (scipy.stats.sem)
    low, high = (t_quantile(q, count - 1) * scale + mean for q in two_tails(confidence))
    return (mean, *clip_to(low, high, support), count)


def grouped_mean_interval(
    frame: pd.DataFrame,
    by: str | list[str],
    column: str,
    confidence: float = CONFIDENCE,
    support: Support = UNBOUNDED,
) -> pd.DataFrame:
    """:func:`mean_interval` of ``column`` in every group of ``by``, computed all at once.

    Returns:
        One row per group: ``mean``, ``low``, ``high``, ``count`` (the values of
        :func:`mean_interval` on that group's values).

    """
    values = frame.groupby(by, sort=False)[column]
    count = values.count()
    mean, spread = values.mean(), values.std(ddof=1)
    constant = values.max() == values.min()
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = t_quantile(two_tails(confidence)[1], (count - 1).clip(lower=1))
        half = quantile * spread / np.sqrt(count)
    low = (mean - half).clip(*support).where(~constant, mean).where(count > 1)
    high = (mean + half).clip(*support).where(~constant, mean).where(count > 1)
    return pd.DataFrame({"mean": mean, "low": low, "high": high, "count": count})


OWED = {
    "rewards_pending": (
        "Referral rewards still awaiting verification when the runs end, per run (in no "
        "spend, so in no CAC above: part of what a verification rule saves is only deferred "
        "past the run)",
        "{:z,.0f} yuan",
    ),
    "commissions_unbooked": (
        "KOL, KOC and repeat-order referral commissions earned after the budget ran out, per "
        "run (unpaid, so in no spend and no CAC above: those CACs read low by this much over "
        "their customers)",
        "{:z,.0f} yuan",
    ),
    "orders_held": (
        "Group-buy first orders still waiting for their teams when the runs end, per run (in "
        "no customers above: placed after the run if the team fills, or at full price by most "
        "of them if it does not)",
        "{:z,.1f} orders",
    ),
}
"""What a run's spend and customers leave out, by metric: what it is, and its unit. The
summary of a run and the report say each one that is above 0."""


def owed_notes(metrics: pd.DataFrame) -> list[str]:
    """A line for each of :data:`OWED` whose mean over ``metrics``' rows is above 0.

    Until 3 Dec 2026 only the report said them: a run's own summary printed a CAC without the
    commissions its budget left unpaid, or the rewards still awaiting verification.
    """
    means = {name: metrics[name].mean() for name in OWED if name in metrics.columns}
    return [
        f"{OWED[name][0]}: {OWED[name][1].format(mean)}."
        for name, mean in means.items()
        if mean > 0
    ]


def format_summary(metrics: pd.DataFrame, names: tuple[str, ...] = HEADLINE) -> str:
    """A fixed-width table of the headline metrics, with 95% CIs when there are replicates."""
    table = summarise(metrics[[n for n in names if n in metrics.columns]])  # not parameters
    lines = [f"{'metric':<22}{'mean':>14}{'95% CI':>28}"]
    for name, row in table.iterrows():
        interval = "" if np.isnan(row.ci_low) else f"[{figure(row.ci_low)}, {figure(row.ci_high)}]"
        mean = "–" if np.isnan(row["mean"]) else figure(row["mean"])
        lines.append(f"{name:<22}{mean:>14}{interval:>28}")
    left_out = undefined_in_some(metrics, names)
    if left_out:
        lines.append(f"{UNDEFINED_IN_SOME}: {left_out}")
    everywhere = undefined_in_all(metrics, names)
    if everywhere:
        lines.append(f"– undefined in every replicate: {everywhere}")
    lines += owed_notes(metrics)
    if len(metrics) == 1:
        lines.append(ONE_REPLICATE)
    return "\n".join(lines)


ONE_REPLICATE = "one replicate: no confidence interval (run.replicates=2 or more gives one)"


def undefined_in_all(metrics: pd.DataFrame, names: Sequence[str]) -> str:
    """The metrics of ``names`` NaN in every row, each with why it is undefined.

    ``repurchase_30d (no customer acquired 30+ days before the end)``, from
    :data:`sim.metrics.UNDEFINED_WHEN`. Until 2 Dec 2026 such a metric read ``nan`` with
    nothing to say why (a 20-day run's ``repurchase_30d``).
    """
    shown = [n for n in names if n in metrics.columns and metrics[n].isna().all()]
    return "; ".join(f"{n} ({UNDEFINED_WHEN[n]})" if n in UNDEFINED_WHEN else n for n in shown)


UNDEFINED_IN_SOME = (
    "undefined (a ratio with nothing to divide by: see sim.metrics) in some replicates, whose "
    "means and CIs are over the others"
)


def undefined_in_some(metrics: pd.DataFrame, names: Sequence[str]) -> str:
    """``cac in 1 of 20 replicates, ...``: the metrics of ``names`` NaN in some rows, not all.

    A replicate that spent and won no customer has no CAC: the mean CAC of the others reads
    low, so the tables say so. A metric NaN in every replicate: see :func:`undefined_in_all`.
    """
    missing = metrics[[n for n in names if n in metrics.columns]].isna().sum()
    partly = missing[(missing > 0) & (missing < len(metrics))]
    return ", ".join(
        f"{name} in {count} of {len(metrics)} replicates" for name, count in partly.items()
    )


def figure(value: float) -> str:
    """Four significant figures, whole numbers with thousands separators from 1,000 up.

    ``54940.3`` -> ``54,940`` (not ``5.494e+04``); ``0.02434`` -> ``0.02434``; never ``-0``.
    """
    text = f"{value:,.0f}" if abs(value) >= 999.5 else f"{value:.4g}"  # 999.6 reads 1,000
    return "0" if text == "-0" else text

"""Summaries of replicate metrics: a level and a 95% confidence interval per metric.

A metric's level is the mean of its replicates' values with a t-interval, except CAC and ROI
(:data:`POOLED`): all the replicates' spend over all their customers (revenue over spend), with
Fieller's interval. Either is clipped to the metric's support (:data:`SUPPORT`): the true
value lies in the support, so clipping never lowers coverage, and a share's interval no
longer reaches below 0 or above 1.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

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
    "commission_reserve_left": COUNT,
    "repurchase_rate": SHARE,
    "repurchase_30d": SHARE,
    "referred_repurchase_30d": SHARE,
    "orders_per_customer": (1.0, np.inf),  # every customer ordered at least once
    "fake_referrals": COUNT,
    "fraud_spend": COUNT,
    "fraud_share": SHARE,
    "kocs_chosen": COUNT,
    "kocs_recruited": COUNT,
    "orders_held": COUNT,
    "teams_filled": COUNT,
    "teams_dissolved": COUNT,
}

HEADLINE = (
    "customers",
    "adoption_rate",
    "referred_customers",
    "cac",
    "spend_total",
    "roi",
    "gross_profit",
    "repurchase_rate",
    "repurchase_30d",
    "referred_repurchase_30d",
    "cascade_max_size",
    "reproduction_number",
    "fraud_share",
)


def support_of(metric: str) -> Support:
    """The values ``metric`` can take; unbounded for a name not in :data:`SUPPORT`."""
    return SUPPORT.get(metric, UNBOUNDED)


POPULATION_BOUNDED = ("customers", "referred_customers", "cascade_max_size")
"""Counts of consumers: none can exceed the consumers of a run (``network.n``, or a file's)."""


def within_population(support: Support, runs: pd.DataFrame, metric: str) -> Support:
    """``support`` capped at the largest run's consumers for a :data:`POPULATION_BOUNDED` metric.

    The consumers of a run are its customers over its ``adoption_rate``; where no run won a
    customer (or the rate is not among ``runs``' columns) the support is left as it is. Until
    4 Dec 2026 a run of 100 consumers read ``customers 99.3 [97.9, 100.8]``.
    """
    if metric not in POPULATION_BOUNDED or not {"customers", "adoption_rate"} <= {*runs.columns}:
        return support
    won = runs["adoption_rate"] > 0
    if not won.any():
        return support
    consumers = (runs.loc[won, "customers"] / runs.loc[won, "adoption_rate"]).round().max()
    consumers = max(consumers, runs[metric].max())  # rates that do not match (made-up rows)
    return support[0], min(support[1], float(consumers))


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
    from scipy.special import stdtrit  # ~0.25 s to import: not on `referral-sim --help`'s path

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


def summarise(
    metrics: pd.DataFrame, confidence: float = CONFIDENCE, names: Sequence[str] | None = None
) -> pd.DataFrame:
    """The level and interval of each metric over replicates (:func:`level_interval`).

    Args:
        metrics: one row per replicate; a ratio of :data:`POOLED` needs its parts among the
            columns.
        confidence: interval coverage.
        names: the metrics to summarise; by default every column of numbers but ``replicate``
            and the parameters (``attrs["parameters"]`` of :func:`sim.results.load`: a frame
            it loaded failed on its text columns, "could not convert string to float").

    Returns:
        One row per metric: ``mean``, ``ci_low``, ``ci_high``, ``replicates`` (the replicates
        it is over: the non-NaN values, or for a pooled ratio the replicates with both parts).

    """
    if names is None:
        names = measured_columns(metrics)
    rows = {name: level_interval(metrics, name, confidence) for name in names}
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["mean", "ci_low", "ci_high", "replicates"]
    )


def measured_columns(metrics: pd.DataFrame) -> list[str]:
    """The columns of ``metrics`` that hold numbers measured per replicate.

    Neither ``replicate`` nor a parameter (``attrs["parameters"]``, as :func:`sim.results.load`
    names them), nor text such as ``job``.
    """
    others = {"replicate", *metrics.attrs.get("parameters", ())}
    return [
        name
        for name in metrics.columns
        if name not in others
        and pd.api.types.is_numeric_dtype(metrics[name])
        and not pd.api.types.is_bool_dtype(metrics[name])
    ]


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


def ratio_interval(
    numerator: pd.Series,
    denominator: pd.Series,
    confidence: float = CONFIDENCE,
    *,
    signed: bool = False,
) -> tuple:
    """``mean(numerator) / mean(denominator)`` with a paired Fieller interval.

    Pairs with a NaN are left out. NaN when the denominator's mean is not positive (no
    customers, or no extra customers, to pay for); no interval from one pair. ``signed``: the
    parts are differences that may be negative (extra spend, extra customers). See
    :func:`fieller_interval`.
    """
    pairs = pd.concat([numerator, denominator], axis=1).dropna().to_numpy(dtype=float)
    count = len(pairs)
    if count == 0 or pairs[:, 1].mean() <= 0:
        return (np.nan, np.nan, np.nan, count)
    ratio = float(pairs[:, 0].mean() / pairs[:, 1].mean())
    if count < 2:
        return (ratio, np.nan, np.nan, count)
    low, high = fieller_interval(pairs[:, 0], pairs[:, 1], confidence, signed=signed)
    # replicates all alike: the roots are the ratio up to rounding, which may leave it outside
    # (62.32537355230735 read [62.325373552307354, 62.325373552307354])
    return (ratio, min(low, ratio), max(high, ratio), count)


def fieller_interval(
    numerator: np.ndarray, denominator: np.ndarray, confidence: float, *, signed: bool = False
) -> tuple[float, float]:
    """Fieller's interval for ``mean(numerator) / mean(denominator)`` of paired values.

    The ratios ``r`` whose paired differences ``numerator - r * denominator`` have a mean
    within the t-test's reach of 0 (``n - 1`` degrees of freedom): exact for normal pairs, and
    unbounded exactly when the denominator's own t-interval reaches 0. Then the upper bound is
    ``inf`` (every yuan for no customer), and the lower bound is the finite end on the ratio's
    side, or ``-inf`` when there is none.

    Fieller's set may then be two rays, ``r <= r1`` or ``r >= r2``. For positive parts (spend
    over customers) the ray on the ratio's side is kept: the other holds ratios the parts
    cannot make. For ``signed`` parts (extra spend over extra customers) the other ray holds a
    scheme that won fewer customers for its extra spend, which may be the truth, so the
    interval is the whole line: keeping one ray covered a negative true ratio in 0.6-64% of
    the trials shown, against 84-94% for Fieller's set (4,000 trials each of 3-30 normal pairs
    with extra customers of mean -0.3 to -1 and sd 2, where over 500 trials showed an
    interval; docs/experiments.md has the snippet; 4 Dec 2026, after a researcher's
    walkthrough read ``+1 [-1, 3]`` customers beside an incremental CAC of ``[95.7, inf]``).
    """
    count = len(numerator)
    covariance = np.cov(numerator, denominator) / count  # of the two means
    t = t_quantile(0.5 + confidence / 2, count - 1)
    top, bottom = numerator.mean(), denominator.mean()
    # (top - r bottom)^2 <= t^2 var(top - r bottom), as a r^2 + b r + c <= 0
    a = bottom**2 - t**2 * covariance[1, 1]
    b = -2 * (top * bottom - t**2 * covariance[0, 1])
    c = top**2 - t**2 * covariance[0, 0]
    discriminant = b**2 - 4 * a * c
    if a > 0:  # the ratio is inside, so the roots are real (up to rounding)
        root = np.sqrt(max(discriminant, 0.0))
        return float((-b - root) / (2 * a)), float((-b + root) / (2 * a))
    if a < 0 and discriminant > 0:  # two rays: below the lower root and above the upper one
        if signed:  # the ray on the other side may hold the truth: keep both, the whole line
            return -np.inf, np.inf
        upper_root = (-b - np.sqrt(discriminant)) / (2 * a)
        return (float(upper_root) if top / bottom >= upper_root else -np.inf), np.inf
    return -np.inf, np.inf


POOLED: dict[str, tuple[str, str]] = {
    "cac": ("spend_acquisition", "customers"),
    "roi": ("revenue", "spend_total"),
}
"""The ratios summarised over replicates as the ratio of their parts' means, by metric: its
numerator and denominator. CAC over replicates is all their acquisition spend over all their
customers, ROI all their revenue over all their spend, each with Fieller's interval. Until 3
Dec 2026 they were means of each replicate's own ratio, which weigh a replicate that won few
customers as much as one that won many (a few customers make a CAC high: the mean read high)
and leave out one that spent and won nobody: KOL seeding at n = 2,000, 100 replicates, read
48.0 yuan a customer against 39.4 pooled (the default ads: 61.3 both ways)."""


def pooled_parts(metric: str, columns: Sequence[str]) -> tuple[str, str] | None:
    """The numerator and denominator ``metric`` is pooled from, or None if it is a plain mean.

    Raises:
        ValueError: ``metric`` is pooled and a part is not among ``columns``.

    """
    parts = POOLED.get(metric)
    missing = [part for part in parts or () if part not in columns]
    if missing:
        raise ValueError(
            f"{metric} over replicates is {parts[0]} over {parts[1]} (their means): "
            f"{' and '.join(missing)} must be among the columns"
        )
    return parts


def level_interval(runs: pd.DataFrame, metric: str, confidence: float = CONFIDENCE) -> tuple:
    """A metric's level over replicates, ``(mean, low, high, count)``, clipped to its support.

    A ratio of :data:`POOLED` is its parts' ratio of means with Fieller's interval over every
    replicate with both parts (one that spent and won nobody included); any other metric is
    the mean of its values, NaNs left out, with a t-interval (:func:`mean_interval`).

    Raises:
        ValueError: a pooled ratio's parts are not among ``runs``' columns.

    """
    support = within_population(support_of(metric), runs, metric)
    parts = pooled_parts(metric, runs.columns)
    if parts is None:
        return mean_interval(runs[metric], confidence, support)
    ratio, low, high, count = ratio_interval(runs[parts[0]], runs[parts[1]], confidence)
    return (ratio, *clip_to(low, high, support), count)


def pooled_difference_interval(
    scheme: pd.DataFrame, baseline: pd.DataFrame, confidence: float = CONFIDENCE
) -> tuple:
    """The difference of two pooled ratios over paired replicates, with a delta-method interval.

    Args:
        scheme: a numerator and a denominator column, one row per replicate.
        baseline: the same for the baseline, its rows paired with ``scheme``'s.
        confidence: interval coverage.

    Returns:
        ``(difference, low, high, count)``: ``mean(a) / mean(b) - mean(c) / mean(d)``, and a
        t-interval of each pair's first-order influence on it (the delta method, paired, so
        the luck the two share cancels). NaN where a denominator's mean is not positive.
        Unbounded above where the scheme's denominator's t-interval reaches 0 (its own ratio's
        Fieller interval is then unbounded above: a CAC of a scheme that may win nobody), and
        below where the baseline's does; until 3 Dec 2026 the delta method gave a finite
        interval there (345 [-512, 1,202] beside a CAC of 405 [132, inf]).

    """
    paired = _paired_ratios(scheme, baseline, confidence)
    difference = paired.ours - paired.theirs
    influence = paired.our_influence - paired.their_influence
    return _opened(_delta_interval(difference, influence, paired.count, confidence), paired)


def pooled_ratio_interval(
    scheme: pd.DataFrame, baseline: pd.DataFrame, confidence: float = CONFIDENCE
) -> tuple:
    """The ratio of two pooled ratios over paired replicates (a CAC over another), likewise.

    Returns:
        ``(ratio, low, high, count)``: ``(mean(a) / mean(b)) / (mean(c) / mean(d))`` with the
        paired delta-method t-interval of :func:`pooled_difference_interval`, unbounded where
        its is; NaN where a denominator's mean, or the baseline's ratio, is not positive.

    """
    paired = _paired_ratios(scheme, baseline, confidence)
    if not paired.theirs > 0:
        return (np.nan, np.nan, np.nan, paired.count)
    ratio = paired.ours / paired.theirs
    influence = (paired.our_influence - ratio * paired.their_influence) / paired.theirs
    return _opened(_delta_interval(ratio, influence, paired.count, confidence), paired)


class _Paired(typing.NamedTuple):
    """Two pooled ratios over paired replicates, as :func:`_paired_ratios` finds them."""

    count: int
    ours: float
    theirs: float
    our_influence: np.ndarray
    their_influence: np.ndarray
    open_above: bool  # the scheme's denominator's t-interval reaches 0
    open_below: bool  # the baseline's does


def _paired_ratios(
    scheme: pd.DataFrame, baseline: pd.DataFrame, confidence: float = CONFIDENCE
) -> _Paired:
    """Two paired pooled ratios, each replicate's influence on them, and where they are open.

    Replicates with a NaN in any part are left out; the ratios are NaN where a denominator's
    mean is not positive. Each influence is a replicate's first-order effect on its ratio
    times the count: ``(numerator - ratio x denominator) / mean(denominator)``.
    """
    values = pd.concat([scheme, baseline], axis=1).dropna().to_numpy(dtype=float)
    count = len(values)
    means = values.mean(axis=0) if count else np.full(4, np.nan)
    if count == 0 or not (means[1] > 0 and means[3] > 0):
        nothing = np.full(count, np.nan)
        return _Paired(count, np.nan, np.nan, nothing, nothing, False, False)
    ours, theirs = means[0] / means[1], means[2] / means[3]
    open_above, open_below = (  # the denominator's own t-interval reaches 0
        bool(mean_interval(pd.Series(values[:, column]), confidence)[1] <= 0) for column in (1, 3)
    )
    return _Paired(
        count,
        float(ours),
        float(theirs),
        (values[:, 0] - ours * values[:, 1]) / means[1],
        (values[:, 2] - theirs * values[:, 3]) / means[3],
        open_above,
        open_below,
    )


def _delta_interval(estimate: float, influence: np.ndarray, count: int, confidence: float) -> tuple:
    """``(estimate, low, high, count)``: the mean influence's t-interval, around the estimate."""
    if np.isnan(estimate) or count < 2:
        return (estimate, np.nan, np.nan, count)
    centre, low, high, _ = mean_interval(pd.Series(influence), confidence)
    return (float(estimate), float(estimate + low - centre), float(estimate + high - centre), count)


def _opened(interval: tuple, paired: _Paired) -> tuple:
    """``interval`` unbounded on each side whose ratio's denominator may be 0."""
    estimate, low, high, count = interval
    if np.isnan(low):
        return interval
    return (
        estimate,
        -np.inf if paired.open_below else low,
        np.inf if paired.open_above else high,
        count,
    )


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
        "run (unpaid, so in no spend: the CAC, ROI and profit above leave them out and read "
        "better than a brand that pays them would see)",
        "{:z,.0f} yuan",
    ),
    "commissions_counted": (
        "KOL, KOC and repeat-order referral commissions earned after the budget ran out, per "
        "run: counted as acquisition spend in the table above (--count-owed), so its spend, "
        "CAC, ROI, profit and their Δ are what a brand that pays them sees",
        "{:z,.0f} yuan",
    ),
    "commission_reserve_left": (
        "KOC commission reserve held and not paid out when the runs end, per run (held, never "
        "spent, so in no spend; where the budget recruited fewer KOCs than asked, a smaller "
        "`commission_reserve` would have recruited more)",
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
        f"{OWED[name][0]}: {OWED[name][1].format(mean)}{counted_in(metrics, name)}."
        for name, mean in means.items()
        if mean > 0
    ]


def counted_in(metrics: pd.DataFrame, owed: str) -> str:
    """`` (counting them: CAC …, ROI … and profit … a run)`` for unbooked commissions, else "".

    Pooled as the summary's CAC and ROI are: all the runs' acquisition spend and commissions
    over all their customers, their revenue over their spend and commissions. Until 4 Dec 2026
    the note said only that CACs read low, while the calibrated market's reference campaign met
    its ROI target (C6, 2.8-3.2) at 3.02 with 28% of its cost unbooked: 2.35 counting it.
    """
    if owed != "commissions_unbooked" or not {*OWED_COUNTED_IN, owed} <= {*metrics.columns}:
        return ""
    counted = counting_owed(metrics)
    cac, roi = (level_interval(counted, ratio)[0] for ratio in ("cac", "roi"))
    profit = counted["gross_profit"].mean()
    return f" (counting them: CAC {cac:,.1f}, ROI {roi:.2f} and profit {profit:z,.0f} a run)"


OWED_COUNTED_IN = ("spend_acquisition", "spend_total", "gross_profit", "customers", "revenue")
"""The metrics :func:`counted_in` reads: the two spends and the profit it counts them in, and
the other parts of the pooled CAC and ROI (:data:`POOLED`)."""


def counting_owed(metrics: pd.DataFrame) -> pd.DataFrame:
    """``metrics`` with the commissions owed past the budget counted as acquisition spend.

    ``spend_acquisition`` and ``spend_total`` add ``commissions_unbooked``, ``gross_profit``
    loses it, and each run's ``cac`` and ``roi`` follow; the amount moves to
    ``commissions_counted`` (``commissions_unbooked`` reads 0: nothing is left out). What a
    brand that pays its commissions sees (``referral-sim-report --count-owed``).
    """
    owed = metrics["commissions_unbooked"]
    acquisition = metrics["spend_acquisition"] + owed
    total = metrics["spend_total"] + owed
    return metrics.assign(
        spend_acquisition=acquisition,
        spend_total=total,
        gross_profit=metrics["gross_profit"] - owed,
        cac=(acquisition / metrics["customers"]).where(metrics["customers"] > 0),
        roi=(metrics["revenue"] / total).where(total > 0),
        commissions_counted=owed,
        commissions_unbooked=0.0,
    )


SELDOM_FILLED = 0.1
"""The share of a group buy's closed teams (filled or dissolved) under which its teams are said
to seldom fill: it then pays almost nothing, and its customers are not bought by its offer."""

SELDOM_FILLED_READS = (
    "so almost no group price or free order was paid, and the extra customers came from "
    "leaders inviting more of their friends (`referral.leader_fanout`) to an offer that seldom "
    "paid out: not what a group buy costs where its teams fill (docs/model.md, `group_buy`; "
    "a smaller `referral.team_size` or a denser network fills them)"
)
"""What a group buy whose teams seldom fill means for its customers and CAC."""


def teams_seldom_filled(metrics: pd.DataFrame) -> str:
    """How seldom a group buy's teams filled over ``metrics``' runs, or "" if not seldom.

    ``0.005 of 117.3 teams a run filled (in 1 of 200 replicates)``, where the teams filled are
    under :data:`SELDOM_FILLED` of those closed; "" for results of an older engine (no
    ``teams_filled``), and where no team closed (no group buy, or teams still open).
    Until 4 Dec 2026 neither the report nor a run's summary said it: a group buy whose teams
    never filled read as +79 customers at an incremental CAC of about 0.
    """
    if "teams_filled" not in metrics.columns:
        return ""
    filled, dissolved = metrics["teams_filled"].mean(), metrics["teams_dissolved"].mean()
    closed = filled + dissolved
    if not closed or filled / closed >= SELDOM_FILLED:
        return ""
    runs = len(metrics)
    if runs == 1:
        return (
            f"{filled:.0f} of {closed:.0f} teams filled"
            if filled
            else f"none of {closed:.0f} filled"
        )
    with_one = int((metrics["teams_filled"] > 0).sum())
    if not with_one:
        return f"none of {closed:,.1f} teams a run filled, in {runs} replicates"
    return (
        f"{filled:,.3g} of {closed:,.1f} teams a run filled (a team filled in {with_one} of "
        f"{runs} replicates)"
    )


KOCS_UNPAID_READS = (
    "the budget (or, under `seeding=mixed`, its `koc` share) paid for no more recruits (a "
    "recruit's free product, and its `commission_reserve` if set), and only recruits post: the "
    "KOC channel is that many KOCs, not `recruits`"
)
"""What a KOC matrix that recruited fewer KOCs than it asked means for its customers."""


def kocs_unpaid(metrics: pd.DataFrame) -> str:
    """How many of the KOCs asked the budget recruited, or "" if it recruited them all.

    ``346 of the 500 KOCs asked`` (a run), ``346.5 of the 500 KOCs asked, per run``
    (replicates); "" for results of an older engine (no ``kocs_chosen``) and where no KOC was
    asked. Until 4 Dec 2026 nothing said it: the calibrated reference campaign asks the whole
    pool of 500 and its KOC budget pays the products of 346, and a warning said "all of them
    are recruited".
    """
    if not {"kocs_chosen", "kocs_recruited"} <= {*metrics.columns}:
        return ""
    chosen, recruited = metrics["kocs_chosen"].mean(), metrics["kocs_recruited"].mean()
    if not chosen or recruited >= chosen:
        return ""
    per_run = "" if len(metrics) == 1 else ", per run"
    return f"{figure(recruited)} of the {figure(chosen)} KOCs asked{per_run}"


def format_summary(
    metrics: pd.DataFrame,
    names: tuple[str, ...] = HEADLINE,
    caps: Mapping[str, float] | None = None,
    budget: float | None = None,
) -> str:
    """A fixed-width table of the headline metrics, with 95% CIs when there are replicates.

    Args:
        metrics: one row per replicate.
        names: the metrics shown, those present in ``metrics``.
        caps: a ``seeding=mixed`` campaign's cap of each channel in yuan
            (:func:`share_caps`); the shares it left unspent are said below the table, unless
            a run used up ``budget`` (``budget.total``).
        budget: ``budget.total`` (None: no cap).

    """
    table = summarise(metrics, names=[n for n in names if n in metrics.columns])
    width = max([22, *(len(name) + 1 for name in table.index)])  # a space after the longest
    lines = [f"{'metric':<{width}}{'mean':>14}{'95% CI':>28}"]
    for name, row in table.iterrows():
        mean, low, high = figures([row["mean"], row.ci_low, row.ci_high])
        interval = "" if np.isnan(row.ci_low) else f"[{low}, {high}]"
        mean = "–" if np.isnan(row["mean"]) else mean
        lines.append(f"{name:<{width}}{mean:>14}{interval:>28}")
    legend = metrics_read(list(table.index))
    if legend:
        lines.append(legend)
    left_out = undefined_in_some(metrics, names)
    if left_out:
        lines.append(f"{UNDEFINED_IN_SOME}: {left_out}")
    everywhere = undefined_in_all(metrics, names)
    if everywhere:
        lines.append(f"– undefined in every replicate: {everywhere}")
    lines += owed_notes(metrics)
    seldom = teams_seldom_filled(metrics)
    if seldom:
        lines.append(f"Group-buy teams seldom filled: {seldom}; {SELDOM_FILLED_READS}.")
    unpaid = kocs_unpaid(metrics)
    if unpaid:
        lines.append(f"KOCs recruited: {unpaid}; {KOCS_UNPAID_READS}.")
    unspent = shares_unspent(metrics, caps or {}, budget)
    if unspent:
        per_run = ", per run" if len(metrics) > 1 else ""
        lines.append(f"Shares left unspent{per_run}: {unspent}; {SHARES_UNSPENT_READS}.")
    if len(metrics) == 1:
        lines.append(ONE_REPLICATE)
    return "\n".join(lines)


SHARE_SPEND = {
    "ads": (("spend_ads",), "ads", "seeding.ads.daily_budget on the ad days"),
    "kol": (
        ("spend_kol",),
        "KOLs",
        "seeding.kol.hired, at most influencers.kols, and their fees on the post days",
    ),
    "koc": (
        ("spend_koc", "commission_reserve_left"),  # a reserve held and never paid: not idle
        "KOCs",
        "seeding.koc.recruits, at most the KOC pool (influencers.koc_share x network.n), their "
        "products, commissions and commission_reserve",
    ),
    "referral": (
        ("spend_referral_reward", "spend_referral_discount"),
        "referral rewards and discounts",
        "the referral scheme's rewards on the referred orders",
    ),
}
"""Each capped channel of ``seeding=mixed``: its spend columns (the first always recorded, the
others where the results have them), its name, and what sets its spend."""
UNSPENT = 0.9
"""A share is said left unspent when its channel spent under this part of it, per run."""
SHARES_UNSPENT_READS = (
    "each share caps its channel, and what the channel spends is set by its own keys, so the "
    "rest of a share is spent on nothing else"
)


def share_caps(seeding: object, budget: float | None) -> dict[str, float]:
    """A ``seeding=mixed`` campaign's cap of each channel in yuan: ``total`` x its share.

    Args:
        seeding: the ``seeding`` configuration as a mapping (a job's resolved ``config.yaml``,
            or :func:`dataclasses.asdict` of the configuration).
        budget: ``budget.total`` (None: no cap).

    Returns:
        {} for another seeding, and where a smaller ``budget.total`` caps every channel (what
        stopped a channel is then not its own keys).

    """
    if not isinstance(seeding, Mapping) or seeding.get("name") != "mixed":
        return {}
    total = float(seeding["total"])
    if budget is not None and budget < total:
        return {}
    return {channel: total * float(seeding[f"{channel}_share"]) for channel in SHARE_SPEND}


def shares_unspent(
    metrics: pd.DataFrame, caps: Mapping[str, float], budget: float | None = None
) -> str:
    """The capped channels whose mean spend per run left over a tenth of their share, or "".

    ``KOLs 3,841 of 10,800 yuan (seeding.kol.hired, ...)``: until 4 Dec 2026 only the total
    spend (47,041 of the reference campaign's 54,000 yuan) hinted that a share was idle.
    """
    unspent = unspent_shares(metrics, caps, budget)
    return "; ".join(f"{said} ({SHARE_SPEND[channel][2]})" for channel, said in unspent.items())


def unspent_shares(
    metrics: pd.DataFrame, caps: Mapping[str, float], budget: float | None = None
) -> dict[str, str]:
    """``{"kol": "KOLs 3,841 of 10,800 yuan"}`` for each share less than 90% spent per run.

    None where a run used up ``budget`` (``budget.total``; spend and reserves held): a channel
    may then have stopped for the total, which retention (uncapped by ``mixed``) shares.
    """
    if budget is not None and _used_up(metrics, budget):
        return {}
    said = {}
    for channel, cap in caps.items():
        columns, label, _ = SHARE_SPEND[channel]
        if cap <= 0 or columns[0] not in metrics.columns:
            continue
        spent = metrics[[c for c in columns if c in metrics.columns]].sum(axis=1).mean()
        if spent < UNSPENT * cap:
            said[channel] = f"{label} {figure(spent)} of {figure(cap)} yuan"
    return said


def _used_up(metrics: pd.DataFrame, budget: float) -> bool:
    """Whether any run spent (or held) all of ``budget`` but a yuan, or cannot tell."""
    if "spend_total" not in metrics.columns:
        return True
    held = metrics.get("commission_reserve_left", 0)
    return bool(((metrics["spend_total"] + held) >= budget - 1).any())


MEANINGS = {
    "roi": "revenue per yuan spent, not profit",
    "repurchase_30d": "share re-buying within 30 days (of customers won 30+ days before the end)",
    "cascade_max_size": "customers in the largest referral tree",
    "cascade_max_depth": "referral steps down the deepest referral tree",
    "structural_virality": (
        "how far the largest referral tree spreads: the mean referral steps between two of its "
        "members (about 2 where one sharer brought everyone in, more along long chains)"
    ),
    "reproduction_number": "customers each customer brought in by referral, on average",
    "single_adopter_share": "share of referral trees of one customer, who referred nobody",
    "fraud_share": "share of referrals made by fake accounts",
}
"""A few plain words on each metric whose name says little to a reader new to the model
(:mod:`sim.metrics` defines them); :func:`format_summary` says those it shows."""


def metrics_read(names: Sequence[str]) -> str:
    """``Read: roi = revenue per yuan spent, not profit; ...`` for ``names`` in :data:`MEANINGS`.

    "" when none is. Until 4 Dec 2026 a run's summary printed ``reproduction_number 0.03797``
    and its like with no word of what they measure (docs/model.md said).
    """
    said = [f"{name} = {MEANINGS[name]}" for name in names if name in MEANINGS]
    return f"Read: {'; '.join(said)}." if said else ""


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
"""Said of a metric NaN in some replicates. Not of CAC or ROI (:data:`POOLED`): they are over
every replicate, whose spend counts even where it won nobody."""


def undefined_in_some(metrics: pd.DataFrame, names: Sequence[str]) -> str:
    """``cac in 1 of 20 replicates, ...``: the metrics of ``names`` NaN in some rows, not all.

    A 30-day repurchase with no customer acquired 30+ days before the end, say: its mean is
    over the other replicates, so the tables say so. A ratio of :data:`POOLED` is never named:
    it is over every replicate (a replicate that spent and won no customer has no CAC of its
    own, and its spend counts in the pooled CAC). A metric NaN in every replicate: see
    :func:`undefined_in_all`.
    """
    shown = [n for n in names if n in metrics.columns and n not in POOLED]
    missing = metrics[shown].isna().sum()
    partly = missing[(missing > 0) & (missing < len(metrics))]
    return ", ".join(
        f"{name} in {count} of {len(metrics)} replicates" for name, count in partly.items()
    )


EXPONENT_FROM = 1e15
"""The size from which :func:`figures` show an exponent: ``1e+300``, not 301 digits in commas."""


def figures(values: Sequence[float]) -> list[str]:
    """``values`` (a mean and its CI bounds) as :func:`figure` shows them, with shared decimals.

    The count is the most any of them shows, up to four significant figures of the largest
    (none where it is 999.5 or more: ``1,050 [980, 1,120]``). :func:`figure` alone read a mean
    and CI as ``27.4 [25, 29.8]`` and ``2.8 [2.594, 3.006]`` (until 3 Dec 2026); now ``27.4
    [25.0, 29.8]`` and ``2.800 [2.594, 3.006]``. NaN reads ``nan``, left to the caller to show.
    All below 0.0001 read as :func:`figure` shows them (``5e-05 [1e-05, 9e-05]``, not ``0 [0, 0]``).
    From :data:`EXPONENT_FROM` up, four significant figures each: ``1e+300 [9e+299, 1.1e+300]``
    (until 4 Dec 2026 301 digits each).
    """
    finite = [abs(value) for value in values if math.isfinite(value)]
    largest = max(finite, default=0.0)
    if largest >= EXPONENT_FROM:
        return [f"{value:z.4g}" for value in values]
    if largest == 0 or (largest < 1 and "e" in f"{largest:.4g}"):  # each its own exponent
        return [figure(value) for value in values]
    most = 0 if largest >= 999.5 else _decimals(f"{largest:#.4g}")  # zeros kept: 0.003000
    decimals = min(max(_decimals(f"{value:.4g}") for value in finite), most)
    return [f"{value:z,.{decimals}f}" for value in values]


def _decimals(text: str) -> int:
    """The decimals ``text`` shows (``0.0310`` -> 4); none for ``3e-07``, which has an exponent."""
    return 0 if "e" in text else len(text.partition(".")[2])


def figure(value: float) -> str:
    """Four significant figures, whole numbers with thousands separators from 1,000 up.

    ``54940.3`` -> ``54,940`` (not ``5.494e+04``); ``0.02434`` -> ``0.02434``; never ``-0``;
    from :data:`EXPONENT_FROM` an exponent: ``1e+300`` (until 4 Dec 2026 its 301 digits).
    """
    whole = 999.5 <= abs(value) < EXPONENT_FROM  # 999.6 reads 1,000
    text = f"{value:,.0f}" if whole else f"{value:.4g}"
    return "0" if text == "-0" else text

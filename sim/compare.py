"""Paired comparison of schemes against a baseline, with 95% confidence intervals.

Replicate ``r`` of every job sees the same network and population (common random numbers), so
each scheme is compared with the baseline replicate by replicate: the interval of a difference
is a paired t-interval, much narrower than the difference of two independent intervals.

CAC and ROI over replicates are pooled (:data:`sim.summary.POOLED`): a scheme's CAC is all its
replicates' acquisition spend over all their customers, with Fieller's interval, and its
``delta_cac`` the difference of two pooled CACs, with a paired delta-method interval.

Incremental CAC is the extra acquisition spend per extra customer against the baseline,
``mean(spend_s - spend_b) / mean(customers_s - customers_b)`` over replicates, with a paired
Fieller interval: it is unbounded exactly when the extra customers' t-interval reaches 0 (the
scheme may win nobody extra, or fewer), and then the whole line where Fieller's set is two rays
(see :func:`sim.summary.fieller_interval`). It is NaN where the scheme wins no extra customers
on average.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from pathlib import PurePath

import numpy as np
import pandas as pd

from sim.console import listed, plain
from sim.params import nearest_key
from sim.results import DuplicateJobWarning, swept
from sim.summary import (
    CONFIDENCE,
    POOLED,
    SUPPORT,
    difference_support,
    fieller_interval,
    level_interval,
    mean_interval,
    measured_columns,
    pooled_difference_interval,
    ratio_interval,
    t_quantile,
)

__all__ = [  # the interval functions are sim.summary's, named here as before 3 Dec 2026
    "ComparisonError",
    "UnpairedWarning",
    "baseline_value",
    "compare",
    "conditions",
    "fieller_interval",
    "mean_interval",
    "ratio_interval",
    "unpaired",
    "wide",
]

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
PAIRED_IF_THERE = ("gross_profit",)
"""Paired too where the results hold them (since 4 Dec 2026: what a scheme adds to profit,
which ROI, revenue over spend, does not say)."""
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
        Long table: the other swept parameters the baseline's jobs set (comparisons are made
        within each of their combinations, in ascending order), ``by``, the swept parameters
        they never set (they describe the settings, see :func:`_conditions_and_attributes`),
        ``metric`` (each of ``metrics``, then ``delta_customers``, ``delta_cac``,
        ``delta_spend_acquisition`` and ``incremental_cac``), ``mean``, ``ci_low``,
        ``ci_high``, ``replicates``. Within each combination the settings come in one order
        (:func:`in_setting_order`). A setting with no baseline replicate to pair with (its
        combination's baseline job unfinished or failed) has empty paired rows with 0
        replicates, and an :class:`UnpairedWarning` says so.

    Raises:
        ComparisonError: ``results`` is not a DataFrame, ``by`` or a metric is missing (the
            parameters or metrics it has are named), or the baseline is not among the schemes.

    """
    if not isinstance(results, pd.DataFrame):  # a folder failed reading .columns of a str
        raise ComparisonError(_not_a_frame(results))
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)  # not its letters
    results = name_unset(results, by)
    baseline = _check(results, baseline, by, metrics)
    within, described = _conditions_and_attributes(results, baseline, by)
    setting = [by, *described]
    places = {name: value_places(results[name]) for name in setting}
    parts = []
    for key, group in results.groupby(within, dropna=False) if within else [((), results)]:
        table = _compare_group(_once_each(group, setting, metrics), baseline, setting, metrics)
        table = in_setting_order(table, baseline, setting, places)
        values = key if isinstance(key, tuple) else (key,)  # keeps each value's own type
        for position, (name, value) in enumerate(zip(within, values, strict=True)):
            table.insert(position, name, value)
        parts.append(table)
    comparison = pd.concat(parts, ignore_index=True)
    _warn_of_unpaired(comparison, baseline, by, within)
    _warn_of_partly_paired(comparison, baseline, by)
    return comparison


def differences_across(
    comparison: pd.DataFrame, by: str, within: Sequence[str], metric: str = "delta_customers"
) -> pd.DataFrame:
    """Whether each setting's paired difference differs across the conditions ``within``.

    For each setting of ``by`` (with its attributes) compared in two or more combinations of
    ``within`` (the networks of ``network_sensitivity``, say): Cochran's Q of its ``metric``
    rows, each mean weighted by the inverse square of its standard error (read back from its
    t-interval), against a chi-squared law of (combinations - 1) degrees of freedom. The
    combinations are taken as independent: where they share replicates (common random
    numbers) their differences vary less than that, so the test is conservative. Rows with no
    spread (the baseline's own, at 0) or fewer than 2 replicates are left out.

    Args:
        comparison: a :func:`compare` table.
        by: the parameter naming the settings.
        within: the conditions (:func:`conditions`).
        metric: a paired difference of the table (a ``delta_*`` row, t-interval).

    Returns:
        One row per setting: its key columns, ``values`` (combinations compared), ``lowest``
        and ``highest`` (the rows of the smallest and largest mean, as records), ``q`` and
        ``p``. Empty without conditions.

    """
    # the chi-squared survival function, without scipy.stats; here, not with the module: sim
    # imports this module, and scipy.special (~0.25 s) is not needed for `referral-sim --help`
    from scipy.special import chdtrc

    keys = [c for c in comparison.columns if c not in ("metric", *COLUMNS)]
    setting = [key for key in keys if key not in within]
    rows = comparison[(comparison["metric"] == metric) & (comparison["replicates"] > 1)]
    tails = t_quantile(0.5 + CONFIDENCE / 2, rows["replicates"] - 1)
    rows = rows.assign(se=(rows["ci_high"] - rows["ci_low"]) / (2 * tails))
    rows = rows[(rows["se"] > 0) & np.isfinite(rows["se"])]
    found = []
    if not within or rows.empty:
        return pd.DataFrame(columns=[*setting, "values", "lowest", "highest", "q", "p"])
    for _, group in rows.groupby(setting, dropna=False, sort=False):
        if len(group) < 2:
            continue
        weight = 1 / group["se"] ** 2
        centre = (weight * group["mean"]).sum() / weight.sum()
        q = float((weight * (group["mean"] - centre) ** 2).sum())
        ordered = group.sort_values("mean")
        found.append(
            {
                **group.iloc[0][setting].to_dict(),
                "values": len(group),
                "lowest": ordered.iloc[0].to_dict(),
                "highest": ordered.iloc[-1].to_dict(),
                "q": q,
                "p": float(chdtrc(len(group) - 1, q)),
            }
        )
    return pd.DataFrame(found, columns=[*setting, "values", "lowest", "highest", "q", "p"])


class UnpairedWarning(UserWarning):
    """Some settings have no baseline replicate to pair with: their paired cells are empty."""


def conditions(results: pd.DataFrame, baseline: object, by: str) -> list[str]:
    """The swept parameters within whose combinations the settings are compared.

    See :func:`_conditions_and_attributes`: those the baseline's jobs set, other than ``by``.
    ``baseline`` is matched as :func:`compare` matches it (``"0"`` names 0.0, ``null`` a
    setting left unset).
    """
    results = name_unset(results, by)
    return _conditions_and_attributes(results, baseline_value(results, baseline, by), by)[0]


def _conditions_and_attributes(
    results: pd.DataFrame, baseline: object, by: str
) -> tuple[list[str], list[str]]:
    """Split the other swept parameters into conditions and attributes of the settings.

    A parameter the baseline's jobs set is a condition: each setting is compared with the
    baseline under the same value. One they never set (``referral.referrer_reward`` beside
    ``referral=none``, in a folder of several sweeps) describes the settings that have it,
    like ``by`` itself: grouping by it would leave those settings without a baseline.
    """
    at_baseline = results[results[by] == baseline]
    others = [c for c in swept(results) if c != by]
    within = [c for c in others if at_baseline[c].notna().any()]
    return within, [c for c in others if c not in within]


def _warn_of_unpaired(
    comparison: pd.DataFrame, baseline: object, by: str, within: Sequence[str] = ()
) -> None:
    """Warn of the settings with no baseline replicate to pair with (see :func:`unpaired`).

    Those whose values of the conditions ``within`` no baseline job ran with (a folder of two
    sweeps, one of which never ran the baseline) are said apart: until 4 Dec 2026 they read
    "a baseline job unfinished or failed", and waiting or re-running would not pair them.
    """
    missing = comparison[unpaired(comparison)]
    if missing.empty:
        return
    keys = [c for c in comparison.columns if c not in ("metric", *COLUMNS)]
    ran = {_values_of(row, within) for _, row in comparison[comparison[by] == baseline].iterrows()}
    never = np.array([_values_of(row, within) not in ran for _, row in missing.iterrows()], bool)
    why = {
        True: f"no {by}={baseline} job ran with their {', '.join(within)}",
        False: "a baseline job unfinished or failed, or other replicate numbers",
    }
    for never_ran in (True, False):
        rows = missing[never == never_ran]
        if rows.empty:
            continue
        labels = [setting_text(row) for row in rows[keys].to_dict("records")]
        warnings.warn(
            f"no {by}={baseline} replicate to pair with ({why[never_ran]}) for "
            f"{len(labels)} setting(s): {listed(labels, '; ')}; their paired differences and "
            "incremental CAC are left empty",
            UnpairedWarning,
            stacklevel=3,
        )


def _values_of(row: pd.Series, columns: Sequence[str]) -> tuple:
    """``row``'s values of ``columns``, a missing one as None (NaN equals no NaN in a set)."""
    return tuple(None if pd.isna(row[c]) else row[c] for c in columns)


def _warn_of_partly_paired(comparison: pd.DataFrame, baseline: object, by: str) -> None:
    """Warn of settings whose levels and differences are over different replicates.

    A setting with replicates the baseline lacks (sweeps of other ``run.replicates`` read
    together) has its levels over all of them and its paired cells over the shared ones only:
    side by side they can seem to disagree.
    """
    levels = comparison[comparison["metric"] == "customers"].reset_index(drop=True)
    paired = comparison[comparison["metric"] == "delta_customers"].reset_index(drop=True)
    if levels.empty:  # customers not among the metrics summarised
        return
    partly = (paired["replicates"] > 0) & (paired["replicates"] < levels["replicates"])
    if not partly.any():
        return
    keys = [c for c in comparison.columns if c not in ("metric", *COLUMNS)]
    labels = [
        f"{setting_text(setting)} ({shared} of {every})"
        for setting, shared, every in zip(
            paired.loc[partly, keys].to_dict("records"),
            paired.loc[partly, "replicates"],
            levels.loc[partly, "replicates"],
            strict=True,
        )
    ]
    warnings.warn(
        f"paired with {by}={baseline} on only some of their replicates, {len(labels)} "
        f"setting(s): {listed(labels, '; ')}; their levels (customers, CAC, ...) are over all "
        "their replicates, their paired differences and incremental CAC over the shared ones",
        UnpairedWarning,
        stacklevel=3,
    )


def setting_text(setting: dict) -> str:
    """``name=value`` of each parameter a setting has (whole numbers without ``.0``)."""
    return ", ".join(f"{k}={plain(v)}" for k, v in setting.items() if not pd.isna(v))


def unpaired(comparison: pd.DataFrame) -> pd.Series:
    """Rows of a :func:`compare` table (its ``delta_customers`` rows) with nothing to pair."""
    return (comparison["metric"] == "delta_customers") & (comparison["replicates"] == 0)


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
    if by not in results.columns:
        parameters = _parameter_columns(results)
        held = f"their parameters are {', '.join(parameters)}" if parameters else NO_PARAMETERS
        raise ComparisonError(
            f"results lack column {by!r}, the parameter compared (by="
            f"){did_you_mean(by, parameters)}; {held}"
        )
    unknown = [metric for metric in metrics if metric not in results.columns]
    if unknown:
        parameters = _parameter_columns(results)
        held = [c for c in measured_columns(results) if c not in parameters]
        raise ComparisonError(
            f"results lack column(s) {', '.join(unknown)}, metric(s) to compare"
            f"{did_you_mean(unknown[0], held)}; their metrics are {', '.join(held) or 'none'}"
        )
    needed = [by, "replicate", *PAIRED, *metrics]  # PAIRED: the deltas and incremental CAC
    needed += [part for metric in needed for part in POOLED.get(metric, ())]
    missing = [c for c in dict.fromkeys(needed) if c not in results.columns]
    if missing:
        raise ComparisonError(f"results lack column(s) {', '.join(missing)}")
    return baseline_value(results, baseline, by)


NO_PARAMETERS = (
    "they have no parameter column (sim.results.load gives the jobs' parameters; to compare "
    "runs of sim.run, give each its setting: result.metrics.assign(referral='two_sided'))"
)


def _not_a_frame(results: object) -> str:
    """What :func:`compare` takes, said to a caller who gave something else (a folder, say)."""
    said = f"results: expected a DataFrame of replicate metrics, not {type(results).__name__}"
    if isinstance(results, str | PurePath):
        return f"{said} {str(results)!r}: load the folder first, sim.results.load({str(results)!r})"
    return f"{said}; sim.results.load(folder) gives one"


def _parameter_columns(results: pd.DataFrame) -> list[str]:
    """The parameters of ``results``: its ``attrs``' (:func:`sim.results.load`), else its columns.

    Without ``attrs``, the columns that are neither a metric of :data:`sim.summary.SUPPORT`,
    ``replicate`` nor ``job``.
    """
    if "parameters" in results.attrs:
        return [c for c in results.attrs["parameters"] if c in results.columns]
    return [c for c in results.columns if c not in (*SUPPORT, "replicate", "job")]


def did_you_mean(name: str, names: list[str]) -> str:
    """`` (did you mean x?)`` for the name of ``names`` most like ``name``, if one is."""
    nearest = nearest_key(name, names)
    return f" (did you mean {nearest}?)" if nearest else ""


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
    present = [value for value in schemes if not _is_missing(value)]
    named = isinstance(baseline, str) and not all(_is_number(value) for value in present)
    nearest = did_you_mean(baseline, [str(v) for v in present]) if named else ""  # 0.2: 0.5?
    raise ComparisonError(f"baseline {by}={baseline!r} is not in the results{nearest}: {schemes}")


def _same_number(value: object, baseline: object) -> bool:
    word = str(baseline).lower()
    if isinstance(value, bool | np.bool_) and word in ("true", "false"):  # as Hydra writes it
        return word == str(bool(value)).lower()
    try:
        return float(value) == float(baseline)
    except (TypeError, ValueError):
        return False


def _once_each(group: pd.DataFrame, setting: list[str], metrics: Sequence[str]) -> pd.DataFrame:
    """``group`` with each (setting, replicate) once: pairing a repeat would count it twice.

    :func:`sim.results.load` reads a configuration's results once, so a repeat here is either a
    copy (jobs that differ only in ``run.replicates`` share their first replicates, which are
    the same runs: kept once, silently) or comes from two jobs whose settings differ in something
    the frame does not show (warned of); the first is kept.
    """
    repeated = group.duplicated([*setting, "replicate"])
    if not repeated.any():
        return group
    differing = repeated & ~group.duplicated([*setting, "replicate", *metrics])
    if differing.any():
        by = setting[0]
        settings = ", ".join(str(s) for s in group.loc[differing, by].unique())
        warnings.warn(
            f"{by}={settings}: {int(differing.sum())} replicate(s) appear more than once with "
            "the same settings and other outcomes; each is compared once (the first)",
            DuplicateJobWarning,
            stacklevel=3,
        )
    return group[~repeated]


def _compare_group(
    group: pd.DataFrame, baseline: object, setting: list[str], metrics: Sequence[str]
) -> pd.DataFrame:
    """Summaries and paired comparisons of each setting (``by`` then its attributes)."""
    by = setting[0]
    base = group[group[by] == baseline].set_index("replicate")
    rows = []
    for values, runs in group.groupby(setting, sort=False, dropna=False):
        runs = runs.set_index("replicate")
        for metric in metrics:
            rows.append((*values, metric, *level_interval(runs, metric)))
        paired = runs.merge(
            base, left_index=True, right_index=True, how="inner", suffixes=("", "_base")
        )
        for metric in (*PAIRED, *(m for m in PAIRED_IF_THERE if m in paired.columns)):
            rows.append((*values, f"delta_{metric}", *_paired_difference(paired, metric)))
        extra_spend = paired["spend_acquisition"] - paired["spend_acquisition_base"]
        extra_customers = paired["customers"] - paired["customers_base"]
        incremental = ratio_interval(extra_spend, extra_customers, signed=True)
        rows.append((*values, "incremental_cac", *incremental))
    return pd.DataFrame(rows, columns=[*setting, "metric", *COLUMNS])


def _paired_difference(paired: pd.DataFrame, metric: str) -> tuple:
    """``metric``'s difference from the baseline over the paired replicates, with its CI.

    ``paired`` has each column twice, the baseline's with the suffix ``_base``. A ratio of
    :data:`sim.summary.POOLED` is the difference of the pooled ratios; any other metric the
    mean of the replicates' differences, with a paired t-interval.
    """
    parts = POOLED.get(metric)
    if parts:
        baseline = paired[[f"{part}_base" for part in parts]]
        return pooled_difference_interval(paired[list(parts)], baseline)
    difference = paired[metric] - paired[f"{metric}_base"]
    return mean_interval(difference, support=difference_support(metric))


def value_places(values: pd.Series) -> dict[object, int]:
    """Each value of a setting's parameter and its place in the table, missing ones left out.

    Numbers come in ascending order (``referral.referrer_reward=20,0,5`` reads 0, 5, 20), any
    other values in the order of their first job (a sweep's, as its command listed them). A
    missing value (NaN, or :data:`UNSET`) has no place: it comes before them all.
    """
    present = [value for value in values.unique() if not _is_missing(value)]
    if all(_is_number(value) for value in present):
        present = sorted(present)
    return {value: place for place, value in enumerate(present)}


def _is_missing(value: object) -> bool:
    """Whether a setting's ``value`` is missing: None, NaN or :data:`UNSET` (a null)."""
    return value is None or (isinstance(value, str) and value == UNSET) or bool(pd.isna(value))


def _is_number(value: object) -> bool:
    """Whether ``value`` is a number (numpy's too), not a truth value."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def in_setting_order(
    table: pd.DataFrame,
    baseline: object,
    setting: Sequence[str],
    places: dict[str, dict[object, int]],
) -> pd.DataFrame:
    """``table``'s settings in one order: the baseline first, then by the places of their values.

    ``setting``: ``by``, then the parameters that describe a setting; ``places``: each one's
    :func:`value_places`, taken over all the results, so every combination of the conditions
    lists its settings alike. Until 4 Dec 2026 they came in the order of their jobs within each
    combination: one_sided before two_sided at one ``network.rewire`` and after it at the
    other, and a baseline from a second sweep in the folder last. A setting's rows keep their
    order (its metrics).
    """
    settings = table[list(setting)].drop_duplicates().itertuples(index=False, name=None)
    keys = [_setting_key(values, baseline, setting, places) for values in settings]
    own = table.groupby(list(setting), sort=False, dropna=False).ngroup().to_numpy()  # as listed
    rows = sorted(range(len(table)), key=lambda row: (keys[own[row]], own[row]))  # stable
    return table.iloc[rows].reset_index(drop=True)


def _setting_key(
    values: tuple, baseline: object, setting: Sequence[str], places: dict[str, dict[object, int]]
) -> tuple:
    """What a setting is ordered by: not the baseline, then each value's place (missing: -1)."""
    named = zip(setting, values, strict=True)
    return (values[0] != baseline, *(-1 if _is_missing(v) else places[n][v] for n, v in named))


def wide(comparison: pd.DataFrame) -> pd.DataFrame:
    """One row per scheme, columns ``<metric>``, ``<metric>_low``, ``<metric>_high``.

    Only the settings the comparison holds get a row: jobs of several sweeps, whose parameters
    differ, do not make up the missing combinations. Rows come in the comparison's order:
    :func:`compare`'s puts the baseline first in each combination of the conditions, then the
    other settings in one order (:func:`in_setting_order`).
    """
    index = [c for c in comparison.columns if c not in ("metric", *COLUMNS)]
    # setting by setting, never the product of every parameter's values (pivot_table's
    # dropna=False built that product: 95 million rows for 55 settings of 16 parameters)
    rows = comparison[index].drop_duplicates()
    for metric, part in comparison.groupby("metric", sort=False):
        values = part.drop_duplicates(index)[[*index, "mean", "ci_low", "ci_high"]]
        values.columns = [*index, metric, f"{metric}_low", f"{metric}_high"]
        rows = rows.merge(values, on=index, how="left")  # NaN keys match NaN
    return rows.reset_index(drop=True)

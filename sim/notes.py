"""The notes under a report's table: what a reader must know to read its cells right.

Each function returns a list of sentences (empty when there is nothing to say): settings that
spent alike, a gain that differs across conditions, metrics undefined in some runs, rewards owed
or orders held at the end, group buys whose teams seldom filled. :mod:`sim.report` writes them
under the table and says them on standard error.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim import results as store
from sim.compare import (
    COLUMNS,
    differences_across,
    setting_text,
    wide,
)
from sim.summary import (
    CONFIDENCE,
    OWED,
    SELDOM_FILLED_READS,
    UNDEFINED_IN_SOME,
    counted_in,
    teams_seldom_filled,
    undefined_in_all,
    undefined_in_some,
)
from sim.table import TABLE, cell_text, label_from, label_of, same_spend_as_baseline


def same_spend_note(comparison: pd.DataFrame, by: str, tolerance: float = 0.01) -> list[str]:
    """A paragraph naming the settings whose incremental CAC is 0 or – by construction, if any.

    They spend on acquisition exactly what the baseline spends in every replicate (a budget
    both use up, or a scheme that pays nothing to win customers, like a retention scheme or a
    group buy whose teams never fill) yet win a different number of customers: their
    incremental CAC says nothing; their customers and CAC at the same spend do. Until 3 Dec
    2026 the note said "a scheme that paid nothing" of retention schemes that pay.
    """
    keys = [c for c in comparison.columns if c not in ("metric", *COLUMNS)]
    table = wide(comparison, by)
    named = table[same_spend_as_baseline(table, tolerance)]
    if named.empty:
        return []
    settings = "; ".join(label_of(named, keys))
    return [
        "Incremental CAC is 0 or – by construction where a setting spends on acquisition "
        "exactly what the baseline spends in every replicate (a budget both use up, or a "
        "scheme that pays nothing to win customers: a retention scheme, a group buy whose "
        f"teams never fill): {settings}. Compare their customers and CAC at the same "
        "acquisition spend instead (the spend column adds what they spend on retention).",
        "",
    ]


def differences_across_note(comparison: pd.DataFrame, by: str, within: Sequence[str]) -> list[str]:
    """A paragraph saying, per setting, whether its Δ customers differs across the conditions.

    ``network_sensitivity`` asks whether the network decides what referral adds; its table
    gave a Δ per network and no test of the spread (until 4 Dec 2026, a review: +14 to +22
    customers, which a reader ranked, at p = 0.80). See :func:`sim.compare.differences_across`.
    """
    found = differences_across(comparison, by, within)
    if found.empty:
        return []
    keys = [c for c in found.columns if c not in ("values", "lowest", "highest", "q", "p")]
    labels = [setting_text(setting) for setting in found[keys].to_dict("records")]
    said = [
        f"{label}: from {_difference_at(row['lowest'], within)} to "
        f"{_difference_at(row['highest'], within)} over {row['values']} values, "
        f"p = {row['p']:.2g} ({_verdict(row['p'])})"
        for label, (_, row) in zip(labels, found.iterrows(), strict=True)
    ]
    return [
        f"Does Δ customers differ across {', '.join(f'`{c}`' for c in within)}? "
        f"{'; '.join(said)}. Cochran's Q of each setting's paired Δs against a chi-squared law, "
        "the values taken as independent (where they share replicates the test is "
        "conservative).",
        "",
    ]


def _verdict(p: float) -> str:
    """A test's p-value in words, at the report's confidence level."""
    return "they differ" if p < 1 - CONFIDENCE else "no detectable difference"


def _difference_at(row: dict, within: Sequence[str]) -> str:
    """``+14 [4, 24] (small_world_r01)``: a Δ customers row, as the table shows it, and where."""
    metric = "delta_customers"
    fmt = next(fmt for name, _, fmt in TABLE if name == metric)
    cells = {metric: row["mean"], f"{metric}_low": row["ci_low"], f"{metric}_high": row["ci_high"]}
    return f"{cell_text(pd.Series(cells), metric, fmt)} ({label_from([row[c] for c in within])})"


def undefined_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """Paragraphs naming the table's metrics undefined in every replicate, or in some, if any.

    A replicate with no customer acquired 30+ days before the end has no 30-day repurchase,
    and the mean of the others stands for it: the report says where
    (:func:`sim.summary.undefined_in_some`; never of the pooled CAC and ROI).
    """
    names = [metric for metric, _, _ in TABLE if metric in metrics.columns]
    keys = store.swept(metrics) if keys is None else keys
    labels = label_of(metrics, keys) if keys else pd.Series("", index=metrics.index)
    everywhere = [name for name in names if metrics[name].isna().all()]  # "–" down a column
    whole = [undefined_in_all(metrics, everywhere)] if everywhere else []
    found = []
    for label, frame in metrics.groupby(labels, sort=False):
        left_out = undefined_in_some(frame, names)
        if left_out:
            found.append(f"{label}: {left_out}" if keys else left_out)
        in_all = undefined_in_all(frame, [name for name in names if name not in everywhere])
        if in_all and keys:  # one setting's whole cell: a CAC with no customer won, say
            whole.append(f"{label}: {in_all}")
    paragraphs = []
    if whole:
        paragraphs += [f"Undefined in every replicate (`–` in the table): {'; '.join(whole)}.", ""]
    if found:
        some = f"{UNDEFINED_IN_SOME[:1].upper()}{UNDEFINED_IN_SOME[1:]}"
        paragraphs += [f"{some}: {'; '.join(found)}.", ""]
    return paragraphs


def pending_rewards_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """A paragraph naming the settings that end with referral rewards still owed, if any.

    Rewards awaiting verification at the end (``rewards_pending``) are in no spend, so a
    verification rule's CAC leaves out what it only deferred past the run.
    """
    return _owed_note(metrics, "rewards_pending", keys)


def unbooked_commissions_note(
    metrics: pd.DataFrame, keys: Sequence[str] | None = None
) -> list[str]:
    """A paragraph naming the settings whose commissions outran the budget, if any."""
    return _owed_note(metrics, "commissions_unbooked", keys)


def held_orders_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """A paragraph naming the settings that end with group-buy orders still held, if any."""
    return _owed_note(metrics, "orders_held", keys)


def seldom_filled_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """A paragraph naming the group buys whose teams seldom filled, if any, and what it means.

    Such a setting pays almost no group price or free order, so its Δ customers at an
    incremental CAC near 0 is no price of a group buy (:func:`sim.summary.teams_seldom_filled`).
    Until 4 Dec 2026 only the README said so: the main job's `group_buy` read +79 customers at
    an incremental CAC of 0.006 and was ringed as the one efficient setting.
    """
    found = seldom_filled_settings(metrics, keys)
    if not found:
        return []
    named = "; ".join(f"{label}: {seldom}" if label else seldom for label, seldom in found.items())
    return [f"Read with care: group-buy teams seldom filled ({named}), {SELDOM_FILLED_READS}.", ""]


def seldom_filled_settings(
    metrics: pd.DataFrame, keys: Sequence[str] | None = None
) -> dict[str, str]:
    """How seldom each group buy's teams filled, by its label, where they seldom did.

    The label is "" for one configuration (no ``keys``; default: :func:`sim.results.swept`).
    """
    keys = store.swept(metrics) if keys is None else keys
    groups = metrics.groupby(list(keys), sort=False, dropna=False) if keys else [((), metrics)]
    found = {}
    for _, runs in groups:
        seldom = teams_seldom_filled(runs)
        if seldom:
            found[label_of(runs.iloc[:1], keys).iloc[0] if keys else ""] = seldom
    return found


def _owed_note(metrics: pd.DataFrame, column: str, keys: Sequence[str] | None = None) -> list[str]:
    """What ``column`` is (:data:`sim.summary.OWED`), then each setting owing it, and how much.

    A setting is named where its mean of ``column`` per run is above 0.
    """
    if column not in metrics.columns:  # results of an older engine
        return []
    text, unit = OWED[column]
    keys = store.swept(metrics) if keys is None else keys
    if not keys:  # one configuration: its amount, no setting to name
        owed = metrics[column].mean()
        counted = counted_in(metrics, column)
        return [f"{text}: {unit.format(owed)}{counted}.", ""] if owed > 0 else []
    settings = [
        f"{label_of(runs.iloc[:1], keys).iloc[0]} {unit.format(owed)}{counted_in(runs, column)}"
        for _, runs in metrics.groupby(keys, sort=False, dropna=False)
        if (owed := runs[column].mean()) > 0
    ]
    return [f"{text}: {'; '.join(settings)}.", ""] if settings else []

"""The notes under a report's table: what a reader must know to read its cells right.

Each function returns a list of sentences (empty when there is nothing to say): settings that spent
alike, settings whose extra spend differs a lot, a gain that differs across conditions, metrics
undefined in some runs, rewards owed, commission reserves unspent or orders held at the end, group
buys whose teams seldom filled, KOC matrices whose budget recruited fewer KOCs than they asked,
settings only an earlier run of the folder holds. :mod:`sim.report` writes them under the table and
says them on standard error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from sim import results as store
from sim.compare import (
    COLUMNS,
    differences_across,
    setting_text,
    wide,
)
from sim.jobs import EARLIER, JOB, read_record
from sim.summary import (
    CONFIDENCE,
    KOCS_UNPAID_READS,
    OWED,
    SELDOM_FILLED_READS,
    SHARE_SPEND,
    SHARES_UNSPENT_READS,
    UNDEFINED_IN_SOME,
    counted_in,
    kocs_unpaid,
    share_caps,
    teams_seldom_filled,
    undefined_in_all,
    undefined_in_some,
    unspent_shares,
)
from sim.table import (
    TABLE,
    baseline_named,
    cell_text,
    label_from,
    label_of,
    same_as_baseline,
    same_spend_as_baseline,
)


def same_spend_note(
    comparison: pd.DataFrame, by: str, baseline: object, tolerance: float = 0.01
) -> list[str]:
    """Paragraphs naming the settings whose incremental CAC is 0 or – by construction, if any.

    They spend on acquisition exactly what the baseline spends in every replicate (a budget
    both use up, or a scheme that pays nothing to win customers, like a retention scheme or a
    group buy whose teams never fill) yet win a different number of customers: their
    incremental CAC says nothing; their customers and CAC at the same spend do. Until 3 Dec
    2026 the note said "a scheme that paid nothing" of retention schemes that pay. A second
    paragraph names the settings (other than ``baseline``) that won the baseline's very
    customers at its spend (:func:`_won_alike`).
    """
    keys = [c for c in comparison.columns if c not in ("metric", *COLUMNS)]
    table = wide(comparison)
    named = table[same_spend_as_baseline(table, tolerance)]
    alike = table[same_as_baseline(table, by, baseline, tolerance)]
    return [*_spent_alike(named, keys), *_won_alike(alike, keys, baseline_named(baseline, by))]


def _spent_alike(named: pd.DataFrame, keys: list[str]) -> list[str]:
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


def _won_alike(alike: pd.DataFrame, keys: list[str], against: str) -> list[str]:
    """The settings that won `against`'s very customers at its spend (Δ +0 [0, 0], CAC –).

    Since 4 Dec 2026 every exposure two runs share is decided by the same draws, so a retention
    scheme on a market where repeat buyers seldom share wins exactly the baseline's customers;
    a reader saw ``+0 [0, 0]`` and ``–`` with no word why.
    """
    if alike.empty:
        return []
    return [
        f"{'These settings' if len(alike) > 1 else 'This setting'} won exactly the customers "
        f"of `{against}` at exactly its acquisition "
        f"spend in every replicate: {'; '.join(label_of(alike, keys))}. What they change comes "
        "after the first order (the same random draws decide every exposure the runs share), "
        "so their Δ customers reads +0 [0, 0] and their incremental CAC –: compare their "
        "repurchase, spend and Δ profit.",
        "",
    ]


UNEQUAL_SPEND = 1.5
"""How many times the least extra acquisition spend over the baseline the most must reach for
the report to say the settings are not cost-matched (:func:`unequal_spend_note`)."""


def unequal_spend_note(
    comparison: pd.DataFrame,
    by: str,
    baseline: object,
    within: Sequence[str] = (),
    ratio: float = UNEQUAL_SPEND,
) -> list[str]:
    """A paragraph saying the settings are not cost-matched, where their extra spend differs a lot.

    Among the settings that spend more on acquisition than the baseline (the paired extra
    spend's CI above 0: not those of :func:`same_spend_note`, nor a group buy whose team filled
    in 1 replicate of 200), the most extra spend at least ``ratio`` times the least: Δ customers
    then ranks them partly by what they spend (the main job's extra spend runs from 378 to
    1,096 yuan a run; until 4 Dec 2026 nothing said so). Within conditions the settings are
    compared at each combination of their values, as the table pairs them.

    Args:
        comparison: a :func:`sim.compare.compare` table.
        by: the parameter naming the settings.
        baseline: the setting compared against.
        within: the conditions (:func:`sim.compare.conditions`).
        ratio: the most over the least extra spend from which the note is said.

    """
    named = [c for c in comparison.columns if c not in ("metric", *COLUMNS, *within)]
    spans = [
        _spend_span(rows, named, within)
        for rows in _spending_more_by_condition(comparison, within)
        if rows[EXTRA].max() >= ratio * rows[EXTRA].min()
    ]
    if not spans:
        return []
    against = baseline_named(baseline, by)
    at_same = f" at the same {', '.join(f'`{c}`' for c in within)}" if within else ""
    lowest = wide(comparison)["spend_acquisition"].min()
    return [
        f"The settings that spend more on acquisition than `{against}`{at_same} spend very "
        f"different amounts more: {'; '.join(spans)}. So Δ customers ranks them partly by "
        "what they spend: compare them by incremental CAC (what each extra customer cost) and "
        "Δ profit, not by Δ customers alone. For a like-for-like comparison give every "
        f"setting the same budget: cap all spend with `budget.total` below the {_yuan(lowest)} "
        "yuan a run the least-spending setting spends, so that each uses it up (as "
        "`experiment=budget_frontier` does), then compare their customers and CAC.",
        "",
    ]


EXTRA = "delta_spend_acquisition"
"""The paired extra acquisition spend over the baseline, per run, in a :func:`wide` table."""


def _spending_more_by_condition(
    comparison: pd.DataFrame, within: Sequence[str]
) -> list[pd.DataFrame]:
    """Per combination of the conditions, the settings that spend more than the baseline.

    Those whose extra acquisition spend's CI lies above 0 (its mean where it has no CI: one
    replicate); only combinations with two or more such settings, whose spend can differ.
    """
    table = wide(comparison)
    if EXTRA not in table:  # results of an older engine
        return []
    above = table[f"{EXTRA}_low"].fillna(table[EXTRA])
    spending = table[above > 0]
    if not within:
        return [spending] if len(spending) >= 2 else []
    groups = spending.groupby(list(within), sort=False, dropna=False)
    return [rows for _, rows in groups if len(rows) >= 2]


def _spend_span(rows: pd.DataFrame, named: Sequence[str], within: Sequence[str]) -> str:
    """``from 381 yuan a run more (commission) to 856 (one_sided), 2.2 times as much``.

    Within conditions, where follows (``, at lattice``). ``named``: the parameters naming a
    setting; ``within``: the conditions, alike in ``rows``.
    """
    labels = label_of(rows, named)
    least, most = rows[EXTRA].idxmin(), rows[EXTRA].idxmax()
    times = rows.loc[most, EXTRA] / rows.loc[least, EXTRA]
    where = f", at {label_from([rows.loc[least, c] for c in within])}" if within else ""
    return (
        f"from {_yuan(rows.loc[least, EXTRA])} yuan a run more ({labels[least]}) to "
        f"{_yuan(rows.loc[most, EXTRA])} ({labels[most]}), {times:.1f} times as much{where}"
    )


def _yuan(amount: float) -> str:
    """An amount of yuan as the notes say it: whole from 10 up, else two significant figures."""
    return f"{amount:,.0f}" if abs(amount) >= 10 else f"{amount:.2g}"


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
        f"{'; '.join(said)}. p is the chance of a spread at least this wide were the setting's "
        f"gain the same under every value (below {1 - CONFIDENCE:.2g}: they differ), by "
        "Cochran's Q, a standard test of whether several estimates agree (each setting's paired "
        "Δs, weighed by their precision, against a chi-squared law; the values taken as "
        "independent, so where they share replicates it finds a difference less often than it "
        "should).",
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


def counted_commissions_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """A paragraph naming the settings whose owed commissions the table counts as spend, if any.

    Only in a report with ``--count-owed`` (:func:`sim.summary.counting_owed`).
    """
    return _owed_note(metrics, "commissions_counted", keys)


def reserve_left_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """A paragraph naming the KOC matrices whose commission reserve was not all paid out, if any."""
    return _owed_note(metrics, "commission_reserve_left", keys)


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
    return described_settings(metrics, teams_seldom_filled, keys)


def kocs_unpaid_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """A paragraph naming the KOC matrices that recruited fewer KOCs than they asked, if any.

    Only recruits post, so such a setting's KOC channel is smaller than its ``recruits`` says
    (:func:`sim.summary.kocs_unpaid`).
    """
    found = described_settings(metrics, kocs_unpaid, keys)
    if not found:
        return []
    named = _each_setting(found)
    return [
        f"KOCs recruited as far as the budget paid for them ({named}): {KOCS_UNPAID_READS}.",
        "",
    ]


def shares_unspent_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """A paragraph naming the shares each ``seeding=mixed`` setting left more than a tenth unspent.

    The caps come from each job's ``config.yaml`` (:func:`sim.summary.share_caps`); a setting
    whose jobs ran with different caps or budgets is not weighed, nor one whose runs used up
    ``budget.total`` (:func:`sim.summary.unspent_shares`). Until 4 Dec 2026 only a run's summary
    said them, and the report's spend column alone hinted that a share was idle.
    """
    if "job" not in metrics.columns:
        return []
    caps = {job: _share_caps_of(Path(str(job))) for job in metrics["job"].unique()}
    named: dict[str, None] = {}  # the channels named, in order

    def unspent(runs: pd.DataFrame) -> str:
        first, *others = [caps[job] for job in runs["job"].unique()]
        found = {} if any(other != first for other in others) else unspent_shares(runs, *first)
        named.update(dict.fromkeys(found))
        return ", ".join(found.values())

    found = described_settings(metrics, unspent, keys)
    if not found:
        return []
    set_by = "; ".join(f"{SHARE_SPEND[c][1]}: {SHARE_SPEND[c][2]}" for c in named)
    return [
        f"Shares left unspent, per run ({_each_setting(found)}): {SHARES_UNSPENT_READS} "
        f"(what sets each channel's spend: {set_by}).",
        "",
    ]


def _share_caps_of(job: Path) -> tuple[dict[str, float], float | None]:
    """A job's share caps and its ``budget.total``."""
    config = store.resolved_config(job) or {}
    budget = (config.get("budget") or {}).get("total")
    return share_caps(config.get("seeding"), budget), budget


def _each_setting(found: dict[str, str]) -> str:
    """``label: what; label: what`` (``what`` alone for one configuration's label "")."""
    return "; ".join(f"{label}: {said}" if label else said for label, said in found.items())


def described_settings(
    metrics: pd.DataFrame,
    describe: Callable[[pd.DataFrame], str],
    keys: Sequence[str] | None = None,
) -> dict[str, str]:
    """``describe`` of each setting's runs, by its label, where it says something (not "").

    The label is "" for one configuration (no ``keys``; default: :func:`sim.results.swept`).
    """
    keys = store.swept(metrics) if keys is None else keys
    groups = metrics.groupby(list(keys), sort=False, dropna=False) if keys else [((), metrics)]
    found = {}
    for _, runs in groups:
        said = describe(runs)
        if said:
            found[label_of(runs.iloc[:1], keys).iloc[0] if keys else ""] = said
    return found


def _owed_note(metrics: pd.DataFrame, column: str, keys: Sequence[str] | None = None) -> list[str]:
    """What ``column`` is (:data:`sim.summary.OWED`), then each setting owing it, and how much.

    A setting is named where its mean of ``column`` per run is above 0.
    """
    if column not in metrics.columns:  # results of an older engine
        return []
    text, unit = OWED[column]

    def owed(runs: pd.DataFrame) -> str:
        amount = runs[column].mean()
        return f"{unit.format(amount)}{counted_in(runs, column)}" if amount > 0 else ""

    found = described_settings(metrics, owed, keys)
    return [f"{text}: {_each_setting(found)}.", ""] if found else []


def earlier_runs_note(metrics: pd.DataFrame, keys: Sequence[str] | None = None) -> list[str]:
    """A paragraph naming the settings only an earlier run of the folder holds, if any.

    A rerun into the same folder whose jobs' configurations changed (another market, an edited
    network file) keeps the results it replaces in ``earlier/`` (nothing is ever deleted), and
    the report reads them as well: their settings sit in the table beside the latest run's, as
    conditions of a parameter the user changed (until 4 Dec 2026 with no word of it). Settings
    the latest jobs hold too (a rerun with more replicates reads its first ones back from
    ``earlier/``) are not named.
    """
    if "job" not in metrics or metrics.empty:
        return []
    keys = list(store.swept(metrics) if keys is None else keys)
    in_earlier = metrics["job"].map(lambda job: Path(str(job)).parent.name == EARLIER)
    if not in_earlier.any() or not keys:
        return []
    labels = label_of(metrics, keys)
    only_earlier = sorted(set(labels[in_earlier]) - set(labels[~in_earlier]))
    if not only_earlier:
        return []
    return [
        f"Read from `{EARLIER}/`, the results an earlier run of this folder left when a rerun "
        f"changed its jobs' configurations (kept, never deleted): {'; '.join(only_earlier)}. "
        "The table compares them beside the latest run's settings, as one study (as it should "
        "be where a second sweep into this folder ran the other half of the first one's study). "
        f"To report the latest run alone, move `{EARLIER}/` out of the folder; to keep two "
        "sweeps apart, run each into its own hydra.sweep.dir under one parent folder and "
        "report the parent.",
        "",
    ]


SOFTWARE_NAMES = {"python": "Python", "mesa": "Mesa"}
"""How the report names a recorded distribution where its package name is not how it is cited."""


def made_with(jobs: Sequence[Path]) -> str:
    """The code, software and seed the jobs were run with: a report's closing paragraph.

    ``Made with referral-sim 0.1.0 at commit a07e537ba8bb, Python 3.12.1, numpy 2.5.5, ...;
    seed 0.`` Values that differ between jobs are each given with their count of jobs. Until
    4 Dec 2026 the report said none of them, and ``job.json`` held digests only.
    """
    records = [read_record(Path(job) / JOB) for job in jobs]
    seed = f"seed {_each([_seed_of(Path(job)) for job in jobs])}"
    recorded = [r for r in records if "software" in r]
    if not recorded:
        return (
            f"Made with code and software no job recorded (jobs written before 4 Dec 2026); {seed}."
        )

    def version(name: str) -> str:
        return _each([r["software"].get(name, "not recorded") or "not installed" for r in recorded])

    names = list(dict.fromkeys(name for r in recorded for name in r["software"]))
    commits = _each([_commit_text(r.get("commit")) for r in recorded])
    parts = [f"referral-sim {version('referral-sim')} at commit {commits}"]
    parts += [f"{SOFTWARE_NAMES.get(n, n)} {version(n)}" for n in names if n != "referral-sim"]
    older = len(records) - len(recorded)
    unrecorded = f" ({older} of {len(records)} jobs, written before 4 Dec 2026, record none)"
    return (
        f"Made with {', '.join(parts)}{unrecorded if older else ''}; {seed} (each job's "
        "`job.json` and `config.yaml`)."
    )


def _commit_text(commit: str | None) -> str:
    if commit is None:
        return "not recorded"
    if not commit:
        return "none (not run from a git work tree)"
    head, edited = commit.removesuffix("+edits"), commit.endswith("+edits")
    return head[:12] + (" with sim/ edited since" if edited else "")


def _each(values: Sequence[str]) -> str:
    """``v`` when every job has it, else ``v1 (3 jobs) or v2 (1 job)``."""
    counts = pd.Series(list(values), dtype=object).value_counts(sort=False)
    if len(counts) == 1:
        return str(counts.index[0])
    return " or ".join(f"{v} ({n} job{'s' * (n != 1)})" for v, n in counts.items())


def _seed_of(job: Path) -> str:
    """The top-level ``seed`` of a job's resolved ``config.yaml``, or "not recorded"."""
    seed = (store.resolved_config(job) or {}).get("seed")
    return "not recorded" if seed is None else str(seed)

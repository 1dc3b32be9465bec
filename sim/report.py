"""``referral-sim-report DIR``: a comparison table and figures for a finished (or running) sweep.

Writes ``report.md`` and PNG figures into ``DIR`` (or ``--out``) and prints the table. A folder
where no parameter varies (a single run) gets the one configuration's metrics with their CIs
instead, without the paired columns and the reach-versus-CAC figure, which need a baseline.

- ``adoption.png``: cumulative customers by day, mean and 95% band per scheme;
- ``reach_cac.png``: customers against CAC with 95% CIs, and the efficient frontier (schemes no
  other scheme beats on both, within each combination of the conditions);
- ``repurchase.png``: repurchase rate and 30-day repurchase with 95% CIs;
- ``cascades.png``: the distribution of referral-tree sizes (complementary CDF, log scales).

A setting has one colour (and line style, marker) in all four, and comes in the table's order in
each (:func:`styles_by_label`).
"""

from __future__ import annotations

import argparse
import math
import numbers
import re
import sys
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib
import matplotlib.colors
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from sim import jobs as jobs_store
from sim import planned
from sim import results as store
from sim.compare import (
    COLUMNS,
    METRICS,
    UNSET,
    ComparisonError,
    UnpairedWarning,
    baseline_value,
    compare,
    conditions,
    differences_across,
    name_unset,
    setting_text,
    unpaired,
    wide,
)
from sim.configure import preset_settings
from sim.console import counted, listed, plain, say
from sim.storage import remove_orphaned_temporaries, write_atomic, write_text_atomic
from sim.summary import (
    CONFIDENCE,
    OWED,
    SELDOM_FILLED_READS,
    UNDEFINED_IN_SOME,
    grouped_mean_interval,
    support_of,
    teams_seldom_filled,
    undefined_in_all,
    undefined_in_some,
)

# "z": a value that rounds to zero reads 0 (or +0), never -0 ("-0 [-37, 36]")
TABLE = (
    ("customers", "customers", "{:z,.0f}"),
    ("delta_customers", "Δ customers", "{:+z,.0f}"),
    ("spend_total", "spend", "{:z,.0f}"),
    ("cac", "CAC", "{:z,.1f}"),
    ("incremental_cac", "incremental CAC", "{:z,.1f}"),
    ("repurchase_rate", "repurchase_rate", "{:z.3f}"),
    ("repurchase_30d", "repurchase_30d", "{:z.3f}"),
    ("referred_repurchase_30d", "repurchase_30d, referred", "{:z.3f}"),
    ("roi", "roi", "{:z.2f}"),
    ("gross_profit", "profit", "{:z,.0f}"),
    ("delta_gross_profit", "Δ profit", "{:+z,.0f}"),
    ("fraud_share", "fraud_share", "{:z.3f}"),
)


def format_table(comparison: pd.DataFrame, by: str, columns: Sequence[tuple] = TABLE) -> str:
    """A Markdown table: one row per scheme, each cell a mean and its 95% CI.

    Args:
        comparison: a :func:`sim.compare.compare` table.
        by: the parameter naming the settings.
        columns: ``(metric, header, format)`` of each column after the settings' own.

    """
    table = wide(comparison, by)
    keys = [c for c in table.columns if c in comparison.columns and c != "metric"]
    columns = [column for column in columns if column[0] in table.columns]  # older results
    alone = comparison.loc[unpaired(comparison), keys].assign(_alone=True)
    table = table.merge(alone, on=keys, how="left")  # NaN keys match NaN, as in wide
    table["_alone"] = table["_alone"].astype("boolean").fillna(False)
    header = [*keys, *(label for _, label, _ in columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, row in table.iterrows():
        cells = [_label([row[k]]) for k in keys]
        for metric, _, fmt in columns:
            paired = metric in PAIRED_CELLS
            cells.append(
                NO_BASELINE if paired and row["_alone"] is True else _cell(row, metric, fmt)
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


PAIRED_CELLS = ("delta_customers", "incremental_cac", "delta_gross_profit")
NO_BASELINE = "no baseline"
"""A paired cell of a setting with no baseline replicate to pair with (not "–": no gain)."""
UNPAIRED_TABLE = tuple(column for column in TABLE if column[0] not in PAIRED_CELLS)
"""The columns of a report of one configuration: no baseline, so no paired ones."""


def _cell(row: pd.Series, metric: str, fmt: str) -> str:
    mean, low, high = row[metric], row[f"{metric}_low"], row[f"{metric}_high"]
    if pd.isna(mean):
        return "–"
    fmt = enough_decimals(fmt, [mean, low, high])
    text = fmt.format(mean)
    if pd.isna(low):
        return text
    bound = fmt.replace("+", "")
    return f"{text} [{bound.format(low)}, {bound.format(high)}]"


MORE_DECIMALS = 3
"""At most this many decimals more than a column's own: a spend difference of float rounding
(49,999.999999 against 50,000 yuan) read as an incremental CAC of ``0.000000007`` (until
4 Dec 2026); now ``0.0000``, zero to the decimals a cell can mean."""


def enough_decimals(fmt: str, values: Sequence[float]) -> str:
    """``fmt`` with the decimals to show a cell whose every value is below its last decimal.

    The cell's largest value then gets two significant figures. ``{:z,.1f}`` showed an
    incremental CAC of 0.006 [-0.006, 0.019] as ``0.0 [0.0, 0.0]`` (until 3 Dec 2026); now it
    reads ``0.006 [-0.006, 0.019]``, with at most :data:`MORE_DECIMALS` more decimals than
    ``fmt``'s. Whole-number formats (counts) and cells of exact zeros are left as they are.
    """
    found = re.search(r"\.(\d+)f\}$", fmt)
    finite = [abs(v) for v in values if not pd.isna(v) and math.isfinite(v)]
    largest = max(finite, default=0.0)
    if not found or int(found.group(1)) == 0 or largest == 0:
        return fmt
    decimals = int(found.group(1))
    if largest >= 10.0**-decimals:
        return fmt
    needed = min(1 - math.floor(math.log10(largest)), decimals + MORE_DECIMALS)
    return f"{fmt[: found.start()]}.{needed}f}}"


DEFAULT_LABEL = UNSET  # a setting with no value reads as compare names it


def label_of(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """A readable label per row from the values of ``keys``.

    A parameter missing from a job (NaN or None: the job left that key at its default, as
    when a folder holds several sweeps) is left out of the label; a row with none of them
    reads ``default``. Whole numbers read without ``.0``.
    """
    columns = frame[list(keys)]
    setting = columns.groupby(list(keys), dropna=False, sort=False).ngroup().to_numpy()
    _, first = np.unique(setting, return_index=True)  # a row of each setting, by position
    labels = np.array([_label(columns.iloc[row].tolist()) for row in first], dtype=object)
    return pd.Series(labels[setting], index=frame.index, dtype=str)


def _label(values: list[object]) -> str:
    shown = [plain(value) for value in values if not pd.isna(value)]
    return ", ".join(shown) if shown else DEFAULT_LABEL


def plot_adoption(
    series: pd.DataFrame,
    keys: Sequence[str],
    path: Path,
    baseline: object = None,
    styles: Mapping[str, dict] | None = None,
) -> Path:
    """Cumulative customers by day, mean and 95% band per scheme.

    Beside it, given the baseline value of the single swept parameter, the extra customers over
    the baseline, paired by replicate. ``styles``: see :func:`styles_by_label`.
    """
    return save_figure(adoption_figure(series, keys, baseline, styles), path)


def adoption_figure(
    series: pd.DataFrame,
    keys: Sequence[str],
    baseline: object,
    styles: Mapping[str, dict] | None = None,
) -> plt.Figure:
    """The figure of :func:`plot_adoption`: a setting keeps its colour and style in both panels.

    ``styles``: the report's style of each setting (:func:`styles_by_label`); by default, one
    per setting in the order the settings first appear in ``series``.
    """
    paired = baseline is not None and len(keys) == 1
    series = series.assign(label=label_of(series, keys))
    styles = _styles_for(series["label"], styles)
    beside = legend_beside(series["label"].nunique())
    width = (12 if paired else 7) + (2.5 if beside else 0)
    figure, axes = plt.subplots(1, 2 if paired else 1, figsize=(width, 4.5))
    axes = np.atleast_1d(axes)
    _bands(axes[0], series, "customers", styles)
    axes[0].set(xlabel="day", ylabel="customers (cumulative)", title="Adoption, mean and 95% CI")
    if paired:
        _bands(axes[1], extra_over(series, keys[0], baseline), "extra", styles)
        axes[1].set(xlabel="day", ylabel=f"customers minus {baseline}")
        axes[1].set(title=f"Extra customers over {baseline}, paired 95% CI")
    if not (paired and beside):  # beside the axes, one legend serves both panels (same styles)
        settings_legend(axes[0], keys)
    if paired:
        settings_legend(axes[1], keys, fontsize="small")
    return figure


def extra_over(series: pd.DataFrame, key: str, baseline: object) -> pd.DataFrame:
    """``series`` with column ``extra``: customers minus the baseline's, same replicate and day.

    ``baseline`` matches a value of ``key`` as :func:`sim.compare.compare` matches it ("0"
    names 0.0).
    """
    series = name_unset(series, key)
    base = series[series[key] == baseline_value(series, baseline, key)]
    extra = series.merge(base[["replicate", "day", "customers"]], on=["replicate", "day"])
    return extra.assign(extra=extra["customers_x"] - extra["customers_y"])


def _bands(axes: plt.Axes, series: pd.DataFrame, column: str, styles: Mapping[str, dict]) -> None:
    support = support_of(column)  # "extra", a paired difference, is undeclared: unbounded
    summary = grouped_mean_interval(series, ["label", "day"], column, support=support)
    for label, by_day in _in_order(summary.groupby(level="label", sort=False), styles):
        style = styles[label]
        by_day = by_day.sort_index(level="day")
        days = by_day.index.get_level_values("day").to_numpy()
        axes.plot(days, by_day["mean"], label=label, **_line(style))
        axes.fill_between(days, by_day["low"], by_day["high"], alpha=0.25, color=style["color"])


def plot_reach_cac(
    table: pd.DataFrame,
    keys: Sequence[str],
    path: Path,
    within: Sequence[str] = (),
    styles: Mapping[str, dict] | None = None,
    seldom: Collection[str] = (),
) -> Path:
    """Customers against CAC with 95% CIs; the efficient frontier joins undominated schemes.

    ``styles`` and ``seldom``: see :func:`reach_cac_figure`.
    """
    return save_figure(reach_cac_figure(table, keys, within, styles, seldom), path)


LEGEND_INSIDE_UP_TO = 6  # settings; more get their legend beside the axes, not over the data
LABELLED_UP_TO = 30  # settings; a larger sweep's figures name none (the table names them all)


def legend_beside(settings: int) -> bool:
    """Whether a figure of ``settings`` labelled settings has its legend beside the axes."""
    return LEGEND_INSIDE_UP_TO < settings <= LABELLED_UP_TO


def settings_legend(axes: plt.Axes, keys: Sequence[str], **options) -> None:
    """The legend of the settings drawn, or, past :data:`LABELLED_UP_TO`, a note saying why not.

    A legend of hundreds of entries would not fit the figure; the report's table names every
    setting. Entries that are not settings (the efficient frontier) are always shown, after
    the settings (until 3 Dec 2026 the frontier came first).
    """
    entries = list(zip(*axes.get_legend_handles_labels(), strict=True))
    settings = [(h, t) for h, t in entries if not t.startswith(NOT_SETTINGS)]
    kept = [(h, t) for h, t in entries if t.startswith(NOT_SETTINGS)]  # after the settings
    if len(settings) <= LABELLED_UP_TO:
        if legend_beside(len(settings)):
            options = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "fontsize": "small"}
        axes.legend(*zip(*settings, *kept, strict=True), title=", ".join(keys), **options)
        return
    if kept:
        axes.legend(*zip(*kept, strict=True), fontsize="small")
    note = f"{len(settings)} settings: too many to label (see the table)"
    axes.annotate(note, (0.01, 0.99), xycoords="axes fraction", va="top", fontsize="small")


FRONTIER = "efficient frontier"
NO_UPPER_END = "CAC's CI has no upper end (its customers' CI reaches 0)"
NOT_SETTINGS = (FRONTIER, NO_UPPER_END)
"""Legend entries that are not settings, by the start of their label."""


def reach_cac_figure(
    table: pd.DataFrame,
    keys: Sequence[str],
    within: Sequence[str] = (),
    styles: Mapping[str, dict] | None = None,
    seldom: Collection[str] = (),
) -> plt.Figure:
    """The reach-versus-CAC figure: one colour and marker per setting, never repeated.

    Settings that won a different number of customers for exactly the baseline's spend (an
    offer that never paid, a budget both use up) are drawn hollow and named in the legend;
    the efficient frontier rings the undominated settings (joined when there are several)
    within each combination of the conditions ``within``, as the table pairs them: a larger
    market or a longer horizon does not dominate a smaller one (until 2 Dec 2026 one frontier
    ran across all, so every setting of the smaller market read as dominated).

    ``styles``: the report's style of each setting (:func:`styles_by_label`); by default, one
    per setting in the table's order. ``seldom``: the labels of the group buys whose teams
    seldom filled (:func:`seldom_filled_settings`), said so in the legend: such a point can sit
    on the frontier for an offer that almost never paid (the main job's `group_buy`, until
    4 Dec 2026 ringed with no word).
    """
    figure, axes = plt.subplots(figsize=(10 if legend_beside(len(table)) else 7, 4.5))
    labels = label_of(table, keys)
    styles = _styles_for(labels, styles)
    hollow = same_spend_as_baseline(table)
    drawn, edge = unbounded_to_the_edge(table, "cac")
    for label, free, (_, row) in zip(labels, hollow, drawn.iterrows(), strict=True):
        style = styles[label]
        axes.errorbar(
            row["cac"],
            row["customers"],
            xerr=_errors(row, "cac"),
            yerr=_errors(row, "customers"),
            capsize=3,
            label=reach_label(label, free, label in seldom),
            mfc="white" if free else style["color"],
            **_point(style),
        )
    colours = [styles[label]["color"] for label in labels]
    _draw_frontiers(axes, table, within, colours)
    mark_no_upper_end(axes, drawn, edge, colours)
    axes.set(
        xlabel="CAC (yuan per customer)",
        ylabel="customers",
        title="Reach versus CAC (95% CIs over replicates; CAC pooled)",
    )
    settings_legend(axes, keys, fontsize="small")
    return figure


def reach_label(label: str, same_spend: bool, seldom: bool) -> str:
    """A setting's legend entry in the reach figure, with what makes its point read otherwise."""
    said = [
        *(["same acquisition spend as the baseline"] if same_spend else []),
        *(["teams seldom filled: almost nothing paid"] if seldom else []),
    ]
    return f"{label} ({'; '.join(said)})" if said else label


def unbounded_to_the_edge(table: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, float]:
    """``table`` with ``metric``'s infinite upper bounds moved to a right edge, and that edge.

    A pooled CAC has no upper end where its customers' interval reaches 0 (the setting may
    win nobody); matplotlib drew no bar at all to ``inf``, only the lower cap. The edge is a
    quarter of the finite values' span, of the largest of them or of 1, whichever is greatest,
    past the largest of them (NaN when none is infinite). Draw the bars from the table
    returned, then mark the cut ones with :func:`mark_no_upper_end` (notebooks 2 and 3 too).
    """
    high = table[f"{metric}_high"]
    if not np.isinf(high).any():
        return table, np.nan
    finite = pd.concat([table[metric], table[f"{metric}_low"], high]).replace(np.inf, np.nan)
    top, bottom = finite.max(), finite.min()
    edge = float(top + max(top - bottom, abs(top), 1.0) * 0.25)
    return table.assign(**{f"{metric}_high": high.replace(np.inf, edge)}), edge


def mark_no_upper_end(
    axes: plt.Axes, drawn: pd.DataFrame, edge: float, colours: Sequence[object]
) -> None:
    """Mark the CAC intervals of ``drawn`` cut at ``edge`` by :func:`unbounded_to_the_edge`.

    Each gets an arrowhead at the edge, at its customers, and the legend one entry
    (:data:`NO_UPPER_END`) saying what the arrowheads mean: a bound, they are not. Nothing is
    drawn where ``edge`` is NaN (no CAC unbounded).

    Args:
        axes: the reach-against-CAC axes, CAC on x and customers on y.
        drawn: the table returned by :func:`unbounded_to_the_edge`, one row per point drawn.
        edge: the edge it returned.
        colours: the colour of each row's point, in ``drawn``'s order.

    """
    if np.isnan(edge):
        return
    for colour, (_, row) in zip(colours, drawn.iterrows(), strict=True):
        if row["cac_high"] == edge:
            axes.plot(edge, row["customers"], ">", color=colour, label="_unbounded")
    axes.plot([], [], ">", color="0.3", label=NO_UPPER_END)


def _draw_frontiers(
    axes: plt.Axes, table: pd.DataFrame, within: Sequence[str], colours: Sequence = ()
) -> None:
    """Ring (and join) the efficient settings of each combination of ``within``.

    With several combinations, each frontier takes the colour of its combination's first
    setting (``colours``: each row's), so the frontiers of seven networks are told apart by
    the points they join (until 4 Dec 2026 each was one black dashed line).
    """
    within = [c for c in within if c in table]
    parts = list(table.groupby(within, dropna=False, sort=False)) if within else [((), table)]
    label = FRONTIER + (f" (within each {', '.join(within)})" if within else "")
    coloured = len(parts) > 1 and len(colours) == len(table)
    if coloured:
        label += ", coloured as its settings"
    colour_of = dict(zip(table.index, colours, strict=True)) if coloured else {}
    for number, (_, part) in enumerate(parts):
        frontier = part.loc[efficient(part)].sort_values("cac")
        axes.plot(
            frontier["cac"],
            frontier["customers"],
            "--o" if len(frontier) > 1 else "o",
            color=colour_of.get(part.index[0], "k"),
            lw=1,
            ms=14,
            mfc="none",
            label=label if number == 0 else "_frontier",  # one legend entry for them all
        )


def same_spend_as_baseline(table: pd.DataFrame, tolerance: float = 0.01) -> np.ndarray:
    """Whether each setting spent exactly what the baseline spent yet won other customers.

    The whole paired interval of the extra acquisition spend is within ``tolerance`` of 0 and
    that of the extra customers is not the single point 0 (the baseline itself).
    """
    if "delta_spend_acquisition" not in table:
        return np.zeros(len(table), dtype=bool)
    spend = [f"delta_spend_acquisition{s}" for s in ("", "_low", "_high")]
    customers = [f"delta_customers{s}" for s in ("", "_low", "_high")]
    same_spend = (table[spend].abs().fillna(0) <= tolerance).all(axis=1)
    same_customers = (table[customers].fillna(0) == 0).all(axis=1)
    return (same_spend & ~same_customers).to_numpy()


MARKERS = "osD^vP*Xph<>"


def palette(count: int) -> tuple:
    """The colours for ``count`` settings: tab10's, or tab20's past 10 (then they repeat)."""
    return plt.get_cmap("tab10" if count <= 10 else "tab20").colors


def point_styles(count: int) -> list[dict[str, str]]:
    """``count`` distinct (colour, marker) pairs: tab10 colours, then tab20, then markers."""
    colours = palette(count)
    return [
        {"color": colours[i % len(colours)], "fmt": MARKERS[i // len(colours) % len(MARKERS)]}
        for i in range(count)
    ]


def efficient(table: pd.DataFrame) -> pd.Index:
    """Rows no other row beats on both reach (more customers) and cost (lower CAC)."""
    customers, cac = table["customers"].to_numpy(), table["cac"].to_numpy()
    dominated = [
        bool(np.any((customers >= c) & (cac <= k) & ((customers > c) | (cac < k))))
        for c, k in zip(customers, cac, strict=True)
    ]
    return table.index[~np.array(dominated) & ~np.isnan(cac)]


def plot_repurchase(
    table: pd.DataFrame,
    keys: Sequence[str],
    path: Path,
    styles: Mapping[str, dict] | None = None,
) -> Path:
    """Repurchase rate and 30-day repurchase per scheme, with 95% CIs.

    ``styles``: see :func:`styles_by_label`.
    """
    return save_figure(repurchase_figure(table, keys, styles), path)


def repurchase_figure(
    table: pd.DataFrame, keys: Sequence[str], styles: Mapping[str, dict] | None = None
) -> plt.Figure:
    """The repurchase figure: two bars per setting, each with its 95% CI.

    Both bars of a setting take its colour (``styles``, the report's: :func:`styles_by_label`;
    by default one per setting in the table's order): repurchase_rate filled, repurchase_30d
    pale and hatched, as the legend shows in grey.
    """
    labelled = len(table) <= LABELLED_UP_TO
    width = min(max(7.0, 0.8 * len(table)), 16.0) if labelled else 7.0  # room for each label
    figure, axes = plt.subplots(figsize=(width, 4.5))
    labels = label_of(table, keys)
    styles = _styles_for(labels, styles)
    colours = [styles[label]["color"] for label in labels]
    positions = np.arange(len(table))
    legend = []
    for offset, metric in ((-0.2, "repurchase_rate"), (0.2, "repurchase_30d")):
        if metric not in table:
            continue
        errors = np.array([_errors(row, metric).ravel() for _, row in table.iterrows()]).T
        look = REPURCHASE_LOOKS[metric]
        axes.bar(
            positions + offset,
            table[metric],
            0.4,
            yerr=errors,
            capsize=3,
            label=REPURCHASE_LABELS[metric],
            **look(colours),
        )
        legend.append(matplotlib.patches.Patch(label=REPURCHASE_LABELS[metric], **look("0.35")))
    if labelled:  # the settings by name, and the parameters that name them (as in a legend)
        steep = len(table) > REPURCHASE_LABELS_FLAT_UP_TO
        axes.set_xticks(positions, labels, rotation=45 if steep else 20, ha="right")
        axes.tick_params(axis="x", labelsize="small" if steep else "medium")
        axes.set_xlabel(", ".join(keys))
    else:  # hundreds of tick labels would print over each other
        axes.set_xticks([])
        axes.set_xlabel(f"{len(table)} settings: too many to label (see the table)")
    axes.set(ylabel="share of customers", title="Repurchase, mean and 95% CI")
    axes.set_ylim(top=axes.get_ylim()[1] * 1.25)  # room for the legend above the bars
    axes.legend(handles=legend, loc="upper center", ncol=2, fontsize="small")
    return figure


REPURCHASE_LABELS_FLAT_UP_TO = 6  # settings whose labels fit at a slight slant; beyond, 45°

REPURCHASE_LABELS = {
    "repurchase_rate": "2+ orders by the end (repurchase_rate)",
    "repurchase_30d": "re-bought within 30 days (repurchase_30d)",
}


def _pale(colours):
    """``colours`` (one, or one per bar) at a third of their strength, for a hatched bar."""
    if isinstance(colours, str):
        return matplotlib.colors.to_rgba(colours, 0.35)
    return [matplotlib.colors.to_rgba(colour, 0.35) for colour in colours]


REPURCHASE_LOOKS = {  # the bars' look given their colours: the setting's, or grey in the legend
    "repurchase_rate": lambda colours: {"color": colours},
    "repurchase_30d": lambda colours: {
        "facecolor": _pale(colours),
        "edgecolor": colours,
        "hatch": "//",
    },
}


def plot_cascades(
    cascades: pd.DataFrame,
    keys: Sequence[str],
    path: Path,
    styles: Mapping[str, dict] | None = None,
) -> Path:
    """Complementary CDF of referral-tree sizes (trees of two or more), pooled over replicates.

    ``styles``: see :func:`styles_by_label`.
    """
    return save_figure(cascades_figure(cascades, keys, styles), path)


def cascades_figure(
    cascades: pd.DataFrame, keys: Sequence[str], styles: Mapping[str, dict] | None = None
) -> plt.Figure:
    """The figure of :func:`plot_cascades`.

    ``styles``: the report's style of each setting (:func:`styles_by_label`); by default, one
    per setting in the order the settings first appear in ``cascades``.
    """
    cascades = cascades.assign(label=label_of(cascades, keys))
    styles = _styles_for(cascades["label"], styles)
    beside = legend_beside(cascades["label"].nunique())
    figure, axes = plt.subplots(figsize=(9.5 if beside else 7, 4.5))
    for label, trees in _in_order(cascades.groupby("label", sort=False), styles):
        style = styles[label]
        counts = trees.groupby("size")["trees"].sum().sort_index()
        tail = (counts[::-1].cumsum()[::-1] / counts.sum()).to_numpy()  # P(size >= each size)
        # drawn "pre": between two observed sizes the share is that of the larger one; from
        # s = 1 (every tree) so that a single observed size still draws a step
        sizes = np.append(1, counts.index.to_numpy())
        axes.step(sizes, np.append(1.0, tail), where="pre", label=label, **_line(style))
        # a dot at each observed size: the step into it read as its share (a review read
        # P(size >= 2) = 0.05 off the step from 2 to 3, until 4 Dec 2026)
        axes.plot(counts.index, tail, "o", ms=3, color=style["color"], label="_sizes")
    largest = int(cascades["size"].max())
    axes.set(yscale="log", xlabel="referral-tree size s (members: customers, and KOCs at roots)")
    if largest > LINEAR_SIZES_UP_TO:
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axes.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    else:
        axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes.set(ylabel="P(size ≥ s)", title="Cascade sizes (trees with at least one referral)")
    settings_legend(axes, keys)
    return figure


LINE_STYLES = ["-", "--", ":", "-."]  # settings that coincide stay visible


def styles_by_label(labels: Iterable[str]) -> dict[str, dict[str, object]]:
    """The style of each setting label, in the order the labels first appear.

    Each: ``color``, the line style ``ls`` of the line figures (:func:`line_styles`) and the
    ``marker`` of ``reach_cac.png`` (:func:`point_styles`); the repurchase bars take the colour.
    The report makes it once, from its table's rows, and hands it to every figure, which draw
    the settings in its order: a setting looks the same in all of them, and comes at the same
    place in each legend. Until 3 Dec 2026 each figure made its own, ``reach_cac.png`` in the
    table's order and ``adoption.png`` and ``cascades.png`` in job order: a setting was blue in
    one and pink in another, where blue was another setting.
    """
    distinct = list(dict.fromkeys(labels))
    lines, points = line_styles(len(distinct)), point_styles(len(distinct))
    return {
        label: {"color": line["color"], "ls": line["ls"], "marker": point["fmt"]}
        for label, line, point in zip(distinct, lines, points, strict=True)
    }


def _styles_for(labels: pd.Series, styles: Mapping[str, dict] | None) -> Mapping[str, dict]:
    """``styles``, the report's, or by default (a figure drawn on its own) those of ``labels``."""
    if styles is None:
        return styles_by_label(labels)
    unstyled = [label for label in labels.unique() if label not in styles]
    if unstyled:  # the figure's settings are the table's: a label made otherwise is a bug
        raise ValueError(f"no style for setting(s) {', '.join(unstyled)}")
    return styles


def _in_order(groups: Iterable[tuple[str, object]], styles: Mapping[str, dict]) -> list:
    """``(label, part)`` pairs of a group-by on the label, in the order of ``styles``."""
    order = {label: position for position, label in enumerate(styles)}
    return sorted(groups, key=lambda group: order[group[0]])


def _line(style: Mapping[str, object]) -> dict[str, object]:
    return {"color": style["color"], "ls": style["ls"]}


def _point(style: Mapping[str, object]) -> dict[str, object]:
    return {"color": style["color"], "fmt": style["marker"]}


def line_styles(count: int) -> list[dict[str, str]]:
    """``count`` (colour, line style) pairs: a colour each up to 20 settings (tab10, then tab20).

    Styles cycle too, so lines that coincide stay visible; past 20 settings colours repeat,
    each time with another style while fewer than 80.
    """
    colours = palette(count)
    return [
        {
            "color": colours[i % len(colours)],
            "ls": LINE_STYLES[(i + i // len(colours)) % len(LINE_STYLES)],
        }
        for i in range(count)
    ]


LINEAR_SIZES_UP_TO = 30  # largest tree size read on a linear axis; beyond, a log axis


def _errors(row: pd.Series, metric: str) -> np.ndarray:
    low, high = row[f"{metric}_low"], row[f"{metric}_high"]
    if pd.isna(low):
        return np.zeros((2, 1))
    return np.array([[row[metric] - low], [high - row[metric]]])


def save_figure(figure: plt.Figure, path: Path) -> Path:
    """Save ``figure`` as a PNG at ``path`` atomically and close it."""
    figure.tight_layout()
    write_atomic(path, lambda temporary: figure.savefig(temporary, dpi=110, format="png"))
    plt.close(figure)
    return path


DEFAULT_BY = "referral"
DEFAULT_BASELINE = "none"


def unfinished_jobs_note(folder: Path, unfinished: Sequence[Path], recorded: bool = False) -> str:
    """The report's note on started jobs with neither results nor a failure record.

    ``recorded``: the sweep recorded its jobs (:mod:`sim.planned`), whose note names those it has
    not started; without a record (until 4 Dec 2026) the note says they are not counted.
    """
    if list(unfinished) == [folder]:  # a single run: its own command completes it
        return (
            f"This run has no results yet and is not in this report (still running, or stopped "
            f"by Ctrl-C or a kill): run its command again with hydra.run.dir={folder} to "
            "complete it, from the replicates it kept."
        )
    names = store.job_names(folder, unfinished)
    jobs_text = (
        "1 started job has" if len(unfinished) == 1 else f"{len(unfinished)} started jobs have"
    )
    not_counted = "" if recorded else NOT_STARTED_NOT_COUNTED
    return (
        f"{jobs_text} no results yet and {'is' if len(unfinished) == 1 else 'are'} not in this "
        f"report: {listed(names)}. Still running, or stopped by Ctrl-C or a kill: running the "
        f"sweep's command again completes them, from the replicates they kept.{not_counted}"
    )


NOT_STARTED_NOT_COUNTED = (
    " Jobs the sweep had not started yet have no folder and are not counted here."
)
"""Said of a sweep with no record of its jobs (:mod:`sim.planned`), which cannot name them."""


LOAD_NOTES = (store.DuplicateJobWarning, store.MixedCodeWarning)  # said in the report's notes


def write_report(
    folder: Path, baseline: object = None, by: str | None = None, out: Path | None = None
) -> str:
    """Write ``report.md`` and the figures for the sweep in ``folder``; return what to print.

    Where no parameter varies across the jobs (a single run), the report is that one
    configuration's (see :func:`_write_configuration_report`), ``by`` and ``baseline`` or not.

    Args:
        folder: a run or sweep folder, or a parent of several.
        baseline: the value of ``by`` to compare against (default: see :func:`baseline_of`).
        by: the parameter naming the settings compared (default: see :func:`compared_by`).
        out: where to write (default: ``folder``).

    Returns:
        The line of runs and replicates per setting, the table, and for one configuration
        the line saying there is nothing to compare (until 4 Dec 2026 the count of
        replicates was in report.md only).

    Raises:
        ResultsError: ``folder`` holds no finished job, does not exist or is a file.
        ComparisonError: ``by`` or ``baseline`` is not in the results, ``by`` takes one value
            in every job while other parameters vary, or ``out`` is a file.

    """
    jobs, metrics, noted = _load(folder)
    given = (("by", by), ("baseline", baseline))
    asked = [f"--{name} {plain(value)}" for name, value in given if value is not None]
    by = compared_by(metrics, by)
    keys = store.swept(metrics)
    if by is None or not keys:
        return _write_configuration_report(folder, jobs, metrics, noted, asked, out)
    chosen = baseline is None  # the report picks it: say how
    baseline = baseline_of(metrics, by, baseline)
    out = _checked_out(folder, out)
    comparison = _compared(metrics, baseline, by, noted)  # before a bad one deletes
    _clear(out)
    paired = baseline if keys == [by] else None
    within = conditions(metrics, baseline, by)
    table = wide(comparison, by)
    in_table_order = [c for c in table.columns if c in keys]
    seldom = seldom_filled_settings(metrics, in_table_order)
    figures = _figures(jobs, table, keys, out, paired, within=within, by=by, seldom=seldom)
    text = format_table(comparison, by)
    comparing = [*same_spend_note(comparison, by), *differences_across_note(comparison, by, within)]
    notes = _notes(noted, metrics, comparing, in_table_order)
    say_the_rest(notes, noted)
    compared = metrics.drop_duplicates([*keys, "replicate"])  # as compare() counts each once
    intro = _comparison_intro(compared, baseline, chosen, by, within)
    write_text_atomic(_markdown(folder, intro, text, figures, notes), out / "report.md")
    return f"{what_cells_are(compared)}\n\n{text}"


CONFIGURATION = "configuration"
"""The settings column of a report of one configuration: its parameters, ``name=value``."""


def _write_configuration_report(
    folder: Path,
    jobs: list[Path],
    metrics: pd.DataFrame,
    noted: list[str],
    asked: Sequence[str] = (),
    out: Path | None = None,
) -> str:
    """The report of jobs that all ran one configuration: its metrics with their 95% CIs.

    One row, the report's columns less the paired ones (Δ customers, incremental CAC), and a
    line saying there is nothing to compare against and how to make a comparison (or, in a
    sweep whose other jobs failed or have not finished, that only one setting has results
    yet); the figures less ``reach_cac.png`` (a frontier of one point compares nothing).

    Args:
        folder: the folder read.
        jobs: its finished jobs.
        metrics: their metrics (no parameter varies).
        noted: notes of the load, said in the report.
        asked: the ``--by``/``--baseline`` options given (``--by referral``), said to have
            nothing to compare yet (a sweep reported while one setting has results is no
            error: scripts that report a running sweep keep working).
        out: where to write (default: ``folder``).

    Returns:
        The line of its replicates, the table and the line saying there is nothing to compare.

    Raises:
        ComparisonError: ``out`` is a file.

    """
    out = _checked_out(folder, out)
    label = configuration_label(metrics)
    comparison = _compared(metrics.assign(**{CONFIGURATION: label}), label, CONFIGURATION, noted)
    _clear(out)
    (out / "reach_cac.png").unlink(missing_ok=True)  # an earlier report's, of other settings
    table = wide(comparison, CONFIGURATION)
    figures = _figures(jobs, table, [CONFIGURATION], out, frontier=False, label=label)
    text = format_table(comparison, CONFIGURATION, UNPAIRED_TABLE)
    failed = store.failed_jobs(Path(folder)) if Path(folder).is_dir() else {}
    plan = planned.plan_of(Path(folder))
    not_started = len(plan.never_started()) if plan is not None else 0
    nothing = nothing_to_compare(
        metrics, unfinished_jobs(Path(folder)), asked, list(failed), not_started
    )
    notes = [nothing, "", *_notes(noted, metrics)]
    say_the_rest(notes[2:], noted)
    replicates = int(comparison.query("metric == 'customers'")["replicates"].max())
    intro = _configuration_intro(replicates)
    write_text_atomic(_markdown(folder, intro, text, figures, notes), out / "report.md")
    return f"One configuration, {counted(replicates, 'replicate')}.\n\n{text}\n\n{nothing}"


def configuration_label(metrics: pd.DataFrame) -> str:
    """``name=value`` of each parameter the jobs set (all set the same, null too), or ``default``.

    Nothing varies, so a parameter missing (NaN) from the first job is missing from all of
    them, and one of them set it: to null.
    """
    first = metrics.iloc[0]
    names = [  # run.replicates is not a setting (store.SAMPLE_SIZE): the intro counts them
        n for n in metrics.attrs.get("parameters", []) if n != store.SAMPLE_SIZE
    ]
    values = ("null" if pd.isna(first[n]) else plain(first[n]) for n in names)
    return ", ".join(f"{n}={value}" for n, value in zip(names, values, strict=True)) or (
        DEFAULT_LABEL
    )


def nothing_to_compare(
    metrics: pd.DataFrame,
    unfinished: Sequence[Path] = (),
    asked: Sequence[str] = (),
    failed: Sequence[Path] = (),
    not_started: int = 0,
) -> str:
    """The line of a report of one configuration: why nothing is compared, how to compare.

    Args:
        metrics: the jobs' metrics (no parameter varies).
        unfinished: started job folders here without results (failed, running or stopped),
            each named in a note below the line.
        asked: the comparison options given (``--by referral``), which have nothing to compare.
        failed: those of ``unfinished`` that failed (``failed.json``): waiting will not
            finish them (until 3 Dec 2026 the line said to report again when they had).
        not_started: how many of the sweep's planned jobs have not started (:mod:`sim.planned`),
            named in a note below (until 4 Dec 2026 the line said to sweep a parameter).

    """
    options = f"{' '.join(asked)}: " if asked else ""
    if unfinished or not_started:
        failing = [job for job in unfinished if job in set(failed)]
        waiting = len(unfinished) - len(failing)
        parts = []
        if waiting:
            verb = "does" if waiting == 1 else "do"
            parts.append(f"{counted(waiting, 'other started job')} {verb} not have results yet")
        if failing:
            parts.append(f"{counted(len(failing), 'job' if waiting else 'other job')} failed")
        if not_started:
            verb = "has" if not_started == 1 else "have"
            parts.append(f"{counted(not_started, 'job')} of the sweep {verb} not started")
        when = (
            "when a second setting has finished"
            if waiting or not_started
            else "once the sweep's command, run again, has finished a second setting"
        )
        return (
            f"{options}Nothing to compare yet: only one setting has results here, and "
            f"{' and '.join(parts)} (see below); report again {when}."
        )
    return (
        f"{options}Nothing to compare against: {_nothing_varies(metrics)}, so this report has "
        "no Δ customers, incremental CAC or reach-versus-CAC figure, which need a baseline. "
        f"To compare, {HOW_TO_COMPARE}."
    )


def unfinished_jobs(folder: Path) -> list[Path]:
    """Job folders under ``folder`` without results: failed, running, or stopped part way.

    A job folder is one Hydra has started (its ``.hydra/``); folders in hidden ones (results
    being kept or taken) are left out, and so are those whose setting another job of the same
    sweep folder holds (the same ``.hydra/overrides.yaml`` as a finished job): a copy a sweep
    removed keeps its logs, and its setting's results are in the table.
    """
    waiting = store.started_jobs(folder)
    missing = [f for f in waiting if not jobs_store.has_results(f)]
    held = {_overrides_of(f) for f in waiting if jobs_store.has_results(f)} - {None}
    return sorted(
        (f for f in missing if _overrides_of(f) not in held), key=jobs_store.natural_order
    )


def _overrides_of(job: Path) -> tuple[Path, str] | None:
    """``(sweep folder, the text of .hydra/overrides.yaml)`` of a job, None without one."""
    try:
        return job.parent, (job / ".hydra" / "overrides.yaml").read_text(encoding="utf-8")
    except OSError:
        return None


HOW_TO_COMPARE = (
    "sweep a parameter with -m (e.g. `referral-sim -m referral=none,two_sided`) and report "
    "the sweep's folder"
)
LEAVE_OUT = (
    "leave out --by and --baseline for the report of this one configuration, or, to compare, "
    + HOW_TO_COMPARE
)


def _replicates_per_setting(metrics: pd.DataFrame) -> tuple[int, int]:
    """The fewest and the most replicates a setting (a combination of swept values) has."""
    replicates = metrics.groupby(store.swept(metrics) or ["job"], dropna=False).size()
    return int(replicates.min()), int(replicates.max())


def runs_and_replicates(metrics: pd.DataFrame) -> str:
    """``1200 runs; 200 replicates per setting.``: the report's first words, also printed."""
    low, high = _replicates_per_setting(metrics)
    per_setting = counted(low, "replicate") if low == high else f"{low}–{high} replicates"
    return f"{len(metrics):,} runs; {per_setting} per setting."


def what_cells_are(metrics: pd.DataFrame) -> str:
    """The line printed above a comparison's table: its runs, and what a cell is."""
    return f"{runs_and_replicates(metrics)} {_cells_read(*_replicates_per_setting(metrics))}."


def _cells_read(low: int, high: int) -> str:
    """What a cell of the table is, by the replicates per setting (one has no CI)."""
    if high == 1:
        return "Cells are single runs, with no CI (one replicate per setting)"
    if low == 1:
        return "Cells are means with 95% CIs over replicates (none for a setting of one)"
    return "Cells are means with 95% CIs over replicates"


ONE_REPLICATE_NOTE = (
    "every setting has one replicate, so the table has no confidence intervals and its "
    "differences may be noise: run the same command with run.replicates=2 or more (finished "
    "replicates are kept)"
)
"""Said below the table and on standard error: the header said "95% CIs" over one run
(until 3 Dec 2026, a new user's walkthrough)."""


def _load(folder: Path) -> tuple[list[Path], pd.DataFrame, list[str]]:
    """The finished jobs, their metrics and the notes of the load (said on standard error)."""
    folder = Path(folder)
    plan = planned.plan_of(folder)  # None without a record (or a folder)
    with warnings.catch_warnings(record=True) as caught:  # said once, below, and in the notes
        warnings.simplefilter("always")
        try:  # first: a missing folder or a file is refused, not made
            jobs = store.job_folders(folder, say_failed=False)  # said in its notes
        except store.ResultsError as error:  # with the jobs that have none, if any: why none
            notes = _missing_jobs_notes(folder, plan)
            raise store.ResultsError(
                " ".join([f"{error}.", *notes]) if notes else str(error)
            ) from None
        metrics = without_copies(store.load(jobs))  # though a sweep still runs
    noted = list(dict.fromkeys(str(w.message) for w in caught if w.category in LOAD_NOTES))
    noted += _missing_jobs_notes(folder, plan)
    noted += planned.one_value_notes(plan, metrics)
    noted += [ONE_REPLICATE_NOTE] if _replicates_per_setting(metrics)[1] == 1 else []
    for message in noted:
        print(f"referral-sim-report: note: {message}", file=sys.stderr)
    for other in (w for w in caught if w.category not in LOAD_NOTES):
        warnings.showwarning(other.message, other.category, other.filename, other.lineno)
    return jobs, metrics, noted


def without_copies(metrics: pd.DataFrame) -> pd.DataFrame:
    """``metrics`` with each run once, for the counts, means and notes of the report.

    Jobs that differ only in ``run.replicates`` share their first replicates: the same runs,
    every parameter and outcome equal (:data:`sim.results.SAMPLE_SIZE`).
    """
    same = [c for c in metrics.columns if c not in ("job", store.SAMPLE_SIZE)]
    return metrics[~metrics.duplicated(same)]


def _missing_jobs_notes(folder: Path, plan: planned.SweepPlan | None = None) -> list[str]:
    """Notes on the jobs of ``folder`` without results: failed, unfinished, then not started.

    Until 2 Dec 2026 only failed jobs were named: a setting whose job was killed, or still
    running, was left out of the table without a word; until 4 Dec 2026 jobs the sweep had not
    started were not named (``plan``: the sweep's record of its jobs, :mod:`sim.planned`).
    """
    if not folder.is_dir():
        return []
    failed = store.failed_jobs(folder)
    unfinished = [job for job in unfinished_jobs(folder) if job not in failed]
    return [
        *([store.failed_jobs_note(folder, failed, "this report")] if failed else []),
        *([unfinished_jobs_note(folder, unfinished, plan is not None)] if unfinished else []),
        *planned.never_started_notes(plan),
    ]


def _checked_out(folder: Path, out: Path | None) -> Path:
    """Where the report goes: ``out``, else ``folder``, refused if it is a file."""
    out = Path(out or folder)
    if out.is_file():
        raise ComparisonError(f"--out {out} is a file: give a folder for report.md and the figures")
    return out


COMPARE_NOTES = (UnpairedWarning, store.DuplicateJobWarning)
"""What :func:`sim.compare.compare` warns of that the report says in its notes: settings with no
baseline to pair with, and replicates held twice with other outcomes (jobs whose parameters do
not tell them apart, such as results kept in ``earlier/`` from an edited network file)."""


REFERRED = "referred_repurchase_30d"


def shown_metrics(metrics: pd.DataFrame) -> tuple[str, ...]:
    """What the report compares: :data:`sim.compare.METRICS`, the whole spend and the profit.

    The spend column (since 3 Dec 2026) shows the scale of each setting, and what a retention
    scheme costs, which no CAC counts; the profit columns (since 4 Dec 2026) what a setting
    earns, which ROI (revenue over spend, 2.00 where break-even is 2.5) did not say; the
    referred customers' 30-day repurchase (since 4 Dec 2026) whether they come back. Results
    without them leave them out.
    """
    extra = [n for n in ("spend_total", "gross_profit", REFERRED) if n in metrics.columns]
    return (*METRICS, *extra)


def _compared(metrics: pd.DataFrame, baseline: object, by: str, noted: list[str]) -> pd.DataFrame:
    """:func:`sim.compare.compare`, its :data:`COMPARE_NOTES` said and added to ``noted``."""
    with warnings.catch_warnings(record=True) as caught:  # said in the notes
        for category in COMPARE_NOTES:
            warnings.simplefilter("always", category)
        comparison = compare(metrics, baseline=baseline, by=by, metrics=shown_metrics(metrics))
    for warning in caught:
        if warning.category not in COMPARE_NOTES:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
            continue
        print(f"referral-sim-report: note: {warning.message}", file=sys.stderr)
        message = str(warning.message)
        noted.append(f"{message[:1].upper()}{message[1:]}.")
    return comparison


def _clear(out: Path) -> None:
    """Make ``out`` and remove what an earlier report left that would mislead."""
    out.mkdir(parents=True, exist_ok=True)
    remove_orphaned_temporaries(out)  # of an earlier report killed while it wrote
    (out / "report.md").unlink(missing_ok=True)  # never beside figures of another snapshot


def _figures(
    jobs: list[Path],
    table: pd.DataFrame,
    keys: list[str],
    out: Path,
    paired: object = None,
    frontier: bool = True,
    label: str | None = None,
    within: Sequence[str] = (),
    by: str | None = None,
    seldom: Collection[str] = (),
) -> list[Path]:
    """Draw the report's figures into ``out``; return their paths.

    Each setting has one style in all of them (:func:`styles_by_label`), in the table's order.

    Args:
        jobs: the finished jobs (their time series and cascades are read here).
        table: the :func:`sim.compare.wide` table of the settings.
        keys: the parameters naming the settings.
        out: where to write.
        paired: the baseline of the adoption figure's paired panel (None: no such panel).
        frontier: draw ``reach_cac.png``.
        within: the conditions, within whose combinations the frontier is drawn.
        label: the :data:`CONFIGURATION` of every row (a report of one configuration).
        by: the parameter compared, whose missing values the table names :data:`UNSET`
            (named so here too, for the same labels).
        seldom: the labels of the group buys whose teams seldom filled (see
            :func:`reach_cac_figure`).

    """
    named = {CONFIGURATION: label} if label is not None else {}
    shown = [c for c in table.columns if c in keys]  # labels read as the table's columns
    keys = [*shown, *(k for k in keys if k not in shown)]
    styles = styles_by_label(label_of(table, shown))  # one per setting, in the table's order

    def read(kind: str) -> pd.DataFrame:
        frame = distinct_replicates(_quietly(store.load, jobs, kind).assign(**named), keys)
        return name_unset(frame, by) if by is not None else frame

    figures = [plot_adoption(read("timeseries"), keys, out / "adoption.png", paired, styles)]
    if frontier:
        reach = out / "reach_cac.png"
        figures.append(plot_reach_cac(table, shown, reach, within, styles, seldom))
    figures.append(plot_repurchase(table, shown, out / "repurchase.png", styles))
    cascades = read("cascades")
    if len(cascades):
        figures.append(plot_cascades(cascades, keys, out / "cascades.png", styles))
    return figures


def distinct_replicates(table: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``table`` (time series or cascades, as loaded: with ``job``), each replicate once.

    Jobs that differ only in ``run.replicates`` share their first replicates, the same runs
    (:data:`sim.results.SAMPLE_SIZE`); as in :func:`sim.compare.compare`, the first job's rows
    of a replicate are kept, so no run weighs twice in a mean or a pooled count.
    """
    first_job = table.groupby([*keys, "replicate"], dropna=False, sort=False)["job"].transform(
        "first"
    )
    return table[table["job"] == first_job]


def _notes(
    noted: list[str],
    metrics: pd.DataFrame,
    comparing: Sequence[str] = (),
    keys: Sequence[str] | None = None,
) -> list[str]:
    """The paragraphs below the table: ``noted``, ``comparing`` and what is still owed.

    ``keys`` name the settings in the table's order (default: :func:`sim.results.swept`'s).
    """
    return [
        *(line for note in noted for line in (note, "")),
        *comparing,
        *undefined_note(metrics, keys),
        *pending_rewards_note(metrics, keys),
        *unbooked_commissions_note(metrics, keys),
        *held_orders_note(metrics, keys),
        *seldom_filled_note(metrics, keys),
    ]


def say_the_rest(notes: Sequence[str], noted: Sequence[str]) -> None:
    """Say on standard error each paragraph of ``notes`` not said as it was found (``noted``).

    Until 4 Dec 2026 the notes on the table (incremental CACs that are 0 or – by construction,
    undefined metrics, what runs still owe) were in report.md only, so a terminal's
    `0.0 [-inf, inf]` of a retention scheme read as free customers.
    """
    for paragraph in notes:
        if paragraph and paragraph not in noted:
            print(f"referral-sim-report: note: {paragraph}", file=sys.stderr)


def _quietly(load, *arguments):
    """``load(*arguments)`` without repeating the notes the metrics' load gave."""
    with warnings.catch_warnings():
        for category in LOAD_NOTES:
            warnings.simplefilter("ignore", category)
        return load(*arguments)


def compared_by(metrics: pd.DataFrame, by: str | None) -> str | None:
    """The parameter whose settings the report compares, or None if there is nothing to compare.

    Unless given, ``referral`` when it varies, else the one parameter that varies across the
    jobs (``referral.referrer_reward`` in a sweep of rewards); None when no parameter varies
    (a single run: the report is that configuration's). A ``by`` given where nothing varies
    is returned (the report is still that one configuration's, and says so).

    Raises:
        ComparisonError: listing the parameters that vary, when ``by`` is missing from the results,
            is measured rather than set, takes one value in every job while others vary, or
            cannot be told from the results.

    """
    varying = store.swept(metrics)
    if by is None:
        return _default_by(metrics, varying)
    parameters = metrics.attrs.get("parameters")
    if by == store.SAMPLE_SIZE:
        raise ComparisonError(
            f"{by!r} is how many replicates a job ran, not a setting (its jobs' shared "
            f"replicates are the same runs); {_varying_text(metrics, varying)}"
        )
    if by in metrics.columns and parameters is not None and by not in parameters:
        raise ComparisonError(
            f"{by!r} is measured, not set: --by (by= from Python) takes a parameter of the jobs; "
            + _varying_text(metrics, varying)
        )
    if by in metrics.columns and varying and by not in varying:
        raise ComparisonError(
            f"{by!r} takes one value in every job ({plain(metrics[by].iloc[0])}): "
            "nothing to compare by it; " + _varying_text(metrics, varying)
        )
    if by in metrics.columns:
        return by
    raise ComparisonError(f"results lack column {by!r}; {_varying_text(metrics, varying)}")


def _default_by(metrics: pd.DataFrame, varying: list[str]) -> str | None:
    """:func:`compared_by` when ``--by`` is not given."""
    if not varying:
        return None
    if DEFAULT_BY in varying:
        return DEFAULT_BY
    if len(varying) == 1:
        return varying[0]
    raise ComparisonError(
        f"several parameters vary and none is {DEFAULT_BY!r}; {_varying_text(metrics, varying)}"
    )


def _varying_text(metrics: pd.DataFrame, varying: list[str]) -> str:
    if not varying:
        return f"{_nothing_varies(metrics)}; {LEAVE_OUT}"
    example = baseline_of(metrics, varying[0], None)
    return (
        f"the parameters that vary across the jobs are {', '.join(varying)}: name the one to "
        "compare by and its baseline value, with --by and --baseline on the command line or "
        "by= and baseline= from Python (sim.compare, sim.report.write_report), e.g. "
        f"--by {varying[0]} --baseline {plain(example)}, "
        f"or by={varying[0]!r}, baseline={_python_value(example)}"
    )


def _python_value(value: object) -> str:
    """``value`` as a Python caller would pass it: a number as such, else quoted text."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return plain(value)  # numpy's numbers too
    return repr(plain(value))


def _nothing_varies(metrics: pd.DataFrame) -> str:
    named = ", ".join(metrics.attrs.get("parameters", [])) or "none"
    return f"no parameter varies across the jobs (parameters: {named})"


def baseline_of(metrics: pd.DataFrame, by: str, baseline: object) -> object:
    """The baseline setting: ``baseline`` if given, else ``none`` if present, else the smallest."""
    if baseline is not None:
        return baseline
    values = metrics[by].dropna()
    if (values.astype(str) == DEFAULT_BASELINE).any():
        return DEFAULT_BASELINE
    return _smallest(values)


def _smallest(values: pd.Series) -> object:
    """The smallest value: numbers by size, text alphabetically."""
    present = values.dropna().unique().tolist()
    numeric = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    if len(present) and numeric.notna().all():
        return present[int(numeric.to_numpy().argmin())]
    return min(present, key=str) if present else None


def _markdown(folder: Path, intro: str, table: str, figures: list[Path], notes: list[str]) -> str:
    lines = [f"# Report: {folder}", "", intro, "", table, "", *notes]
    lines += [f"![{figure.stem}]({figure.name})" for figure in figures]
    return "\n".join(lines) + "\n"


def _comparison_intro(
    metrics: pd.DataFrame,
    baseline: object,
    chosen: bool = False,
    by: str = DEFAULT_BY,
    within: Sequence[str] = (),
) -> str:
    """The paragraph above a comparison's table: runs, replicates, the market, what cells are.

    Args:
        metrics: the jobs' metrics.
        baseline: the baseline setting.
        chosen: the report chose the baseline (no ``--baseline``): say how when not ``none``.
        by: the parameter compared, named with the baseline unless it is ``referral``.
        within: the conditions: the baseline is paired within each of their combinations.

    """
    low, high = _replicates_per_setting(metrics)
    picked = ""
    if chosen and str(baseline) != DEFAULT_BASELINE:
        picked = f" (`{DEFAULT_BASELINE}` is not among the settings: the smallest; see --baseline)"
    against = plain(baseline) if by == DEFAULT_BY else f"{by}={plain(baseline)}"
    inside = f" at the same {', '.join(f'`{c}`' for c in within)}" if within else ""
    return (
        f"{runs_and_replicates(metrics)} {held_fixed(metrics)} "
        f"{_cells_read(low, high)} ({POOLED_READS}); Δ and incremental "
        "CAC are paired by "
        f"replicate against `{against}`{picked}{inside} (incremental CAC: extra acquisition "
        "spend per extra customer, Fieller CI, with no upper end, or a very large one, where "
        "Δ customers' CI reaches 0; – where the scheme wins no extra customers on "
        f"average, Δ customers ≤ 0: read that Δ's CI; a setting pays for its extra spend "
        "where its incremental CAC is below what the baseline pays a customer, its CAC). "
        f"{SPEND_READS} CAC and incremental CAC are in yuan per customer; {MONEY_READS} "
        "repurchase_rate counts re-buys by the run's end, so customers won early have had "
        "longer; repurchase_30d (of customers won 30+ days before the end, the share who "
        "re-bought within 30 days) compares settings that won them at different times; its "
        "referred column is the same of the customers won through a consumer's link. ROI "
        "counts orders by the run's end too, so it favours a setting that won its customers "
        "early (a small budget spent in the first days) by their repeat orders. "
        f"{FRAUD_READS} {CI_READS}"
    )


def held_fixed(metrics: pd.DataFrame) -> str:
    """The sentence naming the parameters set alike in every job: the market of the report.

    Two reports of the same schemes on different markets (``+scenario=gen_z_2026``,
    ``network.n=2000``) read alike without it.
    """
    fixed = [
        n
        for n in metrics.attrs.get("parameters", [])
        if n != store.SAMPLE_SIZE and n not in store.swept(metrics) and metrics[n].notna().all()
    ]
    if not fixed:
        return "Every job ran `conf/`'s defaults but for the parameters in the table."
    values = ", ".join(f"{n}={plain(metrics[n].iloc[0])}{_preset_text(metrics, n)}" for n in fixed)
    return f"Set alike in every job: {values}; the rest as in `conf/`."


def _preset_text(metrics: pd.DataFrame, name: str) -> str:
    """`` (which sets referral=two_sided, run.replicates=30)`` after ``experiment=...``, or "".

    What the preset sets and the jobs did not set otherwise (:func:`preset_settings`, read
    from ``conf/`` now): until 4 Dec 2026 the reward sweep's report named no scheme, and the
    budget frontier's no ad budget.
    """
    if name != "experiment":
        return ""
    settings = preset_settings("experiment", str(metrics[name].iloc[0]))
    said = [
        f"{key}={plain(value)}"
        for key, value in settings.items()
        if key not in metrics and key != store.SAMPLE_SIZE  # the intro counts the replicates
    ]
    return f" (which sets {', '.join(said)})" if said else ""


def _configuration_intro(replicates: int) -> str:
    """The paragraph above the table of one configuration."""
    return (
        f"One configuration, {counted(replicates, 'replicate')}. Cells are means with 95% CIs over "
        f"replicates ({POOLED_READS}). {SPEND_READS} CAC is in yuan per customer; "
        f"{MONEY_READS} {FRAUD_READS} {CI_READS}"
    )


POOLED_READS = (
    "CAC and ROI are pooled: all the replicates' acquisition spend over all their customers, "
    "and their revenue over their spend, with Fieller CIs"
)
"""How the table's CAC and ROI are taken over replicates (:data:`sim.summary.POOLED`)."""

MONEY_READS = (
    "ROI is revenue per yuan of spend (the source documents' convention, not profit: at a "
    "margin m a run breaks even at ROI 1/m, 2.5 at the default 40%); profit is revenue times "
    "the margin less all spend, in yuan per run, and Δ profit its paired difference."
)
"""How the table's money columns read (a review took ROI 2.00 for a profit; it is a loss)."""

FRAUD_READS = (
    "fraud_share is the share of referrals made by fake accounts, which are in no customers "
    "(what they were paid is in spend)."
)

CI_READS = (
    "The CIs are over replicates of this model with these parameters: they leave out how "
    "uncertain the parameters themselves are (word of mouth, `share.daily`, is fitted to no "
    "source figure: reports/calibration.md)."
)
"""What the CIs cover (a review read CAC 61.3 [61.0, 61.6] as that sure of a market)."""

SPEND_READS = (
    "Spend is all that a run spends, in yuan: on acquisition (ads, KOLs, KOCs, referral "
    "rewards and discounts), which CAC divides by the customers, and on retention."
)


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
    return f"{_cell(pd.Series(cells), metric, fmt)} ({_label([row[c] for c in within])})"


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
        return [f"{text}: {unit.format(owed)}.", ""] if owed > 0 else []
    owed = metrics.groupby(keys, sort=False, dropna=False)[column].mean().reset_index()
    owed = owed[owed[column] > 0]
    if owed.empty:
        return []
    amounts = owed[column].map(unit.format)
    settings = "; ".join(label_of(owed, keys) + " " + amounts)
    return [f"{text}: {settings}.", ""]


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point ``referral-sim-report``."""
    parser = argparse.ArgumentParser(prog="referral-sim-report", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a run or sweep folder (or a parent of several)")
    parser.add_argument(
        "--baseline",
        help="the setting compared against (default: none if present, else the smallest value)",
    )
    parser.add_argument(
        "--by",
        help="the parameter naming the settings (default: referral, or the one parameter "
        "that varies)",
    )
    parser.add_argument("--out", type=Path, help="where to write (default: the folder)")
    arguments = parser.parse_args(argv)
    matplotlib.use("Agg")  # files only; set here, not on import, which broke notebooks' plots
    try:
        table = write_report(arguments.folder, arguments.baseline, arguments.by, arguments.out)
    except (store.ResultsError, ComparisonError) as error:  # any other error is a bug: shown
        print(f"referral-sim-report: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # --out where no folder can be made (under a file, /dev/null)
        where = error.filename or arguments.out or arguments.folder
        print(
            f"referral-sim-report: cannot write the report to {where}: {error.strerror}",
            file=sys.stderr,
        )
        return 2
    say(table)  # a reader that leaves early (| head) cuts the printout, not the report
    say(f"report: {(arguments.out or arguments.folder) / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The report's figures: adoption, reach against CAC (and along a parameter), repurchase, cascades.

- ``adoption.png``: cumulative customers by day, mean and 95% band per scheme, and beside it
  the extra customers over the baseline at the same conditions, paired by replicate;
- ``reach_cac.png``: customers against CAC with 95% CIs; within each combination of the
  conditions, the settings another beats on both are crossed out, and where 3 or more settings
  are compared a dashed efficient frontier joins the others;
- ``reach_cac_curves.png``, where a numeric swept parameter takes 3 or more values (the budget
  of ``budget_frontier``, a reward): customers and CAC against it, a line with its 95% band
  per setting of the other parameters;
- ``repurchase.png``: repurchase rate and 30-day repurchase with 95% CIs;
- ``cascades.png``: the distribution of referral-tree sizes (complementary CDF, log scales).

A setting has one colour (and line style, marker) in all of them, and comes in the table's order
in each (:func:`styles_by_label`). :mod:`sim.report` reads the results and calls these.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib
import matplotlib.colors
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from sim.compare import (
    baseline_value,
    name_unset,
)
from sim.console import counted
from sim.storage import write_atomic
from sim.summary import (
    grouped_mean_interval,
    support_of,
)
from sim.table import label_of, same_spend_as_baseline


def plot_adoption(
    series: pd.DataFrame,
    keys: Sequence[str],
    path: Path,
    baseline: object = None,
    styles: Mapping[str, dict] | None = None,
    within: Sequence[str] = (),
    by: str | None = None,
) -> Path:
    """Cumulative customers by day, mean and 95% band per scheme.

    Beside it, given the baseline value of the parameter compared ``by`` (by default the one
    of ``keys``), the extra customers over the baseline at the same conditions ``within``,
    paired by replicate. ``styles``: see :func:`styles_by_label`.
    """
    return save_figure(adoption_figure(series, keys, baseline, styles, within, by), path)


def adoption_figure(
    series: pd.DataFrame,
    keys: Sequence[str],
    baseline: object,
    styles: Mapping[str, dict] | None = None,
    within: Sequence[str] = (),
    by: str | None = None,
) -> plt.Figure:
    """The figure of :func:`plot_adoption`: a setting keeps its colour and style in both panels.

    ``styles``: the report's style of each setting (:func:`styles_by_label`); by default, one
    per setting in the order the settings first appear in ``series``. The paired panel sets each
    setting against the baseline at its conditions ``within``; until 4 Dec 2026 it was drawn
    only where the parameter compared alone varied, and a sweep over conditions drew its
    settings' nearly equal curves over one another, with nothing to tell them apart.
    """
    by = by if by is not None else (keys[0] if len(keys) == 1 else None)
    paired = baseline is not None and by is not None
    series = series.assign(label=label_of(series, keys))
    styles = _styles_for(series["label"], styles)
    beside = legend_beside(series["label"].nunique())
    width = (12 if paired else 7) + (2.5 if beside else 0)
    figure, axes = plt.subplots(1, 2 if paired else 1, figsize=(width, 4.5))
    axes = np.atleast_1d(axes)
    _bands(axes[0], series, "customers", styles)
    axes[0].set(xlabel="day", ylabel="customers (cumulative)", title="Adoption, mean and 95% CI")
    if paired:
        _bands(axes[1], extra_over(series, by, baseline, within), "extra", styles)
        axes[1].set(xlabel="day", ylabel=f"customers minus {baseline}")
        at = f" at the same {', '.join(within)}" if within else ""
        axes[1].set(title=f"Extra customers over {baseline}{at}, paired 95% CI")
    if not (paired and beside):  # beside the axes, one legend serves both panels (same styles)
        settings_legend(axes[0], keys)
    if paired:
        settings_legend(axes[1], keys, fontsize="small")
    return figure


def extra_over(
    series: pd.DataFrame, key: str, baseline: object, within: Sequence[str] = ()
) -> pd.DataFrame:
    """``series`` with column ``extra``: customers minus the baseline's, same replicate and day.

    ``baseline`` matches a value of ``key`` as :func:`sim.compare.compare` matches it ("0"
    names 0.0); each row is set against the baseline's at the same conditions ``within``.
    """
    series = name_unset(series, key)
    base = series[series[key] == baseline_value(series, baseline, key)]
    on = ["replicate", "day", *within]
    extra = series.merge(base[[*on, "customers"]], on=on)
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
    """Customers against CAC with 95% CIs; dominated settings crossed out, the frontier joined.

    ``styles`` and ``seldom``: see :func:`reach_cac_figure`.
    """
    return save_figure(reach_cac_figure(table, keys, within, styles, seldom), path)


LEGEND_INSIDE_UP_TO = 6  # settings; more get their legend beside the axes, not over the data


LABELLED_UP_TO = 30  # settings; a larger sweep's figures name none (the table names them all)


BESIDE = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "fontsize": "small"}
"""Where a legend beside the axes goes: right of them, from their top."""
LONG_ENTRY = 50  # characters a line; a legend with a longer entry goes beside the axes


def legend_beside(settings: int, longest: int = 0) -> bool:
    """Whether a legend of ``settings`` settings (``longest``: its longest entry) goes beside.

    Past :data:`LONG_ENTRY` characters an entry widens a legend inside the axes over the data:
    the main job's reach figure at n = 3,000 hid `group_buy`'s point under its own long label
    (a first-time user's review, 4 Dec 2026).
    """
    many = settings > LEGEND_INSIDE_UP_TO or longest > LONG_ENTRY
    return many and settings <= LABELLED_UP_TO


def settings_legend(axes: plt.Axes, keys: Sequence[str], **options) -> None:
    """The legend of the settings drawn, or, past :data:`LABELLED_UP_TO`, a note saying why not.

    A legend of hundreds of entries would not fit the figure; the report's table names every
    setting. Entries that are not settings (the efficient frontier, what a cross means)
    are always shown, after the settings (until 3 Dec 2026 the frontier came first).
    """
    entries = list(zip(*axes.get_legend_handles_labels(), strict=True))
    settings = [(h, t) for h, t in entries if not t.startswith(NOT_SETTINGS)]
    kept = [(h, t) for h, t in entries if t.startswith(NOT_SETTINGS)]  # after the settings
    if len(settings) <= LABELLED_UP_TO:
        if legend_beside(
            len(settings), max(len(line) for _, t in entries for line in t.split("\n"))
        ):
            options = BESIDE
        axes.legend(*zip(*settings, *kept, strict=True), title=", ".join(keys), **options)
        return
    if kept:
        axes.legend(*zip(*kept, strict=True), fontsize="small")
    note = f"{len(settings)} settings: too many to label (see the table)"
    axes.annotate(note, (0.01, 0.99), xycoords="axes fraction", va="top", fontsize="small")


FRONTIER = "efficient frontier"


NO_UPPER_END = "CAC's CI has no upper end (its customers' CI reaches 0)"


DOMINATED = "× dominated"


STRUCK = {"marker": "x", "color": "0.15", "ms": 9, "mew": 1.5, "ls": "none"}
"""How a dominated setting's point is struck out in the reach figure (and in its legend)."""


FRONTIER_FROM = 3  # settings in a combination of the conditions from which its frontier is joined


NOT_SETTINGS = (FRONTIER, NO_UPPER_END, DOMINATED)
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
    offer that never paid, a budget both use up) are drawn hollow and named in the legend.
    Within each combination of the conditions ``within``, as the table pairs them (a larger
    market or a longer horizon does not dominate a smaller one: until 2 Dec 2026 one frontier
    ran across all), a setting another beats on both means is struck out with a cross
    (:func:`dominated`), and where the combination has :data:`FRONTIER_FROM` or more settings
    a dashed efficient frontier joins its undominated ones. Until 4 Dec 2026 rings marked the
    undominated settings: of two settings both usually are, so nearly every point was ringed.

    ``styles``: the report's style of each setting (:func:`styles_by_label`); by default, one
    per setting in the table's order. ``seldom``: the labels of the group buys whose teams
    seldom filled (:func:`sim.notes.seldom_filled_settings`), said so in the legend: such a
    point can sit on the frontier for an offer that almost never paid (the main job's
    `group_buy`, until 4 Dec 2026 ringed with no word).
    """
    labels = label_of(table, keys)
    hollow = same_spend_as_baseline(table)
    pairs = zip(labels, hollow, strict=True)
    entries = [reach_label(label, free, label in seldom) for label, free in pairs]
    longest = max((len(entry) for entry in entries), default=0)
    beside = legend_beside(len(table), longest)
    figure, axes = plt.subplots(figsize=(7 + 0.06 * longest if beside else 7, 4.5))
    styles = _styles_for(labels, styles)
    drawn, edge = unbounded_to_the_edge(table, "cac")
    for label, free, entry, (_, row) in zip(labels, hollow, entries, drawn.iterrows(), strict=True):
        style = styles[label]
        axes.errorbar(
            row["cac"],
            row["customers"],
            xerr=_errors(row, "cac"),
            yerr=_errors(row, "customers"),
            capsize=3,
            label=entry,
            mfc="white" if free else style["color"],
            **_point(style),
        )
    colours = [styles[label]["color"] for label in labels]
    _draw_frontiers(axes, table, within, colours)
    _strike_dominated(axes, table, within)
    mark_no_upper_end(axes, drawn, edge, colours)
    axes.set(xlabel="CAC (yuan per customer)", ylabel="customers")
    # from the axes' left edge: centred, it ran off the figure where a long legend narrowed
    # the axes ("ch versus CAC", a researcher's walkthrough, 4 Dec 2026)
    axes.set_title("Reach versus CAC (95% CIs over replicates; CAC pooled)", loc="left")
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
    """Join the efficient settings of each combination of ``within`` of 3 or more settings.

    A combination of two settings gets no line: both are efficient unless one is struck out
    (:func:`dominated`), and a line would only join the pair. With several combinations,
    each frontier takes the colour of its combination's first setting (``colours``: each
    row's), so the frontiers of seven networks are told apart by the points they join (until
    4 Dec 2026 each was one black dashed line).
    """
    parts = _combinations(table, within)
    within = _conditions_in(table, within)
    label = FRONTIER + (f" (within each {', '.join(within)})" if within else "")
    coloured = len(parts) > 1 and len(colours) == len(table)
    if coloured:
        label += ", coloured as its settings"
    colour_of = dict(zip(table.index, colours, strict=True)) if coloured else {}
    joined = [p for p in parts if len(p) >= FRONTIER_FROM and len(efficient(p)) > 1]
    for number, part in enumerate(joined):
        frontier = part.loc[efficient(part)].sort_values("cac")
        axes.plot(
            frontier["cac"],
            frontier["customers"],
            "--",
            color=colour_of.get(part.index[0], "k"),
            lw=1,
            label=label if number == 0 else "_frontier",  # one legend entry for them all
        )


def dominated(table: pd.DataFrame, within: Sequence[str] = ()) -> np.ndarray:
    """Whether another setting of the same combination of ``within`` beats each on both.

    More customers and a lower CAC, on the means (:func:`efficient`); a setting with no CAC
    (no customers) is not drawn, and not said to be dominated.
    """
    beaten = pd.Series(False, index=table.index)
    for part in _combinations(table, within):
        beaten[part.index.difference(efficient(part))] = True
    return (beaten & table["cac"].notna()).to_numpy()


def _strike_dominated(axes: plt.Axes, table: pd.DataFrame, within: Sequence[str]) -> None:
    """Cross out the :func:`dominated` settings' points, with one legend entry saying why."""
    beaten = table[dominated(table, within)]
    if beaten.empty:
        return
    said = dominated_label(_conditions_in(table, within))
    axes.plot(beaten["cac"], beaten["customers"], label=said, zorder=3, **STRUCK)


def dominated_label(within: Sequence[str]) -> str:
    """The legend entry saying what a struck-out point of the reach figure means.

    Two lines, so that it alone never widens the legend past :data:`LONG_ENTRY`.
    """
    beats = "has more customers at a lower CAC (means)"
    if not within:
        return f"{DOMINATED}: another setting\n{beats}"
    return f"{DOMINATED}: another setting at the same {', '.join(within)}\n{beats}"


def _combinations(table: pd.DataFrame, within: Sequence[str]) -> list[pd.DataFrame]:
    """The rows of each combination of the conditions ``within`` (all rows, without any)."""
    within = _conditions_in(table, within)
    if not within:
        return [table]
    return [part for _, part in table.groupby(within, dropna=False, sort=False)]


def _conditions_in(table: pd.DataFrame, within: Sequence[str]) -> list[str]:
    return [c for c in within if c in table]


CURVE_FROM = 3  # values of a numeric parameter from which reach and CAC are drawn against it


def curve_parameter(table: pd.DataFrame, candidates: Sequence[str]) -> str | None:
    """The numeric parameter of ``candidates`` to draw reach and CAC against, or None.

    One whose values in ``table`` are numbers (not true/false), :data:`CURVE_FROM` or more of
    them distinct; of several, the one with the most values (the first of equals).
    """
    counts = {c: _numbers_taken(table, c) for c in dict.fromkeys(candidates) if c in table}
    counts = {c: count for c, count in counts.items() if count >= CURVE_FROM}
    return max(counts, key=counts.__getitem__) if counts else None


def _numbers_taken(table: pd.DataFrame, column: str) -> int:
    """How many distinct numbers ``column`` takes (0 unless a numeric, non-boolean column)."""
    values = table[column]
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    return values.dropna().nunique() if numeric else 0


def plot_curves(
    table: pd.DataFrame,
    keys: Sequence[str],
    along: str,
    path: Path,
    styles: Mapping[str, dict] | None = None,
) -> Path:
    """Customers and CAC against the numeric parameter ``along``: see :func:`curves_figure`."""
    return save_figure(curves_figure(table, keys, along, styles), path)


CURVE_METRICS = {"customers": "customers", "cac": "CAC (yuan per customer)"}


def curves_figure(
    table: pd.DataFrame,
    keys: Sequence[str],
    along: str,
    styles: Mapping[str, dict] | None = None,
) -> plt.Figure:
    """Customers and CAC against ``along``, a line per setting of the other ``keys``.

    Each point is a row of the :func:`sim.compare.wide` table, its mean and 95% CI (a band);
    rows with no value of ``along`` are left out, and the x-axis says how many. A line takes
    the style of its setting at the smallest ``along`` (``styles``, the report's:
    :func:`styles_by_label`; by default one per row in the table's order), so it looks like
    that point of ``reach_cac.png``, and the lines come in the order of those settings.

    Args:
        table: the wide table, one row per setting.
        keys: the parameters naming the settings, ``along`` among them.
        along: the numeric parameter of the x-axis (:func:`curve_parameter`).
        styles: the style of each row's label of ``keys``.

    """
    others = [k for k in keys if k != along]
    styles = _styles_for(label_of(table, keys), styles)
    lines = _curve_lines(table, keys, along, styles)
    figure, axes = plt.subplots(1, 2, figsize=(14 if others else 12, 4.5))
    drawn, edge = unbounded_to_the_edge(table, "cac")
    for name, rows, style in lines:
        for panel, metric in zip(axes, CURVE_METRICS, strict=True):
            _curve(panel, drawn.loc[rows.index], along, metric, name, style)
    if not np.isnan(edge):  # CAC intervals with no upper end: to the edge, an arrowhead there
        _mark_curves_unbounded(axes[1], drawn, along, edge, lines)
    _curve_axes(axes, table, along)
    if others:  # beside the panels: the bands fill them, and would hide under a legend
        settings_legend(axes[1], others, **BESIDE)
    elif not np.isnan(edge):
        axes[1].legend(**BESIDE)
    return figure


def _mark_curves_unbounded(
    axes: plt.Axes, drawn: pd.DataFrame, along: str, edge: float, lines: Sequence[tuple]
) -> None:
    """An arrowhead at ``edge`` where a line's CAC interval was cut there, and its legend entry."""
    for _, rows, style in lines:
        cut = drawn.loc[rows.index]
        cut = cut[cut["cac_high"] == edge]
        axes.plot(cut[along], [edge] * len(cut), "^", color=style["color"], label="_unbounded")
    axes.plot([], [], "^", color="0.3", label=NO_UPPER_END)


def _curve_lines(
    table: pd.DataFrame, keys: Sequence[str], along: str, styles: Mapping[str, dict]
) -> list[tuple[str, pd.DataFrame, dict]]:
    """``(label, rows, style)`` of each line of :func:`curves_figure`, in the styles' order.

    ``rows``: the line's rows of ``table`` with a value of ``along``, in its ascending order.
    """
    others = [k for k in keys if k != along]
    placed = table[table[along].notna()].sort_values(along, kind="stable")
    full = label_of(placed, keys)
    names = label_of(placed, others) if others else pd.Series(along, index=placed.index)
    order = {label: position for position, label in enumerate(styles)}
    lines = []
    for name, rows in placed.groupby(names, sort=False):
        first = full[rows.index[0]]  # the line's setting at the smallest value of along
        lines.append((order[first], name, rows, styles[first]))
    return [line[1:] for line in sorted(lines, key=lambda line: line[0])]


def _curve(
    axes: plt.Axes, rows: pd.DataFrame, along: str, metric: str, name: str, style: Mapping
) -> None:
    """One line of :func:`curves_figure`: ``metric``'s means joined, its 95% CIs a band."""
    values = rows[along].to_numpy(dtype=float)
    axes.plot(values, rows[metric], label=name, marker=style["marker"], ms=4, **_line(style))
    low, high = rows[f"{metric}_low"].to_numpy(float), rows[f"{metric}_high"].to_numpy(float)
    axes.fill_between(values, low, high, alpha=0.2, color=style["color"], lw=0)


def _curve_axes(axes: Sequence[plt.Axes], table: pd.DataFrame, along: str) -> None:
    """Name the axes of :func:`curves_figure`; tick the values of ``along`` when they are few."""
    values = np.sort(table[along].dropna().unique().astype(float))
    unplaced = int(table[along].isna().sum())
    left_out = f" ({counted(unplaced, 'setting')} with no value not drawn)" if unplaced else ""
    for panel, (metric, name) in zip(axes, CURVE_METRICS.items(), strict=True):
        title = f"{name[:1].upper()}{name[1:].split(' (')[0]} by {along}"
        panel.set(xlabel=f"{along}{left_out}", ylabel=name, title=title)
        if len(values) <= TICKED_UP_TO:
            panel.set_xticks(values)
        panel.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_tick))
        if metric == "customers":
            panel.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_tick))
    axes[0].figure.suptitle("Mean and 95% CI over replicates (CAC pooled)", fontsize="medium")


TICKED_UP_TO = 8  # values of a curve's parameter each given a tick; more get matplotlib's


def _tick(value: float, _position: object = None) -> str:
    """A tick label: thousands separated, whole numbers without decimals (10,000; 2.5)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


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
    beaten = [
        bool(np.any((customers >= c) & (cac <= k) & ((customers > c) | (cac < k))))
        for c, k in zip(customers, cac, strict=True)
    ]
    return table.index[~np.array(beaten) & ~np.isnan(cac)]


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


SPEND_PARTS = {  # metric -> its name in the legend, in the order of the bars' segments
    "spend_ads": "ads",
    "spend_kol": "KOLs (fees, commissions)",
    "spend_koc": "KOCs (products, commissions)",
    "spend_referral_reward": "referral rewards",
    "spend_referral_discount": "referral discounts",
    "spend_retention": "retention",
}
OWED_PARTS = {  # what is owed or held beyond the spend -> its name in the legend and hatch
    "commissions_unbooked": ("commissions owed past the budget, unpaid (in no spend)", "//"),
    "commissions_counted": ("commissions owed past the budget, counted as spend", "//"),
    "commission_reserve_left": ("KOC commission reserve held, never paid out", ".."),
}


def plot_spend(spend: pd.DataFrame, keys: Sequence[str], path: Path) -> Path:
    """Each setting's spend per run by component, and what it owes past the budget."""
    return save_figure(spend_figure(spend, keys), path)


def spend_figure(spend: pd.DataFrame, keys: Sequence[str]) -> plt.Figure:
    """Stacked bars of the mean spend per run by component, one bar per setting, top down.

    ``spend`` has a row per setting (the table's order): ``keys``, the :data:`SPEND_PARTS` and
    :data:`OWED_PARTS`, each a mean per run. Components no setting spends on are left out;
    what is owed or held beyond the spend is hatched, after it. Where the money goes is what the
    table's one spend column does not show (a strategist's walkthrough, 4 Dec 2026).
    """
    labelled = len(spend) <= LABELLED_UP_TO
    figure, axes = plt.subplots(figsize=(8.0, min(max(3.5, 0.45 * len(spend) + 3.0), 13.0)))
    rows = np.arange(len(spend))
    left = np.zeros(len(spend))
    colours = plt.get_cmap("tab10").colors
    for index, (part, name) in enumerate(SPEND_PARTS.items()):
        if part in spend and spend[part].fillna(0).gt(0).any():
            values = spend[part].fillna(0).to_numpy()
            axes.barh(rows, values, left=left, color=colours[index], label=name)
            left += values
    for part, (name, hatch) in OWED_PARTS.items():
        if part in spend and spend[part].fillna(0).gt(0).any():
            values = spend[part].fillna(0).to_numpy()
            look = {"facecolor": "white", "edgecolor": "0.3", "hatch": hatch}
            axes.barh(rows, values, left=left, label=name, **look)
            left += values
    if labelled:
        axes.set_yticks(rows, label_of(spend, keys))
        axes.set_ylabel(", ".join(keys))
    else:
        axes.set_yticks([])
        axes.set_ylabel(f"{len(spend)} settings: too many to label (see the table)")
    axes.invert_yaxis()  # the table's first setting on top
    axes.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axes.set(xlabel="yuan per run (mean over replicates)", title="Where the money goes")
    if axes.get_legend_handles_labels()[0]:  # below the bars, never over them
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize="small")
    return figure


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

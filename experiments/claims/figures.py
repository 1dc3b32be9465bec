"""Small matplotlib charts for the claims report: bars and lines with 95% CIs, daily curves."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.charts import save_figure
from sim.summary import grouped_mean_interval, support_of

Triple = tuple[float, float, float]


def _errors(triples: Sequence[Triple]) -> np.ndarray:
    """Error bar lengths below and above each mean; none on a side with no end (infinite)."""
    means = np.array([t[0] for t in triples], dtype=float)
    lows = np.array([t[1] for t in triples], dtype=float)
    highs = np.array([t[2] for t in triples], dtype=float)
    below = np.where(np.isfinite(lows), means - lows, 0.0)
    above = np.where(np.isfinite(highs), highs - means, 0.0)
    # a mean of shares of 1 can sum to 1.0000000000000003, past its CI clipped at 1: matplotlib
    # refuses an error bar of -3e-16 (found 4 Dec 2026 when the test data's noise moved)
    return np.nan_to_num(np.vstack([below, above]), nan=0.0).clip(min=0.0)


CI = " (mean, 95% CI)"  # every bar and point of these charts is a mean with its 95% CI
CHARACTERS_PER_INCH = 10  # of a 12-point title: wrap titles to the figure's width


def _title(axis: plt.Axes, title: str, width: int) -> None:
    """A title wrapped to ``width`` characters, so a long one is never cut off.

    It stands clear of the label a vertical claimed value puts above the axes.
    """
    axis.set_title(textwrap.fill(title, width), pad=14)


def _reference(axis: plt.Axes, value: float | None, label: str | None, horizontal: bool = True):
    """A dashed claimed value, labelled on the line itself (no legend to cover the data).

    A horizontal line's label sits at its right end; a vertical line's just above the axes.
    """
    if value is None:
        return
    line = axis.axhline if horizontal else axis.axvline
    line(value, color="crimson", ls="--", lw=1.2)
    if not label:
        return
    if horizontal:
        place, where, align = (0.99, value), ("axes fraction", "data"), {"ha": "right"}
    else:
        place, where, align = (value, 1.0), ("data", "axes fraction"), {"ha": "center"}
    style = {"color": "crimson", "fontsize": 8, "va": "bottom", **align}
    axis.annotate(label, place, xycoords=where, xytext=(0, 2), textcoords="offset points", **style)


def bars(
    path: Path,
    title: str,
    labels: Sequence[str],
    triples: Sequence[Triple],
    ylabel: str,
    reference: float | None = None,
    reference_label: str | None = None,
    claims: Sequence[float] | None = None,
    band: tuple[float, float] | None = None,
) -> Path:
    """Horizontal bars with 95% CIs and an optional claimed value (dashed line).

    ``claims`` gives each bar its own claimed value instead (a red tick across the bar).
    ``band`` shades the values the verdict counts as the claim's (its 10% slack), so an
    interval that crosses the dashed line but stays in the band reads as it is judged. The
    figure widens with the longest label, so labels never squeeze the bars or the title.
    """
    longest = max((len(label) for label in labels), default=0)
    width = 6.0 + 0.065 * longest
    figure, axis = plt.subplots(figsize=(width, 0.55 * len(labels) + 1.8))
    positions = np.arange(len(labels))
    means = [t[0] for t in triples]
    errors = _errors(triples)
    axis.barh(positions, means, xerr=errors, color="steelblue", capsize=3)
    for position, mean, above in zip(positions, means, errors[1], strict=True):
        if np.isfinite(mean):  # the value beside each bar: a bar of 0 is not a missing one
            place = (mean + above, position)
            axis.annotate(
                f"{mean:.3g}",
                place,
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    if band is not None:
        axis.axvspan(*band, color="crimson", alpha=0.1, lw=0, label="the verdict's 10% slack")
        axis.legend(  # below the axes: bars reach into every corner
            loc="upper right", bbox_to_anchor=(1.0, -0.24), fontsize=8, frameon=False
        )
    if claims is not None:
        tick = "claimed (a verdict allows 10% less)"
        axis.scatter(claims, positions, marker="|", s=900, color="crimson", label=tick)
        axis.legend(loc="lower right", fontsize=8, markerscale=0.4)
    axis.margins(x=0.12)  # room for the values beside the longest bars
    axis.set_yticks(positions, labels)
    axis.invert_yaxis()
    axis.set(xlabel=ylabel + CI)
    _title(axis, title, int(CHARACTERS_PER_INCH * (width - 0.065 * longest)))
    _reference(axis, reference, reference_label, horizontal=False)
    return save_figure(figure, path)


def _point_to_open_ends(axis: plt.Axes, x: Sequence[float], triples: Sequence[Triple], colour):
    """A dotted arrow from each mean to the axes' edge on each side its CI has no end.

    An incremental CAC whose Δ customers may be 0 or below is ``[-inf, inf]``: with no bar on
    an open side (:func:`_errors`) its point alone looked precise (a review, 4 Dec 2026).
    """
    for place, (mean, low, high) in zip(x, triples, strict=True):
        for bound, edge in ((low, 0.0), (high, 1.0)):
            if np.isfinite(mean) and np.isinf(bound):  # NaN: no CI at all (one replicate)
                axis.annotate(
                    "",
                    xy=(place, edge),
                    xycoords=("data", "axes fraction"),
                    xytext=(place, mean),
                    textcoords="data",
                    arrowprops={"arrowstyle": "->", "linestyle": ":", "color": colour},
                )


@dataclass(frozen=True)
class Panel:
    """One panel of :func:`line_panels`: its series, y label and claimed value."""

    series: dict[str, Sequence[Triple]]
    ylabel: str
    reference: float | None = None
    reference_label: str | None = None
    log: bool = False


def line_panels(path: Path, title: str, x: Sequence[float], panels: Sequence[Panel], xlabel: str):
    """Panels side by side over the same ``x``: one line per series with 95% CI error bars."""
    figure, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels) + 1.0, 4.2))
    for axis, panel in zip(np.atleast_1d(axes), panels, strict=True):
        for label, triples in panel.series.items():
            means = [t[0] for t in triples]
            drawn = axis.errorbar(x, means, yerr=_errors(triples), marker="o", capsize=3)
            drawn.set_label(label)
            _point_to_open_ends(axis, x, triples, drawn.lines[0].get_color())
        axis.set(xlabel=xlabel, ylabel=panel.ylabel, yscale="log" if panel.log else "linear")
        if len(panel.series) > 1:
            axis.legend(loc="best", fontsize=8)
        _reference(axis, panel.reference, panel.reference_label)
    width = figure.get_figwidth()
    figure.suptitle(textwrap.fill(title + CI, int(CHARACTERS_PER_INCH * width)))
    return save_figure(figure, path)


def lines(
    path: Path,
    title: str,
    x: Sequence[float],
    series: dict[str, Sequence[Triple]],
    xlabel: str,
    ylabel: str,
    reference: float | None = None,
    reference_label: str | None = None,
) -> Path:
    """One line per series with 95% CI error bars, and an optional claimed value."""
    panel = Panel(series, ylabel, reference, reference_label)
    return line_panels(path, title, x, [panel], xlabel)


def curves(
    path: Path,
    title: str,
    days: dict[str, pd.DataFrame],
    column: str,
    ylabel: str,
    mark_day: int | None = None,
):
    """Mean daily curve of ``column`` per setting with a 95% band over replicates.

    The band is :func:`sim.summary.grouped_mean_interval`'s (as the report's series): clipped to
    the column's values, and absent on a day with one replicate (not a band of zero width).
    """
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for label, frame in days.items():
        by_day = grouped_mean_interval(frame, "day", column, support=support_of(column))
        by_day = by_day.sort_index()
        axis.plot(by_day.index, by_day["mean"], label=label)
        axis.fill_between(by_day.index, by_day["low"], by_day["high"], alpha=0.2)
    if mark_day is not None:
        _reference(axis, mark_day, f"day {mark_day}", horizontal=False)
    axis.set(xlabel="day", ylabel=ylabel)
    _title(axis, title + CI, int(CHARACTERS_PER_INCH * figure.get_figwidth()))
    axis.legend(loc="best", fontsize=8)
    return save_figure(figure, path)

"""Small matplotlib charts for the claims report: bars and lines with 95% CIs, daily curves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import save_figure

Triple = tuple[float, float, float]


def _errors(triples: Sequence[Triple]) -> np.ndarray:
    means = np.array([t[0] for t in triples], dtype=float)
    lows = np.array([t[1] for t in triples], dtype=float)
    highs = np.array([t[2] for t in triples], dtype=float)
    below = np.nan_to_num(means - lows, nan=0.0)
    above = np.nan_to_num(np.where(np.isfinite(highs), highs - means, 0.0), nan=0.0)
    return np.vstack([below, above])


def _reference(axis: plt.Axes, value: float | None, label: str | None, horizontal: bool = True):
    if value is None:
        return
    line = axis.axhline if horizontal else axis.axvline
    line(value, color="crimson", ls="--", lw=1.2, label=label)
    axis.legend(loc="best", fontsize=8)


def bars(
    path: Path,
    title: str,
    labels: Sequence[str],
    triples: Sequence[Triple],
    ylabel: str,
    reference: float | None = None,
    reference_label: str | None = None,
) -> Path:
    """Horizontal bars with 95% CIs and an optional claimed value (dashed line)."""
    figure, axis = plt.subplots(figsize=(7.5, 0.55 * len(labels) + 1.6))
    positions = np.arange(len(labels))
    means = [t[0] for t in triples]
    axis.barh(positions, means, xerr=_errors(triples), color="steelblue", capsize=3)
    axis.set_yticks(positions, labels)
    axis.invert_yaxis()
    axis.set(title=title, xlabel=ylabel)
    _reference(axis, reference, reference_label, horizontal=False)
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
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for label, triples in series.items():
        means = [t[0] for t in triples]
        axis.errorbar(x, means, yerr=_errors(triples), marker="o", capsize=3, label=label)
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axis.legend(loc="best", fontsize=8)
    _reference(axis, reference, reference_label)
    return save_figure(figure, path)


def curves(path: Path, title: str, days: dict[str, pd.DataFrame], column: str, ylabel: str):
    """Mean daily curve of ``column`` per setting with a 95% band over replicates."""
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for label, frame in days.items():
        by_day = frame.groupby("day")[column]
        mean, sem = by_day.mean(), by_day.sem().fillna(0.0)
        axis.plot(mean.index, mean, label=label)
        axis.fill_between(mean.index, mean - 1.96 * sem, mean + 1.96 * sem, alpha=0.2)
    axis.set(title=title, xlabel="day", ylabel=ylabel)
    axis.legend(loc="best", fontsize=8)
    return save_figure(figure, path)

"""Summaries of replicate metrics: mean and a 95% confidence interval per metric."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

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


def summarise(metrics: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of each metric over replicates.

    Args:
        metrics: one row per replicate (a ``replicate`` column is ignored).
        confidence: interval coverage.

    Returns:
        One row per metric: ``mean``, ``ci_low``, ``ci_high``, ``replicates`` (non-NaN values).

    """
    rows = {}
    for name in metrics.columns.drop("replicate", errors="ignore"):
        values = metrics[name].dropna().to_numpy(dtype=float)
        rows[name] = _interval(values, confidence)
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["mean", "ci_low", "ci_high", "replicates"]
    )


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float, float, int]:
    count = len(values)
    if count == 0:
        return (np.nan, np.nan, np.nan, 0)
    mean = float(values.mean())
    if count == 1:
        return (mean, np.nan, np.nan, 1)
    half = stats.t.ppf(0.5 + confidence / 2, count - 1) * values.std(ddof=1) / np.sqrt(count)
    return (mean, mean - half, mean + half, count)


def format_summary(metrics: pd.DataFrame, names: tuple[str, ...] = HEADLINE) -> str:
    """A fixed-width table of the headline metrics, with 95% CIs when there are replicates."""
    table = summarise(metrics).loc[[n for n in names if n in metrics.columns]]
    lines = [f"{'metric':<22}{'mean':>14}{'95% CI':>28}"]
    for name, row in table.iterrows():
        interval = "" if np.isnan(row.ci_low) else f"[{row.ci_low:,.4g}, {row.ci_high:,.4g}]"
        lines.append(f"{name:<22}{row['mean']:>14,.4g}{interval:>28}")
    return "\n".join(lines)

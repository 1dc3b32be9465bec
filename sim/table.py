"""The comparison table's columns, and how a cell and a setting's label read.

A cell is a mean with its 95% CI in the column's format, given just enough decimals for its
values to differ (:func:`enough_decimals`); a setting's label joins its parameters' values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.compare import (
    UNSET,
    unpaired,
    wide,
)
from sim.console import plain

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


def format_table(comparison: pd.DataFrame, columns: Sequence[tuple] = TABLE) -> str:
    """A Markdown table: one row per scheme, each cell a mean and its 95% CI.

    Args:
        comparison: a :func:`sim.compare.compare` table.
        columns: ``(metric, header, format)`` of each column after the settings' own.

    """
    table = wide(comparison)
    keys = [c for c in table.columns if c in comparison.columns and c != "metric"]
    columns = [column for column in columns if column[0] in table.columns]  # older results
    alone = comparison.loc[unpaired(comparison), keys].assign(_alone=True)
    table = table.merge(alone, on=keys, how="left")  # NaN keys match NaN, as in wide
    table["_alone"] = table["_alone"].astype("boolean").fillna(False)
    header = [*keys, *(label for _, label, _ in columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, row in table.iterrows():
        cells = [label_from([row[k]]) for k in keys]
        for metric, _, fmt in columns:
            paired = metric in PAIRED_CELLS
            cells.append(
                NO_BASELINE if paired and row["_alone"] is True else cell_text(row, metric, fmt)
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


PAIRED_CELLS = ("delta_customers", "incremental_cac", "delta_gross_profit")
NO_BASELINE = "no baseline"
"""A paired cell of a setting with no baseline replicate to pair with (not "–": no gain)."""
UNPAIRED_TABLE = tuple(column for column in TABLE if column[0] not in PAIRED_CELLS)
"""The columns of a report of one configuration: no baseline, so no paired ones."""


def cell_text(row: pd.Series, metric: str, fmt: str) -> str:
    """A cell of ``metric``: its mean in ``fmt``, then its CI if it has one; ``–`` if undefined."""
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
    labels = np.array([label_from(columns.iloc[row].tolist()) for row in first], dtype=object)
    return pd.Series(labels[setting], index=frame.index, dtype=str)


def label_from(values: list[object]) -> str:
    """The label of a setting given its parameters' values (missing ones left out)."""
    shown = [plain(value) for value in values if not pd.isna(value)]
    return ", ".join(shown) if shown else DEFAULT_LABEL


def same_spend_as_baseline(table: pd.DataFrame, tolerance: float = 0.01) -> np.ndarray:
    """Whether each setting spent exactly what the baseline spent yet won other customers.

    The whole paired interval of the extra acquisition spend is within ``tolerance`` of 0 and
    that of the extra customers is not the single point 0 (the baseline itself).
    """
    if "delta_spend_acquisition" not in table:
        return np.zeros(len(table), dtype=bool)
    return (_same_spend(table, tolerance) & ~_same_customers(table)).to_numpy()


def same_as_baseline(
    table: pd.DataFrame, by: str, baseline: object, tolerance: float = 0.01
) -> np.ndarray:
    """Whether each setting other than the baseline spent and won exactly what it did.

    In every replicate: the same acquisition spend (within ``tolerance``) and the same
    customers. Every exposure both runs share is decided by the same draws (:mod:`sim.rng`),
    so a setting that changes only what comes after the first order (a retention scheme, on a
    market where repeat buyers seldom share) wins the baseline's very customers.
    """
    if "delta_spend_acquisition" not in table:
        return np.zeros(len(table), dtype=bool)
    other = table[by].map(plain) != plain(baseline)
    return (other & _same_spend(table, tolerance) & _same_customers(table)).to_numpy()


def _same_spend(table: pd.DataFrame, tolerance: float) -> pd.Series:
    """Within ``tolerance`` of 0 in every part measured; never a setting with no pair (NaN).

    A setting with no baseline replicate to pair with read as spending and winning exactly
    what the baseline did (a review, 4 Dec 2026: its empty Δ cells filled with 0).
    """
    spend = [f"delta_spend_acquisition{s}" for s in ("", "_low", "_high")]
    paired = table[spend[0]].notna()  # one replicate: no interval, the mean still says
    return paired & (table[spend].abs().fillna(0) <= tolerance).all(axis=1)


def _same_customers(table: pd.DataFrame) -> pd.Series:
    customers = [f"delta_customers{s}" for s in ("", "_low", "_high")]
    return (table[customers].fillna(0) == 0).all(axis=1)


def baseline_named(baseline: object, by: str) -> str:
    """The baseline as the report names it: ``none`` (of ``referral``), else ``by=value``.

    ``referral.referrer_reward=0``: a bare ``0`` said neither what is 0 nor that it is a setting.
    """
    return plain(baseline) if by == "referral" else f"{by}={plain(baseline)}"

"""Figures and the Markdown report of the validation suite (``experiments/validation.py``).

Writes into one folder, each file atomically (``sim.storage``): ``validation.md``, one PNG per
check and one Parquet table per check (the numbers in the report).
"""

from __future__ import annotations

import datetime
import math
import platform
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from scipy import stats

from experiments.validation import (
    BASS_PAIRS,
    CHECKS,
    CLUSTERED,
    LARGER_TREE,
    ORDER_NETWORKS,
    ORDER_PAIRS,
    REWIRED,
    SINGLE_SHARE_FLOOR,
    VIRALITY_BAND,
    CheckResult,
    K,
    Scale,
    mean_and_half_width,
)
from sim import theory
from sim.charts import save_figure
from sim.storage import write_parquet_atomic, write_text_atomic

SETTLED_SHARE = 0.995
"""``ordering.png`` ends where every network's mean curve has reached this share of its last
value (plus :data:`SETTLED_MARGIN` days): past it the curves are flat at 1."""
SETTLED_MARGIN = 5


def settling_day(curve: np.ndarray) -> int:
    """First day ``curve`` reaches :data:`SETTLED_SHARE` of its last value."""
    return int(np.argmax(curve >= SETTLED_SHARE * curve[-1]))


def wilson_errors(successes: Sequence[int], trials: Sequence[int]) -> np.ndarray:
    """Error-bar lengths (below, above) of the 95% Wilson interval of each share.

    Unlike a normal interval it has width at shares of 0 and 1 and stays within [0, 1].
    """
    errors = np.zeros((2, len(successes)))
    for i, (k, n) in enumerate(zip(successes, trials, strict=True)):
        low, high = stats.binomtest(int(k), int(n)).proportion_ci(method="wilson")
        errors[:, i] = k / n - low, high - k / n
    return errors


def plot_percolation(result: CheckResult, path: Path) -> Path:
    """Outbreak size and take-off share against p, with S(p); small-outbreak sizes."""
    table, finals = result.table, result.data["finals"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    grid = np.linspace(0, max(table["p"]) * 1.05, 400)
    left.plot(grid, [theory.percolation_size(K, p) for p in grid], "k-", label="theory S(p)")
    supercritical = table[table["S"] > 0]
    left.plot(
        supercritical["p"],
        supercritical["large outbreak size"],
        "o",
        color="tab:blue",
        label="final share of large outbreaks",
    )
    takeoffs = [
        int((finals[p] > table.loc[i, "S"] / 2).sum()) if table.loc[i, "S"] > 0 else 0
        for i, p in enumerate(table["p"])
    ]
    share = np.array(takeoffs) / table["runs"].to_numpy()
    left.errorbar(
        table["p"],
        share,
        yerr=wilson_errors(takeoffs, table["runs"]),
        fmt="s",
        color="tab:orange",
        mfc="none",
        capsize=3,
        label="share of runs with a large outbreak (95% CI)",
    )
    left.axvline(1 / K, color="grey", ls=":", label=f"p_c = 1/k = {1 / K:g}")
    left.set(
        xlabel="transmissibility p (conversion.peer)",
        ylabel="share of consumers / runs",
        title=f"Erdős–Rényi, k = {K}, n = {result.data['n']:,}",
    )
    left.legend(fontsize=8, loc="lower right")
    _plot_small_outbreaks(right, table)
    return save_figure(figure, path)


def _plot_small_outbreaks(axes: plt.Axes, table: pd.DataFrame) -> None:
    grid = np.linspace(0.005, max(table["p"]) * 1.05, 400)
    axes.plot(
        grid,
        [theory.small_outbreak_size(K, p) for p in grid],
        "k-",
        label="theory 1 / (1 - k p (1 - S))",
    )
    if "small outbreak mean" in table:
        shown = table.dropna(subset=["small outbreak mean"])
        axes.errorbar(
            shown["p"],
            shown["small outbreak mean"],
            yerr=shown["small outbreak tolerance"],
            fmt="o",
            capsize=3,
            label="mean size of small outbreaks (± tolerance)",
        )
    axes.axvline(1 / K, color="grey", ls=":")
    axes.set(
        xlabel="transmissibility p",
        ylabel="consumers",
        yscale="log",
        title="Outbreaks that stay small",
        ylim=(0.8, 200),
    )
    axes.legend(fontsize=8)


def plot_bass(result: CheckResult, path: Path) -> Path:
    """Mean adoption against the Bass forms (top) and the gap to the checked form (bottom)."""
    curves, limits, n = result.data["curves"], result.data["limits"], result.data["n"]
    figure, axes = plt.subplots(
        2,
        len(BASS_PAIRS),
        figsize=(4.2 * len(BASS_PAIRS), 6.4),
        sharex=True,
        gridspec_kw={"height_ratios": [2, 1]},
    )
    tolerance = result.table["tolerance"].iloc[0]
    for column, (p, q) in enumerate(BASS_PAIRS):
        top, bottom = axes[0, column], axes[1, column]
        mean, half = mean_and_half_width(curves[(p, q)])
        days = np.arange(len(mean))
        stepped = theory.bass_day_stepped(limits[(p, q)].p, limits[(p, q)].q, len(mean) - 1, n)
        top.fill_between(days, mean - half, mean + half, color="tab:blue", alpha=0.3)
        top.plot(days, mean, color="tab:blue", lw=2, label="simulation (mean, 95% CI)")
        top.plot(days, stepped, "k--", lw=1.2, label="day-stepped Bass (checked)")
        top.plot(
            days,
            theory.bass_discrete(p, q, len(mean) - 1),
            ":",
            color="tab:red",
            label="textbook discrete Bass",
        )
        top.plot(
            days,
            theory.bass_continuous(p, q, days),
            "-.",
            color="tab:green",
            label="continuous Bass",
        )
        top.set(title=f"p = {p:g}, q = {q:g}", ylabel="adopter share F(t)")
        bottom.fill_between(
            days,
            mean - stepped - half,
            mean - stepped + half,
            color="tab:blue",
            alpha=0.3,
        )
        bottom.plot(days, mean - stepped, color="tab:blue")
        for bound in (-tolerance, tolerance):
            bottom.axhline(bound, color="tab:red", ls="--", lw=1)
        bottom.set(xlabel="day", ylabel="simulation − day-stepped")
    axes[0, 0].legend(fontsize=8, loc="lower right")
    return save_figure(figure, path)


def plot_ordering(result: CheckResult, path: Path) -> Path:
    """Mean adoption curves of the three networks, one panel per (p, q)."""
    curves = result.data["curves"]
    figure, axes = plt.subplots(1, len(ORDER_PAIRS), figsize=(5.5 * len(ORDER_PAIRS), 4.2))
    for ax, pq in zip(np.atleast_1d(axes), ORDER_PAIRS, strict=True):
        settled = 0
        for network in ORDER_NETWORKS:
            mean, half = mean_and_half_width(curves[(pq, network)])
            days = np.arange(len(mean))
            ax.fill_between(days, mean - half, mean + half, alpha=0.3)
            ax.plot(days, mean, label=network.replace("_", " "))
            settled = max(settled, settling_day(mean))
        ax.set_xlim(0, min(len(days) - 1, settled + SETTLED_MARGIN))
        ax.set(
            title=f"p = {pq[0]:g}, q = {pq[1]:g}, k = {K}",
            xlabel="day",
            ylabel="adopter share (mean, 95% CI)",
        )
        ax.legend(fontsize=8, loc="lower right")
    return save_figure(figure, path)


def plot_complex_contagion(result: CheckResult, path: Path) -> Path:
    """Mean reach against rewiring for each population."""
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for label, by_rewire in result.data["reach"].items():
        rewires = np.array(sorted(by_rewire))
        intervals = [mean_and_half_width(by_rewire[r]) for r in rewires]
        means, halves = (np.array(column) for column in zip(*intervals, strict=True))
        style = "--" if "simple" in label else "-"
        ax.errorbar(rewires, means, yerr=halves, fmt="o" + style, capsize=3, label=label)
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set(
        xlabel="rewiring probability (0 = ring lattice, 1 = random; linear below 0.01, log above)",
        ylabel="reach: adoption rate after 90 days (mean, 95% CI)",
        title=f"Small worlds of degree {K}: clustered {CLUSTERED} vs rewired {REWIRED:g}",
    )
    ax.legend(fontsize=8)
    return save_figure(figure, path)


def plot_cascade_shape(result: CheckResult, path: Path) -> Path:
    """Tree sizes, virality of the larger trees, and both against transmissibility."""
    sample, sweep = result.data["sample"], result.data["sweep"]
    figure, axes = plt.subplots(1, 3 if sweep else 2, figsize=(15 if sweep else 10, 4.2))
    sizes = np.sort(sample["sizes"])
    # P(size >= s) of the i-th smallest is 1 - i/n; "pre" holds it back to the one before
    axes[0].step(sizes, 1 - np.arange(len(sizes)) / len(sizes), where="pre")
    axes[0].set(
        xscale="log",
        yscale="log",
        xlabel="referral-tree size (adopters)",
        ylabel="share of trees at least this large",
        title="Tree sizes (CCDF)",
    )
    axes[0].xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axes[0].xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:g}"))
    axes[0].xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    low, high = VIRALITY_BAND
    larger = sample["larger"]
    axes[1].hist(larger[:, 1], bins=20, color="tab:blue", alpha=0.8)
    axes[1].axvspan(low, high, color="tab:green", alpha=0.15, label=f"[{low:g}, {high:g}]")
    axes[1].set(
        xlabel="structural virality",
        ylabel="trees",
        title=f"Trees with ≥ {LARGER_TREE} adopters ({len(larger)})",
    )
    axes[1].legend(fontsize=8)
    if sweep:
        _plot_shape_sweep(axes[2], sweep)
    return save_figure(figure, path)


def _plot_shape_sweep(axes: plt.Axes, sweep: dict) -> None:
    conversions = sorted(sweep)
    single = [sweep[c]["metrics"]["single_adopter_share"].mean() for c in conversions]
    virality = [
        sweep[c]["larger"][:, 1].mean() if len(sweep[c]["larger"]) else math.nan
        for c in conversions
    ]
    axes.plot(conversions, single, "o-", color="tab:blue", label="single_adopter_share")
    floor = f"floor {SINGLE_SHARE_FLOOR:g} (checked on the default market only)"
    axes.axhline(SINGLE_SHARE_FLOOR, color="tab:blue", ls=":", label=floor)
    axes.set(
        xlabel="conversion.peer (share.fanout = 1)",
        ylabel="single_adopter_share",
        title="Against transmissibility",
    )
    twin = axes.twinx()
    twin.plot(
        conversions, virality, "s--", color="tab:red", label=f"virality of trees ≥ {LARGER_TREE}"
    )
    for bound in VIRALITY_BAND:
        twin.axhline(bound, color="tab:red", ls=":", lw=1)
    low, high = VIRALITY_BAND
    twin.lines[-1].set_label(f"band [{low:g}, {high:g}] (checked on the default market only)")
    twin.set_ylim(VIRALITY_BAND[0] - 1, VIRALITY_BAND[1] + 1)
    twin.set_ylabel("structural virality (dotted: the checked band)", color="tab:red")
    lines = axes.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    axes.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="upper right")


PLOTS: dict[str, Callable[[CheckResult, Path], Path]] = {
    "percolation": plot_percolation,
    "bass": plot_bass,
    "ordering": plot_ordering,
    "complex_contagion": plot_complex_contagion,
    "cascade_shape": plot_cascade_shape,
}


def markdown_table(table: pd.DataFrame) -> str:
    """A Markdown table with numbers to four significant digits and PASS/FAIL cells."""
    header = [str(column) for column in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(_cell(column, row[column]) for column in table) + " |")
    return "\n".join(lines)


def _cell(column: str, value: object) -> str:
    if column == "pass":
        return "context" if value is None or pd.isna(value) else ("PASS" if value else "**FAIL**")
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return "–" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def check_section(result: CheckResult, figure: Path) -> str:
    """The report section of one check."""
    verdict = "PASS" if result.passed else "FAIL"
    lines = [
        f"## {result.title}: {verdict}",
        "",
        f"**What.** {result.claim}",
        "",
        f"**Theory.** {result.theory}",
        "",
        f"**Tolerance.** {result.tolerance}",
        "",
        "**Setup.** " + " ".join(f"`{item}`" for item in result.setup),
        "",
        f"**Measured** ({result.seconds:.0f} s):",
        "",
        markdown_table(result.table),
        "",
    ]
    if result.notes:
        lines += [result.notes, ""]
    lines += [f"![{result.key}]({figure.name})", ""]
    return "\n".join(lines)


def summary_table(results: list[CheckResult]) -> str:
    """One line per check: verdict and time."""
    lines = ["| check | result | seconds |", "|---|---|---|"]
    for result in results:
        verdict = "PASS" if result.passed else "**FAIL**"
        lines.append(f"| [{result.title}](#{_anchor(result)}) | {verdict} | {result.seconds:.0f} |")
    return "\n".join(lines)


def _anchor(result: CheckResult) -> str:
    heading = f"{result.title}: {'PASS' if result.passed else 'FAIL'}".lower()
    kept = "".join(c for c in heading if c.isalnum() or c in " -")
    return kept.replace(" ", "-")


def render(results: list[CheckResult], scale: Scale, seconds: float, figures: list[Path]) -> str:
    """The whole report as Markdown."""
    command = "python -m experiments.validation" + (" --quick" if scale.name == "quick" else "")
    keys = [r.key for r in results]
    if set(keys) != set(CHECKS):  # a run of some checks (--only) names them
        command += " --only " + " ".join(keys)
    passed = sum(r.passed for r in results)
    header = [
        "# Validation report",
        "",
        f"`{command}` ({scale.name} scale), {datetime.date.today().isoformat()}, "
        f"Python {platform.python_version()}; {seconds:.0f} s in all. "
        f"**{passed} of {len(results)} checks pass.** Every number below is measured in this "
        "run (master seed 0, replicates 0, 1, ...); each check states its tolerance. Theory "
        "lives in `sim/theory.py`; the tests run the same checks at the quick scale "
        "(`tests/test_validation.py`).",
        "",
        summary_table(results),
        "",
    ]
    sections = [check_section(r, f) for r, f in zip(results, figures, strict=True)]
    return "\n".join(header + sections)


def write_report(results: list[CheckResult], scale: Scale, out: Path, seconds: float) -> Path:
    """Write figures, tables and ``validation.md`` into ``out``; return the report's path."""
    out = Path(out)
    figures = [PLOTS[r.key](r, out / f"{r.key}.png") for r in results]
    for result in results:
        table = result.table.assign(**{"pass": result.table["pass"].astype("boolean")})
        write_parquet_atomic(table, out / f"{result.key}.parquet")
    return write_text_atomic(render(results, scale, seconds, figures), out / "validation.md")

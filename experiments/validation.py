"""The validation suite: limits and stylised facts the model must reproduce, with tolerances.

    python -m experiments.validation                       # full sizes: about 3 minutes on 2 cores
    python -m experiments.validation --quick               # the sizes the tests use
    python -m experiments.validation --out reports/validation

Five checks (DESIGN.md §1.6; theory in :mod:`sim.theory`):

- ``percolation``: the independent-cascade limit on Erdős–Rényi graphs against bond
  percolation, ``S = 1 - exp(-k p S)``, for p on both sides of ``p_c = 1/k``.
- ``bass``: random mixing (``network=complete``), ads at a constant impression rate and ongoing
  word of mouth only, against the day-stepped Bass curve with the implied p and q, for
  (p, q) = (0.03, 0.38) (Sultan, Farley & Lehmann 1990) and two other pairs.
- ``ordering``: the same Bass market orders adoption complete >= small world >= lattice on
  every day (Fibich & Gibori 2010).
- ``complex_contagion``: with thresholds of 2 or more, clustered networks spread further than
  fully rewired ones of the same degree (Centola & Macy 2007).
- ``cascade_shape``: at low transmissibility most referral trees are single adopters and the
  larger trees have structural virality between 2 and 5 (Goel et al. 2012, 2016).

Each check returns a :class:`CheckResult` (numbers, tolerance, pass or fail, data to plot);
``experiments.validation_report`` writes ``validation.md``, one PNG and one Parquet table per
check into ``--out``, atomically. ``--only`` runs some checks and writes their report,
figures and tables to ``<out>/partial/``, leaving the whole suite's files as they were.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import matplotlib
import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

import sim
from experiments.arguments import output_folder, run_script
from experiments.progress import Lines, progress_bar
from sim import theory
from sim.metrics import cascade_forest, sizes_by_root, structural_virality

K = 10  # mean degree of every network here
MIN_SMALL_OUTBREAKS = 30  # fewer give no usable standard error
Z = 3.0  # statistical tolerances are this many standard errors
BASS_PAIRS = ((0.03, 0.38), (0.01, 0.5), (0.1, 0.1))
ORDER_PAIRS = ((0.03, 0.38), (0.003, 0.38))
ORDER_NETWORKS = ("complete", "small_world", "lattice")
POPULATIONS = {
    "threshold 2": ("population.threshold.1=0", "+population.threshold.2=1"),
    "thresholds 2 and 3": (
        "population.threshold.1=0",
        "+population.threshold.2=0.5",
        "+population.threshold.3=0.5",
    ),
    "threshold 1 (simple, reference)": (),
}
CLUSTERED = (0.0, 0.01)  # lattice and a small world with little rewiring
REWIRED = 1.0  # every edge rewired: a random graph with the same degree
CONTAGION_MARKET = (
    "seeding=organic",
    "referral=none",
    "share.after_purchase=1",
    "share.fanout=1",
    "share.daily=0.5",
    "conversion.peer=0.5",
    "repurchase.enabled=false",
    "population.susceptibility_sd=0",
    "network=small_world",
    f"network.k={K}",
)
SEED_SHARE = 0.005  # complex contagion: initial customers as a share of consumers
LOW_TRANSMISSIBILITY = ("share.fanout=1", "conversion.peer=0.1")
LARGER_TREE = 10  # adopters: the trees whose structural virality is checked
SINGLE_SHARE_FLOOR = 0.7
VIRALITY_BAND = (2.0, 5.0)


@dataclass(frozen=True)
class Scale:
    """How big each check runs (the quick scale is what the tests use)."""

    name: str
    percolation_n: int
    percolation_runs: int
    percolation_p: tuple[float, ...]
    bass_n: int
    bass_runs: int
    bass_tolerance: float
    order_n: int
    order_runs: int
    contagion_n: int
    contagion_runs: int
    rewirings: tuple[float, ...]
    shape_n: int
    shape_runs: int
    shape_sweep: tuple[float, ...] = ()


FULL = Scale(
    "full",
    percolation_n=20_000,
    percolation_runs=300,
    percolation_p=(0.04, 0.06, 0.08, 0.09, 0.11, 0.12, 0.15, 0.2, 0.3, 0.5),
    bass_n=20_000,
    bass_runs=100,
    bass_tolerance=0.005,
    order_n=10_000,
    order_runs=60,
    contagion_n=10_000,
    contagion_runs=40,
    rewirings=(0.0, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0),
    shape_n=20_000,
    shape_runs=40,
    shape_sweep=(0.02, 0.05, 0.1, 0.15, 0.2, 0.3),
)
QUICK = Scale(
    "quick",
    percolation_n=10_000,
    percolation_runs=60,
    percolation_p=(0.05, 0.15, 0.3),
    bass_n=5_000,
    bass_runs=20,
    bass_tolerance=0.01,
    order_n=4_000,
    order_runs=30,
    contagion_n=10_000,
    contagion_runs=16,
    rewirings=(0.0, 0.01, 1.0),
    shape_n=10_000,
    shape_runs=10,
)


@dataclass
class CheckResult:
    """What one check measured against what theory allows.

    Attributes:
        key: short name (file names).
        title: heading.
        claim: what must hold, and its source.
        theory: the theoretical values compared against.
        tolerance: the tolerance, in words.
        setup: the configuration overrides used.
        table: the measured numbers, one row per case, with a ``pass`` column.
        data: arrays for the figure.
        notes: remarks on reading the numbers.
        seconds: wall-clock time of the check.

    """

    key: str
    title: str
    claim: str
    theory: str
    tolerance: str
    setup: list[str]
    table: pd.DataFrame
    data: dict = field(default_factory=dict)
    notes: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether every checked row is within its tolerance."""
        checked = self.table["pass"].dropna()
        return bool(len(checked)) and bool(checked.astype(bool).all())


def run_models(
    overrides: Sequence[str], runs: int, bar: tqdm | Lines | None = None
) -> Iterator[sim.ReferralModel]:
    """Run replicates ``0..runs-1`` of a configuration, one finished model at a time."""
    config = sim.compose(list(overrides))
    for replicate in range(runs):
        model = sim.ReferralModel(config, replicate).run()
        if bar is not None:
            bar.update(1)
        yield model


def _bar(total: int, desc: str, progress: bool) -> tqdm | Lines:
    return progress_bar(total, desc, "run", progress, leave=False)


def mean_and_se(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error along ``axis`` (standard error 0 for a single value)."""
    values = np.asarray(values, dtype=float)
    count = values.shape[axis]
    spread = values.std(axis=axis, ddof=1) if count > 1 else np.zeros_like(values.mean(axis))
    return values.mean(axis=axis), spread / math.sqrt(count)


def mean_and_half_width(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the half-width of its 95% t interval along ``axis`` (0 for a single value)."""
    mean, se = mean_and_se(values, axis)
    count = np.asarray(values).shape[axis]
    return mean, se * (stats.t.ppf(0.975, count - 1) if count > 1 else 1.0)


# ----- percolation ------------------------------------------------------------------------------
def percolation(scale: Scale, progress: bool = False) -> CheckResult:
    """Independent cascades from one seed on Erdős–Rényi graphs against bond percolation."""
    n, runs = scale.percolation_n, scale.percolation_runs
    market = [
        *theory.INDEPENDENT_CASCADE,
        "network=random",
        f"network.n={n}",
        f"network.k={K}",
        "seeding.initial_customers=1",
        "days=400",
    ]
    rows, finals = [], {}
    with _bar(runs * len(scale.percolation_p), "percolation", progress) as bar:
        for p in scale.percolation_p:
            models = run_models([*market, f"conversion.peer={p}"], runs, bar)
            finals[p] = np.array([(m.metrics()["customers"] + 1) / n for m in models])
            rows.append(percolation_row(p, finals[p], n))
    return CheckResult(
        "percolation",
        "Percolation: the independent-cascade limit on Erdős–Rényi graphs",
        "In the independent-cascade limit every friendship is tried once with probability "
        f"p = conversion.peer. On Erdős–Rényi graphs (mean degree k = {K}) this is bond "
        f"percolation: no large outbreak below p_c = 1/k = {1 / K:g}; above it a single seed "
        "starts a large outbreak with probability S and the outbreak reaches a share S, where "
        "S = 1 - exp(-k p S); outbreaks that stay small have mean size 1 / (1 - k p (1 - S)).",
        "S(p) from `sim.theory.percolation_size`; small-outbreak mean size from "
        "`sim.theory.small_outbreak_size` (Newman 2002).",
        f"Final share of a large outbreak (final share > S/2) within 0.01 of S; share of runs "
        f"with a large outbreak within {Z:g} binomial standard errors of S; mean small-outbreak "
        f"size within {Z:g} standard errors of theory (where at least {MIN_SMALL_OUTBREAKS} "
        f"runs stayed small). {runs} runs (one random seed each) per "
        f"p, n = {n:,}.",
        [*market, "conversion.peer=<p>"],
        pd.DataFrame(rows),
        data={"finals": finals, "n": n},
    )


def percolation_row(p: float, finals: np.ndarray, n: int) -> dict:
    """Measured against theory for one transmissibility ``p``."""
    s = theory.percolation_size(K, p)
    large = finals > s / 2 if s > 0 else np.zeros(len(finals), dtype=bool)
    row = {"p": p, "k p": K * p, "S": s, "runs": len(finals), "small outbreaks": (~large).sum()}
    checks = []
    if row["small outbreaks"] >= MIN_SMALL_OUTBREAKS:
        small_mean, small_se = mean_and_se(finals[~large] * n)
        row["small outbreak mean"] = small_mean
        row["small outbreak theory"] = theory.small_outbreak_size(K, p)
        row["small outbreak tolerance"] = Z * small_se
        checks.append(abs(small_mean - row["small outbreak theory"]) <= Z * small_se)
    if s > 0:
        takeoff_se = math.sqrt(s * (1 - s) / len(finals))
        row["takeoff share"], row["takeoff tolerance"] = large.mean(), Z * takeoff_se
        row["large outbreak size"] = finals[large].mean() if large.any() else math.nan
        checks += [
            abs(large.mean() - s) <= Z * takeoff_se,
            abs(row["large outbreak size"] - s) <= 0.01,
        ]
    row["pass"] = all(checks) if checks else None  # nothing checked: shown as context
    return row


# ----- Bass ---------------------------------------------------------------------------------------
def adoption_curves(overrides: Sequence[str], runs: int, bar: tqdm | Lines | None) -> np.ndarray:
    """Adopter share by day (rows: replicates; columns: days 0..days)."""
    models = run_models(overrides, runs, bar)
    return np.array([m.timeseries()["customers"].to_numpy() / m.n for m in models])


def bass(scale: Scale, progress: bool = False, days: int = 40) -> CheckResult:
    """Mean adoption on random mixing against the day-stepped Bass curve."""
    n, runs = scale.bass_n, scale.bass_runs
    rows, curves = [], {}
    with _bar(runs * len(BASS_PAIRS), "bass", progress) as bar:
        for p, q in BASS_PAIRS:
            limit = theory.bass_limit(p, q, n)
            market = [*limit.overrides, "network=complete", f"network.n={n}", f"days={days}"]
            curves[(p, q)] = adoption_curves(market, runs, bar)
            rows.append(bass_row(p, q, limit, curves[(p, q)], n, scale.bass_tolerance))
    return CheckResult(
        "bass",
        "Bass: random mixing, ads and ongoing word of mouth",
        "On `network=complete` with ads at a constant impression rate and only ongoing word of "
        "mouth, the mean adoption curve follows the day-stepped Bass model with the p and q the "
        "configuration implies. (p, q) = (0.03, 0.38) is the meta-analytic mean of Sultan, "
        "Farley & Lehmann (1990); (0.01, 0.5) is imitation-led, (0.1, 0.1) innovation-led.",
        "What the code does each day: every unaware consumer escapes the I ads with probability "
        "(1 - c_ad/n)^I = 1 - p and each of the n F(t) customers (who each talk to one random "
        "other consumer, who buys with probability c_peer) with probability 1 - q/(n - 1), "
        "independently, so F(t+1) = F(t) + (1 - F(t)) [1 - (1 - p)(1 - q/(n - 1))^(n F(t))], "
        "with p = 1 - (1 - c_ad/n)^I and q = share.daily x c_peer "
        "(`sim.theory.bass_day_stepped`). The textbook discrete form F(t+1) = F(t) + "
        "(p + q F(t))(1 - F(t)) is its first-order expansion and the continuous closed form "
        "its limit for small daily steps; both are shown for comparison, not checked.",
        f"Largest absolute gap between the mean adoption curve and the day-stepped curve, over "
        f"days 0..{days}, at most {scale.bass_tolerance:g} (share of consumers). {runs} "
        f"replicates, n = {n:,}.",
        [*bass_market(n), "network=complete", f"network.n={n}", f"days={days}"],
        pd.DataFrame(rows),
        data={"curves": curves, "n": n, "limits": {pq: theory.bass_limit(*pq, n) for pq in curves}},
    )


def bass_market(n: int) -> list[str]:
    """The Bass-limit overrides, with placeholders for the two that depend on (p, q)."""
    varying = ("seeding.daily_budget=", "conversion.peer=")
    fixed = [o for o in theory.bass_limit(0.5, 0.5, n).overrides if not o.startswith(varying)]
    return [*fixed, "seeding.daily_budget=<impressions a day>", "conversion.peer=<q>"]


def bass_row(
    p: float, q: float, limit: theory.BassLimit, curves: np.ndarray, n: int, tolerance: float
) -> dict:
    """Largest gaps between the mean curve and the three Bass forms."""
    days = curves.shape[1] - 1
    mean, half_width = mean_and_half_width(curves)
    gap = np.abs(mean - theory.bass_day_stepped(limit.p, limit.q, days, n))
    worst = int(np.argmax(gap))
    return {
        "p": p,
        "q": q,
        "impressions a day": limit.impressions,
        "implied p": limit.p,
        "implied q": limit.q,
        "max gap (day-stepped)": gap[worst],
        "day of max gap": worst,
        "95% CI half-width there": half_width[worst],
        "max gap (textbook discrete)": np.abs(mean - theory.bass_discrete(p, q, days)).max(),
        "max gap (continuous)": np.abs(
            mean - theory.bass_continuous(p, q, np.arange(days + 1))
        ).max(),
        "tolerance": tolerance,
        "pass": gap[worst] <= tolerance,
    }


# ----- network structure orders speed -------------------------------------------------------------
def ordering(scale: Scale, progress: bool = False, days: int = 80) -> CheckResult:
    """Mean adoption on complete, small-world and lattice networks of the same degree."""
    n, runs = scale.order_n, scale.order_runs
    rows, curves = [], {}
    with _bar(runs * len(ORDER_PAIRS) * len(ORDER_NETWORKS), "ordering", progress) as bar:
        for pq in ORDER_PAIRS:
            limit = theory.bass_limit(*pq, n)
            market = [*limit.overrides, f"network.n={n}", f"days={days}"]
            for network in ORDER_NETWORKS:
                extra = [f"network={network}", f"network.k={K}"]
                curves[(pq, network)] = adoption_curves([*market, *extra], runs, bar)
            for faster, slower in itertools.pairwise(ORDER_NETWORKS):
                row = order_row(pq, faster, slower, curves[(pq, faster)], curves[(pq, slower)])
                rows.append({"impressions a day": limit.impressions, **row})
    return CheckResult(
        "ordering",
        "Network structure orders adoption speed",
        "With the same Bass market (ads and ongoing word of mouth, as in the Bass check) and the "
        f"same degree k = {K}, mean adoption on every day is highest under random mixing, then on "
        "the small world (rewire 0.1), then on the ring lattice: on a lattice word of mouth "
        "keeps reaching friends who already bought (Fibich & Gibori 2010).",
        "An ordering, not a curve: gap(t) = mean F_faster(t) - mean F_slower(t) >= 0 for every "
        "day t.",
        f"On every day gap(t) >= -{Z:g} standard errors of the difference (ties are allowed "
        f"within noise), and on some day gap(t) > {Z:g} standard errors (the order is real). "
        f"{runs} replicates per network, n = {n:,}.",
        [
            *bass_market(n),
            f"network.n={n}",
            f"network.k={K}",
            f"days={days}",
            "network=complete|small_world|lattice",
        ],
        pd.DataFrame(rows),
        data={"curves": curves},
        notes="p = 0.003 (little advertising) is where structure matters most; at p = 0.03 the "
        "ads reach everyone quickly and the networks differ less.",
    )


def order_row(
    pq: tuple[float, float], faster: str, slower: str, a: np.ndarray, b: np.ndarray
) -> dict:
    """How far one network's mean curve stays above another's."""
    mean_a, se_a = mean_and_se(a)
    mean_b, se_b = mean_and_se(b)
    gap, se = mean_a - mean_b, np.hypot(se_a, se_b)
    lowest, highest = int(np.argmin(gap + Z * se)), int(np.argmax(gap))
    return {
        "p": pq[0],
        "q": pq[1],
        "pair": f"{faster} >= {slower}",
        "smallest gap": gap.min(),
        "smallest gap + 3 SE": (gap + Z * se)[lowest],
        "largest gap": gap[highest],
        "day of largest gap": highest,
        "largest gap / SE": gap[highest] / se[highest] if se[highest] > 0 else math.inf,
        "pass": bool((gap >= -Z * se - 1e-12).all() and gap[highest] > Z * se[highest]),
    }


# ----- complex contagion --------------------------------------------------------------------------
def complex_contagion(scale: Scale, progress: bool = False) -> CheckResult:
    """Final reach against rewiring for complex and simple contagion."""
    n, runs = scale.contagion_n, scale.contagion_runs
    seeds = max(round(SEED_SHARE * n), 2)
    market = [*CONTAGION_MARKET, f"network.n={n}", f"seeding.initial_customers={seeds}"]
    reach: dict[str, dict[float, np.ndarray]] = {}
    total = runs * len(POPULATIONS) * len(scale.rewirings)
    with _bar(total, "complex contagion", progress) as bar:
        for label, thresholds in POPULATIONS.items():
            reach[label] = {
                rewire: np.array(
                    [
                        m.metrics()["adoption_rate"]
                        for m in run_models(
                            [*market, *thresholds, f"network.rewire={rewire}"], runs, bar
                        )
                    ]
                )
                for rewire in scale.rewirings
            }
    rows = [contagion_row(label, by_rewire) for label, by_rewire in reach.items()]
    return CheckResult(
        "complex_contagion",
        "Complex contagion needs clustering",
        "When consumers need exposures from 2 or more distinct friends within memory_days before "
        "buying, clustered networks (the ring lattice, a small world with rewire 0.01) spread "
        "further than a fully rewired network of the same degree, where friends of friends "
        "rarely overlap (Centola & Macy 2007). Simple contagion (threshold 1) is shown for "
        "contrast and not checked.",
        "A comparison, not a number: mean reach(clustered) - mean reach(rewire 1) > 0.",
        f"For each complex population and each clustered network (rewire {CLUSTERED}), mean "
        f"reach exceeds the fully rewired network's by more than {Z:g} standard errors of the "
        f"difference. {runs} replicates per point, n = {n:,}, {seeds} random initial customers.",
        [*market, "population.threshold.*: see the table", "network.rewire=<r>"],
        pd.DataFrame(rows),
        data={"reach": reach},
        notes=contagion_notes(reach["threshold 2"]),
    )


def contagion_notes(by_rewire: dict[float, np.ndarray]) -> str:
    """Where threshold-2 reach peaks, and why seeding density matters."""
    best = max(by_rewire, key=lambda rewire: by_rewire[rewire].mean())
    return (
        f"Under threshold 2, reach peaks at rewire {best:g} ({by_rewire[best].mean():.3f}): "
        "with some clustering left, clusters still grow locally while shortcuts occasionally "
        "start new ones; only near-random networks stop the cascade. Seeds are uniformly "
        "random consumers, so a cascade starts only where two seeds share friends; with "
        "denser seeding (1% of consumers, seen while building this check) a heavily but not "
        "fully rewired network (rewire 0.5) can bootstrap a global cascade too."
    )


def contagion_row(label: str, by_rewire: dict[float, np.ndarray]) -> dict:
    """Clustered networks' reach against the fully rewired network's, for one population."""
    row: dict = {"population": label}
    for rewire, reach in by_rewire.items():
        row[f"reach r={rewire:g}"] = reach.mean()
    if "simple" in label or REWIRED not in by_rewire:
        row["pass"] = None
        return row
    rewired, rewired_se = mean_and_se(by_rewire[REWIRED])
    margins = []
    for rewire in CLUSTERED:
        clustered, clustered_se = mean_and_se(by_rewire[rewire])
        margins.append((clustered - rewired) / math.hypot(clustered_se, rewired_se))
    row["smallest margin / SE"] = min(margins)
    row["pass"] = min(margins) > Z
    return row


# ----- cascade shape ------------------------------------------------------------------------------
def tree_shapes(model: sim.ReferralModel, smallest: int = LARGER_TREE) -> tuple[np.ndarray, list]:
    """Sizes of every referral tree, and (size, structural virality) of the larger ones."""
    parent, nodes, root, depth = cascade_forest(model.consumers, model.n)
    sizes = sizes_by_root(nodes, root, model.n)
    larger = [
        (int(sizes[r]), structural_virality(nodes[root[nodes] == r], parent, depth))
        for r in np.flatnonzero(sizes >= smallest)
    ]
    return sizes[sizes > 0], larger


def shape_sample(overrides: Sequence[str], runs: int, bar: tqdm | Lines | None) -> dict:
    """Per-replicate metrics, all tree sizes and the larger trees' virality."""
    metrics, sizes, larger = [], [], []
    for model in run_models(overrides, runs, bar):
        metrics.append(model.metrics())
        every_size, big = tree_shapes(model)
        sizes.append(every_size)
        larger += big
    return {
        "metrics": pd.DataFrame(metrics),
        "sizes": np.concatenate(sizes),
        "larger": np.array(larger, dtype=float).reshape(-1, 2),
    }


def cascade_shape(scale: Scale, progress: bool = False) -> CheckResult:
    """Tree sizes and structural virality in the default market at low transmissibility."""
    n, runs = scale.shape_n, scale.shape_runs
    market = [f"network.n={n}", *LOW_TRANSMISSIBILITY]
    sweep_runs = max(runs // 4, 2)
    with _bar(runs + sweep_runs * len(scale.shape_sweep), "cascade shape", progress) as bar:
        sample = shape_sample(market, runs, bar)
        sweep = {
            c: shape_sample(
                [f"network.n={n}", "share.fanout=1", f"conversion.peer={c}"], sweep_runs, bar
            )
            for c in scale.shape_sweep
        }
    rows = [shape_row(sample, LOW_TRANSMISSIBILITY[-1], checked=True)]
    rows += [shape_row(s, f"conversion.peer={c}", checked=False) for c, s in sweep.items()]
    low, high = VIRALITY_BAND
    return CheckResult(
        "cascade_shape",
        "Cascade shape at low transmissibility",
        "Online diffusion: most cascades are a single adopter, and even the larger ones are "
        "shallow, with low structural virality (Goel, Watts & Goldstein 2012; Goel et al. "
        "2016). Default market (ads seeding, small world) with group shares to every friend "
        "and per-share conversion 0.1: a buyer shares with probability 0.3, to all of its 10 "
        "friends.",
        "Goel et al.'s empirical ranges: single adopters make up most cascades; the structural "
        "virality (mean distance between two members of a tree) of larger cascades lies mostly "
        "between 2 (a pure broadcast) and 5.",
        f"Mean `single_adopter_share` >= {SINGLE_SHARE_FLOOR}; mean structural virality of the "
        f"trees with at least {LARGER_TREE} adopters, and mean `structural_virality` (the "
        f"largest tree of each run), both in [{low:g}, {high:g}]. {runs} replicates, n = {n:,}.",
        market,
        pd.DataFrame(rows),
        data={"sample": sample, "sweep": sweep},
        notes=sweep_note(len(scale.shape_sweep), sweep_runs),
    )


def sweep_note(sweep_rows: int, sweep_runs: int) -> str:
    """What the rows below the checked one show; nothing when there are none (``--quick``).

    The quick report spoke of "the other rows" under a table of one row.
    """
    if not sweep_rows:
        return ""
    return (
        f"Only the `{LOW_TRANSMISSIBILITY[-1]}` row is checked; the other rows ({sweep_runs} "
        "replicates each) show how the shape moves with transmissibility."
    )


def shape_row(sample: dict, case: str, checked: bool) -> dict:
    """Single-adopter share and virality of one sample against the bands."""
    metrics, larger = sample["metrics"], sample["larger"]
    low, high = VIRALITY_BAND
    virality = larger[:, 1].mean() if len(larger) else math.nan
    in_band = (larger[:, 1] >= low) & (larger[:, 1] <= high)
    largest = metrics["structural_virality"].mean()
    single = metrics["single_adopter_share"].mean()
    passed = single >= SINGLE_SHARE_FLOOR and low <= virality <= high and low <= largest <= high
    return {
        "case": case,
        "reproduction number": metrics["reproduction_number"].mean(),
        "single_adopter_share": single,
        "lowest single_adopter_share": metrics["single_adopter_share"].min(),
        f"trees >= {LARGER_TREE}": len(larger),
        f"virality of trees >= {LARGER_TREE}": virality,
        "share of them in [2, 5]": in_band.mean() if len(larger) else math.nan,
        "structural_virality (largest tree)": largest,
        "pass": passed if checked else None,
    }


CHECKS: dict[str, Callable[[Scale, bool], CheckResult]] = {
    "percolation": percolation,
    "bass": bass,
    "ordering": ordering,
    "complex_contagion": complex_contagion,
    "cascade_shape": cascade_shape,
}


def run_checks(
    scale: Scale, names: Sequence[str] = tuple(CHECKS), progress: bool = False
) -> list[CheckResult]:
    """Run the named checks at ``scale``, timing each."""
    results = []
    for name in names:
        start = time.perf_counter()
        result = CHECKS[name](scale, progress)
        result.seconds = time.perf_counter() - start
        results.append(result)
    return results


PARTIAL = "partial"  # the folder, under --out, of a run of some checks (--only)
FULL_OUT, QUICK_OUT = "reports/validation", "reports/quick/validation"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite, write the report, print a summary; exit status 1 if a check fails."""
    from experiments.validation_report import write_report

    matplotlib.use("Agg")  # files only; set here: on import it would stop notebook plots
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small sizes the tests use")
    parser.add_argument(
        "--out",
        type=output_folder,
        help=f"default {FULL_OUT}; with --quick {QUICK_OUT}, never over the full report",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(CHECKS),
        default=list(CHECKS),
        help=f"run these checks; their report, figures and tables go to OUT/{PARTIAL}/",
    )
    args = parser.parse_args(argv)
    args.only = list(dict.fromkeys(args.only))  # a check named twice ran, and was shown, twice
    args.out = args.out or output_folder(QUICK_OUT if args.quick else FULL_OUT)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    scale = QUICK if args.quick else FULL
    start = time.perf_counter()
    results = run_checks(scale, args.only, progress=True)
    whole = set(args.only) == set(CHECKS)
    out = args.out if whole else args.out / PARTIAL  # never over the whole suite's files
    report = write_report(results, scale, out, time.perf_counter() - start)
    for result in results:
        print(f"{'PASS' if result.passed else 'FAIL'}  {result.title}  ({result.seconds:.0f} s)")
    print(f"report: {report}")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    run_script(lambda: sys.exit(main()), resumes=False)

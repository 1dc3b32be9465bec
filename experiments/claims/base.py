"""What a claim of the source documents is, once turned into an experiment, and shared helpers.

A :class:`Claim` names the runs it needs (:class:`~experiments.replicates.Spec`) and turns their
results into a :class:`Finding`: the simulated values with 95% CIs, a verdict and one sentence
for a strategist. Every run is on the calibrated ``gen_z_2026`` market (:class:`Setup`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

import sim
from experiments.calibration_targets import POINT_TOLERANCE
from experiments.replicates import Results, Spec, fmt, interval
from experiments.verdicts import Verdict, judge
from sim.summary import (
    SHARE,
    UNBOUNDED,
    Support,
    level_interval,
    pooled_parts,
    pooled_ratio_interval,
    ratio_interval,
)

SCENARIO = "+scenario=gen_z_2026"
REPLICATES = 60  # per configuration, unless --replicates says otherwise
QUICK_REPLICATES = 3  # per configuration of a --quick run
T = TypeVar("T")
TOLERANCE = POINT_TOLERANCE  # a claim "holds" when the CI clears it less this margin (rounded)


@dataclass(frozen=True)
class Setup:
    """The market and run sizes every claim uses.

    Attributes:
        market: overrides giving the market (the scenario, and a smaller ``n`` in quick mode).
        replicates: replicates per configuration.
        seed: master seed (the same for every configuration: paired comparisons).
        out: folder of the report and its figures.
        quick: a smoke test (sweeps cut to their two ends).

    """

    market: tuple[str, ...]
    replicates: int
    seed: int
    out: Path
    quick: bool = False

    def sweep(self, values: Sequence[T]) -> tuple[T, ...]:
        """The values of a sweep to run: all of them, or the two ends in quick mode."""
        return (values[0], values[-1]) if self.quick and len(values) > 2 else tuple(values)

    def spec(self, name: str, *overrides: str, replicates: int | None = None) -> Spec:
        """A configuration on this market."""
        return Spec(name, (*self.market, *overrides), replicates or self.replicates, self.seed)

    def value(self, key: str) -> float:
        """A market parameter's value (e.g. the scenario's ``population.price_sensitivity``)."""
        return _config_value(self.market, key)

    @property
    def command(self) -> str:
        """The command that runs this setup again: ``seed_claims`` with its options off default.

        The report named ``python -m experiments.seed_claims`` alone, so a run of ``--seed 1``
        or ``--replicates 20`` read as one of the defaults.
        """
        options = ["--quick"] if self.quick else []
        if self.replicates != (QUICK_REPLICATES if self.quick else REPLICATES):
            options.append(f"--replicates {self.replicates}")
        if self.seed:
            options.append(f"--seed {self.seed}")
        return " ".join(["python -m experiments.seed_claims", *options])

    @property
    def n(self) -> int:
        """Consumers in the default network of this market."""
        return int(self.value("network.n"))


@cache
def _config_value(market: tuple[str, ...], key: str) -> float:
    node: object = sim.compose(list(market))
    for part in key.split("."):
        node = getattr(node, part)
    return node


@dataclass
class Finding:
    """What the runs say about one claim.

    Attributes:
        value: the simulated values with 95% CIs, in a sentence or two.
        verdict: holds, holds only when ..., or does not hold.
        action: one sentence a strategist can act on.
        table: detail by setting (already formatted).
        figures: PNG files written for this claim.
        notes: caveats (what the model assumes that decides the answer).

    """

    value: str
    verdict: Verdict
    action: str
    table: pd.DataFrame
    figures: list[Path] = field(default_factory=list)
    notes: str = ""


@dataclass(frozen=True)
class Claim:
    """A claim and the experiment that tests it."""

    id: str
    statement: str
    experiment: str
    specs: Callable[[Setup], list[Spec]]
    analyse: Callable[[Results, Setup], Finding]


def column(results: Results, name: str, metric: str) -> pd.Series:
    """One measure of one configuration, indexed by replicate."""
    return results.rows[name].set_index("replicate")[metric]


def pooled(results: Results, name: str, metric: str) -> tuple[float, float, float]:
    """A ratio of :data:`sim.summary.POOLED` over one configuration's replicates, with its CI.

    CAC is all the replicates' acquisition spend over all their customers (ROI: revenue over
    spend), with Fieller's 95% interval, as the comparison tables take it. Until 3 Dec 2026
    the claims took the mean of each replicate's CAC, which reads high for small campaigns
    (one hired KOL: 26.0 against 25.2 pooled on this market).
    """
    mean, low, high, _ = level_interval(results.rows[name], metric)
    return mean, low, high


def pooled_ratio(
    results: Results, name: str, baseline: str, metric: str
) -> tuple[float, float, float]:
    """``name``'s pooled ``metric`` over ``baseline``'s, paired by replicate, with a 95% CI."""
    parts = list(pooled_parts(metric, results.rows[name].columns))
    ours, theirs = (results.rows[n].set_index("replicate")[parts] for n in (name, baseline))
    mean, low, high, _ = pooled_ratio_interval(ours, theirs)
    return mean, low, high


def ci(
    values: pd.Series, spec: str = ",.1f", scale: float = 1.0, support: Support = UNBOUNDED
) -> str:
    """Mean and 95% CI of a measure, clipped to ``support`` (unbounded unless given), formatted."""
    return fmt(*interval(values, support), spec=spec, scale=scale)


def pct(values: pd.Series, digits: int = 1) -> str:
    """Mean and 95% CI of a share, in percent (the CI stays within 0-100%)."""
    return ci(values, f".{digits}f", 100, support=SHARE) + "%"


def check(values: pd.Series, threshold: float, better: str = "higher", strict: bool = False) -> str:
    """Judge a measure's CI against a threshold (``strict``: it must pass it, see ``judge``)."""
    _, low, high = interval(values)
    return judge(low, high, threshold, better, strict)


def ratio_of_means(
    numerator: pd.Series, denominator: pd.Series, *, signed: bool = False
) -> tuple[float, float, float]:
    """``mean(numerator) / mean(denominator)`` with a paired Fieller 95% CI.

    ``signed``: the parts are differences (see :func:`sim.summary.fieller_interval`).
    """
    mean, low, high, _ = ratio_interval(numerator, denominator, signed=signed)
    return mean, low, high


def incremental_cac(results: Results, scheme: str, baseline: str) -> tuple[float, float, float]:
    """Extra acquisition spend per extra customer of ``scheme`` over ``baseline`` (paired)."""
    spend = column(results, scheme, "spend_acquisition") - column(
        results, baseline, "spend_acquisition"
    )
    gained = column(results, scheme, "customers") - column(results, baseline, "customers")
    return ratio_of_means(spend, gained, signed=True)


def day_value(results: Results, name: str, day: int, metric: str = "customers") -> pd.Series:
    """A daily count on one day, indexed by replicate."""
    days = results.days[name]
    return days[days["day"] == day].set_index("replicate")[metric]


def three(values: tuple[float, float, float], spec: str = ",.1f") -> str:
    """Format a (mean, low, high) triple."""
    return fmt(*values, spec=spec)


def finite(value: float) -> float:
    """``value``, or NaN when it is infinite (an interval with no upper end)."""
    return value if np.isfinite(value) else float("nan")

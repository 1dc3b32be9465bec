"""Verdicts on the source documents' claims from simulated 95% confidence intervals.

A claim is a threshold on a simulated quantity ("ROI of at least 8.2", "fraud under 2%"). At one
setting it *holds* when the whole interval is on the claimed side, *does not hold* when the
whole interval is on the other side, and is *undecided* when the interval straddles the
threshold. Over a sweep of one parameter the verdict is *holds* (everywhere), *does not hold*
(nowhere), or *holds only when* the parameter is in the range where it held. A claim of
several parts holds where all of them hold (:func:`all_of`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HOLDS = "holds"
FAILS = "does not hold"
UNDECIDED = "undecided"
HOLDS_ONLY_WHEN = "holds only when"


def judge(
    low: float, high: float, threshold: float, better: str = "higher", strict: bool = False
) -> str:
    """Whether the interval ``[low, high]`` clears ``threshold`` on the ``better`` side.

    Args:
        low: lower end of the 95% CI.
        high: upper end of the 95% CI.
        threshold: the claimed bound.
        better: ``"higher"`` (the claim is ``value >= threshold``) or ``"lower"``.
        strict: the claim is ``value > threshold`` (``<`` for ``"lower"``): "beats",
            "overtakes". An interval that is the threshold alone (paired runs tied in every
            replicate, as when the compared mechanism never fires) then fails.

    Returns:
        ``HOLDS``, ``FAILS`` or ``UNDECIDED`` (also when the interval is missing).

    """
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
    if math.isnan(low) or math.isnan(high):
        return UNDECIDED
    if better == "lower":
        low, high, threshold = -high, -low, -threshold
    if low > threshold or (low == threshold and not strict):
        return HOLDS
    if high < threshold or (high == threshold and strict):
        return FAILS
    return UNDECIDED


@dataclass(frozen=True)
class Verdict:
    """A verdict, its condition and, where the outcome alone could mislead, its parts in words.

    Attributes:
        outcome: ``HOLDS``, ``FAILS``, ``UNDECIDED`` or ``HOLDS_ONLY_WHEN``.
        condition: where it holds, in words (empty unless ``holds only when``).
        reading: each part of the claim in plain words, after the outcome: C2's outcome is
            its ROI level alone, so that "does not hold" is read with "KOC beats KOL" beside
            it, not as "KOCs do no better than KOLs".

    """

    outcome: str
    condition: str = ""
    reading: str = ""

    def __str__(self) -> str:
        verdict = f"{self.outcome} {self.condition}".strip()
        return f"{verdict}: {self.reading}" if self.reading else verdict


def over_sweep(
    values: Sequence[float],
    outcomes: Sequence[str],
    name: str,
    show: Callable[[float], str] = "{:g}".format,
) -> Verdict:
    """Summarise per-setting outcomes of a one-parameter sweep into one verdict.

    Args:
        values: the swept parameter's values, in increasing order.
        outcomes: ``judge`` result at each value.
        name: the parameter in words, e.g. ``"each leader has"``.
        show: formats a value, e.g. ``"{:g} friends".format``.

    Returns:
        ``holds`` if it held at every value, ``does not hold`` if it held at none (and was
        not undecided anywhere), ``undecided`` if it never held but was undecided somewhere,
        else ``holds only when`` with the range: ``name >= v``, ``name <= v``, or the values.

    """
    if len(values) != len(outcomes) or not len(values):
        raise ValueError("need one outcome per swept value, and at least one")
    if any(a >= b for a, b in itertools.pairwise(values)):  # "or more" would read backwards
        raise ValueError(f"swept values must increase: {list(values)}")
    held = [outcome == HOLDS for outcome in outcomes]
    if all(held):
        return Verdict(HOLDS)
    if not any(held):
        return Verdict(UNDECIDED if UNDECIDED in outcomes else FAILS)
    first, last = held.index(True), len(held) - 1 - held[::-1].index(True)
    contiguous = all(held[first : last + 1])
    if contiguous and last == len(held) - 1:
        return Verdict(HOLDS_ONLY_WHEN, f"{name} {show(values[first])} or more")
    if contiguous and first == 0:
        return Verdict(HOLDS_ONLY_WHEN, f"{name} {show(values[last])} or less")
    listed = ", ".join(show(v) for v, h in zip(values, held, strict=True) if h)
    return Verdict(HOLDS_ONLY_WHEN, f"{name} is one of {listed}")


def judge_band(low: float, high: float, band: tuple[float, float]) -> str:
    """A point claim with a tolerance band: holds if the CI lies in it, fails if it misses it."""
    if math.isnan(low) or math.isnan(high):
        return UNDECIDED
    if band[0] <= low and high <= band[1]:
        return HOLDS
    if high < band[0] or low > band[1]:
        return FAILS
    return UNDECIDED


def over_settings(labels: Sequence[str], outcomes: Sequence[str]) -> Verdict:
    """Like :func:`over_sweep` for settings that are not one numeric parameter."""
    held = [label for label, outcome in zip(labels, outcomes, strict=True) if outcome == HOLDS]
    if len(held) == len(labels):
        return Verdict(HOLDS)
    if not held:
        return Verdict(UNDECIDED if UNDECIDED in outcomes else FAILS)
    return Verdict(HOLDS_ONLY_WHEN, " or ".join(held))


def all_of(parts: Sequence[Verdict | str]) -> Verdict:
    """The verdict on a claim that needs every one of ``parts`` (verdicts or outcomes).

    It does not hold if any part does not hold, else is undecided if any part is, else holds
    (only when every conditional part's condition is met, if some part holds only when).
    The parts must be judged on different settings (as F6's): parts judged over the same
    sweep are combined setting by setting first (as C1 does), or the conditions joined here
    could exclude each other.

    Raises:
        ValueError: no parts.

    """
    verdicts = [part if isinstance(part, Verdict) else Verdict(part) for part in parts]
    if not verdicts:
        raise ValueError("a claim needs at least one part")
    outcomes = [verdict.outcome for verdict in verdicts]
    for outcome in (FAILS, UNDECIDED):
        if outcome in outcomes:
            return Verdict(outcome)
    conditions = [verdict.condition for verdict in verdicts if verdict.outcome == HOLDS_ONLY_WHEN]
    return Verdict(HOLDS_ONLY_WHEN, " and ".join(conditions)) if conditions else Verdict(HOLDS)

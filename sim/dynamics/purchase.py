"""The purchase rule: who buys today, and which exposure gets the credit.

An aware non-customer with today's exposures ``E`` buys with probability
``1 - prod_e (1 - min(1, c[source_e] * susceptibility * (1 + price_sensitivity * discount_e)))``,
once its distinct exposure sources within ``memory_days`` reach its threshold (complex
contagion, facts F7 and F8). The credited exposure is drawn in proportion to each one's
probability (an exponential race), and sets the acquisition channel and the referrer.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.arrays import unique_sorted
from sim.exposures import Exposures
from sim.state import Channel, State

if TYPE_CHECKING:
    from sim.model import ReferralModel


@dataclass
class Purchases:
    """First orders of the day, with the credited exposure of each."""

    buyers: np.ndarray
    channel: np.ndarray
    source: np.ndarray
    discount: np.ndarray

    @classmethod
    def none(cls) -> Purchases:
        """No purchases."""
        empty = Exposures.empty()
        return cls(empty.target, empty.channel, empty.source, empty.discount)

    def __len__(self) -> int:
        return len(self.buyers)

    def take(self, rows: np.ndarray) -> Purchases:
        """The purchases at ``rows`` (a mask or positions)."""
        return Purchases(
            self.buyers[rows], self.channel[rows], self.source[rows], self.discount[rows]
        )

    @classmethod
    def by_buyer(cls, parts: list[Purchases]) -> Purchases:
        """Several batches of distinct buyers as one, ordered by buyer like a day's decisions."""
        parts = [part for part in parts if len(part)]
        if len(parts) <= 1:
            return parts[0] if parts else cls.none()
        joined = cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in PURCHASE_FIELDS))
        return joined.take(np.argsort(joined.buyers, kind="stable"))


PURCHASE_FIELDS = ("buyers", "channel", "source", "discount")


class ExposureMemory:
    """Distinct exposure sources per consumer over the last ``days`` days."""

    def __init__(self, days: int, source_ids: int) -> None:
        self.window: deque[np.ndarray] = deque(maxlen=days)
        self.base = np.int64(source_ids)

    def remember(self, exposures: Exposures) -> None:
        """Add today's exposures (call once a day, even with none)."""
        self.window.append(exposures.target * self.base + exposures.source)

    def distinct_sources(self, targets: np.ndarray) -> np.ndarray:
        """Distinct sources each of the sorted ``targets`` saw within the window."""
        keys = unique_sorted(np.concatenate(self.window))
        owners = keys // self.base
        owners = owners[np.isin(owners, targets)]
        return np.bincount(np.searchsorted(targets, owners), minlength=len(targets))


def conversion_probability(model: ReferralModel, exposures: Exposures) -> np.ndarray:
    """Per-exposure purchase probability (``exposures`` not empty)."""
    traits = model.traits
    target, channel = exposures.target, exposures.channel
    rate = model.conversion_by_channel
    if channel.min() == channel.max():  # one channel today: a scalar, not a lookup per exposure
        rate = rate[channel[0]]
    else:
        rate = rate[channel]
    probability = rate * traits.susceptibility[target]
    if exposures.discount.any():  # else the offer factor is exactly 1
        # A zero base times an overflowing offer is 0 x inf = nan, which never passes the
        # purchase draw: no purchase, as for any zero probability.
        with np.errstate(invalid="ignore", over="ignore"):
            probability *= 1.0 + traits.price_sensitivity[target] * exposures.discount
    return np.minimum(probability, 1.0, out=probability)


@dataclass
class ByTarget:
    """A day's exposures grouped by target: a sort order and the start of each group."""

    order: np.ndarray
    starts: np.ndarray
    targets: np.ndarray

    @classmethod
    def of(cls, target: np.ndarray) -> ByTarget:
        """Group exposures by target, each group in the exposures' order.

        The sort must be stable: the credited exposure is picked by its position within its
        group, and numpy's default sort orders ties differently on different CPUs (AVX-512
        or not), which changed results for the same seed from one machine to another.
        """
        order = np.argsort(target, kind="stable")
        ordered = target[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        return cls(order, starts, ordered[starts])


def decide_purchases(model: ReferralModel, exposures: Exposures) -> Purchases:
    """Mark the exposed aware and decide today's first orders.

    Each exposure succeeds independently with its probability, so a target buys with
    ``1 - prod(1 - p_e)``; only the buyers' exposures are grouped (one sort, which also lists
    the buyers), which keeps the day's cost close to one pass over its exposures.

    Every exposure must be of a consumer who can still buy (``ConsumerState.can_buy``): each
    channel drops the others where it makes its exposures, so they are not checked again here.
    """
    if model.memory is not None:
        model.memory.remember(exposures)
    if not len(exposures):
        return Purchases.none()
    model.exposures_seen += np.bincount(exposures.channel, minlength=len(model.exposures_seen))
    _mark_aware(model, exposures.target)
    probability = conversion_probability(model, exposures)
    success = _purchase_draws(model, exposures) < probability
    buyers = exposures.target[success]  # may repeat: marking them is idempotent
    if model.memory is not None and len(buyers):
        buyers = unique_sorted(buyers)  # distinct_sources takes them sorted
        buyers = buyers[model.memory.distinct_sources(buyers) >= model.traits.threshold[buyers]]
    if not len(buyers):
        return Purchases.none()
    theirs = np.flatnonzero(model.scratch.flags(buyers)[exposures.target])
    model.scratch.clear(buyers)
    groups = ByTarget.of(exposures.target[theirs])  # groups.targets: the buyers, sorted, once
    rng = model.draws("credit")
    credited = theirs[groups.order[_credited(rng, groups, probability[theirs][groups.order])]]
    model.decided += np.bincount(exposures.channel[credited], minlength=len(model.decided))
    return Purchases(
        groups.targets,
        exposures.channel[credited],
        exposures.source[credited],
        exposures.discount[credited],
    )


def _purchase_draws(model: ReferralModel, exposures: Exposures) -> np.ndarray:
    """Each exposure's uniform purchase draw: the channel's own, else the purchase phase's."""
    if exposures.draw is None:  # a batch made without draws (by hand, say)
        return model.draws("purchase").random(len(exposures))
    return exposures.draw


def _mark_aware(model: ReferralModel, targets: np.ndarray) -> None:
    """Make the unaware among ``targets`` aware, note the day and count them once each."""
    state = model.consumers.state
    newly = targets[state[targets] == State.UNAWARE]  # may repeat: both writes are idempotent
    state[newly] = State.AWARE
    model.consumers.first_aware_day[newly] = model.day
    model.aware_count += model.scratch.count_distinct(newly)


def _credited(rng: np.random.Generator, groups: ByTarget, probability: np.ndarray) -> np.ndarray:
    """Pick one exposure per group (buyer) with chance proportional to its probability.

    A uniform point on each group's stretch of the running total falls in the credited
    exposure's interval. Groups are short, so counting the group's totals at or below the
    point (one pass) replaces a binary search over the whole day (the same picks: the running
    total never decreases).

    Args:
        rng: random generator.
        groups: the exposures grouped by target (every target a buyer).
        probability: conversion probability of each exposure, in group order.

    Returns:
        Position (in group order) of the credited exposure of each buyer, in target order.

    """
    cumulative = np.cumsum(probability)
    first = groups.starts
    sizes = np.diff(np.append(first, len(probability)))
    last = first + sizes - 1
    before = cumulative[first] - probability[first]
    point = before + rng.random(len(first)) * (cumulative[last] - before)
    passed = np.add.reduceat(cumulative <= np.repeat(point, sizes), first, dtype=np.int64)
    return np.minimum(first + passed, last)


def referrer_of(purchases: Purchases) -> np.ndarray:
    """Referrer of each buyer: the credited source unless it was an ad (-1)."""
    return np.where(purchases.channel == Channel.AD, -1, purchases.source)

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

from sim.arrays import unique_inverse, unique_sorted
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
    """Per-exposure purchase probability."""
    traits = model.traits
    target = exposures.target
    base = model.conversion_by_channel[exposures.channel]
    offer = 1.0 + traits.price_sensitivity[target] * exposures.discount
    return np.minimum(base * traits.susceptibility[target] * offer, 1.0)


def decide_purchases(model: ReferralModel, exposures: Exposures) -> Purchases:
    """Mark the exposed aware and decide today's first orders."""
    state = model.consumers.state
    exposures = exposures.select(state[exposures.target] <= State.AWARE)
    if model.memory is not None:
        model.memory.remember(exposures)
    if not len(exposures):
        return Purchases.none()
    targets, inverse = unique_inverse(exposures.target)
    newly_aware = targets[state[targets] == State.UNAWARE]
    state[newly_aware] = State.AWARE
    model.aware_count += len(newly_aware)
    probability = conversion_probability(model, exposures)
    with np.errstate(divide="ignore"):
        log_none = np.bincount(inverse, weights=np.log1p(-probability), minlength=len(targets))
    buys = model.rng.random(len(targets)) < -np.expm1(log_none)
    if model.memory is not None:
        buys &= model.memory.distinct_sources(targets) >= model.traits.threshold[targets]
    credited = _credited_exposures(model.rng, inverse, probability, buys)
    return Purchases(
        targets[buys],
        exposures.channel[credited],
        exposures.source[credited],
        exposures.discount[credited],
    )


def _credited_exposures(
    rng: np.random.Generator, inverse: np.ndarray, probability: np.ndarray, buys: np.ndarray
) -> np.ndarray:
    """Pick one exposure per buyer with chance proportional to its probability.

    An exponential race: the smallest ``Exp(1) / p`` wins with chance ``p / sum(p)``.

    Args:
        rng: random generator.
        inverse: target index of each exposure.
        probability: conversion probability of each exposure.
        buys: per target, whether it bought.

    Returns:
        Index of the credited exposure of each buyer, in target order.

    """
    candidates = np.flatnonzero(buys[inverse])
    owner = inverse[candidates]
    with np.errstate(divide="ignore"):
        race = rng.exponential(size=len(candidates)) / probability[candidates]
    order = np.lexsort((race, owner))
    firsts = np.flatnonzero(np.diff(owner[order], prepend=-1))
    return candidates[order[firsts]]


def referrer_of(purchases: Purchases) -> np.ndarray:
    """Referrer of each buyer: the credited source unless it was an ad (-1)."""
    return np.where(purchases.channel == Channel.AD, -1, purchases.source)

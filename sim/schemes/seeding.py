"""``seeding`` options: how the campaign starts (DESIGN.md §1.4).

- ``organic``: a few initial customers and nothing else.
- ``ads``: paid impressions on random consumers at ``daily_budget / cpm * 1000`` a day; with
  ``conversion.ad = 0.0005`` and ``cpm = 30`` an impression-bought customer costs about 60 yuan,
  the ads CAC implied by fact C1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from sim.exposures import Exposures
from sim.params import COUNT, NON_NEGATIVE, POSITIVE, POSITIVE_COUNT, param
from sim.schemes.base import SeedingScheme
from sim.state import Channel


@dataclass
class SeedingConfig:
    """Base of every seeding option."""

    name: str = param("organic", "which seeding scheme")
    initial_customers: int = param(
        5, "customers before day 1 (day-0 buyers who share)", range=COUNT
    )


@dataclass
class OrganicConfig(SeedingConfig):
    """A few initial customers, no paid channel."""

    name: str = "organic"


@dataclass
class AdsConfig(SeedingConfig):
    """Paid impressions on uniformly random consumers."""

    name: str = "ads"
    initial_customers: int = param(0, "customers before day 1", range=COUNT)
    daily_budget: float = param(600.0, "ad spend per day (yuan)", range=NON_NEGATIVE)
    cpm: float = param(30.0, "cost per thousand impressions (yuan)", range=POSITIVE, source="C1")
    start_day: int = param(1, "first day ads run", range=POSITIVE_COUNT)
    end_day: Optional[int] = param(  # noqa: UP045
        None, "last day ads run (null = until the end)", range=POSITIVE_COUNT
    )


class Organic(SeedingScheme):
    """``initial_customers`` uniformly random consumers buy on day 0."""

    name = "organic"
    config_class = OrganicConfig

    def initial_customers(self) -> np.ndarray:
        """Draw the initial customers."""
        count = self.config.initial_customers
        return np.sort(self.model.rng.choice(self.model.n, size=count, replace=False))


class Ads(Organic):
    """Buys impressions every campaign day until the budget runs out."""

    name = "ads"
    config_class = AdsConfig

    def broadcast(self, day: int) -> Exposures:
        """Spend today's ad budget on impressions."""
        config = self.config
        if day < config.start_day or (config.end_day is not None and day > config.end_day):
            return Exposures.empty()
        spent = self.model.ledger.spend_up_to("ads", config.daily_budget)
        expected = spent / config.cpm * 1000
        rng = self.model.rng
        impressions = int(expected) + int(rng.random() < expected - int(expected))
        targets = rng.integers(0, self.model.n, size=impressions)
        return Exposures.of(targets, self.model.ad_source, Channel.AD)

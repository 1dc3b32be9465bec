"""A thin :class:`sim.ReferralModel` for the dashboard: keyword controls in, a data collector.

SolaraViz rebuilds the model from keyword arguments on Reset, so ``DashboardModel`` takes the
controls of :mod:`sim.dashboard.params`, composes the configuration with :func:`sim.compose`
and records the charted series with Mesa's ``DataCollector`` once a day.
"""

from __future__ import annotations

import warnings

import numpy as np
from mesa import DataCollector

from sim.configure import compose
from sim.dashboard.params import DEFAULTS, overrides, read_seed
from sim.model import ReferralModel
from sim.params import warn_once
from sim.state import Channel


def acquired_by(model: ReferralModel, channel: Channel) -> int:
    """Customers acquired through ``channel`` so far (seed customers: ``Channel.SEED``)."""
    return int(np.count_nonzero(model.consumers.channel == channel))


def ad_customers(model: ReferralModel) -> int:
    """Customers won by ads so far."""
    return acquired_by(model, Channel.AD)


def kol_customers(model: ReferralModel) -> int:
    """Customers won by KOL posts so far."""
    return acquired_by(model, Channel.KOL)


def koc_customers(model: ReferralModel) -> int:
    """Customers won by KOC posts so far."""
    return acquired_by(model, Channel.KOC)


def peer_customers(model: ReferralModel) -> int:
    """Customers won by friends' referrals so far."""
    return acquired_by(model, Channel.PEER)


def cac(model: ReferralModel) -> float:
    """Customer acquisition cost so far (yuan; NaN before the first customer)."""
    return model.metrics()["cac"]


def repurchase_rate(model: ReferralModel) -> float:
    """Share of customers won so far with two or more orders (NaN before the first)."""
    return model.metrics()["repurchase_rate"]


CHANNEL_SERIES = {"Ads": "tab:blue", "KOL": "tab:purple", "KOC": "tab:orange", "Peer": "tab:green"}
"""Charted customer series by channel and their colours (shared with the network view)."""

REPORTERS = {
    "Ads": ad_customers,
    "KOL": kol_customers,
    "KOC": koc_customers,
    "Peer": peer_customers,
    "CAC": cac,
    "Repurchase rate": repurchase_rate,
}


class DashboardModel(ReferralModel):
    """A referral model built from the dashboard's controls (see ``params.overrides``).

    Attributes:
        overrides: the controls as ``sim.compose`` overrides, also the command line that
            repeats the run (``referral-sim`` followed by them).
        problem: why a typed control was refused and what ran instead (None if none was).
        notes: the configuration's warnings (a cap that stops a channel early, a KOC pool
            smaller than the recruits), which the command line would print.

    """

    def __init__(
        self,
        network: str = DEFAULTS["network"],
        n: int = DEFAULTS["n"],
        seeding: str = DEFAULTS["seeding"],
        ad_budget: float = DEFAULTS["ad_budget"],
        referral: str = DEFAULTS["referral"],
        referrer_reward: float = DEFAULTS["referrer_reward"],
        referee_discount: float = DEFAULTS["referee_discount"],
        commission_rate: float = DEFAULTS["commission_rate"],
        retention: str = DEFAULTS["retention"],
        days: int = DEFAULTS["days"],
        seed: int = DEFAULTS["seed"],
    ) -> None:
        seed, self.problem = read_seed(seed)
        self.overrides = overrides(
            network=network,
            n=n,
            seeding=seeding,
            ad_budget=ad_budget,
            referral=referral,
            referrer_reward=referrer_reward,
            referee_discount=referee_discount,
            commission_rate=commission_rate,
            retention=retention,
            days=days,
            seed=seed,
        )
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")  # on every Reset, not once per process:
            warn_once.cache_clear()  # the configuration's warnings too
            super().__init__(compose(self.overrides))
        self.notes = list(dict.fromkeys(str(warning.message) for warning in said))
        self.datacollector = DataCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    def _wrapped_step(self) -> None:
        """Mesa's step: its clock too stands still after the last day.

        The page's *Information* card shows Mesa's ``time``: one click of *Step* with a render
        interval of 100 in a 10-day run read ``Time: 100.0`` beside the card's day 10 of 10.
        """
        if self.running:
            super()._wrapped_step()

    def step(self) -> None:
        """Simulate one day and record the charted series (nothing after the last day)."""
        if not self.running:  # Mesa's Step button runs "render interval" steps unchecked
            return
        super().step()
        self.datacollector.collect(self)

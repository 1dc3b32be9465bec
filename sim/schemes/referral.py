"""``referral`` options: what a successful referral earns (DESIGN.md §1.4).

- ``none``: no reward; friends still share.
- ``one_sided``: the referrer earns a reward when the friend first buys.
- ``two_sided``: the referrer earns a reward and the friend gets a discount on the first order
  (perceived fairness among friends, fact R3).

Every paid option chooses a reward kind (cash, points, merchandise: see ``rewards``) and a
verification rule: ``none`` (paid at the friend's first order), ``second_order`` (paid at the
friend's second order, so fakes, who never re-buy, are never paid) or ``holdback`` (paid after
``holdback_days`` if the friend is still an active customer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import NON_NEGATIVE, POSITIVE_COUNT, param
from sim.schemes.base import ReferralScheme

REWARD_KINDS = ("cash", "points", "merchandise")
VERIFY_RULES = ("none", "second_order", "holdback")


@dataclass
class ReferralConfig:
    """Base of every referral option."""

    name: str = param("none", "which referral scheme")


@dataclass
class NoReferralConfig(ReferralConfig):
    """No incentive."""

    name: str = "none"


@dataclass
class OneSidedConfig(ReferralConfig):
    """A reward for the referrer only."""

    name: str = "one_sided"
    referrer_reward: float = param(
        20.0, "reward face value per referred first order (yuan)", range=NON_NEGATIVE
    )
    reward_kind: str = param(
        "cash", "what the reward is paid in", choices=REWARD_KINDS, source="R1"
    )
    verify: str = param("none", "when the reward is paid", choices=VERIFY_RULES, source="R1")
    holdback_days: int = param(
        14, "days a reward waits under verify=holdback", range=POSITIVE_COUNT
    )


@dataclass
class TwoSidedConfig(OneSidedConfig):
    """A reward for the referrer and a discount for the friend."""

    name: str = "two_sided"
    referrer_reward: float = param(
        10.0, "reward face value per referred first order (yuan)", range=NON_NEGATIVE
    )
    referee_discount: float = param(
        10.0, "discount on the friend's first order (yuan)", range=NON_NEGATIVE, source="R3"
    )


class NoReferral(ReferralScheme):
    """Sharing without incentives."""

    name = "none"
    config_class = NoReferralConfig


class OneSided(ReferralScheme):
    """A flat reward of one kind to the referrer."""

    name = "one_sided"
    config_class = OneSidedConfig

    def referrer_reward(self, referrers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The same reward for every referral."""
        kind = REWARD_KINDS.index(self.config.reward_kind)
        size = len(referrers)
        return np.full(size, self.config.referrer_reward), np.full(size, kind, dtype=np.int8)

    def offers_anything(self) -> bool:
        """Whether a reward or discount is on offer."""
        return self.config.referrer_reward > 0 or self.referee_discount() > 0


class TwoSided(OneSided):
    """A flat reward to the referrer and a discount to the friend."""

    name = "two_sided"
    config_class = TwoSidedConfig

    def referee_discount(self) -> float:
        """The friend's first-order discount."""
        return self.config.referee_discount

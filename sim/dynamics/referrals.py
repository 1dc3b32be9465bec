"""Referral accounting: referee discounts, referrer rewards, verification and fake referees.

A referral whose discount and reward do not fit in the budget earns nothing (no new reward is
promised once the budget is gone). Rewards awaiting verification are held in reserve, so that
the total spend never exceeds the budget. Fakes (fact R1) redeem the offer and trigger the
reward like real referees, but never re-buy, so ``second_order`` verification never pays them
and ``holdback`` pays them only if they were still customers, which they never are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.state import REFERRAL_CHANNELS, Channel, State

if TYPE_CHECKING:
    from sim.model import ReferralModel

FAKE = -1  # referee id of a fake account


@dataclass
class FraudTally:
    """Fake referees and what they were paid."""

    fakes: int = 0  # created, funded or not (a group-buy fake whose team never fills counts)
    spend: float = 0.0


@dataclass
class PendingRewards:
    """Referrer rewards promised and awaiting verification."""

    referrer: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    referee: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    due_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.referrer)

    def add(self, referrer: np.ndarray, referee: np.ndarray, cost: np.ndarray, due: int) -> None:
        """Append promises."""
        self.referrer = np.concatenate([self.referrer, referrer])
        self.referee = np.concatenate([self.referee, referee])
        self.cost = np.concatenate([self.cost, cost])
        self.due_day = np.concatenate([self.due_day, np.full(len(referrer), due)])

    def keep(self, mask: np.ndarray) -> None:
        """Drop the promises where ``mask`` is False."""
        self.referrer, self.referee = self.referrer[mask], self.referee[mask]
        self.cost, self.due_day = self.cost[mask], self.due_day[mask]


def fund_referrals(
    model: ReferralModel,
    referrers: np.ndarray,
    referees: np.ndarray,
    discount: np.ndarray,
    reward: np.ndarray,
) -> int:
    """Book referee discounts and pay or promise referrer rewards, in order, while funds last.

    Args:
        model: the model.
        referrers: consumer id of each referrer.
        referees: consumer id of each referee, :data:`FAKE` for a fake account.
        discount: discount each referee redeems (yuan, cost to the brand).
        reward: cost to the brand of each referrer reward (yuan).

    Returns:
        How many referrals were funded (a prefix of the arrays).

    """
    if not len(referrers):
        return 0
    funded = model.ledger.affordable(discount + reward, "referral_discount")
    book_referrals(model, referrers[:funded], referees[:funded], discount[:funded], reward[:funded])
    return funded


def book_referrals(
    model: ReferralModel,
    referrers: np.ndarray,
    referees: np.ndarray,
    discount: np.ndarray,
    reward: np.ndarray,
) -> None:
    """Book referrals already found affordable: discounts spent, rewards paid or promised.

    Args: as :func:`fund_referrals`, every one of them funded.
    """
    ledger, verify = model.ledger, model.referral.verify
    fake = referees == FAKE
    ledger.spend("referral_discount", discount.sum())
    model.fraud.spend += float(discount[fake].sum())
    if verify == "none":
        ledger.spend("referral_reward", reward.sum())
        model.fraud.spend += float(reward[fake].sum())
        return
    if verify == "second_order":
        referrers, referees, reward = referrers[~fake], referees[~fake], reward[~fake]
    ledger.reserve(reward.sum())
    model.pending.add(referrers, referees, reward, model.day + model.referral.holdback_days)


def settle_rewards(model: ReferralModel) -> None:
    """Pay verified rewards, cancel those that failed verification."""
    pending = model.pending
    if not len(pending):
        return
    consumers = model.consumers
    real, referee, active = _referees_still_customers(model)
    if model.referral.verify == "second_order":
        pay = real & (consumers.orders[referee] >= 2)
        cancel = real & ~active & ~pay
    else:
        due = pending.due_day <= model.day
        pay = due & active
        cancel = due & ~active
    model.ledger.pay_reserved("referral_reward", pending.cost[pay].sum())
    model.ledger.release(pending.cost[cancel].sum())
    pending.keep(~(pay | cancel))


def _referees_still_customers(model: ReferralModel) -> tuple[np.ndarray, ...]:
    """Per pending reward: whether the referee is real, its id (0 for a fake), still a customer."""
    real = model.pending.referee != FAKE
    referee = np.where(real, model.pending.referee, 0)
    return real, referee, real & (model.consumers.state[referee] == State.CUSTOMER)


def payable_pending(model: ReferralModel) -> float:
    """What the rewards awaiting verification can still cost: those of referees still customers.

    A fake referee or one who lapsed (for good) fails verification whenever it comes (and
    under ``second_order`` with ``repurchase.enabled=false`` every referee does); under
    ``holdback`` its reward stays reserved until its due day (the brand cannot tell yet), but
    it will never be paid, so it is no cost deferred past the run.
    """
    if not len(model.pending) or never_reordered(model):
        return 0.0
    return float(model.pending.cost[_referees_still_customers(model)[2]].sum())


def never_reordered(model: ReferralModel) -> bool:
    """Whether ``second_order`` verification can never pay: repeat orders are switched off."""
    return model.referral.verify == "second_order" and not model.config.repurchase.enabled


def fake_referrers(model: ReferralModel, sharers: np.ndarray) -> np.ndarray:
    """Sharers who create fake referees today, one entry per fake.

    The chance a share comes with fakes rises with the offer's extractable value above the
    cost of making a fake account: ``max_rate * (1 - exp(-max(0, value - fake_cost) / scale))``
    (fact R1: rewards that were too high drew fake invites); each such event creates
    ``1 + Poisson(fakes_per_event - 1)`` fakes.
    """
    fraud = model.config.fraud
    if not (fraud.enabled and model.offers_open and len(sharers)):
        return np.zeros(0, dtype=np.int64)
    value = model.referral.extractable_value(sharers)
    surplus = np.maximum(value - fraud.fake_cost, 0.0)
    probability = fraud.max_rate * -np.expm1(-surplus / fraud.scale)
    cheats = sharers[model.draws("fraud").random(len(sharers)) < probability]
    extra = model.draws("fraud_count").poisson(fraud.fakes_per_event - 1, size=len(cheats))
    return np.repeat(cheats, 1 + extra)


_REFERRAL_BY_CODE = np.zeros(max(Channel) + 2, dtype=bool)  # its last entry: Channel.NONE (-1)
_REFERRAL_BY_CODE[list(REFERRAL_CHANNELS)] = True


def is_referral(channel: np.ndarray) -> np.ndarray:
    """Whether each acquisition came through a consumer's referral link.

    A lookup by channel code (about 2 us on a day's buyers, against 30 us for ``np.isin``,
    called twice a day).
    """
    return _REFERRAL_BY_CODE[channel]

"""Accounting: spend by component under an optional total budget and per-channel caps.

Spend is booked by component (``ads``, ``kol``, ``koc``, ``referral_reward``,
``referral_discount`` for acquisition; ``retention``). Rewards promised but not yet paid
(awaiting verification) are *reserved*, so that the budget is never exceeded: when the budget
runs out the paid channels stop and no new reward is promised. A KOC matrix may reserve budget
for its recruits' commissions too (``commission_reserve``); each channel keeps its own reserve.
A seeding scheme may also cap each channel at a share of the budget (``seeding=mixed``, fact
C6); caps apply to channel groups: ``ads``, ``kol``, ``koc`` and ``referral`` (rewards and
discounts). ``mixed`` caps no retention: only ``budget.total`` caps retention spend.
"""

from __future__ import annotations

import math

import numpy as np

ACQUISITION = ("ads", "kol", "koc", "referral_reward", "referral_discount")
RETENTION = ("retention",)
COMPONENTS = ACQUISITION + RETENTION
ROUNDING_MARGIN = 1e-6  # yuan
CHANNEL_OF = {
    "ads": "ads",
    "kol": "kol",
    "koc": "koc",
    "referral_reward": "referral",
    "referral_discount": "referral",
    "retention": "retention",
}


class Ledger:
    """Spend so far and budget left.

    Args:
        budget: total spend cap in yuan, or None for no cap.

    """

    def __init__(self, budget: float | None) -> None:
        self.budget = math.inf if budget is None else float(budget)
        self.spent = dict.fromkeys(COMPONENTS, 0.0)
        self.reserves: dict[str, float] = {}  # held budget by channel (referral, koc)
        self.unbooked = 0.0  # commissions owed on sales after the budget ran out (yuan)
        self.caps: dict[str, float] = {}

    @property
    def total(self) -> float:
        """Everything spent."""
        return sum(self.spent.values())

    @property
    def reserved(self) -> float:
        """Everything held for payments promised but not yet made, over every channel."""
        return sum(self.reserves.values())

    def cap_channels(self, caps: dict[str, float]) -> None:
        """Limit the spend of channel groups (``ads``, ``kol``, ``koc``, ``referral``, ...)."""
        self.caps.update(caps)

    def available(self, component: str | None = None) -> float:
        """Budget neither spent nor reserved, within the component's channel cap if any.

        A margin of :data:`ROUNDING_MARGIN` yuan absorbs floating-point rounding in the sums,
        so that spend never exceeds the budget even in the last digit. Less than the margin
        left is nothing left: spending all that is available leaves a rounding residue (about
        1e-13 yuan) that would otherwise keep the budget "not spent" for good (and with it a
        retention programme's lift, or the ads, running for free).
        """
        left = self.budget - self.total - self.reserved - ROUNDING_MARGIN
        channel = CHANNEL_OF.get(component or "")
        if channel in self.caps:
            used = sum(v for k, v in self.spent.items() if CHANNEL_OF[k] == channel)
            held = self.reserves.get(channel, 0.0)
            left = min(left, self.caps[channel] - used - held - ROUNDING_MARGIN)
        return left if left >= ROUNDING_MARGIN else 0.0

    def spend_up_to(self, component: str, amount: float) -> float:
        """Spend ``amount`` or whatever budget is left, whichever is less.

        Returns:
            The amount spent.

        """
        paid = min(float(amount), self.available(component))
        self.spent[component] += paid
        return paid

    def pay_owed(self, component: str, amount: float) -> None:
        """Pay a commission already earned, as far as the budget allows; note what is not."""
        self.unbooked += float(amount) - self.spend_up_to(component, amount)

    def affordable(self, costs: np.ndarray, component: str | None = None) -> int:
        """How many of ``costs``, taken in order, fit in the available budget.

        A cost equal to what is left fits (the margin of :meth:`available` is given back here:
        it absorbs rounding, it must not turn away the last exact payment). Once nothing is
        available, only costs of 0 fit: giving the margin back then let payments of under
        ``ROUNDING_MARGIN`` through on every call, past the budget (found by a wider random
        search, 3 Dec 2026: 1.07e-6 yuan of commissions on a budget of 0).
        """
        limit = self._limit(component)
        if math.isinf(limit):
            return len(costs)
        return int(np.searchsorted(np.cumsum(costs), limit, side="right"))

    def can_pay(self, cost: float, component: str | None = None) -> bool:
        """Whether one more payment of ``cost`` fits in the available budget (see affordable)."""
        return cost <= self._limit(component)

    def _limit(self, component: str | None) -> float:
        """The most that payments may add up to now: what is left, margin included, or 0."""
        available = self.available(component)
        return available + ROUNDING_MARGIN if available > 0 else 0.0

    def spend(self, component: str, amount: float) -> None:
        """Book spend already checked with :meth:`affordable` or :meth:`reserve`."""
        self.spent[component] += float(amount)

    def reserve(self, amount: float, channel: str = "referral") -> None:
        """Hold budget for payments promised but not yet made (rewards, or KOC commissions)."""
        self.reserves[channel] = self.reserves.get(channel, 0.0) + float(amount)

    def release(self, amount: float, channel: str = "referral") -> None:
        """Return reserved budget (a promised reward that will not be paid)."""
        self.reserves[channel] = max(self.reserves.get(channel, 0.0) - float(amount), 0.0)

    def pay_reserved(self, component: str, amount: float) -> None:
        """Pay a promised reward out of its channel's reserve."""
        self.release(amount, CHANNEL_OF[component])
        self.spend(component, amount)

    def pay_owed_from_reserve(self, component: str, amount: float) -> None:
        """Pay an earned commission out of its channel's reserve first, then as :meth:`pay_owed`.

        What the reserve cannot cover is paid from the budget still available, and what that
        cannot cover is owed (``unbooked``).
        """
        channel = CHANNEL_OF[component]
        covered = min(float(amount), self.reserves.get(channel, 0.0))
        if covered > 0:
            self.pay_reserved(component, covered)
            if self.reserves[channel] < ROUNDING_MARGIN:  # a rounding residue (2.8e-17) is none
                self.reserves[channel] = 0.0
        self.pay_owed(component, float(amount) - covered)

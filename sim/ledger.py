"""Accounting: spend by component under an optional total budget.

Spend is booked by component (``ads``, ``kol``, ``koc``, ``referral_reward``,
``referral_discount`` for acquisition; ``retention``). Rewards promised but not yet paid
(awaiting verification) are *reserved*, so that the budget is never exceeded: when the budget
runs out the paid channels stop and no new reward is promised.
"""

from __future__ import annotations

import math

import numpy as np

ACQUISITION = ("ads", "kol", "koc", "referral_reward", "referral_discount")
RETENTION = ("retention",)
COMPONENTS = ACQUISITION + RETENTION


class Ledger:
    """Spend so far and budget left.

    Args:
        budget: total spend cap in yuan, or None for no cap.

    """

    def __init__(self, budget: float | None) -> None:
        self.budget = math.inf if budget is None else float(budget)
        self.spent = dict.fromkeys(COMPONENTS, 0.0)
        self.reserved = 0.0

    @property
    def total(self) -> float:
        """Everything spent."""
        return sum(self.spent.values())

    def available(self) -> float:
        """Budget neither spent nor reserved."""
        return max(self.budget - self.total - self.reserved, 0.0)

    def spend_up_to(self, component: str, amount: float) -> float:
        """Spend ``amount`` or whatever budget is left, whichever is less.

        Returns:
            The amount spent.

        """
        paid = min(float(amount), self.available())
        self.spent[component] += paid
        return paid

    def affordable(self, costs: np.ndarray) -> int:
        """How many of ``costs``, taken in order, fit in the available budget."""
        if math.isinf(self.budget):
            return len(costs)
        return int(np.searchsorted(np.cumsum(costs), self.available(), side="right"))

    def spend(self, component: str, amount: float) -> None:
        """Book spend already checked with :meth:`affordable` or :meth:`reserve`."""
        self.spent[component] += float(amount)

    def reserve(self, amount: float) -> None:
        """Hold budget for rewards promised but not yet paid."""
        self.reserved += float(amount)

    def release(self, amount: float) -> None:
        """Return reserved budget (a promised reward that will not be paid)."""
        self.reserved = max(self.reserved - float(amount), 0.0)

    def pay_reserved(self, component: str, amount: float) -> None:
        """Pay a promised reward out of the reserve."""
        self.release(amount)
        self.spend(component, amount)

"""Repeat orders and churn of active customers.

Each active customer re-buys with daily hazard ``propensity / cycle_days`` times the retention
scheme's multiplier, and lapses for good with daily probability ``churn_daily`` times the
retention multiplier, times ``repurchase.referred_churn_multiplier`` for referred customers
(0.82 by default: Schmitt, Skiera & Van den Bulte 2011).
The defaults keep the 90-day repurchase rate under 30% (fact P1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.dynamics.referrals import is_referral
from sim.state import State

if TYPE_CHECKING:
    from sim.model import ReferralModel


def repurchase_and_churn(model: ReferralModel) -> np.ndarray:
    """Place today's repeat orders and lapse churners among the active customers.

    Returns:
        The consumers who re-bought today.

    """
    active = model.active
    config = model.config
    # The retention programme runs (and costs) with or without repeat orders, and only while
    # the budget can pay for it: once unfunded, its members are ordinary customers again.
    retention, running = model.retention, model.retention_open
    if len(active) and running:
        model.ledger.spend_up_to("retention", retention.daily_cost(active))
    if not config.repurchase.enabled or not len(active):
        return np.zeros(0, dtype=np.int64)
    consumers = model.consumers
    hazard = config.repurchase.propensity / config.product.cycle_days
    hazard = hazard * (retention.hazard_multiplier(active) if running else 1.0)
    bought = model.draws("repurchase").random(len(active)) < hazard
    repeat = active[bought]
    consumers.orders[repeat] += 1
    consumers.last_order_day[repeat] = model.day
    second = repeat[consumers.orders[repeat] == 2]
    consumers.second_order_day[second] = model.day
    churn = config.repurchase.churn_daily * (retention.churn_multiplier(active) if running else 1.0)
    referred = is_referral(consumers.channel[active])
    churn = churn * np.where(referred, config.repurchase.referred_churn_multiplier, 1.0)
    lapsed = (model.draws("churn").random(len(active)) < churn) & ~bought
    consumers.state[active[lapsed]] = State.LAPSED
    model.active = active[~lapsed]
    return repeat

"""Phases of the day and metrics against the exact rules documented in docs/model.md.

Each test compares a simulated quantity with the formula or the exact count the code
documents: the fraud rule and the extractable value of a two-sided offer, the KOL conversion
rate, the incentive lift on daily word of mouth and the perceived value of an offer, the churn
of referred customers and of customers who re-buy, the holdback due day, the settled-day
shortcut while rewards are pending, and ``repurchase_30d`` and ``orders_per_customer`` on a
hand-built state. Random quantities use enough draws for a tolerance of a few standard errors
(derived in a comment next to each); deterministic ones are compared exactly.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import sim
from sim.dynamics.purchase import Purchases, conversion_probability, referrer_of
from sim.dynamics.referrals import (
    FAKE,
    PendingRewards,
    book_referrals,
    fake_referrers,
    is_referral,
    settle_rewards,
)
from sim.dynamics.repurchase import repurchase_and_churn
from sim.dynamics.sharing import incentive_lift, word_of_mouth
from sim.exposures import Exposures
from sim.state import Channel, ConsumerState, State
from tests.conftest import assert_same_metrics, small


def open_model(*overrides: str, n: int = 500) -> sim.ReferralModel:
    """A fresh model (day 0) with today's offers opened as the daily step opens them."""
    model = sim.ReferralModel(small(*overrides, n=n))
    model._open_offers()
    return model


def make_all_customers(model: sim.ReferralModel, channel: np.ndarray) -> None:
    """Make every consumer an active customer acquired through ``channel``."""
    consumers = model.consumers
    consumers.state[:] = State.CUSTOMER
    consumers.orders[:] = 1
    consumers.first_order_day[:] = consumers.last_order_day[:] = 0
    consumers.channel[:] = channel
    model.active = np.arange(model.n)


# ----- 1. fraud --------------------------------------------------------------------------------


def test_only_koc_and_peer_acquisitions_are_referrals_and_a_non_customer_is_none():
    codes = np.array([-1, 0, 1, 2, 3, 4], dtype=np.int8)  # NONE, SEED, AD, KOL, KOC, PEER
    # NONE (-1) is a non-customer's code: a lookup table indexed by code must not wrap it to PEER
    expected = [False, False, False, False, True, True]
    assert [Channel(c).name for c in codes] == ["NONE", "SEED", "AD", "KOL", "KOC", "PEER"]
    assert is_referral(codes).tolist() == expected


def test_fakes_per_sharer_follow_the_fraud_rate_times_one_plus_poisson():
    reward, fake_cost, scale, per_event = 60.0, 10.0, 50.0, 3.0
    model = open_model(
        "referral=one_sided",
        f"referral.referrer_reward={reward}",
        "fraud.max_rate=1",
        f"fraud.fake_cost={fake_cost}",
        f"fraud.scale={scale}",
        f"fraud.fakes_per_event={per_event}",
    )
    assert model.offers_open
    sharers = np.arange(100_000)  # one_sided values every sharer alike: ids need not exist
    fakes = fake_referrers(model, sharers)
    rate = 1.0 * (1 - math.exp(-max(0.0, reward - fake_cost) / scale))  # 0.632
    lam = per_event - 1
    # X = B * (1 + Poisson(lam)), B ~ Bernoulli(rate): E[X] = rate * (1 + lam),
    # E[X^2] = rate * ((1 + lam)^2 + lam); 5 standard errors of the mean over the sharers.
    mean = rate * (1 + lam)
    variance = rate * ((1 + lam) ** 2 + lam) - mean**2
    assert len(fakes) / len(sharers) == pytest.approx(mean, abs=5 * math.sqrt(variance / 1e5))
    # The events themselves: a binomial share of sharers, and 1 + Poisson(lam) fakes each
    # (mean 1 + lam, variance lam over about 63,000 events).
    per_sharer = np.bincount(fakes, minlength=len(sharers))
    events = int((per_sharer > 0).sum())
    assert events / len(sharers) == pytest.approx(
        rate, abs=5 * math.sqrt(rate * (1 - rate) / len(sharers))
    )
    assert per_sharer[per_sharer > 0].mean() == pytest.approx(
        1 + lam, abs=5 * math.sqrt(lam / events)
    )


def test_the_fraud_rate_saturates_at_max_rate():
    # a surplus of 990 yuan over the fake's cost is 19.8 scales: the rate is max_rate to 1e-8
    model = open_model(
        "referral=one_sided",
        "referral.referrer_reward=1000",
        "fraud.max_rate=0.3",
        "fraud.fake_cost=10",
        "fraud.scale=50",
        "fraud.fakes_per_event=1",
    )
    sharers = np.arange(50_000)
    observed = len(fake_referrers(model, sharers)) / len(sharers)  # one fake per event
    # binomial: 5 standard errors over 50,000 sharers (0.010; mutated, without max_rate: 1)
    assert observed == pytest.approx(0.3, abs=5 * math.sqrt(0.3 * 0.7 / len(sharers)))


def test_no_fake_is_made_while_the_budget_keeps_the_offer_closed():
    # a 1,000-yuan cash reward would draw fakes at max_rate, but the budget cannot pay one
    model = open_model(
        "referral=one_sided",
        "referral.referrer_reward=1000",
        "fraud.max_rate=1",
        "budget.total=10",
    )
    assert not model.offers_open
    assert model.referral.extractable_value(np.arange(3)).min() == 1000
    assert len(fake_referrers(model, np.arange(10_000))) == 0


def test_two_sided_extractable_value_includes_the_resellable_share_of_the_discount():
    model = open_model(
        "referral=two_sided",
        "referral.referrer_reward=4",
        "referral.referee_discount=40",
        "fraud.discount_extractable=0.5",
        "fraud.max_rate=1",
        "fraud.fake_cost=10",
        "fraud.scale=50",
        "fraud.fakes_per_event=1",
    )
    sharers = np.arange(50_000)
    value = model.referral.extractable_value(sharers)
    np.testing.assert_array_equal(value, 4 * 1.0 + 0.5 * 40)  # cash extractable 1 per yuan
    # The reward alone (4 yuan) is below fake_cost: only the discount makes fraud pay.
    rate = 1 - math.exp(-(24 - 10) / 50)  # 0.244; one fake per event
    observed = len(fake_referrers(model, sharers)) / len(sharers)
    # binomial: 5 standard errors over 50,000 sharers
    assert observed == pytest.approx(rate, abs=5 * math.sqrt(rate * (1 - rate) / len(sharers)))


# ----- 2. conversion per channel ---------------------------------------------------------------


def test_kol_exposures_convert_at_the_kol_rate():
    model = open_model(
        "population.susceptibility_sd=0", "conversion.kol=0.07", "conversion.koc=0.03"
    )
    only_kol = Exposures.of(np.arange(4), model.n, Channel.KOL)
    np.testing.assert_allclose(conversion_probability(model, only_kol), 0.07)
    mixed = Exposures.concat(
        [Exposures.of(np.arange(3), model.n, c) for c in (Channel.KOL, Channel.KOC)]
    )
    np.testing.assert_allclose(conversion_probability(model, mixed), np.repeat([0.07, 0.03], 3))


def test_an_offer_that_would_lift_conversion_past_one_converts_with_probability_one():
    # 0.5 x (1 + 4 x 50 / 100) = 1.5 for a discounted peer exposure: capped at 1, which is
    # also its weight when the buyer's credited exposure is drawn
    model = open_model(
        "referral=two_sided",
        "referral.referee_discount=50",
        "product.price=100",
        "conversion.peer=0.5",
        "conversion.ad=0.01",
        "population.price_sensitivity=4",
        "population.price_sensitivity_sd=0",
        "population.susceptibility_sd=0",
    )
    assert model.offer_share == pytest.approx(0.5)
    mixed = Exposures.concat(
        [
            Exposures.of(np.arange(3), model.n, Channel.AD),
            Exposures.of(np.arange(3), 7, Channel.PEER, model.offer_share),
        ]
    )
    np.testing.assert_array_equal(conversion_probability(model, mixed), [0.01] * 3 + [1.0] * 3)


def test_the_referrer_is_the_credited_source_except_for_an_ad():
    # an ad has no referrer (-1); a KOL is its own source id n + j, a KOC or friend its consumer
    channel = np.array([Channel.AD, Channel.KOL, Channel.KOC, Channel.PEER], dtype=np.int8)
    source = np.array([1000, 990, 17, 42])
    purchases = Purchases(np.arange(4), channel, source, np.zeros(4))
    np.testing.assert_array_equal(referrer_of(purchases), [-1, 990, 17, 42])


# ----- 3. word of mouth and perceived value ----------------------------------------------------


def test_perceived_value_adds_the_weighted_referee_discount():
    model = open_model(
        "referral=two_sided",
        "referral.referrer_reward=10",
        "referral.referee_discount=30",
        "share.referee_weight=0.5",
    )
    np.testing.assert_array_equal(model.referral.perceived_value(np.arange(5)), 10 + 0.5 * 30)


def test_daily_word_of_mouth_is_raised_by_the_incentive_lift():
    model = open_model(
        "referral=two_sided",
        "referral.referrer_reward=10",
        "referral.referee_discount=30",
        "share.referee_weight=0.5",
        "share.daily=0.1",
        "share.incentive_lift=1",
        "share.incentive_scale=20",
        n=2000,
    )
    make_all_customers(model, Channel.AD)
    perceived = 10 * 1.0 + 0.5 * 30  # cash is perceived at face value
    expected = 0.1 * (1 + 1 * (1 - math.exp(-perceived / 20)))  # 0.171 (0.1 without lift)
    days = 20
    talkers = sum(len(word_of_mouth(model)[1]) for _ in range(days))
    draws = days * model.n
    # binomial: 5 standard errors over 40,000 customer-days
    band = 5 * math.sqrt(expected * (1 - expected) / draws)
    assert talkers / draws == pytest.approx(expected, abs=band)


def test_every_customer_with_one_friend_tells_that_friend_consumer_zero_included():
    # pairs 0-1, 2-3, ...: the odd ones are customers who talk every day (share.daily=1) and
    # each one's only friend is the even one before it
    pairs = nx.Graph([(i, i + 1) for i in range(0, 20, 2)])
    config = small("seeding=organic", "seeding.initial_customers=1", "share.daily=1")
    model = sim.ReferralModel(config, graph=pairs)
    model.consumers.state[:] = State.UNAWARE
    model.consumers.state[1::2] = State.CUSTOMER
    model.active = np.arange(1, 20, 2)
    exposures, talkers = word_of_mouth(model)
    np.testing.assert_array_equal(np.sort(talkers), np.arange(1, 20, 2))
    np.testing.assert_array_equal(np.sort(exposures.target), np.arange(0, 20, 2))
    np.testing.assert_array_equal(exposures.source, exposures.target + 1)
    assert (exposures.channel == Channel.PEER).all()


def test_an_offer_the_budget_has_closed_lifts_no_sharing():
    # 30 yuan of reward and discount against a budget of 10: offers stay closed
    model = open_model(
        "referral=two_sided",
        "referral.referrer_reward=10",
        "referral.referee_discount=20",
        "share.incentive_lift=1",
        "budget.total=10",
    )
    assert not model.offers_open and model.offer_share == 0
    assert model.referral.perceived_value(np.arange(3)).min() > 0  # the offer is worth sharing
    np.testing.assert_array_equal(incentive_lift(model, np.arange(3)), 1.0)


# ----- 4. repurchase and churn -----------------------------------------------------------------


def test_referred_customers_churn_at_the_referred_multiplier():
    model = open_model(
        "repurchase.propensity=0",
        "repurchase.churn_daily=1",
        "repurchase.referred_churn_multiplier=0.5",
        "share.daily=0",
        n=6000,
    )
    channel = np.resize([Channel.AD, Channel.PEER, Channel.KOC], model.n)
    make_all_customers(model, channel)
    repeat = repurchase_and_churn(model)
    assert len(repeat) == 0
    lapsed = model.consumers.state == State.LAPSED
    assert lapsed[channel == Channel.AD].all()  # churn 1 for customers not referred
    referred = (channel == Channel.PEER) | (channel == Channel.KOC)
    # binomial: 5 standard errors over 4,000 referred customers (mutated: all lapse)
    share = lapsed[referred].mean()
    assert share == pytest.approx(0.5, abs=5 * math.sqrt(0.5 * 0.5 / referred.sum()))
    np.testing.assert_array_equal(np.sort(model.active), np.flatnonzero(~lapsed))


def test_a_customer_who_rebuys_today_cannot_lapse_today():
    # hazard 15 / 30 = 0.5 and churn 1: exactly those who did not re-buy lapse
    model = open_model(
        "repurchase.propensity=15", "repurchase.churn_daily=1", "share.daily=0", n=2000
    )
    make_all_customers(model, Channel.AD)
    repeat = repurchase_and_churn(model)
    assert 0 < len(repeat) < model.n
    state = model.consumers.state
    np.testing.assert_array_equal(np.flatnonzero(state == State.CUSTOMER), np.sort(repeat))
    assert (state[state != State.CUSTOMER] == State.LAPSED).all()
    np.testing.assert_array_equal(np.sort(model.active), np.sort(repeat))
    assert (model.consumers.orders[repeat] == 2).all()


def test_the_second_order_day_is_the_day_of_the_second_order_not_of_a_later_one():
    # hazard 30 / 30 = 1, no churn: everyone re-buys on day 7 (order 2) and day 8 (order 3)
    model = open_model(
        "repurchase.propensity=30", "repurchase.churn_daily=0", "share.daily=0", n=300
    )
    make_all_customers(model, Channel.AD)
    for day in (7, 8):
        model.day = day
        repurchase_and_churn(model)
    assert (model.consumers.orders == 3).all()
    assert (model.consumers.second_order_day == 7).all()  # repurchase_30d reads it
    assert (model.consumers.last_order_day == 8).all()


# ----- 5. holdback verification ----------------------------------------------------------------


def test_a_holdback_reward_is_paid_on_exactly_its_due_day():
    model = open_model("referral=one_sided", "referral.verify=holdback", "share.daily=0")
    consumers = model.consumers
    consumers.state[[1, 2, 3]] = State.CUSTOMER
    consumers.state[4] = State.LAPSED
    model.day = 10
    model.pending = PendingRewards()
    # referees 1 (due today), 2 (due tomorrow), 3 (due yesterday), 4 (due today, lapsed)
    for referee, cost, due in ((1, 20.0, 10), (2, 30.0, 11), (3, 5.0, 9), (4, 7.0, 10)):
        model.pending.add(np.array([0]), np.array([referee]), np.array([cost]), due)
        model.ledger.reserve(cost)
    settle_rewards(model)
    assert model.ledger.spent["referral_reward"] == 25.0  # 20 due today + 5 overdue
    assert model.ledger.reserved == 30.0  # tomorrow's; the lapsed referee's 7 released
    np.testing.assert_array_equal(model.pending.referee, [2])
    model.day = 11
    settle_rewards(model)
    assert model.ledger.spent["referral_reward"] == 55.0
    assert model.ledger.reserved == 0.0 and len(model.pending) == 0


def test_a_holdback_reward_of_a_referee_who_lapsed_stays_reserved_until_its_due_day():
    # the brand cannot tell before the due day: the reserve is released then, not at the lapse
    model = open_model("referral=one_sided", "referral.verify=holdback")
    model.consumers.state[4] = State.LAPSED
    model.pending = PendingRewards()
    model.pending.add(np.array([0]), np.array([4]), np.array([7.0]), 11)
    model.ledger.reserve(7.0)
    model.day = 10
    settle_rewards(model)
    assert model.ledger.reserved == 7.0 and len(model.pending) == 1
    model.day = 11
    settle_rewards(model)
    assert model.ledger.reserved == 0.0 and len(model.pending) == 0
    assert model.ledger.spent["referral_reward"] == 0.0


def test_second_order_pays_repeat_buyers_holds_active_ones_and_releases_the_lapsed():
    model = open_model("referral=one_sided", "referral.verify=second_order", "share.daily=0")
    consumers = model.consumers
    consumers.state[[1, 2]] = State.CUSTOMER
    consumers.state[3] = State.LAPSED
    consumers.orders[[1, 2, 3]] = [2, 1, 1]
    model.pending = PendingRewards()
    # referees 1 (re-bought), 2 (active, one order), 3 (lapsed with one order: never verified)
    for referee, cost in ((1, 20.0), (2, 30.0), (3, 7.0)):
        model.pending.add(np.array([0]), np.array([referee]), np.array([cost]), 0)
        model.ledger.reserve(cost)
    settle_rewards(model)
    assert model.ledger.spent["referral_reward"] == 20.0
    assert model.ledger.reserved == 30.0  # the lapsed referee's 7 released, not held forever
    np.testing.assert_array_equal(model.pending.referee, [2])


def test_a_holdback_reward_is_reserved_until_holdback_days_after_the_referral():
    model = open_model("referral=one_sided", "referral.verify=holdback", "referral.holdback_days=7")
    model.day = 3
    book_referrals(model, np.array([0, 1]), np.array([5, 6]), np.zeros(2), np.array([20.0, 30.0]))
    np.testing.assert_array_equal(model.pending.due_day, [10, 10])  # day 3 + 7
    assert model.ledger.reserved == 50.0 and model.ledger.spent["referral_reward"] == 0


def test_without_verification_a_fake_referees_reward_and_discount_are_fraud_spend():
    model = open_model("referral=two_sided", "referral.verify=none")
    referees = np.array([5, FAKE, 6, FAKE])
    discount, reward = np.array([10.0, 10.0, 10.0, 10.0]), np.array([20.0, 25.0, 20.0, 30.0])
    book_referrals(model, np.array([0, 1, 2, 3]), referees, discount, reward)
    assert model.ledger.spent["referral_reward"] == 95.0  # paid at once, fakes included
    assert model.ledger.spent["referral_discount"] == 40.0
    assert model.fraud.spend == 10 + 25 + 10 + 30  # the two fakes' discounts and rewards
    assert model.ledger.reserved == 0 and len(model.pending) == 0


# ----- 6. the settled-day shortcut -------------------------------------------------------------

HOLDBACK_RUN = (
    "seeding=organic",
    "seeding.initial_customers=100",
    "referral=one_sided",
    "referral.verify=holdback",
    "referral.holdback_days=10",
    "conversion.peer=0.2",
    "share.daily=0",
    "repurchase.enabled=false",
    "days=30",
)


def test_a_model_with_a_pending_reward_is_not_settled():
    model = sim.ReferralModel(small(*HOLDBACK_RUN))
    model.step()
    model.step()
    while len(model._buyers_yesterday) and model.running:
        model.step()
    assert len(model.pending) > 0  # the cascade has died out before its rewards are due
    assert not model.is_settled()
    model.pending.keep(np.zeros(len(model.pending), dtype=bool))
    assert model.is_settled()


def test_holdback_run_is_the_same_with_and_without_the_settled_day_shortcut():
    config = small(*HOLDBACK_RUN)
    fast = sim.ReferralModel(config).run()
    slow = sim.ReferralModel(config)
    while slow.running:  # step every day: no shortcut
        slow.step()
    metrics = slow.metrics()
    assert metrics["spend_referral_reward"] > 0 and metrics["rewards_pending"] == 0
    assert fast.day == slow.day == config.days
    assert_same_metrics(fast.metrics(), metrics)
    pd.testing.assert_frame_equal(fast.timeseries(), slow.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(fast.referrals(), slow.referrals(), check_exact=True)


GROUP_BUY_RUN = (
    "seeding=organic",
    "seeding.initial_customers=30",
    "referral=group_buy",
    "referral.team_size=3",
    "referral.window_days=5",
    "share.after_purchase=1",
    "conversion.peer=0.1",
    "share.daily=0",
    "repurchase.enabled=false",
    "days=60",
)


def test_group_buy_teams_still_open_expire_with_and_without_the_settled_day_shortcut():
    config = small(*GROUP_BUY_RUN, n=3000)
    fast = sim.ReferralModel(config).run()
    slow = sim.ReferralModel(config)
    while slow.running:  # step every day: no shortcut
        slow.step()
    assert slow.referral.filled_teams > 0 and slow.referral.expired_teams > 0
    assert len(fast.referral.leader) == len(slow.referral.leader) == 0  # no team left open
    assert fast.referral.expired_teams == slow.referral.expired_teams
    assert fast.referral.filled_teams == slow.referral.filled_teams
    assert_same_metrics(fast.metrics(), slow.metrics())
    pd.testing.assert_frame_equal(fast.timeseries(), slow.timeseries(), check_exact=True)


def test_second_order_rewards_without_repeat_orders_are_held_but_never_pending():
    overrides = ("referral=two_sided", "referral.verify=second_order", "repurchase.enabled=false")
    model = sim.ReferralModel(small(*overrides, *HOLDBACK_RUN[:2], "budget.total=300")).run()
    assert model.ledger.reserved > 0 and model.ledger.spent["referral_reward"] == 0
    assert model.metrics()["rewards_pending"] == 0  # no referee can ever re-buy


# ----- 7. repeat-order metrics on a hand-built state -------------------------------------------


def test_repurchase_30d_and_orders_per_customer_on_a_hand_built_state():
    model = sim.ReferralModel(small(n=200))
    consumers = ConsumerState(model.n)
    # (first order day, second order day or -1, orders) at the end of day 100
    rows = {
        0: (70, 100, 2),  # acquired exactly 30 days before the end, re-bought on day 30
        1: (10, 50, 3),  # eligible, re-bought after 40 days: not within 30
        2: (71, 72, 2),  # acquired 29 days before the end: not eligible
        3: (20, -1, 1),  # eligible, never re-bought
        4: (40, 55, 2),  # eligible, re-bought within 30
    }
    for consumer, (first, second, orders) in rows.items():
        consumers.state[consumer] = State.CUSTOMER
        consumers.first_order_day[consumer] = first
        consumers.second_order_day[consumer] = second
        consumers.orders[consumer] = orders
        consumers.channel[consumer] = Channel.AD
    consumers.state[5], consumers.first_order_day[5] = State.CUSTOMER, 0  # a seed: excluded
    consumers.orders[5], consumers.channel[5] = 9, Channel.SEED
    model.consumers, model.day = consumers, 100
    metrics = model.metrics()
    assert metrics["customers"] == 5
    assert metrics["repurchase_30d"] == 2 / 4  # consumers 0 and 4 of 0, 1, 3, 4
    assert metrics["orders_per_customer"] == (2 + 3 + 2 + 1 + 2) / 5
    assert metrics["repurchase_rate"] == 4 / 5

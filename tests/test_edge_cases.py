"""Edge cases with defined outputs: the smallest market, no friendships, no money, certain or
impossible conversion, a one-day run, rewards worth nothing.

Each test states the exact output the model promises (see docs/reliability.md) and checks the
invariants of ``tests.conftest`` on the way.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

import sim
from sim.schemes import REFERRAL, SEEDING
from tests.conftest import INDEPENDENT_CASCADE, assert_same_run, run_model

CERTAIN = [f"conversion.{c}=1" for c in ("ad", "kol", "koc", "peer")]
IMPOSSIBLE = [f"conversion.{c}=0" for c in ("ad", "kol", "koc", "peer")]
# Every reward and discount of each paid referral scheme set to 0.
WORTHLESS = {
    "one_sided": ["referral.referrer_reward=0"],
    "two_sided": ["referral.referrer_reward=0", "referral.referee_discount=0"],
    "tiered": ["referral.tiers=[{start:1,reward:0,kind:cash}]", "referral.referee_discount=0"],
    "group_buy": ["referral.group_discount=0", "referral.leader_free=false"],
    "commission": ["referral.rate=0", "referral.second_level_rate=0"],
}
WORD_OF_MOUTH = [
    "network.n=400",
    "seeding=organic",
    "seeding.initial_customers=10",
    "share.after_purchase=0.8",
    "days=40",
]


def run(*overrides: str) -> sim.ReferralModel:
    return run_model(sim.compose(list(overrides)))


def test_two_consumers_one_friendship_certain_conversion_the_friend_buys_on_day_1():
    model = run(
        "network=random", "network.n=2", "network.k=1", "seeding=organic",
        "seeding.initial_customers=1", *INDEPENDENT_CASCADE[1:], *CERTAIN, "days=5",
    )  # fmt: skip
    metrics = model.metrics()
    assert model.network.edges == 1
    assert model.timeseries()["customers"].tolist() == [0, 1, 1, 1, 1, 1]
    assert (metrics["customers"], metrics["referred_customers"]) == (1, 1)
    assert (metrics["cascade_max_size"], metrics["spend_total"], metrics["cac"]) == (2, 0, 0)
    assert math.isnan(metrics["roi"])  # no spend: ROI undefined


TWO_CONSUMERS = {
    "random": (["network.k=1"], 1),
    "circles": (["network.communities=1", "network.k_in=1", "network.k_out=0"], 1),
    "complete": ([], 0),  # random mixing stores no edge
    "lattice": (["network.n=3", "network.k=2"], 3),  # a ring needs three: a triangle
}
"""Per network: the overrides of its smallest market and the friendships it must have."""


@pytest.mark.parametrize("network", TWO_CONSUMERS)
def test_the_smallest_market_of_every_network_runs(network):
    overrides, friendships = TWO_CONSUMERS[network]
    model = run(f"network={network}", "network.n=2", *overrides, "days=10")
    assert model.network.edges == friendships
    assert model.timeseries()["day"].tolist() == list(range(11))  # day 0 and every day after
    assert 0 <= model.metrics()["customers"] <= model.n <= 3
    # one seed whose shares reach everyone and convert for certain: the rest buy on day 1
    certain = run(
        f"network={network}", "network.n=2", *overrides, "seeding=organic",
        "seeding.initial_customers=1", *INDEPENDENT_CASCADE[1:], *CERTAIN, "days=10",
    )  # fmt: skip
    others = certain.n - 1
    assert certain.timeseries()["customers"].tolist() == [0] + [others] * 10
    assert certain.metrics()["referred_customers"] == others


def test_no_friendships_means_no_word_of_mouth_at_all():
    organic = run("network=random", "network.n=200", "network.k=0", "seeding=organic")
    series = organic.timeseries()
    assert organic.network.edges == 0
    assert organic.metrics()["customers"] == 0
    assert (series["aware"] == 5).all()  # the 5 seeds: their shares reach nobody
    with_ads = run("network=random", "network.n=200", "network.k=0").metrics()
    assert with_ads["customers"] > 0 and with_ads["referred_customers"] == 0


@pytest.mark.parametrize("seeding", SEEDING)
def test_zero_budget_spends_nothing_whatever_the_schemes(seeding):
    model = run(
        "network.n=400", f"seeding={seeding}", "referral=two_sided", "retention=community",
        "budget.total=0", "days=30",
    )  # fmt: skip
    metrics = model.metrics()
    assert metrics["spend_total"] == 0 and (model.timeseries()["spend_total"] == 0).all()
    assert metrics["cac"] == 0 if metrics["customers"] else math.isnan(metrics["cac"])


@pytest.mark.parametrize("referral", sorted(set(REFERRAL) - {"none"}))
def test_zero_budget_makes_every_referral_scheme_exactly_no_scheme(referral):
    no_scheme = run(*WORD_OF_MOUTH, "referral=none")
    assert_same_run(run(*WORD_OF_MOUTH, f"referral={referral}", "budget.total=0"), no_scheme)


@pytest.mark.parametrize("referral", sorted(WORTHLESS))
def test_rewards_worth_nothing_make_every_referral_scheme_exactly_no_scheme(referral):
    no_scheme = run(*WORD_OF_MOUTH, "referral=none")
    worthless = run(*WORD_OF_MOUTH, f"referral={referral}", *WORTHLESS[referral])
    assert_same_run(worthless, no_scheme)
    assert worthless.metrics()["spend_total"] == 0


@pytest.mark.parametrize("seeding", SEEDING)
def test_impossible_conversion_brings_no_customer_and_no_referral_spend(seeding):
    model = run("network.n=400", f"seeding={seeding}", "seeding.initial_customers=5",
                "referral=two_sided", *IMPOSSIBLE, "days=30")  # fmt: skip
    metrics = model.metrics()
    assert metrics["customers"] == 0 and metrics["referred_customers"] == 0
    assert metrics["spend_referral_reward"] == metrics["spend_referral_discount"] == 0
    for undefined in ("cac", "repurchase_rate", "orders_per_customer", "repurchase_30d"):
        assert math.isnan(metrics[undefined])


def test_certain_conversion_reaches_exactly_the_seeds_components():
    model = run("network=random", "network.n=300", "network.k=1.5", *INDEPENDENT_CASCADE,
                *CERTAIN, "seeding.initial_customers=3")  # fmt: skip
    _, component = connected_components(model.network.to_scipy(), directed=False)
    seeds = np.flatnonzero(model.consumers.channel == sim.Channel.SEED)
    reached = np.isin(component, component[seeds]).sum()
    assert model.metrics()["customers"] == reached - len(seeds)
    assert model.metrics()["aware_rate"] == reached / 300


def test_certain_ad_conversion_with_enough_impressions_sells_to_everyone():
    metrics = run("network.n=300", "seeding.daily_budget=60000", *CERTAIN).metrics()
    assert metrics["customers"] == 300


@pytest.mark.parametrize("seeding", SEEDING)
def test_a_one_day_run_has_two_rows_and_no_30_day_repurchase(seeding):
    model = run("network.n=400", f"seeding={seeding}", "referral=two_sided", "days=1")
    assert model.timeseries()["day"].tolist() == [0, 1]
    assert math.isnan(model.metrics()["repurchase_30d"])

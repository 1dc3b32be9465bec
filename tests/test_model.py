"""The model as a whole: reproducibility, common random numbers, Mesa integration, invariants."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import pytest

import sim
from sim import KOC, KOL, Channel, Consumer, State
from sim.dynamics import sharing
from sim.dynamics.referrals import FAKE
from tests.conftest import (
    INDEPENDENT_CASCADE,
    assert_same_metrics,
    assert_same_run,
    run_model,
    small,
)

SCHEMES = list(itertools.product(["organic", "ads"], ["none", "one_sided", "two_sided"], ["none"]))


def test_same_seed_gives_bit_identical_results_and_replicates_differ():
    config = small("referral=two_sided", "seeding.initial_customers=5")
    first, again = run_model(config, 0), run_model(config, 0)
    assert first.metrics() == again.metrics() or all(
        a == b or (np.isnan(a) and np.isnan(b))
        for a, b in zip(first.metrics().values(), again.metrics().values(), strict=True)
    )
    pd.testing.assert_frame_equal(first.timeseries(), again.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(first.referrals(), again.referrals(), check_exact=True)
    other = run_model(config, 1)
    assert not first.timeseries().equals(other.timeseries())
    assert not np.array_equal(first.network.indices, other.network.indices)


# Prints a digest of one fast-spreading run (many buyers with several exposures a day, so the
# order of tied exposures decides which one is credited).
_DIGEST_OF_A_RUN = """
import hashlib, sim
config = sim.compose(["network.n=3000", "seeding=mixed", "referral=two_sided",
    "share.after_purchase=0.9", "share.fanout=1", "conversion.peer=0.12", "share.daily=0.05"])
model = sim.ReferralModel(config, replicate=0).run()
print(hashlib.sha256(model.referrals().to_csv().encode()).hexdigest(), model.metrics()["customers"])
"""


def _digest_of_a_run(environment: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _DIGEST_OF_A_RUN],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_same_seed_gives_the_same_run_whatever_sort_the_cpu_offers():
    from numpy._core._multiarray_umath import __cpu_features__

    # numpy sorts with AVX-512/AVX2 kernels where the CPU has them; they order ties differently.
    faster = [name for name in ("X86_V3", "X86_V4", "AVX512_ICL") if __cpu_features__.get(name)]
    if not faster:
        pytest.skip("this CPU has no SIMD sort kernels to switch off")
    here = _digest_of_a_run({})
    assert _digest_of_a_run({"NPY_DISABLE_CPU_FEATURES": " ".join(faster)}) == here


def test_two_schemes_share_network_population_and_audiences():
    one = sim.ReferralModel(small("referral=none", "seeding=organic"), 3)
    two = sim.ReferralModel(small("referral=two_sided", "seeding=ads"), 3)
    assert np.array_equal(one.network.indptr, two.network.indptr)
    assert np.array_equal(one.network.indices, two.network.indices)
    for trait in ("susceptibility", "price_sensitivity", "threshold"):
        assert np.array_equal(getattr(one.traits, trait), getattr(two.traits, trait))
    assert np.array_equal(one.follow.koc_ids, two.follow.koc_ids)
    assert np.array_equal(one.follow.kol.indices, two.follow.kol.indices)


@pytest.mark.parametrize(("seeding", "referral", "retention"), SCHEMES)
@pytest.mark.parametrize("budget", ["null", "3000"])
def test_every_scheme_keeps_the_books_and_the_budget(seeding, referral, retention, budget):
    config = small(
        f"seeding={seeding}",
        f"referral={referral}",
        f"retention={retention}",
        f"budget.total={budget}",
        "seeding.initial_customers=20",
        "share.after_purchase=0.8",
    )
    model = run_model(config)
    metrics = model.metrics()
    if budget != "null" and seeding == "ads":
        # the cap binds: ads spend the budget down to the ledger's ROUNDING_MARGIN (1e-6 yuan,
        # kept back so float sums never pass the cap); 1e-5 allows that margin plus float
        # rounding in sums of ~3000 yuan (ulp ~5e-13), nothing like a yuan left unspent
        assert 3000 - 1e-5 <= metrics["spend_total"] <= 3000
    assert_same_run(model, run_model(config))  # deterministic: the rerun is the same run


def test_budget_stops_ads_once_spent():
    model = run_model(small("seeding=ads", "budget.total=3000", "seeding.daily_budget=600"))
    series = model.timeseries()
    assert series.loc[series.day == 5, "spend_total"].item() == pytest.approx(3000)
    assert series.loc[series.day > 6, "new_customers_ad"].sum() == 0


def test_rewards_and_discounts_are_paid_per_funded_referral_fakes_included():
    # extractable 40 + 10 x resale share > fake_cost 10: fakes appear, and each takes both the
    # reward and the discount (with 7 and 3 the run had no fake, and the fraud line checked 0)
    config = small(
        "referral=two_sided",
        "referral.referrer_reward=40",
        "referral.referee_discount=10",
        "seeding.initial_customers=30",
    )
    metrics = run_model(config).metrics()
    fakes = metrics["fake_referrals"]
    referrals = metrics["referred_customers"] + fakes
    assert metrics["referred_customers"] > 0 and fakes > 0
    assert metrics["spend_referral_reward"] == pytest.approx(40 * referrals)
    assert metrics["spend_referral_discount"] == pytest.approx(10 * referrals)
    assert metrics["fraud_spend"] == pytest.approx(50 * fakes)


def test_fakes_come_from_group_sharers_only_not_from_word_of_mouth():
    # a customer telling one friend a day is not a sharer who can invent referees (model.md)
    config = small(
        "referral=one_sided",
        "referral.referrer_reward=60",  # extractable 60 > fake_cost 10: sharers would fake
        "share.after_purchase=0",
        "share.daily=1",
        "seeding.initial_customers=30",
    )
    metrics = run_model(config).metrics()
    assert metrics["referred_customers"] > 0  # word of mouth ran, with the offer
    assert metrics["fake_referrals"] == 0


def test_a_purchase_is_never_credited_to_an_exposure_that_could_not_convert():
    # ads at conversion 0 reach many who buy through a friend that day: the credit goes in
    # proportion to each exposure's probability, so never to an ad (uniform credit would)
    config = small(
        "seeding=ads",
        "seeding.daily_budget=3000",  # 100,000 impressions a day on 2,000 consumers
        "conversion.ad=0",
        "conversion.peer=0.5",
        "share.daily=1",
        "seeding.initial_customers=50",
    )
    model = run_model(config)
    series = model.timeseries()
    assert series["new_customers_peer"].sum() > 100
    assert series["new_customers_ad"].sum() == 0
    assert (model.consumers.channel != Channel.AD).all()


def test_second_order_verification_pays_only_referees_who_bought_twice():
    config = small(
        "referral=one_sided",
        "referral.verify=second_order",
        "referral.referrer_reward=50",
        "seeding.initial_customers=30",
        "repurchase.propensity=3",
    )
    model = run_model(config)
    consumers = model.consumers
    referred = consumers.acquired() & np.isin(
        consumers.channel, [sim.Channel.PEER, sim.Channel.KOC]
    )
    twice = int((referred & (consumers.orders >= 2)).sum())
    metrics = model.metrics()
    assert metrics["fake_referrals"] > 0 and 0 < twice < metrics["referred_customers"]
    assert metrics["spend_referral_reward"] == pytest.approx(50 * twice)
    assert metrics["fraud_spend"] == 0
    # still owed: referees who are customers with one order (the lapsed were cancelled)
    waiting = referred & (consumers.orders == 1) & (consumers.state == State.CUSTOMER)
    assert 0 < waiting.sum() and metrics["rewards_pending"] == pytest.approx(50 * waiting.sum())


def test_holdback_rewards_of_the_last_days_are_reported_as_pending_not_spent():
    config = small(
        "referral=one_sided",
        "referral.verify=holdback",
        "referral.holdback_days=14",
        "referral.referrer_reward=50",
        "seeding.initial_customers=30",
        "fraud.enabled=false",
        "days=40",
    )
    model = run_model(config)
    consumers, metrics = model.consumers, model.metrics()
    referred = consumers.acquired() & np.isin(
        consumers.channel, [sim.Channel.PEER, sim.Channel.KOC]
    )
    recent = referred & (consumers.first_order_day > model.day - 14)  # due after the last day
    assert 0 < recent.sum() < referred.sum()
    still = recent & (consumers.state == State.CUSTOMER)  # a lapsed referee will not be paid
    assert metrics["rewards_pending"] == pytest.approx(50 * still.sum())
    assert metrics["spend_referral_reward"] <= 50 * (referred.sum() - recent.sum())


def test_holdback_rewards_pending_are_what_the_following_days_pay():
    # no churn, so every real referee stays a customer; fakes (a 60-yuan cash reward draws
    # them) hold reserved budget until their due day but are never paid: the next 14 days pay
    # exactly rewards_pending (a longer run repeats a shorter one's days)
    market = (
        "referral=one_sided",
        "referral.verify=holdback",
        "referral.holdback_days=14",
        "referral.referrer_reward=60",
        "seeding.initial_customers=30",
        "repurchase.churn_daily=0",
    )
    model = run_model(small(*market, "days=30"))
    later = run_model(small(*market, "days=44")).metrics()
    metrics = model.metrics()
    paid_after = later["spend_referral_reward"] - metrics["spend_referral_reward"]
    assert (model.pending.referee == FAKE).any()  # some reserved rewards are of fakes
    assert model.ledger.reserved > metrics["rewards_pending"] > 0
    assert paid_after == pytest.approx(metrics["rewards_pending"])


def test_mesa_agents_read_the_arrays():
    model = run_model(small("referral=two_sided", "seeding.initial_customers=10", n=500))
    agents = model.agents_by_type
    assert len(agents[KOC]) == len(model.follow.koc_ids) == 5
    assert len(agents[Consumer]) + len(agents[KOC]) == model.n
    assert len(agents[KOL]) == model.config.influencers.kols
    assert len(model.agents) == model.n + model.config.influencers.kols
    customers = [a for a in model.agents if isinstance(a, Consumer) and a.is_customer]
    assert len(customers) == model.consumers.is_customer().sum()
    buyer = customers[0]
    assert buyer.state in (State.CUSTOMER, State.LAPSED)
    assert buyer.orders == model.consumers.orders[buyer.index] >= 1
    assert buyer.channel in ("seed", "ad", "kol", "koc", "peer")
    assert all(koc.audience_size > 0 for koc in agents[KOC])


def count_customers(model: sim.ReferralModel) -> int:
    """Reporter: real customers so far."""
    return int(model.consumers.acquired().sum())


def agent_orders(agent: mesa.Agent) -> int:
    """Reporter: orders of one consumer."""
    return agent.orders


def test_mesa_datacollector_matches_the_timeseries():
    model = sim.ReferralModel(small("seeding.initial_customers=10", n=500))
    collector = mesa.DataCollector(
        model_reporters={"customers": count_customers},
        agenttype_reporters={Consumer: {"orders": agent_orders}},
    )
    snapshots = []  # each day's orders, read from the model's arrays, not through agents
    for _ in range(10):
        model.step()
        collector.collect(model)
        snapshots.append(model.consumers.orders.copy())
    collected = collector.get_model_vars_dataframe()["customers"].to_list()
    assert collected == model.timeseries()["customers"].iloc[1:].to_list()
    orders = collector.get_agenttype_vars_dataframe(Consumer)["orders"]
    consumers = model.agents_by_type[Consumer]
    assert len(orders) == 10 * len(consumers)
    index_of = {agent.unique_id: agent.index for agent in consumers}
    for step, snapshot in enumerate(snapshots, start=1):
        day = orders.xs(step, level=0)
        assert (day.to_numpy() == snapshot[[index_of[i] for i in day.index]]).all(), step
    assert snapshots[-1].sum() > snapshots[0].sum()  # orders did change over the ten days


def test_a_datacollector_files_a_settled_runs_last_collection_under_its_last_day():
    config = small("seeding=organic", "share.daily=0", "repurchase.enabled=false", n=500)
    model = sim.ReferralModel(config, 0)
    collector = mesa.DataCollector(agenttype_reporters={Consumer: {"orders": agent_orders}})
    for _ in range(2):
        model.step()
        collector.collect(model)
    model.run()  # settles before day 30: the days left are recorded, not simulated
    collector.collect(model)
    steps = collector.get_agenttype_vars_dataframe(Consumer).index.get_level_values(0)
    assert sorted(set(steps)) == [1, 2, config.days]  # day 2 was overwritten by day 30 before


def test_every_agent_class_is_a_key_even_without_agents_of_it():
    model = sim.ReferralModel(small("influencers.kols=0", "influencers.koc_share=0", n=200))
    agents = model.agents_by_type
    assert list(agents) == [Consumer, KOC, KOL]
    assert (len(agents[Consumer]), len(agents[KOC]), len(agents[KOL])) == (200, 0, 0)
    assert len(model.agents.select(agent_type=Consumer)) == 200  # KOCs included, by isinstance


def test_agents_report_recruits_hires_awareness_and_second_orders():
    model = run_model(small("seeding=mixed", "repurchase.enabled=true", n=2000))
    kocs, kols = model.agents_by_type[KOC], model.agents_by_type[KOL]
    recruited = sorted(koc.index for koc in kocs if koc.recruited)
    assert recruited == sorted(model.seeding.channels[2].recruited_kocs()) and recruited
    hired = sorted(kol.index for kol in kols if kol.hired)
    sizes = model.follow.kol.sizes  # the largest audiences are hired
    assert sorted(sizes[hired]) == sorted(sizes)[-model.config.seeding.kol.hired :]
    consumers = model.consumers
    for agent in model.agents.select(agent_type=Consumer):
        assert agent.first_aware_day == consumers.first_aware_day[agent.index]
        assert agent.second_order_day == consumers.second_order_day[agent.index]
    assert (consumers.second_order_day >= 0).any()
    with pytest.raises(AttributeError):
        kocs[0].index = 3  # an agent reads its row; it cannot be pointed at another


def test_consumers_on_a_users_graph_know_their_node():
    graph = nx.Graph([("bob", "alice"), ("alice", "carol"), ("carol", "dave")])
    config = small("seeding=organic", "seeding.initial_customers=1", "influencers.kols=0")
    model = sim.ReferralModel(config, graph=graph)
    agents = sorted(model.agents.select(agent_type=Consumer), key=lambda a: a.index)
    assert [a.node for a in agents] == ["bob", "alice", "carol", "dave"]
    assert [[agents[f].node for f in a.friends] for a in agents] == [
        list(graph.neighbors(a.node)) for a in agents
    ]


def test_referral_edges_agree_with_consumer_records():
    model = run_model(small("referral=two_sided", "seeding.initial_customers=30"))
    edges = model.referrals()
    assert list(edges.columns) == ["referrer", "referee", "day", "channel"]
    consumers = model.consumers
    assert (consumers.referrer[edges.referee] == edges.referrer).all()
    assert (consumers.first_order_day[edges.referee] == edges.day).all()
    assert (edges.channel == "peer").sum() == model.metrics()["referred_customers"]


def test_run_collects_every_replicate():
    config = small("run.replicates=3", "days=20", n=500)
    result = sim.run(config)
    assert result.metrics["replicate"].tolist() == [0, 1, 2]
    assert len(result.timeseries) == 3 * 21
    assert list(result.timeseries.columns[:2]) == ["replicate", "day"]
    assert result.metrics["customers"].nunique() > 1


SETTLING = [
    ("seeding=kol", "seeding.post_days=[1,5]", "referral=one_sided"),
    ("seeding=koc_matrix", "seeding.post_days=[1,3]", "referral=two_sided", "share.fanout=1"),
    ("seeding=ads", "seeding.end_day=10", "referral=tiered"),
    ("seeding=mixed", "referral=group_buy", "retention=points"),
    ("seeding=organic", *INDEPENDENT_CASCADE[1:], "conversion.peer=0.15"),
]


@pytest.mark.parametrize("overrides", SETTLING, ids=lambda o: o[0])
def test_skipping_settled_days_changes_nothing(overrides):
    config = small(*overrides, "share.daily=0", "repurchase.enabled=false")
    fast = sim.ReferralModel(config, 3).run()
    slow = sim.ReferralModel(config, 3)
    while slow.running:
        slow.step()
    assert fast.day == slow.day == config.days
    assert fast.steps == fast.time == slow.steps == config.days  # Mesa's clock passes them too
    pd.testing.assert_frame_equal(fast.timeseries(), slow.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(fast.referrals(), slow.referrals(), check_exact=True)
    assert_same_metrics(fast.metrics(), slow.metrics())


def test_a_model_that_still_changes_is_not_settled():
    model = sim.ReferralModel(small("share.daily=0.01"), 0)
    model.step()
    assert not model.is_settled()
    quiet = sim.ReferralModel(small("seeding=organic", "share.daily=0", "repurchase.enabled=false"))
    quiet.run()
    assert quiet.is_settled()


@pytest.mark.parametrize("seeding", ["organic", "ads", "kol", "koc_matrix", "mixed"])
def test_every_exposure_reaching_the_purchase_rule_can_still_buy(seeding, monkeypatch):
    # the purchase rule no longer re-checks: each channel must drop customers where it makes
    # exposures (KOL and KOC posts reach followers who bought long ago)
    checked = []

    def checking(model, exposures):
        assert model.consumers.can_buy(exposures.target).all()
        checked.append(len(exposures))
        return decide(model, exposures)

    decide = sim.model.decide_purchases
    monkeypatch.setattr(sim.model, "decide_purchases", checking)
    overrides = [f"seeding={seeding}", "referral=two_sided", "seeding.initial_customers=200"]
    run_model(small(*overrides, "share.daily=0.2"))
    assert sum(checked) > 1000


def test_the_sharers_column_counts_each_consumer_once_a_day(monkeypatch):
    shared, talked = [], []

    def group_shares(model, buyers):
        exposures, sharers = sharing.group_shares(model, buyers)
        shared.append(sharers)
        return exposures, sharers

    def word_of_mouth(model):
        exposures, talkers = sharing.word_of_mouth(model)
        talked.append(talkers)
        return exposures, talkers

    monkeypatch.setattr("sim.model.group_shares", group_shares)
    monkeypatch.setattr("sim.model.word_of_mouth", word_of_mouth)
    config = small("share.after_purchase=0.9", "share.daily=0.5", "seeding.initial_customers=40")
    model = sim.ReferralModel(config)
    for _ in range(20):
        model.step()
    both = [len(np.intersect1d(s, t)) for s, t in zip(shared, talked, strict=True)]
    assert sum(both) > 0  # some consumers shared both ways on one day
    expected = [len(np.union1d(s, t)) for s, t in zip(shared, talked, strict=True)]
    assert model.timeseries()["sharers"].iloc[1:21].tolist() == expected


def test_a_step_after_the_last_day_changes_nothing():
    model = sim.ReferralModel(sim.compose(["network.n=300", "days=5"])).run()
    series = model.timeseries()
    model.step()  # its history holds 5 days: this used to fail with an IndexError
    assert model.day == 5 and not model.running
    pd.testing.assert_frame_equal(model.timeseries(), series)


def test_neighbouring_seeds_do_not_share_replicates():
    # the replicate is a spawn key, not an offset of the seed: replicate 1 of seed 0 is not
    # replicate 0 of seed 1, so two seeds' replicate sets never overlap
    one = sim.ReferralModel(small("seed=0", n=300), 1)
    other = sim.ReferralModel(small("seed=1", n=300), 0)
    assert not np.array_equal(one.network.indices, other.network.indices)
    assert not np.array_equal(one.traits.susceptibility, other.traits.susceptibility)


def test_seeds_are_aware_customers_of_day_zero():
    model = sim.ReferralModel(small("seeding.initial_customers=7", n=300))
    consumers = model.consumers
    seeds = np.flatnonzero(consumers.channel == Channel.SEED)
    assert len(seeds) == 7 == model.aware_count
    for days in (consumers.first_aware_day, consumers.first_order_day, consumers.last_order_day):
        assert (days[seeds] == 0).all()
    assert (consumers.first_aware_day >= 0).sum() == model.aware_count


def test_a_first_order_is_also_the_latest_order_until_the_next():
    model = run_model(small("seeding.initial_customers=30", "repurchase.enabled=false", n=500))
    consumers = model.consumers
    bought = consumers.acquired()
    assert bought.sum() > 10 and (consumers.orders[bought] == 1).all()
    assert (consumers.last_order_day[bought] == consumers.first_order_day[bought]).all()
    assert (consumers.last_order_day[~consumers.is_customer()] == -1).all()


def test_a_model_not_yet_stepped_has_no_referrals_but_their_columns():
    model = sim.ReferralModel(small(n=200))
    for edges in (model.referrals(), model.referral_trees()):
        assert list(edges.columns) == ["referrer", "referee", "day", "channel"]
        assert len(edges) == 0 and (edges.dtypes == "int64").all()


def test_word_of_mouth_goes_on_through_days_without_a_buyer():
    # active customers who talk daily can still win a customer after a quiet day: such a day
    # must not settle the run (the shortcut would record every later day empty)
    config = small(
        "seeding=organic",
        "seeding.initial_customers=3",
        "share.after_purchase=0",
        "share.daily=0.3",
        "conversion.peer=0.05",
        "repurchase.enabled=false",
        n=300,
    )
    fast = sim.ReferralModel(config, 0).run()
    slow = sim.ReferralModel(config, 0)
    while slow.running:
        slow.step()
    new = fast.timeseries()["new_customers"].to_numpy()
    quiet = np.flatnonzero(new[1:] == 0) + 1  # days without a new customer
    assert len(quiet) and new[quiet[0] + 1 :].sum() > 0  # customers come after a quiet day
    pd.testing.assert_frame_equal(fast.timeseries(), slow.timeseries(), check_exact=True)


def test_every_koc_is_a_koc_agent_consumer_zero_included():
    model = sim.ReferralModel(small("influencers.koc_share=1", n=100))
    kocs = model.agents_by_type[KOC]
    assert sorted(koc.index for koc in kocs) == model.follow.koc_ids.tolist() == list(range(100))
    assert len(model.agents_by_type[Consumer]) == 0
    assert all(koc.koc_index == koc.index for koc in kocs)


def test_active_customers_each_day_are_the_customers_who_have_not_lapsed():
    model = sim.ReferralModel(small("seeding.initial_customers=30", "repurchase.propensity=3"))
    active = []
    for _ in range(15):
        model.step()
        active.append(int((model.consumers.state == State.CUSTOMER).sum()))
    series = model.timeseries()
    assert series["repeat_orders"].iloc[1:].sum() > 0  # repeat orders do not count twice
    assert series["active_customers"].iloc[1:].tolist() == active

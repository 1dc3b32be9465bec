"""The public Mesa agent attributes (README.md, docs/odd.md §2 and §4, sim/agents.py).

One small run with KOLs, KOCs, day-0 seeds, peer referrals and planted communities
(``network=circles``, ``seeding=mixed``, ``referral=two_sided``, a threshold mix) is read back
through every agent and compared, attribute by attribute, with the model's arrays and with
what the documentation defines independently of them: traits drawn from the replicate's traits
stream (docs/odd.md §7, Stochasticity), circle ``i * communities // n``
(``sim.network.generators.planted_communities``), ``referrer`` and ``referrals`` as the edges of
``model.referrals()`` name them, a KOL's ``referrer_id = n + j``, ``is_customer`` counting the
seeds that ``metrics()['customers']`` leaves out (README), ``is_fake`` always False (fake
referees are not agents). Every attribute is read-only (sim/agents.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import KOC, KOL, Consumer, State
from sim.population import draw_traits
from sim.rng import Streams
from sim.state import Channel, channel_name

SEEDS = 20
OVERRIDES = [
    "network=circles",
    "network.n=2000",
    "seeding=mixed",
    f"seeding.initial_customers={SEEDS}",
    "referral=two_sided",
    "fraud.enabled=false",  # every funded referral then has a real referee in model.referrals()
    "population.threshold.1=0.8",
    "+population.threshold.2=0.2",
]
CONSUMER_ATTRIBUTES = (
    "index",
    "node",
    "state",
    "orders",
    "first_order_day",
    "second_order_day",
    "first_aware_day",
    "last_order_day",
    "channel",
    "referrer",
    "referrals",
    "susceptibility",
    "price_sensitivity",
    "threshold",
    "friends",
    "community",
    "is_customer",
    "is_fake",
)
KOC_ATTRIBUTES = (*CONSUMER_ATTRIBUTES, "koc_index", "audience_size", "recruited")
KOL_ATTRIBUTES = ("index", "audience_size", "hired", "referrer_id")


@pytest.fixture(scope="module")
def model() -> sim.ReferralModel:
    return sim.ReferralModel(sim.compose(OVERRIDES), replicate=0).run()


@pytest.fixture(scope="module")
def consumers(model) -> list[Consumer]:
    """Every consumer agent (KOCs included), in index order."""
    return sorted(model.agents.select(agent_type=Consumer), key=lambda agent: agent.index)


@pytest.fixture(scope="module")
def edges(model):
    return model.referrals()


def column(agents: list, name: str) -> np.ndarray:
    """One attribute of every agent, as an array."""
    return np.array([getattr(agent, name) for agent in agents])


def test_the_run_has_kols_kocs_seeds_and_referrals_of_every_channel(model, edges):
    # the later tests mean something only if every kind of agent and referral is present
    assert set(edges["channel"]) == {"kol", "koc", "peer"}
    assert len(model.agents_by_type[KOC]) > 0 and len(model.agents_by_type[KOL]) > 0
    assert (model.consumers.channel == Channel.SEED).sum() == SEEDS
    assert set(np.unique(model.traits.threshold).tolist()) == {1, 2}


def test_every_consumer_agent_reads_its_own_row_of_the_arrays(model, consumers):
    assert column(consumers, "index").tolist() == list(range(model.n))
    rows = model.consumers
    for name in ("orders", "first_order_day", "second_order_day", "first_aware_day"):
        np.testing.assert_array_equal(column(consumers, name), getattr(rows, name), err_msg=name)
    np.testing.assert_array_equal(column(consumers, "last_order_day"), rows.last_order_day)
    np.testing.assert_array_equal(column(consumers, "referrer"), rows.referrer)
    np.testing.assert_array_equal(column(consumers, "referrals"), rows.referrals)
    assert [agent.state for agent in consumers] == [State(int(s)) for s in rows.state]
    assert column(consumers, "channel").tolist() == [channel_name(c) for c in rows.channel]
    for name in ("susceptibility", "price_sensitivity", "threshold"):
        np.testing.assert_array_equal(column(consumers, name), getattr(model.traits, name))
    agent = consumers[0]
    assert isinstance(agent.referrer, int) and isinstance(agent.referrals, int)
    assert isinstance(agent.susceptibility, float) and isinstance(agent.price_sensitivity, float)
    assert isinstance(agent.threshold, int) and isinstance(agent.community, int)


def test_agent_traits_are_the_ones_drawn_from_the_replicates_traits_stream(model, consumers):
    # docs/odd.md: one SeedSequence(seed, spawn_key=(replicate,)) spawns the network, traits,
    # follow-layer and dynamics streams; the traits are drawn from the second
    config = model.config
    traits = draw_traits(config.population, model.n, Streams.for_replicate(config.seed, 0).traits)
    np.testing.assert_array_equal(column(consumers, "susceptibility"), traits.susceptibility)
    np.testing.assert_array_equal(column(consumers, "price_sensitivity"), traits.price_sensitivity)
    np.testing.assert_array_equal(column(consumers, "threshold"), traits.threshold)


def test_a_consumers_node_is_its_index_and_its_friends_its_neighbours(model, consumers):
    graph = model.graph
    assert column(consumers, "node").tolist() == list(range(model.n))  # a generated network
    for agent in consumers:
        assert sorted(agent.friends) == sorted(graph.neighbors(agent.node))


def test_a_consumers_community_is_its_circle(model, consumers):
    communities = model.config.network.communities
    expected = np.arange(model.n) * communities // model.n  # planted_communities' labels
    np.testing.assert_array_equal(column(consumers, "community"), expected)
    assert len(np.unique(expected)) == communities


def test_on_a_network_without_communities_every_community_is_minus_one():
    plain = sim.ReferralModel(sim.compose(["network=small_world", "network.n=200"]))
    agents = plain.agents.select(agent_type=Consumer)
    assert len(agents) == 200
    assert {agent.community for agent in agents} == {-1}


def test_a_referees_referrer_channel_and_first_order_day_match_its_referral_edge(
    model, consumers, edges
):
    assert len(edges) > 100
    for referrer, referee, day, channel in edges.itertuples(index=False):
        agent = consumers[referee]
        assert (agent.referrer, agent.first_order_day, agent.channel) == (referrer, day, channel)
    # nobody else has a referrer: seeds, ad customers and non-customers all have -1
    others = np.setdiff1d(np.arange(model.n), edges["referee"].to_numpy())
    assert {consumers[i].referrer for i in others} == {-1}
    assert {consumers[i].channel for i in others} <= {"seed", "ad", "none"}


def test_a_consumers_referrals_count_the_funded_referrals_it_made(model, consumers, edges):
    # two_sided pays every referral through a consumer's link (peer or KOC channel) while the
    # budget lasts; with fraud off every funded referral is an edge with a real referee
    cap = model.config.seeding.total * model.config.seeding.referral_share
    spent = model.ledger.spent["referral_reward"] + model.ledger.spent["referral_discount"]
    assert spent < cap - 100  # the referral budget never ran short
    by_consumer = edges[edges["channel"].isin(["peer", "koc"])]["referrer"].value_counts()
    expected = np.zeros(model.n, dtype=np.int64)
    expected[by_consumer.index.to_numpy()] = by_consumer.to_numpy()
    np.testing.assert_array_equal(column(consumers, "referrals"), expected)
    assert expected.sum() > 100


def test_peer_referrers_are_customers(consumers, edges):
    # only customers share (after a purchase or by daily word of mouth)
    referrers = edges.loc[edges["channel"] == "peer", "referrer"].unique()
    assert len(referrers) > 0
    assert all(consumers[i].is_customer for i in referrers)


def test_is_customer_counts_the_seeds_that_the_customers_metric_leaves_out(model, consumers):
    is_customer = column(consumers, "is_customer")
    np.testing.assert_array_equal(is_customer, column(consumers, "first_order_day") >= 0)
    np.testing.assert_array_equal(is_customer, column(consumers, "channel") != "none")
    seeds = column(consumers, "channel") == "seed"
    assert seeds.sum() == SEEDS and is_customer[seeds].all()
    assert (column(consumers, "orders")[is_customer] >= 1).all()
    assert is_customer.sum() == model.metrics()["customers"] + SEEDS


def test_no_agent_is_fake(model, consumers):
    # fake referees are not agents: they live in the fraud tally only (docs/odd.md §2)
    assert not column(consumers, "is_fake").any()
    assert len(model.agents) == model.n + model.config.influencers.kols


def test_kol_referrer_id_is_n_plus_its_index_and_names_its_referees(model, consumers, edges):
    kols = sorted(model.agents_by_type[KOL], key=lambda kol: kol.index)
    assert [kol.index for kol in kols] == list(range(model.config.influencers.kols))
    assert [kol.referrer_id for kol in kols] == [model.n + j for j in range(len(kols))]
    by_id = {kol.referrer_id: kol for kol in kols}
    kol_edges = edges[edges["channel"] == "kol"]
    assert len(kol_edges) > 0
    assert set(kol_edges["referrer"]) <= set(by_id)  # every KOL referrer is a KOL agent
    assert all(by_id[referrer].hired for referrer in kol_edges["referrer"])  # a hired one
    for agent in consumers:  # a consumer brought in by a KOL names that KOL's referrer_id
        if agent.channel == "kol":
            assert agent.referrer in by_id
        else:
            assert agent.referrer < model.n  # consumer ids only (or -1)


def test_kol_agents_know_their_audience_and_whether_they_were_hired(model):
    hired = set(model.seeding.hired_kols().tolist())
    assert len(hired) == model.config.seeding.kol.hired
    for kol in model.agents_by_type[KOL]:
        assert kol.audience_size == model.follow.kol.sizes[kol.index] > 0
        assert kol.hired == (kol.index in hired)


def test_koc_agents_know_their_row_audience_and_recruitment(model, edges):
    kocs = model.agents_by_type[KOC]
    koc_ids = model.follow.koc_ids
    assert sorted(koc.index for koc in kocs) == sorted(koc_ids.tolist())
    assert sorted(koc.koc_index for koc in kocs) == list(range(len(koc_ids)))
    recruited = set(model.seeding.recruited_kocs().tolist())
    assert len(recruited) == model.config.seeding.koc.recruits
    for koc in kocs:
        assert koc_ids[koc.koc_index] == koc.index
        assert koc.audience_size == model.follow.koc.sizes[koc.koc_index]
        assert koc.recruited == (koc.index in recruited)
    koc_referrers = set(edges.loc[edges["channel"] == "koc", "referrer"])
    assert koc_referrers and koc_referrers <= {koc.index for koc in kocs}


@pytest.mark.parametrize(
    ("kind", "names"),
    [(Consumer, CONSUMER_ATTRIBUTES), (KOC, KOC_ATTRIBUTES), (KOL, KOL_ATTRIBUTES)],
)
def test_every_public_attribute_is_read_only(model, kind, names):
    agent = next(iter(model.agents_by_type[kind]))
    for name in names:
        before = getattr(agent, name)
        with pytest.raises(AttributeError):
            setattr(agent, name, before)
        assert getattr(agent, name) == before

"""Cascade metrics against brute force on known and random trees; follow-layer structure."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

import sim
from sim import follow as follow_layer
from sim.metrics import (
    cascade_metrics,
    cascade_parents,
    repurchase_metrics,
    roots_and_depths,
    structural_virality,
    tree_size_counts,
)
from sim.network import generators as gen
from sim.network.graph import from_edges
from sim.state import Channel, ConsumerState
from tests.conftest import small


def random_forest(n: int, rng: np.random.Generator) -> np.ndarray:
    """Parent pointers of a random forest: each node links to an earlier one or is a root."""
    parent = np.full(n, -1)
    for node in range(1, n):
        if rng.random() < 0.8:
            parent[node] = rng.integers(node)
    order = rng.permutation(n)  # relabel so parents are not always smaller ids
    relabel = np.empty(n, dtype=np.int64)
    relabel[order] = np.arange(n)
    shuffled = np.full(n, -1)
    shuffled[relabel] = np.where(parent >= 0, relabel[np.maximum(parent, 0)], -1)
    return shuffled


def test_roots_depths_and_virality_match_networkx_on_random_forests():
    rng = np.random.default_rng(0)
    for _ in range(5):
        parent = random_forest(300, rng)
        root, depth = roots_and_depths(parent)
        forest = nx.DiGraph((int(p), c) for c, p in enumerate(parent) if p >= 0)
        forest.add_nodes_from(range(300))
        for node in range(300):
            ancestors = nx.ancestors(forest, node)
            top = node if not ancestors else next(a for a in ancestors if parent[a] < 0)
            assert root[node] == top and depth[node] == len(ancestors)
        largest = np.bincount(root).argmax()
        tree = np.flatnonzero(root == largest)
        expected = nx.average_shortest_path_length(forest.subgraph(tree).to_undirected())
        assert structural_virality(tree, parent, depth) == pytest.approx(expected)


def test_star_and_chain_have_known_virality():
    star = np.array([-1, 0, 0, 0, 0])
    _, depth = roots_and_depths(star)
    assert structural_virality(np.arange(5), star, depth) == pytest.approx(2 * 4 / 5)
    chain = np.array([-1, 0, 1, 2, 3])
    _, depth = roots_and_depths(chain)
    assert structural_virality(np.arange(5), chain, depth) == pytest.approx((5 + 1) / 3)


def test_cascade_metrics_on_a_hand_built_forest():
    consumers = ConsumerState(10)
    # Tree A: 0 -> 1 -> 2, 0 -> 3 ; tree B: 4 alone ; tree C: 5 -> 6. Node 9 never bought.
    bought = [0, 1, 2, 3, 4, 5, 6]
    consumers.first_order_day[bought] = [0, 2, 3, 2, 1, 0, 4]
    consumers.channel[bought] = [
        Channel.AD,
        Channel.PEER,
        Channel.PEER,
        Channel.PEER,
        Channel.AD,
        Channel.SEED,
        Channel.PEER,
    ]
    consumers.referrer[[1, 2, 3, 6]] = [0, 1, 0, 5]
    metrics = cascade_metrics(consumers, 10)
    assert metrics["cascade_max_size"] == 4
    assert metrics["cascade_max_depth"] == 2
    assert metrics["single_adopter_share"] == pytest.approx(1 / 3)
    assert metrics["reproduction_number"] == pytest.approx(4 / 7)
    # Tree A distances: 0-1:1 0-2:2 0-3:1 1-2:1 1-3:2 2-3:3 -> mean 10/6
    assert metrics["structural_virality"] == pytest.approx(10 / 6)


def test_a_koc_whose_referee_bought_on_its_own_first_day_is_a_promoter_and_a_root():
    consumers = ConsumerState(6)
    # consumer 5 buys on day 1; on day 3 KOC 0's post (seen before anyone buys that day) brings
    # in 1, and 0 buys through 5's link the same day: 0 promoted first, so it roots its tree
    consumers.first_order_day[[5, 0, 1]] = [1, 3, 3]
    consumers.channel[[5, 0, 1]] = [Channel.AD, Channel.PEER, Channel.KOC]
    consumers.referrer[[0, 1]] = [5, 0]
    assert cascade_parents(consumers, 6).tolist() == [-1, 0, -1, -1, -1, -1]
    consumers.first_order_day[1] = 4  # a day later, 0 was a customer first: 5's referee
    assert cascade_parents(consumers, 6).tolist() == [5, 0, -1, -1, -1, -1]


def test_a_koc_brought_in_by_its_own_referees_stays_the_root_of_its_cascade():
    consumers = ConsumerState(6)
    # KOC 0 posts on day 1 without being a customer: 1 buys (day 2) and refers 2 (day 3), who
    # refers 0 (day 4). The cycle 0 -> 1 -> 2 -> 0 is cut at the promoter's own link.
    consumers.first_order_day[[0, 1, 2]] = [4, 2, 3]
    consumers.channel[[0, 1, 2]] = [Channel.PEER, Channel.KOC, Channel.PEER]
    consumers.referrer[[0, 1, 2]] = [2, 0, 1]
    assert cascade_parents(consumers, 6).tolist() == [-1, 0, 1, -1, -1, -1]
    metrics = cascade_metrics(consumers, 6)
    assert metrics["cascade_max_size"] == 3
    assert metrics["cascade_max_depth"] == 2
    # the cut link is still a successful referral: each of the three customers brought one in
    assert metrics["reproduction_number"] == 1.0


def test_a_recruited_koc_who_never_buys_counts_as_a_channel_not_a_customer():
    consumers = ConsumerState(6)
    # seed 0 refers 1; KOC 2 never buys but brings in 3 and 4, and 4 refers 5
    bought = [0, 1, 3, 4, 5]
    consumers.first_order_day[bought] = [0, 2, 1, 1, 3]
    consumers.channel[bought] = [Channel.SEED, Channel.PEER, Channel.KOC, Channel.KOC, Channel.PEER]
    consumers.referrer[[1, 3, 4, 5]] = [0, 2, 2, 4]
    metrics = cascade_metrics(consumers, 6)
    assert metrics["reproduction_number"] == pytest.approx(2 / 5)  # 0 -> 1 and 4 -> 5
    assert metrics["cascade_max_size"] == 4  # the KOC's tree: 2, 3, 4, 5
    sizes, trees = tree_size_counts(consumers, 6)
    assert sizes.tolist() == [2, 4] and trees.tolist() == [1, 1]


def forest_of_customers(parent: list[int]) -> ConsumerState:
    """Consumers who all bought (roots by ad on day 0, the others by peer on their depth's day)."""
    consumers = ConsumerState(len(parent))
    parent = np.array(parent)
    _, depth = roots_and_depths(parent)
    consumers.first_order_day[:] = depth
    consumers.channel[:] = np.where(parent >= 0, Channel.PEER, Channel.AD)
    consumers.referrer[:] = parent
    return consumers


def test_largest_trees_that_tie_give_their_mean_virality_whatever_their_ids():
    star, chain = [-1, 0, 0, 0], [-1, 0, 1, 2]  # virality 2 x 3 / 4 and (4 + 1) / 3
    expected = (1.5 + 5 / 3) / 2
    for first, second in ((star, chain), (chain, star)):
        parent = first + [p + 4 if p >= 0 else -1 for p in second] + [-1]  # and a lone buyer
        metrics = cascade_metrics(forest_of_customers(parent), len(parent))
        assert metrics["cascade_max_size"] == 4
        assert metrics["structural_virality"] == pytest.approx(expected)


def test_virality_of_several_trees_of_one_size_is_the_mean_of_each():
    rng = np.random.default_rng(3)
    size, count = 7, 5
    parent = np.full(size * count, -1)
    for tree in range(count):  # random trees of one size: node i links to an earlier node
        start = tree * size
        parent[start + 1 : start + size] = start + rng.integers(np.arange(1, size))
    root, depth = roots_and_depths(parent)
    each = [structural_virality(np.flatnonzero(root == r), parent, depth) for r in range(0, 35, 7)]
    assert len(set(each)) > 1  # trees of different shapes
    assert structural_virality(np.arange(35), parent, depth) == pytest.approx(np.mean(each))


def test_referred_repurchase_30d_counts_the_referred_customers_who_had_the_window():
    # "do referred customers come back?" had no metric: repurchase_30d mixed every channel
    consumers = ConsumerState(8)
    consumers.first_order_day[:] = [10, 10, 20, 50, 5, 15, 25, 70]
    consumers.second_order_day[:] = [30, -1, 60, 55, 20, -1, 70, 75]
    consumers.channel[:] = [Channel.PEER, Channel.PEER, Channel.KOC, Channel.PEER,
                            Channel.AD, Channel.AD, Channel.AD, Channel.KOC]  # fmt: skip
    consumers.orders[:] = [2, 1, 2, 2, 2, 1, 2, 2]
    metrics = repurchase_metrics(consumers, np.ones(8, dtype=bool), day=90)
    # had the 30 days (first order by day 60): all but the last; re-bought within 30 days:
    # referred 0 (after 20 days) and 3 (5), not 1 (never) or 2 (40); ads 4 (15), not 5 or 6 (45)
    assert metrics["referred_repurchase_30d"] == pytest.approx(2 / 4)
    assert metrics["repurchase_30d"] == pytest.approx(3 / 7)
    ads_only = consumers.channel == Channel.AD
    alone = repurchase_metrics(consumers, ads_only, day=90)
    assert np.isnan(alone["referred_repurchase_30d"])  # no referred customer: undefined
    assert alone["repurchase_30d"] == pytest.approx(1 / 3)


def test_referred_customers_who_never_lapse_come_back_more_than_the_others():
    # the metric follows the model's own assumption (referred churn x multiplier)
    def pooled(multiplier: float) -> tuple[float, float]:
        overrides = ["referral=two_sided", "network.n=3000", "days=90", "run.replicates=4",
                     "repurchase.churn_daily=0.05",
                     f"repurchase.referred_churn_multiplier={multiplier}"]  # fmt: skip
        metrics = sim.run(sim.compose(overrides), progress=False).metrics
        return metrics["referred_repurchase_30d"].mean(), metrics["repurchase_30d"].mean()

    never, overall = pooled(0.0)
    assert never > overall + 0.05  # referred customers who never lapse re-buy more
    alike, overall_alike = pooled(1.0)
    assert abs(alike - overall_alike) < never - overall


def test_cascade_ratios_are_undefined_without_customers():
    metrics = cascade_metrics(ConsumerState(5), 5)
    assert metrics["cascade_max_size"] == 0 and metrics["cascade_max_depth"] == 0
    for name in ("structural_virality", "reproduction_number", "single_adopter_share"):
        assert np.isnan(metrics[name]), name


def test_cyclic_parent_pointers_are_refused():
    with pytest.raises(ValueError, match="cycle"):
        roots_and_depths(np.array([1, 2, 0, -1]))


def test_kocs_are_the_best_connected_and_follow_their_neighbourhood():
    model = sim.ReferralModel(small(n=5000))
    graph, follow = model.network, model.follow
    assert len(follow.koc_ids) == 50
    degree = graph.degree()
    assert degree[follow.koc_ids].min() >= np.sort(degree)[-50]
    adjacency = graph.to_scipy()
    two_hops = (adjacency + adjacency @ adjacency).tocsr()
    for koc, index in itertools.islice(zip(follow.koc_ids, itertools.count(), strict=False), 10):
        followers = follow.koc.indices[follow.koc.indptr[index] : follow.koc.indptr[index + 1]]
        assert 0 < len(followers) <= 100
        assert koc not in followers
        assert (two_hops[koc, followers].toarray() > 0).all()


@pytest.mark.parametrize("count", [0, 1, 7, 250, 999, 1000])
def test_koc_choice_by_partition_matches_a_full_sort(count):
    # keys from a handful of values force ties at the cut-off, where the partition shortcut
    # must still pick what a stable sort would (smaller tiebreak first, then smaller id)
    generator = np.random.default_rng(count)
    degree = generator.integers(3, 9, size=1000)
    tiebreak = generator.integers(0, 40, size=1000).astype(float)
    by_sort = np.sort(np.lexsort((tiebreak, -degree))[:count])
    np.testing.assert_array_equal(
        np.sort(follow_layer._highest_degree(degree, tiebreak, count)), by_sort
    )
    by_sort = np.sort(np.argsort(tiebreak, kind="stable")[:count])
    np.testing.assert_array_equal(np.sort(follow_layer._smallest(tiebreak, count)), by_sort)


def test_kol_audiences_are_heavy_tailed_around_the_median_share():
    config = small("influencers.kols=200", n=20_000)
    sizes = sim.ReferralModel(config).follow.kol.sizes
    assert np.median(sizes) == pytest.approx(0.03 * 20_000, rel=0.2)
    assert sizes.max() > 5 * np.median(sizes)


def test_array_helpers_agree_with_numpy_unique():
    from sim.arrays import first_occurrences, unique_sorted

    keys = np.random.default_rng(5).integers(0, 50, size=1000)
    assert np.array_equal(unique_sorted(keys), np.unique(keys))
    _, first_index = np.unique(keys, return_index=True)
    assert np.array_equal(np.flatnonzero(first_occurrences(keys)), np.sort(first_index))


def test_growing_ids_keep_every_append_and_replacement_in_order():
    from sim.arrays import GrowingIds

    generator = np.random.default_rng(2)
    grown, reference = GrowingIds(), np.zeros(0, dtype=np.int64)
    for step in range(200):
        if step % 17 == 16:  # churn: keep a random subset
            reference = reference[generator.random(len(reference)) < 0.8]
            grown.replace(reference)
        else:
            ids = generator.integers(0, 10**6, size=generator.integers(0, 50))
            reference = np.concatenate([reference, ids])
            grown.extend(ids)
        np.testing.assert_array_equal(grown.view(), reference)
        assert len(grown) == len(reference)
    kept = grown.view()
    with pytest.raises(ValueError, match="read-only"):
        kept[0] = -1
    grown.extend(np.arange(3))
    np.testing.assert_array_equal(kept, reference)  # an earlier view never changes


def test_counting_and_tallying_ids_agree_with_numpy_unique_on_reused_scratch():
    from sim.arrays import Scratch

    scratch, rng = Scratch(500), np.random.default_rng(6)
    for size in (0, 1, 7, 300, 5000):  # the scratch keeps stale positions between calls
        ids = rng.integers(0, 500, size=size)
        assert scratch.count_distinct(ids) == len(np.unique(ids))
        values, counts = scratch.tally(ids)
        order = np.argsort(values)
        expected_values, expected_counts = np.unique(ids, return_counts=True)
        np.testing.assert_array_equal(values[order], expected_values)
        np.testing.assert_array_equal(counts[order], expected_counts)


def test_friends_of_lists_each_row_of_the_graph_in_order():
    graph = gen.small_world(300, 6, 0.3, np.random.default_rng(2))
    nodes = np.array([5, 0, 5, 299, 17])  # repeats allowed
    owner, friend = graph.friends_of(nodes)
    rows = [graph.indices[graph.indptr[v] : graph.indptr[v + 1]] for v in nodes]
    assert np.array_equal(owner, np.repeat(nodes, [len(r) for r in rows]))
    assert np.array_equal(friend, np.concatenate(rows))
    assert len(graph.friends_of(np.zeros(0, dtype=np.int64))[0]) == 0


def neighbourhood(graph, koc: int) -> set:
    """The KOC's friends and friends of friends, not the KOC itself."""
    friends = graph.friends_of(np.array([koc]))[1]
    return (set(friends.tolist()) | set(graph.friends_of(friends)[1].tolist())) - {koc}


def audience(follow, index: int) -> np.ndarray:
    return follow.koc.indices[follow.koc.indptr[index] : follow.koc.indptr[index + 1]]


def test_a_koc_whose_neighbourhood_fits_the_cap_has_all_of_it_as_its_audience():
    # docs/odd.md: on the default small world the neighbourhood (about 60) is below the cap
    # of 100, so each KOC's audience is its whole neighbourhood, in id order
    model = sim.ReferralModel(small(n=10_000))
    graph, follow = model.network, model.follow
    balls = [neighbourhood(graph, koc) for koc in follow.koc_ids]
    assert max(map(len, balls)) <= model.config.influencers.koc_audience
    for index, ball in enumerate(balls):
        assert audience(follow, index).tolist() == sorted(ball)


@pytest.mark.parametrize("network", ["small_world", "scale_free"])
def test_a_koc_audience_is_a_random_cap_sized_part_of_its_neighbourhood(network):
    # the cap binds: koc_audience=20 of about 60 on the small world; on the scale-free graph
    # the hubs' neighbourhoods (thousands) are walked, not listed, and still fill the cap
    model = sim.ReferralModel(small(f"network={network}", "influencers.koc_audience=20", n=5000))
    graph, follow = model.network, model.follow
    beyond = follow_layer._friends_friendships(graph, graph.degree(), follow.koc_ids)
    assert (beyond.max() > follow_layer.LISTED_LIMIT) == (network == "scale_free")  # drawn
    for index, koc in enumerate(follow.koc_ids):
        members = audience(follow, index)
        ball = neighbourhood(graph, koc)
        assert len(members) == min(20, len(ball))
        assert len(set(members.tolist())) == len(members) and set(members.tolist()) <= ball


def test_friends_have_no_priority_in_a_koc_audience():
    # a uniformly random part of the neighbourhood: friends make up the same share of the
    # audiences as of the neighbourhoods (binomial z-test over all KOCs' members)
    model = sim.ReferralModel(small("influencers.koc_audience=15", n=20_000))
    graph, follow = model.network, model.follow
    friends_kept, expected, variance = 0, 0.0, 0.0
    for index, koc in enumerate(follow.koc_ids):
        friends = set(graph.friends_of(np.array([koc]))[1].tolist())
        ball = neighbourhood(graph, koc)
        share = len(friends) / len(ball)
        members = audience(follow, index)
        friends_kept += sum(member in friends for member in members.tolist())
        expected += share * len(members)
        variance += share * (1 - share) * len(members)
    assert abs(friends_kept - expected) < 4 * np.sqrt(variance), (friends_kept, expected)


def test_a_hubs_candidates_are_drawn_evenly_from_its_friends_and_their_friendships():
    # KOC 0 has friends 1 and 2; 1's friends are 0, 3, 4 and 2's are 0, 5: the list drawn
    # from is [1, 0, 3, 4, 2, 0, 5], so 0 (dropped later) comes up 2/7 of the time, the rest 1/7
    graph = from_edges(6, np.array([0, 0, 1, 1, 2]), np.array([1, 2, 3, 4, 5]))
    walkers, members = follow_layer._sampled(
        graph, graph.degree(), np.array([0]), 70_000, np.random.default_rng(5)
    )
    assert np.all(walkers == 0)
    share = np.bincount(members, minlength=6) / len(members)
    expected = np.array([2, 1, 1, 1, 1, 1]) / 7
    assert np.all(np.abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / 70_000))


def test_a_tightly_knit_hub_whose_draws_repeat_gets_a_full_uniform_audience():
    # KOC 0 has 30 friends, all friends with the same 50 people, and 4 friends of their own
    # each: a neighbourhood of 200 behind 1,650 friendships, so it is drawn, not listed, and
    # 300 draws find only about 74 people (the shared 50 come up 30 times as often); it is
    # listed after all and gets 100, friends no more often than their 15% of the neighbourhood
    u, v = [], []
    for friend in range(1, 31):
        u += [0] + [friend] * 54
        v += [friend, *range(31, 81), *range(81 + (friend - 1) * 4, 85 + (friend - 1) * 4)]
    graph = from_edges(201, np.array(u), np.array(v))
    assert follow_layer._friends_friendships(graph, graph.degree(), np.array([0]))[0] == 1650
    config = sim.config.InfluencerConfig(koc_audience=100)
    friends = 0
    for seed in range(200):
        audiences = follow_layer._koc_audiences(
            config, graph, np.array([0]), np.random.default_rng(seed)
        )
        assert audiences.sizes.tolist() == [100] and 0 not in audiences.indices
        friends += np.count_nonzero(audiences.indices <= 30)
    assert abs(friends / 20_000 - 0.15) < 4 * np.sqrt(0.15 * 0.85 / 20_000)


def test_kocs_taken_in_chunks_get_the_same_kind_of_audience(monkeypatch):
    # chunks of about 300 neighbourhood entries (a few KOCs each) instead of one
    monkeypatch.setattr(follow_layer, "LISTED_PER_CHUNK", 300)
    model = sim.ReferralModel(small(n=5000))
    graph, follow = model.network, model.follow
    assert len(follow.koc.sizes) == len(follow.koc_ids)
    for index, koc in enumerate(follow.koc_ids):
        assert audience(follow, index).tolist() == sorted(neighbourhood(graph, koc))


def test_chunks_are_consecutive_runs_within_the_limit():
    cost = np.array([5, 5, 5, 20, 1, 1, 1, 9])
    chunks = follow_layer._chunks(cost, 10)
    assert np.array_equal(np.concatenate(chunks), np.arange(len(cost)))
    # a chunk's entries after its first sum to less than the limit (one big entry stands alone)
    assert [chunk.tolist() for chunk in chunks] == [[0], [1, 2], [3, 4, 5, 6], [7]]
    assert all(cost[chunk[1:]].sum() < 10 for chunk in chunks)
    assert follow_layer._chunks(np.zeros(0, dtype=np.int64), 10) == []


def test_random_subset_keeps_each_follower_equally_often_and_in_order():
    # one audience of 10 cut to 3, one of 2 kept whole: each of the 10 is kept 30% of the time
    audiences = follow_layer.Audiences(np.array([0, 10, 12]), np.arange(12))
    rng = np.random.default_rng(4)
    kept = np.zeros(12)
    for _ in range(4000):
        subset = follow_layer._random_subset(audiences, 3, rng)
        assert subset.sizes.tolist() == [3, 2]
        assert np.all(np.diff(subset.indices[:3]) > 0)  # the order of the audience is kept
        kept[subset.indices] += 1
    assert kept[10] == kept[11] == 4000
    share = kept[:10] / 4000
    assert np.all(np.abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 4000)), share

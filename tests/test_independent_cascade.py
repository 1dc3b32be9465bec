"""The independent-cascade limit (DESIGN.md §1.6): theory and a reference implementation."""

from __future__ import annotations

import importlib.util
from collections import deque

import networkx as nx
import numpy as np
import pytest
from scipy import stats

import sim
from experiments import peers
from experiments.peers import bare_numpy_runner, mesa_frontier_runner, mesa_runner
from sim.network import generators
from sim.network.graph import SocialGraph, from_edges
from sim.theory import percolation_size
from tests.conftest import INDEPENDENT_CASCADE, run_model

SEEDS = 5


@pytest.mark.parametrize(("k", "p"), [(10, 0.15), (6, 0.3), (4, 0.5)])
def test_final_size_matches_bond_percolation_on_erdos_renyi(k, p):
    n = 50_000
    config = sim.compose(
        [
            *INDEPENDENT_CASCADE,
            "network=random",
            f"network.n={n}",
            f"network.k={k}",
            f"conversion.peer={p}",
            f"seeding.initial_customers={SEEDS}",
            "days=150",
        ]
    )
    sizes = []
    for replicate in range(4):
        model = run_model(config, replicate)
        sizes.append((model.metrics()["customers"] + SEEDS) / n)
    took_off = [s for s in sizes if s > 0.05]
    assert len(took_off) >= 2
    assert np.mean(took_off) == pytest.approx(percolation_size(k, p), abs=0.015)


def reference_cascade(graph: nx.Graph, p: float, rng: np.random.Generator) -> int:
    """Textbook independent cascade: each new adopter tries each neighbour once with prob p."""
    start = int(rng.integers(graph.number_of_nodes()))
    adopted, frontier = {start}, deque([start])
    while frontier:
        node = frontier.popleft()
        for friend in graph.neighbors(node):
            if friend not in adopted and rng.random() < p:
                adopted.add(friend)
                frontier.append(friend)
    return len(adopted)


def test_final_size_distribution_matches_reference_on_small_world():
    n, k, rewire, p, runs = 1000, 10, 0.1, 0.25, 200
    config = sim.compose(
        [
            *INDEPENDENT_CASCADE,
            f"network.n={n}",
            f"network.k={k}",
            f"network.rewire={rewire}",
            f"conversion.peer={p}",
            "seeding.initial_customers=1",
            "days=200",
        ]
    )
    ours = [sim.ReferralModel(config, r).run().metrics()["customers"] + 1 for r in range(runs)]
    rng = np.random.default_rng(12345)
    reference = [
        reference_cascade(nx.connected_watts_strogatz_graph(n, k, rewire, seed=int(s)), p, rng)
        for s in rng.integers(0, 2**31, size=runs)
    ]
    assert stats.ks_2samp(ours, reference).pvalue > 0.01
    # The distribution is bimodal (die-outs and large outbreaks): both modes must be there.
    assert min(ours) < 0.05 * n and max(ours) > 0.5 * n
    large_ours = [s for s in ours if s > 0.1 * n]
    large_reference = [s for s in reference if s > 0.1 * n]
    assert np.mean(large_ours) == pytest.approx(np.mean(large_reference), rel=0.05)


def test_benchmark_numpy_floor_has_the_textbook_cascade_distribution():
    """The benchmark's bare numpy cascade (experiments.peers) runs the cascade we time."""
    n, k, rewire, p, runs = 1000, 10, 0.1, 0.25, 200
    rng = np.random.default_rng(2024)
    floor = [
        bare_numpy_runner(
            generators.small_world(n, k, rewire, np.random.default_rng(run)),
            rng.choice(n, 1),
            p,
            run,
        )[1]
        for run in range(runs)
    ]
    reference = [
        reference_cascade(nx.connected_watts_strogatz_graph(n, k, rewire, seed=run), p, rng)
        for run in range(runs)
    ]
    assert stats.ks_2samp(floor, reference).pvalue > 0.01
    large_floor = [s for s in floor if s > 0.1 * n]
    large_reference = [s for s in reference if s > 0.1 * n]
    assert np.mean(large_floor) == pytest.approx(np.mean(large_reference), rel=0.05)


def test_benchmark_numpy_floor_tries_each_friend_once():
    """A star seeded at a leaf: E[size] = 1 + p (1 + p (n - 2)); retries would exceed it."""
    leaves, p, runs = 200, 0.3, 2000
    graph = from_edges(leaves + 1, np.zeros(leaves), np.arange(1, leaves + 1))
    sizes = np.array([bare_numpy_runner(graph, np.array([1]), p, r)[1] for r in range(runs)])
    assert_a_star_cascade_from_a_leaf(sizes, leaves, p)


def assert_a_star_cascade_from_a_leaf(sizes: np.ndarray, leaves: int, p: float) -> None:
    """Final sizes of cascades on a star seeded at a leaf, each friend tried once, within 4 SE."""
    runs = len(sizes)
    expected = 1 + p * (1 + p * (leaves - 1))
    # size - 1 is p-Bernoulli(hub) times (1 + Binomial(leaves - 1, p))
    second_moment = p * ((1 + p * (leaves - 1)) ** 2 + (leaves - 1) * p * (1 - p))
    sd = np.sqrt(second_moment - (expected - 1) ** 2)
    assert abs(sizes.mean() - expected) < 4 * sd / np.sqrt(runs)
    # the hub is tried once, by the seed: it stays out with probability 1 - p
    assert abs((sizes == 1).mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / runs)


@pytest.mark.parametrize("runner", [mesa_runner, mesa_frontier_runner], ids=["all", "frontier"])
def test_benchmark_per_agent_mesa_models_try_each_friend_once(runner):
    """A star seeded at a leaf: E[size] = 1 + p (1 + p (n - 2)), in both per-agent models.

    The frontier model (only fresh adopters step; a review asked for it) must run the same
    cascade as the straightforward one it is reported beside.
    """
    leaves, p, runs = 60, 0.3, 400
    star = nx.star_graph(leaves)  # hub 0, leaves 1..leaves
    sizes = np.array([runner(star, np.array([1]), p, r)[1] for r in range(runs)])
    assert_a_star_cascade_from_a_leaf(sizes, leaves, p)


# Every engine the benchmark times, and whether it takes a networkx graph (as in
# experiments.benchmark.cascade_engines) or our CSR SocialGraph.
BENCHMARK_ENGINES = {
    "ours": (peers.ours, False),
    "bare numpy": (bare_numpy_runner, False),
    "cynetdiff": (peers.cynetdiff_runner, False),
    "EoN": (peers.eon_runner, True),
    "NDlib": (peers.ndlib_runner, True),
    "Mesa": (mesa_runner, True),
    "Mesa frontier": (mesa_frontier_runner, True),
}
PEER_MODULES = {"cynetdiff": "cynetdiff", "EoN": "EoN", "NDlib": "ndlib"}  # the bench extra


def engines(*, ours: bool = True) -> list:
    """The engines' names to parametrize over; a peer not installed is skipped, saying so."""
    return [
        pytest.param(
            name,
            marks=pytest.mark.skipif(
                name in PEER_MODULES and importlib.util.find_spec(PEER_MODULES[name]) is None,
                reason=f"{name} is not installed (pip install -e '.[bench]')",
            ),
        )
        for name in BENCHMARK_ENGINES
        if ours or name != "ours"
    ]


def run_engine(name: str, graph: SocialGraph, seeds: np.ndarray, p: float, seed: int) -> int:
    """The final size of one cascade in the benchmark engine ``name``, seeds included."""
    runner, takes_networkx = BENCHMARK_ENGINES[name]
    seconds, final = runner(graph.to_networkx() if takes_networkx else graph, seeds, p, seed)
    assert seconds >= 0
    return final


@pytest.mark.parametrize("name", engines())
def test_every_benchmark_engine_counts_its_seeds_and_nothing_else_at_p_0(name):
    """At p = 0 nobody is reached: the final size is the number of seeds, seeds included."""
    graph = generators.small_world(200, 10, 0.1, np.random.default_rng(3))
    seeds = np.random.default_rng(4).choice(200, 10, replace=False)
    assert run_engine(name, graph, seeds, 0.0, 5) == 10


@pytest.mark.parametrize("name", engines())
def test_every_benchmark_engine_runs_a_long_cascade_to_its_end_at_p_1(name):
    """At p = 1 a path is reached end to end, however many generations that takes.

    The seed is one end (ours draws its own, uniformly): up to 149 generations, so an engine
    that stops after a fixed number of steps (our runs have ``days``) must allow them all.
    """
    n = 150
    path = from_edges(n, np.arange(n - 1), np.arange(1, n))
    assert run_engine(name, path, np.array([0]), 1.0, 5) == n


def test_our_benchmark_runner_refuses_a_cascade_longer_than_its_days_rather_than_cut_it():
    """A path longer than ``peers.CASCADE_DAYS``, p = 1: an error, not a short final size.

    Until 2 Dec 2026 a 600-consumer path gave 404 against the peers' 600 (a mutation review).
    """
    n = 2 * peers.CASCADE_DAYS + 3  # ours draws its one seed: an end is > CASCADE_DAYS away
    path = from_edges(n, np.arange(n - 1), np.arange(1, n))
    with pytest.raises(RuntimeError, match=f"still spreading on day {peers.CASCADE_DAYS}"):
        peers.ours(path, np.array([0]), 1.0, 1)


@pytest.mark.parametrize("name", engines())
def test_every_benchmark_engine_tries_each_friend_once_with_probability_p_both_ways(name):
    """Pairs of friends, a seed in 1,000 of them: the final size is 1,000 + Binomial(1,000, p).

    Half the seeds are the lower id of their pair and half the higher, so an engine that
    follows friendships one way only, uses ``p`` twice, retries, or drops a seed, is off by
    far more than 4 standard deviations. Ours draws its 1,000 seeds uniformly from the 4,000
    ids, so some pairs hold two: each seed whose friend is not a seed reaches it with
    probability p, and the number of such seeds varies too.
    """
    pairs, seeded, p = 2000, 1000, 0.3
    n = 2 * pairs
    graph = from_edges(n, np.arange(0, n, 2), np.arange(1, n, 2))
    half = seeded // 2
    seeds = np.concatenate([2 * np.arange(half), 2 * np.arange(half, seeded) + 1])
    final = run_engine(name, graph, seeds, p, 7)
    lonely, lonely_variance = float(seeded), 0.0
    if name == "ours":  # lonely = seeded - 2 B, B the pairs holding two seeds (drawn uniformly)
        both = seeded * (seeded - 1) / (n * (n - 1))
        four = both * (seeded - 2) * (seeded - 3) / ((n - 2) * (n - 3))
        lonely = seeded - 2 * pairs * both
        lonely_variance = 4 * (pairs * both + pairs * (pairs - 1) * four - (pairs * both) ** 2)
    variance = lonely * p * (1 - p) + p**2 * lonely_variance
    assert abs(final - (seeded + p * lonely)) < 4 * np.sqrt(variance)


@pytest.mark.parametrize("name", engines(ours=False))
def test_every_benchmark_peer_starts_from_the_seed_ids_it_is_given(name):
    """Two friends (0, 1) and a path 2-9 apart, p = 1: a seed reaches exactly its own part.

    The peers are handed the same seed ids in each run (ours draws its own); a peer that
    shifted them by one would start in the other part.
    """
    graph = from_edges(10, np.array([0, *range(2, 9)]), np.array([1, *range(3, 10)]))
    assert run_engine(name, graph, np.array([1]), 1.0, 0) == 2
    assert run_engine(name, graph, np.array([2]), 1.0, 0) == 8


@pytest.mark.parametrize("name", engines())
def test_every_benchmark_engine_repeats_a_run_from_its_seed_and_varies_with_it(name):
    """The same seed repeats a cascade, and other seeds give other cascades.

    The benchmark's final sizes are reproducible run to run, and its repeats are not copies
    of one run. 200 pairs of friends with a seed in 100: the final size is 100 +
    Binomial(100, 0.3), so three seeds all giving one size would be a 1-in-100 chance.
    """
    graph = from_edges(400, np.arange(0, 400, 2), np.arange(1, 400, 2))
    seeds = 2 * np.arange(100)
    finals = [run_engine(name, graph, seeds, 0.3, seed) for seed in (0, 0, 1, 2)]
    assert finals[0] == finals[1]
    assert len(set(finals)) > 1

"""The independent-cascade limit (DESIGN.md §1.6): theory and a reference implementation."""

from __future__ import annotations

from collections import deque

import networkx as nx
import numpy as np
import pytest
from scipy import stats

import sim
from experiments.peers import bare_numpy_runner, mesa_frontier_runner, mesa_runner
from sim.network import generators
from sim.network.graph import from_edges
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

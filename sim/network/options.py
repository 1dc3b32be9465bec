"""The ``network`` config group: one dataclass per option, each able to build its graph.

Options: ``small_world`` (default), ``lattice``, ``random``, ``scale_free``, ``circles``,
``complete`` (random mixing, no edges) and ``edgelist`` (a user file). DESIGN.md §1.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.network import generators
from sim.network.graph import SocialGraph
from sim.network.io import FIRST_LINE, check_network_file, load_edgelist_once
from sim.params import COUNT, NON_NEGATIVE, POSITIVE_COUNT, PROBABILITY, Range, fail, param

N_RANGE = Range(2, integer=True)
RING_DEGREE = Range(2, integer=True)
_OTHERS = "network=random, circles or complete allow n = 2"
RING_N_RANGE = Range(3, integer=True, why=f"k >= 2 neighbours need k + 1 consumers; {_OTHERS}")
PREFERENTIAL_N_RANGE = Range(
    3, integer=True, why=f"a mean degree k >= 2 needs k + 1 consumers; {_OTHERS}"
)


@dataclass
class NetworkConfig:
    """Base of every network option."""

    name: str = param("small_world", "which network")

    def build(self, rng: np.random.Generator) -> SocialGraph:
        """Generate the friendship graph."""
        raise NotImplementedError


_RING = "k/2 neighbours on each side"
"""Why a ring lattice's ``k`` is even and below ``n``."""
_PREFERENTIAL = (
    "each new consumer links to k/2 earlier ones, for a mean degree of about k: at most n - 1 "
    "among n consumers"
)
"""The same for preferential attachment (``network=scale_free``)."""


def _check_ring_degree(prefix: str, n: int, k: int, why: str = _RING) -> None:
    if k % 2 or not 2 <= k <= n - 1:
        largest = n - 1 - (n - 1) % 2  # the largest even k that fits n consumers
        allowed = "k = 2" if largest == 2 else f"an even integer in [2, {largest}]"
        fail(prefix + "k", k, f"{allowed} with {prefix}n={n} ({why})")


@dataclass
class SmallWorldConfig(NetworkConfig):
    """Watts–Strogatz small world (connected)."""

    name: str = "small_world"
    n: int = param(10_000, "consumers", range=RING_N_RANGE)
    k: int = param(10, "degree of the ring lattice before rewiring (even)", range=RING_DEGREE)
    rewire: float = param(0.1, "probability each edge is rewired", range=PROBABILITY)

    def validate(self, prefix: str) -> None:
        """Check the degree fits the ring, and that a rewired ring can stay connected."""
        _check_ring_degree(prefix, self.n, self.k)
        if self.k == 2 and self.rewire > 0:  # a rewired cycle is connected about 1/sqrt(n)
            allowed = "an even integer >= 4 when rewire > 0 (a rewired ring of k = 2 is almost"
            fail(prefix + "k", self.k, f"{allowed} never connected), or {prefix}rewire=0")

    def build(self, rng: np.random.Generator) -> SocialGraph:
        """Generate the graph."""
        return generators.small_world(self.n, self.k, self.rewire, rng)


@dataclass
class LatticeConfig(SmallWorldConfig):
    """Ring lattice: a small world with no rewiring (set ``rewire`` to rewire anyway)."""

    name: str = "lattice"
    rewire: float = param(0.0, "probability each edge is rewired", range=PROBABILITY)


@dataclass
class RandomConfig(NetworkConfig):
    """Erdős–Rényi random graph with mean degree ``k``."""

    name: str = "random"
    n: int = param(10_000, "consumers", range=N_RANGE)
    k: float = param(10.0, "mean degree", range=NON_NEGATIVE)

    def validate(self, prefix: str) -> None:
        """Check the degree is achievable."""
        if self.k > self.n - 1:
            fail(prefix + "k", self.k, f"a mean degree in [0, {self.n - 1}]")

    def build(self, rng: np.random.Generator) -> SocialGraph:
        """Generate the graph."""
        return generators.erdos_renyi(self.n, self.k, rng)


@dataclass
class ScaleFreeConfig(NetworkConfig):
    """Barabási–Albert preferential attachment, ``k/2`` links per new node; ``triad``: Holme–Kim."""

    name: str = "scale_free"
    n: int = param(10_000, "consumers", range=PREFERENTIAL_N_RANGE)
    k: int = param(
        10,
        "mean degree, about (even; each new node brings k/2 links, and repeats are dropped: "
        "less when k is a large share of n)",
        range=RING_DEGREE,
    )
    triad: float = param(
        0.0,
        "probability that a new consumer's link after each preferential one goes to a random "
        "friend of that link's consumer, closing a triangle (Holme-Kim; needs k >= 4; "
        "clustering about 0.16 at 1 with k = 10, 0.01 at 0 with n = 10,000)",
        range=PROBABILITY,
    )

    def validate(self, prefix: str) -> None:
        """Check the degree, and that a triangle has a second link to close it."""
        _check_ring_degree(prefix, self.n, self.k, _PREFERENTIAL)
        if self.triad > 0 and self.k < 4:  # one link per new consumer: nothing to close
            allowed = "0 when k = 2 (one link per new consumer: no second link closes a triangle)"
            fail(prefix + "triad", self.triad, f"{allowed}, or {prefix}k >= 4")

    def build(self, rng: np.random.Generator) -> SocialGraph:
        """Generate the graph."""
        return generators.barabasi_albert(self.n, self.k // 2, rng, self.triad)


@dataclass
class CirclesConfig(NetworkConfig):
    """Planted communities ("circles"): dense inside, sparse across."""

    name: str = "circles"
    n: int = param(10_000, "consumers", range=N_RANGE)
    communities: int = param(20, "number of circles", range=POSITIVE_COUNT)
    k_in: float = param(8.0, "mean friends inside one's circle", range=NON_NEGATIVE)
    k_out: float = param(2.0, "mean friends in other circles", range=NON_NEGATIVE)

    def validate(self, prefix: str) -> None:
        """Check the circles fit the population and the friends fit the circles."""
        if self.communities > self.n:
            fail(prefix + "communities", self.communities, f"at most n={self.n}")
        most_in, most_out = generators.circle_limits(self.n, self.communities)
        if self.k_in > most_in:
            fail(
                prefix + "k_in",
                self.k_in,
                f"at most {most_in}: the smallest of {self.communities} circles of "
                f"n={self.n} has {most_in + 1} members",
            )
        if self.k_out > most_out:
            fail(
                prefix + "k_out",
                self.k_out,
                f"at most {most_out}: the consumers outside the largest circle",
            )

    def build(self, rng: np.random.Generator) -> SocialGraph:
        """Generate the graph."""
        return generators.planted_communities(self.n, self.communities, self.k_in, self.k_out, rng)


@dataclass
class CompleteConfig(NetworkConfig):
    """Random mixing: each contact is a uniformly random consumer; no edges are stored."""

    name: str = "complete"
    n: int = param(10_000, "consumers", range=N_RANGE)
    k: int = param(10, "contacts a group share can reach (fanout * k reached)", range=COUNT)

    def build(self, rng: np.random.Generator) -> SocialGraph:
        """Generate the (edgeless) graph."""
        return generators.random_mixing(self.n, self.k)


@dataclass
class EdgelistConfig(NetworkConfig):
    """A user's network file: edge list, CSV or GraphML (ids relabelled)."""

    name: str = "edgelist"
    path: str = param("", "edge list ('u v' lines), CSV or GraphML file")
    first_line: str = param(
        "auto",
        "how the file's first line (its first line with two ids, after comments) is read: auto "
        "(column names when it is text over numbers or a known pair such as source,target), "
        "header (always column names) or edge (always a friendship); GraphML has none",
        choices=FIRST_LINE,
    )

    def validate(self, prefix: str) -> None:
        """Check the file is there before anything runs (as :func:`load_edgelist` does)."""
        check_network_file(self.path, prefix + "path")

    def build(self, rng: np.random.Generator) -> SocialGraph:
        """Load the graph (read once per process and file: every replicate shares it)."""
        return load_edgelist_once(self.path, first_line=self.first_line)


NETWORK_OPTIONS: dict[str, type[NetworkConfig]] = {
    "small_world": SmallWorldConfig,
    "lattice": LatticeConfig,
    "random": RandomConfig,
    "scale_free": ScaleFreeConfig,
    "circles": CirclesConfig,
    "complete": CompleteConfig,
    "edgelist": EdgelistConfig,
}

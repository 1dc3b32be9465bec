"""The follow layer: directed influencer -> follower audiences of KOLs and KOCs (DESIGN.md §1.1).

A KOL's audience is drawn from all consumers, heavy-tailed in size (lognormal, median a few
percent of ``n``). A KOC is a consumer (about 1%, chosen by degree or at random) whose audience
is drawn at random from its neighbourhood: its friends and friends of friends, up to
``koc_audience`` of them (100; the whole neighbourhood, about 60, on the default small world). The
layer comes from its own random stream, so it is the same in every scheme of a replicate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import expand_rows, unique_sorted
from sim.config import InfluencerConfig
from sim.network.graph import SocialGraph

LISTED_LIMIT = 1000
"""A KOC's neighbourhood is listed when its friends' degrees sum to at most this many (or to at
most the draws below, if more); a hub's is sampled (``_sampled``): listing costs time in about
the square of its degree (42 million entries for the KOCs of a 1M scale-free graph: 7.3 s
against 0.6 s)."""

DRAWS_PER_FOLLOWER = 3
"""A hub's candidates are this many draws per audience place (repeats merge)."""

LISTED_PER_CHUNK = 1 << 23
"""Neighbourhood entries handled at once: KOCs are taken in chunks of about this many."""


@dataclass
class Audiences:
    """Followers of a set of accounts in CSR form.

    Attributes:
        indptr: offsets; followers of account ``a`` are ``indices[indptr[a]:indptr[a + 1]]``.
        indices: follower consumer ids.

    """

    indptr: np.ndarray
    indices: np.ndarray

    @classmethod
    def of_sizes(cls, sizes: np.ndarray, indices: np.ndarray) -> Audiences:
        """Audiences of the given sizes, their followers one after another in ``indices``."""
        indptr = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        return cls(indptr, indices)

    @property
    def sizes(self) -> np.ndarray:
        """Audience size of each account."""
        return np.diff(self.indptr)

    def reached(
        self, accounts: np.ndarray, reach: float | np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Followers who see one post by each of ``accounts``.

        Args:
            accounts: account indices posting (may repeat).
            reach: probability each follower sees a post (scalar or per account).
            rng: random generator.

        Returns:
            ``(account, follower)`` pairs, one per follower reached.

        """
        owner, followers = expand_rows(self.indptr, self.indices, accounts)
        counts = self.indptr[accounts + 1] - self.indptr[accounts]
        probability = np.repeat(np.broadcast_to(reach, accounts.shape), counts)
        seen = rng.random(len(followers)) < probability
        return owner[seen], followers[seen]


def _to_csr(owner: np.ndarray, member: np.ndarray, accounts: int) -> Audiences:
    width = int(member.max(initial=0)) + 1
    keys = unique_sorted(owner.astype(np.int64) * width + member)
    owner, member = keys // width, keys % width
    return Audiences.of_sizes(np.bincount(owner, minlength=accounts), member.astype(np.int64))


@dataclass
class FollowLayer:
    """KOL and KOC audiences of one replicate.

    Attributes:
        kol: audiences of KOL accounts ``0..kols-1``.
        koc_ids: consumer id of each KOC, by KOC index.
        koc: audiences of the KOCs, by KOC index.

    """

    kol: Audiences
    koc_ids: np.ndarray
    koc: Audiences

    @property
    def kols(self) -> int:
        """Number of KOL accounts."""
        return len(self.kol.indptr) - 1

    @classmethod
    def draw(
        cls, config: InfluencerConfig, graph: SocialGraph, rng: np.random.Generator
    ) -> FollowLayer:
        """Draw the follow layer on ``graph``."""
        n = graph.n
        kol = _kol_audiences(config, n, rng)
        koc_ids = _choose_kocs(config, graph, rng)
        koc = _koc_audiences(config, graph, koc_ids, rng)
        return cls(kol, koc_ids, koc)


def _kol_audiences(config: InfluencerConfig, n: int, rng: np.random.Generator) -> Audiences:
    median = max(config.kol_audience_median * n, 1.0)
    sizes = np.exp(np.log(median) + config.kol_audience_sigma * rng.standard_normal(config.kols))
    sizes = np.clip(np.round(sizes), 1, n).astype(np.int64)
    followers = [rng.choice(n, size=size, replace=False) for size in sizes]
    owner = np.repeat(np.arange(config.kols), sizes)
    members = np.concatenate(followers) if followers else np.zeros(0, dtype=np.int64)
    return _to_csr(owner, members, config.kols)


def _choose_kocs(
    config: InfluencerConfig, graph: SocialGraph, rng: np.random.Generator
) -> np.ndarray:
    count = round(config.koc_share * graph.n)
    tiebreak = rng.random(graph.n)
    if config.koc_by == "degree":
        chosen = _highest_degree(graph.degree(), tiebreak, count)
    else:
        chosen = _smallest(tiebreak, count)
    return np.sort(chosen).astype(np.int64)


def _smallest(keys: np.ndarray, count: int) -> np.ndarray:
    """Ids of the ``count`` smallest ``keys``, ties at the cut-off going to the smaller id.

    The same set as the first ``count`` of a stable sort, found with one partition: O(n), not
    O(n log n) (3.8 s less at n = 10M when KOCs are chosen by degree).
    """
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    cut = np.partition(keys, count - 1)[count - 1]
    below = np.flatnonzero(keys < cut)
    return np.concatenate([below, np.flatnonzero(keys == cut)[: count - len(below)]])


def _highest_degree(degree: np.ndarray, tiebreak: np.ndarray, count: int) -> np.ndarray:
    """Ids of the ``count`` highest degrees; ties at the cut-off go to the smaller tiebreak."""
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    cut = np.partition(degree, len(degree) - count)[len(degree) - count]
    above = np.flatnonzero(degree > cut)
    at = np.flatnonzero(degree == cut)
    return np.concatenate([above, at[_smallest(tiebreak[at], count - len(above))]])


def _koc_audiences(
    config: InfluencerConfig, graph: SocialGraph, koc_ids: np.ndarray, rng: np.random.Generator
) -> Audiences:
    """Each KOC's audience: ``koc_audience`` people drawn at random from its neighbourhood.

    The neighbourhood is the KOC's friends and friends of friends, listed exactly; friends
    have no priority, and a KOC whose neighbourhood is smaller gets all of it. A hub, whose
    friends' degrees sum to more than ``LISTED_LIMIT`` (and than the draws), has its
    candidates drawn instead (``_sampled``), which favours people who share several friends
    with it; a hub whose draws find fewer than ``koc_audience`` people is listed after all.
    Under random mixing the audience is ``koc_audience`` random draws from all consumers
    (repeats merge).
    """
    size = config.koc_audience
    if graph.is_mixing:
        walkers = np.repeat(np.arange(len(koc_ids)), size)
        members = graph.random_friend(koc_ids[walkers], rng)
        return _random_subset(_candidates(koc_ids, walkers, members), size, rng)
    degree = graph.degree()
    draws = DRAWS_PER_FOLLOWER * size
    beyond = _friends_friendships(graph, degree, koc_ids)
    listed = beyond <= max(LISTED_LIMIT, draws)
    cost = degree[koc_ids] + np.where(listed, beyond, draws)
    parts = []
    for chunk in _chunks(cost, LISTED_PER_CHUNK):
        kocs, chunk_listed = koc_ids[chunk], listed[chunk]
        walkers, members = _listed(graph, degree, kocs[chunk_listed])
        walkers = np.flatnonzero(chunk_listed)[walkers]
        drawn_walkers, drawn = _sampled(graph, degree, kocs[~chunk_listed], draws, rng)
        walkers = np.concatenate([walkers, np.flatnonzero(~chunk_listed)[drawn_walkers]])
        candidates = _candidates(kocs, walkers, np.concatenate([members, drawn]))
        short = np.flatnonzero(~chunk_listed & (candidates.sizes < size))
        if len(short):  # a tightly knit hub: its draws kept finding the same people
            candidates = _relisted(candidates, short, graph, degree, kocs)
        parts.append(_random_subset(candidates, size, rng))
    return _joined(parts)


def _relisted(
    candidates: Audiences,
    short: np.ndarray,
    graph: SocialGraph,
    degree: np.ndarray,
    kocs: np.ndarray,
) -> Audiences:
    """``candidates`` with the rows ``short`` replaced by those KOCs' listed neighbourhoods."""
    owner = np.repeat(np.arange(len(kocs)), candidates.sizes)
    kept = ~np.isin(owner, short)
    walkers, members = _listed(graph, degree, kocs[short])
    listed = _candidates(kocs[short], walkers, members)
    listed_owner = short[np.repeat(np.arange(len(short)), listed.sizes)]
    owner = np.concatenate([owner[kept], listed_owner])
    return _to_csr(owner, np.concatenate([candidates.indices[kept], listed.indices]), len(kocs))


def _friends_friendships(graph: SocialGraph, degree: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """The summed degree of each node's friends: its friends of friends, repeats included."""
    index, friend = _friend_entries(graph, degree, nodes)
    return np.bincount(index, weights=degree[friend], minlength=len(nodes)).astype(np.int64)


def _chunks(cost: np.ndarray, limit: int) -> list[np.ndarray]:
    """Consecutive runs of the indices of ``cost``, each of them small.

    A run's entries after its first sum to less than ``limit``, so a run sums to less than
    ``limit`` plus its first entry.
    """
    block = np.cumsum(cost) // limit
    starts = np.flatnonzero(np.diff(block, prepend=-1))
    return np.split(np.arange(len(cost)), starts[1:]) if len(cost) else []


def _listed(
    graph: SocialGraph, degree: np.ndarray, kocs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(index into ``kocs``, member) pairs: every friend and every friend of a friend."""
    index, friend = _friend_entries(graph, degree, kocs)
    second = graph.friends_of(friend)[1]
    walkers = np.concatenate([index, np.repeat(index, degree[friend])])
    return walkers, np.concatenate([friend, second.astype(np.int64)])


def _sampled(
    graph: SocialGraph, degree: np.ndarray, kocs: np.ndarray, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(index into ``kocs``, member) pairs: ``draws`` candidates of each of ``kocs``.

    Each draw is uniform over the list a KOC's neighbourhood is made of: each friend, followed
    by that friend's friends. A friend of a friend is therefore drawn in proportion to the
    friends it shares with the KOC, which on a hub's large, loosely knit neighbourhood is about
    uniform. Repeats merge when the audiences are made.
    """
    index, friend = _friend_entries(graph, degree, kocs)
    weight = 1 + degree[friend]  # the friend itself, then its friends
    end = np.cumsum(weight)
    total = np.bincount(index, weights=weight, minlength=len(kocs)).astype(np.int64)
    walkers = np.repeat(np.arange(len(kocs)), draws)
    base = np.cumsum(total) - total
    offset = np.floor(rng.random(len(walkers)) * total[walkers]).astype(np.int64)
    position = base[walkers] + np.minimum(offset, total[walkers] - 1)  # u * total may round up
    entry = np.searchsorted(end, position, side="right")
    within = position - (end[entry] - weight[entry])  # 0: the friend, i > 0: its i-th friend
    row = graph.indptr[friend[entry]] + np.maximum(within - 1, 0)
    return walkers, np.where(within == 0, friend[entry], graph.indices[row])


def _friend_entries(
    graph: SocialGraph, degree: np.ndarray, kocs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(index into ``kocs``, friend) pairs, one per friendship of each of ``kocs``."""
    index = np.repeat(np.arange(len(kocs)), degree[kocs])
    return index, graph.friends_of(kocs)[1].astype(np.int64)


def _candidates(kocs: np.ndarray, walkers: np.ndarray, members: np.ndarray) -> Audiences:
    """Each KOC's distinct candidates from (index into ``kocs``, member) pairs, never itself."""
    keep = (members >= 0) & (members != kocs[walkers])
    return _to_csr(walkers[keep], members[keep], len(kocs))


def _joined(parts: list[Audiences]) -> Audiences:
    """The audiences of consecutive chunks of KOCs as one."""
    none = np.zeros(0, dtype=np.int64)
    sizes = np.concatenate([none, *(part.sizes for part in parts)])
    return Audiences.of_sizes(sizes, np.concatenate([none, *(part.indices for part in parts)]))


def _random_subset(audiences: Audiences, size: int, rng: np.random.Generator) -> Audiences:
    """Keep a uniformly random ``size`` followers of each larger audience, in their order.

    Only the larger audiences are shuffled, each by one stable sort of (audience, random key)
    packed in an int64: a third of the time of a ``lexsort`` of every follower.
    """
    sizes = audiences.sizes
    larger = sizes > size
    larger_sizes = sizes[larger]
    in_larger = np.repeat(larger, sizes)
    positions = np.flatnonzero(in_larger)
    group = np.repeat(np.arange(len(larger_sizes)), larger_sizes)
    shift = 63 - max(len(larger_sizes).bit_length(), 1)
    key = (group << shift) | rng.integers(0, 1 << shift, len(group))
    shuffled = positions[np.argsort(key, kind="stable")]
    rank = np.arange(len(group)) - np.repeat(np.cumsum(larger_sizes) - larger_sizes, larger_sizes)
    keep = ~in_larger
    keep[shuffled[rank < size]] = True
    return Audiences.of_sizes(np.minimum(sizes, size), audiences.indices[keep])

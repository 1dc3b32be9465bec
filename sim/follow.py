"""The follow layer: directed influencer -> follower audiences of KOLs and KOCs (DESIGN.md §1.1).

A KOL's audience is drawn from all consumers, heavy-tailed in size (lognormal, median a few
percent of ``n``). A KOC is a consumer (about 1%, chosen by degree or at random) whose audience
is drawn from its neighbourhood: its friends and friends of friends, about 100 accounts. The
layer comes from its own random stream, so it is the same in every scheme of a replicate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import expand_rows, unique_sorted
from sim.config import InfluencerConfig
from sim.network.graph import SocialGraph


@dataclass
class Audiences:
    """Followers of a set of accounts in CSR form.

    Attributes:
        indptr: offsets; followers of account ``a`` are ``indices[indptr[a]:indptr[a + 1]]``.
        indices: follower consumer ids.

    """

    indptr: np.ndarray
    indices: np.ndarray

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
    indptr = np.zeros(accounts + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=accounts), out=indptr[1:])
    return Audiences(indptr, member.astype(np.int64))


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
    """Each KOC's audience: a random ``koc_audience`` of its friends and friends of friends.

    Friends of friends are reached by random two-step walks; friends have no priority.
    """
    size = config.koc_audience
    if graph.is_mixing:
        walkers = np.repeat(koc_ids, size)
        members = graph.random_friend(walkers, rng)
    else:
        owner, friend = graph.friends_of(koc_ids)
        walkers = np.repeat(koc_ids, size)
        first = graph.random_friend(walkers, rng)
        second = np.where(first >= 0, graph.random_friend(first.clip(0), rng), -1)
        walkers = np.concatenate([owner, walkers])
        members = np.concatenate([friend, second])
    keep = (members >= 0) & (members != walkers)
    index = np.searchsorted(koc_ids, walkers[keep])
    audiences = _to_csr(index, members[keep], len(koc_ids))
    return _random_subset(audiences, size, rng)


def _random_subset(audiences: Audiences, size: int, rng: np.random.Generator) -> Audiences:
    """Keep a uniformly random ``size`` followers of each larger audience."""
    sizes = audiences.sizes
    owner = np.repeat(np.arange(len(sizes)), sizes)
    order = np.lexsort((rng.random(len(owner)), owner))
    rank = np.arange(len(owner)) - np.repeat(audiences.indptr[:-1], sizes)
    kept = np.sort(order[rank < size])
    counts = np.minimum(sizes, size)
    indptr = np.zeros_like(audiences.indptr)
    np.cumsum(counts, out=indptr[1:])
    return Audiences(indptr, audiences.indices[kept])

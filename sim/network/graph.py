"""The friendship layer held as CSR index arrays, with the few queries the daily step needs.

Graphs are generated straight into arrays (``sim.network.generators``): building a 1M-node
small world through networkx costs about 13 s and 1.3 GB (docs/benchmark.json).
``to_networkx`` gives a ``networkx.Graph`` on request.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from sim.arrays import expand_rows, unique_sorted
from sim.console import counted

if TYPE_CHECKING:
    import networkx as nx


@dataclass(eq=False)
class SocialGraph:
    """Undirected friendships among ``n`` consumers in CSR form.

    Attributes:
        indptr: ``n + 1`` offsets; friends of ``u`` are ``indices[indptr[u]:indptr[u + 1]]``.
        indices: friend ids, sorted within each row.
        community: community label of each consumer, or None.
        mixing_contacts: for random mixing (the ``complete`` network) the number of contacts
            per consumer; no edges are stored and friends are drawn uniformly.
        labels: the id each consumer has in the user's file or networkx graph (``labels[i]``
            of consumer ``i``), or None when the ids are ``0..n-1`` themselves.

    """

    indptr: np.ndarray
    indices: np.ndarray
    community: np.ndarray | None = None
    mixing_contacts: int | None = None
    labels: np.ndarray | list | None = None

    def label_of(self, node: int) -> object:
        """The user's id of consumer ``node`` (``node`` itself when the graph has no labels)."""
        if self.labels is None:
            return node
        label = self.labels[node]
        return label.item() if isinstance(label, np.generic) else label

    @property
    def n(self) -> int:
        """Number of consumers."""
        return len(self.indptr) - 1

    @property
    def is_mixing(self) -> bool:
        """Whether this is random mixing with no stored edges."""
        return self.mixing_contacts is not None

    @property
    def edges(self) -> int:
        """Number of undirected friendships stored."""
        return len(self.indices) // 2

    def degree(self) -> np.ndarray:
        """Degree of every consumer (the contact count under random mixing)."""
        if self.is_mixing:
            return np.full(self.n, self.mixing_contacts, dtype=np.int64)
        return np.diff(self.indptr)

    def friends_of(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expand ``nodes`` into (owner, friend) pairs, one per stored friendship.

        Args:
            nodes: consumer ids (may repeat).

        Returns:
            ``(owner, friend)`` arrays of equal length; ``friend`` has the stored index type
            (int32 below 2**31 consumers), so callers widen only what they keep.

        """
        return expand_rows(self.indptr, self.indices, nodes)

    def random_friend(self, nodes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Draw one uniformly random friend for each of ``nodes`` (-1 for the friendless)."""
        if self.is_mixing:
            return _random_other(nodes, self.n, rng)
        starts = self.indptr[nodes]
        counts = self.indptr[nodes + 1] - starts
        picks = starts + np.floor(rng.random(len(nodes)) * counts).astype(np.int64)
        friend = np.full(len(nodes), -1, dtype=np.int64)
        has = counts > 0
        friend[has] = self.indices[picks[has]]
        return friend

    def to_scipy(self) -> sp.csr_array:
        """The adjacency matrix as a scipy CSR array (empty under random mixing)."""
        data = np.ones(len(self.indices), dtype=np.int8)
        return sp.csr_array((data, self.indices, self.indptr), shape=(self.n, self.n))

    def to_networkx(self) -> nx.Graph:
        """Build a ``networkx.Graph`` (node attribute ``community`` when known).

        Under random mixing no edges exist, so the graph has nodes only.
        """
        import networkx as nx  # ~0.1 s to import: only when asked for (not for --help)

        graph = nx.from_scipy_sparse_array(self.to_scipy())
        if self.community is not None:
            nx.set_node_attributes(graph, dict(enumerate(self.community.tolist())), "community")
        return graph


def _random_other(nodes: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random consumer other than each node."""
    if n < 2:
        return np.full(len(nodes), -1, dtype=np.int64)
    other = rng.integers(0, n - 1, size=len(nodes))
    return other + (other >= nodes)


def from_edges(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    community: np.ndarray | None = None,
    *,
    warn_source: str | None = None,
    distinct: bool = False,
) -> SocialGraph:
    """Build a :class:`SocialGraph` from undirected edge endpoints.

    Self-loops and duplicate edges (in either orientation) are dropped; when ``warn_source`` is
    given, a warning says how many were dropped from it.

    Args:
        n: number of nodes; ids must lie in ``[0, n)``.
        u: one endpoint per edge.
        v: the other endpoint per edge.
        community: optional community label per node.
        warn_source: name of the input to mention in warnings (user files), or None.
        distinct: the caller guarantees no self-loops and no duplicate edges in either
            orientation (generators that redraw bad edges), so the deduplicating sort of every
            edge key is skipped. The graph is the same either way.

    Returns:
        The graph, rows sorted.

    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    if distinct:
        return _csr(n, np.minimum(u, v), np.maximum(u, v), community)
    loops = u == v
    low, high = np.minimum(u, v)[~loops], np.maximum(u, v)[~loops]
    keys = unique_sorted(low * n + high)
    duplicates = len(low) - len(keys)
    if warn_source and (loops.any() or duplicates):
        dropped = [counted(int(loops.sum()), "self-loop"), counted(duplicates, "duplicate edge")]
        said = " and ".join(part for part in dropped if not part.startswith("0 "))
        warnings.warn(f"{warn_source}: dropped {said}", stacklevel=3)
    return _csr(n, keys // n, keys % n, community)


def _csr(n: int, low: np.ndarray, high: np.ndarray, community: np.ndarray | None) -> SocialGraph:
    """Symmetric CSR arrays (rows sorted) of distinct loop-free edges ``low < high``."""
    index_type = np.int32 if n < 2**31 else np.int64
    rows = np.concatenate([low.astype(index_type), high.astype(index_type)])
    cols = np.concatenate([high.astype(index_type), low.astype(index_type)])
    data = np.ones(len(rows), dtype=np.int8)
    matrix = sp.coo_array((data, (rows, cols)), shape=(n, n)).tocsr()
    matrix.sort_indices()
    return SocialGraph(
        matrix.indptr.astype(np.int64, copy=False),
        matrix.indices.astype(index_type, copy=False),
        community,
    )

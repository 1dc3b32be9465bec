"""Random graph generators written straight into edge arrays with numpy.

Each function returns a :class:`~sim.network.graph.SocialGraph`. They follow the classic
models (Watts & Strogatz 1998 as in networkx's ``watts_strogatz_graph``; Erdős–Rényi G(n, m);
Barabási & Albert 1999 via Batagelj & Brandes 2005; a planted-partition stochastic block model)
but work on whole edge arrays at once, so a 1M-node graph takes seconds, not minutes.
"""

from __future__ import annotations

import warnings

import numpy as np

from sim.arrays import first_occurrences
from sim.network.graph import SocialGraph, from_edges

_MAX_ROUNDS = 100


def small_world(
    n: int, k: int, rewire: float, rng: np.random.Generator, *, connected: bool = True
) -> SocialGraph:
    """Watts–Strogatz small world: a ring lattice with each edge's far end rewired w.p. ``rewire``.

    As in networkx, edge ``(u, u + j)`` keeps ``u`` and moves its other end to a uniformly
    random node, avoiding self-loops and duplicate edges.

    Args:
        n: nodes.
        k: even degree of the ring lattice (k/2 neighbours on each side).
        rewire: rewiring probability.
        rng: random generator.
        connected: redraw until the graph is connected (as ``connected_watts_strogatz_graph``).

    Returns:
        The graph.

    Raises:
        RuntimeError: when no connected graph was drawn in 100 attempts.

    """
    for _ in range(_MAX_ROUNDS):
        graph = _rewired_ring(n, k, rewire, rng)
        if not connected or rewire == 0 or _is_connected(graph):
            return graph
    raise RuntimeError(
        f"no connected small world with n={n}, k={k}, rewire={rewire} in {_MAX_ROUNDS} tries"
    )


def _rewired_ring(n: int, k: int, rewire: float, rng: np.random.Generator) -> SocialGraph:
    half = k // 2
    u = np.repeat(np.arange(n, dtype=np.int64), half)
    v = (u + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    is_moved = rng.random(len(u)) < rewire
    if n > k + 1:  # moved edges are checked against the ring by index: no reordering needed
        moved = np.flatnonzero(is_moved)
    else:  # kept ring edges first, so that a duplicate is always one of the moved edges
        order = np.concatenate([np.flatnonzero(~is_moved), np.flatnonzero(is_moved)])
        u, v = u[order], v[order]
        moved = np.arange(len(u) - int(is_moved.sum()), len(u))
    pending = moved
    for _ in range(_MAX_ROUNDS):
        if len(pending) == 0:
            break
        v[pending] = rng.integers(0, n, size=len(pending))
        if n > k + 1:
            pending = moved[_bad_moved_edges(u[moved], v[moved], n, half, is_moved)]
        else:  # ring edges may repeat each other: check against every edge
            pending = _self_loops_or_duplicates(u, v, n, among=moved)
    # Every bad moved edge was redrawn, so the edges are distinct and loop-free: no dedup sort.
    graph = from_edges(n, u, v, distinct=not len(pending))
    _warn_if_short(f"small world n={n}, k={k}, rewire={rewire}", n, graph.edges, len(u))
    return graph


def _warn_if_short(network: str, n: int, edges: int, asked: int) -> None:
    """Say so when a dense setting left fewer distinct edges than asked for (no free pairs)."""
    if edges < asked:
        warnings.warn(
            f"{network}: only {edges} of the {asked} edges asked for found a free pair of "
            f"consumers (mean degree {2 * edges / n:.2f}): the setting is too dense for n",
            stacklevel=4,
        )


def _bad_moved_edges(
    u: np.ndarray, v: np.ndarray, n: int, half: int, is_moved: np.ndarray
) -> np.ndarray:
    """Mask of moved edges that are self-loops, kept ring edges, or repeat an earlier moved one.

    A ring edge ``(a, a + j mod n)``, ``1 <= j <= half``, has index ``a * half + j - 1``; with
    ``n > 2 half + 1`` an edge is a ring edge in at most one orientation, so the check against
    the kept edges needs no sort of all ``n k / 2`` edges, only of the moved ones.
    """
    ahead = (v - u) % n
    forward = (ahead >= 1) & (ahead <= half)
    backward = ahead >= n - half
    ring_index = np.where(forward, u * half + ahead - 1, v * half + (n - ahead) - 1)
    on_ring = forward | backward
    is_kept_ring = np.zeros(len(u), dtype=bool)
    is_kept_ring[on_ring] = ~is_moved[ring_index[on_ring]]
    keys = np.minimum(u, v) * n + np.maximum(u, v)
    return (u == v) | is_kept_ring | ~first_occurrences(keys)


def _self_loops_or_duplicates(
    u: np.ndarray, v: np.ndarray, n: int, among: np.ndarray
) -> np.ndarray:
    """Indices in ``among`` whose edge is a self-loop or repeats an earlier edge."""
    keys = np.minimum(u, v) * n + np.maximum(u, v)
    bad = ~first_occurrences(keys) | (u == v)
    return among[bad[among]]


def erdos_renyi(n: int, k: float, rng: np.random.Generator) -> SocialGraph:
    """Erdős–Rényi G(n, m) with ``m = round(n k / 2)`` distinct edges (mean degree ``k``)."""
    target = round(n * k / 2)
    max_edges = n * (n - 1) // 2
    if target > max_edges:
        raise ValueError(f"mean degree {k} needs {target} edges; n={n} allows {max_edges}")

    def any_pairs(size: int) -> np.ndarray:
        u = rng.integers(0, n, size=size)
        v = rng.integers(0, n, size=size)
        return _keys(u, v, n)[u != v]

    keys = _distinct_keys(target, any_pairs)
    _warn_if_short(f"random network n={n}, k={k}", n, len(keys), target)
    return from_edges(n, keys // n, keys % n)


def _keys(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """One key per undirected edge: ``min * n + max``."""
    return np.minimum(u, v) * n + np.maximum(u, v)


def _distinct_keys(target: int, draw) -> np.ndarray:
    """``target`` distinct edge keys, redrawing repeats: ``draw(size)`` gives fresh keys.

    Draw order is kept, so the edge set does not depend on how duplicates fell. Gives fewer
    keys only if ``_MAX_ROUNDS`` rounds of redrawing cannot find them all.
    """
    keys = np.empty(0, dtype=np.int64)
    for _ in range(_MAX_ROUNDS):
        missing = target - len(keys)
        if missing <= 0:
            break
        merged = np.concatenate([keys, draw(int(missing * 1.05) + 16)])
        keys = merged[first_occurrences(merged)][:target]
    return keys


def barabasi_albert(n: int, m: int, rng: np.random.Generator, triad: float = 0.0) -> SocialGraph:
    """Preferential attachment: each new node links to ``m`` earlier nodes by degree.

    Batagelj & Brandes (2005): slot ``2e`` of edge ``e`` holds its new node, slot ``2e + 1``
    copies a uniformly random slot of the earlier nodes' edges, which picks an earlier node in
    proportion to its degree. Copies of copies are resolved by pointer jumping, so the whole
    graph is drawn at once. Repeated edges are dropped, so the mean degree is slightly under
    ``2m``. The graph is connected: every node but the first links to an earlier one, the
    second to the first only. With
    ``triad > 0``, Holme–Kim triangles are closed (``preferential_links``).
    """
    new_node, target = preferential_links(n, m, rng, triad)
    return from_edges(n, new_node, target)


def preferential_links(
    n: int, m: int, rng: np.random.Generator, triad: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """The ``n * m`` links of preferential attachment as (new node, target) arrays.

    Holme & Kim (2002) triad formation: after each preferential link, with probability
    ``triad`` the new node's next link goes to a uniformly random friend of the node it has
    just linked to, closing a triangle. The uniform slot the preferential link copied holds
    that node, and the other end of its edge is a uniformly random friend of it, so the
    triangle's link copies that other end. One triangle per preferential link: a new node
    alternates at most, which keeps every link a copy and the draw vectorised (clustering
    about 0.16 at ``m = 5, triad = 1`` and 0.26 at ``m = 3``, where Holme–Kim's repeated
    triangles reach about 0.5); the degree distribution keeps its ``k^-3`` tail.
    """
    edges = n * m
    index = np.arange(edges, dtype=np.int64)
    # a slot of an earlier node's edges, never the new node's own: its own slots made
    # self-loops, which left a node with one preferential link (m = 1, or m = 2 with triads)
    # outside the graph, and later nodes joined it in proportion to its size. Node 0's links
    # are self-loops (dropped) and node 1's all go to node 0 (one friendship); from node 2 on,
    # a link copies a slot of node 1's edges or later ones, so nodes 0 and 1 start with m
    # slots each, as their one friendship says (node 0's own 2m slots made it a hub 3x as
    # likely to be picked: degree 1,031 against networkx's largest 389 at n = 10,000, m = 5)
    node = index // m
    first = np.where(node >= 2, 2 * m, 0)
    last = np.where(node >= 2, 2 * node * m, 1)  # nodes 0 and 1: slot 0, node 0
    pointer = first + np.floor(rng.random(edges) * (last - first)).astype(np.int64)
    if triad > 0:
        _close_triangles(pointer, n, m, triad, rng)
    odd = np.flatnonzero(pointer % 2 == 1)
    while len(odd):
        pointer[odd] = pointer[(pointer[odd] - 1) // 2]
        odd = odd[pointer[odd] % 2 == 1]
    return node, (pointer // 2) // m


def _close_triangles(
    pointer: np.ndarray, n: int, m: int, triad: float, rng: np.random.Generator
) -> None:
    """Point each triangle-closing link at the other end of its previous link's copied slot."""
    coin = rng.random((n, m)) < triad
    closes = np.zeros((n, m), dtype=bool)
    for j in range(1, m):  # only right after a preferential link
        closes[:, j] = coin[:, j] & ~closes[:, j - 1]
    link = np.flatnonzero(closes.ravel())
    pointer[link] = pointer[link - 1] ^ 1  # the other end of the copied slot's edge


def circle_limits(n: int, communities: int) -> tuple[int, int]:
    """The largest ``k_in`` and ``k_out`` that ``communities`` circles of ``n`` allow.

    Circles hold ``n // communities`` or one more consumers: a friend inside needs another
    member of the smallest, a friend across someone outside the largest.
    """
    return n // communities - 1, n - -(-n // communities)


def planted_communities(
    n: int, communities: int, k_in: float, k_out: float, rng: np.random.Generator
) -> SocialGraph:
    """Planted partition: dense random ties inside equal communities, sparse ties across.

    Args:
        n: nodes; node ``i`` belongs to community ``i * communities // n``.
        communities: number of communities ("circles").
        k_in: mean friends inside one's community (at most the smallest community's size
            minus one); exactly ``round(n k_in / 2)`` distinct pairs are drawn.
        k_out: mean friends outside it: ``round(n k_out / 2)`` distinct pairs across.
        rng: random generator.

    Returns:
        The graph, with ``community`` labels.

    """
    most_in, most_out = circle_limits(n, communities)
    if k_in > most_in or k_out > most_out:
        raise ValueError(
            f"k_in={k_in} needs at most {most_in} (the smallest circle's size - 1) and "
            f"k_out={k_out} at most {most_out} (consumers outside the largest circle)"
        )
    label = np.arange(n, dtype=np.int64) * communities // n
    starts = np.searchsorted(label, np.arange(communities))
    sizes = np.diff(np.append(starts, n))

    def inside(size: int) -> np.ndarray:
        u = rng.integers(0, n, size=size)
        start, members = starts[label[u]], sizes[label[u]]
        other = start + rng.integers(0, members - 1)  # another member: skip u itself
        v = other + (other >= u)
        return _keys(u, v, n)

    def across(size: int) -> np.ndarray:
        u = rng.integers(0, n, size=size)
        start, members = starts[label[u]], sizes[label[u]]
        outsider = rng.integers(0, n - members)  # anyone outside u's circle
        v = np.where(outsider < start, outsider, outsider + members)
        return _keys(u, v, n)

    wanted = round(n * k_in / 2), round(n * k_out / 2)
    keys = np.concatenate([_distinct_keys(wanted[0], inside), _distinct_keys(wanted[1], across)])
    if len(keys) < sum(wanted):  # near the limits, redrawing repeats stops after its rounds
        warnings.warn(
            f"circles: drew {len(keys):,} distinct friendships of the {sum(wanted):,} asked for "
            f"(mean degree {2 * len(keys) / n:.2f} instead of {k_in + k_out:g}): k_in or k_out "
            "is close to the most the circles allow",
            stacklevel=2,
        )
    return from_edges(n, keys // n, keys % n, community=label, distinct=True)


def random_mixing(n: int, contacts: int) -> SocialGraph:
    """The ``complete`` network: no stored edges; every contact is a uniformly random consumer."""
    return SocialGraph(
        np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32), mixing_contacts=contacts
    )


def _is_connected(graph: SocialGraph) -> bool:
    """Whether one breadth-first search from node 0 reaches every node.

    The stored adjacency is symmetric, so a directed search is exact and needs no transpose
    (half the time of ``connected_components(directed=False)`` at n = 1M).
    """
    from scipy.sparse.csgraph import breadth_first_order  # pulls in scipy.linalg: not at --help

    if graph.n == 0:
        return True
    reached = breadth_first_order(graph.to_scipy(), 0, directed=True, return_predecessors=False)
    return len(reached) == graph.n

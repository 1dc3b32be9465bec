"""Network generators and loaders: structure against theory and against networkx."""

from __future__ import annotations

import re
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import sim
from sim.console import counted
from sim.network import from_networkx, load_edgelist
from sim.network import generators as gen
from sim.network.graph import SocialGraph, from_edges
from sim.params import ConfigError
from tests.conftest import EGO_FACEBOOK


def assert_simple_undirected(graph: SocialGraph) -> None:
    rows = np.repeat(np.arange(graph.n), graph.degree())
    cols = graph.indices.astype(np.int64)
    assert not (rows == cols).any(), "self-loop"
    keys = rows * graph.n + cols
    assert len(np.unique(keys)) == len(keys), "duplicate edge"
    reverse = np.sort(cols * graph.n + rows)
    assert np.array_equal(np.sort(keys), reverse), "not symmetric"


def rng(seed: int = 1) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_lattice_has_exact_degree_and_clustering():
    graph = gen.small_world(500, 10, 0.0, rng())  # network=lattice: a small world unrewired
    assert_simple_undirected(graph)
    assert (graph.degree() == 10).all()
    clustering = nx.average_clustering(graph.to_networkx())
    assert clustering == pytest.approx(3 * (10 - 2) / (4 * (10 - 1)))  # Watts & Strogatz 1998


def test_small_world_matches_networkx_statistics():
    n, k, rewire = 2000, 10, 0.1
    ours = gen.small_world(n, k, rewire, rng()).to_networkx()
    theirs = nx.connected_watts_strogatz_graph(n, k, rewire, seed=1)
    assert nx.is_connected(ours)
    assert ours.number_of_edges() == theirs.number_of_edges() == n * k // 2
    assert nx.average_clustering(ours) == pytest.approx(nx.average_clustering(theirs), abs=0.02)
    # Clustering of a rewired ring: C(0) (1 - p)^3 (Barrat & Weigt 2000).
    expected = 3 * (k - 2) / (4 * (k - 1)) * (1 - rewire) ** 3
    assert nx.average_clustering(ours) == pytest.approx(expected, abs=0.02)
    assert_simple_undirected(gen.small_world(n, k, rewire, rng()))


def test_erdos_renyi_has_exact_edge_count_and_poisson_degrees():
    graph = gen.erdos_renyi(20_000, 8, rng())
    assert_simple_undirected(graph)
    assert graph.edges == 80_000
    degrees = graph.degree()
    assert degrees.mean() == pytest.approx(8)
    assert degrees.var() == pytest.approx(8, rel=0.05)


def test_barabasi_albert_is_heavy_tailed_with_mean_degree_near_k():
    graph = gen.barabasi_albert(20_000, 5, rng())
    assert_simple_undirected(graph)
    degrees = graph.degree()
    assert degrees.mean() == pytest.approx(10, rel=0.05)
    assert degrees.min() >= 1
    assert degrees.max() > 20 * degrees.mean()  # hubs: a Poisson graph never gets near this
    # P(k) ~ k^-3, so P(K >= k) ~ k^-2: doubling the degree quarters the tail.
    ratio = (degrees >= 40).mean() / (degrees >= 20).mean()
    assert ratio == pytest.approx(0.25, abs=0.04)


def test_a_holme_kim_link_closes_a_triangle_with_the_link_before_it():
    # m = 2 and triad = 1: every new node's second link goes to a friend of its first link's
    # node, so the two are friends in the final graph (unless a link was a self-loop or both
    # went to the same node, which are dropped)
    new_node, target = gen.preferential_links(5000, 2, rng(), triad=1.0)
    graph = from_edges(5000, new_node, target)
    first, second = target[0::2], target[1::2]
    node = new_node[0::2]
    usable = (first != node) & (second != node) & (first != second)
    assert usable.mean() > 0.95
    for w, x in zip(first[usable], second[usable], strict=True):
        assert x in graph.indices[graph.indptr[w] : graph.indptr[w + 1]]
    # without triads the second link is preferential: far fewer of the pairs are friends
    new_node, target = gen.preferential_links(5000, 2, rng(), triad=0.0)
    graph = from_edges(5000, new_node, target)
    pairs = [(w, x) for w, x in zip(target[0::2], target[1::2], strict=True) if w != x]
    friends = np.mean([x in graph.indices[graph.indptr[w] : graph.indptr[w + 1]] for w, x in pairs])
    assert friends < 0.2


@pytest.mark.parametrize(("m", "triad"), [(1, 0.0), (2, 1.0), (2, 0.5), (3, 1.0)])
def test_preferential_attachment_links_every_new_node_to_an_earlier_one(m, triad):
    # one preferential link per node (m = 1, or m = 2 with every second link a triangle): a
    # link to the new node's own slot was a self-loop that left it, and everyone who later
    # joined it, outside the graph (up to half the nodes at n = 10,000)
    for seed in range(5):
        new_node, target = gen.preferential_links(10_000, m, rng(seed), triad)
        later = new_node > 0
        assert (target[later] < new_node[later]).all()
        assert (target[~later] == 0).all()  # the first node's links are dropped self-loops
        graph = from_edges(10_000, new_node, target)
        assert nx.is_connected(graph.to_networkx())
        assert (target[new_node == 1] == 0).all()


def test_the_first_two_nodes_start_as_likely_to_be_picked():
    # node 0's dropped self-loops kept 2m slots: it drew 3x node 1's links (degree 1,031
    # against 304 at n = 10,000, m = 5; networkx's largest hub 389)
    first, second = [], []
    for seed in range(20):
        degrees = gen.barabasi_albert(2000, 5, rng(seed)).degree()
        first.append(degrees[0])
        second.append(degrees[1])
    assert np.mean(first) / np.mean(second) == pytest.approx(1.0, abs=0.3)


@pytest.mark.parametrize("triad", [0.0, 1.0])
def test_holme_kim_raises_clustering_and_keeps_the_scale_free_tail(triad):
    n = 20_000
    graph = gen.barabasi_albert(n, 3, rng(), triad)
    assert_simple_undirected(graph)
    degrees = graph.degree()
    assert degrees.mean() == pytest.approx(6, rel=0.05) and degrees.min() >= 1
    ratio = (degrees >= 40).mean() / (degrees >= 20).mean()  # P(K >= k) ~ k^-2
    assert ratio == pytest.approx(0.25, abs=0.05)
    network = graph.to_networkx()
    assert nx.is_connected(network)
    triangles = sum(nx.triangles(network).values()) // 3
    if triad == 0:
        # BA: clustering ~ (m / 8) (ln n)^2 / n = 0.002 (Klemm & Eguiluz 2002; Fronczak et al.
        # 2003), triangles ~ m (m^2 - 1) / 48 (ln n)^3 = 486 (Bollobas & Riordan 2003)
        assert nx.average_clustering(network) < 0.01 and triangles < 2 * 486
    else:
        # with m = 3 and triad 1 each new node's second link closes a triangle with its first
        # (the third is preferential again): one triangle per node, less the few closing links
        # that land on the first link's target or repeat a link
        assert triangles >= 0.95 * n


@pytest.mark.parametrize("communities", [2, 4, 20, 1000])
def test_circles_have_exactly_k_in_friends_inside_and_k_out_across_on_average(communities):
    # cross-circle draws used to be dropped when both ends fell in one circle (k_out 1.0 with
    # two circles), and repeated inside pairs were lost (k_in 5.0 with circles of 10)
    graph = gen.planted_communities(10_000, communities, 8, 2, rng())
    assert_simple_undirected(graph)
    rows = np.repeat(np.arange(graph.n), graph.degree())
    inside = graph.community[rows] == graph.community[graph.indices]
    assert inside.sum() == 2 * round(10_000 * 8 / 2)  # mean 8 inside, each pair seen twice
    assert (~inside).sum() == 2 * round(10_000 * 2 / 2)  # mean 2 across
    assert len(np.unique(graph.community)) == communities


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["network.communities=1000", "network.k_in=10"], "network.k_in=10.0 .* at most 9"),
        (["network.communities=1", "network.k_out=1"], "network.k_out=1.0 .* at most 0"),
    ],
)
def test_circles_too_small_for_their_friends_are_refused(overrides, message):
    with pytest.raises(ConfigError, match=message):
        sim.compose(["network=circles", "network.n=10000", *overrides])


def test_random_mixing_stores_no_edges_and_never_picks_oneself():
    graph = gen.random_mixing(50, 10)
    assert graph.edges == 0 and graph.is_mixing
    nodes = np.repeat(np.arange(50), 200)
    friends = graph.random_friend(nodes, rng())
    assert not (friends == nodes).any()
    assert set(np.unique(friends)) == set(range(50))


def test_real_network_loads_with_its_published_size():
    if not EGO_FACEBOOK.exists():
        pytest.skip("shared/data not beside the checkout")
    graph = load_edgelist(EGO_FACEBOOK)
    assert (graph.n, graph.edges) == (4039, 88_234)
    assert_simple_undirected(graph)


@pytest.mark.parametrize(
    ("text", "dropped", "size"),
    [
        ("# comment\na b\nb a\nb c\nc c\nc d\n", "1 self-loop and 1 duplicate edge", (4, 3)),
        ("1 2\n2 2\n2 3\n", "dropped 1 self-loop$", (3, 2)),  # a loop alone
    ],
)
def test_edge_list_drops_self_loops_and_duplicates_with_a_warning(tmp_path, text, dropped, size):
    path = tmp_path / "edges.txt"
    path.write_text(text)
    with pytest.warns(UserWarning, match=dropped):
        graph = load_edgelist(path)
    assert (graph.n, graph.edges) == size


def test_csv_with_header_and_graphml_load(tmp_path):
    csv = tmp_path / "edges.csv"
    csv.write_text("source,target,weight\n10,20,1\n20,30,1\n")
    assert load_edgelist(csv).edges == 2
    graphml = tmp_path / "g.graphml"
    nx.write_graphml(nx.petersen_graph(), graphml)
    graph = load_edgelist(graphml)
    assert (graph.n, graph.edges) == (10, 15)


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "has no edges"), ("1\n2\n3\n", "has one column")],
)
def test_malformed_edge_lists_fail_with_the_key_named(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(ConfigError, match=f"network.path=.*{message}"):
        load_edgelist(path)


def test_ids_written_differently_are_different_people(tmp_path):
    # "01" and "1", "1e3" and "1000", "2.0" and "2": two people each, kept as the text written
    path = tmp_path / "edges.txt"
    path.write_text("01 1e3\n1 1000\n2.0 2\n")
    graph = load_edgelist(path)
    assert graph.n == 6 and graph.edges == 3
    assert sorted(graph.labels) == ["01", "1", "1000", "1e3", "2", "2.0"]
    path.write_text("1 2\n-3 2\n")  # plain integers stay numbers
    assert list(load_edgelist(path).labels) == [-3, 1, 2]


@pytest.mark.parametrize(
    ("name", "content", "edges", "short"),
    [
        ("ragged.txt", "1 2\n3\n4 5 6\n", 2, 1),
        ("weights.csv", "1,2\n4,5,0.5\n2,4,\n", 3, 0),
        ("lone_first.csv", "# ids\n3\n1,2\n4,5\n", 2, 1),
    ],
)
def test_lines_of_any_length_give_their_first_two_ids(tmp_path, name, content, edges, short):
    # a longer line after a two-id first line was refused ("Expected 2 fields in line 3"),
    # the other order accepted; a line with one id is dropped with a warning, the first too
    path = tmp_path / name
    path.write_text(content)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = load_edgelist(path)
    assert list(graph.labels) == [1, 2, 4, 5]
    assert graph.indptr[-1] == 2 * edges
    dropped = [str(w.message) for w in caught if "with fewer than two ids" in str(w.message)]
    assert dropped == ([f"{path}: dropped 1 line with fewer than two ids"] if short else [])


def test_a_hash_in_a_csv_id_is_part_of_it_and_an_edge_list_comment_is_not(tmp_path):
    # pandas' comment="#" cut "bob#2" to "bob" in a CSV: three people merged into one
    csv = tmp_path / "tags.csv"
    csv.write_text("# exported 1 Dec\nsource,target\nalice,bob#2\nalice,bob#3\ncarol,#tag\n")
    graph = load_edgelist(csv)
    assert list(graph.labels) == ["#tag", "alice", "bob#2", "bob#3", "carol"]
    assert graph.indptr[-1] == 2 * 3
    commented = tmp_path / "commented.csv"
    commented.write_text("alice,bob # met at school\nbob,carol\n")
    with pytest.warns(UserWarning, match="1 ids hold ' #' .*'bob # met at school'"):
        assert load_edgelist(commented).n == 4  # read as written: the warning says so
    edges = tmp_path / "edges.txt"
    edges.write_text("# a comment line\n1 2  # a comment after a friendship\n2 3\n")
    assert list(load_edgelist(edges).labels) == [1, 2, 3]


def test_spaces_around_a_csv_id_are_not_part_of_it(tmp_path):
    # "1, 2" kept " 2": a triangle became three pairs among six people, without a word
    path = tmp_path / "spaced.csv"
    path.write_text("source, target\n1, 2\n2 ,3\n 3,1\nann , bob\n")
    graph = load_edgelist(path)
    assert list(graph.labels) == ["1", "2", "3", "ann", "bob"]
    assert graph.edges == 4
    blank = tmp_path / "blank.csv"
    blank.write_text("1,2\n2,  \n2,3\n")
    with pytest.warns(UserWarning, match="dropped 1 line with fewer than two ids"):
        assert list(load_edgelist(blank).labels) == [1, 2, 3]


def test_communities_of_mixed_types_are_kept_apart_and_unhashable_ones_refused():
    # np.unique raised a bare TypeError on None among numbers, and merged 1 with "1"
    graph = nx.path_graph(6)
    values = {0: None, 1: 2, 2: "1", 3: 1, 4: 2, 5: None}
    nx.set_node_attributes(graph, values, "community")
    community = from_networkx(graph).community
    groups = {value: community[node] for node, value in values.items()}
    assert [groups[values[node]] for node in graph] == community.tolist()
    assert len(set(groups.values())) == 4  # None, 2, "1" and 1
    ordered = nx.path_graph(4)
    nx.set_node_attributes(ordered, {0: "b", 1: "a", 2: "c", 3: "a"}, "community")
    assert from_networkx(ordered).community.tolist() == [1, 0, 2, 0]  # codes in sorted order
    nx.set_node_attributes(ordered, {0: [1]}, "community")
    with pytest.raises(ConfigError, match=r"a node's 'community' is \[1\] \(a list\)"):
        from_networkx(ordered)


@pytest.mark.parametrize("header", ["source,target", "From,To", "u,v"])
def test_a_csv_header_over_text_ids_is_not_a_friendship(tmp_path, header):
    path = tmp_path / "edges.csv"
    path.write_text(f"{header}\nalice,bob\nbob,carol\n")
    graph = load_edgelist(path)
    assert sorted(graph.labels) == ["alice", "bob", "carol"] and graph.edges == 2


def test_a_first_line_with_a_number_is_a_friendship_not_a_header(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("guest,2\n1,2\n2,3\n")  # was dropped as a header: the guest vanished
    graph = load_edgelist(path)
    assert sorted(graph.labels) == ["1", "2", "3", "guest"] and graph.edges == 3


@pytest.mark.parametrize(
    ("options", "asked"),
    [
        (["network=random", "network.n=60", "network.k=59"], 60 * 59 // 2),
        (["network.n=11", "network.k=10", "network.rewire=0.5"], 55),
    ],
)
def test_a_network_too_dense_for_its_size_says_how_many_edges_it_got(options, asked):
    config = sim.compose(options)
    with pytest.warns(UserWarning, match=rf"only (\d+) of the {asked} edges") as caught:
        graph = config.network.build(np.random.default_rng(0))
    got = int(re.search(r"only (\d+) of", str(caught[0].message)).group(1))
    assert got == graph.edges < asked


@pytest.mark.parametrize("nodes", [0, 1])
def test_a_network_file_of_fewer_than_two_people_is_refused(tmp_path, nodes):
    path = tmp_path / "tiny.graphml"
    graph = nx.Graph()
    graph.add_nodes_from(range(nodes))
    nx.write_graphml(graph, path)
    with pytest.raises(ConfigError, match=f"network.path=.*has {nodes} node.*at least 2"):
        load_edgelist(path)


def test_networkx_round_trip_keeps_every_edge():
    original = nx.connected_watts_strogatz_graph(300, 6, 0.2, seed=3)
    graph = from_networkx(original)
    ours = {frozenset(edge) for edge in graph.to_networkx().edges}
    assert ours == {frozenset(edge) for edge in original.edges}


def test_a_multigraph_and_its_graphml_file_keep_one_friendship_per_pair(tmp_path):
    multi = nx.MultiGraph(nx.cycle_graph(40))
    multi.add_edge(0, 1)  # a parallel edge: the same friendship twice
    with pytest.warns(UserWarning, match="dropped 1 duplicate edge$"):
        assert from_networkx(multi).edges == 40
    nx.write_graphml(multi, tmp_path / "multi.graphml")
    with pytest.warns(UserWarning, match="dropped 1 duplicate edge$"):
        assert load_edgelist(tmp_path / "multi.graphml").edges == 40


def test_a_directed_pair_both_ways_is_one_friendship_without_a_warning():
    # "dropped 1 duplicate edge" for 1->2 and 2->1 of a directed GraphML file
    directed = nx.DiGraph([(1, 2), (2, 1), (2, 3)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = from_networkx(directed)
    assert graph.indptr[-1] == 2 * 2 and list(graph.labels) == [1, 2, 3]


def test_an_empty_networkx_graph_is_refused_by_name():
    with pytest.raises(ConfigError, match="graph: the networkx graph given has no nodes"):
        sim.ReferralModel(sim.compose(["days=5"]), graph=nx.Graph())


def test_model_accepts_a_networkx_graph_and_exposes_it():
    karate = nx.karate_club_graph()
    model = sim.ReferralModel(sim.compose(["seeding=organic"]), graph=karate)
    assert model.n == 34
    assert model.graph.number_of_edges() == karate.number_of_edges()


def test_from_edges_builds_sorted_rows():
    graph = from_edges(4, np.array([3, 0, 2]), np.array([0, 1, 1]))
    assert graph.indptr.tolist() == [0, 2, 4, 5, 6]
    assert graph.indices.tolist() == [1, 3, 0, 2, 1, 0]


def test_moved_edge_check_agrees_with_the_check_against_every_edge():
    generator = np.random.default_rng(11)
    for n, k, rewire in [(40, 6, 0.5), (200, 10, 0.9), (1000, 4, 0.2)]:
        half = k // 2
        u = np.repeat(np.arange(n, dtype=np.int64), half)
        v = (u + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
        is_moved = generator.random(len(u)) < rewire
        order = np.concatenate([np.flatnonzero(~is_moved), np.flatnonzero(is_moved)])
        u, v = u[order], v[order]
        moved = np.arange(len(u) - int(is_moved.sum()), len(u))
        v[moved] = generator.integers(0, n, size=len(moved))  # many collisions at small n
        full = gen._self_loops_or_duplicates(u, v, n, among=moved)
        fast = moved[gen._bad_moved_edges(u[moved], v[moved], n, half, is_moved)]
        assert len(full) > 0
        np.testing.assert_array_equal(fast, full)


def test_distinct_edges_skip_the_dedup_and_give_the_same_graph():
    generator = np.random.default_rng(3)
    keys = np.unique(generator.integers(0, 300 * 300, size=2000))
    low, high = keys // 300, keys % 300
    edges = low != high
    u, v = low[edges], high[edges]
    flip = generator.random(len(u)) < 0.5  # either orientation
    u, v = np.where(flip, v, u), np.where(flip, u, v)
    checked = from_edges(300, u, v)
    trusted = from_edges(300, u, v, distinct=True)
    np.testing.assert_array_equal(trusted.indptr, checked.indptr)
    np.testing.assert_array_equal(trusted.indices, checked.indices)
    assert trusted.indices.dtype == checked.indices.dtype == np.int32
    assert_simple_undirected(trusted)


def test_small_world_edges_are_distinct_at_every_density():
    # the generator passes distinct=True when every bad moved edge was redrawn: check that the
    # trust is deserved where collisions are most likely (dense, heavily rewired, tiny rings)
    for n, k, rewire, seed in [(30, 8, 0.9, 2), (500, 20, 1.0, 3), (8, 6, 0.7, 4)]:
        graph = gen.small_world(n, k, rewire, rng(seed), connected=False)
        assert_simple_undirected(graph)
        assert graph.edges == n * (k // 2)
    # 60 edges among 66 slots: some moved edges find no free slot, and the deduplicating path
    # drops them instead of storing a duplicate
    with pytest.warns(UserWarning, match="of the 60 edges asked for"):  # and says so
        crowded = gen.small_world(12, 10, 1.0, rng(1), connected=False)
    assert_simple_undirected(crowded)
    assert crowded.edges < 60


def test_connectivity_check_finds_a_split_and_a_join():
    two_rings = from_edges(
        8, np.array([0, 1, 2, 3, 4, 5, 6, 7]), np.array([1, 2, 3, 0, 5, 6, 7, 4])
    )
    assert not gen._is_connected(two_rings)
    bridged = from_edges(
        8, np.array([0, 1, 2, 3, 4, 5, 6, 7, 3]), np.array([1, 2, 3, 0, 5, 6, 7, 4, 7])
    )
    assert gen._is_connected(bridged)
    isolated = from_edges(3, np.array([0]), np.array([1]))
    assert not gen._is_connected(isolated)
    assert gen._is_connected(from_edges(1, np.zeros(0), np.zeros(0)))


def test_circles_at_the_limit_of_their_size_warn_how_many_friendships_were_drawn():
    # a circle of 10 holds at most 9 friends each: redrawing repeats gives up short of all 45,000
    with pytest.warns(
        UserWarning, match=r"circles: drew [\d,]+ distinct friendships of the 45,000"
    ):
        graph = gen.planted_communities(10_000, 1000, 9, 0, rng())
    assert 40_000 < graph.edges < 45_000
    assert_simple_undirected(graph)
    with pytest.raises(ValueError, match="k_in=10 needs at most 9"):
        gen.planted_communities(10_000, 1000, 10, 0, rng())


def test_first_line_header_reads_any_column_names_over_text_ids(tmp_path):
    # names the detection does not know: read as a friendship unless the user says otherwise
    path = tmp_path / "edges.csv"
    path.write_text("person_a,person_b\nalice,bob\nbob,carol\n")
    assert "person_a" in load_edgelist(path).labels.tolist()
    graph = load_edgelist(path, first_line="header")
    assert sorted(graph.labels) == ["alice", "bob", "carol"] and graph.edges == 2


def test_first_line_edge_keeps_a_first_line_that_looks_like_a_header(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("a b\n1 2\n2 3\n")
    with pytest.warns(UserWarning, match="network.first_line=edge"):
        assert load_edgelist(path).edges == 2  # detected as a header
    graph = load_edgelist(path, first_line="edge")
    assert sorted(graph.labels) == ["1", "2", "3", "a", "b"] and graph.edges == 3


def test_first_line_is_a_network_option_and_a_header_alone_is_refused(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("person_a,person_b\nalice,bob\nbob,carol\n")
    options = ["network=edgelist", f"network.path={path}"]
    model = sim.ReferralModel(sim.compose([*options, "network.first_line=header"]))
    assert model.network.n == 3
    assert sim.ReferralModel(sim.compose(options)).network.n == 5
    path.write_text("person_a,person_b\n")
    with pytest.raises(sim.ConfigError, match="has a header and no edges below it"):
        load_edgelist(path, first_line="header")
    with pytest.raises(sim.ConfigError, match=r"^network.first_line"):
        sim.compose([*options, "network.first_line=maybe"])


def test_first_line_header_over_a_line_of_numbers_warns_that_it_may_be_a_friendship(tmp_path):
    # the first line with two ids, after the comments: a friendship, dropped only because the
    # user said the file has a header; it is dropped, and said
    path = tmp_path / "edges.txt"
    path.write_text("# FromNodeId ToNodeId\n1 2\n2 3\n3 4\n")
    with pytest.warns(UserWarning, match=r"dropped the first line \('1 2'\).*a friendship\?"):
        graph = load_edgelist(path, first_line="header")
    assert graph.edges == 2
    assert load_edgelist(path).edges == 3  # auto reads it as a friendship


def test_triad_without_a_second_link_to_close_a_triangle_is_refused():
    with pytest.raises(ConfigError, match=r"^network.triad=0.5 is not allowed: .*k >= 4"):
        sim.compose(["network=scale_free", "network.k=2", "network.triad=0.5"])
    assert sim.compose(["network=scale_free", "network.k=4", "network.triad=0.5"]).network.k == 4


def test_a_connected_small_world_is_redrawn_until_it_is_connected():
    # a rewired cycle (k = 2) at n = 20 is split about one draw in five: the default
    # connected=True (network=small_world) redraws those; connected=False keeps them
    kept = [gen.small_world(20, 2, 0.3, rng(seed), connected=False) for seed in range(20)]
    assert not all(nx.is_connected(graph.to_networkx()) for graph in kept)
    for seed in range(20):
        graph = gen.small_world(20, 2, 0.3, rng(seed))
        assert nx.is_connected(graph.to_networkx()) and graph.edges == 20


def test_a_crowded_small_world_never_stores_a_moved_edge_left_as_a_self_loop():
    # 60 edges among 66 pairs: the moved edges still bad after the last redraw (self-loops
    # among them) must go through the deduplicating path, not be trusted as distinct
    for seed in range(10):
        with pytest.warns(UserWarning, match="of the 60 edges asked for") as caught:
            graph = gen.small_world(12, 10, 1.0, rng(seed), connected=False)
        assert_simple_undirected(graph)
        got = int(re.search(r"only (\d+) of", str(caught[0].message)).group(1))
        assert got == graph.edges == graph.degree().sum() // 2


def test_the_third_node_picks_the_first_two_in_proportion_to_their_degree():
    # m = 1: nodes 0 and 1 share one friendship (degree 1 each), so node 2 links to either
    # half the time; its slot range must include the last slot, which holds node 1's target
    picks = [gen.preferential_links(3, 1, rng(seed))[1][2] for seed in range(400)]
    assert set(picks) == {0, 1}
    assert np.mean(picks) == pytest.approx(0.5, abs=0.1)


def test_circle_limits_of_unequal_circles_count_the_smallest_and_the_largest():
    # n = 10 in 3 circles: sizes 3, 3 and 4; a friend inside needs another member of a circle
    # of 3 (at most 2), a friend across someone outside the circle of 4 (at most 6)
    assert gen.circle_limits(10, 3) == (2, 6)
    base = ["network=circles", "network.n=10", "network.communities=3", "network.k_in=2"]
    assert sim.compose([*base, "network.k_out=6"]).network.k_out == 6
    with pytest.raises(ConfigError, match=r"network.k_out=7.0 .* at most 6"):
        sim.compose([*base, "network.k_out=7"])


def test_a_random_friend_is_each_friend_equally_often_and_none_for_the_friendless():
    # a star: hub 0 with leaves 1-4, and consumer 5 with no friend (the last row, so a pick
    # from an empty row would read past the stored friends)
    graph = from_edges(6, np.zeros(4), np.arange(1, 5))
    counts = np.bincount(graph.random_friend(np.zeros(4000, dtype=np.int64), rng()), minlength=6)
    assert counts[0] == counts[5] == 0
    np.testing.assert_allclose(counts[1:5] / 4000, 0.25, atol=0.03)
    assert graph.random_friend(np.array([5, 1, 5]), rng()).tolist() == [-1, 0, -1]
    alone = gen.random_mixing(1, 10)  # random mixing of one consumer: no one else to meet
    assert alone.random_friend(np.zeros(3, dtype=np.int64), rng()).tolist() == [-1, -1, -1]


def test_a_detected_csv_header_is_read_quietly_and_an_edge_list_header_is_said(tmp_path):
    # column names are expected over a CSV's rows; in a whitespace edge list they are worth a word
    csv = tmp_path / "edges.csv"
    csv.write_text("source,target\n1,2\n2,3\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_edgelist(csv).edges == 2
    edges = tmp_path / "edges.txt"
    edges.write_text("source target\n1 2\n2 3\n")
    with pytest.warns(UserWarning, match=r"read the first line \('source target'\) as a header"):
        assert load_edgelist(edges).edges == 2


def test_an_indented_comment_line_of_a_csv_is_skipped_quietly(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("  # exported 1 Dec\nsource,target\n1,2\n\t# checked\n2,3\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = load_edgelist(path)
    assert list(graph.labels) == [1, 2, 3] and graph.edges == 2


def test_integers_with_a_leading_zero_are_other_people_even_when_every_id_is_digits(tmp_path):
    # every id is digits: "01" and "1" still differ, so the ids stay text, never cast to 1
    path = tmp_path / "edges.txt"
    path.write_text("01 2\n1 3\n007 7\n")
    graph = load_edgelist(path)
    assert sorted(graph.labels) == ["007", "01", "1", "2", "3", "7"] and graph.edges == 3


def test_network_scale_free_brings_k_over_2_links_per_consumer_for_a_mean_degree_of_k():
    config = sim.compose(["network=scale_free", "network.n=4000", "network.k=6"])
    degrees = config.network.build(rng()).degree()
    assert degrees.mean() == pytest.approx(6, rel=0.05) and degrees.min() >= 1


def test_a_csv_line_with_an_empty_second_id_is_dropped_not_read_as_an_empty_id(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("1,2\n3,\n4,5\n")
    with pytest.warns(UserWarning, match="dropped 1 line with fewer than two ids"):
        graph = load_edgelist(path)
    assert list(graph.labels) == [1, 2, 4, 5] and graph.edges == 2


def test_as_many_circles_as_consumers_is_allowed_and_one_more_is_refused():
    base = ["network=circles", "network.n=6", "network.k_in=0", "network.k_out=2"]
    config = sim.compose([*base, "network.communities=6"])  # a circle of one each
    graph = config.network.build(rng())
    assert graph.edges == 6 and graph.community.tolist() == list(range(6))
    with pytest.raises(ConfigError, match=r"network.communities=7 .*at most n=6"):
        sim.compose([*base, "network.communities=7"])


def test_a_ring_degree_too_large_names_the_largest_even_degree_that_fits():
    # n = 6: k/2 neighbours on each side fit up to k = 4 (5 is odd); k = 6 needs 7 consumers
    with pytest.raises(ConfigError, match=r"^network.k=6 .*an even integer in \[2, 4\] with"):
        sim.compose(["network.n=6", "network.k=6"])


@pytest.mark.parametrize(("n", "k", "edges"), [(5, 1.5, 4), (9, 1.1, 5), (10, 3, 15)])
def test_a_random_network_has_n_k_over_2_edges_rounded_to_the_nearest(n, k, edges):
    graph = gen.erdos_renyi(n, k, rng())
    assert_simple_undirected(graph)
    assert graph.edges == edges


@pytest.mark.parametrize(
    ("content", "said", "edges"),
    [
        ("1 2 3 4\n2 3\n3 4\n", "1 of 3 lines has more than two ids (1 with 4 fields", 3),
        ("1 2 3\n2 3 4 5\n3 4\n4 5\n", "2 of 4 lines have more than two ids (1 with 3, 1 with", 4),
        # the example is the first line of more than two ids, not the first line
        (
            "2 3\n1 2 3 4\n3 4\n",
            "1 of 3 lines has more than two ids (1 with 4 fields; e.g. '1 2 3",
            3,
        ),
        # a header is neither counted among the lines nor left as a width of none
        ("a b c\n1 2\n2 3 4 5\n", "1 of 2 lines has more than two ids (1 with 4 fields;", 2),
        (
            "source target\n1 2 3 4\n2 3\n",
            "1 of 2 lines has more than two ids (1 with 4 fields;",
            2,
        ),
    ],
)
def test_an_adjacency_list_is_not_cut_to_its_first_friends_in_silence(
    tmp_path, content, said, edges
):
    # "1 2 3 4" (1 and its friends 2, 3, 4) was read as the one friendship 1-2, the others
    # lost without a word; lines all of one length (u v weight) are a weighted list, read quietly
    path = tmp_path / "adjacency.txt"
    path.write_text(content)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = load_edgelist(path)
    assert graph.edges == edges  # the first two ids of each line, as the warning says
    longer = [w for w in caught if "more than two ids" in str(w.message)]
    assert len(longer) == 1 and said in str(longer[0].message)
    assert "adjacency list" in str(longer[0].message)
    assert longer[0].filename == __file__  # said where load_edgelist was called


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("1 2 3\n2 3 4 5\n", "2 of 2 lines have more than two fields, and not as many on every "
         "line (1 with 3, 1 with 4 fields; e.g. '1 2 3')"),
        ("u v\n1 2 3\n2 3 4 5\n3 4\n", "2 of 3 lines have"),  # the header is no line of ids
        # prose: too many lengths to name each
        ("\n".join(" ".join(["word"] * (k + 3)) for k in range(6)), "(from 3 to 8 fields; e.g."),
    ],
)  # fmt: skip
def test_a_file_mostly_of_lines_of_varying_lengths_is_refused_as_no_edge_list(
    tmp_path, content, said
):
    # a first-time user's review (4 Dec 2026): a README given as network.path ran as a market
    # of 201 word-"consumers", each line's first two words a friendship, with a warning only
    path = tmp_path / "notes.txt"
    path.write_text(content)
    with pytest.raises(ConfigError) as refused:
        load_edgelist(path)
    message = str(refused.value)
    assert message.startswith(f"network.path={str(path)!r} is not an edge list: ")
    assert said in message and "nx.write_edgelist(nx.read_adjlist(path)" in message


def test_lines_of_one_length_stay_quiet_whatever_their_spaces_comments_and_quotes(tmp_path):
    quiet = {
        "weights.txt": "1 2 0.5\n2 3 1.5\n",  # a weighted list: every line u v w
        "header.txt": "u v\n1 2 0.5\n2 3 1.5\n",  # two names over weighted lines
        "trailing.csv": "1,2,\n2,3\n",  # a trailing comma
        "space.csv": "1,2, \n2,3\n",  # a blank field after a comma is no id
        "comment.txt": "1 2 0.5 # strong\n2 3 1.5\n",  # nor are a comment's words
        "quoted.csv": '"a,x",b\nc,d\n',  # a quoted comma is part of an id
    }
    for name, content in quiet.items():
        (tmp_path / name).write_text(content)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.filterwarnings("ignore", ".*read the first line")  # header.txt's
            assert load_edgelist(tmp_path / name).edges == 2


def test_a_warning_the_reader_gives_besides_the_parsers_is_passed_on(tmp_path, monkeypatch):
    read_csv = pd.read_csv

    def warning_read_csv(*args, **kwargs):
        warnings.warn("the reader's own", UserWarning, stacklevel=2)
        return read_csv(*args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", warning_read_csv)
    path = tmp_path / "w.txt"
    path.write_text("1 2 3 4\n2 3\n")
    with pytest.warns(UserWarning, match="the reader's own"):
        with pytest.warns(UserWarning, match="more than two ids"):
            load_edgelist(path)


def test_a_count_is_singular_only_for_one():
    assert [counted(n, "line") for n in (0, 1, 2)] == ["0 lines", "1 line", "2 lines"]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        # a quoted comma is part of an id: one line has three ids, and it is the example
        (
            '"a,x",b\nc,d,e\nd,e\n',
            "1 of 3 lines has more than two ids (1 with 3 fields; e.g. 'c,d,e')",
        ),
        # the header of three names is no example of a line of ids
        (
            "source,target,weight\n1,2,5\n2,3\n",
            "1 of 2 lines has more than two ids (1 with 3 fields; e.g. '1,2,5')",
        ),
    ],
)
def test_the_warning_of_longer_lines_reads_quotes_and_skips_the_header(tmp_path, content, said):
    # a quoted id '"a,x"' was counted as two fields, and the header was given as the example
    path = tmp_path / "edges.csv"
    path.write_text(content)
    with pytest.warns(UserWarning, match="more than two ids") as caught:
        load_edgelist(path)
    assert [said in str(w.message) for w in caught] == [True]
    weighted = tmp_path / "weighted.csv"  # a weighted list with a quoted comma: quiet
    weighted.write_text('"a,x",b,1\nc,d,1\n')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_edgelist(weighted).edges == 2

"""Referral edges: the links of the cascades form a forest, and a job maps its ids to a file's.

``model.referrals()`` records who referred whom, which may close a cycle (a recruited KOC that
promotes before it buys and is later brought in by a friend it brought in);
``model.referral_trees()`` keeps the links of the trees the metrics count. A job on a network
file whose ids are not ``0..n-1`` writes ``nodes.parquet`` to turn the edges' ids back into them.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import sim
from sim import jobs
from sim.model import is_cascade_link
from sim.state import ConsumerState
from tests.sweeps import referral_sim


def links_graph(edges: pd.DataFrame) -> nx.DiGraph:
    """The referral links as a directed graph, referrer to referee."""
    return nx.from_pandas_edgelist(edges, "referrer", "referee", create_using=nx.DiGraph)


def run(*overrides: str, seed: int = 0) -> sim.ReferralModel:
    """A two-sided campaign on the default market of 10,000 consumers."""
    config = sim.compose(["network.n=10000", "referral=two_sided", f"seed={seed}", *overrides])
    return sim.ReferralModel(config, replicate=0).run()


def tree_sizes(model: sim.ReferralModel) -> list[int]:
    """Sizes of the trees of ``referral_trees()``, smallest first."""
    forest = links_graph(model.referral_trees())
    return sorted(len(tree) for tree in nx.weakly_connected_components(forest))


def cascade_sizes(model: sim.ReferralModel) -> list[int]:
    """Sizes of the trees of ``model.cascades()`` (two members or more), smallest first."""
    cascades = model.cascades()
    return sorted(np.repeat(cascades["size"], cascades["trees"]).tolist())


# ----- the links of the cascades ---------------------------------------------------------------
def test_a_run_of_many_kocs_has_a_cycle_in_its_links_and_none_in_its_trees():
    # 100 recruits reaching 60% of their followers close a cycle in each of seeds 0-3 (with 20
    # at 30%, the default, a cycle is rare: first reported in a run of seed 0 before the phases
    # of the day had streams of their own)
    model = run("seeding=koc_matrix", "seeding.recruits=100", "seeding.reach=0.6")
    links = model.referrals()
    among_consumers = links_graph(links[links["referrer"] < model.n])
    cycle = nx.find_cycle(among_consumers)  # [(2855, 5202), (5202, 2855)]
    trees = links_graph(model.referral_trees())
    assert nx.is_branching(trees)  # a forest, every link into a node of in-degree 1
    kocs = set(model.follow.koc_ids.tolist())
    cut = [(a, b) for a, b in cycle if not trees.has_edge(a, b)]
    assert cut and all(referee in kocs for _, referee in cut)


@pytest.mark.parametrize("referral", ["two_sided", "group_buy"])
@pytest.mark.parametrize("seeding", ["koc_matrix", "mixed"])
@pytest.mark.parametrize("seed", range(4))
def test_the_links_of_the_trees_form_the_forest_the_metrics_count(seeding, referral, seed):
    model = run(f"seeding={seeding}", f"referral={referral}", seed=seed)
    links, kept = model.referrals(), model.referral_trees()
    forest = links_graph(kept)
    assert nx.is_branching(forest)
    assert list(kept.columns) == list(links.columns)
    assert (kept["referrer"] < model.n).all() and kept["channel"].isin(["peer", "koc"]).all()
    assert tree_sizes(model) == cascade_sizes(model)
    metrics = model.metrics()
    assert max(tree_sizes(model), default=1) == metrics["cascade_max_size"]
    depth = nx.dag_longest_path_length(forest) if len(kept) else 0
    assert depth == metrics["cascade_max_depth"]
    among_consumers = (links["referrer"] < model.n).sum()
    cut = links[(links["referrer"] < model.n) & ~links.index.isin(kept.index)]
    assert len(kept) + len(cut) == among_consumers
    assert np.isin(cut["referee"], model.follow.koc_ids).all()  # only a KOC promotes unbought


def test_a_koc_referred_back_by_its_own_referee_keeps_no_link_into_it():
    # KOC 0 promotes to 1 (day 2), who brings in 2 (day 3) and then 0 itself (day 5); KOL 0
    # (id n = 5) brings in 3 (day 4); 4 never buys
    consumers = ConsumerState(5)
    consumers.first_order_day[:] = [5, 2, 3, 4, -1]
    consumers.referrer[:] = [1, 0, 1, 5, -1]
    edges = pd.DataFrame(
        {
            "referrer": [0, 1, 1, 5],
            "referee": [1, 2, 0, 3],
            "day": [2, 3, 5, 4],
            "channel": ["koc", "peer", "peer", "kol"],
        }
    )
    assert not nx.is_directed_acyclic_graph(links_graph(edges))
    kept = is_cascade_link(edges, consumers, n=5)
    assert kept.tolist() == [True, True, False, False]
    assert nx.is_branching(links_graph(edges[kept]))


def test_a_run_without_links_has_no_tree_links():
    model = run("seeding=organic", "referral=none")
    assert model.referral_trees().empty
    assert list(model.referral_trees().columns) == list(model.referrals().columns)


# ----- a network file's own ids -------------------------------------------------------------
FIRST_ID, STEP = 1_000_000, 7


def write_edge_list(path, n: int = 2000) -> nx.Graph:
    """A small world among ids ``1000000 + 7 i`` written to ``path``; returns it."""
    graph = nx.connected_watts_strogatz_graph(n, 6, 0.1, seed=3)
    graph = nx.relabel_nodes(graph, {i: FIRST_ID + STEP * i for i in graph})
    path.write_text("".join(f"{u} {v}\n" for u, v in graph.edges()))
    return graph


def in_file_ids(edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """The referral links between consumers with their ids in the network file."""
    node_of = nodes.set_index("consumer")["node"]
    among_consumers = edges[edges["referrer"] < len(nodes)]
    return among_consumers.assign(
        referrer=among_consumers["referrer"].map(node_of),
        referee=among_consumers["referee"].map(node_of),
    )


def assert_links_follow_the_file(links: pd.DataFrame, graph: nx.Graph) -> None:
    """A friend's link joins two friends of the file; a KOC's reaches friends of friends."""
    assert (links["channel"] == "peer").sum() > 0
    reach = {"peer": 1, "koc": 2}
    for link in links.itertuples():
        hops = nx.shortest_path_length(graph, link.referrer, link.referee)
        assert 1 <= hops <= reach[link.channel], link


def edge_list_config(path, *overrides: str) -> sim.Config:
    """A campaign on the network file at ``path`` that spreads by referral."""
    return sim.compose(
        ["network=edgelist", f"network.path={path}", "referral=two_sided", *overrides]
    )


def test_a_job_on_a_file_with_its_own_ids_maps_the_edges_back_to_them(tmp_path):
    file = tmp_path / "ids.txt"
    graph = write_edge_list(file)
    result = sim.run(edge_list_config(file, "run.replicates=2", "seeding=mixed"))
    jobs.write_job(tmp_path / "0", result, {"referral": "two_sided"}, "x", save_referrals=True)
    nodes = sim.results.load(tmp_path, "nodes")
    assert (nodes["referral"] == "two_sided").all()
    assert nodes["consumer"].tolist() == list(range(2000))
    assert nodes["node"].tolist() == [FIRST_ID + STEP * i for i in range(2000)]
    assert_links_follow_the_file(in_file_ids(sim.results.load(tmp_path, "referrals"), nodes), graph)


def test_a_job_writes_no_nodes_where_the_ids_need_no_mapping(tmp_path):
    counted = tmp_path / "counted.txt"
    counted.write_text("".join(f"{i} {i + 1}\n" for i in range(99)))
    for name, config in {
        "generated": sim.compose(["network.n=300", "days=10"]),
        "file": edge_list_config(counted, "days=10"),
    }.items():
        jobs.write_job(tmp_path / name, sim.run(config), {}, "x", save_referrals=True)
        assert (tmp_path / name / "referrals.parquet").is_file()
        assert not (tmp_path / name / "nodes.parquet").exists()


def test_a_job_writes_no_nodes_without_its_referrals(tmp_path):
    file = tmp_path / "ids.txt"
    write_edge_list(file)
    jobs.write_job(tmp_path / "0", sim.run(edge_list_config(file, "days=10")), {}, "x")
    assert not (tmp_path / "0" / "nodes.parquet").exists()


def test_the_command_line_writes_the_nodes_of_a_file_with_text_ids(tmp_path):
    file = tmp_path / "people.txt"
    ring = nx.circulant_graph(2000, [1, 2])
    ring = nx.relabel_nodes(ring, {i: f"user{i}" for i in ring})
    file.write_text("".join(f"{u} {v}\n" for u, v in ring.edges()))
    referral_sim(
        "network=edgelist",
        f"network.path={file}",
        "referral=two_sided",
        "seeding=mixed",
        "run.save_referrals=true",
        "hydra.run.dir=run",
        cwd=tmp_path,
    )
    nodes = pd.read_parquet(tmp_path / "run" / "nodes.parquet")
    assert nodes["node"].tolist() == sorted(f"user{i}" for i in range(2000))
    edges = pd.read_parquet(tmp_path / "run" / "referrals.parquet")
    assert_links_follow_the_file(in_file_ids(edges, nodes), ring)

"""Loading a user's friendship network: an edge list, a CSV or GraphML file, or a networkx graph.

Node ids may be any integers or strings; they are relabelled ``0..n-1`` in sorted order.
Self-loops and duplicate edges are dropped with a warning.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from sim.network.graph import SocialGraph, from_edges
from sim.params import ConfigError

GRAPHML_SUFFIXES = (".graphml", ".xml")


def load_edgelist(path: str | Path, key: str = "network.path") -> SocialGraph:
    """Read a friendship network from a file.

    Whitespace-separated edge lists (``u v`` per line, ``#`` comments), CSV files (first two
    columns; a header row is detected) and GraphML are understood.

    Args:
        path: the file.
        key: the configuration key to name in error messages.

    Returns:
        The graph.

    Raises:
        ConfigError: when the file is missing, unreadable, empty or malformed.

    """
    file = Path(path).expanduser()
    if not str(path):
        raise ConfigError(f"{key} is empty: give the path of an edge-list, CSV or GraphML file.")
    if not file.exists():
        raise ConfigError(
            f"{key}={str(path)!r} does not exist: expected an edge-list, CSV or GraphML file."
        )
    if not file.is_file():
        raise ConfigError(f"{key}={str(path)!r} is not a regular file.")
    if file.suffix.lower() in GRAPHML_SUFFIXES:
        try:
            return from_networkx(nx.read_graphml(file), source=str(path))
        except Exception as error:  # networkx raises several parser errors
            raise ConfigError(f"{key}={str(path)!r} is not valid GraphML: {error}") from error
    table = _read_table(file, key)
    return _graph_from_pairs(table.iloc[:, 0].to_numpy(), table.iloc[:, 1].to_numpy(), str(path))


def _read_table(file: Path, key: str) -> pd.DataFrame:
    separator = "," if file.suffix.lower() == ".csv" else r"\s+"
    try:
        table = pd.read_csv(
            file, sep=separator, comment="#", header=None, dtype=str, engine="python"
        )
    except pd.errors.EmptyDataError:
        table = pd.DataFrame()
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ConfigError(f"{key}={str(file)!r} could not be parsed: {error}") from error
    if table.shape[1] < 2 or len(table) == 0:
        raise ConfigError(
            f"{key}={str(file)!r} has no edges: expected lines of two node ids ('u v')."
        )
    table = table.iloc[:, :2].dropna()
    if not _looks_numeric(table.iloc[0]) and _looks_numeric(table.iloc[1:2].squeeze()):
        table = table.iloc[1:]  # a header row
    return table


def _looks_numeric(row: pd.Series) -> bool:
    return bool(pd.to_numeric(row, errors="coerce").notna().all()) if len(row) else False


def _graph_from_pairs(u: np.ndarray, v: np.ndarray, source: str) -> SocialGraph:
    ids = np.concatenate([u, v])
    numeric = pd.to_numeric(pd.Series(ids), errors="coerce")
    if numeric.notna().all() and (numeric % 1 == 0).all():
        ids = numeric.to_numpy(dtype=np.int64)
    labels, codes = np.unique(ids, return_inverse=True)
    half = len(u)
    return from_edges(len(labels), codes[:half], codes[half:], warn_source=source)


def from_networkx(graph: nx.Graph, source: str = "networkx graph") -> SocialGraph:
    """Convert any ``networkx`` graph (directions and weights ignored) to a SocialGraph.

    Nodes are numbered in the graph's node order. A node attribute ``community`` is kept.
    """
    nodes = list(graph.nodes)
    position = {node: i for i, node in enumerate(nodes)}
    pairs = np.array([(position[a], position[b]) for a, b in graph.edges], dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    community = None
    labels = nx.get_node_attributes(graph, "community")
    if len(labels) == len(nodes) and nodes:
        _, community = np.unique([labels[node] for node in nodes], return_inverse=True)
    return from_edges(len(nodes), pairs[:, 0], pairs[:, 1], community, warn_source=source)

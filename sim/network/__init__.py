"""Friendship networks: generators into CSR arrays, file loaders and the ``network`` options."""

from sim.network.graph import SocialGraph, from_edges
from sim.network.io import from_networkx, load_edgelist
from sim.network.options import NETWORK_OPTIONS, NetworkConfig

__all__ = [
    "NETWORK_OPTIONS",
    "NetworkConfig",
    "SocialGraph",
    "from_edges",
    "from_networkx",
    "load_edgelist",
]

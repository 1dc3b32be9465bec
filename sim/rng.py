"""One seed drives everything: independent random streams per run and purpose.

``SeedSequence(seed, spawn_key=(replicate,))`` gives each replicate its own family of
streams, and within it separate children for the network, the consumer traits, the follow
layer and the dynamics. Two schemes run with the same seed and replicate therefore see the
same network and population (common random numbers), and differ only in the dynamics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Streams:
    """Independent generators for one replicate.

    Attributes:
        network: draws the friendship graph.
        traits: draws consumer traits.
        follow: draws KOL and KOC audiences.
        dynamics: drives the daily step (and seeds Mesa's ``Model.rng``).

    """

    network: np.random.Generator
    traits: np.random.Generator
    follow: np.random.Generator
    dynamics: np.random.Generator

    @classmethod
    def for_replicate(cls, seed: int, replicate: int) -> Streams:
        """Create the streams of replicate ``replicate`` under master seed ``seed``."""
        root = np.random.SeedSequence(entropy=seed, spawn_key=(replicate,))
        network, traits, follow, dynamics = (np.random.default_rng(s) for s in root.spawn(4))
        return cls(network, traits, follow, dynamics)

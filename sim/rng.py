"""One seed drives everything: independent random streams per run and purpose.

``SeedSequence(seed, spawn_key=(replicate,))`` gives each replicate its own family of
streams, and within it separate children for the network, the consumer traits, the follow
layer and the dynamics. Two schemes run with the same seed and replicate therefore see the
same network and population (common random numbers), and differ only in the dynamics.

The daily step goes further (:class:`PhaseStreams`): each phase of the day (ads, sharing,
purchase decisions, churn, ...) draws from its own child of the dynamics seed, and each day
from its own segment of that stream. A phase's draws on day ``d`` therefore depend neither on
what the other phases drew nor on how much it drew itself on earlier days: when two schemes
differ in who shares, the ads still show the same impressions to the same consumers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PHASES = (
    "ads",  # impressions: rounding draw, targets, and each impression's purchase draw
    "kol",  # which followers see a KOL post, and their purchase draws
    "koc",  # which followers see a KOC post, and their purchase draws
    "share",  # who shares after a purchase
    "talk",  # which active customers talk today
    "fraud",  # which sharers make fakes
    "purchase",  # purchase draws of exposures made without one (built by hand)
    "credit",  # which exposure gets the credit for each buyer
    "group_buy",  # whether a dissolved team's held order is kept at full price
    "repurchase",  # repeat order of each active customer
    "churn",  # lapse of each active customer
    "retention",  # which new customers join the programme
    "share_fanout",  # with which friends each sharer shares
    "share_purchase",  # purchase draws of the shares
    "talk_friend",  # which friend each talker talks to
    "talk_purchase",  # purchase draws of the talk
    "fraud_count",  # how many fakes each cheat makes
)
"""The phases of the day with their own stream; new phases go last (the others keep theirs).

A draw whose count depends on an earlier draw of the day (the friends of those who share)
has a phase of its own: when two schemes differ in who shares, the purchase draws of the
shares still start at the same point of the stream."""

DAY_JUMP = 0x9E3779B97F4A7C15F39CC0605CEDC835
"""Day ``d`` of a phase draws from position ``d * DAY_JUMP mod 2**128`` of its stream.

The jump of numpy's ``PCG64.jumped`` (the golden ratio times 2**128, odd). Segments 2**64
apart would share the low 64 bits of PCG64's state, index by index, from one day to the next;
an odd multiple of the golden ratio keeps the days' starts scattered over the whole period,
no two of the first million days closer than 2**107 draws."""


@dataclass(frozen=True)
class Streams:
    """Independent generators for one replicate.

    Attributes:
        network: draws the friendship graph.
        traits: draws consumer traits.
        follow: draws KOL and KOC audiences.
        dynamics: draws what is decided before day 1 (initial customers, KOC recruits) and
            seeds Mesa's ``Model.rng``.
        dynamics_seed: the seed whose children give each phase of the day its stream
            (:class:`PhaseStreams`).

    """

    network: np.random.Generator
    traits: np.random.Generator
    follow: np.random.Generator
    dynamics: np.random.Generator
    dynamics_seed: np.random.SeedSequence

    @classmethod
    def for_replicate(cls, seed: int, replicate: int) -> Streams:
        """Create the streams of replicate ``replicate`` under master seed ``seed``."""
        root = np.random.SeedSequence(entropy=seed, spawn_key=(replicate,))
        children = root.spawn(4)
        network, traits, follow, dynamics = (np.random.default_rng(s) for s in children)
        return cls(network, traits, follow, dynamics, children[3])


class PhaseStreams:
    """A generator per phase of the day, each day drawing from its own segment of the stream.

    ``on(phase, day)`` rewinds the phase's PCG64 to the start of its stream and advances it by
    ``day * DAY_JUMP`` the first time the phase draws on ``day`` (6.6 us measured: no
    per-day O(n) work); later calls the same day continue where the phase stopped.
    """

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self._generator: dict[str, np.random.Generator] = {}
        self._start: dict[str, dict] = {}
        self._day: dict[str, int] = {}
        for phase, child in zip(PHASES, seed.spawn(len(PHASES)), strict=True):
            bits = np.random.PCG64(child)
            self._generator[phase] = np.random.Generator(bits)
            self._start[phase] = bits.state
            self._day[phase] = -1

    def on(self, phase: str, day: int) -> np.random.Generator:
        """The generator of ``phase`` positioned for ``day`` (KeyError for an unknown phase)."""
        generator = self._generator[phase]
        if self._day[phase] != day:
            bits = generator.bit_generator
            bits.state = self._start[phase]
            bits.advance(day * DAY_JUMP % 2**128)
            self._day[phase] = day
        return generator

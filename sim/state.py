"""Consumer state held as numpy arrays, one row per consumer, and its enumerations."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class State(IntEnum):
    """Where a consumer stands with the brand."""

    UNAWARE = 0
    AWARE = 1
    HELD = 2  # a first order waiting for its group-buy team (``referral=group_buy``)
    CUSTOMER = 3
    LAPSED = 4


class Channel(IntEnum):
    """How a customer was acquired (the credited exposure's source)."""

    NONE = -1
    SEED = 0
    AD = 1
    KOL = 2
    KOC = 3
    PEER = 4


ACQUISITION_CHANNELS = (Channel.AD, Channel.KOL, Channel.KOC, Channel.PEER)
REFERRAL_CHANNELS = (Channel.KOC, Channel.PEER)  # acquired through a consumer's link


def channel_name(channel: int) -> str:
    """Lower-case name of a channel code, e.g. ``peer``."""
    return Channel(channel).name.lower()


@dataclass
class ConsumerState:
    """Per-consumer records of one replicate.

    Attributes:
        state: a :class:`State` code.
        orders: real orders placed (the day-0 order of a seed included).
        first_order_day: day of the first order, -1 if none.
        first_aware_day: day of the first exposure (0 for the day-0 seeds), -1 if never
            exposed; with ``first_order_day`` it gives the time to decide (fact F8).
        second_order_day: day of the second order, -1 if none.
        last_order_day: day of the latest order, -1 if none.
        channel: :class:`Channel` of acquisition, -1 if not a customer.
        referrer: id of the referring consumer, ``n + j`` for KOL ``j``, -1 if none.
        referrals: funded referrals made (real and fake referees): what tiers count.

    """

    n: int
    state: np.ndarray = field(init=False)
    orders: np.ndarray = field(init=False)
    first_order_day: np.ndarray = field(init=False)
    first_aware_day: np.ndarray = field(init=False)
    second_order_day: np.ndarray = field(init=False)
    last_order_day: np.ndarray = field(init=False)
    channel: np.ndarray = field(init=False)
    referrer: np.ndarray = field(init=False)
    referrals: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.n
        self.state = np.zeros(n, dtype=np.int8)
        self.orders = np.zeros(n, dtype=np.int32)
        self.first_order_day = np.full(n, -1, dtype=np.int32)
        self.first_aware_day = np.full(n, -1, dtype=np.int32)
        self.second_order_day = np.full(n, -1, dtype=np.int32)
        self.last_order_day = np.full(n, -1, dtype=np.int32)
        self.channel = np.full(n, Channel.NONE, dtype=np.int8)
        self.referrer = np.full(n, -1, dtype=np.int64)
        self.referrals = np.zeros(n, dtype=np.int32)

    def can_buy(self, ids: np.ndarray) -> np.ndarray:
        """Mask of ``ids`` who can still make a first order (unaware or aware).

        Exposures are kept only for them, where they are made: an exposure to a customer, a
        lapsed customer or a consumer whose group-buy order is held cannot change anything.
        """
        return self.state[ids] <= State.AWARE

    def is_customer(self) -> np.ndarray:
        """Mask of consumers who ever bought (seeds included)."""
        return self.first_order_day >= 0

    def acquired(self) -> np.ndarray:
        """Mask of customers won during the run (seeds excluded)."""
        return self.is_customer() & (self.channel != Channel.SEED)

"""Mesa agents: consumers, KOCs and KOLs as views on the model's arrays.

The daily step is vectorised over arrays (``sim.dynamics``); an agent object only reads its
row, so ``model.agents``, ``model.agents_by_type[KOC]`` and Mesa's ``DataCollector`` work as
usual. Agents are created on first access to ``model.agents``; every attribute is read-only.

Mesa keys ``agents_by_type`` by exact class: ``agents_by_type[Consumer]`` holds the consumers
that are not KOCs, and ``model.agents.select(agent_type=Consumer)`` all ``n`` of them. KOLs
have no consumer attributes, so a DataCollector reads consumers through
``agenttype_reporters={Consumer: {...}, KOC: {...}}`` rather than ``agent_reporters``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.state import Channel, State

if TYPE_CHECKING:
    from sim.model import ReferralModel


class Consumer(mesa.Agent):
    """A consumer: a node of the friendship graph.

    Args:
        model: the model.
        index: row in the model's consumer arrays (the node id).

    """

    def __init__(self, model: ReferralModel, index: int) -> None:
        super().__init__(model)
        self._index = index

    @property
    def index(self) -> int:
        """Row in the model's consumer arrays (the node id ``0..n-1``)."""
        return self._index

    @property
    def node(self) -> object:
        """The consumer's id in the user's edge list or networkx graph (else ``index``)."""
        return self.model.network.label_of(self.index)

    @property
    def state(self) -> State:
        """Unaware, aware, customer or lapsed."""
        return State(int(self.model.consumers.state[self.index]))

    @property
    def orders(self) -> int:
        """Real orders placed."""
        return int(self.model.consumers.orders[self.index])

    @property
    def first_order_day(self) -> int:
        """Day of the first order (-1 if none; 0 for a seed)."""
        return int(self.model.consumers.first_order_day[self.index])

    @property
    def second_order_day(self) -> int:
        """Day of the second order (-1 if none)."""
        return int(self.model.consumers.second_order_day[self.index])

    @property
    def first_aware_day(self) -> int:
        """Day of the first exposure (0 for a seed; -1 if never exposed)."""
        return int(self.model.consumers.first_aware_day[self.index])

    @property
    def last_order_day(self) -> int:
        """Day of the latest order (-1 if none)."""
        return int(self.model.consumers.last_order_day[self.index])

    @property
    def channel(self) -> str:
        """Acquisition channel (``seed``, ``ad``, ``kol``, ``koc``, ``peer``; ``none``)."""
        return Channel(int(self.model.consumers.channel[self.index])).name.lower()

    @property
    def referrer(self) -> int:
        """Referring consumer id, ``n + j`` for KOL ``j``, or -1."""
        return int(self.model.consumers.referrer[self.index])

    @property
    def referrals(self) -> int:
        """Funded referrals made (fake referees included); tiers count these (0 under none)."""
        return int(self.model.consumers.referrals[self.index])

    @property
    def susceptibility(self) -> float:
        """Multiplier on every conversion probability."""
        return float(self.model.traits.susceptibility[self.index])

    @property
    def price_sensitivity(self) -> float:
        """Relative conversion gain per unit discount share."""
        return float(self.model.traits.price_sensitivity[self.index])

    @property
    def threshold(self) -> int:
        """Distinct exposures needed before buying."""
        return int(self.model.traits.threshold[self.index])

    @property
    def friends(self) -> list[int]:
        """Ids of friends (none under random mixing, ``network=complete``: no fixed friends)."""
        graph = self.model.network
        return graph.indices[graph.indptr[self.index] : graph.indptr[self.index + 1]].tolist()

    @property
    def community(self) -> int:
        """Community label (-1 when the network has none)."""
        labels = self.model.network.community
        return -1 if labels is None else int(labels[self.index])

    @property
    def is_customer(self) -> bool:
        """Whether this consumer ever bought, day-0 seeds included.

        ``metrics()['customers']`` counts customers won by the campaign: it leaves the seeds
        out (``channel == 'seed'``).
        """
        return self.first_order_day >= 0

    @property
    def is_fake(self) -> bool:
        """Always False: fake referees are not consumers; see ``metrics()['fake_referrals']``."""
        return False


class KOC(Consumer):
    """A key opinion consumer: a consumer whose followers come from its neighbourhood.

    Args:
        model: the model.
        index: consumer id.
        koc_index: position among the KOCs (row of the KOC audiences).

    """

    def __init__(self, model: ReferralModel, index: int, koc_index: int) -> None:
        super().__init__(model, index)
        self._koc_index = koc_index

    @property
    def koc_index(self) -> int:
        """Position among the KOCs (row of the KOC audiences)."""
        return self._koc_index

    @property
    def audience_size(self) -> int:
        """Followers."""
        return int(self.model.follow.koc.sizes[self.koc_index])

    @property
    def recruited(self) -> bool:
        """Whether the seeding scheme recruited this KOC (``koc_matrix`` or ``mixed``, day 1)."""
        return bool(np.any(self.model.seeding.recruited_kocs() == self.index))


class KOL(mesa.Agent):
    """A key opinion leader: a creator account outside the friendship graph.

    Args:
        model: the model.
        index: KOL index ``j``; as a referrer it appears as ``n + j``.

    """

    def __init__(self, model: ReferralModel, index: int) -> None:
        super().__init__(model)
        self._index = index

    @property
    def index(self) -> int:
        """KOL index ``j``."""
        return self._index

    @property
    def audience_size(self) -> int:
        """Followers."""
        return int(self.model.follow.kol.sizes[self.index])

    @property
    def hired(self) -> bool:
        """Whether the seeding scheme hired this KOL (``kol`` or ``mixed``)."""
        return bool(np.any(self.model.seeding.hired_kols() == self.index))

    @property
    def referrer_id(self) -> int:
        """The id this KOL has in ``referrer`` columns."""
        return self.model.n + self.index

"""Mesa agents: consumers, KOCs and KOLs as views on the model's arrays.

The daily step is vectorised over arrays (``sim.dynamics``); an agent object only reads its
row, so ``model.agents``, ``model.agents_by_type[KOC]`` and Mesa's ``DataCollector`` work as
usual. Agents are created on first access to ``model.agents``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

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
        self.index = index

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
        """Ids of friends."""
        graph = self.model.network
        return graph.indices[graph.indptr[self.index] : graph.indptr[self.index + 1]].tolist()

    @property
    def community(self) -> int:
        """Community label (-1 when the network has none)."""
        labels = self.model.network.community
        return -1 if labels is None else int(labels[self.index])

    @property
    def is_customer(self) -> bool:
        """Whether this consumer ever bought."""
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
        self.koc_index = koc_index

    @property
    def audience_size(self) -> int:
        """Followers."""
        return int(self.model.follow.koc.sizes[self.koc_index])


class KOL(mesa.Agent):
    """A key opinion leader: a creator account outside the friendship graph.

    Args:
        model: the model.
        index: KOL index ``j``; as a referrer it appears as ``n + j``.

    """

    def __init__(self, model: ReferralModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def audience_size(self) -> int:
        """Followers."""
        return int(self.model.follow.kol.sizes[self.index])

    @property
    def referrer_id(self) -> int:
        """The id this KOL has in ``referrer`` columns."""
        return self.model.n + self.index

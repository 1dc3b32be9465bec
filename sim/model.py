"""The referral model: a ``mesa.Model`` whose state lives in numpy arrays.

One step is one day (DESIGN.md §1.3), in the order of :meth:`ReferralModel.step`: broadcast,
sharing and word of mouth, fake referrers (fraud), first purchases, repurchase and churn, then
rewards, retention and accounting. Every phase is vectorised over what is active that day; Mesa
agents (``sim.agents``) are views on the arrays, created on first access.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from sim.agents import KOC, KOL, Consumer
from sim.arrays import GrowingIds, Scratch
from sim.config import Config, RewardKindsConfig
from sim.dynamics.purchase import (
    ExposureMemory,
    Purchases,
    decide_purchases,
    referrer_of,
)
from sim.dynamics.referrals import (
    FraudTally,
    PendingRewards,
    fake_referrers,
    settle_rewards,
)
from sim.dynamics.repurchase import repurchase_and_churn
from sim.dynamics.sharing import group_shares, word_of_mouth
from sim.exposures import Exposures
from sim.follow import FollowLayer
from sim.history import History
from sim.ledger import Ledger
from sim.metrics import cascade_parents, run_metrics, tree_size_counts
from sim.network import SocialGraph, from_networkx
from sim.params import ConfigError, check, fail
from sim.population import draw_traits
from sim.rng import PhaseStreams, Streams
from sim.schemes import REFERRAL, RETENTION, REWARD_KINDS, SEEDING
from sim.state import Channel, ConsumerState, State, channel_name

AGENT_CLASSES = (Consumer, KOC, KOL)  # every agent type, in the order agents are made
REFERRAL_COLUMNS = ("referrer", "referee", "day", "channel")


@dataclass(frozen=True)
class RewardTable:
    """Cost, perceived and extractable value per yuan, indexed by reward-kind code."""

    cost: np.ndarray
    perceived: np.ndarray
    extractable: np.ndarray

    @classmethod
    def from_config(cls, rewards: RewardKindsConfig) -> RewardTable:
        """Tabulate the configured reward kinds in ``REWARD_KINDS`` order."""
        kinds = [getattr(rewards, name) for name in REWARD_KINDS]
        return cls(
            *(
                np.array([getattr(k, f) for k in kinds])
                for f in ("cost", "perceived", "extractable")
            )
        )

    def cost_of(self, face: np.ndarray | float, kind: np.ndarray | int) -> np.ndarray | float:
        """What rewards of face value ``face`` (yuan) and kind code ``kind`` cost the brand."""
        return face * self.cost[kind]


class ReferralModel(mesa.Model):
    """An agent-based referral campaign on a social network.

    Args:
        config: a checked configuration (see :func:`sim.compose`).
        replicate: replicate index; with ``config.seed`` it fixes the network, the population
            and the dynamics. Two schemes with the same seed and replicate share the network
            and traits.
        graph: optional friendship network (``networkx.Graph`` or ``SocialGraph``) used instead
            of ``config.network``.

    Attributes:
        day: days simulated so far (0 before the first step).
        network: the friendship graph (CSR arrays); ``graph`` gives a networkx view.
        traits: consumer traits.
        follow: KOL and KOC audiences.
        consumers: per-consumer records.
        ledger: spend by component.
        exposures_seen: exposures that reached a non-customer, by channel code (index with
            :class:`~sim.state.Channel`); with ``decided`` they give the realised conversion
            per exposure.
        decided: first orders decided, by the credited channel's code: the first orders by
            channel, except that a group buy's orders decided at the group price count on the
            day they are decided, whether or not their teams fill, and not when placed.

    """

    def __init__(
        self, config: Config, replicate: int = 0, graph: nx.Graph | SocialGraph | None = None
    ) -> None:
        check_config(config)
        whole = isinstance(replicate, int | np.integer) and not isinstance(replicate, bool)
        if not (whole and replicate >= 0):
            fail("replicate", replicate, "an integer >= 0")
        streams = Streams.for_replicate(config.seed, int(replicate))
        super().__init__(rng=streams.dynamics)
        self.phases = PhaseStreams(streams.dynamics_seed)
        self.config, self.replicate, self.day = config, replicate, 0
        self.network = _network(config, graph, streams.network)
        self.n = self.network.n
        self.traits = draw_traits(config.population, self.n, streams.traits)
        self.follow = FollowLayer.draw(config.influencers, self.network, streams.follow)
        self.ad_source = self.n + self.follow.kols
        self.consumers = ConsumerState(self.n)
        self.ledger = Ledger(config.budget.total)
        self.reward_table = RewardTable.from_config(config.rewards)
        self.conversion_by_channel = _conversion_table(config)
        self.seeding = SEEDING[config.seeding.name](config.seeding, self)
        self.referral = REFERRAL[config.referral.name](config.referral, self)
        self.retention = RETENTION[config.retention.name](config.retention, self)
        complex_ = self.traits.complex_contagion
        sources = self.ad_source + 1
        self.memory = ExposureMemory(config.population.memory_days, sources) if complex_ else None
        self.pending, self.fraud = PendingRewards(), FraudTally()
        self.scratch = Scratch(self.n)
        self.offers_open, self.offer_share = False, 0.0
        self.retention_open = True
        self.aware_count, self.orders_total = 0, 0
        self.exposures_seen = np.zeros(max(Channel) + 1, dtype=np.int64)
        self.decided = np.zeros(max(Channel) + 1, dtype=np.int64)
        self._active = GrowingIds()
        self.history = History(config.days)
        self._referral_parts: list[tuple[np.ndarray, ...]] = []
        self._agents_made = False
        self._buyers_yesterday = self._place_initial_orders(self.seeding.initial_customers())
        self.history.record(self, np.zeros(0, np.int8), 0, 0)
        self.running = True

    # ----- the day -------------------------------------------------------------------------
    def draws(self, phase: str) -> np.random.Generator:
        """The generator of ``phase`` (one of :data:`sim.rng.PHASES`) for today's draws."""
        return self.phases.on(phase, self.day)

    def step(self) -> None:
        """Simulate one day; after the last of ``config.days`` there is none left to simulate.

        A step past the end changes nothing (``running`` is already False): a viewer that
        steps several days per click may overshoot, and the history holds ``days`` days.
        """
        if self.day >= self.config.days:
            self.running = False
            return
        self.day += 1
        self._open_offers()
        self.retention_open = self.ledger.available("retention") > 0
        broadcast = self.seeding.broadcast(self.day)
        shares, sharers = group_shares(self, self._buyers_yesterday)
        talk, talkers = word_of_mouth(self)
        fakes = fake_referrers(self, sharers)
        self.fraud.fakes += len(fakes)  # funded or not, like real referred customers
        purchases = decide_purchases(self, Exposures.concat([broadcast, shares, talk]))
        purchases = self.referral.admit(purchases, fakes)
        repeat = repurchase_and_churn(self)
        self._record_first_orders(purchases)
        self.referral.book_first_orders(purchases, fakes)
        self.referral.after_repeat_orders(repeat)
        self.seeding.after_orders(purchases, repeat)
        if self.retention_open:  # no joins, points or member discounts once it is unfunded
            self.ledger.spend_up_to(
                "retention", self.retention.after_orders(purchases.buyers, repeat)
            )
        settle_rewards(self)
        self.referral.end_of_day()
        self.orders_total += len(purchases.buyers) + len(repeat)
        self._buyers_yesterday = np.concatenate([purchases.buyers, repeat])
        spreaders = len(sharers) + len(talkers)  # each list holds a consumer at most once
        if len(sharers) and len(talkers):  # but one may have shared and talked today
            spreaders = self.scratch.count_distinct(np.concatenate([sharers, talkers]))
        self.history.record(self, purchases.channel, len(repeat), spreaders)
        self.running = self.day < self.config.days

    def run(self) -> ReferralModel:
        """Step until ``config.days`` days have been simulated; returns the model.

        Once nothing can change any more (see :meth:`is_settled`) the remaining days are
        recorded without being simulated: they would all be identical and empty. Mesa's clock
        still passes them (``model.steps == model.time == model.day`` after a run), so a
        DataCollector files what it collects next under the last day.
        """
        while self.day < self.config.days:
            if self.is_settled():
                remaining = self.config.days - self.day
                self.history.repeat_last(remaining)
                self.day = self.config.days
                self.run_for(remaining)  # steps past the end: no work, about 5 us each
                break
            self.step()
        self.running = False
        return self

    def is_settled(self) -> bool:
        """Whether no future day can bring an exposure, an order or a cost.

        True when nobody bought yesterday, no paid channel will broadcast again, no reward
        awaits verification, no group-buy team is still open (it must still expire), and
        active customers (if any) neither talk, re-buy, churn nor cost anything.
        """
        waiting = len(self._buyers_yesterday) or len(self.pending)
        if waiting or not (self.seeding.is_idle(self.day) and self.referral.is_idle()):
            return False
        if not len(self.active):
            return True
        config = self.config
        return (
            config.share.daily == 0
            and not config.repurchase.enabled
            and self.retention.daily_cost(self.active) == 0
        )

    def _open_offers(self) -> None:
        """Offers stand only while the budget can pay for one more referral.

        What one more referral costs is the scheme's ``one_referral_cost``: both commission
        levels under ``commission``, a whole team under ``group_buy``.
        """
        scheme = self.referral
        affordable = self.ledger.can_pay(scheme.one_referral_cost(), "referral_discount")
        self.offers_open = scheme.offers_anything() and affordable
        price = self.config.product.price
        self.offer_share = scheme.referee_discount() / price if self.offers_open else 0.0

    def _place_initial_orders(self, seeds: np.ndarray) -> np.ndarray:
        consumers = self.consumers
        consumers.state[seeds] = State.CUSTOMER
        consumers.orders[seeds] = 1
        consumers.first_order_day[seeds] = consumers.last_order_day[seeds] = 0
        consumers.first_aware_day[seeds] = 0
        consumers.channel[seeds] = Channel.SEED
        seeds = np.asarray(seeds, dtype=np.int64)
        self.active = seeds  # copied into the growing list: later appends never touch seeds
        self.aware_count = len(seeds)
        return seeds

    def _record_first_orders(self, purchases: Purchases) -> None:
        buyers, consumers = purchases.buyers, self.consumers
        consumers.state[buyers] = State.CUSTOMER
        consumers.orders[buyers] += 1
        consumers.first_order_day[buyers] = consumers.last_order_day[buyers] = self.day
        consumers.channel[buyers] = purchases.channel
        referrer = referrer_of(purchases)
        consumers.referrer[buyers] = referrer
        self._active.extend(buyers)
        linked = referrer >= 0
        self._referral_parts.append(
            (
                referrer[linked],
                buyers[linked],
                np.full(linked.sum(), self.day),
                purchases.channel[linked],
            )
        )

    @property
    def buyers_yesterday(self) -> np.ndarray:
        """Consumers who ordered yesterday, first orders then repeat orders (read-only view)."""
        view = self._buyers_yesterday.view()
        view.flags.writeable = False
        return view

    @property
    def active(self) -> np.ndarray:
        """Ids of active (not lapsed) customers (a read-only view; assign to replace)."""
        return self._active.view()

    @active.setter
    def active(self, ids: np.ndarray) -> None:
        self._active.replace(ids)

    # ----- results ---------------------------------------------------------------------------
    def metrics(self) -> dict[str, float | int]:
        """Scalar outcomes of the run so far (names in DESIGN.md §1.5; counts are int)."""
        return run_metrics(self)

    def timeseries(self) -> pd.DataFrame:
        """One row a day from day 0: cumulative customers, new customers by channel, spend."""
        return self.history.frame()

    def cascades(self) -> pd.DataFrame:
        """Referral trees of two members or more by size (the trees of ``cascade_max_size``).

        Columns: ``size``, ``trees`` (how many trees have that size).
        """
        size, trees = tree_size_counts(self.consumers, self.n)
        return pd.DataFrame({"size": size.astype(np.int64), "trees": trees.astype(np.int64)})

    def referrals(self) -> pd.DataFrame:
        """Referral edges, one per customer acquired through a link.

        Columns: ``referrer`` (consumer id, or ``n + j`` for KOL ``j``), ``referee``, ``day``,
        ``channel`` (``peer``, ``koc`` or ``kol``).

        A faithful record of who referred whom, which is not always a forest: a recruited KOC
        promotes before it buys (a ``koc`` link KOC -> friend) and may later be referred by
        someone it brought in (a ``peer`` link friend -> KOC), closing a cycle. The cascades
        (:meth:`cascades`, the ``cascade_*`` metrics) cut the link into a consumer who referred
        someone before (or on the day of) its own first order, so it stays the root of what it
        started; :meth:`referral_trees` gives the links they keep.
        """
        if not self._referral_parts:
            return pd.DataFrame({c: pd.Series(dtype="int64") for c in REFERRAL_COLUMNS})
        columns = [np.concatenate(part) for part in zip(*self._referral_parts, strict=True)]
        frame = pd.DataFrame(dict(zip(REFERRAL_COLUMNS, columns, strict=True)))
        names = {int(c): channel_name(c) for c in Channel}
        frame["channel"] = frame["channel"].map(names)
        return frame

    def referral_trees(self) -> pd.DataFrame:
        """The referral links of the cascades: the rows of :meth:`referrals` that form a forest.

        Links between consumers, less any into a consumer who referred someone before (or on the
        day of) its own first order (the link that could close a cycle, see :meth:`referrals`); a
        KOL's links start no tree of consumers and are left out too. The trees are those of
        :meth:`cascades` and the ``cascade_*`` metrics: each has one root, with no link into it.

        Returns:
            The kept rows, with the columns and index they have in :meth:`referrals`.

        """
        edges = self.referrals()
        return edges[is_cascade_link(edges, self.consumers, self.n)]

    @property
    def graph(self) -> nx.Graph:
        """The friendship network as a ``networkx.Graph`` (built on each access)."""
        return self.network.to_networkx()

    # ----- Mesa agents, created on first access ------------------------------------------------
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All agents (consumers, KOCs, KOLs); created on first access."""
        self._make_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        """Agents by exact class; created on first access.

        ``Consumer``, ``KOC`` and ``KOL`` are always keys (an empty set when the market has
        none). As in Mesa, ``Consumer`` holds the consumers that are not KOCs.
        """
        self._make_agents()
        empty = {kind: mesa.agent.AgentSet([], random=self.random) for kind in AGENT_CLASSES}
        return {**empty, **super().agents_by_type}

    @property
    def agent_types(self) -> list[type]:
        """Agent classes present; creates the agents on first access."""
        self._make_agents()
        return super().agent_types

    def _make_agents(self) -> None:
        if self._agents_made:
            return
        self._agents_made = True
        is_koc = np.zeros(self.n, dtype=bool)
        is_koc[self.follow.koc_ids] = True
        koc_index = np.full(self.n, -1)
        koc_index[self.follow.koc_ids] = np.arange(len(self.follow.koc_ids))
        for index in range(self.n):
            if is_koc[index]:
                KOC(self, index, int(koc_index[index]))
            else:
                Consumer(self, index)
        for index in range(self.follow.kols):
            KOL(self, index)


def check_config(config: object) -> None:
    """Check that ``config`` is a configuration whose every value is allowed (set in code too).

    Raises:
        ConfigError: ``config`` is not a configuration (overrides not yet composed, say: they
            failed deep in :mod:`dataclasses`), or naming the first key whose value is not
            allowed.

    """
    if not isinstance(config, Config):  # a part (config.network) failed reading its .seed
        raise ConfigError(
            "config: expected a configuration from sim.compose, e.g. "
            f"sim.compose(['referral=two_sided']), not {type(config).__name__} "
            f"{reprlib.repr(config)}"
        )
    check(config)


def is_cascade_link(edges: pd.DataFrame, consumers: ConsumerState, n: int) -> np.ndarray:
    """Mask of the referral ``edges`` kept in the cascades (:meth:`ReferralModel.referral_trees`).

    A link is kept when it is its referee's parent in :func:`sim.metrics.cascade_parents`, so
    the links and the metrics always describe the same trees.
    """
    parent = cascade_parents(consumers, n)
    referee = edges["referee"].to_numpy(dtype=np.int64)
    return parent[referee] == edges["referrer"].to_numpy(dtype=np.int64)


def _network(config: Config, graph: nx.Graph | SocialGraph | None, rng) -> SocialGraph:
    if graph is None:
        return config.network.build(rng)
    if isinstance(graph, SocialGraph):
        return graph
    if graph.number_of_nodes() == 0:  # it failed deep in seeding with "high <= 0"
        raise ConfigError("graph: the networkx graph given has no nodes: nobody to simulate")
    return from_networkx(graph)


def _conversion_table(config: Config) -> np.ndarray:
    """Per-exposure conversion probability indexed by channel code."""
    table = np.zeros(max(Channel) + 1)
    conversion = config.conversion
    table[Channel.AD], table[Channel.KOL] = conversion.ad, conversion.kol
    table[Channel.KOC], table[Channel.PEER] = conversion.koc, conversion.peer
    return table

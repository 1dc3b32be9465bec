"""``referral`` options: what a successful referral earns (DESIGN.md §1.4).

- ``none``: no reward; friends still share.
- ``one_sided``: the referrer earns a reward when the friend first buys.
- ``two_sided``: the referrer earns a reward and the friend gets a first-order discount
  (perceived fairness among friends, fact R3).
- ``tiered``: the reward depends on how many referrals the referrer has made, and moves from
  cash to points to merchandise (the progressive scheme of fact R1).
- ``group_buy``: a team of ``team_size`` friends within ``window_days`` gets the group price
  and the leader's order is free ("invite 5, get yours free", fact C1).
- ``commission``: a share of the referee's spend for ``days`` days, at most two levels.

Every paid option has a verification rule: ``none`` (paid at the friend's first order),
``second_order`` (paid at the friend's second order, so fakes, who never re-buy, are never
paid) or ``holdback`` (paid after ``holdback_days`` if the friend is still an active customer).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from sim.arrays import occurrence_rank
from sim.dynamics.purchase import Purchases
from sim.dynamics.referrals import FAKE, book_referrals, fund_referrals, is_referral
from sim.params import NON_NEGATIVE, POSITIVE_COUNT, SHARE, Range, fail, param
from sim.schemes.base import ReferralScheme, count_referrals
from sim.state import Channel, State

REWARD_KINDS = ("cash", "points", "merchandise")
VERIFY_RULES = ("none", "second_order", "holdback")


@dataclass
class ReferralConfig:
    """Base of every referral option."""

    name: str = param("none", "which referral scheme")


@dataclass
class NoReferralConfig(ReferralConfig):
    """No incentive."""

    name: str = "none"


@dataclass
class PaidReferralConfig(ReferralConfig):
    """A referral scheme that pays: when rewards are paid."""

    verify: str = param("none", "when the referrer is paid", choices=VERIFY_RULES, source="R1")
    holdback_days: int = param(
        14, "days a reward waits under verify=holdback", range=POSITIVE_COUNT
    )


@dataclass
class OneSidedConfig(PaidReferralConfig):
    """A reward for the referrer only."""

    name: str = "one_sided"
    referrer_reward: float = param(
        20.0, "reward face value per referred first order (yuan)", range=NON_NEGATIVE
    )
    reward_kind: str = param(
        "cash", "what the reward is paid in", choices=REWARD_KINDS, source="R1"
    )


@dataclass
class TwoSidedConfig(OneSidedConfig):
    """A reward for the referrer and a discount for the friend."""

    name: str = "two_sided"
    referrer_reward: float = param(
        10.0, "reward face value per referred first order (yuan)", range=NON_NEGATIVE
    )
    referee_discount: float = param(
        10.0,
        "discount on the friend's first order (yuan; at most product.price)",
        range=NON_NEGATIVE,
        source="R3",
    )


@dataclass
class Tier:
    """One tier of a progressive reward."""

    start: int = param(
        1, "first referral number (1-based) the tier applies to", range=POSITIVE_COUNT
    )
    reward: float = param(20.0, "reward face value (yuan)", range=NON_NEGATIVE)
    kind: str = param("cash", "what the reward is paid in", choices=REWARD_KINDS)


def _progressive_tiers() -> list[Tier]:
    """Rising tiers that default referrers reach (few make more than two referrals).

    A 10-yuan cash subsidy, then 20 yuan of points, then 30 of merchandise (fact R1).
    """
    return [Tier(1, 10.0, "cash"), Tier(2, 20.0, "points"), Tier(3, 30.0, "merchandise")]


@dataclass
class TieredConfig(PaidReferralConfig):
    """Rewards rising by tiers of referral count, moving from cash to points to merchandise."""

    name: str = "tiered"
    tiers: list[Tier] = param(
        help="tiers in order of start; referral k earns the last tier with start <= k",
        source="R1",
        default_factory=_progressive_tiers,
    )
    referee_discount: float = param(
        0.0,
        "discount on the friend's first order (yuan; at most product.price)",
        range=NON_NEGATIVE,
    )

    def validate(self, prefix: str) -> None:
        """Tiers must start at referral 1 and be in strictly increasing order."""
        starts = [tier.start for tier in self.tiers]
        if not starts or starts[0] != 1:
            fail(prefix + "tiers", starts, "a first tier starting at referral 1")
        if any(b <= a for a, b in itertools.pairwise(starts)):
            fail(prefix + "tiers", starts, "tier starts in strictly increasing order")


@dataclass
class GroupBuyConfig(PaidReferralConfig):
    """Invite ``team_size`` friends within ``window_days``: all get the group price."""

    name: str = "group_buy"
    team_size: int = param(
        5, "friends who must buy through the leader's link", range=POSITIVE_COUNT, source="C1"
    )
    window_days: int = param(
        7,
        "days for the team to fill, the day of the first friend's order included (7: by the "
        "6th day after it; 1: that day only)",
        range=POSITIVE_COUNT,
    )
    group_discount: float = param(
        10.0,
        "discount each friend gets when the team fills (yuan; at most product.price)",
        range=NON_NEGATIVE,
    )
    leader_free: bool = param(
        True, "the leader's order becomes free when the team fills", source="C1"
    )
    leader_reward_kind: str = param(
        "merchandise", "what the free order counts as", choices=REWARD_KINDS
    )
    leader_fanout: float = param(
        1.0,
        "share of friends a leader invites (replaces share.fanout while the offer stands)",
        range=SHARE,
        source="C1",
    )


@dataclass
class CommissionConfig(PaidReferralConfig):
    """A share of the referee's spend for a period, paid to up to two levels of referrers."""

    name: str = "commission"
    rate: float = param(
        0.1, "share of each referee order paid to the referrer", range=SHARE, source="P3"
    )
    days: int = param(
        30, "days after the referee's first order that commission is paid", range=POSITIVE_COUNT
    )
    levels: int = param(
        2, "referrer levels paid (1 or 2; never a third)", range=Range(1, 2, integer=True)
    )
    second_level_rate: float = param(0.03, "share paid to the referrer's referrer", range=SHARE)
    reward_kind: str = param("cash", "what commission is paid in", choices=REWARD_KINDS)


class NoReferral(ReferralScheme):
    """Sharing without incentives."""

    name = "none"
    config_class = NoReferralConfig


class OneSided(ReferralScheme):
    """A flat reward of one kind to the referrer."""

    name = "one_sided"
    config_class = OneSidedConfig

    def referrer_reward(self, referrers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The same reward for every referral."""
        kind = REWARD_KINDS.index(self.config.reward_kind)
        size = len(referrers)
        return np.full(size, self.config.referrer_reward), np.full(size, kind, dtype=np.int8)

    def offers_anything(self) -> bool:
        """Whether a reward or discount is on offer, by face value as in the other schemes.

        Points the brand books at no cost (``rewards.points.cost=0``) still move sharers.
        """
        return self.config.referrer_reward > 0 or self.referee_discount() > 0


class TwoSided(OneSided):
    """A flat reward to the referrer and a discount to the friend."""

    name = "two_sided"
    config_class = TwoSidedConfig

    def referee_discount(self) -> float:
        """The friend's first-order discount."""
        return self.config.referee_discount


class Tiered(TwoSided):
    """Referral k of a referrer earns the tier with the largest start <= k."""

    name = "tiered"
    config_class = TieredConfig

    def __init__(self, config: TieredConfig, model) -> None:
        super().__init__(config, model)
        self.starts = np.array([tier.start for tier in config.tiers])
        self.rewards = np.array([tier.reward for tier in config.tiers])
        self.kinds = np.array([REWARD_KINDS.index(t.kind) for t in config.tiers], dtype=np.int8)

    def offers_anything(self) -> bool:
        """Whether any tier pays or the friend gets a discount."""
        return bool(self.rewards.max() > 0) or self.referee_discount() > 0

    def one_referral_cost(self) -> float:
        """The dearest tier: offers close when the budget cannot pay it."""
        tier_cost = self.model.reward_table.cost_of(self.rewards, self.kinds)
        return self.referee_discount() + float(tier_cost.max())

    def referrer_reward(self, referrers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reward of each referrer's next referral (repeats in one batch count up)."""
        number = self.model.consumers.referrals[referrers] + 1 + occurrence_rank(referrers)
        tier = np.searchsorted(self.starts, number, side="right") - 1
        return self.rewards[tier], self.kinds[tier]


@dataclass
class TeamRows:
    """Open group-buy teams, a row per member (fakes included), in the order they joined.

    Attributes:
        leader: the leader whose link the member bought through.
        member: the member's consumer id, :data:`FAKE` for a fake.
        held: whether the member's order is held (it was decided at the group price).
        channel: the held order's credited channel.
        discount: the held order's discount, a share of the price.
        chance: of a held order, ``p_full / p_group`` of its credited exposure.

    """

    leader: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    member: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    held: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    channel: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    discount: np.ndarray = field(default_factory=lambda: np.zeros(0))
    chance: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.leader)

    def take(self, rows: np.ndarray) -> TeamRows:
        """The rows at ``rows`` (a mask or positions)."""
        return TeamRows(*(getattr(self, name)[rows] for name in TEAM_FIELDS))

    def plus(self, other: TeamRows) -> TeamRows:
        """These rows, then ``other``'s."""
        return TeamRows(
            *(np.concatenate([getattr(self, n), getattr(other, n)]) for n in TEAM_FIELDS)
        )

    def take_held(self) -> TeamRows:
        """The rows whose orders are held."""
        return self.take(self.held)

    def orders(self, discount: bool = True) -> Purchases:
        """The held rows' orders: members as buyers credited to their leaders."""
        rows = self.take(self.held)
        paid = rows.discount if discount else np.zeros(len(rows))
        return Purchases(rows.member, rows.channel, rows.leader, paid)


TEAM_FIELDS = ("leader", "member", "held", "channel", "discount", "chance")


class GroupBuy(ReferralScheme):
    """Teams form around a leader's link; a friend's group-price order waits for its team.

    A friend who buys through a leader's link at the group price *joins* the leader's team:
    the order is held (``State.HELD``: no more exposures, and no sharing, which follows a
    purchase) until the team fills and is funded, and is placed that day at the group price.
    A team that does not fill within ``window_days``, or fills when the budget cannot pay it,
    dissolves: the next morning each held member buys at full price with chance
    ``p_full / p_group`` of the exposure that won it (those who would have bought anyway still
    do), and the others are aware consumers again, free to buy later. A friend offered no
    group price (``group_discount=0``: the leader's free order alone) is not held: the order is
    placed at once and counts towards the team. Fakes count towards a team like friends.
    Orders still held when the run ends are in no customers (``held_orders``).
    """

    name = "group_buy"
    config_class = GroupBuyConfig

    def __init__(self, config: GroupBuyConfig, model) -> None:
        super().__init__(config, model)
        self.teams = TeamRows()
        self.dissolved = TeamRows()  # held rows of teams that dissolved today
        self.team_start = np.full(model.n, -1, dtype=np.int64)
        self.filled_teams = 0  # full and paid
        self.unpaid_teams = 0  # full, but the budget could not pay them
        self.expired_teams = 0
        self.kept_orders = 0  # held orders placed at full price after their team dissolved
        self.dropped_orders = 0  # held orders given up after their team dissolved
        self._placed = Purchases.none()  # held orders of the teams funded today

    @property
    def leader(self) -> np.ndarray:
        """Leader of each open team's members (a row each)."""
        return self.teams.leader

    @property
    def member(self) -> np.ndarray:
        """Each open team's members (a row each; :data:`FAKE` for a fake)."""
        return self.teams.member

    @property
    def held_orders(self) -> int:
        """Orders waiting for their teams now (at the end of a run: never placed)."""
        return int(self.teams.held.sum() + self.dissolved.held.sum())

    @property
    def team_counts(self) -> tuple[int, int]:
        """Teams so far: ``(filled and paid, dissolved)``, unfilled in the window or unpaid."""
        return self.filled_teams, self.expired_teams + self.unpaid_teams

    def referee_discount(self) -> float:
        """The group price cut a friend is promised."""
        return self.config.group_discount

    def fanout(self) -> float:
        """Leaders invite a larger share of their friends to fill the team."""
        return self.config.leader_fanout

    def _leader_face(self) -> float:
        return self.model.config.product.price if self.config.leader_free else 0.0

    def referrer_reward(self, referrers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The leader's free order, spread over the team's members."""
        kind = REWARD_KINDS.index(self.config.leader_reward_kind)
        face = self._leader_face() / self.config.team_size
        return np.full(len(referrers), face), np.full(len(referrers), kind, dtype=np.int8)

    def offers_anything(self) -> bool:
        """Whether the group price or the free order is worth anything."""
        return self.config.group_discount > 0 or self._leader_face() > 0

    def one_referral_cost(self) -> float:
        """A whole team's cost: offers close when the budget cannot pay one more full team."""
        return self.config.team_size * super().one_referral_cost()

    def admit(self, purchases: Purchases, fakes: np.ndarray) -> Purchases:
        """Hold today's group-price orders in their teams; place those of the teams that fill.

        Returns:
            Today's first orders: those not held, the held orders of the teams funded today,
            and the orders of yesterday's dissolved teams kept at full price.

        """
        kept = self._redecide_dissolved()
        if not self.model.offers_open:  # nobody joins a team: no group price was on offer
            return Purchases.by_buyer([purchases, kept])
        referred = is_referral(purchases.channel)
        joining = purchases.take(referred)
        held = joining.discount > 0
        self.model.consumers.state[joining.buyers[held]] = State.HELD
        self._join(self._rows(joining, held))
        self._join(TeamRows(*self._plain(fakes, np.full(len(fakes), FAKE))))
        placed, self._placed = self._placed, Purchases.none()
        placed_now = np.ones(len(purchases), dtype=bool)
        placed_now[np.flatnonzero(referred)[held]] = False
        return Purchases.by_buyer([purchases.take(placed_now), placed, kept])

    def book_first_orders(self, purchases: Purchases, fakes: np.ndarray) -> None:
        """Nothing is left to book: teams were joined and paid as the orders were admitted."""

    def book(self, referrers: np.ndarray, referees: np.ndarray, discount: np.ndarray) -> None:
        """Add the referees to their leaders' teams (orders not held) and pay the teams that fill.

        On a day the offer is closed nobody joins a team: no group price was on offer.
        """
        self._join(TeamRows(*self._plain(referrers, referees)))

    def _plain(self, leaders: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, ...]:
        """Rows of members whose orders are not held: fakes, or friends offered no price cut."""
        size = len(leaders)
        return (
            np.asarray(leaders, dtype=np.int64),
            np.asarray(members, dtype=np.int64),
            np.zeros(size, dtype=bool),
            np.full(size, Channel.NONE, dtype=np.int8),
            np.zeros(size),
            np.ones(size),
        )

    def _rows(self, joining: Purchases, held: np.ndarray) -> TeamRows:
        """Team rows of today's referred orders; ``held`` marks those decided at the group price."""
        model, buyers = self.model, joining.buyers
        base = model.conversion_by_channel[joining.channel] * model.traits.susceptibility[buyers]
        offer = 1.0 + model.traits.price_sensitivity[buyers] * joining.discount
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            chance = np.minimum(base, 1.0) / np.minimum(base * offer, 1.0)
        chance = np.where(held & np.isfinite(chance), chance, 1.0)
        return TeamRows(joining.source, buyers, held, joining.channel, joining.discount, chance)

    def _join(self, rows: TeamRows) -> None:
        if not len(rows) or not self.model.offers_open:
            return
        opening = np.unique(rows.leader[self.team_start[rows.leader] < 0])
        self.team_start[opening] = self.model.day
        self.teams = self.teams.plus(rows)
        self._pay_full_teams()

    def _pay_full_teams(self) -> None:
        """Pay the full teams the budget affords (several of one leader's if it filled several).

        Their held orders are placed today. A full team the budget cannot pay is counted in
        ``unpaid_teams`` and dissolves unpaid.
        """
        size, teams = self.config.team_size, self.teams
        rank = occurrence_rank(teams.leader)
        counts = np.bincount(teams.leader, minlength=self.model.n)
        in_team = rank < counts[teams.leader] // size * size  # rows of a leader's full teams
        if not in_team.any():
            return
        order = np.argsort(teams.leader[in_team], kind="stable")  # each team's rows together
        full = teams.take(np.flatnonzero(in_team)[order])
        funded = self._fund_teams(full) * size
        self._placed = Purchases.by_buyer([self._placed, full.take(slice(0, funded)).orders()])
        self.dissolved = self.dissolved.plus(full.take(slice(funded, None)).take_held())
        leaders = np.unique(full.leader)
        self.teams = teams.take(~in_team)
        # the rows left over start the leader's next team today
        self.team_start[leaders] = np.where(counts[leaders] % size > 0, self.model.day, -1)

    def _fund_teams(self, full: TeamRows) -> int:
        """Book the full teams (``full``: each team's rows together) the budget pays, in order.

        Returns:
            How many teams were funded (the first ones).

        """
        model, size = self.model, self.config.team_size
        face, kind = self.referrer_reward(full.leader)
        reward = model.reward_table.cost_of(face, kind)
        discount = np.full(len(full), self.config.group_discount)
        team_cost = (discount + reward).reshape(-1, size).sum(axis=1)
        teams = model.ledger.affordable(team_cost, "referral_discount")
        rows = teams * size
        # the teams were found affordable whole: book their rows without a second, row-wise
        # check that float rounding could cut short inside the last team
        book_referrals(
            model, full.leader[:rows], full.member[:rows], discount[:rows], reward[:rows]
        )
        count_referrals(model, full.leader[:rows])
        self.filled_teams += teams
        self.unpaid_teams += len(team_cost) - teams
        return teams

    def _redecide_dissolved(self) -> Purchases:
        """Yesterday's dissolved teams' held orders: each kept at full price with its chance."""
        rows, self.dissolved = self.dissolved, TeamRows()
        if not len(rows):
            return Purchases.none()
        keep = self.model.draws("group_buy").random(len(rows)) < rows.chance
        self.model.consumers.state[rows.member[~keep]] = State.AWARE
        self.kept_orders += int(keep.sum())
        self.dropped_orders += int((~keep).sum())
        return rows.take(keep).orders(discount=False)

    def is_idle(self) -> bool:
        """Idle once no team is open (an open team must still expire) and no order is held."""
        return not len(self.teams) and not len(self.dissolved)

    def end_of_day(self) -> None:
        """Teams not filled within the window dissolve: no group price, no cost."""
        started = self.team_start[self.teams.leader]
        expired = self.model.day - started >= self.config.window_days - 1
        if expired.any():
            leaders = np.unique(self.teams.leader[expired])
            self.expired_teams += len(leaders)
            self.team_start[leaders] = -1
            self.dissolved = self.dissolved.plus(self.teams.take(expired).take_held())
            self.teams = self.teams.take(~expired)


class Commission(ReferralScheme):
    """A share of each referee order for ``days`` days, to the referrer and its referrer."""

    name = "commission"
    config_class = CommissionConfig

    def __init__(self, config: CommissionConfig, model) -> None:
        super().__init__(config, model)
        self.kind = REWARD_KINDS.index(config.reward_kind)
        self.payments: list[tuple[np.ndarray, np.ndarray, int, int]] = []
        self.promised = np.zeros(model.n, dtype=bool)  # referees whose first order was funded

    def offers_anything(self) -> bool:
        """Whether any commission is paid."""
        return self.config.rate > 0

    def _order_commission(self, size: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
        face = np.full(size, rate * self.model.config.product.price)
        return face, np.full(size, self.kind, dtype=np.int8)

    def one_referral_cost(self) -> float:
        """First-order commission to both levels: offers close when the budget cannot pay both."""
        second = self.config.second_level_rate if self.config.levels == 2 else 0.0
        face = second * self.model.config.product.price
        return super().one_referral_cost() + float(self.model.reward_table.cost_of(face, self.kind))

    def referrer_reward(self, referrers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Commission on the referee's first order."""
        return self._order_commission(len(referrers), self.config.rate)

    def perceived_value(self, sharers: np.ndarray) -> np.ndarray:
        """First-order commission plus the repeat orders expected within the window."""
        repurchase = self.model.config.repurchase
        hazard = repurchase.propensity / self.model.config.product.cycle_days
        expected_orders = 1.0 + (hazard * self.config.days if repurchase.enabled else 0.0)
        return super().perceived_value(sharers) * expected_orders

    def book(self, referrers: np.ndarray, referees: np.ndarray, discount: np.ndarray) -> None:
        """Commission on the funded first orders, to both levels."""
        funded = self.fund_first_orders(referrers, referees, discount)
        referrers, referees = referrers[:funded], referees[:funded]
        self.promised[referees[referees != FAKE]] = True  # their repeat orders earn commission
        self._record(referrers, referees, level=1)
        if self.config.levels == 2:
            grand = self._parents(referrers)
            has = (grand >= 0) & (grand != referees)  # never a commission on one's own order
            reward = self._commission_cost(int(has.sum()), self.config.second_level_rate)
            zero = np.zeros(len(reward))
            funded = fund_referrals(self.model, grand[has], referees[has], zero, reward)
            self._record(grand[has][:funded], referees[has][:funded], level=2)

    def after_repeat_orders(self, buyers: np.ndarray) -> None:
        """Commission on repeat orders placed within ``days`` of a funded first order.

        It was promised with the first order, so what the budget cannot pay is owed: booked in
        ``commissions_unbooked``, like KOL and KOC commissions, not dropped. A referee whose
        first order was not funded (the offer closed that day) was promised nothing: until
        2 Dec 2026 its repeat orders earned commission too, owed or, once reserved rewards
        were released and the budget reopened, paid.
        """
        consumers, model = self.model.consumers, self.model
        within = model.day - consumers.first_order_day[buyers] <= self.config.days
        buyers = buyers[self.promised[buyers] & within]
        funded = self._pay_now(self._parents_of_buyers(buyers), buyers, self.config.rate, level=1)
        if self.config.levels == 2:
            parents = self._parents_of_buyers(buyers)
            grand = self._parents(parents)
            has = (grand >= 0) & (grand != buyers)  # a cycle: A bought through B through A
            paid = np.arange(len(buyers)) < funded  # level 2 is paid only on a paid level 1
            rate = self.config.second_level_rate
            self._pay_now(grand[has & paid], buyers[has & paid], rate, level=2)
            self._owe(int((has & ~paid).sum()), rate)

    def _pay_now(self, payees: np.ndarray, buyers: np.ndarray, rate: float, level: int) -> int:
        """Pay the commissions the budget affords, in order, and owe the rest.

        Returns:
            How many were paid.

        """
        cost = self._commission_cost(len(payees), rate)
        funded = self.model.ledger.affordable(cost, "referral_reward")
        self.model.ledger.spend("referral_reward", cost[:funded].sum())
        self.model.ledger.unbooked += float(cost[funded:].sum())
        self._record(payees[:funded], buyers[:funded], level)
        return funded

    def _owe(self, count: int, rate: float) -> None:
        """Owe ``count`` commissions at ``rate`` the budget could not pay (none is paid)."""
        self.model.ledger.unbooked += float(self._commission_cost(count, rate).sum())

    def _commission_cost(self, count: int, rate: float) -> np.ndarray:
        """What each of ``count`` order commissions at ``rate`` costs the brand (yuan)."""
        face, kind = self._order_commission(count, rate)
        return self.model.reward_table.cost_of(face, kind)

    def _parents_of_buyers(self, buyers: np.ndarray) -> np.ndarray:
        return self.model.consumers.referrer[buyers]

    def _parents(self, consumers_: np.ndarray) -> np.ndarray:
        """Consumer referrer of each consumer (-1 if none or a KOL)."""
        consumers = self.model.consumers
        valid = consumers_ >= 0
        parent = np.full(len(consumers_), -1, dtype=np.int64)
        parent[valid] = consumers.referrer[consumers_[valid]]
        referred = np.zeros(len(consumers_), dtype=bool)
        referred[valid] = is_referral(consumers.channel[consumers_[valid]])
        return np.where(referred & (parent < self.model.n), parent, -1)

    def _record(self, payees: np.ndarray, buyers: np.ndarray, level: int) -> None:
        self.payments.append((payees.copy(), buyers.copy(), self.model.day, level))


__all__ = ["FAKE", "REWARD_KINDS"]

"""``seeding`` options: how the campaign starts (DESIGN.md §1.4).

- ``organic``: a few initial customers and nothing else.
- ``ads``: paid impressions on random consumers at ``daily_budget / cpm * 1000`` a day; with
  ``conversion.ad = 0.0005`` and ``cpm = 30`` an impression-bought customer costs about 60 yuan,
  the ads CAC implied by fact C1.
- ``kol``: hire the KOLs with the largest audiences to post on given days, for a fee per post
  and per thousand followers, plus a commission on the sales they bring.
- ``koc_matrix``: recruit KOCs (by degree, at random, spread over communities or clustered in
  as few communities as possible: the two sides of fact C3's cross-circle claim), give each
  the product at cost; they post on given days and after their own purchases, with the
  scheme's referral offer, and earn a commission per sale they bring (facts F1, F6, C2).
- ``mixed``: ads, KOLs and KOCs together, each channel and the referral rewards capped at a
  share of one budget (the 40/35/25 split of fact C6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import numpy as np

from sim.arrays import occurrence_rank
from sim.exposures import Exposures
from sim.params import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    POSITIVE_COUNT,
    PROBABILITY,
    SHARE,
    ConfigError,
    fail,
    param,
    warn_once,
)
from sim.schemes.base import SeedingScheme
from sim.state import Channel

if TYPE_CHECKING:
    from sim.dynamics.purchase import Purchases


MAX_DAILY_IMPRESSIONS = 20_000_000  # about 0.5 GB per copy of a day's exposures


@dataclass
class SeedingConfig:
    """Base of every seeding option."""

    name: str = param("organic", "which seeding scheme")
    initial_customers: int = param(
        5, "customers before day 1 (day-0 buyers who share)", range=COUNT
    )


@dataclass
class OrganicConfig(SeedingConfig):
    """A few initial customers, no paid channel."""

    name: str = "organic"


@dataclass
class AdsConfig(SeedingConfig):
    """Paid impressions on uniformly random consumers."""

    name: str = "ads"
    initial_customers: int = param(0, "customers before day 1", range=COUNT)
    daily_budget: float = param(600.0, "ad spend per day (yuan)", range=NON_NEGATIVE)
    cpm: float = param(30.0, "cost per thousand impressions (yuan)", range=POSITIVE, source="C1")
    start_day: int = param(1, "first day ads run", range=POSITIVE_COUNT)
    end_day: Optional[int] = param(  # noqa: UP045
        None, "last day ads run (null = until the end); at least start_day", range=POSITIVE_COUNT
    )

    def validate(self, prefix: str) -> None:
        """The campaign ends no earlier than it starts; a day's impressions stay countable.

        A day's impressions are held in memory, one row each.
        """
        if self.end_day is not None and self.start_day > self.end_day:  # the ads never run
            fail(
                prefix + "start_day",
                self.start_day,
                f"at most {prefix}end_day={self.end_day}, the ads' last day ({prefix}end_day=null "
                "runs them to the last day)",
            )
        impressions = self.daily_budget / self.cpm * 1000
        if impressions > MAX_DAILY_IMPRESSIONS:
            lowest = self.daily_budget * 1000 / MAX_DAILY_IMPRESSIONS
            fail(
                prefix + "cpm",
                self.cpm,
                f"at least {lowest:.3g} with daily_budget={self.daily_budget:g}: at most "
                f"{MAX_DAILY_IMPRESSIONS:,} ad impressions a day (daily_budget / cpm * 1000)",
            )


class Organic(SeedingScheme):
    """``initial_customers`` uniformly random consumers buy on day 0; nothing is paid."""

    name = "organic"
    config_class = OrganicConfig


class Ads(SeedingScheme):
    """Buys impressions every campaign day until the budget runs out."""

    name = "ads"
    config_class = AdsConfig

    def is_idle(self, day: int) -> bool:
        """Idle after the campaign's last day or once the ad budget is spent."""
        ended = self.config.end_day is not None and day >= self.config.end_day
        return ended or self.config.daily_budget == 0 or self.model.ledger.available("ads") == 0

    def broadcast(self, day: int) -> Exposures:
        """Spend today's ad budget on impressions."""
        config = self.config
        if day < config.start_day or (config.end_day is not None and day > config.end_day):
            return Exposures.empty()
        spent = self.model.ledger.spend_up_to("ads", config.daily_budget)
        expected = spent / config.cpm * 1000
        rng = self.model.draws("ads")
        impressions = int(expected) + int(rng.random() < expected - int(expected))
        targets = rng.integers(0, self.model.n, size=impressions)
        # each impression's purchase draw, drawn before customers' impressions are dropped:
        # the same impression gets the same draw whoever bought earlier (common random numbers)
        draw = rng.random(impressions)
        can_buy = self.model.consumers.can_buy(targets)
        return Exposures.of(targets[can_buy], self.model.ad_source, Channel.AD, draw=draw[can_buy])


def _every_fortnight() -> list[int]:
    return [1, 15, 29, 43, 57, 71, 85]


@dataclass
class KolConfig(SeedingConfig):
    """Hired KOL posts."""

    name: str = "kol"
    initial_customers: int = param(0, "customers before day 1", range=COUNT)
    hired: int = param(2, "KOLs hired, largest audiences first", range=COUNT)
    post_days: list[int] = param(
        help="days each hired KOL posts", range=POSITIVE_COUNT, default_factory=_every_fortnight
    )
    fee_per_post: float = param(0.0, "flat fee per post (yuan)", range=NON_NEGATIVE)
    fee_per_thousand: float = param(
        100.0, "fee per thousand followers per post (yuan)", range=NON_NEGATIVE
    )
    reach: float = param(0.1, "probability a follower sees a post", range=PROBABILITY)
    commission_rate: float = param(
        0.0, "share of each attributed first order's price paid", range=SHARE
    )


BY_COMMUNITY = ("community", "clustered")
"""The ``chosen_by`` rules that need the network's communities."""
NETWORKS_WITH_COMMUNITIES = ("circles", "edgelist")
"""Networks that have (circles) or may have (a GraphML edge list) community labels."""


@dataclass
class KocMatrixConfig(SeedingConfig):
    """A recruited matrix of KOCs (facts F1, F6, C2)."""

    name: str = "koc_matrix"
    initial_customers: int = param(0, "customers before day 1", range=COUNT)
    recruits: int = param(
        20, "KOCs recruited from the KOC pool (influencers.koc_share)", range=COUNT
    )
    chosen_by: str = param(
        "degree",
        "which KOCs: best connected, random, spread over communities (round robin), or "
        "clustered (fill the best KOCs' community before the next; the opposite of spread); "
        "the last two need communities (network=circles, or GraphML with 'community')",
        choices=("degree", "random", *BY_COMMUNITY),
        source="C3",
    )
    post_days: list[int] = param(
        help="days every recruit posts", range=POSITIVE_COUNT, default_factory=_every_fortnight
    )
    post_after_purchase: bool = param(True, "recruits also post the day after they buy")
    free_product: bool = param(True, "each recruit gets the product, at unit cost")
    commission: float = param(
        5.0, "paid per first order a recruit brings (yuan)", range=NON_NEGATIVE
    )
    commission_reserve: float = param(
        0.0,
        "budget held per recruit, with its product, for the matrix's commissions, which are "
        "paid from it first (yuan; 0: none held, and commissions past the budget are owed); "
        "under a binding budget fewer KOCs are recruited",
        range=NON_NEGATIVE,
    )
    reach: float = param(0.3, "probability a follower sees a post", range=PROBABILITY)

    def validate(self, prefix: str) -> None:
        """A commission reserve needs a commission to pay."""
        if self.commission_reserve > 0 and self.commission == 0:
            fail(
                prefix + "commission_reserve",
                self.commission_reserve,
                f"0 when {prefix}commission=0 (the reserve would hold budget that nothing pays "
                f"out), or set {prefix}commission",
            )


CAPPED = ("ads", "kol", "koc", "referral")
"""The channels ``mixed`` caps, each at ``total`` x its ``<channel>_share``."""


@dataclass
class MixedConfig(SeedingConfig):
    """Several channels at once, each with its share of one budget (fact C6)."""

    name: str = "mixed"
    initial_customers: int = param(0, "customers before day 1", range=COUNT)
    total: float = param(
        54_000.0,
        "acquisition budget whose shares cap each channel (yuan; retention is not in it: "
        "budget.total caps all spend); each channel's own keys (ads.daily_budget, kol.hired, "
        "koc.recruits) set what it spends",
        range=NON_NEGATIVE,
    )
    ads_share: float = param(0.35, "share for ads (traffic)", range=SHARE, source="C6")
    kol_share: float = param(0.2, "share for KOLs (content)", range=SHARE, source="C6")
    koc_share: float = param(0.2, "share for KOCs (content)", range=SHARE, source="C6")
    referral_share: float = param(
        0.25,
        "share for referral rewards and discounts (conversion incentives)",
        range=SHARE,
        source="C6",
    )
    ads: AdsConfig = field(default_factory=lambda: AdsConfig(daily_budget=210.0))
    kol: KolConfig = field(default_factory=KolConfig)
    koc: KocMatrixConfig = field(default_factory=KocMatrixConfig)

    def caps(self) -> dict[str, float]:
        """Each channel's cap in yuan, ``total`` x its share, keyed as the ledger's channels."""
        return {channel: self.total * getattr(self, f"{channel}_share") for channel in CAPPED}

    def validate(self, prefix: str) -> None:
        """Shares cannot add up to more than the whole budget."""
        shares = self.ads_share + self.kol_share + self.koc_share + self.referral_share
        if shares > 1 + 1e-9:
            fail(
                prefix + "ads_share+kol_share+koc_share+referral_share",
                round(shares, 6),
                "shares summing to at most 1",
            )


class Kol(SeedingScheme):
    """Hired KOLs post on the post days; fees and commissions go to ``spend_kol``."""

    name = "kol"
    config_class = KolConfig

    def __init__(self, config: KolConfig, model, key: str = "seeding.") -> None:
        super().__init__(config, model, key)
        sizes = model.follow.kol.sizes
        self.hired = np.argsort(-sizes, kind="stable")[: config.hired]
        self.fees = config.fee_per_post + config.fee_per_thousand * sizes[self.hired] / 1000
        self.post_days = set(config.post_days)

    def hired_kols(self) -> np.ndarray:
        """The KOLs hired, largest audiences first (each post is paid while the budget lasts)."""
        return self.hired

    def is_idle(self, day: int) -> bool:
        """Idle after the last post day."""
        return not len(self.hired) or all(post <= day for post in self.post_days)

    def broadcast(self, day: int) -> Exposures:
        """Hired KOLs post if today is a post day and their fee is affordable."""
        if day not in self.post_days or not len(self.hired):
            return Exposures.empty()
        ledger = self.model.ledger
        posting = self.hired[: ledger.affordable(self.fees, "kol")]
        ledger.spend("kol", self.fees[: len(posting)].sum())
        rng = self.model.draws("kol")
        kol, follower = self.model.follow.kol.reached(posting, self.config.reach, rng)
        draw = rng.random(len(follower))  # before dropping: see Ads.broadcast
        can_buy = self.model.consumers.can_buy(follower)
        return Exposures.of(
            follower[can_buy], self.model.n + kol[can_buy], Channel.KOL, draw=draw[can_buy]
        )

    def after_orders(self, first: Purchases, repeat: np.ndarray) -> None:
        """Commission on first orders the KOLs brought."""
        brought = int((first.channel == Channel.KOL).sum())
        price = self.model.config.product.price
        self.model.ledger.pay_owed("kol", brought * self.config.commission_rate * price)


class KocMatrix(SeedingScheme):
    """Recruited KOCs post with the referral offer; product and commissions go to ``spend_koc``."""

    name = "koc_matrix"
    config_class = KocMatrixConfig

    def __init__(self, config: KocMatrixConfig, model, key: str = "seeding.") -> None:
        super().__init__(config, model, key)
        self.chosen = self._choose()
        self.recruited = np.zeros(0, dtype=np.int64)  # KOC indices, once their product is paid
        self.is_recruit = np.zeros(model.n, dtype=bool)
        self.post_days = set(config.post_days)
        unlimited = math.isinf(model.ledger.available("koc"))  # no budget, no koc cap
        self.reserve = 0.0 if unlimited else config.commission_reserve  # held per recruit
        if config.commission_reserve and unlimited:
            warn_once(  # the same for every replicate: said once, not once each
                f"{key}commission_reserve={config.commission_reserve:g} holds nothing: there is "
                "no budget.total to hold it from, so every commission is paid and none is owed "
                "(set budget.total for the reserve to limit the recruits)"
            )
        self._warn_if_none_affordable()

    def _warn_if_none_affordable(self) -> None:
        """Warn when the budget cannot pay even one recruit: the KOC channel would stay silent.

        Only recruits post, so a product and ``commission_reserve`` larger than the budget (or,
        under ``mixed``, its ``koc`` share) leaves the matrix with nothing to do. A ``koc``
        share of 0 is deliberate: no warning. Checked before day 1, so a budget the other
        channels use up on day 1 (the ads spend first) is said by the summary's "KOCs
        recruited: 0 of ..." only.
        """
        ledger = self.model.ledger
        product = self.unit_cost() * self.config.free_product
        share = ledger.caps.get("koc")  # under mixed
        if not len(self.chosen) or share == 0 or ledger.can_pay(product + self.reserve, "koc"):
            return
        costs = [f"{product:,.2f} yuan of free product"] if product else []
        costs += [f"{self.reserve:,.2f} yuan of commission reserve"] if self.reserve else []
        by_share = share is not None and share <= ledger.budget  # no budget.total: inf
        limit = "seeding.koc_share of seeding.total" if by_share else "budget.total"
        remedy = "raise " + ("seeding.koc_share or seeding.total" if by_share else "budget.total")
        if self.reserve:
            remedy = f"lower {self.key}commission_reserve or {remedy}"
        warn_once(  # the same for every replicate: said once, not once each
            f"no KOC can be recruited: a recruit costs {' and '.join(costs)}, more than the "
            f"{max(ledger.available('koc'), 0):,.2f} yuan of {limit}, so the KOC channel never "
            f"posts ({remedy})",
            stacklevel=4,
        )

    def unit_cost(self) -> float:
        """What one recruit's free product costs the brand: the price less the margin (yuan)."""
        product = self.model.config.product
        return product.price * (1 - product.margin)

    def _choose(self) -> np.ndarray:
        """KOC indices to recruit, in order of priority.

        Raises:
            ConfigError: ``chosen_by`` needs communities the network does not have (an edge
                list without a ``community`` node attribute; generated networks are checked
                with the configuration).

        """
        follow, graph = self.model.follow, self.model.network
        if self.config.chosen_by in BY_COMMUNITY and graph.community is None:
            raise ConfigError(
                f"{self.key}chosen_by={self.config.chosen_by} needs communities, and this "
                "network has none: use network=circles, or a GraphML file in which every node "
                "carries 'community'"
            )
        pool = len(follow.koc_ids)
        if self.config.recruits > pool:
            recruited = "all of them are recruited"
            if not pool:
                recruited = "nobody is recruited"
            elif self.config.free_product or self.config.commission_reserve:
                recruited = (
                    "all of them are chosen, and recruited as far as the budget pays for their "
                    f"{recruit_costs(self.config)}"
                )
            warn_once(  # the same for every replicate: said once, not once each
                f"{self.key}recruits={self.config.recruits} is more than the KOC pool of {pool} "
                f"(influencers.koc_share x network.n): {recruited}"
            )
        count = min(self.config.recruits, pool)
        if self.config.chosen_by == "random":
            return self.model.rng.permutation(pool)[:count]
        # best connected first, ties in random order (not by id: ids follow a ring's positions)
        by_degree = np.lexsort((self.model.rng.random(pool), -graph.degree()[follow.koc_ids]))
        if self.config.chosen_by == "degree":
            return by_degree[:count]
        community = graph.community[follow.koc_ids[by_degree]]
        if self.config.chosen_by == "clustered":
            return by_degree[np.argsort(_first_seen_rank(community), kind="stable")][:count]
        # round i takes the i-th best KOC of each community, best connected first (not by label)
        return by_degree[np.argsort(occurrence_rank(community), kind="stable")][:count]

    def chosen_kocs(self) -> np.ndarray:
        """Consumer ids of the KOCs asked, in order of priority (``recruits``, at most the pool)."""
        return self.model.follow.koc_ids[self.chosen]

    def recruited_kocs(self) -> np.ndarray:
        """Consumer ids of the recruits whose free product (and reserve) was paid on day 1."""
        return self.model.follow.koc_ids[self.recruited]

    def is_idle(self, day: int) -> bool:
        """Idle once recruitment is over and no post day is left.

        Posts after a purchase need a purchase, which the model checks itself.
        """
        return day >= 1 and (not len(self.chosen) or all(post <= day for post in self.post_days))

    def broadcast(self, day: int) -> Exposures:
        """Recruit on the first day; recruits post on post days and after buying.

        The free product pays for the posts, so recruits post whether or not the reserve or
        the budget can still pay their commissions (those are then owed, not booked:
        ``commissions_unbooked``).
        """
        if day == 1:
            self._recruit()
        if not len(self.recruited):
            return Exposures.empty()
        follow, model = self.model.follow, self.model
        posting = self.recruited if day in self.post_days else np.zeros(0, dtype=np.int64)
        if self.config.post_after_purchase:
            bought = self.is_recruit[model.buyers_yesterday]
            buyers = np.searchsorted(follow.koc_ids, model.buyers_yesterday[bought])
            posting = np.union1d(posting, buyers)
        rng = model.draws("koc")
        koc, follower = follow.koc.reached(posting, self.config.reach, rng)
        draw = rng.random(len(follower))  # before dropping: see Ads.broadcast
        can_buy = model.consumers.can_buy(follower)
        koc, follower = koc[can_buy], follower[can_buy]
        return Exposures.of(
            follower, follow.koc_ids[koc], Channel.KOC, model.offer_share, draw[can_buy]
        )

    def _recruit(self) -> None:
        """Recruit the chosen KOCs, in order, as far as the budget pays a product and a reserve.

        Each recruit's free product is spent and its ``commission_reserve`` held; the first
        KOC whose product and reserve do not fit ends the recruiting. With no budget and no
        ``koc`` cap nothing is held: every commission is paid, and nothing is owed.
        """
        model, reserve = self.model, self.reserve
        products = np.full(len(self.chosen), self.unit_cost() * self.config.free_product)
        funded = model.ledger.affordable(products + reserve, "koc")
        model.ledger.spend("koc", products[:funded].sum())
        if reserve:
            model.ledger.reserve(reserve * funded, "koc")
        self.recruited = np.sort(self.chosen[:funded])
        self.is_recruit[model.follow.koc_ids[self.recruited]] = True

    def after_orders(self, first: Purchases, repeat: np.ndarray) -> None:
        """Commission on first orders the recruits brought: from the reserve first, if any."""
        from_koc = first.channel == Channel.KOC
        brought = int(self.is_recruit[first.source[from_koc]].sum())
        self.model.ledger.pay_owed_from_reserve("koc", brought * self.config.commission)


def recruit_costs(config: KocMatrixConfig) -> str:
    """What the budget pays to recruit a KOC: ``free products``, ``commission reserves`` or both."""
    costs = ["free products"] if config.free_product else []
    costs += ["commission reserves"] if config.commission_reserve else []
    return " and ".join(costs) or "nothing"


def _first_seen_rank(labels: np.ndarray) -> np.ndarray:
    """For each entry, the rank of its label by first appearance (0 for the first label seen)."""
    values, first = np.unique(labels, return_index=True)
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(values))
    return rank[np.searchsorted(values, labels)]


def _warn_if_the_ads_and_their_share_differ(
    config: MixedConfig, days: int, budget: float | None
) -> None:
    """Warn when the ads' own daily budget and ``total x ads_share`` spend different amounts.

    The shares cap the channels; what each spends is set by its own keys, so raising ``total``
    alone lifts only the caps: a cap out of the ads' reach is said, and so is a daily budget
    that the cap stops early. Ads switched off (``daily_budget=0`` or ``ads_share=0``) are
    deliberate: no warning. A ``budget.total`` below the ads' cap is the cap that binds. Said
    once per process, not once per replicate.
    """
    ads = config.ads
    last = days if ads.end_day is None else min(ads.end_day, days)
    ad_days = max(0, last - ads.start_day + 1)
    cap = config.total * config.ads_share
    reachable = cap if budget is None else min(cap, budget)
    spendable = ads.daily_budget * ad_days
    if spendable > cap * 1.01 and reachable == cap > 0:  # a share of 0: no ads, on purpose
        _warn_that_the_share_stops_the_ads(config, ad_days, cap)
    if ads.daily_budget == 0 or reachable <= spendable * 1.01:
        return
    if ad_days == 0:
        advice = f"the ads never run (seeding.ads.start_day={ads.start_day} with days={days})"
    else:
        advice = (
            f"the ads spend at most {spendable:,.0f} (seeding.ads.daily_budget="
            f"{ads.daily_budget:g} x {ad_days} days): set seeding.ads.daily_budget="
            f"{reachable / ad_days:.0f} to spend the ads' share"
            + ("" if reachable == cap else f" (budget.total={budget:g} caps it)")
        )
    warn_once(
        f"seeding.total x seeding.ads_share = {cap:,.0f} yuan, but {advice} (the shares are "
        "caps; each channel's own keys set what it spends)",
        stacklevel=4,
    )


def _warn_that_the_share_stops_the_ads(config: MixedConfig, ad_days: int, cap: float) -> None:
    """Warn when the ads' daily budget would spend more than their share: they stop early."""
    ads = config.ads
    last_day = ads.start_day + math.ceil(cap / ads.daily_budget) - 1
    warn_once(
        f"seeding.ads.daily_budget={ads.daily_budget:g} x {ad_days} days = "
        f"{ads.daily_budget * ad_days:,.0f} yuan, but seeding.total x seeding.ads_share = "
        f"{cap:,.0f} caps the ads: they stop on about day {last_day} (set "
        f"seeding.ads.daily_budget={cap / ad_days:.0f} to spread their share over the "
        f"{ad_days} days, or raise seeding.ads_share)",
        stacklevel=5,
    )


class Mixed(SeedingScheme):
    """Ads, KOLs and a KOC matrix together, each capped at its share of ``total``."""

    name = "mixed"
    config_class = MixedConfig

    def __init__(self, config: MixedConfig, model) -> None:
        super().__init__(config, model)
        model.ledger.cap_channels(config.caps())
        self.channels = [
            Ads(config.ads, model, "seeding.ads."),
            Kol(config.kol, model, "seeding.kol."),
            KocMatrix(config.koc, model, "seeding.koc."),
        ]
        _warn_if_the_ads_and_their_share_differ(
            config, model.config.days, model.config.budget.total
        )

    def is_idle(self, day: int) -> bool:
        """Idle when every channel is."""
        return all(channel.is_idle(day) for channel in self.channels)

    def chosen_kocs(self) -> np.ndarray:
        """The KOCs the KOC matrix asks."""
        return np.concatenate([channel.chosen_kocs() for channel in self.channels])

    def recruited_kocs(self) -> np.ndarray:
        """The KOC matrix's recruits."""
        return np.concatenate([channel.recruited_kocs() for channel in self.channels])

    def hired_kols(self) -> np.ndarray:
        """The KOL channel's hires."""
        return np.concatenate([channel.hired_kols() for channel in self.channels])

    def broadcast(self, day: int) -> Exposures:
        """Every channel's exposures."""
        return Exposures.concat([channel.broadcast(day) for channel in self.channels])

    def after_orders(self, first: Purchases, repeat: np.ndarray) -> None:
        """Every channel's commissions."""
        for channel in self.channels:
            channel.after_orders(first, repeat)

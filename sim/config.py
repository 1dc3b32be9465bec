"""Typed configuration: dataclass schemas for every key (Hydra's ConfigStore holds them).

The YAML options in ``conf/`` extend these schemas (``schema_<group>_<option>`` entries).
Defaults cite the numeric claims of ``shared/SEED_FACTS.md`` by id (F5, C1, ...) or a paper.
The scheme groups (``network``, ``seeding``, ``referral``, ``retention``) hold one dataclass per
option; each is defined next to the code that uses it (``sim.network.options``, ``sim.schemes``),
and :func:`sim.configure.register_configs` registers them all. :func:`sim.compose` returns a
fully checked :class:`Config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Optional

from omegaconf import MISSING

from sim.params import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    POSITIVE_COUNT,
    PROBABILITY,
    SHARE,
    Range,
    check_shares,
    fail,
    param,
    warn_once,
)
from sim.schemes.seeding import BY_COMMUNITY, NETWORKS_WITH_COMMUNITIES, SeedingConfig

MAX_DAYS = 36_500  # 100 years of days
DISCOUNT_KEYS = ("referee_discount", "group_discount")
"""Referral keys of a discount in yuan on a referee's order: at most ``product.price``."""


@dataclass
class RunConfig:
    """How a job runs."""

    replicates: int = param(
        1, "independent replicates per job (each its own network)", range=POSITIVE_COUNT
    )
    save_referrals: bool = param(
        False, "also write each job's referral edges (referrals.parquet; large at big n)"
    )


@dataclass
class ShareConfig:
    """Word of mouth: who shares, to how many friends, and how incentives change it."""

    after_purchase: float = param(
        0.3, "probability a buyer shares after each purchase (a group share)", range=PROBABILITY
    )
    fanout: float = param(
        0.3,
        "share of friends a group share reaches (each friend independently)",
        range=PROBABILITY,
    )
    daily: float = param(
        0.02, "daily probability an active customer tells one random friend", range=PROBABILITY
    )
    incentive_lift: float = param(
        1.0,
        "largest relative rise in sharing an incentive can cause (1.0 = doubles)",
        range=NON_NEGATIVE,
    )
    incentive_scale: float = param(
        20.0,
        "perceived reward value (yuan) giving 63% of the largest lift (diminishing returns)",
        range=POSITIVE,
    )
    referee_weight: float = param(
        0.5,
        "weight a sharer puts on the friend's discount when valuing an offer (R3)",
        range=SHARE,
        source="R3",
    )


@dataclass
class ConversionConfig:
    """Per-exposure purchase probability by source, before traits and offers."""

    ad: float = param(
        0.0005,
        "per ad impression; with cpm=30 gives ads CAC about 60 yuan",
        range=PROBABILITY,
        source="C1, F9",
    )
    kol: float = param(0.025, "per KOL post seen", range=PROBABILITY, source="F1 ratios")
    koc: float = param(0.034, "per KOC post seen", range=PROBABILITY, source="F1 ratios")
    peer: float = param(0.02, "per friend's share", range=PROBABILITY, source="F5")


@dataclass
class PopulationConfig:
    """Consumer traits, drawn once per replicate."""

    susceptibility_sd: float = param(
        0.5,
        "standard deviation of susceptibility (lognormal, mean 1; 0 = identical)",
        range=NON_NEGATIVE,
    )
    price_sensitivity: float = param(
        1.0,
        "mean relative conversion gain per unit discount share (0.1 off -> x1.1 at 1.0)",
        range=NON_NEGATIVE,
        source="R3, R4",
    )
    price_sensitivity_sd: float = param(
        0.3, "standard deviation of price sensitivity (lognormal)", range=NON_NEGATIVE
    )
    memory_days: int = param(
        3,
        "days an exposure counts towards the threshold (consideration window)",
        range=POSITIVE_COUNT,
        source="F8",
    )
    threshold: dict[str, float] = param(
        help="share of consumers needing each number of distinct exposures (keys are levels); "
        "{'1': 1.0} = simple contagion, a share at 3 models F7. Override entries, e.g. "
        "population.threshold.1=0.4 +population.threshold.3=0.6",
        source="F7",
        default_factory=lambda: {"1": 1.0},
    )

    def validate(self, prefix: str) -> None:
        """Check the threshold mix."""
        check_shares(prefix + "threshold", self.threshold)


@dataclass
class InfluencerConfig:
    """The follow layer: KOL and KOC audiences (the same in every scheme of a replicate)."""

    kols: int = param(10, "KOL accounts available to hire", range=COUNT)
    kol_audience_median: float = param(
        0.03, "median KOL audience as a share of consumers", range=SHARE
    )
    kol_audience_sigma: float = param(
        1.0, "spread of KOL audience sizes (lognormal sigma)", range=NON_NEGATIVE
    )
    koc_share: float = param(0.01, "share of consumers who are KOCs", range=SHARE)
    koc_by: str = param("degree", "how KOCs are chosen", choices=("degree", "random"))
    koc_audience: int = param(
        100,
        "largest KOC audience, drawn at random from the KOC's friends and friends of friends "
        "(all of them when fewer: about 60 on the default small world; a hub's favours people "
        "who share several of its friends)",
        range=COUNT,
    )


@dataclass
class ProductConfig:
    """The product being sold."""

    price: float = param(
        100.0,
        "list price of one order (yuan); referral discounts may not exceed it",
        range=POSITIVE,
    )
    margin: float = param(0.4, "gross margin share of the list price", range=SHARE)
    cycle_days: float = param(30.0, "typical days between repeat orders", range=POSITIVE)


@dataclass
class RepurchaseConfig:
    """Repeat orders and churn of customers."""

    enabled: bool = param(True, "whether customers re-buy and lapse")
    propensity: float = param(
        0.25,
        "multiplier on the base hazard 1/cycle_days; propensity / cycle_days, times any "
        "retention hazard_multiplier, is a daily probability (at most 1); keeps 90-day "
        "repurchase under 30%",
        range=NON_NEGATIVE,
        source="P1",
    )
    churn_daily: float = param(
        0.02,
        "daily probability an active customer lapses for good (times its churn multipliers, "
        "still at most 1)",
        range=PROBABILITY,
    )
    referred_churn_multiplier: float = param(
        0.82,
        "churn multiplier for referred customers",
        range=NON_NEGATIVE,
        source="Schmitt, Skiera & Van den Bulte 2011",
    )


@dataclass
class BudgetConfig:
    """Spend cap across every paid channel and reward."""

    total: Optional[float] = param(  # noqa: UP045  (OmegaConf needs typing.Optional)
        None, "total spend cap in yuan (null = no cap)", range=NON_NEGATIVE
    )


@dataclass
class FraudConfig:
    """Fake referees created to extract rewards (fact R1)."""

    enabled: bool = param(True, "whether sharers may create fake referees", source="R1")
    max_rate: float = param(
        0.05,
        "largest probability that a share event comes with fake referees",
        range=PROBABILITY,
        source="R1",
    )
    fake_cost: float = param(
        10.0,
        "cost of creating one fake account (yuan: phone number, device); below it fraud "
        "does not pay",
        range=NON_NEGATIVE,
        source="R1",
    )
    scale: float = param(
        50.0,
        "extractable value above fake_cost (yuan) at which fraud reaches 63% of max_rate",
        range=POSITIVE,
        source="R1",
    )
    fakes_per_event: float = param(
        2.0, "mean fake referees per fraud event (1 + Poisson)", range=Range(1.0)
    )
    discount_extractable: float = param(
        0.5, "share of a referee discount a fraudster can turn into cash (resale)", range=SHARE
    )


@dataclass
class RewardKind:
    """How one kind of reward is valued: per yuan of face value."""

    cost: float = param(1.0, "cost to the brand per yuan of face value", range=NON_NEGATIVE)
    perceived: float = param(1.0, "value the recipient perceives per yuan", range=NON_NEGATIVE)
    extractable: float = param(
        1.0, "value a fraudster can turn into cash per yuan", range=NON_NEGATIVE, source="R1"
    )


@dataclass
class RewardKindsConfig:
    """Cash, points and merchandise rewards (fact R1's progression)."""

    cash: RewardKind = field(default_factory=RewardKind)
    points: RewardKind = field(default_factory=lambda: RewardKind(0.6, 0.8, 0.1))
    merchandise: RewardKind = field(default_factory=lambda: RewardKind(0.5, 0.9, 0.15))


@dataclass
class Config:
    """A whole experiment: groups, market, dynamics."""

    network: Any = MISSING
    seeding: Any = MISSING
    referral: Any = MISSING
    retention: Any = MISSING
    seed: int = param(
        0, "master seed: with the replicate index it drives all randomness", range=COUNT
    )
    days: int = param(
        90,
        "simulated days (one step is one day); at most 36,500 (100 years: a typo such as "
        "1e8 would run for hours and fill memory with its time series)",
        range=Range(1, MAX_DAYS, integer=True),
    )
    run: RunConfig = field(default_factory=RunConfig)
    share: ShareConfig = field(default_factory=ShareConfig)
    conversion: ConversionConfig = field(default_factory=ConversionConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    influencers: InfluencerConfig = field(default_factory=InfluencerConfig)
    product: ProductConfig = field(default_factory=ProductConfig)
    repurchase: RepurchaseConfig = field(default_factory=RepurchaseConfig)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    fraud: FraudConfig = field(default_factory=FraudConfig)
    rewards: RewardKindsConfig = field(default_factory=RewardKindsConfig)

    def validate(self, prefix: str) -> None:
        """Check constraints that span groups."""
        kols = self.influencers.kols
        channels = _seeding_channels(self.seeding)  # mixed seeding holds KOL and KOC channels
        for key, channel in channels[1:]:
            if channel.initial_customers:  # the held channels' seeds would be ignored
                fail(
                    f"{prefix}{key}.initial_customers",
                    channel.initial_customers,
                    f"0: under seeding={self.seeding.name} the day-0 customers are "
                    f"{prefix}seeding.initial_customers",
                )
        for key, channel in channels:
            hired = getattr(channel, "hired", 0)
            if hired > kols:
                fail(f"{prefix}{key}.hired", hired, f"at most influencers.kols={kols}")
        for key, channel in channels:
            chosen_by = getattr(channel, "chosen_by", None)
            network = self.network.name
            if chosen_by in BY_COMMUNITY and network not in NETWORKS_WITH_COMMUNITIES:
                fail(
                    f"{prefix}{key}.chosen_by",
                    chosen_by,
                    f"degree or random: network={network} has no communities (network=circles "
                    "has, and a GraphML edge list may)",
                )
        n = getattr(self.network, "n", None)
        initial = getattr(self.seeding, "initial_customers", 0)
        if n is not None and initial > n:
            fail(prefix + "seeding.initial_customers", initial, f"at most network.n={n}")
        _check_discounts(self, prefix)
        _check_daily_probabilities(self, prefix)
        _warn_of_campaign_days_after_the_run(self, prefix)
        _warn_of_a_retention_lift_below_one(self, prefix)
        if getattr(self.referral, "verify", None) == "second_order" and not self.repurchase.enabled:
            warn_once(
                f"{prefix}referral.verify=second_order pays a reward at the referee's second "
                f"order, and {prefix}repurchase.enabled=false means there is none: no reward is "
                "ever paid, and each holds budget until the end (rewards_pending counts none)"
            )


def _check_discounts(config: Config, prefix: str) -> None:
    """A referee's discount may not exceed the price (equal to it: a free order).

    Conversion rises with discount / price, uncapped: a larger one would pay friends to buy.

    Raises:
        ConfigError: naming the discount, its value and ``product.price``.

    """
    price = config.product.price
    for name in DISCOUNT_KEYS:
        discount = getattr(config.referral, name, 0.0)
        if discount > price:
            allowed = f"at most product.price={price:g} (yuan off one order; equal to it: free)"
            fail(f"{prefix}referral.{name}", discount, allowed)


def _check_daily_probabilities(config: Config, prefix: str) -> None:
    """The daily repurchase hazard and churn are probabilities: at most 1 at their largest.

    As ``sim.dynamics.repurchase`` forms them: ``propensity / cycle_days`` and ``churn_daily``,
    times each multiplier above 1 a customer can get (a retention member's, a referred
    customer's churn); others, and everyone once retention is unfunded, get 1.

    Raises:
        ConfigError: naming the product of keys, its value and each key's value.

    """
    repurchase, retention = config.repurchase, config.retention
    if not repurchase.enabled:  # neither is drawn
        return
    hazard = [("", "repurchase.propensity", repurchase.propensity)]
    hazard.append(("/", "product.cycle_days", config.product.cycle_days))
    _refuse_above_one(prefix, "a repeat order", hazard + _lift(retention, "hazard_multiplier"))
    churn = [("", "repurchase.churn_daily", repurchase.churn_daily)]
    churn += _lift(retention, "churn_multiplier")
    referred = repurchase.referred_churn_multiplier
    churn += [("*", "repurchase.referred_churn_multiplier", referred)] if referred > 1 else []
    _refuse_above_one(prefix, "lapsing", churn)


def _lift(retention: Any, name: str) -> list[tuple[str, str, float]]:
    """The retention multiplier ``name`` as a factor, if it raises a member's rate.

    Points apply theirs to everyone, but only at a ``points_rate`` above 0 (else no programme);
    a membership or community, to members, so none at a ``join_share`` of 0.
    """
    multiplier = getattr(retention, name, 1.0)
    applied = (
        getattr(retention, "points_rate", 1.0) > 0 and getattr(retention, "join_share", 1.0) > 0
    )
    if multiplier <= 1 or not applied:
        return []
    return [("*", f"retention.{name}", multiplier)]


def _refuse_above_one(prefix: str, what: str, factors: list[tuple[str, str, float]]) -> None:
    """Refuse a daily probability above 1, formed as ``sim.dynamics.repurchase`` forms it.

    Args:
        prefix: the dotted key of the configuration (empty at the root).
        what: the event it is the daily probability of (``a repeat order``).
        factors: ``(operator, key, value)`` in order of use; operator ``*`` or ``/`` ("" first).

    Raises:
        ConfigError: naming the product of the keys, its value and each key's value.

    """
    value = factors[0][2]
    for operator, _, factor in factors[1:]:
        value = value / factor if operator == "/" else value * factor
    if value > 1 + 1e-9:
        product = "".join(f"{operator}{prefix}{key}" for operator, key, _ in factors)
        given = ", ".join(f"{prefix}{key}={factor:g}" for _, key, factor in factors)
        allowed = f"at most 1, a customer's daily probability of {what} ({given})"
        fail(product, round(value, 6), allowed)


def _warn_of_campaign_days_after_the_run(config: Config, prefix: str) -> None:
    """Warn when a campaign starts, or all its posts fall, after the last day: they never happen.

    A warning, not a refusal: a sweep over ``days`` may include horizons shorter than a
    campaign. Days ``1..days`` are simulated (a post on day ``days`` happens).
    """
    days = config.days
    for key, channel in _seeding_channels(config.seeding):
        start = getattr(channel, "start_day", None)
        if start is not None and start > days:
            warn_once(
                f"{prefix}{key}.start_day={start} is after the last day (days={days}): the ads "
                "never run"
            )
        posts = getattr(channel, "post_days", None)
        if posts and min(posts) > days:
            warn_once(
                f"{prefix}{key}.post_days={list(posts)} has no day within days={days}: these "
                "posts never happen"
            )


def _warn_of_a_retention_lift_below_one(config: Config, prefix: str) -> None:
    """Warn when a retention scheme's re-buy multiplier lowers the hazard it should lift.

    The sources give lifts as percentages (P7: points lifted repurchase 19%): a multiplier of
    0.19 read from them cuts re-buying to a fifth, where 1.19 was meant (a review ran both,
    silently: repurchase 0.04 and 0.85). A warning, not a refusal: a scheme that hurts
    repurchase may be the point of a run.
    """
    lift = getattr(config.retention, "hazard_multiplier", None)
    if lift is not None and lift < 1:
        meant = f"; a lift of {lift:.0%} is {1 + lift:g}" if lift >= 0.01 else ""
        meant = ": those it covers never re-buy" if lift == 0 else meant
        warn_once(
            f"{prefix}retention.hazard_multiplier={lift:g} is below 1: retention="
            f"{config.retention.name} lowers the re-buy hazard (x{lift:g}){meant}"
        )


def _seeding_channels(seeding: Any) -> list[tuple[str, Any]]:
    """The seeding option and the channels it holds (``seeding.ads`` of mixed), by key."""
    nested = [(f"seeding.{f.name}", getattr(seeding, f.name)) for f in fields(seeding)]
    channels = [(key, value) for key, value in nested if isinstance(value, SeedingConfig)]
    return [("seeding", seeding), *channels]

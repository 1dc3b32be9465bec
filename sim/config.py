"""Typed configuration: dataclass schemas for every key (Hydra's ConfigStore holds them).

The YAML options in ``conf/`` extend these schemas (``schema_<group>_<option>`` entries).
Defaults cite the numeric claims of ``shared/SEED_FACTS.md`` by id (F5, C1, ...) or a paper.
The scheme groups (``network``, ``seeding``, ``referral``, ``retention``) hold one dataclass per
option; each is defined next to the code that uses it (``sim.network.options``, ``sim.schemes``),
and :func:`sim.configure.register_configs` registers them all. :func:`sim.compose` returns a
fully checked :class:`Config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
)
from sim.schemes.seeding import BY_COMMUNITY, NETWORKS_WITH_COMMUNITIES

MAX_DAYS = 36_500  # 100 years of days


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

    price: float = param(100.0, "list price of one order (yuan)", range=POSITIVE)
    margin: float = param(0.4, "gross margin share of the list price", range=SHARE)
    cycle_days: float = param(30.0, "typical days between repeat orders", range=POSITIVE)


@dataclass
class RepurchaseConfig:
    """Repeat orders and churn of customers."""

    enabled: bool = param(True, "whether customers re-buy and lapse")
    propensity: float = param(
        0.25,
        "multiplier on the base hazard 1/cycle_days; keeps 90-day repurchase under 30%",
        range=NON_NEGATIVE,
        source="P1",
    )
    churn_daily: float = param(
        0.02, "daily probability an active customer lapses for good", range=PROBABILITY
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
        nested = getattr(self.seeding, "kol", None)  # mixed seeding holds a KOL channel
        for key, channel in (("seeding", self.seeding), ("seeding.kol", nested)):
            hired = getattr(channel, "hired", 0)
            if hired > kols:
                fail(f"{prefix}{key}.hired", hired, f"at most influencers.kols={kols}")
        for key, channel in (
            ("seeding", self.seeding),
            ("seeding.koc", getattr(self.seeding, "koc", None)),
        ):
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

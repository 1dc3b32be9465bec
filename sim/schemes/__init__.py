"""Incentive schemes in three orthogonal groups: seeding, referral, retention.

A new scheme is one class (with its config dataclass) added to a registry below, and one
YAML file in ``conf/<group>/``.
"""

from sim.schemes.base import ReferralScheme, RetentionScheme, SeedingScheme
from sim.schemes.referral import (
    REWARD_KINDS,
    Commission,
    GroupBuy,
    NoReferral,
    OneSided,
    Tiered,
    TwoSided,
)
from sim.schemes.retention import Community, Membership, NoRetention, Points
from sim.schemes.seeding import Ads, KocMatrix, Kol, Mixed, Organic

SEEDING: dict[str, type[SeedingScheme]] = {s.name: s for s in (Organic, Ads, Kol, KocMatrix, Mixed)}
REFERRAL: dict[str, type[ReferralScheme]] = {
    s.name: s for s in (NoReferral, OneSided, TwoSided, Tiered, GroupBuy, Commission)
}
RETENTION: dict[str, type[RetentionScheme]] = {
    s.name: s for s in (NoRetention, Points, Membership, Community)
}
GROUPS = {"seeding": SEEDING, "referral": REFERRAL, "retention": RETENTION}

__all__ = [
    "GROUPS",
    "REFERRAL",
    "RETENTION",
    "REWARD_KINDS",
    "SEEDING",
    "ReferralScheme",
    "RetentionScheme",
    "SeedingScheme",
]

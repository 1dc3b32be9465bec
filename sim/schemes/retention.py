"""``retention`` options: what keeps customers buying (DESIGN.md §1.4, facts P3-P7).

- ``none``: baseline repurchase hazard and churn.
- ``points``: every order earns points worth a share of its price; the programme lifts the
  repurchase hazard (points lifted repurchase 19%, fact P7). Cost: points issued, at the
  brand's cost of a yuan of points.
- ``membership``: a share of new customers join; members re-buy more, churn less and get a
  discount on repeat orders (member repurchase 56%, fact P4).
- ``community``: a share of new customers join a private-domain community; members re-buy 28%
  more (fact P5) and churn less; running it costs a little per member and day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import NON_NEGATIVE, SHARE, param
from sim.schemes.base import RetentionScheme


@dataclass
class RetentionConfig:
    """Base of every retention option."""

    name: str = param("none", "which retention programme")


@dataclass
class NoRetentionConfig(RetentionConfig):
    """No programme: baseline repurchase and churn."""

    name: str = "none"


@dataclass
class PointsConfig(RetentionConfig):
    """Points on every order."""

    name: str = "points"
    points_rate: float = param(0.05, "points issued per yuan spent (face value, yuan)", range=SHARE)
    hazard_multiplier: float = param(
        1.19,
        "repurchase hazard multiplier for everyone, at any points_rate above 0 (0: no points, "
        "no programme, no lift)",
        range=NON_NEGATIVE,
        source="P7",
    )


@dataclass
class MembershipConfig(RetentionConfig):
    """A membership with a repeat-order discount."""

    name: str = "membership"
    join_share: float = param(0.3, "share of new customers who join", range=SHARE)
    hazard_multiplier: float = param(
        2.0, "members' repurchase hazard multiplier", range=NON_NEGATIVE, source="P4"
    )
    churn_multiplier: float = param(0.7, "members' churn multiplier", range=NON_NEGATIVE)
    member_discount: float = param(
        0.05, "discount on members' repeat orders (share of price)", range=SHARE
    )


@dataclass
class CommunityConfig(RetentionConfig):
    """A private-domain community (a brand's WeChat groups)."""

    name: str = "community"
    join_share: float = param(0.4, "share of new customers who join", range=SHARE)
    hazard_multiplier: float = param(
        1.28, "members' repurchase hazard multiplier", range=NON_NEGATIVE, source="P5"
    )
    churn_multiplier: float = param(0.8, "members' churn multiplier", range=NON_NEGATIVE)
    cost_per_member_day: float = param(
        0.02, "operating cost per member and day (yuan)", range=NON_NEGATIVE
    )


class NoRetention(RetentionScheme):
    """Baseline: multipliers 1, no cost."""

    name = "none"
    config_class = NoRetentionConfig


class Points(RetentionScheme):
    """Points on every order lift everyone's repurchase hazard."""

    name = "points"
    config_class = PointsConfig

    def hazard_multiplier(self, customers: np.ndarray) -> float:
        """The programme's lift, for everyone; none when it issues no points (no programme)."""
        return self.config.hazard_multiplier if self.config.points_rate > 0 else 1.0

    def after_orders(self, first: np.ndarray, repeat: np.ndarray) -> float:
        """Points issued on today's orders, at cost."""
        orders = len(first) + len(repeat)
        face = orders * self.model.config.product.price * self.config.points_rate
        return face * self.model.config.rewards.points.cost


class Membership(RetentionScheme):
    """Members re-buy more and churn less; their repeat orders are discounted."""

    name = "membership"
    config_class = MembershipConfig

    def __init__(self, config: MembershipConfig, model) -> None:
        super().__init__(config, model)
        self.member = np.zeros(model.n, dtype=bool)

    def _by_membership(self, customers: np.ndarray, value: float) -> np.ndarray:
        return np.where(self.member[customers], value, 1.0)

    def hazard_multiplier(self, customers: np.ndarray) -> np.ndarray:
        """Members' lift."""
        return self._by_membership(customers, self.config.hazard_multiplier)

    def churn_multiplier(self, customers: np.ndarray) -> np.ndarray:
        """Members' lower churn."""
        return self._by_membership(customers, self.config.churn_multiplier)

    def after_orders(self, first: np.ndarray, repeat: np.ndarray) -> float:
        """Enrol a share of new customers; discount members' repeat orders."""
        joins = self.model.draws("retention").random(len(first)) < self.config.join_share
        self.member[first[joins]] = True
        discounted = int(self.member[repeat].sum())
        return discounted * self.config.member_discount * self.model.config.product.price


class Community(Membership):
    """Community members re-buy more and churn less; running it costs per member and day."""

    name = "community"
    config_class = CommunityConfig

    def daily_cost(self, customers: np.ndarray) -> float:
        """Operating cost of today's active members."""
        return float(self.member[customers].sum()) * self.config.cost_per_member_day

    def after_orders(self, first: np.ndarray, repeat: np.ndarray) -> float:
        """Enrol a share of new customers (no order discount)."""
        joins = self.model.draws("retention").random(len(first)) < self.config.join_share
        self.member[first[joins]] = True
        return 0.0

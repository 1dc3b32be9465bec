"""What the ``gen_z_2026`` scenario is fitted to: campaigns, fitted parameters and targets.

Each target of ``shared/SEED_FACTS.md`` is mapped to one model quantity measured on one
campaign (see ``experiments.measures``). Point figures are rounded marketing numbers, so a
point target counts as met when the simulated 95% CI lies within +-10% of it; bounds ("at most
20 yuan", "under 30%") are met when the whole CI is on the right side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from experiments.verdicts import FAILS, HOLDS, UNDECIDED, judge_band

CAMPAIGNS: dict[str, tuple[str, ...]] = {
    # ads only, no referral offer: ads CAC (C1) and organic peer conversion (F5)
    "ads": ("seeding=ads", "referral=none"),
    # a light KOC-note campaign without offer: conversion per note view (F3, C4)
    "notes": ("seeding=koc_matrix", "referral=none"),
    # the same ads with group buying, the "group fission" of F4: conversion with the offer
    "fission": ("seeding=ads", "referral=group_buy"),
    # fact C6's campaign: content 40 (KOL 20 + KOC 20) / traffic 35 / incentives 25; as many
    # KOCs as the KOC budget affords and all 10 KOLs of the market (whose fees spend about
    # 3,800 of the 10,800-yuan KOL share: docs/model.md); two-sided rewards as the incentive
    "reference": (
        "seeding=mixed",
        "referral=two_sided",
        "seeding.koc.recruits=1000",
        "seeding.kol.hired=10",
    ),
}

POINT_TOLERANCE = 0.10
# Set, not fitted: enough KOCs that the reference campaign spends its whole KOC budget (20% of
# 54,000 yuan) on their free products, the KOC-rich market of fact F2; their commissions are owed
# past it (counted in C4 and C6). With the default 1% it spends about 7,600 of the 10,800 yuan,
# products and commissions, and C4 is far out of reach (CAC about 31 yuan; 10 replicates, 4 Dec).
SET = {"influencers.koc_share": 0.05}
DAMPING_INDIRECT = 0.8  # the price acts through several channels: shorter steps
SETTLED = 0.08  # a round with every fitted target within 8% (log distance): within noise
SETTLED_ROUNDS = 4  # the fit stops after this many settled rounds and averages them


def lift(measured: dict[str, float]) -> float:
    """Relative rise of peer conversion with the group-buy offer (F4 / F5 - 1)."""
    return measured["F4"] / measured["F5"] - 1


@dataclass(frozen=True)
class Fitted:
    """A fitted parameter and the target quantity it is moved by.

    Attributes:
        key: the configuration key.
        start: its default (where the fit starts).
        target: the target id whose quantity drives it.
        aim: the value aimed at.
        elasticity: prior d log(quantity) / d log(parameter).
        bounds: the range the fit may use.
        comment: why, for the scenario file.
        damping: share of the log step taken each round.
        quantity: the quantity from the measured target means (default: the target's mean).
        aim_text: the aim in words, when the quantity is not the target itself.

    """

    key: str
    start: float
    target: str
    aim: float
    elasticity: float
    bounds: tuple[float, float]
    comment: str
    damping: float = 1.0
    quantity: Callable[[dict[str, float]], float] | None = None
    aim_text: str | None = None

    def value(self, measured: dict[str, float]) -> float:
        """The quantity this parameter is fitted to, from one round's measured means."""
        return self.quantity(measured) if self.quantity else measured[self.target]

    def log_gap(self, measured: dict[str, float]) -> float:
        """``log(aim / quantity)``: ``inf`` when the quantity is 0 or below (far too low).

        A round can measure no lift at all (F4 at or below F5: noise, or a price sensitivity
        near 0); its log was a ``math domain error`` that stopped the calibration.
        """
        value = self.value(measured)
        return math.log(self.aim / value) if value > 0 else math.inf

    def log_step(self, measured: dict[str, float], elasticity: float) -> float:
        """Log change of the parameter that would bring the quantity to its aim."""
        return self.damping * self.log_gap(measured) / elasticity


FITTED = [
    Fitted(
        "conversion.koc",
        0.034,
        "F3",
        0.052,
        1.0,
        (0.001, 0.5),
        "F3: a KOC note view converts 5.2% (no offer)",
    ),
    Fitted(
        "conversion.peer",
        0.02,
        "F5",
        0.020,
        1.0,
        (0.001, 0.5),
        "F5: an ordinary friend's share converts 2%",
    ),
    Fitted(
        "population.price_sensitivity",
        1.0,
        "F4",
        3.6 / 2.0 - 1,
        1.0,
        (0.0, 20.0),
        "F4: with the group-buy offer a friend's share converts 3.6% (x1.8)",
        quantity=lift,
        aim_text=(
            "F4 as read here: the group-buy offer lifts a friend's share from F5's 2% to 3.6% "
            "(x1.8); the source gives 3.6% as acquaintance conversion, not as a lift"
        ),
    ),
    Fitted(
        "conversion.ad",
        0.0005,
        "C1-ads",
        60.0,
        -1.0,
        (1e-5, 0.05),
        "C1: an ads-only campaign's CAC is about 60 yuan",
    ),
    Fitted(
        "product.price",
        100.0,
        "C6",
        3.0,
        1.0,
        (10.0, 500.0),
        "C6: ROI 3.2 of the 40/35/25 campaign counting owed commissions; "
        "merchants 3.2 -> 2.8 (aim 3.0)",
        damping=DAMPING_INDIRECT,
    ),
]
# Word of mouth (share.daily) is not fitted: no target pins it. C4 only bounds the reference
# campaign's CAC (at most 20 yuan), which the default 0.02 met until C4 counted the commissions
# owed (4 Dec 2026: 21.8 yuan); fitting the CAC to a point inside the bound would set word of
# mouth by a choice of ours, not by a source figure.


@dataclass(frozen=True)
class Target:
    """A source figure and the model quantity it is compared with.

    Attributes:
        id: fact id (a suffix when one fact gives several figures).
        figure: the source's figure, in words.
        quantity: the model quantity it is mapped to.
        campaign: the campaign (key of ``CAMPAIGNS``) it is measured on.
        column: the per-replicate measure (None: nothing in the model corresponds).
        band: the interval the simulated CI must lie in to count as met (None: shown beside
            the source's figure, not compared with it: the model has no such quantity).
        unit: ``"%"``, ``"yuan"`` or ``"x"`` (how values are printed).
        role: what the target does in the fit (the parameter it sets, or "check").

    """

    id: str
    figure: str
    quantity: str
    campaign: str
    column: str | None
    band: tuple[float, float] | None
    unit: str
    role: str

    def row(self, mean: float, low: float, high: float) -> dict[str, object]:
        """The table row for a simulated mean and 95% CI."""
        return {
            "id": self.id,
            "source figure": self.figure,
            "model quantity": self.quantity,
            "campaign": self.campaign,
            "target": self.band_text(),
            "simulated": self.value_text(mean, low, high),
            "met": met(self.band, low, high, self.column),
            "role": self.role,
            "mean": mean,
            "ci_low": low,
            "ci_high": high,
        }

    def band_text(self) -> str:
        """The band in the target's unit."""
        if self.band is None:
            return "not compared"
        low, high = self.band
        if math.isinf(high):
            return f">= {self._number(low)}"
        if low <= 0:
            return f"<= {self._number(high)}"
        return f"{self._number(low)} to {self._number(high)}"

    def value_text(self, mean: float, low: float, high: float) -> str:
        """``mean [low, high]`` in the target's unit."""
        if math.isnan(mean):
            return "not modelled"
        return f"{self._number(mean)} [{self._number(low)}, {self._number(high)}]"

    def _number(self, value: float) -> str:
        if self.unit == "%":
            return f"{value * 100:.2f}%"
        if self.unit == "yuan":
            return f"{value:.1f}"
        return f"{value:.2f}"


def met(band: tuple[float, float] | None, low: float, high: float, column: str | None) -> str:
    """``yes`` when the CI lies in the band, ``no`` when it misses it, ``partly`` otherwise."""
    if column is None:
        return "not modelled"
    if band is None:  # a band nothing can miss read "yes", and hid why there is none
        return "not compared"
    if math.isnan(low):
        return "no estimate"
    return {HOLDS: "yes", FAILS: "no", UNDECIDED: "partly"}[judge_band(low, high, band)]


def point(value: float) -> tuple[float, float]:
    """The +-10% band around a point figure."""
    return value * (1 - POINT_TOLERANCE), value * (1 + POINT_TOLERANCE)


INF = math.inf
TARGETS = [
    Target(
        "F3",
        "seeding notes convert 5.2%",
        "first orders per KOC-post view (no offer)",
        "notes",
        "conv_koc",
        point(0.052),
        "%",
        "fits conversion.koc",
    ),
    Target(
        "F3-ads",
        "traditional e-commerce converts 1.8%",
        "first orders per ad impression (an impression, not a store visit: no counterpart)",
        "ads",
        "conv_ad",
        None,
        "%",
        "none: ads are fitted to C1",
    ),
    Target(
        "F4",
        "acquaintance (WeChat) conversion 3.6%",
        "first orders decided per friend's share carrying the group-buy offer (held ones too)",
        "fission",
        "conv_peer",
        point(0.036),
        "%",
        "fits population.price_sensitivity",
    ),
    Target(
        "F5",
        "an ordinary user's share converts 2%",
        "first orders per friend's share without offer",
        "ads",
        "conv_peer",
        point(0.02),
        "%",
        "fits conversion.peer",
    ),
    Target(
        "F8",
        "89% decide within 3 days of first seeing the product",
        "customers whose first order came within 3 days of their first exposure",
        "reference",
        "decided_within_window",
        point(0.89),
        "%",
        "check (input: population.memory_days = 3)",
    ),
    Target(
        "P1",
        "most firms' repurchase rate is under 30%",
        "customers with 2+ orders within the 90 days (no retention scheme)",
        "reference",
        "repurchase_rate",
        (0.0, 0.30),
        "%",
        "check (default propensity)",
    ),
    Target(
        "P1-profit",
        "repeat buyers give 68% of profit",
        "share of orders (= of gross margin) from customers with 2+ orders",
        "reference",
        "repeat_buyer_margin_share",
        point(0.68),
        "%",
        "check",
    ),
    Target(
        "C1-ads",
        "traditional ads CAC about 60 yuan (18 is 70% below it)",
        "CAC of the ads-only campaign",
        "ads",
        "cac",
        point(60.0),
        "yuan",
        "fits conversion.ad",
    ),
    Target(
        "C4-cac",
        "new-user CAC at most 20 yuan",
        "CAC of the reference campaign, commissions owed past its budget counted as spend",
        "reference",
        "cac_counting_unbooked",
        (0.0, 20.0),
        "yuan",
        "check (share.daily keeps its default)",
    ),
    Target(
        "C4-cac-booked",
        "new-user CAC at most 20 yuan",
        "CAC of the reference campaign as its ledger books it (spend within the budget only)",
        "reference",
        "cac",
        (0.0, 20.0),
        "yuan",
        "check (C4-cac without the commissions owed)",
    ),
    Target(
        "C4-order",
        "order conversion above 5%",
        "first orders per deliberate product view (a KOC note view, as F3)",
        "notes",
        "conv_koc",
        (0.05, INF),
        "%",
        "check",
    ),
    Target(
        "C4-cart",
        "add-to-cart rate 25%",
        "no add-to-cart stage in the model",
        "reference",
        None,
        (0.25, INF),
        "%",
        "none",
    ),
    Target(
        "C6",
        "ROI 3.2 with a 40/35/25 budget split; merchants' ROI fell 3.2 -> 2.8",
        "revenue / (spend + commissions owed past the budget) of the reference campaign",
        "reference",
        "roi_counting_unbooked",
        (2.8, 3.2),
        "x",
        "fits product.price",
    ),
    Target(
        "C6-booked",
        "ROI 3.2 with a 40/35/25 budget split; merchants' ROI fell 3.2 -> 2.8",
        "revenue / spend of the reference campaign as its ledger books it (within the budget)",
        "reference",
        "roi",
        (2.8, 3.2),
        "x",
        "check (C6 without the commissions owed)",
    ),
]

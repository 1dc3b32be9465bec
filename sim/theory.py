"""Closed forms the model must reproduce in its limits (DESIGN.md §1.6, docs/odd.md).

Used by the validation suite (``experiments/validation.py``) and the tests; nothing here runs
the model.

- Bond percolation on Erdős–Rényi graphs: the independent-cascade limit's final size ``S``
  solves ``S = 1 - exp(-k p S)`` (threshold ``p_c = 1/k``); a single seed starts a large
  outbreak with probability ``S``; small outbreaks have mean size ``1 / (1 - k p (1 - S))``
  (Newman 2002, "Spread of epidemic disease on networks").
- The Bass model (Bass 1969): the continuous closed form, the textbook discrete form
  ``F(t+1) = F(t) + (p + q F(t)) (1 - F(t))``, and the day-stepped form the simulator follows,
  ``F(t+1) = F(t) + (1 - F(t)) [1 - (1 - p) (1 - q / (n - 1))^(n F(t))]``: an unaware consumer
  escapes the ads with probability ``1 - p`` and each of the ``n F(t)`` customers with
  probability ``1 - q / (n - 1)``, every day, independently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq


def percolation_size(mean_degree: float, p: float) -> float:
    """Giant-component share ``S`` solving ``S = 1 - exp(-k p S)`` (0 at or below ``k p = 1``).

    Args:
        mean_degree: mean degree ``k`` of the Erdős–Rényi graph.
        p: transmissibility (probability a share converts the friend).

    Returns:
        The final size of a large outbreak as a share of the population.

    """
    if mean_degree * p <= 1:
        return 0.0
    return brentq(lambda s: s - (1 - math.exp(-mean_degree * p * s)), 1e-12, 1.0)


def small_outbreak_size(mean_degree: float, p: float) -> float:
    """Mean size (in consumers, seed included) of an outbreak that stays small.

    ``1 / (1 - k p (1 - S))``: below the threshold every outbreak is small; above it the
    outbreaks that miss the giant component are the subcritical ones of the residual graph.
    Infinite at the threshold ``k p = 1``.
    """
    r = mean_degree * p * (1 - percolation_size(mean_degree, p))
    return math.inf if r >= 1 else 1 / (1 - r)


def bass_continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass's closed form ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - decay) / (1 + q / p * decay)


def bass_discrete(p: float, q: float, days: int) -> np.ndarray:
    """Textbook discrete Bass, ``F(t+1) = F(t) + (p + q F(t)) (1 - F(t))``, days ``0..days``."""
    return _iterate(lambda f: min(p + q * f, 1.0), days)


def bass_day_stepped(p: float, q: float, days: int, n: int | None = None) -> np.ndarray:
    """The day-stepped Bass curve the simulator follows, days ``0..days``.

    ``F(t+1) = F(t) + (1 - F(t)) h(F(t))`` with daily adoption probability
    ``h(F) = 1 - (1 - p) (1 - q / (n - 1))^(n F)`` (``1 - (1 - p) e^{-q F}`` when ``n`` is
    None: the large-population limit). To first order in ``p`` and ``q F`` this is
    ``p + q F``, the textbook form.

    Args:
        p: daily probability that ads alone convert an unaware consumer.
        q: daily conversions one customer would make if everyone else were unaware.
        days: days to iterate.
        n: population size (None for the limit).

    Returns:
        The expected adopter share at the end of each day, starting from 0 on day 0.

    """
    if n is None:
        return _iterate(lambda f: 1 - (1 - p) * math.exp(-q * f), days)
    per_customer = math.log1p(-q / (n - 1))
    return _iterate(lambda f: 1 - (1 - p) * math.exp(n * f * per_customer), days)


def _iterate(hazard, days: int) -> np.ndarray:
    share = np.zeros(days + 1)
    for day in range(days):
        share[day + 1] = share[day] + (1 - share[day]) * hazard(share[day])
    return share


# The independent-cascade limit (DESIGN.md §1.6): organic seeding, no incentive, every buyer
# shares once with every friend, no ongoing word of mouth, no repurchase, identical consumers.
# Each friendship is then tried once with probability ``conversion.peer``.
INDEPENDENT_CASCADE = (
    "seeding=organic",
    "referral=none",
    "share.after_purchase=1",
    "share.fanout=1",
    "share.daily=0",
    "repurchase.enabled=false",
    "population.susceptibility_sd=0",
)


@dataclass(frozen=True)
class BassLimit:
    """Overrides that put the model in its Bass limit, and the ``p`` and ``q`` they imply.

    Attributes:
        p: daily probability that ads convert an unaware consumer, exactly as configured
            (``1 - (1 - conversion.ad / n)^impressions``).
        q: ``share.daily * conversion.peer``: a customer's daily conversions if everyone else
            were unaware.
        impressions: ad impressions a day.
        overrides: the configuration overrides (add ``network=complete`` and ``network.n``).

    """

    p: float
    q: float
    impressions: int
    overrides: tuple[str, ...]


def bass_limit(p: float, q: float, n: int, ad_conversion: float = 0.1) -> BassLimit:
    """The configuration whose day-stepped dynamics are Bass with ``p`` and ``q``.

    Ads buy a whole number of impressions a day (``cpm = 1000``, so the daily budget in yuan
    is the impression count) on uniformly random consumers, each converting with
    ``ad_conversion``; every customer talks to one random consumer a day (``share.daily = 1``)
    who buys with probability ``q``; nothing else happens. The impression count is rounded to
    a whole number, so the implied ``p`` differs from the one asked for in the fifth digit.

    Args:
        p: daily innovation probability asked for, in (0, 1).
        q: daily imitation coefficient asked for, in [0, 1] (``conversion.peer`` cannot
            exceed 1).
        n: consumers.
        ad_conversion: per-impression conversion; smaller values need more impressions.

    Raises:
        ValueError: when ``q`` is outside [0, 1] or ``p`` outside (0, 1).

    """
    if not 0 <= q <= 1 or not 0 < p < 1:
        raise ValueError(f"need 0 < p < 1 and 0 <= q <= 1, got p={p}, q={q}")
    impressions = round(math.log1p(-p) / math.log1p(-ad_conversion / n))
    overrides = (
        "seeding=ads",
        "seeding.initial_customers=0",
        "seeding.cpm=1000",
        f"seeding.daily_budget={impressions}",
        f"conversion.ad={ad_conversion}",
        f"conversion.peer={q}",
        "share.daily=1",
        "share.after_purchase=0",
        "referral=none",
        "repurchase.enabled=false",
        "population.susceptibility_sd=0",
    )
    implied_p = -math.expm1(impressions * math.log1p(-ad_conversion / n))
    return BassLimit(implied_p, q, impressions, overrides)

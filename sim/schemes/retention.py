"""``retention`` options: what keeps customers buying (DESIGN.md §1.4)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.params import param
from sim.schemes.base import RetentionScheme


@dataclass
class RetentionConfig:
    """Base of every retention option."""

    name: str = param("none", "which retention programme")


@dataclass
class NoRetentionConfig(RetentionConfig):
    """No programme: baseline repurchase and churn."""

    name: str = "none"


class NoRetention(RetentionScheme):
    """Baseline: multipliers 1, no cost."""

    name = "none"
    config_class = NoRetentionConfig

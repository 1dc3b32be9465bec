"""The claims of the source documents, each as an experiment on the ``gen_z_2026`` scenario.

``CLAIMS`` lists them in report order; ``experiments.seed_claims`` runs them and writes the
report.
"""

from experiments.claims import acquisition, incentives, influence, retention
from experiments.claims.base import Claim, Finding, Setup

CLAIMS = [*acquisition.CLAIMS, *influence.CLAIMS, *incentives.CLAIMS, *retention.CLAIMS]

__all__ = ["CLAIMS", "Claim", "Finding", "Setup"]

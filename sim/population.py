"""Consumer traits, drawn once per replicate from the traits stream.

Every trait is drawn whatever the configuration, in a fixed order, so that two schemes on the
same seed and replicate see the same population (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.config import PopulationConfig
from sim.params import threshold_levels


@dataclass
class Traits:
    """Per-consumer traits.

    Attributes:
        susceptibility: multiplies every conversion probability (mean 1).
        price_sensitivity: relative conversion gain per unit of discount share.
        threshold: distinct exposures needed within the memory window before buying.

    """

    susceptibility: np.ndarray
    price_sensitivity: np.ndarray
    threshold: np.ndarray

    @property
    def complex_contagion(self) -> bool:
        """Whether anyone needs more than one exposure."""
        return bool(len(self.threshold)) and int(self.threshold.max()) > 1


def lognormal_with_mean(mean: float, sd: float, normals: np.ndarray) -> np.ndarray:
    """Map standard normals to a lognormal with the given mean and standard deviation."""
    if sd == 0 or mean == 0:
        return np.full(len(normals), float(mean))
    ratio = sd / mean
    if ratio < 1e150:
        sigma2 = np.log1p(ratio**2)
        return mean * np.exp(np.sqrt(sigma2) * normals - sigma2 / 2)
    sigma2 = 2 * (math.log(sd) - math.log(mean))  # a tiny mean: in logs, (sd / mean)**2 overflows
    return np.exp(math.log(mean) + math.sqrt(sigma2) * normals - sigma2 / 2)


def draw_traits(config: PopulationConfig, n: int, rng: np.random.Generator) -> Traits:
    """Draw the traits of ``n`` consumers."""
    susceptibility = lognormal_with_mean(1.0, config.susceptibility_sd, rng.standard_normal(n))
    sensitivity = lognormal_with_mean(
        config.price_sensitivity, config.price_sensitivity_sd, rng.standard_normal(n)
    )
    mix = threshold_levels(config.threshold)
    levels = np.array(sorted(mix), dtype=np.int16)
    shares = np.array([mix[level] for level in levels], dtype=float)
    cumulative = np.cumsum(shares / shares.sum())
    picks = np.searchsorted(cumulative, rng.random(n), side="right")
    threshold = levels[np.minimum(picks, len(levels) - 1)]
    return Traits(susceptibility, sensitivity, threshold)

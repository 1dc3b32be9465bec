"""Consumer traits against their documented distributions (docs/odd.md §5, sim/config.py).

Susceptibility is lognormal with mean 1 and standard deviation ``population.susceptibility_sd``;
price sensitivity lognormal with mean ``population.price_sensitivity`` and standard deviation
``population.price_sensitivity_sd``; the threshold is drawn from the ``population.threshold``
mix. A lognormal with mean ``m`` and standard deviation ``s`` is ``exp(mu + sigma Z)`` with
``sigma**2 = ln(1 + (s / m)**2)`` and ``mu = ln m - sigma**2 / 2``; the tests derive every
expected value and standard error from that definition. Moments of 10**6 draws are checked
within 5 standard errors (derived next to each check); the map from normals to traits, its
degenerate cases (zero spread, zero mean) and its overflow branch (a spread more than 10**150
times the mean) are checked exactly.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import sim
from sim.config import PopulationConfig
from sim.population import draw_traits, lognormal_with_mean

DRAWS = 10**6


def population(*overrides: str) -> PopulationConfig:
    """The population group of a composed configuration."""
    return sim.compose(list(overrides)).population


def lognormal_sigma2(mean: float, sd: float) -> float:
    """``ln(1 + (sd / mean)**2)``, written so that it neither overflows nor underflows."""
    ratio = sd / mean if mean > 0 else math.inf
    if ratio > 1e100:  # ln(1 + r**2) = 2 ln r + ln(1 + r**-2)
        return 2 * (math.log(sd) - math.log(mean)) + math.log1p((mean / sd) ** 2)
    return math.log1p(ratio**2)


def lognormal_sd_standard_error(mean: float, sd: float, draws: int) -> float:
    """Standard error of the sample standard deviation of ``draws`` lognormal values.

    The raw moments are ``E[X**k] = mean**k * exp(k (k - 1) sigma**2 / 2)``; the sample
    variance has variance ``(mu4 - sd**4) / draws`` (``mu4`` the fourth central moment), and
    by the delta method the sample sd has standard error ``sqrt(that) / (2 sd)``.
    """
    sigma2 = lognormal_sigma2(mean, sd)
    raw = [mean**k * math.exp(k * (k - 1) * sigma2 / 2) for k in range(5)]
    mu4 = raw[4] - 4 * raw[3] * raw[1] + 6 * raw[2] * raw[1] ** 2 - 3 * raw[1] ** 4
    return math.sqrt((mu4 - sd**4) / draws) / (2 * sd)


def assert_mean_and_sd(values: np.ndarray, mean: float, sd: float) -> None:
    """Sample mean and sd within 5 standard errors of a lognormal(mean, sd)."""
    n = len(values)
    # the mean of n draws has standard error sd / sqrt(n)
    assert values.mean() == pytest.approx(mean, abs=5 * sd / math.sqrt(n))
    assert values.std(ddof=1) == pytest.approx(sd, abs=5 * lognormal_sd_standard_error(mean, sd, n))


# ----- susceptibility and price sensitivity: moments of a large draw ----------------------------


@pytest.mark.parametrize("spread", [0.5, 1.0])
def test_susceptibility_has_mean_one_and_the_configured_spread(spread):
    traits = draw_traits(
        population(f"population.susceptibility_sd={spread}"), DRAWS, np.random.default_rng(1)
    )
    # spread 0.5: sd's standard error ~7e-4; spread 1.0: ~3e-3 (heavier tail)
    assert_mean_and_sd(traits.susceptibility, 1.0, spread)
    assert (traits.susceptibility > 0).all()


@pytest.mark.parametrize(("mean", "spread"), [(1.0, 0.3), (2.5, 1.5)])
def test_price_sensitivity_has_its_configured_mean_and_spread(mean, spread):
    config = population(
        f"population.price_sensitivity={mean}", f"population.price_sensitivity_sd={spread}"
    )
    traits = draw_traits(config, DRAWS, np.random.default_rng(2))
    assert_mean_and_sd(traits.price_sensitivity, mean, spread)
    assert (traits.price_sensitivity > 0).all()


def test_traits_are_lognormal_with_normal_logs_of_the_matching_parameters():
    config = population(
        "population.susceptibility_sd=0.8",
        "population.price_sensitivity=2",
        "population.price_sensitivity_sd=0.5",
    )
    traits = draw_traits(config, DRAWS, np.random.default_rng(3))
    for values, mean, sd in (
        (traits.susceptibility, 1.0, 0.8),
        (traits.price_sensitivity, 2.0, 0.5),
    ):
        sigma2 = lognormal_sigma2(mean, sd)
        mu, sigma = math.log(mean) - sigma2 / 2, math.sqrt(sigma2)
        logs = np.log(values)
        # a normal sample's mean has standard error sigma / sqrt(n), its sd sigma / sqrt(2 n)
        assert logs.mean() == pytest.approx(mu, abs=5 * sigma / math.sqrt(DRAWS))
        assert logs.std(ddof=1) == pytest.approx(sigma, abs=5 * sigma / math.sqrt(2 * DRAWS))
        # the median is exp(mu): the share below it is binomial(n, 0.5) / n, standard error
        # 0.5 / sqrt(n)
        below = (values < math.exp(mu)).mean()
        assert below == pytest.approx(0.5, abs=5 * 0.5 / math.sqrt(DRAWS))


# ----- the map from normals to a lognormal, its degenerate and overflow branches ---------------

NORMALS = np.linspace(-5, 5, 101)


@pytest.mark.parametrize(
    ("mean", "sd"),
    [
        (1.0, 0.5),
        (3.0, 0.1),
        (2.0, 1e100),  # ordinary branch, (sd / mean)**2 ~ 1e200 still finite
        (1e-10, 1e145),  # a tiny mean: (sd / mean)**2 would overflow (the log branch)
        (1.0, 1e200),  # a huge spread: the log branch too
    ],
)
def test_lognormal_with_mean_is_the_mean_preserving_exponential_of_the_normals(mean, sd):
    values = lognormal_with_mean(mean, sd, NORMALS)
    sigma2 = lognormal_sigma2(mean, sd)
    expected_logs = math.log(mean) - sigma2 / 2 + math.sqrt(sigma2) * NORMALS
    assert np.isfinite(values).all() and (values > 0).all()
    np.testing.assert_allclose(np.log(values), expected_logs, rtol=1e-12, atol=1e-9)


def test_the_overflow_branch_meets_the_ordinary_formula_where_it_switches():
    # the code switches to logs at sd / mean = 1e150; on either side the values must agree
    below = lognormal_with_mean(1.0, 1e150 * (1 - 1e-9), NORMALS)
    above = lognormal_with_mean(1.0, 1e150 * (1 + 1e-9), NORMALS)
    assert np.isfinite(below).all() and np.isfinite(above).all()
    # ln(values) ~ -345 + 26 Z: a 2e-9 relative change of sd moves it by ~1e-7 at most
    np.testing.assert_allclose(np.log(above), np.log(below), rtol=0, atol=1e-6)


def test_a_huge_spread_relative_to_the_mean_draws_finite_positive_traits_without_warnings():
    config = population(
        "population.price_sensitivity=1e-12", "population.price_sensitivity_sd=1e140"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings from numpy
        traits = draw_traits(config, DRAWS, np.random.default_rng(4))
    values = traits.price_sensitivity
    assert np.isfinite(values).all() and (values > 0).all()
    sigma = math.sqrt(lognormal_sigma2(1e-12, 1e140))  # about 25.5
    # the logs are normal(sigma): their sd has standard error sigma / sqrt(2 n)
    logs = np.log(values)
    assert logs.std(ddof=1) == pytest.approx(sigma, abs=5 * sigma / math.sqrt(2 * DRAWS))


def test_zero_spread_gives_every_value_exactly_the_mean():
    np.testing.assert_array_equal(lognormal_with_mean(2.5, 0.0, NORMALS), np.full(101, 2.5))
    config = population(
        "population.susceptibility_sd=0",
        "population.price_sensitivity=1.7",
        "population.price_sensitivity_sd=0",
    )
    traits = draw_traits(config, 1000, np.random.default_rng(5))
    # "0 = identical" (population.susceptibility_sd): everyone has the mean, 1
    np.testing.assert_array_equal(traits.susceptibility, np.ones(1000))
    np.testing.assert_array_equal(traits.price_sensitivity, np.full(1000, 1.7))


def test_zero_mean_gives_zero_whatever_the_spread():
    # a non-negative variable with mean 0 is 0: the spread cannot be honoured
    np.testing.assert_array_equal(lognormal_with_mean(0.0, 0.3, NORMALS), np.zeros(101))
    traits = draw_traits(
        population("population.price_sensitivity=0"), 1000, np.random.default_rng(6)
    )
    np.testing.assert_array_equal(traits.price_sensitivity, np.zeros(1000))


# ----- the threshold mix ------------------------------------------------------------------------


def threshold_overrides(mix: dict[int, float]) -> list[str]:
    """Overrides setting ``population.threshold`` to ``mix`` (level 1 exists by default)."""
    first = [f"population.threshold.1={mix.get(1, 0)}"]
    return first + [
        f"+population.threshold.{level}={share}" for level, share in mix.items() if level != 1
    ]


@pytest.mark.parametrize(
    "mix",
    [{1: 0.4, 3: 0.6}, {1: 0.2, 2: 0.3, 5: 0.5}, {2: 0.7, 4: 0.3}],
    ids=["README", "three-levels", "no-level-one"],
)
def test_a_threshold_mix_gives_each_level_its_configured_share(mix):
    config = population(*threshold_overrides(mix))
    threshold = draw_traits(config, DRAWS, np.random.default_rng(7)).threshold
    assert set(np.unique(threshold).tolist()) == set(mix)
    for level, share in mix.items():
        count = int((threshold == level).sum())
        # binomial(n, share): 5 standard errors sqrt(n share (1 - share)), about 2 400 at 0.5
        assert count == pytest.approx(DRAWS * share, abs=5 * math.sqrt(DRAWS * share * (1 - share)))


@pytest.mark.parametrize(
    ("mix", "only"),
    [({1: 0.0, 2: 1.0}, 2), ({1: 1.0, 4: 0.0}, 1), ({1: 0.0, 3: 1.0, 6: 0.0}, 3)],
)
def test_a_level_with_zero_share_is_never_drawn(mix, only):
    threshold = draw_traits(
        population(*threshold_overrides(mix)), DRAWS, np.random.default_rng(8)
    ).threshold
    np.testing.assert_array_equal(threshold, np.full(DRAWS, only))


def test_a_models_thresholds_follow_the_mix_and_make_contagion_complex():
    n = 20_000
    mixed = sim.ReferralModel(
        sim.compose(["network=complete", f"network.n={n}", *threshold_overrides({1: 0.4, 3: 0.6})])
    )
    threes = int((mixed.traits.threshold == 3).sum())
    # binomial(20 000, 0.6): 5 standard errors = 5 sqrt(20 000 x 0.24), about 350
    assert threes == pytest.approx(0.6 * n, abs=5 * math.sqrt(n * 0.24))
    assert set(np.unique(mixed.traits.threshold).tolist()) == {1, 3}
    assert mixed.traits.complex_contagion and mixed.memory is not None
    simple = sim.ReferralModel(sim.compose(["network=complete", "network.n=500"]))
    np.testing.assert_array_equal(simple.traits.threshold, np.ones(500))  # default {1: 1}
    assert not simple.traits.complex_contagion and simple.memory is None

"""Common random numbers: schemes compared on one replicate draw alike wherever they can.

Replicate *r* of every scheme shares network, traits and audiences (``tests/test_model.py``).
Each phase of the day also draws from its own stream, each day from its own segment, and each
exposure carries its purchase draw from the channel that made it (:mod:`sim.rng`). So what no
scheme changes (the ads' impressions) stays the same across schemes, and what a scheme does
change moves only the draws it touches: paired differences between schemes are far less noisy.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.rng import PHASES, PhaseStreams, Streams
from tests.conftest import small


def phase_streams(seed: int = 0) -> PhaseStreams:
    return PhaseStreams(Streams.for_replicate(seed, 0).dynamics_seed)


def test_a_phase_draws_the_same_on_a_day_whatever_it_drew_on_earlier_days():
    few, many = phase_streams(), phase_streams()
    few.on("ads", 1).random(3)
    many.on("ads", 1).random(5000)
    many.on("ads", 2).random(7)
    assert np.array_equal(few.on("ads", 3).random(4), many.on("ads", 3).random(4))


def test_a_phase_draws_the_same_whatever_the_other_phases_drew():
    quiet, busy = phase_streams(), phase_streams()
    busy.on("share", 1).random(1000)
    busy.on("talk", 1).random(1000)
    assert np.array_equal(quiet.on("churn", 1).random(5), busy.on("churn", 1).random(5))


def test_draws_continue_within_a_day_and_differ_between_days_phases_and_seeds():
    streams = phase_streams()
    first, second = streams.on("ads", 1).random(4), streams.on("ads", 1).random(4)
    assert not np.array_equal(first, second)  # the same day goes on, not back
    assert np.array_equal(phase_streams().on("ads", 1).random(8), np.concatenate([first, second]))
    draws = {
        (phase, day, seed): phase_streams(seed).on(phase, day).random(2).tobytes()
        for phase in PHASES
        for day in (1, 2)
        for seed in (0, 1)
    }
    assert len(set(draws.values())) == len(draws)


class BroadcastLog:
    """Records each day's broadcast and who could buy when it was made."""

    def __init__(self, model: sim.ReferralModel) -> None:
        self.model, self.days = model, []
        self.broadcast, model.seeding.broadcast = model.seeding.broadcast, self.record

    def record(self, day: int):
        exposures = self.broadcast(day)
        can_buy = self.model.consumers.can_buy(np.arange(self.model.n))
        self.days.append((exposures.target, exposures.draw, can_buy))
        return exposures


def test_the_ads_show_the_same_impressions_with_the_same_draws_under_every_referral_scheme():
    overrides = ["seeding=ads", "days=40", "seeding.initial_customers=20"]
    none, two_sided = (
        sim.ReferralModel(small(*overrides, f"referral={scheme}"), replicate=3)
        for scheme in ("none", "two_sided")
    )
    logs = BroadcastLog(none), BroadcastLog(two_sided)
    none.run(), two_sided.run()
    assert none.ledger.spent["ads"] == two_sided.ledger.spent["ads"]  # the same impressions bought
    assert not np.array_equal(none.consumers.state, two_sided.consumers.state)  # the runs part
    compared = 0
    for (target, draw, can_buy), (other, other_draw, other_can_buy) in zip(
        logs[0].days, logs[1].days, strict=True
    ):
        both = can_buy & other_can_buy  # impressions on a customer of either run are dropped
        mine, theirs = both[target], both[other]
        assert np.array_equal(target[mine], other[theirs])
        assert np.array_equal(draw[mine], other_draw[theirs])
        compared += int(mine.sum())
    assert compared > 5000


@pytest.mark.parametrize("scheme", ["one_sided", "two_sided"])
def test_a_reward_schemes_customers_follow_the_baselines_replicate_by_replicate(scheme):
    # n = 2,000, 20 replicates: .32 (one_sided) and .48 (two_sided) when the phases of the day
    # shared one stream, .988 and .988 since. The main job (n = 10,000, 200 replicates): .985
    # and .986, against .60-.65 before (docs/studies/common-random-numbers.md)
    customers = {
        name: [
            sim.ReferralModel(small(f"referral={name}"), replicate).run().metrics()["customers"]
            for replicate in range(20)
        ]
        for name in ("none", scheme)
    }
    assert np.corrcoef(customers["none"], customers[scheme])[0, 1] > 0.9

"""The optimisation and sensitivity studies: search space, feasibility, Sobol indices."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")
pytest.importorskip("SALib")

from experiments import optimise, sensitivity  # noqa: E402


def test_search_spaces_parse_ranges_and_choices():
    space = optimise.parse_space(
        ["referral.referrer_reward=0:30", "referral.reward_kind=cash|points"], "one_sided"
    )
    assert space == {
        "referral.referrer_reward": (0.0, 30.0),
        "referral.reward_kind": ["cash", "points"],
    }
    assert "referral.referee_discount" in optimise.parse_space([], "two_sided")
    with pytest.raises(SystemExit, match="no default search space for tiered"):
        optimise.parse_space([], "tiered")


def test_the_best_trial_is_the_cheapest_that_meets_the_reach_floor(tmp_path):
    problem = optimise.Problem(
        "one_sided",
        {"referral.referrer_reward": (0.0, 30.0)},
        ["network.n=400", "days=15"],
        replicates=2,
        budget=5000.0,
        reach_floor=0.0,
    )
    study = optimise.study_for(problem, tmp_path / "optuna.db", trials=3)
    best = optimise.best_feasible(study)
    assert best.value == min(t.value for t in study.trials)
    assert 0 <= best.params["referral.referrer_reward"] <= 30
    again = optimise.study_for(problem, tmp_path / "optuna.db", trials=3)  # resumed, no new trial
    assert len(again.trials) == 3

    def trial(value: float, shortfall: float) -> optuna.trial.FrozenTrial:
        return optuna.trial.create_trial(value=value, user_attrs={"shortfall": shortfall})

    trials = SimpleNamespace(trials=[trial(40.0, 5.0), trial(50.0, 0.0), trial(60.0, -3.0)])
    assert optimise.best_feasible(trials).value == 50.0  # the cheaper one misses the floor
    with pytest.raises(SystemExit, match="no trial met the reach floor"):
        optimise.best_feasible(SimpleNamespace(trials=[trial(40.0, 5.0)]))


def test_sobol_indices_find_the_only_parameter_that_matters():
    names = list(sensitivity.PARAMETERS)
    samples = sensitivity.sobol_sample.sample(
        sensitivity.problem(), 256, calc_second_order=False, seed=0
    )
    reward = samples[:, names.index("referral.referrer_reward")]
    outputs = np.column_stack([reward, np.ones(len(samples)) + 1e-9 * reward])
    table = sensitivity.indices(samples, outputs).set_index(["output", "parameter"])
    cac = table.loc["cac"]
    assert cac.loc["referral.referrer_reward", "ST"] == pytest.approx(1.0, abs=0.05)
    assert cac.drop("referral.referrer_reward")["ST"].abs().max() < 0.01

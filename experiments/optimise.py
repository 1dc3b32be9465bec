"""Search a referral scheme's parameters for the lowest CAC under a reach floor and a budget.

Optuna (its current API; not hydra-optuna-sweeper, which pins Optuna 2) proposes parameters;
each trial composes a configuration with :func:`sim.compose` and runs the same replicates
(common random numbers, so trials differ only by their parameters). A trial is feasible when
its mean reach is at least the floor; the budget is the configuration's ``budget.total``.
Trials are stored in SQLite, so an interrupted study resumes where it stopped.

The best feasible parameters and the scheme's defaults are then re-run on fresh replicates
(another seed) and reported with 95% CIs, and the paired CAC difference between them::

    python experiments/optimise.py                                  # two_sided, small market
    python experiments/optimise.py --market                         # the default market
    python experiments/optimise.py --scheme one_sided --trials 60 --n 10000 --days 90
    python experiments/optimise.py --space referral.referrer_reward=0:30 --reach-floor 400

Needs the ``studies`` extra: ``pip install -e '.[studies]'``.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import optuna
import pandas as pd

import sim
from sim.compare import mean_interval

KINDS = ["cash", "points", "merchandise"]  # what the reward is paid in (fact R1)
SPACES = {
    "one_sided": {"referral.referrer_reward": (0.0, 50.0), "referral.reward_kind": KINDS},
    "two_sided": {
        "referral.referrer_reward": (0.0, 40.0),
        "referral.referee_discount": (0.0, 40.0),
        "referral.reward_kind": KINDS,
    },
}
Space = dict[str, tuple[float, float] | list[str]]
# A small market where word of mouth matters: few ads, stronger peer conversion, wider shares.
VIRAL_MARKET = ("seeding.daily_budget=200", "conversion.peer=0.06", "share.fanout=0.5")
CHECK_SEED = 1000  # fresh networks for the final comparison, unseen by the search


@dataclass
class Problem:
    """What to optimise: the scheme, its search space, the market and the constraints."""

    scheme: str
    space: Space
    market: list[str]
    replicates: int
    budget: float
    reach_floor: float | None = None

    def overrides(self, parameters: dict[str, float], seed: int = 0, replicates: int = 0) -> list:
        """Hydra overrides for these parameters."""
        chosen = [f"{key}={value}" for key, value in parameters.items()]
        return [
            f"referral={self.scheme}",
            *self.market,
            f"budget.total={self.budget}",
            f"run.replicates={replicates or self.replicates}",
            f"seed={seed}",
            *chosen,
        ]

    def evaluate(self, parameters: dict[str, float], seed: int = 0, replicates: int = 0):
        """Replicate metrics of the scheme with these parameters."""
        config = sim.compose(self.overrides(parameters, seed, replicates))
        return sim.run(config, progress=False).metrics


def objective(problem: Problem, trial: optuna.Trial) -> float:
    """Mean CAC of the trial's parameters; reach shortfall recorded as the constraint."""
    parameters = {key: suggest(trial, key, values) for key, values in problem.space.items()}
    metrics = problem.evaluate(parameters)
    customers = float(metrics["customers"].mean())
    trial.set_user_attr("customers", customers)
    trial.set_user_attr("shortfall", problem.reach_floor - customers)
    trial.set_constraint("reach_shortfall", problem.reach_floor - customers)  # <= 0: feasible
    return float(metrics["cac"].mean())


def suggest(trial: optuna.Trial, key: str, values: tuple[float, float] | list[str]):
    """A float in ``(low, high)`` or one of a list of choices."""
    if isinstance(values, list):
        return trial.suggest_categorical(key, values)
    return trial.suggest_float(key, *values)


def best_feasible(study: optuna.Study) -> optuna.trial.FrozenTrial:
    """The completed trial with the lowest CAC among those meeting the reach floor."""
    feasible = [
        t
        for t in study.trials
        if t.state == optuna.trial.TrialState.COMPLETE and t.user_attrs["shortfall"] <= 0
    ]
    if not feasible:
        raise SystemExit("no trial met the reach floor; lower --reach-floor or widen --space")
    return min(feasible, key=lambda t: t.value)


def summary(name: str, metrics: pd.DataFrame) -> dict:
    """Mean and 95% CI of CAC and reach."""
    row = {"parameters": name}
    for metric in ("cac", "customers", "spend_total"):
        mean, low, high, _ = mean_interval(metrics[metric])
        row[metric] = f"{mean:,.2f} [{low:,.2f}, {high:,.2f}]"
    return row


def defaults_of(problem: Problem) -> dict[str, float | str]:
    """The scheme's default values of the searched parameters."""
    config = sim.compose(problem.overrides({}))
    return {key: getattr(config.referral, key.split(".")[-1]) for key in problem.space}


def study_for(problem: Problem, storage: Path, trials: int) -> optuna.Study:
    """Create or resume the SQLite-backed study and run the missing trials."""
    storage.parent.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        study_name=f"cac-{problem.scheme}-floor{problem.reach_floor:.0f}",
        storage=f"sqlite:///{storage}",
        direction="minimize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=0),
    )
    missing = trials - len([t for t in study.trials if t.state.is_finished()])
    if missing > 0:
        study.optimize(lambda trial: objective(problem, trial), n_trials=missing)
    return study


def parse_space(entries: list[str], scheme: str) -> Space:
    """``key=low:high`` or ``key=a|b|c`` entries, or the scheme's default search space."""
    if not entries:
        if scheme not in SPACES:
            raise SystemExit(f"no default search space for {scheme}; pass --space key=low:high")
        return SPACES[scheme]
    space = {}
    for entry in entries:
        key, values = entry.split("=")
        if "|" in values:
            space[key] = values.split("|")
        else:
            low, high = (float(b) for b in values.split(":"))
            space[key] = (low, high)
    return space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scheme", default="two_sided")
    parser.add_argument(
        "--space", action="append", default=[], help="key=low:high or key=a|b|c (repeat)"
    )
    parser.add_argument("--n", type=int, default=3000, help="consumers")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument(
        "--market", nargs="*", default=list(VIRAL_MARKET), help="further overrides of the market"
    )
    parser.add_argument("--budget", type=float, default=20000.0, help="budget.total (yuan)")
    parser.add_argument("--reach-floor", type=float, help="default: the defaults' mean reach")
    parser.add_argument("--replicates", type=int, default=40, help="per trial")
    parser.add_argument("--check-replicates", type=int, default=200, help="final comparison")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--storage", type=Path, default=Path("outputs/optimise/optuna.db"))
    arguments = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("MESA").setLevel(logging.WARNING)

    market = [f"network.n={arguments.n}", f"days={arguments.days}", *arguments.market]
    problem = Problem(
        arguments.scheme,
        parse_space(arguments.space, arguments.scheme),
        market,
        arguments.replicates,
        arguments.budget,
    )
    defaults = defaults_of(problem)
    problem.reach_floor = arguments.reach_floor or float(
        problem.evaluate(defaults)["customers"].mean()
    )
    study = study_for(problem, arguments.storage, arguments.trials)
    best = best_feasible(study)
    print(f"study: {study.study_name} in {arguments.storage} ({len(study.trials)} trials)")
    print(f"reach floor: {problem.reach_floor:,.1f} customers; budget {arguments.budget:,.0f}")
    print(f"best trial #{best.number}: {best.params} (search CAC {best.value:,.2f})")

    check = arguments.check_replicates
    at_default = problem.evaluate(defaults, CHECK_SEED, check)
    at_best = problem.evaluate(best.params, CHECK_SEED, check)
    table = pd.DataFrame(
        [
            summary(f"default {_rounded(defaults)}", at_default),
            summary(f"best {_rounded(best.params)}", at_best),
        ]
    )
    print(f"\nOn {check} fresh replicates (seed={CHECK_SEED}), mean [95% CI]:")
    print(table.to_string(index=False))
    mean, low, high, _ = mean_interval(at_best["cac"] - at_default["cac"])
    print(f"paired CAC difference, best - default: {mean:,.2f} [{low:,.2f}, {high:,.2f}]")


def _rounded(parameters: dict) -> dict:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in parameters.items()}


if __name__ == "__main__":
    main()

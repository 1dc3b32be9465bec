"""Search a referral scheme's parameters for the lowest CAC under a reach floor and a budget.

Optuna (its current API; not hydra-optuna-sweeper, which pins Optuna 2) proposes parameters;
each trial composes a configuration with :func:`sim.compose` and runs the same replicates
(common random numbers, so trials differ only by their parameters). A trial is feasible when
its mean reach is at least the floor; the budget is the configuration's ``budget.total``.
Trials are stored in SQLite under a name holding a digest of every setting that defines the
objective (scheme, search space, market, replicates, budget, reach floor; the objective is
the CAC pooled over the replicates, as the report takes it), so an interrupted
study resumes where it stopped and a changed setting starts a new study.

The best feasible parameters and the scheme's defaults are then re-run on fresh replicates
(another seed) and reported with 95% CIs, with their paired CAC and reach differences and
whether the best's reach clears the floor there too (the search's best can clear it by luck)::

    python experiments/optimise.py                                  # two_sided, small market
    python experiments/optimise.py --market share.fanout=0.6        # the viral market, fan-out 0.6
    python experiments/optimise.py --market                         # no viral overrides
    python experiments/optimise.py --scheme one_sided --trials 60 --n 10000 --days 90
    python experiments/optimise.py --space referral.referrer_reward=0:30 --reach-floor 400

Needs the ``studies`` extra: ``pip install -e '.[studies]'``.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import hashlib
import json
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import optuna
import pandas as pd
import sqlalchemy.exc
from optuna.trial import TrialState

import sim
from experiments.arguments import at_least, run_script
from sim import jobs
from sim.compare import mean_interval
from sim.config import DISCOUNT_KEYS
from sim.failures import EXIT_BAD_INPUT
from sim.params import ConfigError
from sim.runner import shows_progress
from sim.schemes import REWARD_KINDS
from sim.storage import write_text_atomic
from sim.summary import POOLED, level_interval, pooled_difference_interval, support_of

KINDS = list(REWARD_KINDS)  # what the reward is paid in (fact R1)
SPACES = {
    "one_sided": {"referral.referrer_reward": (0.0, 50.0), "referral.reward_kind": KINDS},
    "two_sided": {
        "referral.referrer_reward": (0.0, 40.0),
        "referral.referee_discount": (0.0, 40.0),
        "referral.reward_kind": KINDS,
    },
}
Space = dict[str, tuple[float, float] | tuple[int, int] | list[str]]
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
    """The trial's CAC, pooled over its replicates; reach shortfall recorded as the constraint.

    All the replicates' acquisition spend over all their customers, as the report takes it
    (:data:`sim.summary.POOLED`); until 3 Dec 2026 the mean of the replicates' own CACs.
    """
    parameters = {key: suggest(trial, key, values) for key, values in problem.space.items()}
    metrics = problem.evaluate(parameters)
    customers = float(metrics["customers"].mean())
    trial.set_user_attr("customers", customers)
    trial.set_user_attr("shortfall", problem.reach_floor - customers)
    trial.set_constraint("reach_shortfall", problem.reach_floor - customers)  # <= 0: feasible
    return float(level_interval(metrics, "cac")[0])


def suggest(trial: optuna.Trial, key: str, values: tuple[float, float] | list[str]):
    """A number in ``[low, high]`` (an integer when both bounds are) or one of the choices."""
    if isinstance(values, list):
        return trial.suggest_categorical(key, values)
    if all(isinstance(bound, int) for bound in values):
        return trial.suggest_int(key, *values)
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
    """CAC (pooled, Fieller's 95% CI), reach and spend (means, 95% t-intervals)."""
    row = {"parameters": name}
    for metric in ("cac", "customers", "spend_total"):
        mean, low, high, _ = level_interval(metrics, metric)
        row[metric] = f"{mean:,.2f} [{low:,.2f}, {high:,.2f}]"
    return row


def defaults_of(problem: Problem) -> dict[str, float | str]:
    """The scheme's default values of the searched parameters."""
    config = sim.compose(problem.overrides({}))
    return {key: getattr(config.referral, key.split(".")[-1]) for key in problem.space}


def settings_of(problem: Problem) -> dict:
    """Every setting that defines the objective: what the study's name is a digest of."""
    return {
        "scheme": problem.scheme,
        "space": {key: list(values) for key, values in sorted(problem.space.items())},
        "market": list(problem.market),
        "replicates": problem.replicates,
        "budget": problem.budget,
        "reach_floor": problem.reach_floor,
        "objective": "pooled CAC",  # since 3 Dec 2026: a study of mean CACs is not resumed
        # the composed market (a refitted +scenario file changes it) and the engine's code:
        # trials of an older engine or scenario are never mixed into a resumed study
        "engine": jobs.digest(json.dumps(dataclasses.asdict(base_config(problem)), default=str)),
    }


def base_config(problem: Problem) -> sim.Config:
    """The problem's configuration before any searched parameter is set."""
    return sim.compose(problem.overrides({}))


def study_name(problem: Problem) -> str:
    """``cac-<scheme>-<digest>``: equal only for problems with the same objective."""
    text = json.dumps(settings_of(problem), sort_keys=True)
    return f"cac-{problem.scheme}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def study_for(
    problem: Problem, storage: Path, trials: int, floor_of_defaults: bool = False
) -> optuna.Study:
    """Create or resume the problem's SQLite-backed study and run the missing trials.

    Prints which study it is and, when it is resumed, how many trials it already had. With
    ``floor_of_defaults`` the study keeps its reach floor, the defaults' mean reach, for
    :func:`defaults_reach_in`.
    """
    storage.parent.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        study_name=study_name(problem),
        storage=f"sqlite:///{storage}",
        direction="minimize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=0),
    )
    # a resumed study's sampler starts from a seed of its own: with seed 0 again its first
    # random trials would repeat the study's first ones exactly
    study.sampler = optuna.samplers.TPESampler(seed=len(study.trials))
    done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if study.trials:
        others = len(study.trials) - done
        again = ", run again" if trials > done else ""  # --trials met: nothing runs
        failed = f" ({others} failed or interrupted{again})" if others else ""
        print(f"resuming study {study.study_name} in {storage}: {done} trials done{failed}")
    else:
        study.set_user_attr("settings", settings_of(problem))
        print(f"new study {study.study_name} in {storage}")
    if floor_of_defaults:  # before the trials: an interrupted study keeps it too
        study.set_user_attr(DEFAULTS_REACH, problem.reach_floor)
    if trials > done:
        study.optimize(
            lambda trial: objective(problem, trial),
            n_trials=trials - done,
            show_progress_bar=shows_progress(sys.stderr),  # a bar of trials on a terminal
        )
    return study


def parse_space(entries: list[str], scheme: str) -> Space:
    """``key=low:high`` or ``key=a|b|c`` entries, or the scheme's default search space.

    Raises:
        ConfigError: for an entry of another form, a key the scheme lacks (with the nearest
            key), a key given twice, low >= high, or a bound or choice the key does not allow.

    """
    defaults = scheme_defaults(scheme)
    if not entries:
        if scheme not in SPACES:
            raise ConfigError(
                f"--space is required for --scheme {scheme}, which has no default search "
                f"space: pass --space key=low:high (defaults exist for {', '.join(SPACES)})."
            )
        return SPACES[scheme]
    space: Space = {}
    for entry in entries:
        key, values = parse_entry(entry, scheme, defaults)
        if key in space:
            raise ConfigError(f"--space {entry}: {key} is given twice (one range per key)")
        space[key] = values
    return space


def scheme_defaults(scheme: str) -> dict[str, object]:
    """The scheme's keys (``referral.<field>``) and their default values.

    Raises:
        ConfigError: when there is no such scheme.

    """
    try:
        config = sim.compose([f"referral={scheme}"]).referral
    except ConfigError as error:
        message = " ".join(str(error).split())
        raise ConfigError(f"--scheme {scheme} is not allowed: {message}") from error
    return {f"referral.{f.name}": getattr(config, f.name) for f in dataclasses.fields(config)}


def parse_entry(entry: str, scheme: str, defaults: dict[str, object]) -> tuple:
    """One ``--space`` entry as ``(key, (low, high))`` or ``(key, [choices])``."""
    key, equals, values = entry.partition("=")
    if "|" in values:
        _check_key(entry, key, scheme, [k for k in defaults if k != "referral.name"])
        choices = values.split("|")
        for choice in choices:
            _check_value(entry, scheme, key, choice)
        return key, choices
    bounds = _bounds(values) if equals else None
    if bounds is None or not bounds[0] < bounds[1]:
        raise ConfigError(
            f"--space {entry} is not allowed: expected key=low:high with numbers low < high "
            "(e.g. referral.referrer_reward=0:30) or key=a|b|c for choices."
        )
    numeric = [k for k, v in defaults.items() if type(v) in (int, float)]
    _check_key(entry, key, scheme, numeric)
    if isinstance(defaults[key], int):
        bounds = _integer_bounds(entry, key, bounds)
    for bound in bounds:
        _check_value(entry, scheme, key, bound)
    return key, bounds


def _bounds(values: str) -> tuple[float, float] | None:
    """``(low, high)`` from ``"low:high"`` with finite numbers, else None."""
    parts = values.split(":")
    try:
        low, high = (float(part) for part in parts)
    except ValueError:
        return None
    return (low, high) if math.isfinite(low) and math.isfinite(high) else None


def _integer_bounds(entry: str, key: str, bounds: tuple[float, float]) -> tuple[int, int]:
    if not all(bound.is_integer() for bound in bounds):
        raise ConfigError(
            f"--space {entry} is not allowed: {key} takes whole numbers, so low and high "
            "must be whole numbers too."
        )
    return int(bounds[0]), int(bounds[1])


def _check_key(entry: str, key: str, scheme: str, allowed: list[str]) -> None:
    if key in allowed:
        return
    fields = {name.removeprefix("referral."): name for name in allowed}
    nearest = difflib.get_close_matches(key.removeprefix("referral."), list(fields), n=1)
    hint = f"Did you mean {fields[nearest[0]]}? " if nearest else ""
    raise ConfigError(
        f"--space {entry} is not allowed: {key!r} is not a key that referral={scheme} can "
        f"search this way. {hint}Allowed: {', '.join(allowed) or 'none'}."
    )


def _check_value(entry: str, scheme: str, key: str, value: object) -> None:
    # a discount's bound against the price is the market's business (within_price), not here
    priced = []
    if key.split(".")[-1] in DISCOUNT_KEYS:
        try:  # a choice is text; a non-number is refused by the compose below
            priced = [f"product.price={max(float(value), 1.0)}"]
        except ValueError:
            pass
    try:
        sim.compose([f"referral={scheme}", f"{key}={value}", *priced])
    except ConfigError as error:
        raise ConfigError(f"--space {entry}: {error}") from error


def within_price(space: Space, price: float) -> Space:
    """``space`` with each discount's range cut at the market's price (a larger one is refused).

    The default range of ``referee_discount`` (0-40 yuan) passes the price of a market under 40
    yuan (``+scenario=gen_z_2026`` was one, at 34.67 yuan, until its second refit of 4 Dec 2026
    put it at 51.91); the search then stops at the price, and says so.

    Raises:
        ConfigError: a discount's whole range lies above the price.

    """
    fitted = dict(space)
    for key, values in space.items():
        if key.split(".")[-1] not in DISCOUNT_KEYS:
            continue
        if isinstance(values, list):  # choices: each one must be a price the market allows
            above = [value for value in values if float(value) > price]
            if above:
                raise ConfigError(
                    f"--space {key}={'|'.join(values)}: {', '.join(above)} exceed the market's "
                    f"product.price={price:g}; a discount may not"
                )
            continue
        low, high = values
        if low >= price:
            raise ConfigError(
                f"--space {key}={low:g}:{high:g}: a discount may not exceed the market's "
                f"product.price={price:g}; search below it"
            )
        if high > price:
            fitted[key] = (low, float(price))
            print(f"{key}: searched over {low:g}:{price:g} (at most product.price={price:g})")
    return fitted


OWN_SETTINGS = {
    "network.n": "--n",
    "days": "--days",
    "budget.total": "--budget",
    "run.replicates": "--replicates and --check-replicates",
    "seed": "none: the search runs seed 0 and the final check seed 1000",
    "referral": "--scheme",
}
"""Settings the study sets itself, with the option that sets each."""


def market_of(given: list[str] | None) -> list[str]:
    """The market overrides: the viral ones (``given`` replaces any of their keys) and ``given``.

    ``None`` (no ``--market``) is the viral market; ``[]`` (``--market`` alone) drops it.
    """
    if given is None:
        return list(VIRAL_MARKET)
    if not given:
        return []
    keys = {_key_of(override) for override in given}
    return [o for o in VIRAL_MARKET if _key_of(o) not in keys] + given


def _key_of(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def check_market(market: list[str]) -> None:
    """Refuse market overrides of settings the study sets itself (they were silently lost).

    Raises:
        ConfigError: naming the setting and the option to use instead.

    """
    for override in market:
        key = _key_of(override)
        if key in OWN_SETTINGS:
            raise ConfigError(
                f"--market {override}: the study sets {key} itself (use {OWN_SETTINGS[key]})"
            )


def reach_floor(
    given: float | None, problem: Problem, defaults: dict, storage: Path | None = None
) -> float:
    """The given reach floor (0 included), or else the defaults' mean reach.

    The defaults run unless a study of ``problem`` in ``storage`` ran them already
    (:func:`defaults_reach_in`); until 4 Dec 2026 a resumed study ran them again each time.
    """
    if given is not None:
        return given
    if storage is not None and (found := defaults_reach_in(storage, problem)) is not None:
        print(f"reach floor: the defaults' mean reach, as the study in {storage} ran them")
        return found
    print(f"reach floor: running the defaults on {problem.replicates} replicates", flush=True)
    return float(problem.evaluate(defaults)["customers"].mean())


DEFAULTS_REACH = "defaults_reach"
"""A study's user attribute: its reach floor, the defaults' mean reach (none when given)."""


def defaults_reach_in(storage: Path, problem: Problem) -> float | None:
    """The defaults' mean reach a study of ``problem`` in ``storage`` took for its floor, if any.

    A study's name covers every setting and the floor, so a study named for ``problem`` with
    that floor ran the same defaults on the same replicates and engine.
    """
    for study in optuna.get_all_study_summaries(f"sqlite:///{storage}", include_best_trial=False):
        floor = study.user_attrs.get(DEFAULTS_REACH)
        same = dataclasses.replace(problem, reach_floor=floor)
        if floor is not None and study.study_name == study_name(same):
            return floor
    return None


def main(argv: list[str] | None = None) -> None:
    """Search, then compare the best feasible parameters with the defaults on fresh replicates.

    Exits with code 2 and one paragraph on stderr for a bad scheme or ``--space``.
    """
    try:
        run(argv)
    except ConfigError as error:
        print(f"optimise: {error}", file=sys.stderr)  # as run_script says it for the others
        sys.exit(EXIT_BAD_INPUT)


def finite_number(text: str) -> float:
    """An ``argparse`` type: a finite number, 0 or more (``nan``, ``inf`` and ``-5`` are refused).

    A budget or a reach floor below 0 reached the model, whose refusal named ``budget.total``
    rather than the option given.
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is below 0")
    return value


def argument_parser() -> argparse.ArgumentParser:
    """The command line of the study (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scheme", default="two_sided", help="the referral scheme searched (default: %(default)s)"
    )
    parser.add_argument(
        "--space",
        action="append",
        default=[],
        help="key=low:high or key=a|b|c (repeat; default: the scheme's own space, in SPACES)",
    )
    parser.add_argument(
        "--n", type=at_least(2), default=3000, help="consumers (default: %(default)s)"
    )
    parser.add_argument(
        "--days", type=at_least(1), default=60, help="days a run lasts (default: %(default)s)"
    )
    parser.add_argument(
        "--market",
        nargs="*",
        help="overrides added to the viral market (one of its keys given here replaces it); "
        "--market alone: none of the viral overrides",
    )
    parser.add_argument(
        "--budget",
        type=finite_number,
        default=20000.0,
        help="budget.total (yuan; default: %(default)g)",
    )
    parser.add_argument(
        "--reach-floor", type=finite_number, help="default: the defaults' mean reach"
    )
    parser.add_argument(
        "--replicates", type=at_least(1), default=40, help="per trial (default: %(default)s)"
    )
    parser.add_argument(
        "--check-replicates",
        type=at_least(2),
        default=200,
        help="final comparison (at least 2: its 95%% CIs need them; default: %(default)s)",
    )
    parser.add_argument(
        "--trials",
        type=at_least(1),
        default=30,
        help="completed trials in all: a resumed study runs only those it lacks (default: "
        "%(default)s)",
    )
    parser.add_argument(
        "--storage",
        type=Path,
        default=Path("outputs/optimise/optuna.db"),
        help="SQLite file of the trials, resumed when run again (default: %(default)s)",
    )
    return parser


def run(argv: list[str] | None = None) -> None:
    """Parse the arguments, search, and compare the best setting with the defaults."""
    arguments = argument_parser().parse_args(argv)
    arguments.market = market_of(arguments.market)
    check_market(arguments.market)
    if arguments.reach_floor is not None and arguments.reach_floor > arguments.n:
        raise ConfigError(
            f"--reach-floor {arguments.reach_floor:g} is more than the market's {arguments.n:,} "
            "consumers (--n): no trial could meet it"
        )
    check_storage(arguments.storage)  # before the reach floor's runs, not after them
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # Ctrl-C is one line (run_script): not Optuna's "Trial 0 failed" with a traceback first
    trials_log = logging.getLogger("optuna.study._optimize")
    for quiet in [f for f in trials_log.filters if isinstance(f, _QuietInterruption)]:
        trials_log.removeFilter(quiet)  # one per process, fresh for each study
    trials_log.addFilter(_QuietInterruption())
    logging.getLogger("MESA").setLevel(logging.WARNING)
    market = [f"network.n={arguments.n}", f"days={arguments.days}", *arguments.market]
    problem = Problem(
        arguments.scheme,
        parse_space(arguments.space, arguments.scheme),
        market,
        arguments.replicates,
        arguments.budget,
    )
    problem.space = within_price(problem.space, base_config(problem).product.price)
    defaults = defaults_of(problem)
    problem.reach_floor = reach_floor(arguments.reach_floor, problem, defaults, arguments.storage)
    of_defaults = arguments.reach_floor is None
    study = study_for(problem, arguments.storage, arguments.trials, of_defaults)
    best = best_feasible(study)
    found = [
        f"study: {study.study_name} in {arguments.storage} ({len(study.trials)} trials)",
        f"market: {' '.join(market)}",
        f"reach floor: {problem.reach_floor:,.1f} customers; budget {arguments.budget:,.0f}",
        f"best trial #{best.number}: {_rounded(best.params)} (search CAC {best.value:,.2f})",
    ]
    print("\n".join(found))
    checked = compare_with_defaults(problem, defaults, best.params, arguments.check_replicates)
    print(checked)
    text = "\n".join([*found, checked]) + "\n"
    print(f"wrote {write_text_atomic(text, arguments.storage.parent / f'{study.study_name}.txt')}")


def check_storage(path: Path) -> None:
    """Refuse a ``--storage`` that cannot hold the study, before any run.

    A folder, a file under a file, a file that is not an SQLite database (``results.csv`` given
    by mistake) or a place SQLite cannot create a file in stops here; the last two ended in
    SQLAlchemy's traceback after the reach floor's runs. A new file is made, as the study would.

    Raises:
        ConfigError: naming ``--storage``, the path and what is wrong with it.

    """
    if path.is_dir():
        raise ConfigError(f"--storage {path} is a folder: give a file such as {path / 'optuna.db'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"--storage {path}: cannot make its folder ({error.strerror})") from None
    try:
        optuna.storages.RDBStorage(f"sqlite:///{path}").remove_session()
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise ConfigError(
            f"--storage {path} cannot hold the study ({reason}): give a new file in a folder "
            "you can write, or the SQLite file of an earlier study to resume it"
        ) from None


class _QuietInterruption(logging.Filter):
    """Drops Optuna's two warnings on a trial stopped by Ctrl-C: ``run_script`` says it once."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupted = False

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and issubclass(record.exc_info[0], KeyboardInterrupt):
            self.interrupted = True  # "Trial 0 failed ... KeyboardInterrupt()" and its traceback
            return False
        return not (self.interrupted and "failed with value" in record.getMessage())


def compare_with_defaults(problem: Problem, defaults: dict, best: dict, replicates: int) -> str:
    """The defaults and the best setting on fresh replicates, and their paired differences.

    The text is returned to be printed and saved beside the study (until 3 Dec 2026 it was only
    printed: the longest part of a run, lost with the terminal).
    """
    print(f"checking the defaults and the best on {replicates} fresh replicates each", flush=True)
    at_default = problem.evaluate(defaults, CHECK_SEED, replicates)
    at_best = problem.evaluate(best, CHECK_SEED, replicates)
    table = pd.DataFrame(
        [
            summary(f"default {_rounded(defaults)}", at_default),
            summary(f"best {_rounded(best)}", at_best),
        ]
    )
    parts = list(POOLED["cac"])  # the pooled CACs' difference, paired by replicate
    best_parts, default_parts = (m.set_index("replicate")[parts] for m in (at_best, at_default))
    cac = pooled_difference_interval(best_parts, default_parts)
    reach = mean_interval(at_best["customers"] - at_default["customers"])
    return "\n".join(
        [
            f"\nOn {replicates} fresh replicates (seed={CHECK_SEED}), mean [95% CI], CAC pooled:",
            table.to_string(index=False),
            f"paired CAC difference, best - default: {_interval(cac)}",
            f"paired reach difference, best - default: {_interval(reach)}",
            floor_verdict(at_best["customers"], problem.reach_floor),
        ]
    )


def _interval(estimate: tuple) -> str:
    """``mean [low, high]`` of an estimate's first three figures, two decimals."""
    mean, low, high = estimate[:3]
    return f"{mean:,.2f} [{low:,.2f}, {high:,.2f}]"


def floor_verdict(reach: pd.Series, floor: float) -> str:
    """Whether the best setting's mean reach on fresh replicates clears the search's floor.

    The search picked the best of many trials on the same replicates, so its reach can sit just
    above the floor by luck: only the fresh replicates' interval says whether it holds.
    """
    mean, low, high, _ = mean_interval(reach, support=support_of("customers"))
    interval = f"best's reach {mean:,.2f} [{low:,.2f}, {high:,.2f}]"
    if low >= floor:
        return f"reach floor {floor:,.1f}: met on fresh replicates ({interval})"
    if high < floor:
        return f"reach floor {floor:,.1f}: missed on fresh replicates ({interval})"
    return (
        f"reach floor {floor:,.1f}: undecided on fresh replicates ({interval} reaches both "
        "sides; more --check-replicates may tell)"
    )


def _rounded(parameters: dict) -> dict:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in parameters.items()}


if __name__ == "__main__":
    run_script(main, resumes=True)

"""Fit the ``gen_z_2026`` scenario to the "target" figures of ``shared/SEED_FACTS.md``.

Each fitted parameter is paired with the target it mainly drives (table ``FITTED``); a damped
fixed-point iteration in log space moves every parameter by the ratio of its target to the
simulated value, all at once, on the same replicates each round (common random numbers, so the
iteration does not chase noise), until four rounds have every fitted target within 8%, and
averages those rounds (geometric mean). The fitted values are written to
``conf/scenario/gen_z_2026.yaml`` (each commented with its target; a fit without four settled
rounds leaves that file alone, writes ``gen_z_2026.unsettled.yaml`` into ``--out`` and exits
1), then every target is re-measured on fresh replicates (seed 2026) through the scenario
file itself and reported with its 95% CI in ``reports/calibration.md`` (and
``calibration.csv``/``.parquet``)::

    python -m experiments.calibrate                 # about 2.5 minutes on 2 cores
    python -m experiments.calibrate --replicates 20 --check-replicates 50   # a quicker fit

Targets are measured on four campaigns (``CAMPAIGNS``): an ads campaign without referral
offer, a light KOC-note campaign, the same ads with group buying (the "group fission" of F4),
and the reference campaign of fact C6 (its 40/35/25 budget split, ``seeding=mixed``, with
two-sided referral rewards as the incentives, recruiting as many KOCs as its KOC budget affords
and hiring all 10 KOLs of the market, whose fees leave most of the KOL share unspent).
Interrupted runs resume from ``reports/.cache/calibration``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.arguments import at_least, output_folder, run_script
from experiments.calibration_targets import (
    CAMPAIGNS,
    FITTED,
    SET,
    SETTLED,
    SETTLED_ROUNDS,
    TARGETS,
    Fitted,
)
from experiments.replicates import Results, Spec, fmt, interval, run_specs
from sim.configure import conf_dir
from sim.storage import write_parquet_atomic, write_text_atomic

SCENARIO = "gen_z_2026"
KOL_PER_KOC = 38 / 52  # fact F1: KOL 38% vs circle KOCs 52% of purchase-decision weight
CHECK_SEED = 2026
MAX = math.log(2)  # at most a doubling or halving per round: the targets interact


@dataclass
class Round:
    """One iteration: the parameters tried and what they gave."""

    parameters: dict[str, float]
    measured: dict[str, float]

    def distance(self) -> float:
        """Largest log distance of a fitted target from its aim."""
        return max(abs(f.log_gap(self.measured)) for f in FITTED)


@dataclass
class Tally:
    """Configurations a calibration used, and how many of them it ran rather than read back."""

    used: int = 0
    computed: int = 0

    def run(self, specs: list[Spec], cache: Path) -> Results:
        """:func:`run_specs`, counting the configurations and those computed now."""
        results = run_specs(specs, cache)
        self.used += len({spec.name for spec in specs})
        self.computed += results.computed
        return results


TALLY = Tally()
"""This process's count: the page says how much of a resumed calibration came from the cache
(until 4 Dec 2026 a run that read every configuration back read "0.0 minutes in all")."""


def scenario_values(parameters: dict[str, float]) -> dict[str, float]:
    """Every value the scenario sets: fitted, tied (the KOL rate) and set ones."""
    tied = {"conversion.kol": parameters["conversion.koc"] * KOL_PER_KOC}
    return {**parameters, **tied, **SET}


def overrides_of(parameters: dict[str, float]) -> list[str]:
    """Hydra overrides setting the scenario's values."""
    return [f"{key}={value:.6g}" for key, value in scenario_values(parameters).items()]


def specs_for(market: list[str], replicates: int, seed: int, tag: str) -> list[Spec]:
    """One spec per campaign on the given market."""
    return [
        Spec(f"{tag}-{name}", (*market, *campaign), replicates, seed)
        for name, campaign in CAMPAIGNS.items()
    ]


def measure_targets(results: Results, tag: str) -> dict[str, pd.Series]:
    """Per-replicate values of every target's quantity."""
    return {
        target.id: results.rows[f"{tag}-{target.campaign}"][target.column]
        for target in TARGETS
        if target.column
    }


def fit_round(parameters: dict[str, float], replicates: int, cache: Path, index: int) -> Round:
    """Run the campaigns at these parameters; mean of each target's quantity."""
    tag = f"fit{index:02d}"
    results = TALLY.run(specs_for(overrides_of(parameters), replicates, 0, tag), cache)
    values = measure_targets(results, tag)
    return Round(dict(parameters), {key: float(v.mean()) for key, v in values.items()})


def next_parameters(history: list[Round]) -> dict[str, float]:
    """Move each parameter by the ratio of its target's aim to the simulated value."""
    last = history[-1]
    updated = {}
    for fitted in FITTED:
        step = np.clip(fitted.log_step(last.measured, elasticity(history, fitted)), -MAX, MAX)
        value = last.parameters[fitted.key] * math.exp(step)
        updated[fitted.key] = float(np.clip(value, *fitted.bounds))
    return updated


def elasticity(history: list[Round], fitted: Fitted) -> float:
    """Elasticity of the target in the parameter: last two rounds' secant, else the prior."""
    if len(history) < 2:
        return fitted.elasticity
    a, b = history[-2], history[-1]
    moved = math.log(b.parameters[fitted.key] / a.parameters[fitted.key])
    if abs(moved) < 0.05:
        return fitted.elasticity
    before, after = fitted.value(a.measured), fitted.value(b.measured)
    if before <= 0 or after <= 0:  # nothing measured in one of them: no secant to take
        return fitted.elasticity
    slope = math.log(after / before) / moved
    if slope * fitted.elasticity <= 0:  # noise or interaction: keep the prior's direction
        return fitted.elasticity
    return float(np.clip(slope, *sorted((fitted.elasticity / 4, fitted.elasticity * 4))))


def fit(replicates: int, rounds: int, cache: Path) -> list[Round]:
    """Iterate from the defaults until ``SETTLED_ROUNDS`` rounds have settled."""
    parameters = {f.key: f.start for f in FITTED}
    history: list[Round] = []
    for index in range(rounds):
        history.append(fit_round(parameters, replicates, cache, index))
        measured = {f.target: round(f.value(history[-1].measured), 4) for f in FITTED}
        print(f"round {index}: distance {history[-1].distance():.3f} {_rounded(parameters)}")
        print(f"  measured {measured}")
        if len(settled(history)) >= SETTLED_ROUNDS:
            break
        parameters = next_parameters(history)
    return history


def settled(history: list[Round]) -> list[Round]:
    """The rounds whose every fitted target is within ``SETTLED`` of its aim."""
    return [r for r in history if r.distance() < SETTLED]


def fitted_parameters(history: list[Round]) -> dict[str, float]:
    """Geometric mean of the settled rounds' parameters (the closest round if none settled).

    Once settled, rounds scatter around the solution by replicate noise; their mean is
    steadier than any one of them.
    """
    rounds = settled(history) or [min(history, key=Round.distance)]
    return {
        f.key: float(np.exp(np.mean([math.log(r.parameters[f.key]) for r in rounds])))
        for f in FITTED
    }


def write_scenario(
    history: list[Round], parameters: dict[str, float], replicates: int, out: Path
) -> Path:
    """Write the scenario file where the model reads it, only if the fit settled.

    An unsettled fit (too few rounds or replicates) would replace a good calibration with a
    poor one that every ``+scenario`` run and the claims report then use: its values go to
    ``out`` instead, and the path returned shows which happened. A settled fit keeps the file it
    replaces in ``out`` (:func:`keep_replaced`).
    """
    text = scenario_yaml(parameters, replicates)
    if has_settled(history):
        scenario = conf_dir() / "scenario" / f"{SCENARIO}.yaml"
        keep_replaced(scenario, text, out)
        return write_text_atomic(text, scenario)
    return write_text_atomic(text, out / f"{SCENARIO}.unsettled.yaml")


def keep_replaced(scenario: Path, text: str, out: Path) -> Path | None:
    """Copy ``scenario`` into ``out`` before ``text`` replaces it, saying where; None if unchanged.

    A quicker fit (``--replicates 20``) replaced the calibrated values with no copy but git's,
    which an installed package lacks (until 3 Dec 2026). Each copy is named by the time it was
    replaced (``gen_z_2026.replaced-20261203-221500.yaml``), so a second fit keeps the first's.
    """
    if not scenario.is_file() or scenario.read_text(encoding="utf-8") == text:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = write_text_atomic(
        scenario.read_text(encoding="utf-8"), out / f"{SCENARIO}.replaced-{stamp}.yaml"
    )
    print(f"kept the scenario this fit replaces in {kept}")
    return kept


def has_settled(history: list[Round]) -> bool:
    """Whether ``SETTLED_ROUNDS`` rounds settled, as the iteration requires to stop."""
    return len(settled(history)) >= SETTLED_ROUNDS


def scenario_yaml(parameters: dict[str, float], replicates: int) -> str:
    """The scenario file: the fitted values, each commented with the target it serves."""
    values = scenario_values(parameters)
    notes = {f.key: f.comment for f in FITTED}
    notes["conversion.kol"] = "F1: KOL 38 / KOC 52 of the KOC rate (tied, not fitted)"
    notes["influencers.koc_share"] = "set: KOCs enough to spend the KOC budget (F2)"
    lines = [
        "# @package _global_",
        "# Gen-Z social commerce, 2026: the default market fitted to the 'target' figures of",
        "# shared/SEED_FACTS.md by `python -m experiments.calibrate` (do not edit by hand:",
        f"# re-run it). Fitted on {replicates} replicates per campaign and round; checked on",
        "# fresh replicates in reports/calibration.md.",
        "#   referral-sim +scenario=gen_z_2026 referral=two_sided",
        "# Only market keys are set, so every scheme and network option combines with it. Fact",
        "# C6's reference campaign, which the fit targets, also asks for every KOC and KOL:",
        "#   referral-sim +scenario=gen_z_2026 seeding=mixed referral=two_sided \\",
        "#       seeding.koc.recruits=1000 seeding.kol.hired=10",
    ]
    for section in ("conversion", "population", "product", "influencers"):
        keys = sorted(k for k in values if k.startswith(section + "."))
        if keys:
            lines.append(f"{section}:")
            for key in keys:
                entry = f"  {key.split('.', 1)[1]}: {_round(values[key])}"
                lines.append(f"{entry:<36}# {notes[key]}")
    return "\n".join(lines) + "\n"


def _round(value: float) -> float:
    return float(f"{value:.4g}")


def _rounded(parameters: dict[str, float]) -> dict[str, float]:
    return {key.split(".")[-1]: _round(value) for key, value in parameters.items()}


def check_table(values: dict[str, pd.Series]) -> pd.DataFrame:
    """One row per target: mapping, band, simulated mean and CI, verdict."""
    rows = []
    for target in TARGETS:
        mean, low, high = interval(values[target.id]) if target.column else (np.nan,) * 3
        rows.append(target.row(mean, low, high))
    return pd.DataFrame(rows)


def decision_by_size(sizes: dict[int, int], cache: Path) -> pd.DataFrame:
    """F8 diagnostic: share deciding within 3 days in the reference campaign, by market size."""
    specs = [
        Spec(
            f"f8-n{n}",
            (f"+scenario={SCENARIO}", f"network.n={n}", *CAMPAIGNS["reference"]),
            replicates,
            CHECK_SEED,
        )
        for n, replicates in sizes.items()
    ]
    results = TALLY.run(specs, cache)
    rows = []
    for spec in specs:
        frame = results.rows[spec.name]
        impressions = frame["spend_ads"] / 30 * 1000 / int(spec.overrides[1].split("=")[1])
        rows.append(
            {
                "consumers": f"{int(spec.overrides[1].split('=')[1]):,}",
                "replicates": spec.replicates,
                "ad impressions per consumer": f"{impressions.mean():.2f}",
                "decided within 3 days": fmt(*interval(frame["decided_within_window"]), ".1%"),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog=f"A settled fit rewrites conf/scenario/{SCENARIO}.yaml (the scenario every "
        "+scenario run reads), whatever --out says, and keeps the file it replaces in --out "
        f"({SCENARIO}.replaced-<time>.yaml); --out takes the report, the fit's history and an "
        "unsettled fit's values.",
    )
    parser.add_argument("--replicates", type=at_least(1), default=40, help="per campaign and round")
    parser.add_argument(
        "--rounds",
        type=at_least(1),
        default=15,
        help=f"at most; the fit needs {SETTLED_ROUNDS} settled rounds, so fewer never settle",
    )
    parser.add_argument("--check-replicates", type=at_least(1), default=200, help="final check")
    parser.add_argument("--out", type=output_folder, help="default: reports")
    arguments = parser.parse_args()
    arguments.out = arguments.out or output_folder("reports")
    started = time.perf_counter()
    cache = arguments.out / ".cache" / "calibration"
    TALLY.used = TALLY.computed = 0  # this calibration's count only

    history = fit(arguments.replicates, arguments.rounds, cache)
    parameters = fitted_parameters(history)
    path = write_scenario(history, parameters, arguments.replicates, arguments.out)
    if not has_settled(history):
        sys.exit(
            f"calibrate: the fit did not settle: {len(settled(history))} of {len(history)} rounds "
            f"had every target within {math.expm1(SETTLED):.0%} (closest: "
            f"{math.expm1(min(r.distance() for r in history)):.0%}), {SETTLED_ROUNDS} are "
            f"needed, so conf/scenario/{SCENARIO}.yaml is left as it was. The values fitted so "
            f"far are in {path}. Run with more --rounds or --replicates."
        )
    print(f"wrote {path}")

    market = [f"+scenario={SCENARIO}"]
    specs = specs_for(market, arguments.check_replicates, CHECK_SEED, "check")
    table = check_table(measure_targets(TALLY.run(specs, cache), "check"))
    f8 = decision_by_size({10_000: 20, 100_000: 10, 1_000_000: 2}, cache)
    seconds = time.perf_counter() - started
    configurations = (TALLY.used, TALLY.computed)
    write_outputs(table, history, parameters, f8, arguments, seconds, configurations)


def write_outputs(
    table, history, parameters, f8, arguments, seconds: float, configurations: tuple[int, int]
) -> None:
    """The Markdown report, and the table as CSV and Parquet."""
    from experiments.calibration_report import markdown

    out = arguments.out
    write_parquet_atomic(table, out / "calibration.parquet")
    write_text_atomic(table.to_csv(index=False), out / "calibration.csv")
    text = markdown(table, history, parameters, f8, arguments, seconds, configurations)
    write_text_atomic(text, out / "calibration.md")
    print(table[["id", "target", "simulated", "met"]].to_string(index=False))
    print(f"wrote {out / 'calibration.md'} in {seconds:.0f} s")


if __name__ == "__main__":
    run_script(main, resumes=True)

"""Which parameters drive CAC and reach? A Sobol variance decomposition with SALib.

Saltelli sampling of the main parameters (word of mouth, conversion, rewards, ad budget, price
sensitivity) over the ranges below; each sample runs the same replicates (common random
numbers: the same networks and consumers, though the daily draws part as soon as the
parameters differ); Sobol first-order (S1) and total-order (ST) indices of CAC (pooled over
a sample's replicates, as the report takes it) and mean reach with the half-widths of their
95% confidence intervals (``S1_conf``, ``ST_conf``).
Replicate noise stays in the outputs and adds to every index: about 0.02-0.06 to each ST of
CAC at the default 2 replicates (``--replicates`` shrinks it), none of it in the intervals::

    python experiments/sensitivity.py                     # 2^7 base samples, n=2,000, 60 days
    python experiments/sensitivity.py --samples 512 --n 10000 --days 90 --jobs 2

Writes ``sobol.csv`` (indices), ``samples.csv`` (inputs and outputs) and ``sobol.png`` into
``--out``; each finished sample is cached in ``--out/.cache/sensitivity`` as it completes, so an
interrupted study resumes where it stopped. Needs the ``studies`` extra:
``pip install -e '.[studies]'``.
"""

from __future__ import annotations

import argparse
import logging
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

import sim
from experiments.arguments import (
    at_least,
    output_folder,
    power_of_two,
    run_script,
    worker_count,
)
from experiments.replicates import Spec, run_specs
from sim.charts import save_figure
from sim.storage import write_text_atomic
from sim.summary import level_interval

# name: (low, high); the two-sided scheme's defaults sit inside every range.
PARAMETERS = {
    "share.after_purchase": (0.1, 0.6),
    "share.fanout": (0.1, 0.6),
    "conversion.peer": (0.01, 0.06),
    "referral.referrer_reward": (0.0, 40.0),
    "referral.referee_discount": (0.0, 40.0),
    "seeding.daily_budget": (200.0, 1200.0),
    "population.price_sensitivity": (0.0, 2.0),
}
OUTPUTS = ("cac", "customers")
ANALYSIS_SEED = 1  # SALib's bootstrap of the CIs; it reads 0 as "no seed" (`if seed:`)


def problem() -> dict:
    """SALib's problem description."""
    return {
        "num_vars": len(PARAMETERS),
        "names": list(PARAMETERS),
        "bounds": [list(bounds) for bounds in PARAMETERS.values()],
    }


def sample_specs(samples: np.ndarray, market: list[str], replicates: int) -> list[Spec]:
    """One cached configuration per sample, each on replicates ``0..replicates-1`` (seed 0)."""
    return [
        Spec(
            f"sample{index:05d}",
            (*market, *(f"{name}={value}" for name, value in zip(PARAMETERS, row, strict=True))),
            replicates,
        )
        for index, row in enumerate(samples)
    ]


def evaluate(specs: list[Spec], cache: Path, jobs: int, progress: bool = True) -> np.ndarray:
    """CAC and mean reach of every sample, one row each, in the order of ``specs``.

    CAC is pooled over the sample's replicates, all their spend over all their customers
    (:data:`sim.summary.POOLED`; until 3 Dec 2026 the mean of their own CACs).

    Each finished sample is written to ``cache`` as it completes and read back on a re-run, so
    an interrupted study keeps every sample it finished; a line says how many were (a resumed
    study said nothing, its bar counting fewer replicates than the samples announced).
    """
    logging.getLogger("MESA").setLevel(logging.WARNING)
    results = run_specs(specs, cache, jobs=jobs, progress=progress)
    if results.computed < len(specs):
        print(
            f"{len(specs) - results.computed} of {len(specs)} samples read from {cache}, "
            f"finished by an earlier run; {results.computed} run now"
        )
    return np.array(
        [[level_interval(results.rows[s.name], name)[0] for name in OUTPUTS] for s in specs]
    )


INDEX_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")


def indices(samples: np.ndarray, outputs: np.ndarray) -> pd.DataFrame:
    """S1 and ST with 95% CIs for every output, one row per (output, parameter)."""
    rows = []
    for column, name in enumerate(OUTPUTS):
        if np.ptp(outputs[:, column]) == 0:  # SALib would give every index 0: "nothing matters"
            warnings.warn(
                f"mean {name} is {outputs[0, column]:g} in every sample: with no variance to "
                "share, its Sobol indices are undefined (NaN in sobol.csv)",
                stacklevel=2,
            )
            result = {key: np.full(len(PARAMETERS), np.nan) for key in INDEX_COLUMNS}
        else:
            result = sobol_analyze.analyze(
                problem(), outputs[:, column], calc_second_order=False, seed=ANALYSIS_SEED
            )
        for position, parameter in enumerate(PARAMETERS):
            rows.append(
                {
                    "output": name,
                    "parameter": parameter,
                    "S1": result["S1"][position],
                    "S1_conf": result["S1_conf"][position],
                    "ST": result["ST"][position],
                    "ST_conf": result["ST_conf"][position],
                }
            )
    return pd.DataFrame(rows)


TOO_WIDE = 0.5
"""A 95% CI half-width past which an index (on a 0-1 scale) ranks nothing: half the scale."""


def width_note(table: pd.DataFrame, samples: int) -> str:
    """A line naming the widest 95% CI, with advice when it is too wide to rank anything.

    ``--samples 4`` printed a first-order index of 1.33 (an index is at most 1) with no word
    beyond its ``S1_conf`` column (until 3 Dec 2026); the widest interval is now named, and
    one wider than :data:`TOO_WIDE` says to take more samples.
    """
    widths = table.melt(["output", "parameter"], ["S1_conf", "ST_conf"]).dropna()
    if widths.empty:
        return "no index is defined: see the warnings above"
    widest = widths.loc[widths["value"].idxmax()]
    order = widest["variable"].removesuffix("_conf")
    line = (
        f"widest 95% CI: ±{widest['value']:.2f} ({order} of {widest['output']} for "
        f"{widest['parameter']})"
    )
    if widest["value"] <= TOO_WIDE:
        return line
    return (
        f"{line}: with intervals this wide the indices do not rank the parameters. Run with more "
        f"--samples (now {samples}; the widths shrink about as one over its square root)"
    )


def too_wide(table: pd.DataFrame) -> float | None:
    """The widest 95% CI half-width of ``table`` if wider than :data:`TOO_WIDE`, else None."""
    widest = table[["S1_conf", "ST_conf"]].max().max()
    return float(widest) if widest > TOO_WIDE else None


def plot(table: pd.DataFrame, path: Path) -> Path:
    """First- and total-order indices per parameter, one panel per output.

    Intervals too wide to rank anything (:func:`too_wide`) are said above the panels, as the
    printed table's last line says them (until 4 Dec 2026 only that line did).
    """
    figure, axes = plt.subplots(1, len(OUTPUTS), figsize=(11, 4.5), sharey=True)
    widest = too_wide(table)
    if widest is not None:
        figure.suptitle(
            f"95% CIs up to ±{widest:.2f} on a 0-1 scale: these indices do not rank the "
            "parameters (run with more --samples)",
            color="#b00020",
        )
    for axis, (name, rows) in zip(axes, table.groupby("output", sort=False), strict=True):
        positions = np.arange(len(rows))
        for offset, order in ((-0.2, "S1"), (0.2, "ST")):
            axis.barh(positions + offset, rows[order], 0.4, xerr=rows[f"{order}_conf"], label=order)
        axis.set_yticks(positions, rows["parameter"])
        axis.set(title=f"Sobol indices of mean {name}", xlabel="share of variance")
        axis.axvline(0, color="black", lw=0.5)
        axis.legend()
    return save_figure(figure, path)


def main() -> None:
    matplotlib.use("Agg")  # files only; set here: on import it would stop notebook plots
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--samples", type=power_of_two, default=128, help="base samples (a power of 2, at least 4)"
    )
    parser.add_argument("--n", type=at_least(2), default=2000, help="consumers")
    parser.add_argument("--days", type=at_least(1), default=60)
    parser.add_argument("--replicates", type=at_least(1), default=2, help="per sample")
    parser.add_argument(
        "--jobs", type=worker_count, default=-1, help="parallel processes (joblib; -1: all)"
    )
    parser.add_argument("--out", type=output_folder, help="default: outputs/sensitivity")
    arguments = parser.parse_args()

    market = ["referral=two_sided", f"network.n={arguments.n}", f"days={arguments.days}"]
    sim.compose(market)  # a market the model refuses stops here, before any sample runs
    arguments.out = arguments.out or output_folder("outputs/sensitivity")
    samples = sobol_sample.sample(problem(), arguments.samples, calc_second_order=False, seed=0)
    print(f"{len(samples)} samples x {arguments.replicates} replicates")
    specs = sample_specs(samples, market, arguments.replicates)
    outputs = evaluate(specs, arguments.out / ".cache" / "sensitivity", arguments.jobs)
    frame = pd.DataFrame(samples, columns=list(PARAMETERS)).assign(
        **{name: outputs[:, i] for i, name in enumerate(OUTPUTS)}
    )
    write_text_atomic(frame.to_csv(index=False), arguments.out / "samples.csv")
    table = indices(samples, outputs)
    write_text_atomic(table.to_csv(index=False), arguments.out / "sobol.csv")
    figure = plot(table, arguments.out / "sobol.png")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(width_note(table, arguments.samples))
    print(f"figure: {figure}")


if __name__ == "__main__":
    run_script(main, resumes=True)

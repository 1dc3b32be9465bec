"""Which parameters drive CAC and reach? A Sobol variance decomposition with SALib.

Saltelli sampling of the main parameters (word of mouth, conversion, rewards, ad budget, price
sensitivity) over the ranges below; each sample runs the same replicates (common random
numbers, so the indices measure the parameters, not network luck); Sobol first-order (S1) and
total-order (ST) indices of mean CAC and mean reach with their 95% confidence intervals::

    python experiments/sensitivity.py                     # 2^7 base samples, n=2,000, 60 days
    python experiments/sensitivity.py --samples 512 --n 10000 --days 90 --jobs 2

Writes ``sobol.csv`` (indices), ``samples.csv`` (inputs and outputs) and ``sobol.png`` into
``--out``. Needs the ``studies`` extra: ``pip install -e '.[studies]'``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample
from tqdm.auto import tqdm

import sim
from experiments.arguments import at_least, output_folder, run_script, worker_count
from sim.report import save_figure
from sim.storage import write_text_atomic

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


def evaluate(values: np.ndarray, market: list[str]) -> tuple[float, float]:
    """Mean CAC and mean reach over the replicates of one sample."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    overrides = [f"{name}={value}" for name, value in zip(PARAMETERS, values, strict=True)]
    metrics = sim.run(sim.compose([*market, *overrides]), progress=False).metrics
    return float(metrics["cac"].mean()), float(metrics["customers"].mean())


def indices(samples: np.ndarray, outputs: np.ndarray) -> pd.DataFrame:
    """S1 and ST with 95% CIs for every output, one row per (output, parameter)."""
    rows = []
    for column, name in enumerate(OUTPUTS):
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


def plot(table: pd.DataFrame, path: Path) -> Path:
    """First- and total-order indices per parameter, one panel per output."""
    figure, axes = plt.subplots(1, len(OUTPUTS), figsize=(11, 4.5), sharey=True)
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--samples", type=at_least(1), default=128, help="base samples (a power of 2)"
    )
    parser.add_argument("--n", type=at_least(2), default=2000, help="consumers")
    parser.add_argument("--days", type=at_least(1), default=60)
    parser.add_argument("--replicates", type=at_least(1), default=2, help="per sample")
    parser.add_argument(
        "--jobs", type=worker_count, default=-1, help="parallel processes (joblib; -1: all)"
    )
    parser.add_argument("--out", type=output_folder, default="outputs/sensitivity")
    arguments = parser.parse_args()

    market = [
        "referral=two_sided",
        f"network.n={arguments.n}",
        f"days={arguments.days}",
        f"run.replicates={arguments.replicates}",
    ]
    sim.compose(market)  # a market the model refuses stops here, before any sample runs
    samples = sobol_sample.sample(problem(), arguments.samples, calc_second_order=False, seed=0)
    runs = Parallel(n_jobs=arguments.jobs, return_as="generator")(
        delayed(evaluate)(row, market) for row in samples
    )
    label = f"{len(samples)} samples x {arguments.replicates} replicates"
    outputs = np.array(list(tqdm(runs, total=len(samples), desc=label, unit="sample")))
    frame = pd.DataFrame(samples, columns=list(PARAMETERS)).assign(
        **{name: outputs[:, i] for i, name in enumerate(OUTPUTS)}
    )
    write_text_atomic(frame.to_csv(index=False), arguments.out / "samples.csv")
    table = indices(samples, outputs)
    write_text_atomic(table.to_csv(index=False), arguments.out / "sobol.csv")
    figure = plot(table, arguments.out / "sobol.png")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"figure: {figure}")


if __name__ == "__main__":
    run_script(main, resumes=False)

"""Test the source documents' claims on the calibrated market and write the claims report.

Every claim marked "claim" in ``shared/SEED_FACTS.md`` (C1, C2, C3, F2, F6, F10, R1, R3, P3, P4,
P5) is turned into an experiment on the ``gen_z_2026`` scenario (``experiments/claims/``). All
their configurations run together on both cores with paired replicates (the same networks and
populations in every configuration); each finished configuration is written atomically to
``reports/.cache/claims`` and skipped when the script is run again. The report, written for a
strategist, is ``reports/seed_claims.md`` with PNG figures in ``reports/``::

    python -m experiments.seed_claims            # 60 replicates per configuration
    python -m experiments.seed_claims --quick    # 3 replicates on 2,000 consumers: a smoke test
                                                 # (into reports/quick/)
"""

from __future__ import annotations

import argparse
import logging
import time

import matplotlib

from experiments.arguments import at_least, output_folder, run_script, worker_count
from experiments.claims import CLAIMS, Claim, Finding, Setup
from experiments.claims.base import QUICK_REPLICATES, REPLICATES, SCENARIO
from experiments.claims_report import markdown
from experiments.replicates import run_specs
from sim.storage import write_text_atomic

QUICK_N = 2000


def setup_from(arguments: argparse.Namespace) -> Setup:
    """The market and run sizes for this invocation."""
    market = (SCENARIO, f"network.n={QUICK_N}") if arguments.quick else (SCENARIO,)
    replicates = arguments.replicates or (QUICK_REPLICATES if arguments.quick else REPLICATES)
    return Setup(market, replicates, arguments.seed, arguments.out, arguments.quick)


def run_claims(claims: list[Claim], setup: Setup, jobs: int, progress: bool = True):
    """Run every claim's configurations (cached) and analyse each claim."""
    specs = [spec for claim in claims for spec in claim.specs(setup)]
    folder = "claims-quick" if setup.quick else "claims"
    results = run_specs(specs, setup.out / ".cache" / folder, jobs=jobs, progress=progress)
    findings = {claim.id: claim.analyse(results, setup) for claim in claims}
    return findings, len({spec.name for spec in specs}), results.computed


def main(argv: list[str] | None = None) -> dict[str, Finding]:
    matplotlib.use("Agg")  # files only; set here: on import it would stop notebook plots
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 replicates, 2,000 consumers")
    parser.add_argument(
        "--replicates",
        type=at_least(2),
        help=f"per configuration, at least 2: the verdicts rest on 95%% CIs (default "
        f"{REPLICATES}; {QUICK_REPLICATES} quick)",
    )
    parser.add_argument(
        "--seed", type=at_least(0), default=0, help="master seed, the same in every configuration"
    )
    parser.add_argument(
        "--jobs", type=worker_count, default=-1, help="worker processes (-1: all cores)"
    )
    parser.add_argument(
        "--out",
        type=output_folder,
        help="default reports; with --quick reports/quick, never over the full report",
    )
    parser.add_argument("--no-progress", action="store_true")
    arguments = parser.parse_args(argv)
    default_out = "reports/quick" if arguments.quick else "reports"
    arguments.out = arguments.out or output_folder(default_out)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    started = time.perf_counter()
    setup = setup_from(arguments)
    findings, configurations, computed = run_claims(
        CLAIMS, setup, arguments.jobs, not arguments.no_progress
    )
    seconds = time.perf_counter() - started
    text = markdown(CLAIMS, findings, setup, (configurations, computed), seconds, arguments.quick)
    path = write_text_atomic(text, arguments.out / "seed_claims.md")
    for claim in CLAIMS:
        print(f"{claim.id:>4}: {findings[claim.id].verdict}")
    print(f"wrote {path} ({configurations} configurations in {seconds:.0f} s)")
    return findings


if __name__ == "__main__":
    run_script(main, resumes=True)

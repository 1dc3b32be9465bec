"""Benchmark the default scenario: build and simulation time and peak memory by population size.

Each size runs in a fresh subprocess (so peak RSS is its own) ``--repeats`` times; the table
shows medians. Usage::

    python experiments/benchmark.py                    # n = 10k, 100k, 1M
    python experiments/benchmark.py --sizes 10000 --repeats 5 --json docs/benchmark.json

Issue 5 extends this with peers (cynetdiff, EoN, NDlib, per-agent Mesa).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time

PROBE = """
import json, resource, sys, time
import sim
config = sim.compose(sys.argv[1:])
start = time.perf_counter()
model = sim.ReferralModel(config)
built = time.perf_counter()
model.run()
done = time.perf_counter()
print(json.dumps({"build_s": built - start, "simulate_s": done - built,
                  "customers": model.metrics()["customers"],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(overrides: list[str]) -> dict:
    """Run the probe once in a fresh interpreter and return its measurements."""
    output = subprocess.run(
        [sys.executable, "-c", PROBE, *overrides], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def throughput(n: int, seconds: float) -> float:
    """Replicates per second of the default scenario at size ``n`` in this process."""
    import sim

    config = sim.compose([f"network.n={n}"])
    sim.ReferralModel(config, 0).run()  # warm up imports and caches
    start, replicate = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        replicate += 1
        sim.ReferralModel(config, replicate).run()
    return replicate / (time.perf_counter() - start)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("overrides", nargs="*", help="extra config overrides")
    args = parser.parse_args()
    rows = []
    print(
        f"{'n':>10} {'build s':>9} {'simulate s':>11} {'total s':>9} {'peak MB':>9} "
        f"{'customers':>10}"
    )
    for n in args.sizes:
        runs = [measure([f"network.n={n}", *args.overrides]) for _ in range(args.repeats)]
        row = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        row["n"] = n
        rows.append(row)
        total = row["build_s"] + row["simulate_s"]
        print(
            f"{n:>10,} {row['build_s']:>9.3f} {row['simulate_s']:>11.3f} {total:>9.3f} "
            f"{row['peak_rss_mb']:>9.0f} {row['customers']:>10,.0f}"
        )
    rate = throughput(10_000, seconds=10)
    print(f"throughput at n=10,000 on one core: {rate:.1f} replicates/s")
    if args.json:
        machine = {"python": platform.python_version(), "machine": platform.machine()}
        with open(args.json, "w") as handle:
            json.dump(
                {"machine": machine, "rows": rows, "replicates_per_s_10k": rate}, handle, indent=2
            )


if __name__ == "__main__":
    main()

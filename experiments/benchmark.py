"""Performance benchmark: referral-sim against the tools researchers would otherwise use.

Sections (each prints a table; ``--json`` writes every row):

1. ``cascade``: the independent cascade on a small world (k=10, rewire 0.1, p=0.2, 10 seeds)
   in referral-sim, cynetdiff (from CSR arrays), EoN ``basic_discrete_SIR``, NDlib
   ``IndependentCascadesModel`` (n <= 100k) and a per-agent Mesa model (n <= 100k), both the
   straightforward one (every agent steps every generation) and a careful one (only the
   frontier steps); median time of ``--repeats`` runs, mean final size and its standard error,
   and each peer's time over ours. A bare numpy cascade (no marketing model) is timed too: the
   floor of a numpy engine, for reference.
2. ``build``: our small world against networkx ``connected_watts_strogatz_graph``: time and
   peak memory, each in a fresh process.
3. ``scenario``: the full scenario (KOC matrix, two-sided referral, points retention, 90 days):
   build, Mesa agents, simulation, peak memory, each size in a fresh process; the fitted
   exponent of time against n.
4. ``throughput``: default scenario replicates per second at n = 10,000 on one core (one over
   the median replicate time over a 10 s window; the mean rate too). ``--sizes`` and
   ``--repeats`` do not apply to it.
5. ``days``: how many days (generations) our IC cascade lasts at each size and what a day
   costs; at n = 1,000 a day carries a few hundred exposures, so its cost is the day's fixed
   cost (the Python and numpy calls of every phase), which bounds how fast a cascade can run.

Usage::

    python -m experiments.benchmark --json docs/benchmark.json          # everything
    python -m experiments.benchmark --sections cascade --sizes 10000 100000

Peers come with the ``bench`` extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

from experiments import peers
from experiments.arguments import at_least, output_file, run_script
from sim.network import generators
from sim.storage import write_text_atomic

CASCADE_P, SEEDS, DEGREE, REWIRE = 0.2, 10, 10, 0.1
SLOW_PEER_LIMIT = 100_000  # NDlib and per-agent Mesa take minutes beyond this
NETWORKX_LIMIT = 1_000_000  # EoN needs a networkx graph: 13 s and 1.3 GB to build at 1M
SLOW_PEER_REPEATS = 3  # their runs at 100k take 3-15 s each: a median of 3, not of --repeats
SLOW_PEERS = ("NDlib", "Mesa", "Mesa frontier")


def cascade(sizes: list[int], repeats: int) -> list[dict]:
    """Section 1: the independent cascade in every engine."""
    rows = []
    print(
        f"\n{'n':>10} {'engine':>13} {'median s':>10} {'x ours':>8} {'mean final size':>16} "
        f"{'SE':>6}"
    )
    for n in sizes:
        medians = {}
        for name, (runner, prepared) in cascade_engines(n).items():
            runs = min(repeats, SLOW_PEER_REPEATS) if name in SLOW_PEERS else repeats
            times, finals = time_cascades(runner, prepared, n, runs)
            medians[name] = statistics.median(times)
            row = {
                "section": "cascade",
                "n": n,
                "engine": name,
                "median_s": medians[name],
                "runs": runs,
                "mean_final_size": float(np.mean(finals)),
                "se_final_size": standard_error(finals),
                "ratio_to_ours": medians[name] / medians["ours"],
            }
            rows.append(row)
            print(
                f"{n:>10,} {name:>13} {medians[name]:>10.3f} {row['ratio_to_ours']:>8.1f} "
                f"{row['mean_final_size']:>16,.0f} {_or_dash(row['se_final_size']):>6}"
            )
        if "NDlib" in medians:
            print(
                f"{n:>10,} NDlib is {medians['NDlib'] / medians['bare numpy']:.1f}x the bare numpy "
                f"cascade, {medians['NDlib'] / medians['cynetdiff']:.1f}x cynetdiff"
            )
    return rows


def _or_dash(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def standard_error(values: list[int]) -> float | None:
    """The standard error of the mean of ``values`` (None for one value: no spread to tell).

    The benchmark's few runs per engine give means whose differences are mostly this noise
    (about 80 at 10k and 280 at 100k for 3 runs); a review's 50 runs per engine agreed within
    it (Welch's t-test of ours against cynetdiff: p = 0.92 at 10k, 0.47 at 100k).
    """
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else None


def cascade_engines(n: int) -> dict:
    """Each engine's runner and prepared graph at size ``n`` (ours first: ratios are to it)."""
    graph = generators.small_world(n, DEGREE, REWIRE, np.random.default_rng(n))
    nx_graph = graph.to_networkx() if n <= NETWORKX_LIMIT else None
    engines = {
        "ours": (peers.ours, graph),
        "bare numpy": (peers.bare_numpy_runner, graph),
        "cynetdiff": (peers.cynetdiff_runner, graph),
    }
    if nx_graph is not None:
        engines["EoN"] = (peers.eon_runner, nx_graph)
    else:
        print(f"{n:>10,} {'EoN':>13} skipped: above {NETWORKX_LIMIT:,} (a networkx graph)")
    if n <= SLOW_PEER_LIMIT:
        engines["NDlib"] = (peers.ndlib_runner, nx_graph)
        engines["Mesa"] = (peers.mesa_runner, nx_graph)
        engines["Mesa frontier"] = (peers.mesa_frontier_runner, nx_graph)
    return engines


def time_cascades(runner, prepared, n: int, runs: int) -> tuple[list[float], list[int]]:
    """Times and final sizes of ``runs`` cascades, seeds drawn afresh for each run.

    The peers start from the same seed ids; ours draws its own (``seeding.initial_customers``,
    uniformly at random from its stream), so its starts differ but follow the same law.
    """
    times, finals = [], []
    for repeat in range(runs):
        seeds = np.random.default_rng(repeat).choice(n, SEEDS, replace=False)
        elapsed, final = runner(prepared, seeds, CASCADE_P, repeat)
        times.append(elapsed)
        finals.append(final)
    return times, finals


MEMORY = """
def memory_mb(field):
    # VmHWM (peak) and VmRSS of this process; unlike ru_maxrss, VmHWM starts afresh at exec
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
"""

BUILD_PROBE = (
    MEMORY
    + """
import json, sys, time
import networkx as nx
import numpy as np
from sim.network import generators
n, which = int(sys.argv[1]), sys.argv[2]
before = memory_mb("VmRSS")
start = time.perf_counter()
if which == "ours":
    generators.small_world(n, 10, 0.1, np.random.default_rng(1))
else:
    nx.connected_watts_strogatz_graph(n, 10, 0.1, seed=1)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "peak_mb": memory_mb("VmHWM") - before}))
"""
)


def in_fresh_process(code: str, *arguments: str) -> dict:
    """Run ``code`` in a new interpreter and parse the JSON line it prints last.

    Raises:
        RuntimeError: the interpreter failed (out of memory at 10M, say), with its own last
            lines of standard error.

    """
    done = subprocess.run([sys.executable, "-c", code, *arguments], capture_output=True, text=True)
    if done.returncode != 0:  # negative: killed by a signal (the kernel's out-of-memory killer)
        how = f"exit {done.returncode}" if done.returncode > 0 else f"signal {-done.returncode}"
        said = "\n".join(done.stderr.strip().splitlines()[-5:]) or "(nothing on stderr)"
        raise RuntimeError(f"the probe run with {list(arguments)} failed ({how}):\n{said}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build(sizes: list[int], repeats: int) -> list[dict]:
    """Section 2: graph generation against networkx."""
    rows = []
    print(f"\n{'n':>10} {'ours s':>8} {'nx s':>8} {'x faster':>9} {'ours MB':>8} {'nx MB':>8}")
    for n in sizes:
        result = {}
        for which in ("ours", "networkx"):
            runs = [in_fresh_process(BUILD_PROBE, str(n), which) for _ in range(repeats)]
            result[which] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        row = {
            "section": "build",
            "n": n,
            "ours_s": result["ours"]["seconds"],
            "networkx_s": result["networkx"]["seconds"],
            "ours_peak_mb": result["ours"]["peak_mb"],
            "networkx_peak_mb": result["networkx"]["peak_mb"],
        }
        row["speedup"] = row["networkx_s"] / row["ours_s"]
        rows.append(row)
        print(
            f"{n:>10,} {row['ours_s']:>8.2f} {row['networkx_s']:>8.2f} {row['speedup']:>9.1f} "
            f"{row['ours_peak_mb']:>8.0f} {row['networkx_peak_mb']:>8.0f}"
        )
    return rows


SCENARIO = ["seeding=koc_matrix", "referral=two_sided", "retention=points", "days=90"]
RECRUITS_PER_CONSUMER = 1 / 500  # 20 KOCs at n = 10,000 (the default), the same share at any n
SCENARIO_PROBE = (
    MEMORY
    + """
import json, sys, time
import sim
config = sim.compose(sys.argv[2:])
agents = sys.argv[1] == "agents"
Model = sim.ReferralModel  # sim loads the model (and Mesa) on first use: not a build cost
start = time.perf_counter()
model = Model(config)
built = time.perf_counter()
count = len(model.agents) if agents else 0
made = time.perf_counter()
model.run()
done = time.perf_counter()
print(json.dumps({"build_s": built - start, "agents_s": made - built if agents else None,
                  "agents": count, "simulate_s": done - made,
                  "customers": model.metrics()["customers"], "peak_rss_mb": memory_mb("VmHWM")}))
"""
)


def scenario(sizes: list[int], repeats: int, agents_up_to: int) -> list[dict]:
    """Section 3: the full scenario by population size."""
    rows = []
    print(
        f"\n{'n':>11} {'build s':>8} {'simulate s':>11} {'engine s':>9} {'agents s':>9} "
        f"{'total s':>8} {'peak MB':>8} {'customers':>10}"
    )
    for n in sizes:
        mode = "agents" if n <= agents_up_to else "lazy"
        recruits = f"seeding.recruits={round(n * RECRUITS_PER_CONSUMER)}"
        runs = [
            in_fresh_process(SCENARIO_PROBE, mode, f"network.n={n}", recruits, *SCENARIO)
            for _ in range(repeats if n < 10_000_000 else 1)
        ]
        row = {"section": "scenario", "n": n, "runs": len(runs)}
        for key in ("build_s", "simulate_s", "peak_rss_mb", "customers"):
            row[key] = statistics.median(r[key] for r in runs)
        row["agents_s"] = (
            statistics.median(r["agents_s"] for r in runs) if mode == "agents" else None
        )
        row["engine_s"] = row["build_s"] + row["simulate_s"]
        row["total_s"] = row["engine_s"] + (row["agents_s"] or 0.0)
        rows.append(row)
        agents = "lazy" if row["agents_s"] is None else f"{row['agents_s']:.2f}"
        print(
            f"{n:>11,} {row['build_s']:>8.2f} {row['simulate_s']:>11.2f} "
            f"{row['engine_s']:>9.2f} {agents:>9} {row['total_s']:>8.2f} "
            f"{row['peak_rss_mb']:>8.0f} {row['customers']:>10,.0f}"
        )
    if len(rows) >= 2:
        sizes_ = np.log([r["n"] for r in rows])
        slope = np.polyfit(sizes_, np.log([r["engine_s"] for r in rows]), 1)[0]
        print(f"fitted exponent of engine time (build + simulate) in n: {slope:.2f}")
        rows.append({"section": "scenario_exponent", "exponent": float(slope)})
    return rows


def throughput(seconds: float = 10.0, n: int = 10_000) -> list[dict]:
    """Section 4: replicates per second of the default scenario on one core.

    Replicates run one after another for ``seconds``; each is timed, and the rate is one over
    the median replicate time (a busy spell on the machine moves it less than the mean rate,
    which is reported too).
    """
    import sim

    config = sim.compose([f"network.n={n}"])
    sim.ReferralModel(config, 0).run()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds:
        began = time.perf_counter()
        sim.ReferralModel(config, len(times) + 1).run()
        times.append(time.perf_counter() - began)
    rate, mean_rate = 1 / statistics.median(times), len(times) / sum(times)
    quartiles = 1 / np.percentile(times, [75, 25])
    print(
        f"\nthroughput, default scenario at n={n:,} on one core: {rate:.1f} replicates/s "
        f"(1 / median of {len(times)} replicates; quartiles {quartiles[0]:.1f}-"
        f"{quartiles[1]:.1f}; mean rate {mean_rate:.1f})"
    )
    row = {"section": "throughput", "n": n, "replicates_per_s": rate, "replicates": len(times)}
    row |= {"mean_rate": mean_rate, "quartile_rates": quartiles.tolist()}
    return [row]


def days(sizes: list[int], repeats: int) -> list[dict]:
    """Section 5: days an IC cascade lasts and the cost of one day, by size."""
    import sim

    rows = []
    print(f"\n{'n':>10} {'days':>6} {'ms per day':>11} {'cascade ms':>11}")
    for n in sizes:
        graph = generators.small_world(n, DEGREE, REWIRE, np.random.default_rng(n))
        runs = []
        for repeat in range(repeats):
            overrides = [*peers.INDEPENDENT_CASCADE, f"network.n={n}", f"seed={repeat}"]
            overrides += [f"conversion.peer={CASCADE_P}", f"seeding.initial_customers={SEEDS}"]
            model = sim.ReferralModel(sim.compose(overrides), graph=graph)
            start, steps = time.perf_counter(), 0
            while not model.is_settled():
                model.step()
                steps += 1
            runs.append((steps, time.perf_counter() - start))
        steps = statistics.median(r[0] for r in runs)
        per_day = statistics.median(r[1] / r[0] for r in runs)
        row = {"section": "days", "n": n, "days": steps, "ms_per_day": per_day * 1e3}
        row["cascade_ms"] = statistics.median(r[1] for r in runs) * 1e3
        rows.append(row)
        print(f"{n:>10,} {steps:>6.0f} {row['ms_per_day']:>11.3f} {row['cascade_ms']:>11.1f}")
    return rows


def main() -> None:
    """Run the chosen sections."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", choices=list(SECTIONS), default=list(SECTIONS))
    parser.add_argument(
        "--sizes",
        type=at_least(DEGREE + 1),
        nargs="+",
        help=f"override each section's sizes (at least {DEGREE + 1}: the small world's k + 1; "
        "not throughput's, which is n = 10,000)",
    )
    parser.add_argument("--repeats", type=at_least(1), default=3)
    parser.add_argument(
        "--agents-up-to",
        type=at_least(0),
        default=10_000_000,
        help="create Mesa agents in the scenario up to this n",
    )
    parser.add_argument(
        "--json",
        type=output_file,
        help="write all rows to this JSON file (rewritten after each section)",
    )
    args = parser.parse_args()
    rows = []
    for section in SECTIONS:
        if section in args.sections:
            rows += SECTIONS[section](args)
            if args.json:  # each finished section is kept if a later one fails
                write_rows(rows, args.json)


def write_rows(rows: list[dict], path: str) -> None:
    """All rows so far and the machine, as JSON, atomically."""
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor(),
    }
    write_text_atomic(json.dumps({"machine": machine, "rows": rows}, indent=2), path)


SECTIONS = {
    "cascade": lambda a: cascade(a.sizes or [10_000, 100_000, 1_000_000], a.repeats),
    "build": lambda a: build(a.sizes or [100_000, 1_000_000], a.repeats),
    "scenario": lambda a: scenario(
        a.sizes or [10_000, 100_000, 1_000_000, 10_000_000], a.repeats, a.agents_up_to
    ),
    "throughput": lambda a: throughput(),
    "days": lambda a: days(a.sizes or [1_000, 10_000, 100_000, 1_000_000], a.repeats),
}
"""Each section in the order it runs, from the parsed arguments to its rows."""


if __name__ == "__main__":
    run_script(
        main,
        resumes=False,
        note="Sections finished before are in the --json file, if one was given; "
        "the benchmark does not resume.",
    )

"""The experiment scripts' shared behaviour: where they write, and how they stop."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import sim
from experiments import arguments, benchmark, calibrate, calibration_report, peers, replicates
from experiments.calibration_targets import CAMPAIGNS, FITTED
from sim.network import generators
from sim.params import ConfigError


def test_an_unsettled_calibration_leaves_the_scenario_file_alone(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    (conf / "scenario").mkdir(parents=True)
    scenario = conf / "scenario" / f"{calibrate.SCENARIO}.yaml"
    scenario.write_text("# the good calibration\n")
    monkeypatch.setattr(calibrate, "conf_dir", lambda: conf)
    parameters = {f.key: 1.0 for f in FITTED}
    history = [calibrate.Round(parameters, {})] * calibrate.SETTLED_ROUNDS

    for settled_rounds in range(calibrate.SETTLED_ROUNDS):  # one lucky round is not a fit
        monkeypatch.setattr(calibrate, "settled", lambda h, k=settled_rounds: h[:k])
        path = calibrate.write_scenario(history, parameters, 1, tmp_path / "out")
        assert path == tmp_path / "out" / f"{calibrate.SCENARIO}.unsettled.yaml" and path.exists()
        assert scenario.read_text() == "# the good calibration\n"

    monkeypatch.setattr(calibrate, "settled", lambda history: history)
    assert calibrate.write_scenario(history, parameters, 1, tmp_path / "out") == scenario
    assert "Fitted on 1 replicates" in scenario.read_text()
    (kept,) = (tmp_path / "out").glob(f"{calibrate.SCENARIO}.replaced-*.yaml")
    assert kept.read_text() == "# the good calibration\n"  # replaced, not lost


def test_each_settled_fit_keeps_the_scenario_it_replaces_unless_unchanged(tmp_path, monkeypatch):
    scenario = tmp_path / "gen_z_2026.yaml"
    scenario.write_text("first\n")
    stamps = iter(["20261203-100000", "20261203-110000"])
    monkeypatch.setattr(calibrate.time, "strftime", lambda _: next(stamps))
    out = tmp_path / "out"
    assert calibrate.keep_replaced(scenario, "second\n", out).read_text() == "first\n"
    scenario.write_text("second\n")
    assert calibrate.keep_replaced(scenario, "third\n", out).read_text() == "second\n"
    assert calibrate.keep_replaced(scenario, "second\n", out) is None  # the same values
    assert sorted(p.name for p in out.iterdir()) == [
        "gen_z_2026.replaced-20261203-100000.yaml",
        "gen_z_2026.replaced-20261203-110000.yaml",
    ]


def test_an_output_folder_is_made_up_front_and_a_bad_one_refused(tmp_path):
    made = arguments.output_folder(str(tmp_path / "a" / "b"))
    assert made.is_dir()
    (tmp_path / "file").write_text("")
    with pytest.raises(argparse.ArgumentTypeError, match=r"cannot make folder .*file/x"):
        arguments.output_folder(str(tmp_path / "file" / "x"))


def test_sobol_samples_are_a_power_of_two():
    assert [arguments.power_of_two(t) for t in ("4", "64", "128")] == [4, 64, 128]
    with pytest.raises(argparse.ArgumentTypeError, match=r"100 is not a power of 2.*64 or 128"):
        arguments.power_of_two("100")
    for text in ("1", "2"):  # 1 gave indices with intervals of width 0
        with pytest.raises(argparse.ArgumentTypeError, match=f"{text} is .*4"):
            arguments.power_of_two(text)


@pytest.mark.parametrize(("text", "value"), [("-1", -1), ("2", 2), ("-2", -2)])
def test_worker_counts_are_joblib_counts_but_zero(text, value):
    assert arguments.worker_count(text) == value
    with pytest.raises(argparse.ArgumentTypeError, match="0 workers"):
        arguments.worker_count("0")


def raise_(error: BaseException):
    def main():
        raise error

    return main


@pytest.mark.parametrize(
    ("error", "status", "line"),
    [
        (KeyboardInterrupt(), 130, "interrupted. Finished work is kept: run the same command"),
        (ConfigError("seed=-1 is not allowed"), 2, "seed=-1 is not allowed"),
    ],
)
def test_a_script_stopped_or_refused_says_so_in_one_line(error, status, line, capsys):
    with pytest.raises(SystemExit) as stopped:
        arguments.run_script(raise_(error), resumes=True)
    assert stopped.value.code == status
    printed = capsys.readouterr().err
    assert line in printed and printed.count("\n") == 1


@pytest.mark.parametrize("folder", ["rows", "new/rows"])
def test_an_output_file_named_with_a_trailing_slash_is_refused_as_a_folder(folder, tmp_path):
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder: give a file name"):
        arguments.output_file(f"{tmp_path / folder}/")
    assert list(tmp_path.iterdir()) == []  # nothing made for it
    assert arguments.output_file(str(tmp_path / folder / "rows.json")).parent.is_dir()


def test_an_output_file_that_is_an_existing_folder_is_refused(tmp_path):
    (tmp_path / "rows").mkdir()
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder: give a file name"):
        arguments.output_file(str(tmp_path / "rows"))  # no slash: it would fail at the end


@pytest.mark.parametrize(
    ("script", "options", "message"),
    [
        ("benchmark", ["--sections", "cascades"], "invalid choice: 'cascades'"),
        ("benchmark", ["--sizes", "5"], "5 is too small"),
        ("benchmark", ["--agents-up-to", "-5"], "-5 is too small"),
        ("benchmark", ["--json", "/dev/null/rows.json"], "cannot write '/dev/null/rows.json'"),
        ("seed_claims", ["--jobs", "0"], "0 workers"),
        ("seed_claims", ["--seed", "99999999999999999999", "--quick"], "below 2**63"),
        # one replicate gave no interval: every claim "undecided", with nothing to show why
        ("seed_claims", ["--replicates", "1", "--quick"], "1 is too small: at least 2"),
        ("sensitivity", ["--n", "2", "--samples", "4"], "network.n=2 is not allowed"),
    ],
)
def test_experiment_scripts_refuse_bad_settings_in_one_line_before_work(
    script, options, message, tmp_path
):
    done = subprocess.run(
        [sys.executable, "-m", f"experiments.{script}", *options, "--out", str(tmp_path)]
        if script != "benchmark"
        else [sys.executable, "-m", f"experiments.{script}", *options],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_scripts_own_note_replaces_the_interrupted_line(capsys):
    with pytest.raises(SystemExit):
        arguments.run_script(raise_(KeyboardInterrupt()), resumes=False, note="Sections kept.")
    assert capsys.readouterr().err.endswith("interrupted. Sections kept.\n")


def test_importing_the_plotting_modules_leaves_a_notebooks_backend_alone():
    """Only the scripts' main() switches to Agg: on import it stopped a notebook's figures."""
    modules = [
        "sim.report",
        "sim.charts",
        "experiments.validation",
        "experiments.validation_report",
        "experiments.claims",
        "experiments.seed_claims",
        "experiments.sensitivity",
    ]
    code = (
        "import importlib, matplotlib; matplotlib.use('svg')\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(matplotlib.get_backend())"
    )
    env = {**os.environ, "MPLBACKEND": ""}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "svg"


def test_the_experiments_run_their_deliberately_overdrawn_koc_pool_without_a_warning_each():
    # the calibration's reference campaign asks for 1,000 KOCs of a pool of 500 on purpose;
    # a user's run still warns, the experiments' chunks (hundreds per report) do not
    config = sim.compose(["+scenario=gen_z_2026", *CAMPAIGNS["reference"], "days=5"])
    with pytest.warns(UserWarning, match="more than the KOC pool of 500"):
        sim.ReferralModel(config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # days=5 for speed leaves the ads' share out of their reach: that warning is not this one
        warnings.filterwarnings("ignore", message=r"seeding\.total x seeding\.ads_share")
        name, rows, _ = replicates._named_chunk("reference", config, [0])
    assert name == "reference" and len(rows) == 1


# ----- experiments.benchmark: the figures of docs/performance.md from the timings ------------
def scripted_runner(times: list[float], sizes: list[int], calls: list):
    """A benchmark runner that returns ``times[seed]`` and ``sizes[seed]`` and notes its call."""

    def runner(prepared, seeds, p, seed):
        calls.append((prepared, tuple(seeds), p, seed))
        return times[seed], sizes[seed]

    return runner


def test_the_cascade_section_reports_medians_their_ratio_to_ours_and_the_final_sizes(
    monkeypatch, capsys
):
    """Medians (not means) of the runs, each engine's median over ours, slow peers run 3 times."""
    ours_times = [1.0, 2.0, 3.0, 4.0, 10.0]  # median 3, mean 4
    engines_times = {
        "ours": ours_times,
        "bare numpy": [0.5, 0.5, 0.5, 0.5, 9.0],  # median 0.5
        "cynetdiff": [6.0, 6.0, 6.0, 6.0, 12.0],  # median 6: 2x ours
        "NDlib": [9.0, 3.0, 30.0, 100.0, 100.0],  # 3 runs: median 9, 3x ours
    }
    sizes = [10, 20, 30, 40, 50]
    calls = {name: [] for name in engines_times}
    engines = {
        name: (scripted_runner(times, sizes, calls[name]), name)
        for name, times in engines_times.items()
    }
    monkeypatch.setattr(benchmark, "cascade_engines", lambda n: engines)
    rows = {row["engine"]: row for row in benchmark.cascade([500], repeats=5)}

    assert {name: row["median_s"] for name, row in rows.items()} == {
        "ours": 3.0,
        "bare numpy": 0.5,
        "cynetdiff": 6.0,
        "NDlib": 9.0,
    }
    assert [rows[name]["ratio_to_ours"] for name in ("cynetdiff", "NDlib")] == [2.0, 3.0]
    assert rows["NDlib"]["runs"] == benchmark.SLOW_PEER_REPEATS == 3 and rows["ours"]["runs"] == 5
    assert rows["ours"]["mean_final_size"] == 30.0 and rows["NDlib"]["mean_final_size"] == 20.0
    # standard error of the mean: sample standard deviation (ddof 1) over the root of the runs
    assert rows["ours"]["se_final_size"] == pytest.approx(np.sqrt(250 / 5))
    assert rows["NDlib"]["se_final_size"] == pytest.approx(np.sqrt(100 / 3))
    assert "NDlib is 18.0x the bare numpy cascade, 1.5x cynetdiff" in capsys.readouterr().out


def test_the_cascade_engines_start_each_run_from_the_same_distinct_seeds(monkeypatch):
    """Run r of every engine gets the same SEEDS distinct ids, p = 0.2 and stream r."""
    calls = {name: [] for name in ("ours", "cynetdiff")}
    engines = {name: (scripted_runner([1.0] * 4, [1] * 4, calls[name]), name) for name in calls}
    monkeypatch.setattr(benchmark, "cascade_engines", lambda n: engines)
    benchmark.cascade([40], repeats=4)
    assert [call[1:] for call in calls["ours"]] == [call[1:] for call in calls["cynetdiff"]]
    assert [seed for *_, seed in calls["ours"]] == [0, 1, 2, 3]
    assert {p for _, _, p, _ in calls["ours"]} == {benchmark.CASCADE_P} == {0.2}
    seed_sets = [seeds for _, seeds, _, _ in calls["ours"]]
    for seeds in seed_sets:
        assert len(set(seeds)) == benchmark.SEEDS == 10 and all(0 <= s < 40 for s in seeds)
    assert len(set(seed_sets)) == 4  # drawn afresh for each run


def test_a_standard_error_needs_two_runs():
    assert benchmark.standard_error([7]) is None
    assert benchmark.standard_error([1, 3]) == pytest.approx(1.0)  # sd sqrt(2) over sqrt(2)


def test_the_slow_peers_and_eon_run_up_to_their_size_limits_inclusive(monkeypatch, capsys):
    """NDlib and both Mesa models up to SLOW_PEER_LIMIT, EoN up to NETWORKX_LIMIT, all on ours."""
    monkeypatch.setattr(benchmark, "SLOW_PEER_LIMIT", 30)
    monkeypatch.setattr(benchmark, "NETWORKX_LIMIT", 40)
    engines = benchmark.cascade_engines(30)
    assert list(engines) == [
        "ours", "bare numpy", "cynetdiff", "EoN", "NDlib", "Mesa", "Mesa frontier",
    ]  # fmt: skip
    ours = engines["ours"][1]
    edges = {
        (u, int(v))
        for u in range(ours.n)
        for v in ours.indices[ours.indptr[u] : ours.indptr[u + 1]]
    }
    edges = {edge for edge in edges if edge[0] < edge[1]}
    assert ours.n == 30 and len(edges) == ours.edges == 30 * benchmark.DEGREE // 2
    for name in ("bare numpy", "cynetdiff"):
        assert engines[name][1] is ours
    for name in ("EoN", "NDlib", "Mesa", "Mesa frontier"):  # ours's friendships, in networkx
        assert {tuple(sorted(edge)) for edge in engines[name][1].edges()} == edges
    assert list(benchmark.cascade_engines(40)) == ["ours", "bare numpy", "cynetdiff", "EoN"]
    assert list(benchmark.cascade_engines(41)) == ["ours", "bare numpy", "cynetdiff"]
    assert "EoN skipped: above 40" in capsys.readouterr().out


def test_the_build_section_reports_median_times_and_memory_and_networkx_over_ours(monkeypatch):
    probes = {
        "ours": iter([(1.0, 5.0), (2.0, 6.0), (9.0, 7.0)]),
        "networkx": iter([(10.0, 50.0), (30.0, 70.0), (20.0, 60.0)]),
    }
    called = []

    def probe(code, n, which):
        called.append((code, n, which))
        seconds, peak = next(probes[which])
        return {"seconds": seconds, "peak_mb": peak}

    monkeypatch.setattr(benchmark, "in_fresh_process", probe)
    [row] = benchmark.build([1000], repeats=3)
    assert row == {
        "section": "build",
        "n": 1000,
        "ours_s": 2.0,
        "networkx_s": 20.0,
        "ours_peak_mb": 6.0,
        "networkx_peak_mb": 60.0,
        "speedup": 10.0,
    }
    assert {(code, n) for code, n, _ in called} == {(benchmark.BUILD_PROBE, "1000")}


def test_the_scenario_section_adds_its_times_and_fits_the_exponent_of_engine_time(monkeypatch):
    """Engine = build + simulate, total = engine + agents; engine time c n^0.8 fits 0.8.

    One run at 10M (minutes each), and the same share of KOCs (1 in 500) at every size.
    """
    called = []

    def probe(code, mode, network, recruits, *scenario):
        n = int(network.removeprefix("network.n="))
        called.append((mode, n, recruits))
        slower = 1 + len(called) % 3 / 10  # the median of 3 runs is the 1.1x one
        return {
            "build_s": 2e-6 * n**0.8 * slower,
            "simulate_s": 1e-6 * n**0.8 * slower,
            "agents_s": 5e-6 * n * slower if mode == "agents" else None,
            "agents": n if mode == "agents" else 0,
            "customers": n // 100,
            "peak_rss_mb": 100.0 * slower,
        }

    monkeypatch.setattr(benchmark, "in_fresh_process", probe)
    sizes = [1_000, 100_000, 10_000_000]
    *rows, fit = benchmark.scenario(sizes, repeats=3, agents_up_to=100_000)
    factor = 1.1  # the median of 3 runs, and the one run at 10M (the 7th call)
    for row, n in zip(rows, sizes, strict=True):
        assert row["engine_s"] == pytest.approx(3e-6 * n**0.8 * factor)
        assert row["build_s"] == pytest.approx(2e-6 * n**0.8 * factor)
        agents = 5e-6 * n * factor if n <= 100_000 else None
        assert row["agents_s"] == pytest.approx(agents)
        assert row["total_s"] == pytest.approx(row["engine_s"] + (agents or 0.0))
        assert row["peak_rss_mb"] == pytest.approx(100 * factor) and row["customers"] == n // 100
    assert [row["runs"] for row in rows] == [3, 3, 1]
    assert fit == {"section": "scenario_exponent", "exponent": pytest.approx(0.8)}
    modes = [("agents", 1000)] * 3 + [("agents", 100_000)] * 3 + [("lazy", 10_000_000)]
    assert [(mode, n) for mode, n, _ in called] == modes
    assert {n: recruits for _, n, recruits in called} == {
        1000: "seeding.recruits=2",
        100_000: "seeding.recruits=200",
        10_000_000: "seeding.recruits=20000",
    }


def test_the_scenario_exponent_is_fitted_from_two_sizes_and_not_from_one(monkeypatch):
    def probe(code, mode, network, *overrides):
        n = int(network.removeprefix("network.n="))
        times = {"build_s": 0.01 * n**0.5, "simulate_s": 0.0, "agents_s": None}
        return times | {"agents": 0, "customers": 1, "peak_rss_mb": 1.0}

    monkeypatch.setattr(benchmark, "in_fresh_process", probe)
    *_, fit = benchmark.scenario([1000, 4000], repeats=1, agents_up_to=0)
    assert fit == {"section": "scenario_exponent", "exponent": pytest.approx(0.5)}
    assert [row["section"] for row in benchmark.scenario([1000], 1, 0)] == ["scenario"]


def test_throughput_is_one_over_the_median_replicate_time_with_the_warm_up_left_out(
    monkeypatch,
):
    """Replicates 1, 2, ... run until the window closes; replicate 0 warms up, untimed."""
    durations = [7.0, 0.125, 0.125, 0.5, 0.25, 0.125, 9.0]  # by replicate
    now = [0.0]
    replicates = []

    class Replicate:
        def __init__(self, config, replicate):
            replicates.append(replicate)
            self.replicate = replicate

        def run(self):
            now[0] += durations[self.replicate]

    monkeypatch.setattr(sim, "ReferralModel", Replicate)
    monkeypatch.setattr(benchmark, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    [row] = benchmark.throughput(seconds=1.1, n=200)
    # five replicates fit (1.0 s after four is still inside the 1.1 s window): 1.125 s in all
    assert replicates == [0, 1, 2, 3, 4, 5]
    assert row["replicates"] == 5 and row["n"] == 200
    assert row["replicates_per_s"] == 8.0  # 1 / the median, 0.125 s
    assert row["mean_rate"] == pytest.approx(5 / 1.125)
    assert row["quartile_rates"] == [4.0, 8.0]  # 1 / the upper quartile (0.25 s) first


def test_the_days_section_reports_the_days_of_a_cascade_and_their_cost():
    """One run: the cascade's time is its days times the cost of a day; days it really took."""
    [row] = benchmark.days([300], repeats=1)
    assert row["section"] == "days" and row["n"] == 300
    assert row["cascade_ms"] == pytest.approx(row["days"] * row["ms_per_day"])
    graph = generators.small_world(300, 10, 0.1, np.random.default_rng(300))
    overrides = [*peers.INDEPENDENT_CASCADE, "network.n=300", "seed=0", "conversion.peer=0.2"]
    model = sim.ReferralModel(
        sim.compose([*overrides, "seeding.initial_customers=10"]), graph=graph
    )
    for _ in range(row["days"]):
        assert not model.is_settled()
        model.step()
    assert model.is_settled()


def test_the_benchmark_runs_its_sections_in_order_and_keeps_each_finished_one(
    monkeypatch, tmp_path
):
    """--json is rewritten after each section, so a later section's failure keeps the earlier."""
    ran = []

    def cascade(sizes, repeats):
        ran.append(("cascade", sizes, repeats))
        return [{"section": "cascade", "n": sizes[0]}]

    def days(sizes, repeats):
        ran.append(("days", sizes, repeats))
        raise RuntimeError("out of memory")

    monkeypatch.setattr(benchmark, "cascade", cascade)
    monkeypatch.setattr(benchmark, "days", days)
    path = tmp_path / "rows.json"
    argv = ["benchmark", "--sections", "days", "cascade", "--sizes", "11", "--repeats", "2"]
    monkeypatch.setattr(sys, "argv", [*argv, "--json", str(path)])
    with pytest.raises(RuntimeError, match="out of memory"):
        benchmark.main()
    assert ran == [("cascade", [11], 2), ("days", [11], 2)]
    written = json.loads(path.read_text())
    assert written["rows"] == [{"section": "cascade", "n": 11}]
    assert written["machine"]["python"] == platform.python_version()


def test_the_benchmark_refuses_a_size_below_the_small_worlds_k_plus_one(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["benchmark", "--sizes", "10"])
    with pytest.raises(SystemExit) as stopped:
        benchmark.main()
    assert stopped.value.code == 2
    assert "argument --sizes: 10 is too small: at least 11" in capsys.readouterr().err


def test_a_failed_probe_says_what_its_interpreter_said():
    # until 2 Dec 2026 only "CalledProcessError: ... returned non-zero exit status 1"
    failing = "import sys; print('loading'); sys.exit('MemoryError: the 10M graph did not fit')"
    with pytest.raises(RuntimeError) as failed:
        benchmark.in_fresh_process(failing, "10000000")
    assert str(failed.value) == (
        "the probe run with ['10000000'] failed (exit 1):\nMemoryError: the 10M graph did not fit"
    )
    killed = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    with pytest.raises(RuntimeError, match=r"failed \(signal 9\):\n\(nothing on stderr\)"):
        benchmark.in_fresh_process(killed)
    assert benchmark.in_fresh_process("print('x'); print('{\"seconds\": 1.5}')") == {"seconds": 1.5}


# ----- the calibration's iteration, on constructed rounds -----------------------------------------
AIMED = {"F3": 0.052, "F5": 0.02, "F4": 0.036, "C1-ads": 60.0, "C6": 3.0}  # every aim met
START = {f.key: f.start for f in FITTED}


def test_a_rounds_distance_is_its_worst_targets_log_distance():
    assert calibrate.Round(START, AIMED).distance() == pytest.approx(0, abs=1e-12)
    off = {**AIMED, "F3": 0.052 * 1.5, "C1-ads": 60.0 / 1.2}
    assert calibrate.Round(START, off).distance() == pytest.approx(math.log(1.5))
    lift_off = {**AIMED, "F4": 0.02 * 1.4}  # F4 is read as a lift over F5: 0.4 for 0.8
    assert calibrate.Round(START, lift_off).distance() == pytest.approx(math.log(2))


def test_each_parameter_steps_by_its_targets_ratio_within_a_doubling_and_its_bounds():
    measured = {**AIMED, "F3": 0.026, "F5": 0.2, "F4": 0.36, "C1-ads": 120.0, "C6": 1.5}
    start = {**START, "conversion.ad": 0.04}
    updated = calibrate.next_parameters([calibrate.Round(start, measured)])
    assert updated["conversion.koc"] == pytest.approx(0.034 * 2)  # 2.6% for 5.2%: doubled
    assert updated["conversion.peer"] == pytest.approx(0.02 / 2)  # 10 times too high: halved
    assert updated["population.price_sensitivity"] == pytest.approx(1.0)  # lift met
    assert updated["conversion.ad"] == 0.05  # doubling 0.04 stops at the upper bound
    assert updated["product.price"] == pytest.approx(100 * 2**0.8)  # ROI halved: damped 0.8


def test_the_elasticity_is_the_last_secant_or_the_prior():
    koc = FITTED[0]  # conversion.koc, prior elasticity 1
    first = calibrate.Round(START, AIMED)
    assert calibrate.elasticity([first], koc) == 1.0

    def then(factor: float, measured_factor: float) -> float:
        parameters = {**START, koc.key: START[koc.key] * factor}
        measured = {**AIMED, "F3": AIMED["F3"] * measured_factor}
        return calibrate.elasticity([first, calibrate.Round(parameters, measured)], koc)

    assert then(2.0, 2**0.5) == pytest.approx(0.5)  # the secant
    assert then(1.04, 1.5) == 1.0  # moved under 5%: too little to estimate from
    assert then(2.0, 2**-0.5) == 1.0  # the wrong sign: noise, keep the prior's direction
    assert then(2.0, 2**10) == pytest.approx(4.0)  # at most 4 times the prior
    assert then(2.0, 2**0.1) == pytest.approx(0.25)  # at least a quarter of it


def test_the_fitted_values_are_the_geometric_mean_of_the_settled_rounds():
    koc = "conversion.koc"
    rounds = [
        calibrate.Round({**START, koc: 0.01}, {**AIMED, "F3": 0.052 * 1.09}),  # 8.6%: not settled
        calibrate.Round({**START, koc: 0.04}, {**AIMED, "F3": 0.052 * 1.05}),
        calibrate.Round({**START, koc: 0.09}, {**AIMED, "F3": 0.052 / 1.05}),
    ]
    assert [r.distance() < calibrate.SETTLED for r in rounds] == [False, True, True]
    assert calibrate.fitted_parameters(rounds)[koc] == pytest.approx(0.06)  # sqrt(0.04 x 0.09)
    unsettled = [
        calibrate.Round({**START, koc: 0.05}, {**AIMED, "F3": 0.052 * 1.5}),
        calibrate.Round({**START, koc: 0.07}, {**AIMED, "F3": 0.052 * 2}),
    ]
    assert calibrate.fitted_parameters(unsettled)[koc] == pytest.approx(0.05)  # the closest


def test_the_scenario_ties_the_kol_rate_to_the_koc_rate_by_fact_f1():
    values = calibrate.scenario_values({**START, "conversion.koc": 0.052})
    assert values["conversion.kol"] == pytest.approx(0.052 * 38 / 52)
    assert values["influencers.koc_share"] == 0.05
    text = calibrate.scenario_yaml({**START, "conversion.koc": 0.052}, 40)
    assert "  kol: 0.038 " in text and "  koc: 0.052 " in text and "Fitted on 40 replicates" in text
    table = calibration_report.parameters_table({**START, "conversion.koc": 0.052})
    assert table.set_index("parameter").loc["conversion.kol", "scenario"] == "0.038"


def fake_results(specs, value: float = 1.0) -> replicates.Results:
    """Every measure a target reads, ``value`` in each of each spec's replicates."""
    columns = {t.column for t in calibrate.TARGETS if t.column}
    rows = {
        s.name: pd.DataFrame({c: [value] * s.replicates for c in columns} | {"spend_ads": 0.0})
        for s in specs
    }
    return replicates.Results(rows, {})


def test_every_fit_round_runs_every_campaign_on_the_same_replicates(monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(
        calibrate, "run_specs", lambda specs, cache: asked.append(specs) or fake_results(specs)
    )
    for index in (0, 3):
        calibrate.fit_round(START, 7, tmp_path, index)
    for index, specs in zip((0, 3), asked, strict=True):
        assert [s.name for s in specs] == [f"fit{index:02d}-{name}" for name in CAMPAIGNS]
        assert {(s.replicates, s.seed) for s in specs} == {(7, 0)}  # common random numbers
        assert "conversion.kol=0.0248462" in specs[0].overrides  # 0.034 x 38/52
    checked = calibrate.specs_for(["+scenario=gen_z_2026"], 200, calibrate.CHECK_SEED, "check")
    assert {s.seed for s in checked} == {2026}  # the check uses fresh replicates


def test_the_calibration_page_explains_every_target_not_fully_met():
    table = pd.DataFrame(
        [target.row(1.0, 0.9, 1.1) for target in calibrate.TARGETS if target.band]
    ).assign(met=lambda t: ["yes", "partly", "no"] + ["yes"] * (len(t) - 3))
    rounds = [calibrate.Round(START, {**AIMED, "F3": 0.052 * 1.09}), calibrate.Round(START, AIMED)]
    history = calibration_report.history_table(rounds)
    assert history["settled"].tolist() == [False, True]  # 8.6% off is not within 8%
    assert history["distance"].tolist() == ["0.086", "0.000"]
    namespace = argparse.Namespace(replicates=5, check_replicates=9)
    text = calibration_report.markdown(table, rounds, START, pd.DataFrame(), namespace, 60.0)
    reasons = text.split("## Targets not met, and why")[1].split("##")[0]
    partly, missed = table["id"].iloc[1], table["id"].iloc[2]
    assert f"**{partly}** (partly)" in reasons and f"**{missed}** (no)" in reasons
    assert f"**{table['id'].iloc[0]}**" not in reasons
    assert missed not in calibration_report.REASONS  # so neither verdict has a written reason:
    assert f"**{partly}** (partly): {calibration_report.STRADDLES}" in reasons
    assert f"**{missed}** (no): {calibration_report.UNEXPLAINED}" in reasons  # not "straddles"


def test_the_calibration_page_says_how_much_of_a_resumed_fit_was_read_from_its_cache(
    monkeypatch, tmp_path
):
    def fake(specs, cache):
        return dataclasses.replace(fake_results(specs), computed=1)  # one of them run now

    monkeypatch.setattr(calibrate, "run_specs", fake)
    tally = calibrate.Tally()
    tally.run(calibrate.specs_for([], 3, 0, "fit00"), tmp_path)
    tally.run(calibrate.specs_for([], 3, 0, "fit01"), tmp_path)
    assert (tally.used, tally.computed) == (2 * len(CAMPAIGNS), 2)
    table = pd.DataFrame([target.row(1.0, 0.9, 1.1) for target in calibrate.TARGETS])
    rounds = [calibrate.Round(START, AIMED)]
    namespace = argparse.Namespace(replicates=5, check_replicates=9, out=Path("reports"))

    def intro(configurations):
        text = calibration_report.markdown(
            table, rounds, START, pd.DataFrame(), namespace, 2.0, configurations
        )
        return text.split("\n\n")[1]

    resumed = intro((tally.used, tally.computed))
    assert "0.0 minutes in all" in resumed  # true, and now it says why
    assert f"{tally.used - 2} of its {tally.used} configurations read back from" in resumed
    assert "`reports/.cache/calibration`" in resumed
    assert "read back" not in intro((tally.used, tally.used))  # all run now: nothing to say


def test_a_settled_calibration_is_checked_on_fresh_replicates_and_an_unsettled_one_stops(
    tmp_path, monkeypatch
):
    conf = tmp_path / "conf"
    (conf / "scenario").mkdir(parents=True)
    monkeypatch.setattr(calibrate, "conf_dir", lambda: conf)
    asked, written = [], []
    monkeypatch.setattr(
        calibrate, "run_specs", lambda specs, cache: asked.append(specs) or fake_results(specs)
    )
    monkeypatch.setattr(calibrate, "decision_by_size", lambda sizes, cache: pd.DataFrame())
    monkeypatch.setattr(calibrate, "write_outputs", lambda *outputs: written.append(outputs))
    monkeypatch.setattr(calibrate, "TALLY", calibrate.Tally(used=99, computed=99))  # earlier
    options = ["calibrate", "--replicates", "3", "--check-replicates", "9", "--out", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", options)

    settled = [calibrate.Round(START, AIMED)] * calibrate.SETTLED_ROUNDS
    monkeypatch.setattr(calibrate, "fit", lambda replicates, rounds, cache: settled)
    calibrate.main()
    (check,) = asked
    assert {(s.replicates, s.seed) for s in check} == {(9, calibrate.CHECK_SEED)}
    assert all(s.overrides == ("+scenario=gen_z_2026", *CAMPAIGNS[s.name[6:]]) for s in check)
    assert (conf / "scenario" / "gen_z_2026.yaml").is_file() and len(written) == 1
    # the page is told this run's count: the check's configurations, none of them cached
    # (fake_results computed none, as if all were read back), not an earlier run's count
    assert written[0][-1] == (len(CAMPAIGNS), 0)

    off = calibrate.Round(START, {**AIMED, "F3": 0.052 * 1.5})
    monkeypatch.setattr(calibrate, "fit", lambda replicates, rounds, cache: [off])
    (conf / "scenario" / "gen_z_2026.yaml").unlink()
    with pytest.raises(
        SystemExit, match=r"0 of 1 rounds had every target within 8% \(closest: 50%\)"
    ):
        calibrate.main()
    assert not (conf / "scenario" / "gen_z_2026.yaml").exists() and len(asked) == 1
    assert (tmp_path / "gen_z_2026.unsettled.yaml").is_file()


def test_a_round_that_measures_no_group_buy_lift_steps_the_sensitivity_up_not_a_traceback():
    # until 2 Dec 2026 F4 <= F5 (no lift: noise, or a sensitivity near 0) took the log of a
    # number <= 0: "math domain error" stopped the calibration (a mutation review)
    sensitivity = next(f for f in FITTED if f.target == "F4")
    flat = calibrate.Round(START, {**AIMED, "F4": AIMED["F5"] * 0.99})
    assert flat.distance() == math.inf  # never settled, never the closest of rounds that moved
    stepped = calibrate.next_parameters([flat])
    assert stepped[sensitivity.key] == pytest.approx(START[sensitivity.key] * 2)  # the most
    for key in (f.key for f in FITTED if f is not sensitivity):  # their aims are met
        assert stepped[key] == pytest.approx(START[key])
    aimed = calibrate.Round(stepped, AIMED)
    assert calibrate.elasticity([flat, aimed], sensitivity) == sensitivity.elasticity  # no secant
    assert calibrate.fitted_parameters([flat, aimed]) == pytest.approx(stepped)


def test_the_calibrations_help_says_fewer_rounds_than_it_needs_never_settle():
    # --rounds 3 ran three rounds and always ended "did not settle", with no word in --help
    shown = subprocess.run(
        [sys.executable, "-m", "experiments.calibrate", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    needed = f"the fit needs {calibrate.SETTLED_ROUNDS} settled rounds, so fewer never settle"
    assert needed in " ".join(shown.split())


def test_the_optimisers_help_gives_every_default():
    # a researcher's review (4 Dec 2026): --scheme, --n, --days, --budget and --trials showed
    # no default, so the scale of a study run without options was a guess
    from experiments import optimise

    parser = optimise.argument_parser()
    shown = " ".join(parser.format_help().split())
    for action in parser._actions:
        if action.default in (None, argparse.SUPPRESS) or action.dest == "help":
            continue
        assert action.help and "default" in action.help, action.dest
        if action.default != []:
            assert f"{action.option_strings[0]} {action.metavar or action.dest.upper()}" in shown
            assert str(action.default).split(".0")[0] in shown, action.dest

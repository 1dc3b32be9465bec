"""The experiment scripts' shared behaviour: where they write, and how they stop."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import warnings

import pytest

import sim
from experiments import arguments, calibrate, replicates
from experiments.calibration_targets import CAMPAIGNS, FITTED
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

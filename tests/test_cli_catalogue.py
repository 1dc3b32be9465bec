"""Every (seeding, referral, retention) combination runs from the CLI and prints its summary."""

from __future__ import annotations

import subprocess
import sys

from sim.schemes import REFERRAL, RETENTION, SEEDING


def test_every_scheme_combination_runs_from_the_cli(tmp_path):
    arguments = [
        "-m",
        "seeding=" + ",".join(SEEDING),
        "referral=" + ",".join(REFERRAL),
        "retention=" + ",".join(RETENTION),
        "network.n=500",
        "days=10",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    combinations = len(SEEDING) * len(REFERRAL) * len(RETENTION)
    assert result.stdout.count("referral-sim: network=") == combinations
    assert result.stdout.count("\ncac ") == combinations
    assert "Traceback" not in result.stderr

"""Every (seeding, referral, retention) combination runs from the CLI as one Hydra sweep.

``tests/test_schemes.py::test_contract_every_combination`` runs the same 120 combinations in
process; what only the command line can show is checked here: the sweep writes one result per
job that ``sim.results.load`` reads back, with one row per replicate of every combination, the
parameters of each job being those of its override (in ``job.json`` and in the configuration
the job ran, ``config.yaml``), and the books of every loaded row balancing.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import yaml

import sim
from sim.ledger import ACQUISITION, COMPONENTS
from sim.schemes import REFERRAL, RETENTION, SEEDING

N, REPLICATES = 500, 2


def test_every_scheme_combination_runs_from_the_cli_and_its_results_load(tmp_path):
    folder = tmp_path / "sweep"
    arguments = [
        "-m",
        "seeding=" + ",".join(SEEDING),
        "referral=" + ",".join(REFERRAL),
        "retention=" + ",".join(RETENTION),
        f"network.n={N}",
        "days=10",
        f"run.replicates={REPLICATES}",
        f"hydra.sweep.dir={folder}",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr

    combinations = set(itertools.product(SEEDING, REFERRAL, RETENTION))
    frame = sim.results.load(folder)
    groups = ["seeding", "referral", "retention"]
    assert {"network.n", "days", *groups} <= set(frame.attrs["parameters"])
    assert len(frame) == len(combinations) * REPLICATES
    per_job = frame.groupby("job")
    assert per_job.ngroups == len(combinations)
    assert (per_job["replicate"].agg(sorted).map(tuple) == tuple(range(REPLICATES))).all()
    assert set(frame[groups].itertuples(index=False, name=None)) == combinations
    assert (frame["network.n"] == N).all() and (frame["days"] == 10).all()

    for job, rows in per_job:  # the configuration each job ran is its own override's
        config = yaml.safe_load((folder / job / "config.yaml").read_text())
        chosen = tuple(config[group]["name"] for group in groups)
        assert set(rows[groups].itertuples(index=False, name=None)) == {chosen}, job
        assert (config["network"]["n"], config["run"]["replicates"]) == (N, REPLICATES)

    for _, row in frame.iterrows():  # the books balance on what was written and read back
        spends = [row[f"spend_{c}"] for c in COMPONENTS]
        assert all(s >= 0 for s in spends), row["job"]
        assert math.isclose(row["spend_total"], math.fsum(spends), rel_tol=1e-12, abs_tol=1e-9)
        acquisition = math.fsum(row[f"spend_{c}"] for c in ACQUISITION)
        assert math.isclose(row["spend_acquisition"], acquisition, rel_tol=1e-12, abs_tol=1e-9)
        assert 0 <= row["customers"] <= N
        if row["customers"] > 0:
            assert math.isclose(
                row["cac"] * row["customers"], row["spend_acquisition"], rel_tol=1e-9
            )
    assert (frame["customers"] > 0).any()

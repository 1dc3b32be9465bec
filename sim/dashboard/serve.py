"""``referral-sim-dashboard``: serve the dashboard on localhost with Solara's server."""

from __future__ import annotations

import argparse
import os
import sys

APP = "sim.dashboard.app"

OFFLINE_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
"""Solara's server reports usage to an analytics service unless told not to."""


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: ``--host``, ``--port``, ``--open``."""
    parser = argparse.ArgumentParser(
        prog="referral-sim-dashboard",
        description="Serve the referral-sim dashboard (Mesa SolaraViz) on localhost.",
    )
    parser.add_argument("--host", default="localhost", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--open", action="store_true", help="open a browser tab")
    return parser.parse_args(argv)


def solara_command(args: argparse.Namespace) -> list[str]:
    """The ``solara run`` command line that serves the app."""
    return [
        sys.executable, "-m", "solara", "run", APP, "--production",
        "--host", args.host, "--port", str(args.port),
        "--open" if args.open else "--no-open",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Replace this process with Solara's server (Ctrl-C stops it)."""
    command = solara_command(parse(argv))
    os.environ.update({k: v for k, v in OFFLINE_ENV.items() if k not in os.environ})
    os.execv(command[0], command)

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
    parser.add_argument("--port", type=port, default=8765, help="port (0: any free port)")
    parser.add_argument("--open", action="store_true", help="open a browser tab")
    return parser.parse_args(argv)


def port(text: str) -> int:
    """A TCP port number, 0 to 65535 (0: any free port); argparse shows the error."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port: expected 0 to 65535")
    return number


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

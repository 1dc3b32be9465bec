"""Command-line argument types shared by the experiment scripts."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from sim.params import ConfigError


def at_least(minimum: int) -> Callable[[str], int]:
    """An ``argparse`` type: a whole number no smaller than ``minimum``.

    A count of 0 or below (``--replicates 0``, ``--samples -3``) stops with argparse's one-line
    usage error and exit code 2, before any work, instead of a traceback deep in the run.
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small: at least {minimum}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def power_of_two(text: str) -> int:
    """An ``argparse`` type: a power of 2 from 4 (Saltelli's Sobol sampling needs one).

    1 ran, and its bootstrap resampled one point: indices such as 2.8 with intervals of width
    0; 2 gives intervals of about +-8.
    """
    value = at_least(4)(text)
    if value & (value - 1):
        lower = 1 << (value.bit_length() - 1)
        raise argparse.ArgumentTypeError(
            f"{value} is not a power of 2 (Sobol sampling needs one): try {lower} or {2 * lower}"
        )
    return value


def worker_count(text: str) -> int:
    """An ``argparse`` type for ``--jobs``: joblib's count, any whole number but 0.

    ``-1`` is every core, ``-2`` all but one; 0 would fail inside joblib after the setup.
    """
    value = at_least(-(2**31))(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 workers: use 1 or more, or -1 for every core")
    return value


def output_folder(text: str) -> Path:
    """An ``argparse`` type for ``--out``: a folder made now, so a bad path fails before work.

    A path under a file, or one that cannot be created or written, stops with argparse's
    one-line usage error and exit code 2 instead of a traceback after the whole run.
    """
    folder = Path(text)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot make folder {text!r}: {error.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write into folder {text!r}")
    return folder


def output_file(text: str) -> Path:
    """An ``argparse`` type for a file the script writes at its end (``--json``).

    Its folder is made now, and must be writable, so a bad path fails before the work, with
    argparse's one-line usage error and exit code 2.
    """
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):  # Path("new/") drops the slash
        raise argparse.ArgumentTypeError(f"{text!r} is a folder: give a file name")
    try:
        output_folder(str(path.parent))
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {error}") from None
    return path


def run_script(main: Callable[[], object], *, resumes: bool, note: str | None = None) -> None:
    """Run an experiment script's ``main``: Ctrl-C and bad settings end in one line, not a trace.

    Ctrl-C exits 130 (128 + SIGINT, as shells report it) saying whether finished work is kept
    (``note`` says it in the script's own words); a :class:`~sim.params.ConfigError` (a value
    the model refuses) exits 2 with its message. ``HYDRA_FULL_ERROR=1`` shows the traceback
    instead, as for ``referral-sim``.
    """
    program = Path(sys.argv[0]).stem
    if os.environ.get("HYDRA_FULL_ERROR") == "1":
        main()
        return
    try:
        main()
    except KeyboardInterrupt:
        kept = note or (
            "Finished work is kept: run the same command again to resume."
            if resumes
            else "Nothing was written: run the command again."
        )
        print(f"{program}: interrupted. {kept}", file=sys.stderr)
        sys.exit(130)
    except ConfigError as error:
        print(f"{program}: {error}", file=sys.stderr)
        sys.exit(2)

"""Command-line argument types shared by the experiment scripts."""

from __future__ import annotations

import argparse
from collections.abc import Callable


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

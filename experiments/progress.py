"""Progress of a study: a bar on a terminal, a few lines in a log.

A bar written into a file or a pipe (``sensitivity.py 2>&1 | tee log``) is all its redraws,
carriage returns and block characters (until 4 Dec 2026). As ``referral-sim`` does, a bar is
drawn only where it is redrawn in place (:func:`sim.runner.shows_progress`); elsewhere a line
says what started, another at most once a minute how far it got, and a last one that it ended.
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from sim.runner import shows_progress

EVERY = 60.0
"""Seconds at least between two lines of progress in a log."""


def progress_bar(
    total: int, desc: str, unit: str, shown: bool = True, leave: bool = True
) -> tqdm | Lines:
    """A bar counting to ``total`` on a terminal, :class:`Lines` elsewhere; nothing unless shown.

    Args:
        total: how many units the work has.
        desc: what they are, the start of each line (``replicates``).
        unit: tqdm's unit, for the bar (``rep``).
        shown: whether to show progress at all.
        leave: whether the bar stays when it ends (tqdm's ``leave``).

    """
    if shown and not shows_progress(sys.stderr):
        return Lines(total, desc)
    return tqdm(total=total, desc=desc, unit=unit, disable=not shown, leave=leave)


class Lines:
    """A bar's ``update`` as lines on stderr: ``replicates: 0 of 72 done``, then a few more."""

    def __init__(self, total: int, desc: str, every: float = EVERY) -> None:
        self.total, self.desc, self.every, self.done = total, desc, every, 0
        self._say()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units done; say so if a line is due (:data:`EVERY`) or all are done."""
        self.done += n
        if self.done >= self.total or time.monotonic() - self._said >= self.every:
            self._say()

    def _say(self) -> None:
        line = f"{self.desc}: {self.done:,} of {self.total:,} done"
        print(line, file=sys.stderr, flush=True)
        self._said = time.monotonic()

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *exception: object) -> None:
        return None

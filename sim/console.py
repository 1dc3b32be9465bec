"""Standard output whose reader may leave early (``referral-sim ... | head -1``).

When the reader of a pipe exits, the next write raises :class:`BrokenPipeError`. That is no
failure of the job, whose results are on disk already: the conventional answer (the Python
documentation's "Note on SIGPIPE") is to point standard output at ``os.devnull`` and go on
quietly, so that neither later prints nor Python's flush at exit raise again.
"""

from __future__ import annotations

import os
import sys


def say(text: str) -> None:
    """Print ``text`` and flush it; if nobody reads standard output any more, stop writing it."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        silence_stdout()


def silence_stdout() -> None:
    """Send the rest of standard output, buffered or not, to ``os.devnull``."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


LISTED = 5
"""How many names a message lists before it says how many more there are."""


def listed(names: list[str], separator: str = ", ") -> str:
    """The first :data:`LISTED` of ``names``, then ``and N more`` (a sweep may name hundreds)."""
    shown = separator.join(names[:LISTED])
    more = len(names) - LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def plain(value: object) -> str:
    """``value`` as text, a whole float without ``.0`` (``20`` for ``20.0``)."""
    if isinstance(value, float) and value.is_integer():  # numpy floats are floats too
        return str(int(value))
    return str(value)

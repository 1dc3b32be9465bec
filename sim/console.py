"""Standard output whose reader may leave early (``referral-sim ... | head -1``).

When the reader of a pipe exits, the next write raises :class:`BrokenPipeError`. That is no
failure of the job, whose results are on disk already: the conventional answer (the Python
documentation's "Note on SIGPIPE") is to point standard output at ``os.devnull`` and go on
quietly, so that neither later prints nor Python's flush at exit raise again.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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


class PipeSafeStreamHandler(logging.StreamHandler):
    """Hydra's console log handler (``conf/config.yaml``), quiet once nobody reads its stream.

    A sweep's log lines ("Launching 2 jobs locally") go to standard output. When its reader has
    gone (``referral-sim -m ... | head -1``), :class:`logging.StreamHandler` printed a
    "--- Logging error ---" traceback to standard error for every line after it; this handler
    silences standard output instead, as :func:`say` does. Other logging errors are reported
    as usual.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        """Silence standard output on a broken pipe; report any other error as logging does."""
        if isinstance(sys.exc_info()[1], BrokenPipeError) and self.stream is sys.stdout:
            silence_stdout()
            return
        super().handleError(record)


@contextmanager
def environment_restored(name: str) -> Iterator[None]:
    """Put environment variable ``name`` back as it was (unset if it was) when the block ends.

    For a command run inside a caller's process (a test, a notebook): what it sets for its own
    run or for its workers must not outlive it.
    """
    given = os.environ.get(name)
    try:
        yield
    finally:
        if given is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = given


LISTED = 5
"""How many names a message lists before it says how many more there are."""


def listed(names: list[str], separator: str = ", ") -> str:
    """The first :data:`LISTED` of ``names``, then ``and N more`` (a sweep may name hundreds)."""
    shown = separator.join(names[:LISTED])
    more = len(names) - LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def counted(count: int, noun: str) -> str:
    """``count`` and ``noun``, made plural by an ``s`` unless the count is 1 (``1 line``)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def plain(value: object) -> str:
    """``value`` as text, a whole float without ``.0`` (``20`` for ``20.0``)."""
    if isinstance(value, float) and value.is_integer():  # numpy floats are floats too
        return str(int(value))
    return str(value)


_PYTHON_FORMAT = warnings.formatwarning
_PACKAGE = Path(__file__).parent


def show_own_warnings_plainly(program: str) -> None:
    """Show the simulator's warnings as ``<program>: warning: <message>``, one paragraph.

    Python's format adds the file, line and source line that warned (``self.seeding =
    SEEDING[...]``), which say nothing to a user of the command line. Other packages' warnings
    keep Python's format.
    """

    def formatted(message, category, filename, lineno, line=None) -> str:
        if Path(filename).is_relative_to(_PACKAGE):
            return f"{program}: warning: {message}\n"
        return _PYTHON_FORMAT(message, category, filename, lineno, line)

    warnings.formatwarning = formatted

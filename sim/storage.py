"""Writing results so that nothing half-written can ever be read: write, then rename."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

_READABLE = 0o666
_TEMPORARY_SUFFIX = ".tmp"
_FIELD = "~"  # separates the writer's host and process id in a temporary file's name


def _read_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # once, at import: setting it per write raced with other threads' files


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary)`` then rename the synced temporary file onto ``path``.

    Readers see either the previous file or the complete new one, never a partial file; on any
    failure (a full disk, an interrupt) the temporary file is removed and ``path`` is untouched.
    A process killed outright (SIGKILL, power loss) leaves its hidden temporary file, named
    after the host and process that wrote it: :func:`remove_orphaned_temporaries` clears it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = f"{socket.gethostname()}{_FIELD}{os.getpid()}{_FIELD}"
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}{_FIELD}{writer}", suffix=_TEMPORARY_SUFFIX, dir=path.parent
    )
    os.close(handle)
    try:
        os.chmod(temporary, _READABLE & ~_UMASK)  # mkstemp makes 0600; results are for sharing
        write(Path(temporary))
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_parquet_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as Parquet, atomically (see :func:`write_atomic`)."""
    return write_atomic(path, lambda temporary: frame.to_parquet(temporary, index=False))


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` as UTF-8, atomically (see :func:`write_atomic`)."""
    return write_atomic(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def remove_orphaned_temporaries(folder: str | Path) -> list[Path]:
    """Delete the temporary files in ``folder`` whose writer died; returns those deleted.

    A temporary file belongs to a dead writer when it was made on this host by a process that
    no longer exists. Files of live processes (another writer at work in the same folder) and
    of other hosts (a shared file system) are left alone, as is every other file.
    """
    removed = []
    for candidate in Path(folder).glob(f".*{_TEMPORARY_SUFFIX}"):
        fields = candidate.name.split(_FIELD)
        if len(fields) < 4 or fields[-3] != socket.gethostname() or not fields[-2].isdigit():
            continue
        if not _is_running(int(fields[-2])):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _is_running(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (a process of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, but belongs to another user
        pass
    return True

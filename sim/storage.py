"""Writing results so that nothing half-written can ever be read: write, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

_READABLE = 0o666


def _umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary)`` then rename the synced temporary file onto ``path``.

    Readers see either the previous file or the complete new one, never a partial file; on any
    failure (a full disk, an interrupt) the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        os.chmod(temporary, _READABLE & ~_umask())  # mkstemp makes 0600; results are for sharing
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

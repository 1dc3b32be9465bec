"""Atomic writes: readable like any other file the user creates."""

from __future__ import annotations

import os
import stat

import pandas as pd

from sim import storage


def test_atomic_files_get_the_usual_permissions_not_mkstemps_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        text = storage.write_text_atomic("x", tmp_path / "a.txt")
        table = storage.write_parquet_atomic(pd.DataFrame({"a": [1]}), tmp_path / "a.parquet")
    finally:
        os.umask(previous)
    for path in (text, table):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

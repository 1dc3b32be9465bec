"""Atomic writes: readable like any other file the user creates; no debris after a kill."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys

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


KILLED_MID_WRITE = """
import os, signal, sys
from sim import storage
def half_then_killed(temporary):
    temporary.write_text("half of a file")
    os.kill(os.getpid(), signal.SIGKILL)
storage.write_atomic(sys.argv[1], half_then_killed)
"""


def test_a_writer_killed_mid_write_leaves_a_temporary_that_is_then_removed(tmp_path):
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_WRITE, str(tmp_path / "a.txt")])
    assert killed.returncode == -signal.SIGKILL
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".a.txt~") and left.read_text() == "half of a file"
    assert storage.remove_orphaned_temporaries(tmp_path) == [left]
    assert list(tmp_path.iterdir()) == []


def test_temporaries_of_live_writers_other_hosts_and_other_files_are_kept(tmp_path):
    seen_while_writing = []

    def write(temporary):
        temporary.write_text("in progress")
        seen_while_writing.extend(storage.remove_orphaned_temporaries(tmp_path))
        assert temporary.is_file()  # this live process's file survives a sweep

    storage.write_atomic(tmp_path / "live.txt", write)
    assert seen_while_writing == []
    ended = subprocess.Popen(["true"])
    ended.wait()  # its process id now names no process here
    kept = [
        tmp_path / f".b.txt~elsewhere~{ended.pid}~x.tmp",  # a dead writer, but of another host
        tmp_path / ".c.txt.1234.tmp",  # not named by write_atomic
        tmp_path / f".d.txt~{socket.gethostname()}~notapid~x.tmp",
    ]
    for path in kept:
        path.write_text("")
    assert storage.remove_orphaned_temporaries(tmp_path) == []
    assert sorted(tmp_path.iterdir()) == sorted([*kept, tmp_path / "live.txt"])


def test_an_atomic_write_syncs_its_file_to_disk_before_the_rename(tmp_path, monkeypatch):
    # a rename of an unsynced file can leave an empty or cut file after a power loss
    calls, fsync, replace = [], os.fsync, os.replace
    monkeypatch.setattr(storage.os, "fsync", lambda fd: (calls.append("fsync"), fsync(fd))[1])
    monkeypatch.setattr(
        storage.os, "replace", lambda a, b: (calls.append("replace"), replace(a, b))[1]
    )
    storage.write_text_atomic("kept", tmp_path / "job.json")
    assert calls == ["fsync", "replace"]
    assert (tmp_path / "job.json").read_text() == "kept"

"""The storage-trouble building blocks: what counts as a full or failing disk, and that a write refused at
COMMIT (as a full disk refuses it) leaves no connection inside a transaction and no file half-appended."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from hub.db import Tx
from protocol import durable
from protocol.seqblock import BLOCK, SeqAllocator
from protocol.storage import StorageTrouble, is_storage_problem, storage_problem


class CommitRefused(sqlite3.Connection):
    """A connection whose next `fail` COMMITs are refused the way SQLite refuses them on a full disk."""

    fail = 0

    def execute(self, sql: str, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        if sql.strip().upper() == "COMMIT" and CommitRefused.fail > 0:
            CommitRefused.fail -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args, **kwargs)


def _conn(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), isolation_level=None, factory=CommitRefused, check_same_thread=False)


def test_what_counts_as_storage_trouble() -> None:
    assert storage_problem(sqlite3.OperationalError("database or disk is full"))
    assert storage_problem(sqlite3.OperationalError("attempt to write a readonly database"))
    assert storage_problem(OSError(errno.ENOSPC, "No space left on device"))
    assert storage_problem(OSError(errno.EROFS, "Read-only file system"))
    wrapped = RuntimeError("sealing failed")
    wrapped.__cause__ = OSError(errno.EIO, "Input/output error")
    assert is_storage_problem(wrapped)
    assert not is_storage_problem(sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert not is_storage_problem(OSError(errno.ENAMETOOLONG, "File name too long"))  # a bad id, not the disk
    assert not is_storage_problem(ValueError("bad"))


def test_trouble_is_logged_once_per_episode(caplog: pytest.LogCaptureFixture) -> None:
    trouble = StorageTrouble("unit", logging.getLogger("t"), backoff_min_s=0.01, backoff_max_s=0.05)
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            assert 0.01 <= trouble.failed(OSError(errno.ENOSPC, "No space left on device"), held=3) <= 0.05
        trouble.ok()
        trouble.ok()
    assert caplog.text.count("storage full or failing") == 1
    assert caplog.text.count("storage writable again after 5 refused attempts") == 1
    assert not trouble.active


def test_sequence_reservation_refused_at_commit_never_wedges_or_repeats(tmp_path: Path) -> None:
    conn = _conn(tmp_path / "seq.db")
    seq = SeqAllocator(conn, threading.RLock())
    first = seq.next()
    seen = [first] + [seq.next() for _ in range(BLOCK - 1)]  # the block is used up: the next one reserves
    CommitRefused.fail = 2
    for _ in range(2):
        with pytest.raises(sqlite3.OperationalError):
            seq.next()
        assert not conn.in_transaction  # before the fix: left open, every later call raised for good
    seen += [seq.next() for _ in range(3)]
    assert seen == sorted(set(seen))  # increasing, never repeated
    reopened = SeqAllocator(_conn(tmp_path / "seq.db"), threading.RLock())
    assert reopened.next() > seen[-1]  # a restart resumes above everything handed out


def test_tx_refused_at_commit_rolls_back(tmp_path: Path) -> None:
    conn = _conn(tmp_path / "tx.db")
    conn.execute("CREATE TABLE t(x)")
    CommitRefused.fail = 1
    with pytest.raises(sqlite3.OperationalError), Tx(conn):
        conn.execute("INSERT INTO t VALUES (1)")
    assert not conn.in_transaction
    with Tx(conn):  # an outer transaction again, not a savepoint inside a dangling one
        conn.execute("INSERT INTO t VALUES (2)")
    assert [r[0] for r in conn.execute("SELECT x FROM t")] == [2]


def test_append_refused_half_way_is_cut_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.jsonl"
    durable.append_durably(path, b"one\n")
    real_write = os.write

    def half_then_full(fd: int, data: bytes | memoryview) -> int:
        if len(data) > 4:
            real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(durable.os, "write", half_then_full)
    with pytest.raises(OSError):
        durable.append_durably(path, b"two two two\n")
    monkeypatch.undo()
    assert path.read_bytes() == b"one\n"
    with pytest.raises(OSError):
        monkeypatch.setattr(durable.os, "write", half_then_full)
        durable.atomic_write(tmp_path / "state.json", b"0123456789")
    monkeypatch.undo()
    assert not list(tmp_path.glob("*.tmp"))

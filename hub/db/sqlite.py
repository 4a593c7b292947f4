"""The SQLite backend: the embedded default, one file beside the hub."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path | str, *, check_same_thread: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode with full sync: the hub acknowledges only what survives a power cut."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=check_same_thread, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def change_counter(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection committed (`PRAGMA data_version`)."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def refuse_writes(conn: sqlite3.Connection, refuse: bool) -> None:
    """Refuse every write on this connection (SQLite's `query_only`) as a full or read-only disk does, or
    take writes again: how the fault demo shows the hub riding out a full disk without mounting one."""
    conn.execute(f"PRAGMA query_only={1 if refuse else 0}")

"""Opening the kit database: WAL + full sync, an integrity check, and setting a corrupt file aside.

AWS Greengrass deletes a corrupt SQLite spool and starts over; a kit must not, because that file may hold
the only copy of a job's evidence. A database that fails to open or fails `quick_check` is moved with its
WAL and SHM files into `corrupt/` under a timestamped name, a report is written beside it, and a fresh
database is created; the kit then records the event so the hub learns of it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from edge.store.schema_version import shipped, upgrade
from protocol.durable import fsync_path
from protocol.storage import is_storage_problem

MIGRATIONS = shipped("edge.store")


def _schema(conn: sqlite3.Connection, path: Path) -> None:
    upgrade(conn, MIGRATIONS, label=str(path), v1_table="records")


@dataclass(frozen=True)
class SetAside:
    path: Path
    reason: str


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    # Deleted content is overwritten with zeros, so a purged customer's data is not left in free pages
    # (edge/job/purge.py).
    conn.execute("PRAGMA secure_delete=ON")
    return conn


def _check(conn: sqlite3.Connection) -> str | None:
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if rows and rows[0][0] == "ok":
        return None
    return "; ".join(str(r[0]) for r in rows[:5])


def set_aside(path: Path, reason: str, now_ms: int) -> SetAside:
    folder = path.parent / "corrupt"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{path.name}.{now_ms}"
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            os.replace(src, Path(str(target) + suffix))
    report = Path(str(target) + ".report.json")
    report.write_text(json.dumps({"file": target.name, "reason": reason, "at_ms": now_ms}, ensure_ascii=False))
    fsync_path(folder)
    return SetAside(target, reason)


def open_database(path: Path, now_ms: int) -> tuple[sqlite3.Connection, SetAside | None]:
    """Open (creating if needed) and check; a corrupt file is set aside and a new one created."""
    aside: SetAside | None = None
    if path.exists():
        problem: str | None
        existing: sqlite3.Connection | None = None
        try:
            existing = _connect(path)
            problem = _check(existing)
        except sqlite3.DatabaseError as exc:
            if is_storage_problem(exc):
                # A full or failing disk, not a corrupt file: setting it aside here would hide the
                # kit's whole backlog and restart its sequence numbers. Refuse to open; try again later.
                if existing is not None:
                    existing.close()
                raise
            problem = str(exc)
        if problem is None and existing is not None:
            try:
                _schema(existing, path)
            except BaseException:
                existing.close()
                raise
            return existing, None
        if existing is not None:
            existing.close()
        problem = problem or "unreadable"
        aside = set_aside(path, problem, now_ms)
    conn = _connect(path)
    _schema(conn, path)
    return conn, aside

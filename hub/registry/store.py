"""The registry's storage as the rest of the hub reads it (who a locksmith is, whether they may still be
offered work, who is logged in on a kit) and the kit sessions, operators' accounts. (Filing, status and
presence still write their own tables in locksmiths.py, units.py, presence.py and csvio.py; issue 9
moves them here: tests/hub/test_sql_layer.py LEGACY.)"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class LocksmithFace:
    """What a customer is shown of their locksmith (and an SMS names)."""

    id: str
    name: str
    photo_sha256: str
    grade: str
    quality: int
    unit_name: str


def face(conn: sqlite3.Connection, locksmith_id: str) -> LocksmithFace | None:
    row = conn.execute("SELECT l.id, l.name, l.photo_sha256, l.grade, l.quality, u.name AS unit_name FROM locksmiths l"
                       " JOIN units u ON u.id = l.unit_id WHERE l.id = ?", (locksmith_id,)).fetchone()
    return None if row is None else LocksmithFace(row["id"], row["name"], row["photo_sha256"], row["grade"],
                                                  int(row["quality"]), row["unit_name"])


def names(conn: sqlite3.Connection, locksmith_ids: list[str]) -> dict[str, str]:
    """id -> name of those that exist."""
    ids = sorted({i for i in locksmith_ids if i})
    if not ids:
        return {}
    return {r["id"]: r["name"] for r in conn.execute(
        f"SELECT id, name FROM locksmiths WHERE id IN ({','.join('?' * len(ids))})", ids)}


def name_of(conn: sqlite3.Connection, locksmith_id: str) -> str | None:
    return names(conn, [locksmith_id]).get(locksmith_id)


def offerable(conn: sqlite3.Connection, locksmith_n: int) -> bool:
    """The locksmith is still on duty, filed, with an operating unit."""
    return conn.execute("SELECT 1 FROM locksmiths WHERE n = ? AND status = 'on_duty' AND unit_operating = 1"
                        " AND filing_receipt_no != ''", (locksmith_n,)).fetchone() is not None


@dataclass(frozen=True)
class Ratings:
    total: int
    count: int


def ratings(conn: sqlite3.Connection, locksmith_id: str) -> Ratings | None:
    row = conn.execute("SELECT rating_sum, rating_count FROM locksmiths WHERE id=?", (locksmith_id,)).fetchone()
    return None if row is None else Ratings(int(row["rating_sum"]), int(row["rating_count"]))


# -- kit sessions (login first) --------------------------------------------------------------------------------
def put_session(conn: sqlite3.Connection, kit_id: str, locksmith_id: str | None, logged_in: bool, at_ms: int,
                record_id: str) -> None:
    """The session record captured last wins (records may arrive late or out of order)."""
    conn.execute(
        "INSERT INTO kit_sessions(kit_id, locksmith_id, logged_in, at_ms, record_id) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(kit_id) DO UPDATE SET locksmith_id = excluded.locksmith_id, logged_in = excluded.logged_in,"
        " at_ms = excluded.at_ms, record_id = excluded.record_id WHERE kit_sessions.at_ms <= excluded.at_ms",
        (kit_id, locksmith_id, 1 if logged_in else 0, at_ms, record_id))


def logged_in(conn: sqlite3.Connection, kit_id: str) -> str | None:
    row = conn.execute("SELECT locksmith_id FROM kit_sessions WHERE kit_id = ? AND logged_in = 1",
                       (kit_id,)).fetchone()
    return None if row is None else str(row[0])


# -- operators ------------------------------------------------------------------------------------------------
def upsert_operator(conn: sqlite3.Connection, operator_id: str, name: str, role: str, now_ms: int) -> None:
    conn.execute("INSERT INTO operators(id, name, role, active, created_ms) VALUES (?,?,?,1,?)"
                 " ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role, active = 1",
                 (operator_id, name, role, now_ms))


def operators_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM operators").fetchone()[0])


def operator_active(conn: sqlite3.Connection, operator_id: str) -> bool:
    row = conn.execute("SELECT active FROM operators WHERE id = ?", (operator_id,)).fetchone()
    return row is not None and bool(row["active"])

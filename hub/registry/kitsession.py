"""Who is logged in on each kit, as the kit says in its signed session records (login first, R-2).

A kit records `session.login` (fingerprint, PIN, password or pattern), `session.logout` (by the locksmith or
after the idle time) as `kit.record`s signed with its key; ingest checked the signature and the sender
before this runs. Records may arrive late or out of order after the kit was offline: the one captured last
wins.
"""

from __future__ import annotations

from typing import Any

from hub.db import Conn, transaction
from protocol.clock import Clock

KINDS = ("session.login", "session.logout")


def apply_session_record(conn: Conn, clock: Clock, kit_id: str, kind: str, data: dict[str, Any],
                         captured_at: int, record_id: str) -> None:
    logged_in = 1 if kind == "session.login" else 0
    locksmith_id = data.get("locksmith_id")
    with transaction(conn):
        conn.execute(
            "INSERT INTO kit_sessions(kit_id, locksmith_id, logged_in, at_ms, record_id) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(kit_id) DO UPDATE SET locksmith_id = excluded.locksmith_id, logged_in = excluded.logged_in,"
            " at_ms = excluded.at_ms, record_id = excluded.record_id WHERE kit_sessions.at_ms <= excluded.at_ms",
            (kit_id, str(locksmith_id) if locksmith_id else None, logged_in, captured_at, record_id))


def logged_in(conn: Conn, kit_id: str) -> str | None:
    """The locksmith logged in on the kit, if any."""
    row = conn.execute("SELECT locksmith_id FROM kit_sessions WHERE kit_id = ? AND logged_in = 1",
                       (kit_id,)).fetchone()
    return None if row is None else str(row[0])

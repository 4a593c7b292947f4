"""Who is logged in on each kit, as the kit says in its signed session records (login first, R-2).

A kit records `session.login` (fingerprint, PIN, password or pattern), `session.logout` (by the locksmith or
after the idle time) as `kit.record`s signed with its key; ingest checked the signature and the sender
before this runs. Records may arrive late or out of order after the kit was offline: the one captured last
wins.
"""

from __future__ import annotations

from typing import Any

from hub.db import Conn, transaction
from hub.registry import store
from protocol.clock import Clock

KINDS = ("session.login", "session.logout")


def apply_session_record(conn: Conn, clock: Clock, kit_id: str, kind: str, data: dict[str, Any],
                         captured_at: int, record_id: str) -> None:
    locksmith_id = data.get("locksmith_id")
    with transaction(conn):
        store.put_session(conn, kit_id, str(locksmith_id) if locksmith_id else None, kind == "session.login",
                          captured_at, record_id)


def logged_in(conn: Conn, kit_id: str) -> str | None:
    """The locksmith logged in on the kit, if any."""
    return store.logged_in(conn, kit_id)

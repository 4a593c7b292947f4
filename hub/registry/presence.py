"""Which kits are online and where, folded into the locksmith rows that dispatch reads.

The hub service calls `kit_state` for each presence message (birth / last will) and `kit_position`
for each position report; linking a kit recomputes the locksmith's row too.
"""

from __future__ import annotations

import sqlite3

from hub.db import transaction
from protocol.clock import Clock


def kit_state(conn: sqlite3.Connection, clock: Clock, kit_id: str, online: bool) -> None:
    now = clock.now_ms()
    with transaction(conn):
        conn.execute(
            "INSERT INTO kit_presence(kit_id, online, updated_ms) VALUES (?, ?, ?)"
            " ON CONFLICT(kit_id) DO UPDATE SET online = excluded.online, updated_ms = excluded.updated_ms",
            (kit_id, 1 if online else 0, now))
        refresh_for_kit(conn, kit_id)


def kit_state_message(conn: sqlite3.Connection, clock: Clock, kit_id: str, online: bool, since_ms: int) -> bool:
    """A signed `kit.state` (birth or will). Birth and will of one connection share `since`; a will of an
    older connection arriving after a newer birth is stale (ingest kept the newest `since` in
    kit_link_state) and changes nothing. Returns whether presence was updated."""
    row = conn.execute("SELECT since_ms FROM kit_link_state WHERE kit_id=?", (kit_id,)).fetchone()
    if row is not None and since_ms < row[0]:
        return False
    kit_state(conn, clock, kit_id, online)
    return True


def kit_position(conn: sqlite3.Connection, clock: Clock, kit_id: str, lat: float, lon: float,
                 at_ms: int | None = None) -> None:
    now = clock.now_ms()
    at = at_ms if at_ms is not None else now
    with transaction(conn):
        conn.execute(
            "INSERT INTO kit_presence(kit_id, online, lat, lon, pos_ms, updated_ms) VALUES (?, 0, ?, ?, ?, ?)"
            " ON CONFLICT(kit_id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, pos_ms = excluded.pos_ms"
            " WHERE kit_presence.pos_ms IS NULL OR kit_presence.pos_ms <= excluded.pos_ms",
            (kit_id, lat, lon, at, now))
        refresh_for_kit(conn, kit_id)


def locksmith_of_kit(conn: sqlite3.Connection, kit_id: str) -> str | None:
    """The locksmith who carries the kit now, if any."""
    row = conn.execute("SELECT locksmith_id FROM locksmith_kits WHERE kit_id = ? AND unlinked_ms IS NULL",
                       (kit_id,)).fetchone()
    return None if row is None else str(row[0])


def refresh_for_kit(conn: sqlite3.Connection, kit_id: str) -> None:
    locksmith_id = locksmith_of_kit(conn, kit_id)
    if locksmith_id is not None:
        refresh_locksmith(conn, locksmith_id)


def refresh_locksmith(conn: sqlite3.Connection, locksmith_id: str) -> None:
    """Recompute kit_online / live_kit_id / position from the locksmith's linked kits."""
    kits = conn.execute(
        "SELECT p.kit_id, p.online, p.lat, p.lon, p.pos_ms, p.updated_ms FROM locksmith_kits k"
        " JOIN kit_presence p ON p.kit_id = k.kit_id WHERE k.locksmith_id = ? AND k.unlinked_ms IS NULL",
        (locksmith_id,)).fetchall()
    online = sorted((k for k in kits if k["online"]), key=lambda k: k["updated_ms"], reverse=True)
    positioned = sorted((k for k in kits if k["pos_ms"] is not None), key=lambda k: k["pos_ms"], reverse=True)
    live = online[0]["kit_id"] if online else None
    pos = positioned[0] if positioned else None
    conn.execute(
        "UPDATE locksmiths SET kit_online = ?, live_kit_id = ?, pos_lat = ?, pos_lon = ?, pos_ms = ? WHERE id = ?",
        (1 if live else 0, live, pos["lat"] if pos else None, pos["lon"] if pos else None,
         pos["pos_ms"] if pos else None, locksmith_id))

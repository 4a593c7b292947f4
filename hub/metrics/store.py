"""The SQL behind the hub's operating figures (read-only; the storage layer of hub.metrics)."""

from __future__ import annotations

from hub.db import Conn
from hub.timers.scheduler import backlog as timer_backlog

# The ingest rate counts envelopes accepted in the last minute: a range of the received_ms index
# (migration 081), so the scan is as long as the last minute's traffic, not the whole history.


def ingest_counters(conn: Conn) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in conn.execute("SELECT name, value FROM ingest_stats ORDER BY name")}


def accepted_since(conn: Conn, since_ms: int) -> int:
    row = conn.execute("SELECT COUNT(*) FROM envelopes WHERE received_ms >= ?", (since_ms,)).fetchone()
    return int(row[0])


def quarantine_by_reason(conn: Conn) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in
            conn.execute("SELECT reason, COUNT(*) FROM quarantine GROUP BY reason ORDER BY reason")}


def kits(conn: Conn) -> list[tuple[str, str, int, int, int]]:
    """(kit id, link status, backlog records, backlog files, status since ms) per kit the hub has heard of."""
    return [(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in conn.execute(
        "SELECT kit_id, status, backlog_records, backlog_files, since_ms FROM kit_link_state ORDER BY kit_id")]


def timers(conn: Conn, now_ms: int) -> tuple[int, int, int | None]:
    """(pending, due now, oldest due_ms among those due), from the timers' own store."""
    return timer_backlog(conn, now_ms)


def outbox(conn: Conn) -> tuple[int, int | None]:
    """(unsent domain messages, created_ms of the oldest)."""
    row = conn.execute("SELECT COUNT(*), MIN(created_ms) FROM domain_outbox WHERE sent_ms IS NULL").fetchone()
    return int(row[0]), (int(row[1]) if row[1] is not None else None)


def police(conn: Conn) -> tuple[int, int | None, int]:
    """(records queued for the police and not yet acknowledged, created_ms of the oldest, feed entries not
    yet queued)."""
    row = conn.execute("SELECT COUNT(*), MIN(created_ms) FROM police_outbox WHERE acked_ms IS NULL").fetchone()
    feed = conn.execute("SELECT (SELECT COALESCE(MAX(seq), 0) FROM police_feed) - "
                        "(SELECT COALESCE(MAX(feed_seq), 0) FROM police_outbox)").fetchone()
    return int(row[0]), (int(row[1]) if row[1] is not None else None), max(0, int(feed[0]))


def ping(conn: Conn) -> None:
    conn.execute("SELECT 1 FROM ingest_stats LIMIT 1").fetchall()

"""Durable timers: rows in the hub database, fired by `fire_due(now)`.

Nothing is kept in memory, so a restarted hub simply calls `fire_due` and every overdue timer fires at
once, in due order; the service then sleeps until `next_due_ms()`. Each firing runs in its own
transaction with its handlers, so a timer fires exactly once or not at all. Handlers must check that
what they act on is still open (an offer accepted a moment before its expiry is left alone).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from hub.db import Conn, transaction
from protocol.clock import Clock

# handler(conn, clock, payload, event_id), run inside the firing transaction. Each timer kind is declared,
# with its handler, by the module that handles it (a `TIMERS` table); hub/domain.py lists them all and is
# what the service passes to `fire_due`. Nothing registers itself on import.
Handler = Callable[[Conn, Clock, dict[str, Any], str], None]
log = logging.getLogger(__name__)


def schedule(conn: Conn, clock: Clock, kind: str, key: str, due_ms: int,
             payload: dict[str, Any]) -> int:
    """Create a timer once per key (repeating the call is harmless); returns its id."""
    conn.execute("INSERT INTO timers(kind, key, due_ms, payload_json, state, created_ms) VALUES (?,?,?,?,'pending',?)"
                 " ON CONFLICT(key) DO NOTHING", (kind, key, due_ms, json.dumps(payload), clock.now_ms()))
    return int(conn.execute("SELECT id FROM timers WHERE key = ?", (key,)).fetchone()[0])


def cancel(conn: Conn, key: str) -> bool:
    cur = conn.execute("UPDATE timers SET state = 'cancelled' WHERE key = ? AND state = 'pending'", (key,))
    return cur.rowcount > 0


def next_due_ms(conn: Conn) -> int | None:
    row = conn.execute("SELECT min(due_ms) FROM timers WHERE state = 'pending'").fetchone()
    return None if row[0] is None else int(row[0])


def fire_due(conn: Conn, clock: Clock, handlers: Mapping[str, Handler], limit: int = 10_000) -> int:
    """Fire every pending timer due at the clock's now (catching up after downtime), each by the handler of
    its kind. Returns how many fired. A kind without a handler is parked as failed, never silently fired."""
    fired = 0
    while fired < limit:
        now = clock.now_ms()
        row = conn.execute("SELECT * FROM timers WHERE state = 'pending' AND due_ms <= ? ORDER BY due_ms, id LIMIT 1",
                           (now,)).fetchone()
        if row is None:
            break
        payload = json.loads(row["payload_json"])
        try:
            with transaction(conn):
                claimed = conn.execute("UPDATE timers SET state = 'fired', fired_ms = ? WHERE id = ? AND state = 'pending'",
                                       (now, row["id"])).rowcount
                if claimed:
                    handler = handlers.get(row["kind"])
                    if handler is None:
                        raise LookupError(f"no handler for timer kind {row['kind']!r}")
                    handler(conn, clock, payload, f"timer:{row['id']}")
        except Exception as exc:
            # A handler bug must not wedge the scheduler on one row forever: park it visibly as failed.
            log.exception("timer %s (%s) failed", row["id"], row["kind"])
            with transaction(conn):
                conn.execute("UPDATE timers SET state = 'failed', fired_ms = ?, error = ? WHERE id = ?",
                             (now, repr(exc)[:500], row["id"]))
        fired += 1
    return fired


def backlog(conn: Conn, now_ms: int) -> tuple[int, int, int | None]:
    """(pending, due now, the oldest due_ms among those due): the operating figures (hub.metrics)."""
    row = conn.execute("SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_ms <= ? THEN 1 ELSE 0 END), 0),"
                       " MIN(CASE WHEN due_ms <= ? THEN due_ms END) FROM timers WHERE state='pending'",
                       (now_ms, now_ms)).fetchone()
    return int(row[0]), int(row[1]), (int(row[2]) if row[2] is not None else None)


def pending(conn: Conn, limit: int = 100) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        "SELECT id, kind, key, due_ms, payload_json FROM timers WHERE state = 'pending' ORDER BY due_ms LIMIT ?",
        (limit,))]


def failed(conn: Conn, limit: int = 100) -> list[dict[str, Any]]:
    """Timers whose handler raised: a deadline that did not take effect until someone looks."""
    return [dict(r) for r in conn.execute(
        "SELECT kind, key, due_ms, fired_ms, error, payload_json FROM timers WHERE state = 'failed'"
        " ORDER BY due_ms LIMIT ?", (limit,))]

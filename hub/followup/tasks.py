"""Follow-up tasks (R-13): created for every completed order (due 24 h after completion), contacted through
a channel, closed with the outcome and the customer's 1-5 rating; flagged overdue at 48 h. Outcomes and
overdue flags are forwarded to the police; ratings go through the order's `rate` so they feed rule 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hub import police_feed
from hub.db import Conn, Row, transaction
from hub.followup.gateway import CHANNELS, Channel, MessageGateway
from hub.registry.errors import DomainError, NotFound
from hub.registry.validate import Issues
from protocol.clock import Clock
from protocol.i18n import _

HOUR_MS = 3_600_000
DUE_MS = 24 * HOUR_MS
OVERDUE_MS = 48 * HOUR_MS
OUTCOMES = ("reached", "no_answer", "refused", "complaint")

# (conn, clock, actor, order_id, stars) -> locksmith's new quality; the order machine's rating entry point.
RateHook = Callable[[Conn, Clock, str, str, int], int]


def rate_through_orders(conn: Conn, clock: Clock, actor: str, order_id: str, stars: int) -> int:
    from hub.orders import settle

    return settle.rate(conn, clock, actor, order_id, stars)


def sync_tasks(conn: Conn, clock: Clock) -> int:
    """Create the task of every completed order that has none yet (idempotent). Returns how many."""
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO followups(order_id, locksmith_id, customer_id, completed_ms, due_ms, overdue_ms, status)"
            " SELECT id, locksmith_id, customer_id, completed_ms, completed_ms + ?, completed_ms + ?, 'due'"
            " FROM orders WHERE completed_ms IS NOT NULL AND locksmith_id IS NOT NULL"
            " AND id NOT IN (SELECT order_id FROM followups)", (DUE_MS, OVERDUE_MS))
        return cur.rowcount


def flag_overdue(conn: Conn, clock: Clock) -> list[str]:
    """Flag (once) every open task 48 h past completion and forward it. Returns the order ids flagged now."""
    now = clock.now_ms()
    with transaction(conn):
        rows = list(conn.execute("SELECT order_id, locksmith_id, completed_ms FROM followups WHERE status='due'"
                                 " AND overdue_ms <= ? AND overdue_flagged_ms IS NULL", (now,)))
        for r in rows:
            conn.execute("UPDATE followups SET overdue_flagged_ms=? WHERE order_id=?", (now, r["order_id"]))
            police_feed.emit(conn, "followup.overdue", {"id": r["order_id"], "order_id": r["order_id"],
                                                        "locksmith_id": r["locksmith_id"],
                                                        "completed_ms": r["completed_ms"], "at_ms": now}, now_ms=now)
    return [r["order_id"] for r in rows]


def contact(conn: Conn, clock: Clock, order_id: str, channel: Channel, gateway: MessageGateway, *,
            operator: str) -> str:
    if channel not in CHANNELS:
        raise DomainError("invalid", _("channel must be one of: ") + ", ".join(CHANNELS))
    task = _task(conn, order_id)
    mobile = str(json.loads(conn.execute("SELECT request_json FROM orders WHERE id=?", (order_id,)).fetchone()[0])
                 .get("customer_mobile", ""))
    with transaction(conn):
        ref = gateway.send(conn, clock, channel, mobile, order_id, operator)
        conn.execute("INSERT INTO followup_contacts(order_id, channel, gateway_ref, operator, at_ms) VALUES (?,?,?,?,?)",
                     (task["order_id"], channel, ref, operator, clock.now_ms()))
    return ref


def record_outcome(conn: Conn, clock: Clock, order_id: str, *, operator: str, channel: Channel,
                   outcome: str, rating: int | None = None, note: str = "",
                   rate: RateHook = rate_through_orders) -> None:
    issues = Issues()  # every field's problem at once, named by field, as the console shows them
    if channel not in CHANNELS:
        issues.add("channel", _("channel must be one of: ") + ", ".join(CHANNELS))
    if outcome not in OUTCOMES:
        issues.add("outcome", _("outcome must be one of: ") + ", ".join(OUTCOMES))
    if rating is not None and not 1 <= rating <= 5:
        issues.add("rating", _("stars must be 1 to 5"))
    issues.raise_if_any()
    with transaction(conn):
        task = _task(conn, order_id)
        if task["status"] == "done":
            if (task["outcome"], task["rating"]) == (outcome, rating):
                return  # a repeated request
            raise DomainError("decided", _("this follow-up was already recorded"))
        now = clock.now_ms()
        conn.execute("UPDATE followups SET status='done', channel=?, outcome=?, rating=?, note=?, operator=?,"
                     " recorded_ms=? WHERE order_id=?", (channel, outcome, rating, note, operator, now, order_id))
        if rating is not None:
            rate(conn, clock, operator, order_id, rating)
        police_feed.emit(conn, "followup.recorded", {
            "id": order_id, "order_id": order_id, "locksmith_id": task["locksmith_id"], "channel": channel,
            "outcome": outcome, "rating": rating, "note": note, "operator": operator,
            "late": now > task["overdue_ms"], "completed_ms": task["completed_ms"], "at_ms": now}, now_ms=now)


def open_tasks(conn: Conn, clock: Clock) -> list[dict[str, Any]]:
    now = clock.now_ms()
    return [{**dict(r), "overdue": now >= r["overdue_ms"]} for r in conn.execute(
        "SELECT * FROM followups WHERE status='due' ORDER BY due_ms")]


def _task(conn: Conn, order_id: str) -> Row:
    row = conn.execute("SELECT * FROM followups WHERE order_id=?", (order_id,)).fetchone()
    if row is None:
        raise NotFound("follow-up", order_id)
    return row

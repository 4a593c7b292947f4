"""Applying the transition table: every move logged with actor, time and reason, its money effect carried
out with it (hub/orders/money.py); idempotent by event id."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from hub.db import transaction
from hub.orders import money
from hub.orders.states import LOCKSMITH_BUSY, TABLE, TRANSITIONS
from hub.registry.errors import DomainError, NotFound
from protocol.clock import Clock
from protocol.i18n import _


class IllegalTransition(DomainError):
    def __init__(self, order_id: str, state: str, event: str) -> None:
        allowed = sorted({t.state for t in TRANSITIONS if t.event == event})
        super().__init__("illegal_transition",
                         _("order {order} is {state}; '{event}' is allowed only when {allowed}").format(
                             order=order_id, state=state, event=event, allowed=", ".join(allowed) or "-"))
        self.state = state
        self.event = event


class NotAllowed(DomainError):
    def __init__(self, actor: str, event: str) -> None:
        super().__init__("forbidden", _("{actor} may not cause '{event}'").format(actor=actor, event=event))


@dataclass(frozen=True)
class Moved:
    order_id: str
    event: str
    from_state: str
    to_state: str
    applied: bool  # False when the event id had been applied before (a retry)


def actor_kind(actor: str) -> str:
    return actor.split(":", 1)[0]


def state_of(conn: sqlite3.Connection, order_id: str) -> str:
    row = conn.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise NotFound("order", order_id)
    return str(row["state"])


def apply(conn: sqlite3.Connection, clock: Clock, order_id: str, event: str, *, actor: str, reason: str,
          event_id: str) -> Moved:
    with transaction(conn):
        done = conn.execute("SELECT order_id, event, from_state, to_state FROM order_transitions WHERE event_id = ?",
                            (event_id,)).fetchone()
        if done is not None:
            if done["order_id"] != order_id or done["event"] != event:
                raise DomainError("idempotency_conflict", _("event id reused for a different event: ") + event_id)
            return Moved(order_id, event, done["from_state"], done["to_state"], applied=False)
        order = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        if order is None:
            raise NotFound("order", order_id)
        state = str(order["state"])
        t = TABLE.get((state, event))
        if t is None:
            raise IllegalTransition(order_id, state, event)
        if actor_kind(actor) not in t.by:
            raise NotAllowed(actor, event)
        now = clock.now_ms()
        conn.execute("UPDATE orders SET state = ?, state_reason = ?, locksmith_busy = ?, updated_ms = ? WHERE id = ?",
                     (t.to, reason, 1 if t.to in LOCKSMITH_BUSY else 0, now, order_id))
        conn.execute("INSERT INTO order_transitions(order_id, event_id, event, from_state, to_state, actor, reason,"
                     " at_ms) VALUES (?,?,?,?,?,?,?,?)", (order_id, event_id, event, state, t.to, actor, reason, now))
        money.carry_out(conn, clock, order, t.money, actor)
        return Moved(order_id, event, state, t.to, applied=True)


def history(conn: sqlite3.Connection, order_id: str) -> list[dict[str, object]]:
    return [dict(r) for r in conn.execute(
        "SELECT event_id, event, from_state, to_state, actor, reason, at_ms FROM order_transitions"
        " WHERE order_id = ? ORDER BY seq", (order_id,))]

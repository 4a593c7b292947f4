"""Where the money goes when an order ends or stalls: cancellation, abandonment (R-7), documents
(R-11), disputes. Each outcome follows the `money` column of the transition table."""

from __future__ import annotations

import sqlite3

from hub import police_feed
from hub.db import transaction
from hub.dispatch import engine
from hub.ledger import holds
from hub.orders import arrival, machine, outbox
from hub.orders.states import LOCKSMITH_BUSY
from hub.registry.errors import DomainError
from hub.registry.locksmiths import record_rating
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import OrderStatus
from protocol.messages.job import JobCancelled

BEFORE_FORMED = ("new", "scheduled", "dispatching", "unassigned", "awaiting_customer", "awaiting_payment")
AFTER_SET_OUT = ("en_route", "on_site", "verified")
JOB_STATES = ("formed", "en_route", "on_site", "verified", "in_progress", "completed")


def cancel(conn: sqlite3.Connection, clock: Clock, actor: str, order_id: str, reason: str, *, event_id: str,
           customer_id: str | None = None) -> str:
    """Cancel before the order is formed, or abandon it after (R-7). Returns the final state."""
    with transaction(conn):
        order = engine.order_row(conn, order_id)
        if customer_id is not None and order["customer_id"] != customer_id:
            raise DomainError("forbidden", _("this order belongs to another customer"))
        state = order["state"]
        event = "cancel" if state in BEFORE_FORMED else "abandon"
        reason = reason or _("cancelled by the customer")
        moved = machine.apply(conn, clock, order_id, event, actor=actor, reason=reason, event_id=event_id)
        if not moved.applied:
            return moved.to_state
        offer = engine.open_offer(conn, order_id)
        if offer is not None:
            engine.close_offer(conn, clock, offer["id"], "withdrawn", "cancelled")
        if event == "cancel":
            release_all(conn, clock, order_id, actor)
        if event == "abandon":
            if state in AFTER_SET_OUT and not arrival.missed(conn, order_id):  # a no-show forfeits nothing
                holds.resolve(conn, clock, order_id=order_id, purpose="prepayment", outcome="pay", actor=actor,
                              locksmith_id=order["locksmith_id"], memo="R-7 compensation")
            else:
                holds.resolve(conn, clock, order_id=order_id, purpose="prepayment", outcome="release", actor=actor)
            holds.resolve(conn, clock, order_id=order_id, purpose="deposit", outcome="release", actor=actor)
        if order["kit_id"] and state in LOCKSMITH_BUSY:
            outbox.put(conn, clock, "kit", order["kit_id"], JobCancelled(order_id, reason))
        outbox.put(conn, clock, "customer", order["customer_id"], OrderStatus(order_id, moved.to_state, reason))
        outbox.event(conn, clock, f"order.{moved.to_state}", order_id=order_id, reason=reason, actor=actor)
        police_feed.emit(conn, f"order.{moved.to_state}", {"id": order_id, "from": state, "actor": actor,
                                                           "reason": reason, "at_ms": clock.now_ms()},
                         now_ms=clock.now_ms())
        return moved.to_state


def release_all(conn: sqlite3.Connection, clock: Clock, order_id: str, actor: str) -> None:
    """An order ending before it is (re)formed gives back whatever is still frozen for it."""
    for purpose in holds.open_holds(conn, order_id):
        holds.resolve(conn, clock, order_id=order_id, purpose=purpose, outcome="release",  # type: ignore[arg-type]
                      actor=actor)


def redispatch(conn: sqlite3.Connection, clock: Clock, actor: str, order_id: str, reason: str, *,
               event_id: str) -> str:
    with transaction(conn):
        moved = machine.apply(conn, clock, order_id, "redispatch", actor=actor, reason=reason or "redispatch",
                              event_id=event_id)
        if moved.applied:
            # A fresh round: earlier refusals may have been momentary, so everyone may be asked again.
            conn.execute("DELETE FROM offers WHERE order_id = ? AND state IN ('refused', 'expired')", (order_id,))
            engine.advance(conn, clock, order_id, cause=event_id)
        return machine.state_of(conn, order_id)


def documents_verified(conn: sqlite3.Connection, clock: Clock, actor: str, order_id: str, reason: str, *,
                       event_id: str) -> str:
    """R-11: an operator verified the ID and deed/contract/licence photos; the deposit is released."""
    with transaction(conn):
        moved = machine.apply(conn, clock, order_id, "documents_verified", actor=actor,
                              reason=reason or _("documents verified"), event_id=event_id)
        if moved.applied:
            holds.resolve(conn, clock, order_id=order_id, purpose="deposit", outcome="release", actor=actor,
                          memo="R-11")
            order = engine.order_row(conn, order_id)
            outbox.put(conn, clock, "customer", order["customer_id"],
                       OrderStatus(order_id, moved.to_state, _("documents verified; deposit released")))
            police_feed.emit(conn, "documents.verified", {"id": order_id, "actor": actor, "at_ms": clock.now_ms()},
                             now_ms=clock.now_ms())
        return moved.to_state


def dispute(conn: sqlite3.Connection, clock: Clock, actor: str, order_id: str, reason: str, *,
            event_id: str) -> str:
    with transaction(conn):
        moved = machine.apply(conn, clock, order_id, "dispute", actor=actor, reason=reason or "dispute",
                              event_id=event_id)
        if moved.applied:
            for purpose in holds.open_holds(conn, order_id):
                holds.resolve(conn, clock, order_id=order_id, purpose=purpose, outcome="police",  # type: ignore[arg-type]
                              actor=actor)
            police_feed.emit(conn, "order.disputed", {"id": order_id, "actor": actor, "reason": reason,
                                                      "at_ms": clock.now_ms()}, now_ms=clock.now_ms())
        return moved.to_state


def documents_deadline(conn: sqlite3.Connection, clock: Clock, order_id: str, event_id: str) -> None:
    """The 3-day timer (R-11). Overdue documents freeze the deposit for the police and tell them; if the
    job is still running, the order is flagged and the deadline applies as soon as the fee is confirmed."""
    order = engine.order_row(conn, order_id)
    state = order["state"]
    if state == "awaiting_documents":
        machine.apply(conn, clock, order_id, "documents_overdue", actor="hub",
                      reason=_("documents not provided within 3 days"), event_id=event_id)
        holds.resolve(conn, clock, order_id=order_id, purpose="deposit", outcome="police", actor="hub")
        police_feed.emit(conn, "documents.overdue", {"id": order_id, "customer_id": order["customer_id"],
                                                     "locksmith_id": order["locksmith_id"],
                                                     "site_address": order["site_address"], "at_ms": clock.now_ms()},
                         now_ms=clock.now_ms())
        outbox.event(conn, clock, "documents.overdue", order_id=order_id)
    elif state in JOB_STATES or state in BEFORE_FORMED:
        conn.execute("UPDATE orders SET documents_overdue = 1 WHERE id = ?", (order_id,))


def rate(conn: sqlite3.Connection, clock: Clock, actor: str, order_id: str, stars: int) -> int:
    """R-13: the follow-up's rating feeds rule (2). One rating per order."""
    with transaction(conn):
        order = engine.order_row(conn, order_id)
        if order["completed_ms"] is None:
            raise DomainError("not_completed", _("only a completed order can be rated"))
        if order["rating"] is not None:
            raise DomainError("already_rated", _("this order was already rated"))
        conn.execute("UPDATE orders SET rating = ? WHERE id = ?", (stars, order_id))
        quality = record_rating(conn, order["locksmith_id"], stars)
        police_feed.emit(conn, "order.rated", {"id": order_id, "stars": stars, "actor": actor,
                                               "at_ms": clock.now_ms()}, now_ms=clock.now_ms())
        return quality

"""How an order ends or stalls: cancellation, abandonment (R-7), documents (R-11), disputes, redispatch,
the follow-up's rating. The money of each outcome is the transition table's `money` column, carried out by
the machine with the move (hub/orders/money.py)."""

from __future__ import annotations

from hub import police_feed
from hub.db import Conn, transaction
from hub.dispatch import engine, offers
from hub.dispatch.retry import RETRY_TIMER
from hub.orders import arrival, dispatching, machine, outbox, store
from hub.orders.states import BEFORE_FORMED, LOCKSMITH_BUSY
from hub.registry.errors import DomainError
from hub.registry.locksmiths import record_rating
from hub.timers.scheduler import Handler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import OrderStatus
from protocol.messages.job import JobCancelled


def cancel(conn: Conn, clock: Clock, actor: str, order_id: str, reason: str, *, event_id: str,
           customer_id: str | None = None) -> str:
    """Cancel before the order is formed, or abandon it after (R-7). Returns the final state."""
    with transaction(conn):
        order = store.order_row(conn, order_id)
        if customer_id is not None and order.customer_id != customer_id:
            raise DomainError("forbidden", _("this order belongs to another customer"))
        state = order.state
        event = "cancel" if state in BEFORE_FORMED else "abandon"
        if event == "abandon" and state == "en_route" and arrival.missed(conn, order_id):
            event = "abandon_no_show"  # the prepayment goes back: the locksmith did not come in time
        reason = reason or _("cancelled by the customer")
        moved = machine.apply(conn, clock, order_id, event, actor=actor, reason=reason, event_id=event_id)
        if not moved.applied:
            return moved.to_state
        # the cancellation first, then the offer it withdraws: the operators' history is in outbox order
        outbox.event(conn, clock, f"order.{moved.to_state}", order_id=order_id, reason=reason, actor=actor)
        offer = engine.open_offer(conn, order_id)
        if offer is not None:
            engine.close_offer(conn, clock, offer.id, "withdrawn", "cancelled")
        if order.kit_id and state in LOCKSMITH_BUSY:
            outbox.put(conn, clock, "kit", order.kit_id, JobCancelled(order_id, reason))
        outbox.put(conn, clock, "customer", order.customer_id, OrderStatus(order_id, moved.to_state, reason))
        police_feed.emit(conn, f"order.{moved.to_state}", {"id": order_id, "from": state, "actor": actor,
                                                           "reason": reason, "at_ms": clock.now_ms()},
                         now_ms=clock.now_ms())
        return moved.to_state


def redispatch(conn: Conn, clock: Clock, actor: str, order_id: str, reason: str, *,
               event_id: str) -> str:
    with transaction(conn):
        moved = machine.apply(conn, clock, order_id, "redispatch", actor=actor, reason=reason or "redispatch",
                              event_id=event_id)
        if moved.applied:
            # A fresh round: earlier refusals may have been momentary, so everyone may be asked again.
            offers.forget_refusals(conn, order_id)
            dispatching.advance(conn, clock, order_id, cause=event_id)
        return machine.state_of(conn, order_id)


def documents_verified(conn: Conn, clock: Clock, actor: str, order_id: str, reason: str, *,
                       event_id: str) -> str:
    """R-11: an operator verified the ID and deed/contract/licence photos; the deposit is released."""
    with transaction(conn):
        moved = machine.apply(conn, clock, order_id, "documents_verified", actor=actor,
                              reason=reason or _("documents verified"), event_id=event_id)
        if moved.applied:
            order = store.order_row(conn, order_id)
            outbox.put(conn, clock, "customer", order.customer_id,
                       OrderStatus(order_id, moved.to_state, _("documents verified; deposit released")))
            police_feed.emit(conn, "documents.verified", {"id": order_id, "actor": actor, "at_ms": clock.now_ms()},
                             now_ms=clock.now_ms())
        return moved.to_state


def dispute(conn: Conn, clock: Clock, actor: str, order_id: str, reason: str, *,
            event_id: str) -> str:
    with transaction(conn):
        moved = machine.apply(conn, clock, order_id, "dispute", actor=actor, reason=reason or "dispute",
                              event_id=event_id)
        if moved.applied:
            police_feed.emit(conn, "order.disputed", {"id": order_id, "actor": actor, "reason": reason,
                                                      "at_ms": clock.now_ms()}, now_ms=clock.now_ms())
        return moved.to_state


def rate(conn: Conn, clock: Clock, actor: str, order_id: str, stars: int) -> int:
    """R-13: the follow-up's rating feeds rule (2). One rating per order."""
    with transaction(conn):
        order = store.order_row(conn, order_id)
        if order.completed_ms is None:
            raise DomainError("not_completed", _("only a completed order can be rated"))
        if order.rating is not None:
            raise DomainError("already_rated", _("this order was already rated"))
        store.set_rating(conn, order_id, stars)
        quality = record_rating(conn, order.locksmith, stars)
        police_feed.emit(conn, "order.rated", {"id": order_id, "stars": stars, "actor": actor,
                                               "at_ms": clock.now_ms()}, now_ms=clock.now_ms())
        return quality


def _retry_due(conn: Conn, clock: Clock, p: dict[str, object], event_id: str) -> None:
    """hub/dispatch/retry.py's timer: the hub tries an unassigned order again by itself."""
    order_id = str(p["order_id"])
    if machine.state_of(conn, order_id) != "unassigned":
        return  # an operator redispatched or cancelled it meanwhile
    redispatch(conn, clock, "hub", order_id, _("automatic retry {n}").format(n=p.get("round", 1)),
               event_id=event_id)


TIMERS: dict[str, Handler] = {RETRY_TIMER: _retry_due}

"""The on-site job driven by the kit's records (R-7 to R-10): the order moves the records' steps ask for
(hub/orders/kitrecords.py decides which, after checking the kit's claims)."""

from __future__ import annotations

from hub import police_feed
from hub.db import Conn, transaction
from hub.dispatch.settings import load
from hub.orders import arrival, deadlines, dispatching, machine, outbox, store
from hub.orders.store import Order
from hub.registry import presence
from hub.registry.errors import DomainError
from hub.timers import scheduler
from hub.timers.scheduler import Handler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import OrderStatus

FOLLOWUP_TIMER = "followup.due"
STEP_EVENTS = {"set_out": "set_out", "arrived": "arrived", "started": "job_started", "done": "job_done"}


def kit_order(conn: Conn, kit_id: str, order_id: str) -> Order:
    order = store.order_row(conn, order_id)
    if order.kit_id != kit_id:
        raise DomainError("forbidden", _("this order is not assigned to this kit"))
    return order


def step(conn: Conn, clock: Clock, kit_id: str, order_id: str, name: str, *, event_id: str,
         lat: float | None = None, lon: float | None = None) -> str:
    event = STEP_EVENTS.get(name)
    if event is None:
        raise DomainError("invalid", _("unknown step: ") + name)
    with transaction(conn):
        order = kit_order(conn, kit_id, order_id)
        if event == "job_started" and not store.is_verified(conn, order_id):
            raise DomainError("not_verified", _("the job cannot start before the on-site verification"))
        moved = machine.apply(conn, clock, order_id, event, actor=f"kit:{kit_id}", reason=name, event_id=event_id)
        if lat is not None and lon is not None:
            presence.kit_position(conn, clock, kit_id, lat, lon)
        if moved.applied:
            if event == "set_out":
                arrival.set_out(conn, clock, order_id)  # the no-show deadline
            outbox.put(conn, clock, "customer", order.customer_id, OrderStatus(order_id, moved.to_state, name))
            outbox.event(conn, clock, f"order.{moved.to_state}", order_id=order_id)
        return moved.to_state


def fee_received(conn: Conn, clock: Clock, kit_id: str, order_id: str, fee_fen: int, method: str, *,
                 event_id: str) -> str:
    """R-10: the locksmith confirms the fee; the prepayment goes back to the customer."""
    if fee_fen < 0:
        raise DomainError("invalid", _("the fee cannot be negative"))
    with transaction(conn):
        order = kit_order(conn, kit_id, order_id)
        moved = machine.apply(conn, clock, order_id, "fee_confirmed", actor=f"kit:{kit_id}",
                              reason=_("fee received: ") + f"{fee_fen} ({method})", event_id=event_id)
        if not moved.applied:
            return machine.state_of(conn, order_id)
        now = clock.now_ms()
        store.record_fee(conn, order_id, fee_fen, now)
        scheduler.schedule(conn, clock, FOLLOWUP_TIMER, f"followup:{order_id}", now + load(conn).followup_s * 1000,
                           {"order_id": order_id})
        police_feed.emit(conn, "order.completed", {"id": order_id, "fee_fen": fee_fen, "method": method,
                                                   "locksmith_id": order.locksmith_id, "at_ms": now}, now_ms=now)
        outbox.put(conn, clock, "customer", order.customer_id,
                   OrderStatus(order_id, "awaiting_documents", _("prepayment released; please provide documents")))
        outbox.event(conn, clock, "order.completed", order_id=order_id)
        if order.documents_overdue:
            deadlines.documents_deadline(conn, clock, order_id, f"{event_id}:overdue")
        return machine.state_of(conn, order_id)


def withdraw(conn: Conn, clock: Clock, kit_id: str, order_id: str, reason: str, *,
             event_id: str) -> str:
    """The locksmith drops a formed order before arrival: dispatch resumes, the money stays frozen."""
    with transaction(conn):
        order = kit_order(conn, kit_id, order_id)
        moved = machine.apply(conn, clock, order_id, "locksmith_withdrew", actor=f"kit:{kit_id}",
                              reason=reason or _("locksmith withdrew"), event_id=event_id)
        if moved.applied:
            store.release_locksmith(conn, order_id)
            outbox.put(conn, clock, "customer", order.customer_id,
                       OrderStatus(order_id, "dispatching", _("the locksmith withdrew; finding another")))
            dispatching.advance(conn, clock, order_id, cause=event_id)
        return machine.state_of(conn, order_id)


def _followup_due(conn: Conn, clock: Clock, p: dict[str, object], event_id: str) -> None:
    # the operator (or the follow-up component) contacts the customer.
    outbox.event(conn, clock, "followup.due", order_id=p["order_id"])


TIMERS: dict[str, Handler] = {FOLLOWUP_TIMER: _followup_due}

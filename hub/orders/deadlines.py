"""R-11's three days: the documents deadline, set when the order forms and fired by its durable timer."""

from __future__ import annotations

from hub import police_feed
from hub.db import Conn
from hub.orders import machine, outbox, store
from hub.orders.states import BEFORE_FORMED, JOB_STATES
from hub.timers import scheduler
from hub.timers.scheduler import Handler
from protocol.clock import Clock
from protocol.i18n import _

DOCUMENTS_TIMER = "documents.deadline"


def schedule(conn: Conn, clock: Clock, order_id: str, due_ms: int) -> None:
    scheduler.schedule(conn, clock, DOCUMENTS_TIMER, f"documents:{order_id}", due_ms, {"order_id": order_id})


def documents_deadline(conn: Conn, clock: Clock, order_id: str, event_id: str) -> None:
    """The 3-day timer (R-11). Overdue documents freeze the deposit for the police and tell them; if the
    job is still running, the order is flagged and the deadline applies as soon as the fee is confirmed."""
    order = store.order_row(conn, order_id)
    state = order.state
    if state == "awaiting_documents":
        machine.apply(conn, clock, order_id, "documents_overdue", actor="hub",
                      reason=_("documents not provided within 3 days"), event_id=event_id)
        police_feed.emit(conn, "documents.overdue", {"id": order_id, "customer_id": order.customer_id,
                                                     "locksmith_id": order.locksmith_id,
                                                     "site_address": order.site_address, "at_ms": clock.now_ms()},
                         now_ms=clock.now_ms())
        outbox.event(conn, clock, "documents.overdue", order_id=order_id)
    elif state in JOB_STATES or state in BEFORE_FORMED:
        store.flag_documents_overdue(conn, order_id)


def _due(conn: Conn, clock: Clock, p: dict[str, object], event_id: str) -> None:
    documents_deadline(conn, clock, str(p["order_id"]), event_id)


TIMERS: dict[str, Handler] = {DOCUMENTS_TIMER: _due}

"""The arrival deadline (no-show): when a locksmith sets out, the hub expects them by the offer's arrival
estimate plus a grace period (`arrival_grace_s`), as a durable timer.

Missed: the operators are alerted, the customer is told (in the app and by SMS) that they may cancel without
losing the prepayment - R-7's compensation is for a customer who abandons for their own reasons, not for a
locksmith who did not come - and an operator may withdraw the locksmith (`ops order.withdraw`), which sends
the order round again with the money still frozen for the next locksmith."""

from __future__ import annotations

import json
from typing import Any

from hub.db import Conn, transaction
from hub.dispatch import offers
from hub.dispatch.settings import load
from hub.notify import store as sms
from hub.orders import dispatching, machine, outbox, store
from hub.registry import store as registry_store
from hub.registry.errors import DomainError
from hub.timers import scheduler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import OrderStatus
from protocol.messages.job import JobCancelled

ARRIVAL_TIMER = "order.arrival_due"


def set_out(conn: Conn, clock: Clock, order_id: str) -> int:
    """Called in the transaction that moved the order to en_route; returns the deadline (ms)."""
    order = store.order_row(conn, order_id)
    offer = offers.of_locksmith(conn, order_id, order.locksmith)
    now = clock.now_ms()
    due = now + (int(offer.eta_s if offer else 0) + load(conn).arrival_grace_s) * 1000
    store.start_arrival(conn, order_id, order.locksmith, now, due)
    scheduler.schedule(conn, clock, ARRIVAL_TIMER, f"arrival:{order_id}:{order.locksmith_id}", due,
                       {"order_id": order_id, "locksmith_id": order.locksmith_id})
    return due


def missed(conn: Conn, order_id: str) -> bool:
    """The current locksmith of this order missed the arrival deadline."""
    locksmith = store.order_row(conn, order_id).locksmith_id
    return locksmith is not None and store.arrival_missed(conn, order_id, locksmith)


def _due(conn: Conn, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    order = store.order_row(conn, p["order_id"])
    if order.state != "en_route" or order.locksmith_id != p["locksmith_id"]:
        return  # arrived, withdrawn or ended meanwhile
    now = clock.now_ms()
    store.mark_arrival_missed(conn, p["order_id"], p["locksmith_id"], now)
    name = registry_store.name_of(conn, p["locksmith_id"])
    outbox.event(conn, clock, "order.arrival_missed", order_id=p["order_id"], locksmith_id=p["locksmith_id"],
                 message=_("The locksmith has not arrived by the deadline: withdraw them and dispatch again, or call."))
    outbox.put(conn, clock, "customer", order.customer_id, OrderStatus(
        p["order_id"], "en_route", _("The locksmith is late. You may cancel without losing your prepayment, or wait.")))
    mobile = str(json.loads(order.request_json).get("customer_mobile", ""))
    if mobile:
        sms.queue(conn, clock, to=mobile, template_name="arrival_late",
                  params={"locksmith": name or "", "link": sms.public_link(conn, f"/orders/{p['order_id']}")},
                  purpose="arrival_late", actor="hub", order_id=p["order_id"])


def withdraw(conn: Conn, clock: Clock, actor: str, order_id: str, reason: str, *, event_id: str) -> str:
    """`ops order.withdraw`: the operator takes the order from its locksmith (a no-show, a breakdown) and sends it
    round again; the prepayment and deposit stay frozen and the order forms again when the next one is accepted."""
    with transaction(conn):
        order = store.order_row(conn, order_id)
        if order.state not in ("formed", "en_route"):
            raise DomainError("not_withdrawable", _("only an order whose locksmith has not arrived can be withdrawn "
                                                    "(it is {state})").format(state=order.state))
        reason = reason or _("withdrawn by the operator")
        moved = machine.apply(conn, clock, order_id, "locksmith_withdrew", actor=actor, reason=reason,
                              event_id=event_id)
        if moved.applied:
            if order.kit_id:
                outbox.put(conn, clock, "kit", order.kit_id, JobCancelled(order_id, reason))
            store.release_locksmith(conn, order_id)
            outbox.put(conn, clock, "customer", order.customer_id,
                       OrderStatus(order_id, "dispatching", _("the locksmith was withdrawn; finding another")))
            outbox.event(conn, clock, "order.withdrawn", order_id=order_id, locksmith_id=order.locksmith_id,
                         actor=actor, reason=reason)
            dispatching.advance(conn, clock, order_id, cause=event_id)
        return machine.state_of(conn, order_id)


TIMERS: dict[str, scheduler.Handler] = {ARRIVAL_TIMER: _due}

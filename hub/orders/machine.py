"""Applying the transition table: every move logged with actor, time and reason, its money effect carried
out with it (hub/orders/money.py), and an order reaching a final state has its pending timers cancelled;
idempotent by event id."""

from __future__ import annotations

from dataclasses import dataclass

from hub.db import Conn, transaction
from hub.orders import money, store
from hub.orders.states import FINAL, LOCKSMITH_BUSY, OUTLIVE_THE_ORDER, TABLE, TRANSITIONS
from hub.registry.errors import DomainError
from hub.timers import scheduler
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


def state_of(conn: Conn, order_id: str) -> str:
    return store.state_of(conn, order_id)


def apply(conn: Conn, clock: Clock, order_id: str, event: str, *, actor: str, reason: str,
          event_id: str) -> Moved:
    with transaction(conn):
        done = store.applied_event(conn, event_id)
        if done is not None:
            if done.order_id != order_id or done.event != event:
                raise DomainError("idempotency_conflict", _("event id reused for a different event: ") + event_id)
            return Moved(order_id, event, done.from_state, done.to_state, applied=False)
        order = store.order_row(conn, order_id)
        state = str(order.state)
        t = TABLE.get((state, event))
        if t is None:
            raise IllegalTransition(order_id, state, event)
        if actor_kind(actor) not in t.by:
            raise NotAllowed(actor, event)
        now = clock.now_ms()
        store.move(conn, order_id, event_id=event_id, event=event, from_state=state, to_state=t.to,
                   busy=t.to in LOCKSMITH_BUSY, actor=actor, reason=reason, now_ms=now)
        money.carry_out(conn, clock, order, t.money, actor)
        if t.to in FINAL:  # an order that is over waits on nothing (its follow-up is about the job done)
            scheduler.cancel_for_order(conn, order_id, keep=OUTLIVE_THE_ORDER)
        return Moved(order_id, event, state, t.to, applied=True)


def history(conn: Conn, order_id: str) -> list[dict[str, object]]:
    return store.history(conn, order_id)

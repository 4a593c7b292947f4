"""Unassigned orders are tried again by the hub itself: a locked-out customer should not wait for an
operator to notice that every locksmith was busy a minute ago. After `retry_unassigned_s` the order goes
round the candidates again (refusals and expiries forgotten, as with an operator's `order.redispatch`),
up to `retry_unassigned_max` times; after that the operator has it, as before. Each retry is a durable
timer, so a hub restart neither loses nor repeats one."""

from __future__ import annotations

from hub.db import Conn
from hub.dispatch.settings import load
from hub.orders import store
from hub.orders.states import HUB
from hub.timers import scheduler
from protocol.clock import Clock

RETRY_TIMER = "order.retry_unassigned"


def automatic_retries(conn: Conn, order_id: str) -> int:
    return store.count_events(conn, order_id, "redispatch", HUB)


def schedule_retry(conn: Conn, clock: Clock, order_id: str) -> int | None:
    """Plan the next automatic round for an order that just became unassigned; its due time, or None when
    the retries are used up (or switched off with retry_unassigned_max 0)."""
    settings = load(conn)
    done = automatic_retries(conn, order_id)
    if done >= settings.retry_unassigned_max:
        return None
    due = clock.now_ms() + settings.retry_unassigned_s * 1000
    scheduler.schedule(conn, clock, RETRY_TIMER, f"retry:{order_id}:{done + 1}", due,
                       {"order_id": order_id, "round": done + 1})
    return due

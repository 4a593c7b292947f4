"""A customer's own rating from the app (`customer.rate`): closes the order's follow-up as reached through the
app, and the rating feeds dispatch rule 2 like an operator-recorded one."""

from __future__ import annotations

from hub.db import Conn, transaction
from hub.followup import tasks
from hub.orders import store
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.i18n import _


def rate(conn: Conn, clock: Clock, customer_id: str, order_id: str, stars: int, note: str) -> str:
    with transaction(conn):
        order = store.order_row(conn, order_id)
        if order.customer_id != customer_id:
            raise DomainError("forbidden", _("this order belongs to another customer"))
        if order.completed_ms is None:
            raise DomainError("not_completed", _("only a completed order can be rated"))
        tasks.sync_tasks(conn, clock)
        tasks.record_outcome(conn, clock, order_id, operator=f"customer:{customer_id}", channel="app",
                             outcome="reached", rating=stars, note=note[:500])
        return order_id

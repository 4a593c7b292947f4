"""Operator ops of notifications, answered through hub.ops like every other op."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.db import Conn
from hub.notify import code, store
from hub.orders import arrival
from protocol.clock import Clock

NOTIFY_HANDLERS: dict[str, Callable[[Conn, Clock, str, Any, str], Any]] = {
    "order.resend_code": lambda c, k, who, a, t: code.resend(c, k, who, a.order_id, a.reason),
    "order.withdraw": lambda c, k, who, a, t: {"state": arrival.withdraw(c, k, who, a.order_id, a.reason, event_id=t)},
    "notify.list": lambda c, k, who, a, t: store.listing(c, order_id=a.order_id, limit=a.limit),
}
READ_ONLY = frozenset({"notify.list"})

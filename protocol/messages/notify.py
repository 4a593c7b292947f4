"""Operator ops of notifications (hub/notify) and the customers' payments: merged into
protocol.messages.ops.OPS like the police-side ops."""

from __future__ import annotations

import msgspec


class CodeResend(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An order and the operator's reason (order.resend_code, order.withdraw)."""

    order_id: str
    reason: str = ""


class NotifyList(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str | None = None
    limit: int = 100


NOTIFY_OPS: dict[str, tuple[type[msgspec.Struct], str]] = {
    "order.resend_code": (CodeResend, "Send the service code to the customer's mobile again (the code is never shown)"),
    "order.withdraw": (CodeResend, "Withdraw the locksmith of a formed or en-route order and dispatch it again"),
    "notify.list": (NotifyList, "Outgoing SMS: state, attempts, the provider's answer (codes masked)"),
}

"""Operator ops for working a shift (argument bodies; joined into `protocol.messages.ops.OPS`): the event
history kept at the hub and the needs-attention list."""

from __future__ import annotations

import msgspec


class EventsHistory(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    limit: int = 500
    order_id: str | None = None


class AttentionList(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class OrderAssign(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    locksmith_id: str
    reason: str = ""


class OrderCandidates(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str


SHIFT_OPS: dict[str, tuple[type[msgspec.Struct], str]] = {
    "events.history": (EventsHistory, "The latest operator events kept at the hub, oldest first"),
    "attention.list": (AttentionList, "What needs a person now (unassigned orders, red warnings, overdue documents,"
                                      " failed timers, kits offline with a backlog ...), most urgent first"),
    "order.candidates": (OrderCandidates, "Locksmiths who could be offered the order now, best first"),
    "order.assign": (OrderAssign, "Offer the order to the locksmith the operator chose; their kit must accept"),
}

# Read-only: their answers are not kept for transaction-id replay.
SHIFT_READ_ONLY = frozenset({"events.history", "attention.list", "order.candidates"})

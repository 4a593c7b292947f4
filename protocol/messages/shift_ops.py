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


class IdOpen(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    subject: str  # customer_warning (ref: the warning's subject id) | document (ref: the submission id)
    ref: str
    reason: str


SHIFT_OPS: dict[str, tuple[type[msgspec.Struct], str]] = {
    "events.history": (EventsHistory, "The latest operator events kept at the hub, oldest first"),
    "attention.list": (AttentionList, "What needs a person now (unassigned orders, red warnings, overdue documents,"
                                      " failed timers, kits offline with a backlog ...), most urgent first"),
    "order.candidates": (OrderCandidates, "Locksmiths who could be offered the order now, best first"),
    "id.open": (IdOpen, "Open a masked resident ID number, with a reason; the hub logs who, when and why"),
    "id.openings": (AttentionList, "Who opened which masked ID numbers, newest first"),
    "order.assign": (OrderAssign, "Offer the order to the locksmith the operator chose; their kit must accept"),
}

# Answers not kept for transaction-id replay: the read-only ops, and id.open, whose answer is the whole
# ID number (kept once, in the record it came from; a retried opening is simply logged again).
SHIFT_READ_ONLY = frozenset({"events.history", "attention.list", "order.candidates", "id.openings", "id.open"})

"""Durable timers (offers 30 s, customer confirmation, payment, documents 3 days, follow-up 24 h)."""

from hub.timers.scheduler import Handler, cancel, cancel_for_order, fire_due, next_due_ms, schedule

__all__ = ["Handler", "cancel", "cancel_for_order", "fire_due", "next_due_ms", "schedule"]

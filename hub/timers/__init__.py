"""Durable timers (offers 30 s, customer confirmation, payment, documents 3 days, follow-up 24 h)."""

from hub.timers.scheduler import cancel, fire_due, next_due_ms, on_fire, schedule

__all__ = ["cancel", "fire_due", "next_due_ms", "on_fire", "schedule"]

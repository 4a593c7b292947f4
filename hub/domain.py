"""The hub domain's explicit tables, read by the composition root (hub/wiring.py) and by tests that drive
the domain without a service: which module handles each durable timer kind, and the periodic jobs. Each
module declares its own timers (`TIMERS`); nothing registers itself on import, so what runs is what is
listed here. (Publishing the domain outbox and forwarding to the police are the service's own tickers.)"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hub.db import Conn
from hub.followup.tasks import flag_overdue, sync_tasks
from hub.notify import followup as notify_followup
from hub.orders import arrival, confirm, deadlines, dispatching, intake, job, settle
from hub.risk.sweep import sweep
from hub.timers import Handler, fire_due
from protocol.clock import Clock

TIMER_HANDLERS: Mapping[str, Handler] = {
    **dispatching.TIMERS,  # offer.expire
    **confirm.TIMERS,  # order.confirm_timeout, order.payment_timeout
    **intake.TIMERS,  # order.dispatch_due
    **deadlines.TIMERS,  # documents.deadline
    **job.TIMERS,  # followup.due
    **settle.TIMERS,  # order.retry_unassigned
    **notify_followup.TIMERS,  # followup.due again: the orders' handler, then the rating-link SMS (R-13)
    **arrival.TIMERS,  # order.arrival_due (no-show)
}


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_ms: int  # 0: on every tick of the service (about once a second)
    run: Callable[[Conn, Clock], object]


PERIODIC: tuple[PeriodicJob, ...] = (
    PeriodicJob("timers", 0, lambda conn, clock: fire_due(conn, clock, TIMER_HANDLERS)),
    PeriodicJob("followup.tasks", 5_000, sync_tasks),  # a task for every completed order
    PeriodicJob("followup.overdue", 5_000, flag_overdue),  # tasks 48 h old are flagged to the police
    PeriodicJob("risk.sweep", 5_000, lambda conn, clock: sweep(conn, clock)),  # re-score new feed records
)

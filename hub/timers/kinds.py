"""The domain's timer kinds and what each does when it fires. Every handler re-checks the state first."""

from __future__ import annotations

import sqlite3
from typing import Any

import hub.notify.followup  # noqa: F401  (registers the R-13 follow-up SMS on the follow-up timer)
from hub.dispatch import confirm, engine, retry
from hub.orders import intake, machine, outbox, settle
from hub.orders.job import FOLLOWUP_TIMER
from hub.orders.states import HUB
from hub.timers.scheduler import on_fire
from protocol.clock import Clock
from protocol.i18n import _


def _offer(conn: sqlite3.Connection, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    engine.expire(conn, clock, p["offer_id"], cause=event_id)


def _confirm(conn: sqlite3.Connection, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    confirm.confirm_timeout(conn, clock, p["order_id"], p["offer_id"], event_id)


def _payment(conn: sqlite3.Connection, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    confirm.payment_timeout(conn, clock, p["order_id"], event_id)


def _dispatch(conn: sqlite3.Connection, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    intake.dispatch_due(conn, clock, p["order_id"], event_id)


def _documents(conn: sqlite3.Connection, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    settle.documents_deadline(conn, clock, p["order_id"], event_id)


def _retry(conn: sqlite3.Connection, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    if machine.state_of(conn, p["order_id"]) != "unassigned":
        return  # an operator redispatched or cancelled it meanwhile
    settle.redispatch(conn, clock, HUB, p["order_id"], _("automatic retry {n}").format(n=p.get("round", 1)),
                      event_id=event_id)


def _followup(conn: sqlite3.Connection, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    # the operator (or the follow-up component, via on_fire) contacts the customer.
    outbox.event(conn, clock, "followup.due", order_id=p["order_id"])


on_fire(engine.OFFER_TIMER, _offer)
on_fire(confirm.CONFIRM_TIMER, _confirm)
on_fire(confirm.PAYMENT_TIMER, _payment)
on_fire(intake.DISPATCH_TIMER, _dispatch)
on_fire(confirm.DOCUMENTS_TIMER, _documents)
on_fire(FOLLOWUP_TIMER, _followup)
on_fire(retry.RETRY_TIMER, _retry)

"""R-13 follow-up messages: the SMS with the link to rate goes out through the notification outbox, queued by
an operator (`followup.contact`) or by the hub itself when the follow-up timer fires after completion."""

from __future__ import annotations

import json
from typing import Any

from hub.db import Conn
from hub.followup import store as followup_store
from hub.notify import store
from hub.orders import job
from hub.orders import store as orders_store
from hub.orders.job import FOLLOWUP_TIMER
from hub.registry.errors import DomainError
from hub.timers.scheduler import Handler
from protocol.clock import Clock
from protocol.i18n import _


def rating_link(conn: Conn, order_id: str) -> str:
    return store.public_link(conn, f"/orders/{order_id}/rate")


def send_followup(conn: Conn, clock: Clock, channel: str, to: str, order_id: str, operator: str) -> str:
    if channel == "sms":
        if not to:
            raise DomainError("no_mobile", _("the order has no mobile number to send the follow-up to"))
        sms_id = store.queue(conn, clock, to=to, template_name="followup",
                             params={"link": rating_link(conn, order_id)}, purpose="followup", actor=operator,
                             order_id=order_id)
        return f"sms:{sms_id}"
    if channel == "voice":
        return f"call:{operator}"  # the operator phones the customer; the outcome is recorded with followup.record
    raise DomainError("no_gateway", _("no gateway for this channel yet: use sms, or call the customer (voice)"))


def _due(conn: Conn, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    # The follow-up task exists by now (hub/domain.py syncs tasks every few seconds; this timer fires 24 h
    # after completion); without one there is nothing to follow up.
    task = followup_store.task(conn, p["order_id"])
    if task is None or task["status"] != "due":
        return
    if followup_store.contacted(conn, p["order_id"], "sms"):
        return  # an operator already sent it
    mobile = str(json.loads(orders_store.order_row(conn, p["order_id"]).request_json).get("customer_mobile", ""))
    if mobile:
        ref = send_followup(conn, clock, "sms", mobile, p["order_id"], "hub")
        followup_store.add_contact(conn, p["order_id"], "sms", ref, "hub", clock.now_ms())


def _followup_due(conn: Conn, clock: Clock, p: dict[str, Any], event_id: str) -> None:
    """The follow-up timer: the console hears of it (the orders' own handler), and the SMS goes out."""
    job.TIMERS[FOLLOWUP_TIMER](conn, clock, p, event_id)
    _due(conn, clock, p, event_id)


TIMERS: dict[str, Handler] = {FOLLOWUP_TIMER: _followup_due}

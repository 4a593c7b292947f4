"""What an order page shows, derived from the hub's messages to the customer (in the order they came)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_RAW = re.compile(r"^[a-z_]+$")


@dataclass
class OrderView:
    order_id: str
    state: str = "new"
    reason: str = ""
    card: dict[str, Any] | None = None
    respond_by: int | None = None
    amount_fen: int | None = None
    pay_url: str = ""
    code: str = ""
    history: list[tuple[str, str]] = field(default_factory=list)
    rated: int | None = None
    position: dict[str, Any] | None = None
    documents_sent: bool = False

    @property
    def can_send_documents(self) -> bool:
        return not self.documents_sent and self.state in ("awaiting_documents", "case_opened")

    @property
    def tracking(self) -> bool:
        return self.position is not None and self.state == "en_route"

    @property
    def show_code(self) -> bool:
        """The code is for the door: shown until the locksmith has checked it."""
        return bool(self.code) and self.state in ("formed", "en_route", "on_site")

    @property
    def can_decide(self) -> bool:
        return self.state == "awaiting_customer" and self.card is not None

    @property
    def can_pay(self) -> bool:
        return self.state == "awaiting_payment"

    @property
    def can_abandon(self) -> bool:
        return self.state in ("dispatching", "unassigned", "awaiting_customer", "awaiting_payment", "formed",
                              "en_route", "on_site")

    @property
    def abandon_forfeits(self) -> bool:
        """R-7: after set-out the prepayment goes to the locksmith, unless they missed the arrival deadline
        (the hub says so in the reason of the late notice; it decides the money either way)."""
        return self.state in ("en_route", "on_site") and not self.late

    @property
    def late(self) -> bool:
        return any(kind == "late" for kind, _r in self.history)

    @property
    def can_rate(self) -> bool:
        return self.rated is None and self.state in ("awaiting_documents", "documents_verified", "case_opened")


def order_view(order_id: str, messages: list[tuple[str, dict[str, Any]]], late_reason: str) -> OrderView:
    v = OrderView(order_id)
    for kind, body in messages:
        if kind == "customer.request_result" and body.get("ok") and v.state == "new":
            v.state = "dispatching"  # the request itself; later results answer decisions and payments
        elif kind == "customer.locksmith_card":
            v.state, v.card, v.respond_by = "awaiting_customer", body["card"], body.get("respond_by")
        elif kind == "customer.payment_due":
            v.state, v.amount_fen = "awaiting_payment", int(body["prepayment_fen"]) + int(body["deposit_fen"])
        elif kind == "customer.payment_created":
            v.pay_url, v.amount_fen = str(body["pay_url"]), int(body["amount_fen"])
        elif kind == "customer.order_success":
            v.state, v.card, v.code = "formed", body["card"], str(body["service_code"])
        elif kind == "customer.locksmith_position":
            v.position = body
        elif kind == "web.documents":
            v.documents_sent = True
        elif kind == "web.rated":
            v.rated = int(body["stars"])
        elif kind == "customer.order_status":
            v.state, v.reason = str(body["state"]), str(body.get("reason", ""))
            if _RAW.match(v.reason):
                v.reason = ""  # the hub names a kit step ("set_out") here; the state label says it for people
            v.history.append(("late" if v.reason == late_reason else "status", v.reason))
    return v


# What a customer reads for each order state and grade (msgids; the pages translate them).
STATE_LABELS = {
    "new": "Received", "scheduled": "Appointment booked", "dispatching": "Finding a locksmith",
    "unassigned": "No locksmith free yet", "awaiting_customer": "Please confirm your locksmith",
    "awaiting_payment": "Please pay", "formed": "Locksmith assigned", "en_route": "Locksmith on the way",
    "on_site": "Locksmith at the door", "verified": "Identity checked", "in_progress": "Opening the lock",
    "completed": "Done", "awaiting_documents": "Done: documents due within 3 days",
    "documents_verified": "Closed", "case_opened": "Documents overdue: referred to the police",
    "disputed": "Under review", "cancelled": "Cancelled", "abandoned": "Cancelled after dispatch",
    "closed_by_police": "Closed by the police",
}
GRADE_LABELS = {"junior": "Junior", "intermediate": "Intermediate", "senior": "Senior", "special": "Special grade"}


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, "Received")


def grade_label(grade: str) -> str:
    return GRADE_LABELS.get(grade, grade)

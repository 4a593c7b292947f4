"""Entry point for the customer's messages (`customer/{customer_id}/up`): request, decision, payment,
abandonment. Answers and refusals go to the customer's outbox as `customer.request_result`."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.db import Conn
from hub.documents.ops import handle_customer_documents
from hub.ops.atomic import atomically
from hub.orders import confirm, customer_rating, dispatching, intake, outbox, settle
from hub.payments import intents
from hub.payments.provider import PAY_PROVIDERS
from hub.registry.errors import DomainError, ValidationFailed
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import (
    CustomerAbandon,
    CustomerDecision,
    CustomerPay,
    FieldProblem,
    RequestResult,
    UnlockRequest,
)
from protocol.messages.police import CustomerDocuments
from protocol.messages.rating import CustomerRate
from protocol.registry import body_type

CUSTOMER_TYPES = ("customer.request", "customer.decision", "customer.pay", "customer.abandon", "customer.documents",
                  "customer.rate")


def _run(conn: Conn, clock: Clock, customer_id: str, body: msgspec.Struct, msg_id: str) -> str:
    actor = f"customer:{customer_id}"
    if isinstance(body, UnlockRequest):
        return intake.create(conn, clock, actor, customer_id, body, event_id=msg_id)
    if isinstance(body, CustomerDecision):
        dispatching.decide(conn, clock, actor, body.order_id, body.accept, body.reason, event_id=msg_id,
                       customer_id=customer_id)
        return body.order_id
    if isinstance(body, CustomerPay):
        if body.provider == intents.MANUAL or body.provider in PAY_PROVIDERS:
            intents.create(conn, clock, customer_id, body.order_id, body.provider, body.amount_fen)
            return body.order_id  # the order forms when the provider's signed notification arrives
        confirm.pay(conn, clock, actor, body.order_id, amount_fen=body.amount_fen, provider=body.provider,
                    external_ref=body.external_ref, event_id=msg_id, customer_id=customer_id)
        return body.order_id
    if isinstance(body, CustomerAbandon):
        settle.cancel(conn, clock, actor, body.order_id, body.reason, event_id=msg_id, customer_id=customer_id)
        return body.order_id
    if isinstance(body, CustomerRate):
        return customer_rating.rate(conn, clock, customer_id, body.order_id, body.stars, body.note)
    if isinstance(body, CustomerDocuments):
        return handle_customer_documents(conn, clock, customer_id, body, msg_id)
    raise DomainError("unknown_type", _("not a customer message"))


def handle_customer(conn: Conn, clock: Clock, customer_id: str, type_name: str,
                    body: dict[str, Any] | msgspec.Struct, *, msg_id: str) -> RequestResult:
    def work() -> RequestResult:
        if type_name not in CUSTOMER_TYPES:
            raise DomainError("unknown_type", _("not a customer message: ") + type_name)
        typed = body if isinstance(body, msgspec.Struct) else msgspec.convert(body, body_type(type_name))  # type: ignore[arg-type]
        return RequestResult(ok=True, order_id=_run(conn, clock, customer_id, typed, msg_id), errors=[], ref=msg_id)

    def refused(exc: Exception) -> RequestResult:
        if isinstance(exc, ValidationFailed):
            return RequestResult(False, None, [FieldProblem(i.field, i.message) for i in exc.issues], ref=msg_id)
        if isinstance(exc, DomainError):
            return RequestResult(False, None, [FieldProblem("", exc.message)], ref=msg_id)
        return RequestResult(False, None, [FieldProblem("", str(exc))], ref=msg_id)

    return atomically(conn, work, refused,
                      lambda result: outbox.put(conn, clock, "customer", customer_id, result))

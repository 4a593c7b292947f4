"""The customer's side of the contract: unlock requests and decisions up, identity cards and codes down.

Bodies are deliberately loose (plain strings) so the hub can answer with every field-level error at
once instead of the first schema error; the hub validates them (hub/orders/intake.py).
"""

from __future__ import annotations

import msgspec

from protocol.registry import message

_SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
_ORDER = "01JGZ0000000000000000000AA"


class Witness(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    id_number: str
    id_image_sha256: str


class Officer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    badge_number: str
    id_number: str
    id_image_sha256: str


def _example_request() -> UnlockRequest:
    return UnlockRequest(
        customer_name="张三", customer_mobile="13800138000", customer_id_number="11010519491231002X",
        customer_id_image_sha256=_SHA, witness=Witness("李四", "110105198001010016", _SHA), officer=None,
        site_address="北京市东城区东长安街1号", site_lat=39.9087, site_lon=116.3975, category="open",
        lock_class="B", appointment_ms=None, rule="eta",
    )


@message("customer.request", sender="customer", summary="An unlock request (R-3).", example=_example_request)
class UnlockRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    customer_name: str
    customer_mobile: str
    customer_id_number: str
    customer_id_image_sha256: str
    site_address: str
    site_lat: float
    site_lon: float
    category: str  # open | repair | replace
    lock_class: str  # A | B | B+ | safe | car
    rule: str  # eta | quality | grade
    witness: Witness | None = None
    officer: Officer | None = None
    appointment_ms: int | None = None  # None: now


@message("customer.decision", sender="customer", summary="Accept or reject the offered locksmith (R-6).",
         example=lambda: CustomerDecision(order_id=_ORDER, accept=True))
class CustomerDecision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    accept: bool
    reason: str = ""


@message("customer.pay", sender="customer", summary="Prepayment and deposit paid through a provider (R-6).",
         example=lambda: CustomerPay(order_id=_ORDER, amount_fen=25000, provider="manual", external_ref="R-1"))
class CustomerPay(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    amount_fen: int
    provider: str
    external_ref: str


@message("customer.abandon", sender="customer", summary="The customer abandons or cancels the order (R-7).",
         example=lambda: CustomerAbandon(order_id=_ORDER, reason="found my key"))
class CustomerAbandon(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    reason: str = ""


class FieldProblem(msgspec.Struct, frozen=True):
    field: str
    message: str


@message("customer.request_result", sender="hub", summary="Request accepted (order id) or refused (field errors).",
         example=lambda: RequestResult(ok=True, order_id=_ORDER, errors=[]))
class RequestResult(msgspec.Struct, frozen=True):
    ok: bool
    order_id: str | None
    errors: list[FieldProblem]
    ref: str = ""  # the message id of the request it answers


class LocksmithCard(msgspec.Struct, frozen=True):
    locksmith_id: str
    name: str
    photo_sha256: str
    grade: str
    unit_name: str
    rating_milli: int  # average stars x 1000
    eta_s: int


@message("customer.locksmith_card", sender="hub", summary="The accepting locksmith's identity, to accept or reject.",
         example=lambda: LocksmithCardMsg(order_id=_ORDER, card=LocksmithCard("L1", "王五", _SHA, "senior", "安心开锁",
                                                                              4500, 600), respond_by=0))
class LocksmithCardMsg(msgspec.Struct, frozen=True):
    order_id: str
    card: LocksmithCard
    respond_by: int


@message("customer.payment_due", sender="hub", summary="Pay prepayment plus deposit into escrow to form the order.",
         example=lambda: PaymentDue(order_id=_ORDER, prepayment_fen=5000, deposit_fen=20000, due_ms=0))
class PaymentDue(msgspec.Struct, frozen=True):
    order_id: str
    prepayment_fen: int
    deposit_fen: int
    due_ms: int


@message("customer.order_success", sender="hub",
         summary="Order formed: locksmith identity and the one-time service verification code (sent once).",
         example=lambda: OrderSuccess(order_id=_ORDER, card=LocksmithCard("L1", "王五", _SHA, "senior", "安心开锁", 4500,
                                                                         600), service_code="482913"))
class OrderSuccess(msgspec.Struct, frozen=True):
    order_id: str
    card: LocksmithCard
    service_code: str


@message("customer.order_status", sender="hub", summary="The order changed state (with the reason, in words).",
         example=lambda: OrderStatus(order_id=_ORDER, state="unassigned", reason="no locksmith available"))
class OrderStatus(msgspec.Struct, frozen=True):
    order_id: str
    state: str
    reason: str

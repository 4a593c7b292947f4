"""Payments the provider confirms: the hub tells the customer where to pay."""

from __future__ import annotations

import msgspec

from protocol.registry import message

_ORDER = "01JGZ0000000000000000000AA"


@message("customer.payment_created", sender="hub",
         summary="The payment was created with the provider: pay there; the order forms when the provider confirms.",
         example=lambda: PaymentCreated(order_id=_ORDER, provider="sandbox", trade_no=f"{_ORDER}-01", amount_fen=25000,
                                        pay_url="https://hub.example/sandbox/pay/01JGZ0000000000000000000AA-01"))
class PaymentCreated(msgspec.Struct, frozen=True):
    order_id: str
    provider: str
    trade_no: str
    amount_fen: int
    pay_url: str

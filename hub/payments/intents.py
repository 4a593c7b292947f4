"""Creating a payment with the provider for an order awaiting prepayment plus deposit (R-6)."""

from __future__ import annotations

from hub.db import Conn, transaction
from hub.orders import outbox, store
from hub.payments import store as payment_store
from hub.payments.provider import PAY_PROVIDERS
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.payments import PaymentCreated

MANUAL = "manual"


def create(conn: Conn, clock: Clock, customer_id: str, order_id: str, provider: str,
           amount_fen: int) -> PaymentCreated:
    """The customer wants to pay through `provider`: create (or return the open) payment and tell them where.
    Nothing is credited here; only the provider's verified notification does that."""
    if provider == MANUAL:
        raise DomainError("forbidden", _("a counter (manual) payment is recorded by an operator, not by the customer"))
    adapter = PAY_PROVIDERS.get(provider)
    if adapter is None:
        raise DomainError("unknown_provider", _("unknown payment provider: ") + provider)
    with transaction(conn):
        order = store.order_row(conn, order_id)
        if order.customer_id != customer_id:
            raise DomainError("forbidden", _("this order belongs to another customer"))
        if order.state != "awaiting_payment":
            raise DomainError("not_payable", _("this order is not waiting for payment (it is {state})").format(
                state=order.state))
        expected = int(order.prepayment_fen) + int(order.deposit_fen)
        if amount_fen != expected:
            raise DomainError("wrong_amount", _("the payment must be prepayment plus deposit: ") + f"{expected}")
        open_ = payment_store.open_intent(conn, order_id, provider, expected)
        if open_ is not None:
            created = PaymentCreated(order_id, provider, open_.trade_no, expected, open_.pay_url)
        else:
            n = payment_store.intents_of(conn, order_id)
            trade_no = f"{order_id}-{n + 1:02d}"  # at most 32 characters, as WeChat Pay's out_trade_no
            try:
                url = adapter.pay_url(trade_no, expected, _("Unlocking prepayment and deposit"))
            except NotImplementedError as exc:
                raise DomainError("provider_unavailable", _("this provider cannot take payments yet: ") + str(exc)) \
                    from exc
            payment_store.add_intent(conn, payment_store.Intent(trade_no, order_id, customer_id, provider, expected,
                                                                "created", url), clock.now_ms())
            created = PaymentCreated(order_id, provider, trade_no, expected, url)
        outbox.put(conn, clock, "customer", customer_id, created)
        return created

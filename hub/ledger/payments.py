"""Payment providers: adapters that confirm money really moved and give its external reference.

The hub never trusts an amount without a provider reference; each (provider, reference, direction)
is recorded once, so a repeated notification cannot credit twice. `manual` is built in: cash or
counter payments that an operator records, the operator's identity being the attestation.
"""

from __future__ import annotations

from typing import Literal, Protocol

from hub.db import Conn, Row, transaction
from hub.ledger.core import customer_account, external_account, move
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.i18n import _


class PaymentProvider(Protocol):
    name: str

    def confirm(self, external_ref: str, amount_fen: int) -> bool:
        """True when the provider confirms a payment of exactly this amount under this reference."""
        ...

    def refund(self, external_ref: str, amount_fen: int) -> str:
        """Send money back; returns the provider's reference for the refund."""
        ...


class ManualProvider:
    """Cash or counter payments recorded by an operator; the reference is the receipt number."""

    name = "manual"

    def confirm(self, external_ref: str, amount_fen: int) -> bool:
        return bool(external_ref.strip()) and amount_fen > 0

    def refund(self, external_ref: str, amount_fen: int) -> str:
        return f"manual-refund:{external_ref}"


PROVIDERS: dict[str, PaymentProvider] = {"manual": ManualProvider()}


def register_provider(provider: PaymentProvider) -> None:
    PROVIDERS[provider.name] = provider


def payment_by_ref(conn: Conn, provider: str, external_ref: str,
                   direction: Literal["in", "out"]) -> Row | None:
    """The payment (`in`) or refund (`out`) recorded under this provider reference: at most one (UNIQUE)."""
    row: Row | None = conn.execute(
        "SELECT * FROM ledger_payments WHERE provider = ? AND external_ref = ? AND direction = ?",
        (provider, external_ref, direction)).fetchone()
    return row


def record_payment(conn: Conn, clock: Clock, *, provider: str, external_ref: str, customer_id: str,
                   amount_fen: int, actor: str, order_id: str | None = None, verified: bool = False) -> int:
    """Credit the customer's hub wallet from the provider; idempotent by (provider, reference).
    `verified`: the caller checked the provider's signed notification (hub/payments), which is the
    provider's confirmation; otherwise the adapter's `confirm` is asked."""
    adapter = PROVIDERS.get(provider)
    if adapter is None:
        raise DomainError("unknown_provider", _("unknown payment provider: ") + provider)
    with transaction(conn):
        prior = payment_by_ref(conn, provider, external_ref, "in")
        if prior is not None:
            if prior["amount"] != amount_fen or prior["customer_id"] != customer_id:
                raise DomainError("idempotency_conflict", _("this payment reference was already used"))
            return int(prior["transfer_id"])
        if not verified and not adapter.confirm(external_ref, amount_fen):
            raise DomainError("payment_unconfirmed", _("the payment provider did not confirm this payment"))
        tid = move(conn, clock, key=f"pay:{provider}:{external_ref}", kind="payment_in",
                   source=external_account(provider), dest=customer_account(customer_id), amount=amount_fen,
                   actor=actor, order_id=order_id, memo=external_ref)
        conn.execute("INSERT INTO ledger_payments(provider, external_ref, direction, customer_id, order_id, amount,"
                     " transfer_id, actor, created_ms) VALUES (?,?,'in',?,?,?,?,?,?)",
                     (provider, external_ref, customer_id, order_id, amount_fen, tid, actor, clock.now_ms()))
        return tid

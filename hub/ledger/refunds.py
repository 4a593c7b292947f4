"""Refunds: money the hub holds for a customer (`customer:<id>`: holds released from escrow, R-6/R-10/R-11)
goes back to the customer through a payment provider.

A refund is one balanced transfer `customer:<id> -> external:<provider>` (the mirror of the payment that
brought the money in), recorded once per `(provider, reference)` in `ledger_payments` (direction `out`)
with the operator's identity. It never exceeds what the customer has at the hub (the ledger refuses an
overdraft anyway), nor, when it names the payment it returns, what is left of that payment.

- `manual`: cash or a counter transfer. The operator pays the customer and records the refund receipt
  number; a repeated receipt with the same amount is the same refund (answered again, not moved twice).
- any other registered provider: the adapter's `refund(payment_ref, amount)` sends the money back against
  the named incoming payment, and its returned reference is recorded. The call happens only after every
  check passed, so a refund the ledger would refuse is never sent to the provider.
"""

from __future__ import annotations

from typing import Any

from hub.db import Conn, transaction
from hub.ledger import store
from hub.ledger.core import balance, customer_account, external_account, move
from hub.ledger.payments import PROVIDERS, payment_by_ref
from hub.ledger.store import Payment
from hub.registry.errors import DomainError, FieldIssue, ValidationFailed
from protocol.clock import Clock
from protocol.i18n import _

MANUAL = "manual"


refunded = store.refunded


def _validate(provider: str, amount_fen: int | None, receipt: str, payment_id: int | None) -> None:
    issues: list[FieldIssue] = []
    if provider not in PROVIDERS:
        issues.append(FieldIssue("provider", _("unknown payment provider: ") + provider))
    if amount_fen is not None and (isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0):
        issues.append(FieldIssue("amount_fen", _("a positive whole number of fen")))
    if provider == MANUAL and not receipt.strip():
        issues.append(FieldIssue("receipt", _("the receipt number of the cash or counter refund")))
    if provider != MANUAL and provider in PROVIDERS:
        if receipt.strip():
            issues.append(FieldIssue("receipt", _("only for the manual provider: other providers give their own "
                                                  "reference")))
        if payment_id is None:
            issues.append(FieldIssue("payment_id", _("a refund through a provider returns one of its payments: see "
                                                     "ledger.refunds_due")))
    if issues:
        raise ValidationFailed(issues)


def _answer(row: Payment, *, applied: bool, balance_fen: int) -> dict[str, Any]:
    return {"refund_id": row.id, "customer_id": row.customer_id, "provider": row.provider,
            "external_ref": row.external_ref, "amount_fen": row.amount, "payment_id": row.refund_of,
            "order_id": row.order_id, "transfer_id": row.transfer_id, "actor": row.actor,
            "applied": applied, "balance_fen": balance_fen}


def _source(conn: Conn, customer_id: str, provider: str, payment_id: int) -> Payment:
    src = store.payment(conn, payment_id)
    if src is None or src.direction != "in" or src.customer_id != customer_id:
        raise ValidationFailed([FieldIssue("payment_id", _("not a payment of this customer"))])
    if provider != MANUAL and src.provider != provider:
        raise ValidationFailed([FieldIssue("payment_id", _("this payment came through {came}, not {provider}").format(
            came=src.provider, provider=provider))])
    return src


def refund(conn: Conn, clock: Clock, *, customer_id: str, provider: str, actor: str,
           amount_fen: int | None = None, receipt: str = "", payment_id: int | None = None,
           reason: str = "") -> dict[str, Any]:
    """Refund `amount_fen` (default: all the customer has at the hub, or what is left of `payment_id`)."""
    _validate(provider, amount_fen, receipt, payment_id)
    account = customer_account(customer_id)
    with transaction(conn):
        if provider == MANUAL:
            prior = payment_by_ref(conn, MANUAL, receipt.strip(), "out")
            if prior is not None:
                same = (prior.customer_id == customer_id and prior.refund_of == payment_id
                        and amount_fen in (None, prior.amount))
                if not same:
                    raise DomainError("idempotency_conflict", _("this refund receipt was already recorded for "
                                                                "another refund: ") + receipt.strip())
                return _answer(prior, applied=False, balance_fen=balance(conn, account))
        available = balance(conn, account)
        if available <= 0:
            raise DomainError("nothing_to_refund", _("customer {customer} has no money at the hub to refund").format(
                customer=customer_id))
        src = _source(conn, customer_id, provider, payment_id) if payment_id is not None else None
        left = src.amount - refunded(conn, src.id) if src is not None else available
        amount = amount_fen if amount_fen is not None else min(available, left)
        if amount > available:
            raise DomainError("insufficient_funds", _("customer {customer} has {available} fen at the hub, not "
                                                      "{amount}").format(customer=customer_id, available=available,
                                                                         amount=amount))
        if src is not None and (amount > left or left <= 0):
            raise DomainError("exceeds_payment", _("payment {payment} has {left} fen left to refund, not {amount}")
                              .format(payment=payment_id, left=left, amount=amount))
        if provider == MANUAL:
            ref = receipt.strip()
        else:
            assert src is not None
            try:
                ref = PROVIDERS[provider].refund(src.external_ref, amount)
            except DomainError:
                raise
            except Exception as exc:  # the provider said no or could not be reached: nothing was recorded
                raise DomainError("refund_failed", _("the payment provider refused the refund: ") + str(exc)) from exc
            if not ref or payment_by_ref(conn, provider, ref, "out") is not None:
                raise DomainError("refund_failed", _("the payment provider gave no new reference for the refund: ")
                                  + str(ref))
        tid = move(conn, clock, key=f"refund:{provider}:{ref}", kind="refund", source=account,
                   dest=external_account(provider), amount=amount, actor=actor,
                   order_id=src.order_id if src is not None else None, memo=reason or ref)
        pid = store.insert_payment(conn, provider=provider, external_ref=ref, direction="out", customer_id=customer_id,
                                   order_id=src.order_id if src is not None else None, amount=amount,
                                   transfer_id=tid, actor=actor, created_ms=clock.now_ms(), refund_of=payment_id,
                                   reason=reason)
        row = store.payment(conn, pid)
        assert row is not None
        return _answer(row, applied=True, balance_fen=balance(conn, account))


def refunds_due(conn: Conn, customer_id: str | None = None) -> dict[str, Any]:
    """Customers with money at the hub, each with the payments it came from (what is left to refund of
    each, and through which provider and reference) and the refunds already made."""
    out: list[dict[str, Any]] = []
    for account, held in store.positive_balances(conn, customer_account(""),
                                                 customer_account(customer_id) if customer_id else None):
        cid = account.split(":", 1)[1]
        payments = []
        for p in store.payments_of(conn, cid, "in"):
            done = refunded(conn, p.id)
            payments.append({"payment_id": p.id, "provider": p.provider, "external_ref": p.external_ref,
                             "order_id": p.order_id, "amount_fen": p.amount, "refunded_fen": done,
                             "refundable_fen": p.amount - done, "at_ms": p.created_ms})
        refunds = [{"refund_id": r.id, "provider": r.provider, "external_ref": r.external_ref, "amount_fen": r.amount,
                    "payment_id": r.refund_of, "actor": r.actor, "at_ms": r.created_ms}
                   for r in store.payments_of(conn, cid, "out")]
        out.append({"customer_id": cid, "balance_fen": held, "payments": payments, "refunds": refunds})
    return {"customers": out, "total_fen": sum(c["balance_fen"] for c in out)}

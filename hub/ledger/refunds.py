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

from hub.db import Conn, Row, transaction
from hub.ledger.core import balance, customer_account, external_account, move
from hub.ledger.payments import PROVIDERS, payment_by_ref
from hub.registry.errors import DomainError, FieldIssue, ValidationFailed
from protocol.clock import Clock
from protocol.i18n import _

MANUAL = "manual"


def refunded(conn: Conn, payment_id: int) -> int:
    """Fen refunded so far against one incoming payment."""
    row = conn.execute("SELECT coalesce(sum(amount), 0) FROM ledger_payments WHERE refund_of = ? AND direction = 'out'",
                       (payment_id,)).fetchone()
    return int(row[0])


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


def _answer(row: Row, *, applied: bool, balance_fen: int) -> dict[str, Any]:
    return {"refund_id": int(row["id"]), "customer_id": row["customer_id"], "provider": row["provider"],
            "external_ref": row["external_ref"], "amount_fen": int(row["amount"]), "payment_id": row["refund_of"],
            "order_id": row["order_id"], "transfer_id": int(row["transfer_id"]), "actor": row["actor"],
            "applied": applied, "balance_fen": balance_fen}


def _source(conn: Conn, customer_id: str, provider: str, payment_id: int) -> Row:
    src = conn.execute("SELECT * FROM ledger_payments WHERE id = ? AND direction = 'in'", (payment_id,)).fetchone()
    if src is None or src["customer_id"] != customer_id:
        raise ValidationFailed([FieldIssue("payment_id", _("not a payment of this customer"))])
    if provider != MANUAL and src["provider"] != provider:
        raise ValidationFailed([FieldIssue("payment_id", _("this payment came through {came}, not {provider}").format(
            came=src["provider"], provider=provider))])
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
                same = (prior["customer_id"] == customer_id and prior["refund_of"] == payment_id
                        and amount_fen in (None, prior["amount"]))
                if not same:
                    raise DomainError("idempotency_conflict", _("this refund receipt was already recorded for "
                                                                "another refund: ") + receipt.strip())
                return _answer(prior, applied=False, balance_fen=balance(conn, account))
        available = balance(conn, account)
        if available <= 0:
            raise DomainError("nothing_to_refund", _("customer {customer} has no money at the hub to refund").format(
                customer=customer_id))
        src = _source(conn, customer_id, provider, payment_id) if payment_id is not None else None
        left = int(src["amount"]) - refunded(conn, int(src["id"])) if src is not None else available
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
                ref = PROVIDERS[provider].refund(src["external_ref"], amount)
            except DomainError:
                raise
            except Exception as exc:  # the provider said no or could not be reached: nothing was recorded
                raise DomainError("refund_failed", _("the payment provider refused the refund: ") + str(exc)) from exc
            if not ref or payment_by_ref(conn, provider, ref, "out") is not None:
                raise DomainError("refund_failed", _("the payment provider gave no new reference for the refund: ")
                                  + str(ref))
        tid = move(conn, clock, key=f"refund:{provider}:{ref}", kind="refund", source=account,
                   dest=external_account(provider), amount=amount, actor=actor,
                   order_id=src["order_id"] if src is not None else None, memo=reason or ref)
        cur = conn.execute(
            "INSERT INTO ledger_payments(provider, external_ref, direction, customer_id, order_id, amount, transfer_id,"
            " actor, created_ms, refund_of, reason) VALUES (?,?,'out',?,?,?,?,?,?,?,?) RETURNING *",
            (provider, ref, customer_id, src["order_id"] if src is not None else None, amount, tid, actor,
             clock.now_ms(), payment_id, reason))
        row = cur.fetchone()
        return _answer(row, applied=True, balance_fen=balance(conn, account))


def refunds_due(conn: Conn, customer_id: str | None = None) -> dict[str, Any]:
    """Customers with money at the hub, each with the payments it came from (what is left to refund of
    each, and through which provider and reference) and the refunds already made."""
    sql = ("SELECT account, sum(amount) AS balance FROM ledger_entries WHERE account LIKE 'customer:%'"
           + (" AND account = ?" if customer_id else "") + " GROUP BY account HAVING sum(amount) > 0 ORDER BY account")
    out: list[dict[str, Any]] = []
    for acc in conn.execute(sql, (customer_account(customer_id),) if customer_id else ()):
        cid = acc["account"].split(":", 1)[1]
        payments = []
        for p in conn.execute("SELECT * FROM ledger_payments WHERE customer_id = ? AND direction = 'in' ORDER BY id",
                              (cid,)):
            done = refunded(conn, int(p["id"]))
            payments.append({"payment_id": int(p["id"]), "provider": p["provider"], "external_ref": p["external_ref"],
                             "order_id": p["order_id"], "amount_fen": int(p["amount"]), "refunded_fen": done,
                             "refundable_fen": int(p["amount"]) - done, "at_ms": p["created_ms"]})
        refunds = [{"refund_id": int(r["id"]), "provider": r["provider"], "external_ref": r["external_ref"],
                    "amount_fen": int(r["amount"]), "payment_id": r["refund_of"], "actor": r["actor"],
                    "at_ms": r["created_ms"]}
                   for r in conn.execute("SELECT * FROM ledger_payments WHERE customer_id = ? AND direction = 'out'"
                                         " ORDER BY id", (cid,))]
        out.append({"customer_id": cid, "balance_fen": int(acc["balance"]), "payments": payments, "refunds": refunds})
    return {"customers": out, "total_fen": sum(c["balance_fen"] for c in out)}

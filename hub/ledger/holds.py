"""Escrow holds: an order's prepayment and deposit, frozen from the customer's wallet.

A hold resolves exactly once, to `released` (back to the customer) or `paid` (to the locksmith).
`frozen_police` is a parking state (dispute, overdue documents): the money stays in escrow until the
police side decides, and then the hold still resolves exactly once.
"""

from __future__ import annotations

from typing import Literal

from hub.db import Conn, Row, transaction
from hub.ledger.core import escrow_account, locksmith_account, move
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.i18n import _

Purpose = Literal["prepayment", "deposit"]
Outcome = Literal["release", "pay", "police"]
OPEN_STATES = ("active", "frozen_police")


def freeze(conn: Conn, clock: Clock, *, order_id: str, purpose: Purpose, owner_account: str,
           amount: int, actor: str) -> str:
    hold_id = f"{order_id}:{purpose}"
    with transaction(conn):
        existing = conn.execute("SELECT id FROM ledger_holds WHERE id = ?", (hold_id,)).fetchone()
        if existing is not None:
            return hold_id
        tid = move(conn, clock, key=f"hold:{hold_id}:freeze", kind=f"freeze_{purpose}", source=owner_account,
                   dest=escrow_account(order_id), amount=amount, actor=actor, order_id=order_id)
        conn.execute("INSERT INTO ledger_holds(id, order_id, purpose, amount, owner_account, state,"
                     " freeze_transfer_id, created_ms) VALUES (?,?,?,?,?,'active',?,?)",
                     (hold_id, order_id, purpose, amount, owner_account, tid, clock.now_ms()))
        return hold_id


def resolve(conn: Conn, clock: Clock, *, order_id: str, purpose: Purpose, outcome: Outcome,
            actor: str, locksmith_id: str | None = None, memo: str = "") -> str:
    """Resolve one hold; repeating the same outcome is a no-op, a different final outcome is refused.
    Returns the hold's new state."""
    hold_id = f"{order_id}:{purpose}"
    with transaction(conn):
        hold = conn.execute("SELECT * FROM ledger_holds WHERE id = ?", (hold_id,)).fetchone()
        if hold is None:
            raise DomainError("no_hold", _("no such hold: ") + hold_id)
        target = {"release": "released", "pay": "paid", "police": "frozen_police"}[outcome]
        if hold["state"] == target:
            return target
        if hold["state"] not in OPEN_STATES:
            raise DomainError("hold_resolved", _("hold already resolved: ") + f"{hold_id} ({hold['state']})")
        tid = None
        if outcome == "release":
            tid = move(conn, clock, key=f"hold:{hold_id}:resolve", kind=f"release_{purpose}",
                       source=escrow_account(order_id), dest=hold["owner_account"], amount=hold["amount"],
                       actor=actor, order_id=order_id, memo=memo)
        elif outcome == "pay":
            if not locksmith_id:
                raise DomainError("invalid", _("paying a hold needs the locksmith"))
            tid = move(conn, clock, key=f"hold:{hold_id}:resolve", kind=f"pay_{purpose}",
                       source=escrow_account(order_id), dest=locksmith_account(locksmith_id), amount=hold["amount"],
                       actor=actor, order_id=order_id, memo=memo)
        conn.execute("UPDATE ledger_holds SET state = ?, resolve_transfer_id = ?, resolved_ms = ? WHERE id = ?",
                     (target, tid, clock.now_ms() if tid is not None else None, hold_id))
        return target


def holds_of(conn: Conn, order_id: str) -> list[Row]:
    return list(conn.execute("SELECT * FROM ledger_holds WHERE order_id = ? ORDER BY purpose", (order_id,)))


def open_holds(conn: Conn, order_id: str) -> dict[str, str]:
    return {r["purpose"]: r["state"] for r in holds_of(conn, order_id) if r["state"] in OPEN_STATES}

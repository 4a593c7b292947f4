"""Carrying out the transition table's `money` column (hub/orders/states.py `Money`): called by the machine
in the same transaction as the move it belongs to, so an order's escrow can only change with its state."""

from __future__ import annotations

from hub.db import Conn
from hub.ledger import holds
from hub.ledger.core import customer_account
from hub.orders.states import Money
from hub.orders.store import Order
from protocol.clock import Clock

PURPOSES: tuple[holds.Purpose, ...] = ("prepayment", "deposit")


def carry_out(conn: Conn, clock: Clock, order: Order, effects: tuple[Money, ...],
              actor: str) -> None:
    """`order` is the row as it was before the move (its locksmith, amounts, customer)."""
    order_id = order.id
    for m in effects:
        if m.outcome == "keep":
            continue
        if m.outcome == "decided":
            continue  # per hold, as the police decided: hub/orders/police_decision.py, with the decision
        if m.outcome == "freeze":  # idempotent per hold: money frozen for an earlier locksmith stays as it is
            for purpose in PURPOSES:
                holds.freeze(conn, clock, order_id=order_id, purpose=purpose,
                             owner_account=customer_account(order.customer_id),
                             amount=order.fen(purpose), actor=actor)
            continue
        purposes = [p for p in PURPOSES if p in holds.open_holds(conn, order_id)] if m.holds == "open" \
            else [p for p in PURPOSES if p == m.holds]
        for purpose in purposes:
            holds.resolve(conn, clock, order_id=order_id, purpose=purpose, outcome=m.outcome,  # type: ignore[arg-type]
                          actor=actor, locksmith_id=order.locksmith_id if m.outcome == "pay" else None,
                          memo=m.memo)

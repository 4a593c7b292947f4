"""The transition table's money column is data the machine carries out: every effect is well-formed, and
no module but hub/orders/money.py (and the police's per-hold decision) moves an order's escrow holds."""

from __future__ import annotations

import ast
from pathlib import Path

from hub.ledger.core import balance, customer_account, escrow_account
from hub.orders.states import TRANSITIONS
from tests.hub.test_lifecycle import form
from tests.hub.world import World

ROOT = Path(__file__).resolve().parents[2]
MOVERS = {"hub/orders/money.py", "hub/orders/police_decision.py"}


def test_every_money_effect_is_well_formed() -> None:
    for t in TRANSITIONS:
        for m in t.money:
            assert m.holds in ("prepayment", "deposit", "open", "both"), t
            assert m.outcome in ("freeze", "release", "pay", "police", "keep", "decided"), t
            assert (m.outcome == "freeze") == (m.holds == "both"), t
            assert m.text()
    assert {t.event for t in TRANSITIONS if any(m.outcome == "decided" for m in t.money)} == {"police_decided"}


def test_only_the_money_module_moves_holds() -> None:
    movers = set()
    for path in (ROOT / "hub").rglob("*.py"):
        if path.parts[-2] == "ledger":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("freeze", "resolve") and \
                    isinstance(node.value, ast.Name) and node.value.id == "holds":
                movers.add(str(path.relative_to(ROOT)))
    assert movers == MOVERS


def test_a_transition_moves_its_money_once(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)  # payment_frozen froze both holds
    assert balance(world.conn, escrow_account(order)) == 25_000
    world.job(lid, order).set_out()
    world.customer("c-1", "customer.abandon", {"order_id": order})
    world.customer("c-1", "customer.abandon", {"order_id": order})  # a retry: nothing moves again
    assert world.state(order) == "abandoned"
    assert balance(world.conn, escrow_account(order)) == 0
    assert balance(world.conn, customer_account("c-1")) == 20_000  # the prepayment went to the locksmith

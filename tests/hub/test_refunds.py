"""Refunds through a payment provider: money the hub holds for a customer goes back once, never more than
the customer has (nor than the payment it returns), balanced, with the operator's identity."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.ledger.core import balance, check
from hub.ledger.payments import PROVIDERS, record_payment, register_provider
from tests.hub.test_lifecycle import FEN, form
from tests.hub.world import World


class FakePay:
    """A provider that knows what it was paid and refunds at most that, with a fresh reference each time."""

    name = "fakepay"

    def __init__(self) -> None:
        self.paid: dict[str, int] = {}
        self.refunds: list[tuple[str, int]] = []
        self.down = False

    def confirm(self, external_ref: str, amount_fen: int) -> bool:
        return self.paid.get(external_ref) == amount_fen

    def refund(self, external_ref: str, amount_fen: int) -> str:
        if self.down:
            raise ConnectionError("provider unreachable")
        self.refunds.append((external_ref, amount_fen))
        return f"fp-refund-{len(self.refunds)}"


@pytest.fixture
def fakepay() -> Iterator[FakePay]:
    provider = FakePay()
    register_provider(provider)
    yield provider
    PROVIDERS.pop(provider.name, None)


def refund(w: World, **args: Any) -> dict[str, Any]:
    return w.ops("ledger.refund", args)


def released(w: World, customer: str = "c-1") -> str:
    """An order formed and abandoned before set-out: prepayment and deposit are back in the customer's account."""
    lid = w.locksmith()
    order = form(w, lid, customer=customer)
    w.customer(customer, "customer.abandon", {"order_id": order})
    assert w.state(order) == "abandoned" and balance(w.conn, f"customer:{customer}") == FEN
    return order


def test_manual_refund_of_released_money(world: World) -> None:
    order = released(world)
    due = world.ops("ledger.refunds_due", {})["result"]
    assert due["total_fen"] == FEN
    [customer] = due["customers"]
    assert customer["customer_id"] == "c-1" and customer["balance_fen"] == FEN
    [payment] = customer["payments"]
    assert payment["provider"] == "manual" and payment["order_id"] == order and payment["refundable_fen"] == FEN
    done = refund(world, customer_id="c-1", receipt="RF-0001", reason="cash at the counter")
    assert done["ok"] and done["result"]["amount_fen"] == FEN and done["result"]["balance_fen"] == 0, done
    assert done["result"]["actor"] == "operator:op1" and done["result"]["external_ref"] == "RF-0001"
    assert balance(world.conn, "customer:c-1") == 0 and balance(world.conn, "external:manual") == 0
    assert world.ops("ledger.refunds_due", {})["result"] == {"customers": [], "total_fen": 0}
    assert any(e["kind"] == "ledger.refunded" for e in world.inbox("operator", "*"))
    # the same receipt again is the same refund: answered, not moved twice
    again = refund(world, customer_id="c-1", receipt="RF-0001")
    assert again["ok"] and not again["result"]["applied"] and again["result"]["refund_id"] == done["result"]["refund_id"]
    assert check(world.conn) == []


def test_refusals_leave_nothing_behind(world: World) -> None:
    released(world)
    over = refund(world, customer_id="c-1", receipt="RF-1", amount_fen=FEN + 1)
    assert not over["ok"] and over["code"] == "insufficient_funds", over
    nobody = refund(world, customer_id="c-nobody", receipt="RF-2")
    assert not nobody["ok"] and nobody["code"] == "nothing_to_refund"
    bad = refund(world, customer_id="c-1", receipt=" ", amount_fen=-5)
    assert not bad["ok"] and {e["field"] for e in bad["errors"]} == {"receipt", "amount_fen"}
    unknown = refund(world, customer_id="c-1", provider="nopay", receipt="x")
    assert not unknown["ok"] and [e["field"] for e in unknown["errors"]] == ["provider"]
    part = refund(world, customer_id="c-1", receipt="RF-3", amount_fen=5_000)
    assert part["ok"] and part["result"]["balance_fen"] == FEN - 5_000
    reused = refund(world, customer_id="c-1", receipt="RF-3", amount_fen=1_000)
    assert not reused["ok"] and reused["code"] == "idempotency_conflict"
    assert balance(world.conn, "customer:c-1") == FEN - 5_000
    assert world.conn.execute("SELECT count(*) FROM ledger_payments WHERE direction = 'out'").fetchone()[0] == 1
    assert check(world.conn) == []


def test_provider_refund_calls_the_adapter_once_per_refund(world: World, fakepay: FakePay) -> None:
    c, k = world.conn, world.clock
    fakepay.paid["FP-1"] = 3_000
    record_payment(c, k, provider="fakepay", external_ref="FP-1", customer_id="c-9", amount_fen=3_000, actor="t")
    record_payment(c, k, provider="manual", external_ref="R-9", customer_id="c-9", amount_fen=1_000, actor="t")
    pay_id = c.execute("SELECT id FROM ledger_payments WHERE external_ref = 'FP-1'").fetchone()[0]
    manual_id = c.execute("SELECT id FROM ledger_payments WHERE external_ref = 'R-9'").fetchone()[0]
    need = refund(world, customer_id="c-9", provider="fakepay")
    assert not need["ok"] and [e["field"] for e in need["errors"]] == ["payment_id"]
    wrong = refund(world, customer_id="c-9", provider="fakepay", payment_id=manual_id)
    assert not wrong["ok"] and wrong["errors"][0]["field"] == "payment_id"
    first = refund(world, customer_id="c-9", provider="fakepay", payment_id=pay_id, amount_fen=2_000)
    assert first["ok"] and first["result"]["external_ref"] == "fp-refund-1", first
    assert fakepay.refunds == [("FP-1", 2_000)]
    rest = refund(world, customer_id="c-9", provider="fakepay", payment_id=pay_id)  # what is left of FP-1
    assert rest["ok"] and rest["result"]["amount_fen"] == 1_000
    more = refund(world, customer_id="c-9", provider="fakepay", payment_id=pay_id, amount_fen=1)
    assert not more["ok"] and more["code"] == "exceeds_payment"
    assert fakepay.refunds == [("FP-1", 2_000), ("FP-1", 1_000)]  # a refused refund never reached the provider
    fakepay.paid["FP-2"] = 500
    record_payment(c, k, provider="fakepay", external_ref="FP-2", customer_id="c-9", amount_fen=500, actor="t")
    fakepay.down = True
    fp2 = c.execute("SELECT id FROM ledger_payments WHERE external_ref = 'FP-2'").fetchone()[0]
    failed = refund(world, customer_id="c-9", provider="fakepay", payment_id=fp2)
    assert not failed["ok"] and failed["code"] == "refund_failed"
    assert balance(c, "customer:c-9") == 1_500 and balance(c, "external:fakepay") == -500
    assert check(c) == []


ops = st.lists(st.tuples(st.sampled_from(["pay_manual", "pay_fake", "refund_manual", "refund_fake", "repeat"]),
                         st.integers(0, 3), st.integers(1, 4_000)), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=ops)
def test_property_refunds_conserve_money_and_never_overdraw(script: list[tuple[str, int, int]]) -> None:
    provider = FakePay()
    register_provider(provider)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            w = World(Path(tmp) / "hub.db")
            try:
                _walk(w, provider, script)
            finally:
                w.conn.close()
    finally:
        PROVIDERS.pop(provider.name, None)


def _walk(w: World, provider: FakePay, script: list[tuple[str, int, int]]) -> None:
    c, k = w.conn, w.clock
    paid_in: dict[str, int] = {}
    last: dict[str, Any] | None = None
    for n, (action, who, amount) in enumerate(script):
        customer = f"c-{who}"
        if action.startswith("pay"):
            name = "manual" if action == "pay_manual" else "fakepay"
            provider.paid[f"P{n}"] = amount
            record_payment(c, k, provider=name, external_ref=f"P{n}", customer_id=customer, amount_fen=amount, actor="t")
            paid_in[customer] = paid_in.get(customer, 0) + amount
        elif action == "repeat" and last is not None:
            before = balance(c, f"customer:{last['customer_id']}")
            got = w.ops("ledger.refund", last)
            assert got["ok"] and not got["result"]["applied"], got
            assert balance(c, f"customer:{last['customer_id']}") == before
        elif action == "refund_manual":
            args = {"customer_id": customer, "receipt": f"RF-{n}", "amount_fen": amount}
            before = balance(c, f"customer:{customer}")
            got = w.ops("ledger.refund", args)
            assert got["ok"] == (0 < amount <= before), (got, before)
            last = args if got["ok"] else last
        elif action == "refund_fake":
            row = c.execute("SELECT id FROM ledger_payments WHERE customer_id = ? AND provider = 'fakepay'"
                            " AND direction = 'in' ORDER BY id DESC", (customer,)).fetchone()
            if row is not None:
                calls = len(provider.refunds)
                got = w.ops("ledger.refund", {"customer_id": customer, "provider": "fakepay", "payment_id": row[0],
                                              "amount_fen": amount})
                assert len(provider.refunds) == calls + int(got["ok"])  # the provider is asked only when it is recorded
        assert check(c) == []
        for cid, total in paid_in.items():
            held = balance(c, f"customer:{cid}")
            out = c.execute("SELECT coalesce(sum(amount), 0) FROM ledger_payments WHERE customer_id = ?"
                            " AND direction = 'out'", (cid,)).fetchone()[0]
            assert held >= 0 and held + out == total  # every fen paid in is at the hub or refunded, once
        for p in c.execute("SELECT id, amount FROM ledger_payments WHERE direction = 'in'"):
            returned = c.execute("SELECT coalesce(sum(amount), 0) FROM ledger_payments WHERE refund_of = ?",
                                 (p["id"],)).fetchone()[0]
            assert returned <= p["amount"]
    assert c.execute("SELECT count(*) FROM ledger_transfers WHERE kind = 'refund'").fetchone()[0] == \
        c.execute("SELECT count(*) FROM ledger_payments WHERE direction = 'out'").fetchone()[0]

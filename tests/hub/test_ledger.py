"""The escrow ledger: balanced, idempotent, append-only, non-negative, holds resolve once."""

from __future__ import annotations

import pytest

from hub.db import DatabaseError
from hub.ledger import holds
from hub.ledger.core import KeyConflict, Overdrawn, Unbalanced, balance, check, move, transfer
from hub.ledger.payments import record_payment
from hub.registry.errors import DomainError
from tests.hub.world import World


def test_transfer_rules(world: World) -> None:
    c, k = world.conn, world.clock
    with pytest.raises(Unbalanced):
        transfer(c, k, key="a", kind="x", entries=[("customer:a", 5), ("customer:b", -4)], actor="t")
    with pytest.raises(Overdrawn):
        move(c, k, key="b", kind="x", source="customer:a", dest="customer:b", amount=1, actor="t")
    assert balance(c, "customer:a") == 0  # the refused transfer left nothing behind
    t1 = move(c, k, key="c", kind="x", source="external:manual", dest="customer:a", amount=100, actor="t")
    assert move(c, k, key="c", kind="x", source="external:manual", dest="customer:a", amount=100, actor="t") == t1
    with pytest.raises(KeyConflict):
        move(c, k, key="c", kind="x", source="external:manual", dest="customer:a", amount=99, actor="t")
    assert balance(c, "customer:a") == 100 and balance(c, "external:manual") == -100
    with pytest.raises(DatabaseError, match="append-only"):
        c.execute("UPDATE ledger_entries SET amount = 1")
    with pytest.raises(DatabaseError, match="append-only"):
        c.execute("DELETE FROM ledger_transfers")
    assert check(c) == []


def test_hold_resolves_exactly_once(world: World) -> None:
    c, k = world.conn, world.clock
    record_payment(c, k, provider="manual", external_ref="receipt-1", customer_id="c1", amount_fen=300, actor="op")
    record_payment(c, k, provider="manual", external_ref="receipt-1", customer_id="c1", amount_fen=300, actor="op")
    assert balance(c, "customer:c1") == 300  # the same receipt is not credited twice
    holds.freeze(c, k, order_id="o1", purpose="deposit", owner_account="customer:c1", amount=200, actor="op")
    assert balance(c, "escrow:o1") == 200
    assert holds.resolve(c, k, order_id="o1", purpose="deposit", outcome="police", actor="op") == "frozen_police"
    assert holds.resolve(c, k, order_id="o1", purpose="deposit", outcome="release", actor="op") == "released"
    assert holds.resolve(c, k, order_id="o1", purpose="deposit", outcome="release", actor="op") == "released"
    with pytest.raises(DomainError) as refused:
        holds.resolve(c, k, order_id="o1", purpose="deposit", outcome="pay", actor="op", locksmith_id="L")
    assert refused.value.code == "hold_resolved"
    assert balance(c, "escrow:o1") == 0 and balance(c, "customer:c1") == 300
    with pytest.raises(DomainError):
        record_payment(c, k, provider="alipay", external_ref="x", customer_id="c1", amount_fen=1, actor="op")
    assert check(c) == []

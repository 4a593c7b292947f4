"""The police decide money frozen pending them: each frozen hold resolves once, money is conserved, the
order closes, refusals are clear and leave nothing behind, and a repeated decision acts once."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.ledger.core import balance, check
from hub.orders import police_decision
from protocol.ids import new_id
from protocol.messages.police import PoliceDecision, PoliceDecisionResult
from tests.hub.test_lifecycle import form
from tests.hub.world import World

DEPOSIT, PREPAYMENT = 20_000, 5_000


def completed(w: World, lid: str, order: str) -> None:
    """The job done on the kit and the fee confirmed: the order awaits its documents."""
    w.job(lid, order).walk(fee_fen=10_000)


def case_opened(w: World) -> tuple[str, str]:
    """An order completed, fee confirmed, documents never sent: three days later a case is open."""
    lid = w.locksmith()
    order = form(w, lid)
    completed(w, lid, order)
    w.tick(3 * 24 * 3_600_000)
    assert w.state(order) == "case_opened"
    return order, lid


def decide(w: World, order: str, *, msg_id: str | None = None, sender: str = "police",
           **fields: Any) -> PoliceDecisionResult:
    body = PoliceDecision(order_id=order, case_ref=fields.pop("case_ref", f"CASE-{order}"),
                          reason=fields.pop("reason", "checked at the station"), **fields)
    return police_decision.handle(w.conn, w.clock, sender, msg_id or new_id(w.clock.now_ms()), body)


def holds(w: World, order: str) -> dict[str, str]:
    return {h["purpose"]: h["state"] for h in w.ops("order.show", {"order_id": order})["result"]["holds"]}


def test_case_opened_deposit_released_to_the_customer_once(world: World) -> None:
    order, _lid = case_opened(world)
    before = balance(world.conn, "customer:c-1")
    result = decide(world, order, deposit="release")
    assert result.ok and result.applied and result.state == "closed_by_police", result
    assert [(h.purpose, h.amount_fen, h.state, h.account) for h in result.holds] == [
        ("deposit", DEPOSIT, "released", "customer:c-1")]
    assert balance(world.conn, "customer:c-1") == before + DEPOSIT
    assert balance(world.conn, f"escrow:{order}") == 0
    assert holds(world, order) == {"prepayment": "released", "deposit": "released"}
    assert check(world.conn) == []
    # the police feed carries the decision to the export; the customer and the operators are told
    feed = [(r["kind"], r["body_json"]) for r in world.conn.execute("SELECT kind, body_json FROM police_feed")]
    assert any(k == "police.decision" and f"CASE-{order}" in b for k, b in feed)
    assert world.inbox("customer", "c-1", "customer.order_status")[-1]["state"] == "closed_by_police"
    assert any(e["kind"] == "police.decision" for e in world.inbox("operator", "*"))
    history = world.ops("order.show", {"order_id": order})["result"]["transitions"]
    assert history[-1]["event"] == "police_decided" and history[-1]["actor"] == "police:police"


def test_a_second_decision_is_refused_and_a_retry_acts_once(world: World) -> None:
    order, _lid = case_opened(world)
    first = decide(world, order, deposit="release", decision_id="D-1")
    credited = balance(world.conn, "customer:c-1")
    again = decide(world, order, deposit="release", decision_id="D-1")  # a new envelope asking again
    assert again.ok and not again.applied and again.holds == first.holds
    other = decide(world, order, deposit="pay", decision_id="D-2")  # a different decision: the order is closed
    assert not other.ok and other.code == "already_decided" and "D-1" in other.error
    assert balance(world.conn, "customer:c-1") == credited
    assert world.conn.execute("SELECT count(*) FROM ledger_transfers WHERE key = ?",
                              (f"hold:{order}:deposit:resolve",)).fetchone()[0] == 1
    assert any(e["kind"] == "police.decision_refused" and e["code"] == "already_decided"
               for e in world.inbox("operator", "*"))
    assert check(world.conn) == []


def test_decisions_on_orders_not_pending_the_police_are_refused(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    refused = decide(world, order, deposit="release", prepayment="release")
    assert not refused.ok and refused.code == "not_pending_police" and refused.state == "formed"
    assert holds(world, order) == {"prepayment": "active", "deposit": "active"}
    missing = decide(world, "no-such-order", deposit="release")
    assert not missing.ok and missing.code == "not_found"
    assert check(world.conn) == []


def test_the_decision_must_cover_exactly_the_frozen_holds(world: World) -> None:
    order, _lid = case_opened(world)
    feed = world.conn.execute("SELECT count(*) FROM police_feed").fetchone()[0]
    none = decide(world, order)  # says nothing about the frozen deposit
    assert not none.ok and none.code == "invalid" and "deposit" in none.error
    extra = decide(world, order, deposit="release", prepayment="pay")  # the prepayment was released at the fee
    assert not extra.ok and extra.code == "invalid" and "prepayment" in extra.error
    blank = decide(world, order, deposit="release", case_ref=" ", reason="")
    assert not blank.ok and "case_ref" in blank.error and "reason" in blank.error
    assert world.state(order) == "case_opened" and holds(world, order)["deposit"] == "frozen_police"
    assert world.conn.execute("SELECT count(*) FROM police_feed").fetchone()[0] == feed  # nothing forwarded
    assert world.conn.execute("SELECT count(*) FROM police_decisions").fetchone()[0] == 0


def test_a_disputed_order_split_between_locksmith_and_customer(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    world.job(lid, order).set_out()
    assert world.ops("order.dispute", {"order_id": order, "reason": "customer not the resident"})["ok"]
    assert holds(world, order) == {"prepayment": "frozen_police", "deposit": "frozen_police"}
    customer = balance(world.conn, "customer:c-1")
    result = decide(world, order, deposit="release", prepayment="pay")
    assert result.ok and result.state == "closed_by_police"
    assert balance(world.conn, f"locksmith:{lid}") == PREPAYMENT
    assert balance(world.conn, "customer:c-1") == customer + DEPOSIT
    assert balance(world.conn, f"escrow:{order}") == 0
    assert holds(world, order) == {"prepayment": "paid", "deposit": "released"}
    assert check(world.conn) == []


def test_only_the_police_may_decide(world: World) -> None:
    """The ingest checks the sender's signature and role; the table still refuses any other actor kind."""
    from hub.orders import machine

    order, _lid = case_opened(world)
    body = PoliceDecision(order_id=order, case_ref="C", reason="r", deposit="release")
    try:
        police_decision.decide(world.conn, world.clock, "operator:op1", body, decision_id="X", msg_id="X")
    except machine.NotAllowed:
        pass
    else:
        raise AssertionError("an operator decided for the police")
    assert world.state(order) == "case_opened" and holds(world, order)["deposit"] == "frozen_police"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(script=st.lists(st.tuples(st.sampled_from(["release", "pay", None]), st.sampled_from(["release", "pay", None]),
                                 st.integers(0, 3)), min_size=1, max_size=6),
       dispute_at=st.sampled_from(["formed", "en_route", "awaiting_documents", "case"]))
def test_property_frozen_money_resolves_once_and_is_conserved(
        script: list[tuple[str | None, str | None, int]], dispute_at: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        w = World(Path(tmp) / "hub.db")
        try:
            _frozen_money_walk(w, script, dispute_at)
        finally:
            w.conn.close()


def _frozen_money_walk(w: World, script: list[tuple[str | None, str | None, int]], dispute_at: str) -> None:
    if dispute_at == "case":
        order, lid = case_opened(w)
    else:
        lid = w.locksmith()
        order = form(w, lid)
        if dispute_at == "en_route":
            w.job(lid, order).set_out()
        if dispute_at == "awaiting_documents":
            completed(w, lid, order)
        assert w.ops("order.dispute", {"order_id": order})["ok"]
    total_in = -balance(w.conn, "external:manual")
    applied = 0
    for deposit, prepayment, pick in script:
        result = decide(w, order, deposit=deposit, prepayment=prepayment, decision_id=f"D-{pick}")
        applied += int(result.ok and result.applied)
        assert check(w.conn) == []
        held = w.conn.execute("SELECT coalesce(sum(amount), 0) FROM ledger_holds WHERE order_id = ?"
                              " AND state IN ('active', 'frozen_police')", (order,)).fetchone()[0]
        assert balance(w.conn, f"escrow:{order}") == held
        owed = balance(w.conn, "customer:c-1") + balance(w.conn, f"locksmith:{lid}") + held
        assert owed == total_in  # every fen paid in is with the customer, the locksmith or still in escrow
    assert applied <= 1
    resolves = w.conn.execute("SELECT key, count(*) FROM ledger_transfers WHERE key LIKE ? GROUP BY key",
                              (f"hold:{order}:%:resolve",)).fetchall()
    assert all(n == 1 for _k, n in resolves)
    if applied:
        assert w.state(order) == "closed_by_police" and balance(w.conn, f"escrow:{order}") == 0

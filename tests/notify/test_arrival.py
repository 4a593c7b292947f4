"""R-7 and the no-show: after set-out the hub expects the locksmith by the offer's estimate plus the grace
period. Missed: the operators are alerted, the customer is told in the app and by SMS, and either the customer
cancels with the prepayment back (not paid to the locksmith who did not come), or the operator withdraws the
locksmith and the next one completes the job."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.ledger.core import balance, check, customer_account, locksmith_account
from hub.notify import store
from protocol.i18n import _
from tests.hub.test_lifecycle import FEN, form
from tests.hub.world import World
from tests.notify.helpers import events
from tests.police.test_end_to_end import complete


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "hub.db")


def _set_out_and_miss(world: World, lid: str, order: str) -> int:
    assert world.job(lid, order).set_out()["ok"]
    due = world.conn.execute("SELECT due_ms, set_out_ms FROM order_arrival WHERE order_id = ?", (order,)).fetchone()
    eta_s = world.conn.execute("SELECT eta_s FROM offers WHERE order_id = ? AND locksmith_id = ?",
                               (order, lid)).fetchone()[0]
    assert due["due_ms"] - due["set_out_ms"] == (eta_s + 600) * 1000  # the estimate plus the default grace
    world.clock.advance(due["due_ms"] - world.clock.now_ms() - 1)
    world.tick(0)
    assert not events(world, "order.arrival_missed")
    world.tick(1)
    [alert] = events(world, "order.arrival_missed")
    assert alert["order_id"] == order and alert["locksmith_id"] == lid
    return int(due["due_ms"])


def test_no_show_lets_the_customer_cancel_with_the_prepayment_back(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    _set_out_and_miss(world, lid, order)
    told = world.inbox("customer", "c-1", "customer.order_status")[-1]
    assert told["state"] == "en_route"
    assert told["reason"] == _("The locksmith is late. You may cancel without losing your prepayment, or wait.")
    [sms] = [r for r in store.listing(world.conn, order_id=order) if r["purpose"] == "arrival_late"]
    assert sms["to"] == "139****5678" and f"/orders/{order}" in sms["text"]
    world.customer("c-1", "customer.abandon", {"order_id": order, "reason": "师傅没来"})
    assert world.state(order) == "abandoned"
    assert balance(world.conn, customer_account("c-1")) == FEN  # prepayment and deposit back to the customer
    assert balance(world.conn, locksmith_account(lid)) == 0
    assert check(world.conn) == []


def test_abandoning_an_on_time_locksmith_still_compensates_them(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    assert world.job(lid, order).set_out()["ok"]
    world.customer("c-1", "customer.abandon", {"order_id": order})
    assert balance(world.conn, locksmith_account(lid)) == 5_000  # R-7 as before
    assert balance(world.conn, customer_account("c-1")) == FEN - 5_000


def test_the_operator_withdraws_a_no_show_and_the_next_locksmith_completes(world: World) -> None:
    first = world.locksmith()
    order = form(world, first)
    second = world.locksmith()
    _set_out_and_miss(world, first, order)
    resp = world.ops("order.withdraw", {"order_id": order, "reason": "no-show"})
    assert resp["ok"] and resp["result"]["state"] == "dispatching", resp
    assert world.inbox("kit", world.kits[first], "job.cancelled")[-1]["order_id"] == order
    assert events(world, "order.withdrawn")[0]["actor"] == "operator:op1"
    offer = world.offers_to(second)[-1]
    assert offer["order_id"] == order and not world.offers_to(first)[1:]  # the no-show is not asked again
    assert world.kit(world.kits[second], "job.accept", {"offer_id": offer["offer_id"]})["ok"]
    world.customer("c-1", "customer.decision", {"order_id": order, "accept": True})
    assert world.state(order) == "formed"  # the money stayed frozen: formed again at once
    complete(world, second, order)
    assert balance(world.conn, locksmith_account(first)) == 0 and check(world.conn) == []
    again = world.ops("order.withdraw", {"order_id": order})
    assert not again["ok"] and again["code"] == "not_withdrawable"


def test_arriving_in_time_cancels_nothing(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    job = world.job(lid, order)
    assert job.set_out()["ok"] and job.arrive()["ok"]
    world.tick(24 * 3_600_000)
    assert not events(world, "order.arrival_missed") and world.state(order) == "on_site"

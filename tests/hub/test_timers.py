"""Durable timers: a restart loses nothing; overdue timers fire at once; a three-day run in milliseconds."""

from __future__ import annotations

from hub.db import Database
from hub.domain import TIMER_HANDLERS
from hub.timers import fire_due, next_due_ms
from tests.hub.test_lifecycle import form
from tests.hub.world import SITE, World


def test_restart_during_live_offer_expires_on_time_and_dispatch_continues(hub_database: Database) -> None:
    w = World(hub_database)
    a = w.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    b = w.locksmith(at=(SITE[0] + 0.02, SITE[1]))
    order = w.request()
    offered = w.live_offer(order)
    assert offered is not None and offered["locksmith_id"] == a
    w.clock.advance(10_000)
    w.reopen()  # the hub dies and comes back 10 s into the offer
    assert fire_due(w.conn, w.clock, TIMER_HANDLERS) == 0
    assert next_due_ms(w.conn) == offered["expires_ms"]
    w.tick(20_000)
    live = w.live_offer(order)
    assert live is not None and live["locksmith_id"] == b


def test_overdue_offer_expires_at_once_after_restart(hub_database: Database) -> None:
    w = World(hub_database)
    w.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    b = w.locksmith(at=(SITE[0] + 0.02, SITE[1]))
    order = w.request()
    w.conn.close()
    w.clock.advance(5 * 60_000)  # down for five minutes
    w.reopen()
    assert fire_due(w.conn, w.clock, TIMER_HANDLERS) >= 1
    live = w.live_offer(order)
    assert live is not None and live["locksmith_id"] == b
    assert live["expires_ms"] == w.clock.now_ms() + 30_000


def test_three_day_document_deadline_and_followup(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    world.job(lid, order).walk(fee_fen=10_000)
    world.tick(24 * 3_600_000)
    assert [e for e in world.inbox("operator", "*") if e["kind"] == "followup.due"]
    assert world.ops("order.rate", {"order_id": order, "stars": 5})["result"]["quality"] == 3333
    world.tick(2 * 24 * 3_600_000)
    assert world.state(order) == "case_opened"
    holds = world.ops("order.show", {"order_id": order})["result"]["holds"]
    assert {h["purpose"]: h["state"] for h in holds} == {"prepayment": "released", "deposit": "frozen_police"}
    feed = [r["kind"] for r in world.conn.execute("SELECT kind FROM police_feed")]
    assert "documents.overdue" in feed
    # late documents, verified by an operator, still release the deposit
    assert world.ops("order.documents_verified", {"order_id": order})["result"]["state"] == "documents_verified"


def test_confirmation_and_payment_timeouts_cancel(world: World) -> None:
    lid = world.locksmith()
    order = world.request()
    world.kit(world.kits[lid], "job.accept", {"offer_id": world.offers_to(lid)[0]["offer_id"]})
    world.tick(300_000)
    assert world.state(order) == "cancelled"
    assert world.inbox("kit", world.kits[lid], "job.cancelled")
    order2 = world.request("c-2")
    world.kit(world.kits[lid], "job.accept", {"offer_id": world.offers_to(lid)[-1]["offer_id"]})
    world.customer("c-2", "customer.decision", {"order_id": order2, "accept": True})
    world.tick(900_000)
    assert world.state(order2) == "cancelled"

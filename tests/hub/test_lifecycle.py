"""Full lifecycles with simulated kits and customers on the domain API."""

from __future__ import annotations

from hub.ledger.core import balance, check, customer_account, escrow_account, locksmith_account
from tests.hub.world import SITE, World

FEN = 25_000  # default prepayment 5,000 + deposit 20,000


def pay(w: World, order_id: str, customer: str = "c-1", ref: str = "R1") -> None:
    """A counter payment, recorded by the operator (`manual` is never the customer's own word)."""
    w.ops("order.pay", {"order_id": order_id, "amount_fen": FEN, "provider": "manual", "external_ref": ref})


def form(w: World, lid: str, customer: str = "c-1", rule: str = "eta") -> str:
    order = w.request(customer, rule=rule)
    offer = w.offers_to(lid)[-1]
    assert w.kit(w.kits[lid], "job.accept", {"offer_id": offer["offer_id"]})["ok"]
    w.customer(customer, "customer.decision", {"order_id": order, "accept": True})
    pay(w, order, customer, ref=f"R-{order}")
    assert w.state(order) == "formed"
    return order


def test_accept_first_through_completion_with_fee(world: World) -> None:
    near = world.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    world.locksmith(at=(SITE[0] + 0.05, SITE[1]))
    order = world.request()
    assert world.state(order) == "dispatching"
    offer = world.offers_to(near)[0]
    assert offer["order_id"] == order and offer["expires_at"] == world.clock.now_ms() + 30_000
    assert world.kit(world.kits[near], "job.accept", {"offer_id": offer["offer_id"]})["ok"]
    assert world.state(order) == "awaiting_customer"
    card = world.last("c-1", "customer.locksmith_card")
    assert card["card"]["locksmith_id"] == near
    world.customer("c-1", "customer.decision", {"order_id": order, "accept": True})
    assert world.last("c-1", "customer.payment_due")["prepayment_fen"] == 5_000
    pay(world, order)
    assert world.state(order) == "formed"
    assert balance(world.conn, escrow_account(order)) == FEN
    success = world.last("c-1", "customer.order_success")
    code = success["service_code"]
    assert len(code) == 6 and world.inbox("kit", world.kits[near], "job.order")
    j = world.job(near, order)
    assert j.set_out()["ok"]
    wrong = j.arrive("000000" if code != "000000" else "111111")
    assert wrong["code"] == "wrong_code_proof"
    assert j.arrive(code)["ok"]
    refused = j.start()
    assert not refused["ok"] and refused["code"] == "not_verified"
    assert j.verify_locksmith()["ok"] and j.identity()["state"] == "verified"
    assert j.start()["state"] == "in_progress"
    assert j.complete(15_000)["state"] == "awaiting_documents"
    assert world.state(order) == "awaiting_documents"
    assert balance(world.conn, escrow_account(order)) == 20_000
    assert balance(world.conn, customer_account("c-1")) == 5_000
    assert world.ops("order.documents_verified", {"order_id": order})["ok"]
    assert world.state(order) == "documents_verified"
    assert balance(world.conn, escrow_account(order)) == 0
    assert balance(world.conn, customer_account("c-1")) == FEN
    assert check(world.conn) == []


def test_refuse_then_accept(world: World) -> None:
    a = world.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    b = world.locksmith(at=(SITE[0] + 0.02, SITE[1]))
    order = world.request()
    first = world.offers_to(a)[0]
    assert world.kit(world.kits[a], "job.refuse", {"offer_id": first["offer_id"], "reason": "busy"})["ok"]
    second = world.offers_to(b)[0]
    assert world.kit(world.kits[b], "job.accept", {"offer_id": second["offer_id"]})["ok"]
    assert world.state(order) == "awaiting_customer"


def test_expire_then_accept_and_late_accept_refused(world: World) -> None:
    a = world.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    b = world.locksmith(at=(SITE[0] + 0.02, SITE[1]))
    order = world.request()
    first = world.offers_to(a)[0]
    world.tick(29_999)
    assert world.offers_to(b) == []
    world.tick(1)
    assert world.inbox("kit", world.kits[a], "job.offer_closed")[-1]["reason"] == "expired"
    late = world.kit(world.kits[a], "job.accept", {"offer_id": first["offer_id"]})
    assert not late["ok"] and late["code"] == "offer_closed"
    second = world.offers_to(b)[0]
    assert world.kit(world.kits[b], "job.accept", {"offer_id": second["offer_id"]})["ok"]
    assert world.state(order) == "awaiting_customer"


def test_accept_after_expiry_time_but_before_timer_fired_is_refused(world: World) -> None:
    a = world.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    b = world.locksmith(at=(SITE[0] + 0.02, SITE[1]))
    world.request()
    first = world.offers_to(a)[0]
    world.clock.advance(30_000)  # the hub has not run its timers yet
    late = world.kit(world.kits[a], "job.accept", {"offer_id": first["offer_id"]})
    assert not late["ok"] and late["code"] == "offer_expired"
    assert len(world.offers_to(b)) == 1


def test_everybody_refuses_goes_to_operator(world: World) -> None:
    smiths = [world.locksmith(at=(SITE[0] + 0.01 * i, SITE[1])) for i in range(1, 4)]
    order = world.request()
    for lid in smiths:
        offer = world.offers_to(lid)[0]
        world.kit(world.kits[lid], "job.refuse", {"offer_id": offer["offer_id"]})
    assert world.state(order) == "unassigned"
    assert world.last("c-1", "customer.order_status")["state"] == "unassigned"
    events = [e for e in world.inbox("operator", "*") if e["kind"] == "order.unassigned"]
    assert events and events[0]["reason"]
    # the operator sends it round again: everyone is asked afresh
    assert world.ops("order.redispatch", {"order_id": order, "reason": "try again"})["result"]["state"] == \
        "dispatching"
    live = world.live_offer(order)
    assert live is not None and live["locksmith_id"] == smiths[0]


def test_customer_rejects_twice_then_accepts(world: World) -> None:
    smiths = [world.locksmith(at=(SITE[0] + 0.01 * i, SITE[1])) for i in range(1, 4)]
    order = world.request()
    for i, lid in enumerate(smiths):
        offer = world.offers_to(lid)[0]
        assert world.kit(world.kits[lid], "job.accept", {"offer_id": offer["offer_id"]})["ok"]
        assert world.last("c-1", "customer.locksmith_card")["card"]["locksmith_id"] == lid
        world.customer("c-1", "customer.decision", {"order_id": order, "accept": i == 2})
    assert world.state(order) == "awaiting_payment"
    assert world.inbox("kit", world.kits[smiths[0]], "job.offer_closed")[-1]["reason"] == "customer_rejected"
    pay(world, order)
    assert world.state(order) == "formed"


def test_abandon_before_set_out_refunds_everything(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    world.customer("c-1", "customer.abandon", {"order_id": order, "reason": "found key"})
    assert world.state(order) == "abandoned"
    assert balance(world.conn, customer_account("c-1")) == FEN
    assert balance(world.conn, locksmith_account(lid)) == 0
    assert world.inbox("kit", world.kits[lid], "job.cancelled")


def test_abandon_after_set_out_compensates_locksmith(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    world.job(lid, order).set_out()
    world.customer("c-1", "customer.abandon", {"order_id": order})
    assert world.state(order) == "abandoned"
    assert balance(world.conn, locksmith_account(lid)) == 5_000
    assert balance(world.conn, customer_account("c-1")) == 20_000
    assert check(world.conn) == []


def test_cancel_while_dispatching_closes_the_live_offer(world: World) -> None:
    lid = world.locksmith()
    order = world.request()
    world.customer("c-1", "customer.abandon", {"order_id": order})
    assert world.state(order) == "cancelled"
    assert world.live_offer(order) is None
    assert world.inbox("kit", world.kits[lid], "job.offer_closed")[-1]["reason"] == "cancelled"


def test_withdrawal_redispatches_with_money_kept_then_cancel_returns_it(world: World) -> None:
    a = world.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    b = world.locksmith(at=(SITE[0] + 0.02, SITE[1]))
    order = form(world, a)
    assert world.job(a, order).abort("flat tyre")["ok"]
    assert world.state(order) == "dispatching"
    offer = world.offers_to(b)[-1]
    world.kit(world.kits[b], "job.accept", {"offer_id": offer["offer_id"]})
    world.customer("c-1", "customer.decision", {"order_id": order, "accept": True})
    assert world.state(order) == "formed"  # the money frozen before is reused: no second payment
    assert len(world.inbox("customer", "c-1", "customer.order_success")) == 2
    assert world.job(b, order).abort()["ok"]
    world.customer("c-1", "customer.abandon", {"order_id": order})
    assert world.state(order) == "cancelled"
    assert balance(world.conn, customer_account("c-1")) == FEN and balance(world.conn, escrow_account(order)) == 0


def test_illegal_transition_refused_with_clear_error_and_retries_are_idempotent(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    r = world.job(lid, order).complete()
    assert not r["ok"] and r["code"] == "illegal_transition" and "completed" in r["message"]
    from hub.orders.kitrecords import apply_kit_record
    from protocol import jobrecords as jr
    data = jr.encode(jr.SetOut(kit_id=world.kits[lid], locksmith_id=lid, step="set_out"))
    for _ in range(2):
        assert apply_kit_record(world.conn, world.clock, world.kits[lid], "job.set_out", order, data,
                                msg_id="01JGZ0000000000000000000ZZ") == "en_route"
    assert world.conn.execute("SELECT count(*) FROM order_transitions WHERE order_id = ? AND event = 'set_out'",
                              (order,)).fetchone()[0] == 1
    other = world.record("kit-intruder", order, jr.Arrived(kit_id="kit-intruder", locksmith_id=lid,
                                                           code_checked=True))
    assert other["code"] == "forbidden"


def test_service_code_is_delivered_once_and_scrubbed_after_sending(world: World) -> None:
    from hub.orders.outbox import mark_sent, pending

    lid = world.locksmith()
    order = form(world, lid)
    success = [m for m in pending(world.conn) if m.type == "customer.order_success"]
    assert len(success) == 1 and success[0].body["order_id"] == order
    code = success[0].body["service_code"]
    mark_sent(world.conn, world.clock, [m.seq for m in pending(world.conn)])
    assert pending(world.conn) == []
    kept = world.inbox("customer", "c-1", "customer.order_success")[-1]
    assert kept["service_code"] == "(sent)" and code != "(sent)"
    stored = world.conn.execute("SELECT code_hash FROM orders WHERE id = ?", (order,)).fetchone()[0]
    assert code not in stored

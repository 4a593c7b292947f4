"""Unassigned orders are tried again by the hub: durable timers, everyone asked afresh, at most
`retry_unassigned_max` rounds, and a restart neither loses nor repeats a round."""

from __future__ import annotations

from hub.dispatch.retry import RETRY_TIMER
from tests.hub.world import SITE, World

MIN = 60_000


def _refuse_all(world: World, order: str, smiths: list[str]) -> None:
    for lid in smiths:
        offer = world.live_offer(order)
        assert offer is not None and offer["locksmith_id"] == lid
        world.kit(world.kits[lid], "job.refuse", {"offer_id": offer["id"]})


def _auto_rounds(world: World, order: str) -> list[str]:
    return [r["reason"] for r in world.conn.execute(
        "SELECT reason FROM order_transitions WHERE order_id=? AND event='redispatch' AND actor='hub' ORDER BY seq",
        (order,))]


def test_the_hub_asks_again_until_the_rounds_are_used_up(world: World) -> None:
    world.ops("settings.set", {"key": "retry_unassigned_max", "value": "2"})
    smiths = [world.locksmith(at=(SITE[0] + 0.01 * i, SITE[1])) for i in range(1, 3)]
    order = world.request()
    _refuse_all(world, order, smiths)
    assert world.state(order) == "unassigned"
    told = world.last("c-1", "customer.order_status")
    assert told["state"] == "unassigned" and "5" in told["reason"]  # "we ask again in 5 minutes"
    world.tick(5 * MIN - 1000)
    assert world.state(order) == "unassigned"  # not before its time
    world.reopen()  # a hub restart in between: the timer is a row
    world.tick(2000)
    assert world.state(order) == "dispatching" and len(_auto_rounds(world, order)) == 1
    _refuse_all(world, order, smiths)  # everyone asked afresh, nearest first, and refuses again
    world.tick(5 * MIN)
    _refuse_all(world, order, smiths)
    assert world.state(order) == "unassigned" and len(_auto_rounds(world, order)) == 2
    events = [e for e in world.inbox("operator", "*") if e["kind"] == "order.unassigned"]
    assert [e["retry_at_ms"] is None for e in events] == [False, False, True]  # the last one is the operator's
    world.tick(60 * MIN)
    assert world.state(order) == "unassigned" and len(_auto_rounds(world, order)) == 2


def test_a_retry_finds_the_order_already_handled(world: World) -> None:
    [lid] = [world.locksmith()]
    order = world.request()
    _refuse_all(world, order, [lid])
    world.ops("order.cancel", {"order_id": order, "reason": "customer got in"})
    world.tick(10 * MIN)
    assert world.state(order) == "cancelled" and _auto_rounds(world, order) == []
    timers = world.conn.execute("SELECT state FROM timers WHERE kind=?", (RETRY_TIMER,)).fetchall()
    assert [r[0] for r in timers] == ["cancelled"]  # an order that is over waits on no timer (orders/machine.py)


def test_retries_can_be_switched_off(world: World) -> None:
    world.ops("settings.set", {"key": "retry_unassigned_max", "value": "0"})
    [lid] = [world.locksmith()]
    order = world.request()
    _refuse_all(world, order, [lid])
    world.tick(60 * MIN)
    assert world.state(order) == "unassigned" and _auto_rounds(world, order) == []
    assert world.conn.execute("SELECT count(*) FROM timers WHERE kind=?", (RETRY_TIMER,)).fetchone()[0] == 0

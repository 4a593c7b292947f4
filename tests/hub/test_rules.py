"""R-4 candidates and the three R-5 rules."""

from __future__ import annotations

from hub.registry import presence
from tests.hub.world import SITE, World


def first_offer_to(w: World, rule: str, cancel: bool = False, **kw: object) -> str:
    order = w.request(rule=rule, **kw)  # type: ignore[arg-type]
    live = w.live_offer(order)
    assert live is not None
    if cancel:  # free the locksmith again for the next request
        w.customer(str(kw.get("customer", "c-1")), "customer.abandon", {"order_id": order})
    return str(live["locksmith_id"])


def test_three_rules_pick_different_locksmiths(world: World) -> None:
    near_junior = world.locksmith(at=(SITE[0] + 0.005, SITE[1]), grade="junior")
    far_special = world.locksmith(at=(SITE[0] + 0.09, SITE[1]), grade="special")
    mid_rated = world.locksmith(at=(SITE[0] + 0.04, SITE[1]), grade="intermediate")
    for _ in range(5):
        world.conn.execute("UPDATE locksmiths SET rating_sum = rating_sum + 5, rating_count = rating_count + 1"
                           " WHERE id = ?", (mid_rated,))
    world.conn.execute("UPDATE locksmiths SET quality = ((rating_sum) * 1000 + 15000) / (rating_count + 5)"
                       " WHERE id = ?", (mid_rated,))
    assert first_offer_to(world, "eta", cancel=True) == near_junior
    assert first_offer_to(world, "quality", cancel=True, customer="c-2") == mid_rated
    assert first_offer_to(world, "grade", cancel=True, customer="c-3") == far_special
    # and under each rule the whole order of offers follows the rule: refuse down the list
    order = world.request("c-4", rule="grade")
    seen = []
    for _ in range(3):
        live = world.live_offer(order)
        assert live is not None
        seen.append(live["locksmith_id"])
        world.kit(live["kit_id"], "job.refuse", {"offer_id": live["id"]})
    assert seen == [far_special, mid_rated, near_junior]


def test_candidates_exclude_ineligible(world: World) -> None:
    good = world.locksmith(at=(SITE[0] + 0.08, SITE[1]))
    world.locksmith(at=(SITE[0] + 0.001, SITE[1]), online=False)  # kit offline
    world.locksmith(at=(SITE[0] + 0.002, SITE[1]), filed=False)  # no filing receipt
    world.locksmith(lat=SITE[0] + 0.5, lon=SITE[1], radius_km=5)  # area does not cover the site
    world.locksmith(at=(SITE[0] + 0.003, SITE[1]), scope={"safe": ["open"]})  # wrong scope
    left = world.locksmith(at=(SITE[0] + 0.004, SITE[1]))
    world.ops("locksmith.status", {"id": left, "status": "left", "reason": "resigned"})
    assert first_offer_to(world, "eta") == good


def test_suspended_unit_locksmiths_are_not_candidates(world: World) -> None:
    world.unit(1)
    suspended = world.locksmith(at=(SITE[0] + 0.001, SITE[1]))
    world.unit(2)
    other = world.locksmith(at=(SITE[0] + 0.05, SITE[1]))
    unit1 = world.conn.execute("SELECT unit_id FROM locksmiths WHERE id = ?", (suspended,)).fetchone()[0]
    assert world.ops("unit.status", {"id": unit1, "status": "suspended", "reason": "inspection"})["ok"]
    assert first_offer_to(world, "eta") == other


def test_locksmith_with_live_offer_gets_no_second_offer(world: World) -> None:
    only = world.locksmith()
    first = world.request("c-1")
    second = world.request("c-2")
    live1, live2 = world.live_offer(first), world.live_offer(second)
    assert live1 is not None and live1["locksmith_id"] == only
    assert live2 is None and world.state(second) == "unassigned"


def test_position_moves_change_the_eta_ranking(world: World) -> None:
    a = world.locksmith(at=(SITE[0] + 0.05, SITE[1]))
    b = world.locksmith(at=(SITE[0] + 0.06, SITE[1]))
    presence.kit_position(world.conn, world.clock, world.kits[b], SITE[0] + 0.001, SITE[1])
    assert first_offer_to(world, "eta") == b
    assert a


def test_busy_locksmith_is_not_offered_until_free(world: World) -> None:
    a = world.locksmith()
    order = world.request("c-1")
    offer = world.offers_to(a)[0]
    world.kit(world.kits[a], "job.accept", {"offer_id": offer["offer_id"]})
    other = world.request("c-2")
    assert world.state(other) == "unassigned"
    world.customer("c-1", "customer.abandon", {"order_id": order})
    assert world.ops("order.redispatch", {"order_id": other})["ok"]
    live = world.live_offer(other)
    assert live is not None and live["locksmith_id"] == a


def test_appointment_later_dispatches_before_the_appointment(world: World) -> None:
    a = world.locksmith()
    at = world.clock.now_ms() + 2 * 3_600_000
    order = world.request(appointment_ms=at)
    assert world.state(order) == "scheduled" and world.offers_to(a) == []
    world.tick(2 * 3_600_000 - 1_800_000 - 1)
    assert world.state(order) == "scheduled"
    world.tick(1)
    assert world.state(order) == "dispatching" and len(world.offers_to(a)) == 1


def test_offer_to_a_locksmith_who_left_meanwhile_cannot_be_accepted(world: World) -> None:
    a = world.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    b = world.locksmith(at=(SITE[0] + 0.02, SITE[1]))
    order = world.request()
    offer = world.offers_to(a)[0]
    world.ops("locksmith.status", {"id": a, "status": "left", "reason": "resigned"})
    r = world.kit(world.kits[a], "job.accept", {"offer_id": offer["offer_id"]})
    assert not r["ok"] and r["code"] == "not_eligible"
    live = world.live_offer(order)
    assert live is not None and live["locksmith_id"] == b

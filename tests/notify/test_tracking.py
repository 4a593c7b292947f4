"""The customer sees the locksmith approach: positions while en route become customer.locksmith_position,
throttled to one per 10 s, with distance and ETA; nothing before set-out or after arrival."""

from __future__ import annotations

from pathlib import Path

from hub.orders.tracking import on_position
from tests.hub.test_lifecycle import form
from tests.hub.world import SITE, World


def test_positions_reach_the_customer_only_while_en_route(tmp_path: Path) -> None:
    world = World(tmp_path / "hub.db")
    lid = world.locksmith()
    order = form(world, lid)
    kit = world.kits[lid]
    assert on_position(world.conn, world.clock, kit, SITE[0] + 0.01, SITE[1]) is None  # not set out yet
    assert world.job(lid, order).set_out()["ok"]
    assert on_position(world.conn, world.clock, kit, SITE[0] + 0.01, SITE[1]) == order
    assert on_position(world.conn, world.clock, kit, SITE[0] + 0.009, SITE[1]) is None  # within 10 s
    world.clock.advance(10_000)
    assert on_position(world.conn, world.clock, kit, SITE[0] + 0.005, SITE[1]) == order
    first, second = world.inbox("customer", "c-1", "customer.locksmith_position")
    assert 1_100 < first["distance_m"] < 1_120 and 550 < second["distance_m"] < 560
    assert second["eta_s"] < first["eta_s"] and second["lat"] == round(SITE[0] + 0.005, 6)
    assert world.job(lid, order).arrive()["ok"]
    world.clock.advance(10_000)
    assert on_position(world.conn, world.clock, kit, SITE[0], SITE[1]) is None

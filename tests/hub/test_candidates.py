"""The nearest-first search path agrees with the plain area scan on random populations."""

from __future__ import annotations

import random

from hub.dispatch import candidates
from hub.dispatch.candidates import _BY_AREA, _ORDER_BY, _rows, find, scope_bit
from tests.hub.world import SITE, World


def test_position_search_equals_area_scan(world: World) -> None:
    rng = random.Random(3)
    for _ in range(120):
        spread = rng.choice((0.01, 0.05, 0.3))
        world.locksmith(lat=SITE[0] + rng.uniform(-0.05, 0.05), lon=SITE[1] + rng.uniform(-0.05, 0.05),
                        at=(SITE[0] + rng.uniform(-spread, spread), SITE[1] + rng.uniform(-spread, spread)),
                        radius_km=rng.uniform(2, 15), online=rng.random() > 0.1)
    for site in ((SITE[0], SITE[1]), (SITE[0] + 0.03, SITE[1] - 0.02)):
        for limit in (1, 5, 16):
            fast = find(world.conn, lat=site[0], lon=site[1], lock_class="B", category="open",
                        rule="eta", limit=limit)
            import math
            c = math.cos(math.radians(site[0]))
            slow = _rows(world.conn.execute(f"{_BY_AREA} {_ORDER_BY['eta']} LIMIT :limit", {
                "lat": site[0], "lon": site[1], "c2": c * c, "bit": scope_bit("B", "open"),
                "limit": limit}), frozenset(), limit)
            assert [x.id for x in fast] == [x.id for x in slow]
            assert fast, "the population must produce candidates"
            tried = frozenset(x.n for x in slow[:2])  # those offered the order already are skipped, none else
            again = find(world.conn, tried=tried, lat=site[0], lon=site[1], lock_class="B", category="open",
                         rule="eta", limit=limit)
            assert [x.id for x in again] == [x.id for x in _rows(world.conn.execute(
                f"{_BY_AREA} {_ORDER_BY['eta']} LIMIT :limit", {"lat": site[0], "lon": site[1], "c2": c * c,
                                                                "bit": scope_bit("B", "open"), "limit": limit + 2}),
                tried, limit)]
    assert candidates.FIRST_RADIUS_KM < 5  # the growing search really ran, not only the fallback


def test_banded_key_search_equals_area_scan(world: World) -> None:
    import math
    rng = random.Random(5)
    grades = ("junior", "intermediate", "senior", "special")
    smiths = []
    for _ in range(150):
        smiths.append(world.locksmith(lat=SITE[0] + rng.uniform(-0.05, 0.05), lon=SITE[1] + rng.uniform(-0.05, 0.05),
                                      at=(SITE[0] + rng.uniform(-0.1, 0.1), SITE[1] + rng.uniform(-0.1, 0.1)),
                                      radius_km=rng.uniform(2, 15), grade=rng.choice(grades),
                                      online=rng.random() > 0.1))
    for lid in smiths:  # spread quality over bands, with ties
        world.conn.execute("UPDATE locksmiths SET quality = ? WHERE id = ?", (rng.choice((0, 1200, 3000, 3000,
                                                                                           4100, 4800, 5000)), lid))
    c = math.cos(math.radians(SITE[0]))
    for rule in ("quality", "grade"):
        for limit in (1, 7, 16, 200):
            fast = find(world.conn, lat=SITE[0], lon=SITE[1], lock_class="B", category="open",
                        rule=rule, limit=limit)
            slow = _rows(world.conn.execute(f"{_BY_AREA} {_ORDER_BY[rule]} LIMIT :limit", {
                "lat": SITE[0], "lon": SITE[1], "c2": c * c, "bit": scope_bit("B", "open"),
                "limit": limit}), frozenset(), limit)
            assert [x.id for x in fast] == [x.id for x in slow], (rule, limit)
            assert len(fast) == min(limit, len(slow)) and fast
            tried = frozenset(x.n for x in slow[1:3])
            again = find(world.conn, tried=tried, lat=SITE[0], lon=SITE[1], lock_class="B", category="open",
                         rule=rule, limit=limit)
            more = _rows(world.conn.execute(f"{_BY_AREA} {_ORDER_BY[rule]} LIMIT :limit", {
                "lat": SITE[0], "lon": SITE[1], "c2": c * c, "bit": scope_bit("B", "open"), "limit": limit + 2}),
                tried, limit)
            assert [x.id for x in again] == [x.id for x in more], (rule, limit, "tried")

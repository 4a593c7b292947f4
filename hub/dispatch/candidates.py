"""R-4 candidates over the trigger-maintained `dispatch_pool`, in SQL.

Two access paths, same filters (ready: on duty, filed, unit operating, kit online; free: no busy order,
no open offer; scope bitmask; the site inside the service-area circle; not yet tried for this order):
- rule (1), nearest first: an R*Tree of positions searched in growing squares around the site, so a
  dense city reads a few hundred rows, not every locksmith whose area covers the site;
- rules (2) and (3): an R*Tree of service-area boxes with quality and grade as extra dimensions, read in
  bands from the best key down, so only the best band of those whose area covers the site is ordered;
- the fallback: the R*Tree of service-area boxes narrows 100,000 filings to those whose box holds the
  site, then orders that slice by the rule's key.
Distances in SQL use the equirectangular approximation at the site's latitude (relative error far below
0.1 % at service-area scales); the ETA provider then ranks the shortlist precisely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hub.db import Conn
from hub.registry import validate as v
from hub.registry.geo import EARTH_RADIUS_KM

RULES = ("eta", "quality", "grade")
KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0
FIRST_RADIUS_KM = 1.0
MAX_RADIUS_KM = 400.0

_D2 = "((p.lat - :lat) * (p.lat - :lat) + (p.lon - :lon) * (p.lon - :lon) * :c2)"
_AREA_D2 = "((p.area_lat - :lat) * (p.area_lat - :lat) + (p.area_lon - :lon) * (p.area_lon - :lon) * :c2)"
# Login first: the locksmith is logged in on the kit the offer goes to, as that kit's signed session records
# say (hub/registry/kitsession.py). A predicate of its own, beside the pool's `ready`.
_LOGGED_IN = """
  AND EXISTS (SELECT 1 FROM kit_sessions s WHERE s.kit_id = p.kit_id AND s.logged_in = 1 AND s.locksmith_id = p.id)
"""
_FILTERS = f"""{_LOGGED_IN}
  AND p.ready = 1 AND p.busy = 0 AND p.offer_open = 0 AND (p.scope_bits & :bit) != 0
  AND {_AREA_D2} * {KM_PER_DEG * KM_PER_DEG} <= p.area_radius_km * p.area_radius_km
  AND p.n NOT IN (SELECT t.locksmith_n FROM offers t WHERE t.order_id = :order)
"""
_COLUMNS = f"p.n, p.id, p.kit_id, p.lat, p.lon, p.quality, p.grade_rank, {_D2} AS d2"

# CROSS JOIN fixes SQLite's plan: the R*Tree first, then the pool by primary key (the join condition is in
# WHERE, the spelling PostgreSQL also takes).
_BY_AREA = f"""
SELECT {_COLUMNS} FROM locksmith_area a CROSS JOIN dispatch_pool p
WHERE p.n = a.n AND a.min_lat <= :lat AND a.max_lat >= :lat AND a.min_lon <= :lon AND a.max_lon >= :lon {_FILTERS}
"""
_BY_POSITION = f"""
SELECT {_COLUMNS} FROM pool_pos q CROSS JOIN dispatch_pool p
WHERE p.n = q.n AND q.min_lat >= :lat0 AND q.max_lat <= :lat1 AND q.min_lon >= :lon0 AND q.max_lon <= :lon1 {_FILTERS}
ORDER BY d2, p.n LIMIT :limit
"""

# Rules (2) and (3): the area R*Tree with the rule's key as extra dimensions, read band by band from the best.
_BY_KEYS = f"""
SELECT {_COLUMNS} FROM pool_area_keys k CROSS JOIN dispatch_pool p
WHERE p.n = k.n AND k.min_lat <= :lat AND k.max_lat >= :lat AND k.min_lon <= :lon AND k.max_lon >= :lon
  AND k.min_q >= :q0 AND k.max_q <= :q1 AND k.min_g >= :g0 AND k.max_g <= :g1 {_FILTERS}
"""
MAX_QUALITY = 5_000
FIRST_QUALITY_BAND = 250

_ORDER_BY = {
    "eta": "ORDER BY d2, p.n",
    "quality": "ORDER BY p.quality DESC, d2, p.n",
    "grade": "ORDER BY p.grade_rank DESC, d2, p.n",
}


@dataclass(frozen=True)
class Candidate:
    n: int
    id: str
    kit_id: str
    lat: float
    lon: float
    quality: int
    grade_rank: int
    dist_km: float


def scope_bit(lock_class: str, action: str) -> int:
    """The same bit layout as the triggers in 017_dispatch_pool.sql."""
    return 1 << (5 * v.LOCK_CLASSES.index(lock_class) + v.ACTIONS.index(action))


def _rows(rows: Any) -> list[Candidate]:
    return [Candidate(r["n"], r["id"], r["kit_id"], r["lat"], r["lon"], r["quality"], r["grade_rank"],
                      math.sqrt(r["d2"]) * KM_PER_DEG) for r in rows]


def find(conn: Conn, *, order_id: str, lat: float, lon: float, lock_class: str, category: str,
         rule: str, limit: int) -> list[Candidate]:
    cos = max(math.cos(math.radians(lat)), 1e-6)
    params: dict[str, Any] = {"lat": lat, "lon": lon, "c2": cos * cos, "bit": scope_bit(lock_class, category),
                              "order": order_id, "limit": limit}
    if rule == "eta":
        radius = FIRST_RADIUS_KM
        while radius <= MAX_RADIUS_KM:
            dlat, dlon = radius / KM_PER_DEG, radius / KM_PER_DEG / cos
            found = _rows(conn.execute(_BY_POSITION, params | {"lat0": lat - dlat, "lat1": lat + dlat,
                                                               "lon0": lon - dlon, "lon1": lon + dlon}))
            # Exact once the shortlist is full and its farthest member is inside the searched circle:
            # everyone outside the square is farther than `radius`.
            if len(found) >= limit and found[-1].dist_km <= radius:
                return found
            radius *= 2
    if rule in ("quality", "grade"):
        return _by_bands(conn, rule, params, limit)
    return _rows(conn.execute(f"{_BY_AREA} {_ORDER_BY[rule]} LIMIT :limit", params))


def _bands(rule: str) -> list[tuple[int, int, int, int]]:
    """(q0, q1, g0, g1) key ranges, best first; every candidate falls in exactly one."""
    if rule == "grade":
        return [(0, MAX_QUALITY, g, g) for g in (4, 3, 2, 1)]
    bands, hi, width = [], MAX_QUALITY, FIRST_QUALITY_BAND
    while hi >= 0:
        lo = max(0, hi - width + 1)
        bands.append((lo, hi, 1, 4))
        hi, width = lo - 1, width * 2
    return bands


def _by_bands(conn: Conn, rule: str, params: dict[str, Any], limit: int) -> list[Candidate]:
    """All of a better band precede any of a worse one under the rule, so the shortlist is the bands'
    results concatenated, each ordered by the rule's key then distance."""
    found: list[Candidate] = []
    for q0, q1, g0, g1 in _bands(rule):
        rows = conn.execute(f"{_BY_KEYS} {_ORDER_BY[rule]} LIMIT :limit",
                            params | {"q0": q0, "q1": q1, "g0": g0, "g1": g1, "limit": limit - len(found)})
        found += _rows(rows)
        if len(found) >= limit:
            break
    return found

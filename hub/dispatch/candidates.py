"""R-4 candidates in one SQL statement.

The R*Tree on service-area bounding boxes narrows 100,000 filings to those whose box holds the site;
the exact circle test, filing, duty, unit, kit presence, scope and "free" (no live offer, no busy
order, not already tried for this order) are checked on that slice only. Rows come back ordered by the
rule's key with straight-line distance as tie-break, limited to a shortlist the ETA provider refines.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from hub.registry.geo import sql_haversine_km

RULES = ("eta", "quality", "grade")

_POS_LAT = "coalesce(l.pos_lat, l.area_lat)"  # no position reported yet: assume the area's centre
_POS_LON = "coalesce(l.pos_lon, l.area_lon)"

_BASE = f"""
SELECT l.n, l.id, l.live_kit_id AS kit_id, {_POS_LAT} AS lat, {_POS_LON} AS lon, l.quality, l.grade_rank,
       {sql_haversine_km(_POS_LAT, _POS_LON, ':lat', ':lon')} AS dist_km
FROM locksmith_area a JOIN locksmiths l ON l.n = a.n
WHERE a.min_lat <= :lat AND a.max_lat >= :lat AND a.min_lon <= :lon AND a.max_lon >= :lon
  AND l.status = 'on_duty' AND l.filing_receipt_no != '' AND l.unit_operating = 1 AND l.kit_online = 1
  AND {sql_haversine_km('l.area_lat', 'l.area_lon', ':lat', ':lon')} <= l.area_radius_km
  AND EXISTS (SELECT 1 FROM locksmith_scope s WHERE s.locksmith_n = l.n AND s.lock_class = :cls
              AND s.action = :act)
  AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.locksmith_n = l.n AND o.state = 'open')
  AND NOT EXISTS (SELECT 1 FROM orders b WHERE b.locksmith_n = l.n AND b.locksmith_busy = 1)
  AND NOT EXISTS (SELECT 1 FROM offers t WHERE t.order_id = :order AND t.locksmith_n = l.n)
"""

_ORDER_BY = {
    "eta": "ORDER BY dist_km, l.n",
    "quality": "ORDER BY l.quality DESC, dist_km, l.n",
    "grade": "ORDER BY l.grade_rank DESC, dist_km, l.n",
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


def find(conn: sqlite3.Connection, *, order_id: str, lat: float, lon: float, lock_class: str, category: str,
         rule: str, limit: int) -> list[Candidate]:
    sql = f"{_BASE} {_ORDER_BY[rule]} LIMIT :limit"
    rows = conn.execute(sql, {"lat": lat, "lon": lon, "cls": lock_class, "act": category, "order": order_id,
                              "limit": limit})
    return [Candidate(r["n"], r["id"], r["kit_id"], r["lat"], r["lon"], r["quality"], r["grade_rank"], r["dist_km"])
            for r in rows]

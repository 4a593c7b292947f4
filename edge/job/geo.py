"""Distance on the ground between two WGS-84 positions (haversine; metres are plenty for 'near the site')."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8


def within_arrival(distance: float, radius_m: float) -> bool:
    """Near enough to count as arrived: JobFlow.arrive flags anything farther, and the route view shows
    the same. Judged on the measured distance (an arrival records it rounded to the decimetre)."""
    return distance <= radius_m


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
